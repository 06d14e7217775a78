#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Speculative checks of the review queue against doing it by hand: 50
# queued series, each checked by cthulhud (apply to its topic, next
# with it merged, [gate] command on that next) against a shell loop
# with the git CLI that applies each series to the topic with `git am`
# and runs the gate command on it, one by one, in the same run.
#
#   bench/checks/run.sh [BUILD_DIR [WORK_DIR [JOBS]]]
#
# BUILD_DIR holds cthulhud and cthulhu (build without sanitizers:
# configure CFLAGS=-O2); WORK_DIR (default a new temporary folder) gets
# the repository; JOBS is [check] jobs (default 1).
#
# The tree is a C program with 4 topics (each adds a file of 400
# generated functions); the 50 series go to the first topic, each adding
# a file of 20 functions: every tenth breaks the build, every tenth
# (from the fifth) does not apply.  The gate command is "make -s -B"
# (every run a whole build) for both.  Timed:
#   checks   from the first `cthulhu submit` to every series' apply,
#            merge and gate checks made, with the gate runs they used
#   moved    a push to t4 (every tree changes): from the push to every
#            series checked against the new next
#   back     t4 put back: the trees of the first round again, whose
#            results are reused without a run
#   git am   for each series: `git checkout` of next (the build the
#            checks started from, which has the topic), `git am`, and
#            `make -s -B` when it applied (`git am --abort` when not):
#            the same files built as the check's next with the series
set -eu
BUILD=$(cd "${1:-.}" && pwd)
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/cthulhu-bench-checks.XXXXXX")}
JOBS=${3:-1}
NTOPICS=4
NSERIES=50
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=$WORK
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME='Maint Ainer' GIT_COMMITTER_EMAIL=maint@example.org

. "$(dirname "$0")/../lib-c.sh"

make_tree()
{
	rm -rf "$WORK/mail"
	mkdir -p "$WORK/mail"
	make_c_topics
	# the series, on t1, never pushed
	k=1
	while [ $k -le $NSERIES ]; do
		git checkout -q -b s$k t1
		from=t1
		case $((k % 10)) in
		0)	gen_c s$k 20 ' + no_such_variable' >s$k.c ;;
		5)	gen_c s$k 20 >s$k.c
			git add s$k.c && git commit -q -m "t1: Add s$k()"
			from=$(git rev-parse HEAD)
			sed -i 's/return s;/return s + 1;/' s$k.c ;;
		*)	gen_c s$k 20 >s$k.c ;;
		esac
		git add s$k.c && git commit -q -m "t1: Add s$k(), $k of $NSERIES"
		git format-patch -q --stdout "$from..s$k" >"$WORK/mail/s$k.mbox"
		k=$((k + 1))
	done
	git checkout -q master
	cd - >/dev/null
}

write_conf()
{
	{
		printf '[tree]\n\tname = bench\n\trepo = %s/src.git\n\tbase = base\n' "$WORK"
		printf '[state]\n\tdir = %s/state\n[http]\n\tlisten = 0\n' "$WORK"
		printf '[watch]\n\tpoll = 1\n[next]\n\tdebounce = 100\n'
		printf '[gate]\n\tcommand = make -s -B\n\ttimeout = 600\n'
		printf '[check]\n\tjobs = %s\n' "$JOBS"
		printf '[tree]\n\tdefault-topic = t1\n'
		n=1
		while [ $n -le $NTOPICS ]; do
			printf '[topic "t%d"]\n\torder = %d\n' $n $n
			n=$((n + 1))
		done
	} >"$WORK/cthulhu.conf"
}

q() { sqlite3 -readonly -cmd '.timeout 5000' "$WORK/state/cthulhu.db" "$1"; }

wait_until()
{
	i=0
	while ! eval "$1" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 24000 ]; then
			echo "# timed out waiting for: $1" >&2
			exit 1
		fi
		sleep 0.05
	done
}

make_tree
rm -rf "$WORK/state"
write_conf
"$BUILD/cthulhud" -c "$WORK/cthulhu.conf" >"$WORK/daemon.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
export CTHULHU_SOCKET=$WORK/state/cthulhud.sock
# next built and gated first: the checks start from a quiet daemon
wait_until "[ \"\$(q \"SELECT count(*) FROM gate_candidates WHERE state = 'passed'\")\" -ge 1 ]"
gate_runs0=$(q "SELECT count(*) FROM gate_runs")

t0=$(now)
k=1
while [ $k -le $NSERIES ]; do
	"$BUILD/cthulhu" submit "$WORK/mail/s$k.mbox" >/dev/null
	k=$((k + 1))
