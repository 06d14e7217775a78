#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Finding the topic that breaks next: the gate's bisection against a
# linear scan (one build per merge, as linux-next builds after each
# merge), on a C tree with 30 topics of which one breaks the build.
#
#   bench/gate/run.sh [BUILD_DIR [WORK_DIR [CULPRIT]]]
#
# BUILD_DIR holds cthulhud and cthulhu (build without sanitizers:
# configure CFLAGS=-O2); WORK_DIR (default a new temporary folder) gets
# the repository; CULPRIT (default 20) is the topic that breaks.
#
# The tree is a program of one C file per topic (each adds a function and
# a header of 400 generated functions, so a build takes a while); the
# gate command is "make -s -B" (every run a whole build, as the linear
# scan's are).  Timed, for [gate] jobs = 1 and 2:
#   gate     from the push of the broken topic to the candidate that names
#            it (bisection of the failing candidate), counting its runs
#   linear   a shell loop with the git CLI: a worktree, then for each
#            merge of the same candidate in order `git checkout` and
#            `make -s -B` until the first that fails (and, for the
#            record, what building after every merge would cost)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-.}" && pwd)
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/cthulhu-bench-gate.XXXXXX")}
CULPRIT=${3:-20}
NTOPICS=30
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=$WORK
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME='Maint Ainer' GIT_COMMITTER_EMAIL=maint@example.org

. "$(dirname "$0")/../lib-c.sh"

make_tree()
{
	make_c_topics
	cd - >/dev/null
}

write_conf()
{
	{
		printf '[tree]\n\tname = bench\n\trepo = %s/src.git\n\tbase = base\n' "$WORK"
		printf '[state]\n\tdir = %s/state\n[http]\n\tlisten = 0\n' "$WORK"
		printf '[watch]\n\tpoll = 1\n[next]\n\tdebounce = 100\n'
		printf '[gate]\n\tcommand = make -s -B\n\tjobs = %s\n' "$1"
		n=1
		while [ $n -le $NTOPICS ]; do
			printf '[topic "t%d"]\n\torder = %d\n' $n $n
			n=$((n + 1))
		done
	} >"$WORK/cthulhu.conf"
}

q() { sqlite3 -readonly "$WORK/state/cthulhu.db" "$1"; }

wait_until()
{
	i=0
	while ! eval "$1" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 6000 ]; then
			echo "# timed out waiting for: $1" >&2
			exit 1
		fi
		sleep 0.05
	done
}

printf '%-44s %8s %8s %8s\n' '' runs 'wall s' 'x gate'
for jobs in 1 2; do
	make_tree
	rm -rf "$WORK/state"
	write_conf $jobs
	"$BUILD/cthulhud" -c "$WORK/cthulhu.conf" >"$WORK/daemon-$jobs.log" 2>&1 &
	pid=$!
	wait_until "[ \"\$(q \"SELECT count(*) FROM gate_candidates WHERE state = 'passed'\")\" -ge 1 ]"
	good=$(q "SELECT count(*) FROM gate_runs")
	(cd "$WORK/src" && git checkout -q t$CULPRIT &&
	 sed -i 's/return s;/return s + no_such_variable;/' t$CULPRIT.c &&
	 git commit -q -am "t$CULPRIT: Break the build" && git checkout -q master)
	t0=$(now)
	(cd "$WORK/src" && git push -q origin t$CULPRIT)
	wait_until "[ -n \"\$(q \"SELECT id FROM gate_candidates WHERE culprit = 't$CULPRIT'\")\" ]"
	t1=$(now)
	cand=$(q "SELECT id FROM gate_candidates WHERE culprit = 't$CULPRIT'")
	runs=$(q "SELECT count(*) FROM gate_runs WHERE candidate = $cand AND state IN ('passed', 'failed')")
	rounds=$(q "SELECT max(round) FROM gate_runs WHERE candidate = $cand")
	commit=$(q "SELECT commit_sha FROM gate_candidates WHERE id = $cand")
	kill "$pid"
	wait "$pid" || true
	gate_s=$(secs "$t0" "$t1")

	# the linear scan of the same candidate's merges
	wt=$WORK/linear
	rm -rf "$wt"
	git --git-dir="$WORK/src.git" worktree prune
	git --git-dir="$WORK/src.git" worktree add -q -f --detach "$wt" base
	probes=$(git --git-dir="$WORK/src.git" rev-list --first-parent --reverse base.."$commit")
	t2=$(now)
	lin=1
	(cd "$wt" && make -s -B >/dev/null 2>&1)
	first_s=
	for c in $probes; do
		lin=$((lin + 1))
		if ! (cd "$wt" && git checkout -q -f --detach "$c" &&
		      make -s -B >/dev/null 2>&1); then
			first_s=$(secs "$t2" "$(now)")
			first_n=$lin
			break
		fi
	done
	t3=$(now)
	# building after every merge: the rest too
	for c in $(echo "$probes" | tail -n +$first_n); do
		(cd "$wt" && git checkout -q -f --detach "$c" &&
		 make -s -B >/dev/null 2>&1) || true
		lin=$((lin + 1))
	done
	all_s=$(secs "$t2" "$(now)")
	git --git-dir="$WORK/src.git" worktree remove -f "$wt"

	printf '%-44s %8s %8s %8s\n' "gate bisection, jobs $jobs ($rounds rounds)" \
		"$runs" "$gate_s" 1.0
	printf '%-44s %8s %8s %8s\n' "linear scan to the culprit (git CLI)" \
		"$first_n" "$first_s" "$(echo "$first_s / $gate_s" | bc -l | cut -c1-5)"
	printf '%-44s %8s %8s %8s\n' "linear: a build after every merge" \
		"$lin" "$all_s" "$(echo "$all_s / $gate_s" | bc -l | cut -c1-5)"
	echo "# jobs $jobs: culprit t$CULPRIT of $NTOPICS found: $(q "SELECT culprit FROM gate_candidates WHERE id = $cand"); good next gated with $good run(s) first"
done