done
wait_until "[ \"\$(q \"SELECT count(*) FROM checks WHERE context IN ('apply', 'merge', 'gate') AND state <> 'pending'\")\" -eq $((NSERIES * 3)) ]"
t1=$(now)
check_s=$(secs "$t0" "$t1")
runs=$(q "SELECT count(*) FROM check_runs")
ok=$(q "SELECT count(*) FROM checks WHERE context = 'gate' AND state = 'success'")
bad=$(q "SELECT count(*) FROM checks WHERE context = 'gate' AND state = 'fail'")
noapply=$(q "SELECT count(*) FROM checks WHERE context = 'apply' AND state = 'fail'")
gate_runs1=$(q "SELECT count(*) FROM gate_runs")

# all_checked_at BUILD: every series' three checks made from BUILD
all_checked_at()
{
	[ "$(q "SELECT count(*) FROM checks WHERE context IN ('apply', 'merge', 'gate') AND state <> 'pending' AND inputs LIKE '%next build $1 at %'")" -eq $((NSERIES * 3)) ]
}
# newer_build: the latest settled build of next
newer_build() { q "SELECT max(id) FROM builds WHERE state IN ('done', 'stopped')"; }

# next moves (t4 adds a file: every tree changes), then back
b1=$(newer_build)
old_t4=$(git --git-dir="$WORK/src.git" rev-parse t4)
(cd "$WORK/src" && git checkout -q t4 && echo more >t4-notes.txt && git add t4-notes.txt &&
 git commit -q -m 't4: Add notes' && git push -q origin t4 &&
 git checkout -q master)
t4=$(now)
wait_until '[ "$(newer_build)" -gt '"$b1"' ]'
b2=$(newer_build)
wait_until "all_checked_at $b2"
t5=$(now)
runs2=$(q "SELECT count(*) FROM check_runs")
git --git-dir="$WORK/src.git" update-ref refs/heads/t4 "$old_t4"
t6=$(now)
wait_until '[ "$(newer_build)" -gt '"$b2"' ]'
b3=$(newer_build)
wait_until "all_checked_at $b3"
t7=$(now)
runs3=$(q "SELECT count(*) FROM check_runs")
moved_s=$(secs "$t4" "$t5")
back_s=$(secs "$t6" "$t7")
kill "$pid"
wait "$pid" || true
trap - EXIT

# by hand: git am and the gate command, one series after the other
wt=$WORK/byhand
rm -rf "$wt"
git --git-dir="$WORK/src.git" worktree prune
git --git-dir="$WORK/src.git" worktree add -q -f --detach "$wt" next
t2=$(now)
builds=0 h_ok=0 h_bad=0 h_noapply=0
k=1
while [ $k -le $NSERIES ]; do
	(cd "$wt" && git checkout -q -f --detach next && git clean -q -ffd)
	if (cd "$wt" && git am -q "$WORK/mail/s$k.mbox") >/dev/null 2>&1; then
		builds=$((builds + 1))
		if (cd "$wt" && make -s -B >/dev/null 2>&1); then
			h_ok=$((h_ok + 1))
		else
			h_bad=$((h_bad + 1))
		fi
	else
		(cd "$wt" && git am --abort) >/dev/null 2>&1 || true
		h_noapply=$((h_noapply + 1))
	fi
	k=$((k + 1))
done
t3=$(now)
hand_s=$(secs "$t2" "$t3")
git --git-dir="$WORK/src.git" worktree remove -f "$wt"

printf '%-44s %8s %8s %8s\n' '' runs 'wall s' 'x git am'
printf '%-44s %8s %8s %8s\n' "git am + make, one series after the other" \
	"$builds" "$hand_s" 1.0
printf '%-44s %8s %8s %8s\n' "speculative checks, [check] jobs $JOBS" \
	"$runs" "$check_s" "$(echo "$hand_s / $check_s" | bc -l | cut -c1-5)"
printf '%-44s %8s %8s %8s\n' "next moved: all checked again" \
	"$((runs2 - runs))" "$moved_s" "$(echo "$hand_s / $moved_s" | bc -l | cut -c1-5)"
printf '%-44s %8s %8s %8s\n' "next back: the same trees, results reused" \
	"$((runs3 - runs2))" "$back_s" "$(echo "$hand_s / $back_s" | bc -l | cut -c1-5)"
echo "# checks: $ok build, $bad break the build, $noapply do not apply; gate runs of next meanwhile: $((gate_runs1 - gate_runs0))"
echo "# git am: $h_ok build, $h_bad break the build, $h_noapply do not apply"
