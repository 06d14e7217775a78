#!/bin/sh
# Many clients at once: 8 CLI submits in parallel, then 8 CLI applies in
# parallel with rebuilds and with git pushes to the same topics.  Nothing
# is lost (every acknowledged submit, apply and push is there, and in
# next), no ref is clobbered (every move of a topic is a fast-forward of
# the one before: nobody forced anything), and what did not succeed said
# so (a compare-and-swap failure is retried or reported, never ignored).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-apply.sh"
test_init

NSERIES=16
NPUSH=6

git init -q --bare "$T/src.git"
git -C "$T/src.git" config core.logAllRefUpdates always
apply_tree master:mmu master:dev || exit 1
k=1
while [ $k -le $NSERIES ]; do
	n=$((k % 2 + 1))
	make_series $k $n "$T/s$k.mbox" || exit 1
	k=$((k + 1))
done

setup_daemon "$T/src.git" "cthulhud starts" \
	'[topic "pmu"]' '	order = 1' '[topic "mmu"]' '	order = 2' \
	'[topic "dev"]' '	order = 3' '[next]' '	debounce = 50' \
	'[apply]' '	link = '

# parallel N CMD...: CMD with each of 1..N as its last argument, N at once;
# waits for all; $T/rc.I holds each one's exit status.
parallel()
{
	local n=$1 i=1 pids=
	shift
	while [ $i -le $n ]; do
		( "$@" $i; echo $? >"$T/rc.$i" ) &
		pids="$pids $!"
		i=$((i + 1))
	done
	wait $pids
}

# --- 8 submits at once, twice --------------------------------------------------

submit_one()
{
	"$CTHULHU" submit "$T/s$(($1 + off)).mbox" >"$T/submit.$(($1 + off))" 2>&1
}
off=0
parallel 8 submit_one
fails=$(cat "$T"/rc.* | grep -vc '^0$')
off=8
parallel 8 submit_one
fails=$((fails + $(cat "$T"/rc.* | grep -vc '^0$')))
is "$fails" 0 "16 submits, 8 at a time: every one acknowledged"
want=0
k=1
while [ $k -le $NSERIES ]; do
	want=$((want + $(grep -ci '^message-id: ' "$T/s$k.mbox")))
	k=$((k + 1))
done
is "$(sql 'SELECT count(*) FROM messages')" "$want" "every mail is in, once"
is "$(sql 'SELECT count(*) FROM series WHERE complete')" "$NSERIES" \
	"as $NSERIES complete series"
rm -f "$T"/rc.*

# --- applies, rebuilds and pushes at once --------------------------------------

# apply_one I: series I to pmu (odd) or mmu (even)
apply_one()
{
	local t=pmu
	local k=$(($1 + off))
	[ $((k % 2)) -eq 0 ] && t=mmu
	sid=$(sql "SELECT series_id FROM patches WHERE subject = 's$k: Add file 1'")
	"$CTHULHU" apply "$sid" "$t" >"$T/apply.$k" 2>&1
	echo "$sid $t" >"$T/apply.$k.what"
}

# pusher TOPIC: NPUSH commits pushed to TOPIC by git, each on the tip
# fetched just before; a rejected push (the daemon moved the topic in
# between) is reported by git and tried again on the new tip.  Writes
# each acknowledged commit to $T/pushed.TOPIC, each rejection to
# $T/rejected.TOPIC.  The clone goes through git's transport
# (--no-local): a local clone hardlinks the object files, and fails on a
# temporary object the daemon is writing at that moment ("hardlink
# different from source").
pusher()
{
	local topic=$1 i=1 c tries
	git clone -q --no-local "$T/src.git" "$T/p-$topic" || return 1
	cd "$T/p-$topic" || return 1
	: >"$T/pushed.$topic"
	: >"$T/rejected.$topic"
	while [ $i -le $NPUSH ]; do
		tries=0
		while :; do
			git fetch -q origin "$topic" &&
			git checkout -q -B "$topic" FETCH_HEAD || return 1
			echo "$topic push $i" >"$topic-push-$i.txt"
			git add . && git commit -q -m "$topic: Push $i" || return 1
			c=$(git rev-parse HEAD)
			if git push -q origin "$topic:$topic" 2>>"$T/push-err.$topic"; then
				echo "$c" >>"$T/pushed.$topic"
				break
			fi
			echo "$c" >>"$T/rejected.$topic"
			tries=$((tries + 1))
			[ $tries -lt 20 ] || return 1
		done
		i=$((i + 1))
	done
}

rebuilder()
{
	local i=1
	: >"$T/rebuilds"
	while [ $i -le 6 ]; do
		if [ $((i % 3)) -eq 0 ]; then full=--full; else full=; fi
		"$CTHULHU" rebuild --wait --json $full >"$T/rebuild.$i" 2>&1
		echo "$? $(jget "$(cat "$T/rebuild.$i")" '$.id')" >>"$T/rebuilds"
		i=$((i + 1))
	done
}

(pusher pmu; echo $? >"$T/pusher.pmu") &
bg=$!
(pusher dev; echo $? >"$T/pusher.dev") &
bg="$bg $!"
(rebuilder) &
bg="$bg $!"
off=0
parallel 8 apply_one
off=8
parallel 8 apply_one
wait $bg
is "$(cat "$T/pusher.pmu" "$T/pusher.dev")" "0
0" "the git pushes all went in, a rejected one again on the new tip"
echo "# git pushes rejected (and made again): pmu $(wc -l <"$T/rejected.pmu")," \
	"dev $(wc -l <"$T/rejected.dev"); applies made again by the daemon:" \
	"$(grep -c 'moved while applying' "$T/daemon.log")"

# every apply: acknowledged with its rows and commits, or refused with a
# reason and nothing recorded
applied_ok=0
k=1
while [ $k -le $NSERIES ]; do
	read -r sid t <"$T/apply.$k.what"
	rows=$(sql "SELECT count(*) FROM applied WHERE series_id = $sid")
	if grep -q '^error: ' "$T/apply.$k"; then
		echo "# apply of series $sid: $(cat "$T/apply.$k")"
		is "$rows" 0 "series $sid was refused with a reason and has no row"
	else
		applied_ok=$((applied_ok + 1))
		want=$(sql "SELECT count(*) FROM patches WHERE series_id = $sid AND has_diff")
		is "$rows" "$want" "series $sid applied to $t: one row per patch"
	fi
	k=$((k + 1))
done
is "$applied_ok" "$NSERIES" "every apply succeeded (a moved topic is applied to again)"
grep -v '^0 [0-9][0-9]*$' "$T/rebuilds" >"$T/rebuilds-bad"
is "$(cat "$T/rebuilds-bad")" "" "every rebuild --wait finished with a build"

# --- settle, then the state ----------------------------------------------------

settled()
{
	[ "$(sql "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")" = 0 ] &&
	[ "$(sql "SELECT count(*) FROM notifications WHERE state <> 'sent'")" = 0 ] &&
	[ "$(sql "SELECT tip FROM topics WHERE name = 'pmu'")" = "$(rev pmu)" ] &&
	[ "$(sql "SELECT tip FROM topics WHERE name = 'mmu'")" = "$(rev mmu)" ] &&
	[ "$(sql "SELECT tip FROM topics WHERE name = 'dev'")" = "$(rev dev)" ] &&
	git --git-dir="$T/src.git" merge-base --is-ancestor pmu next &&
	git --git-dir="$T/src.git" merge-base --is-ancestor mmu next &&
	git --git-dir="$T/src.git" merge-base --is-ancestor dev next
}
check "the daemon settles" wait_for 60 settled

for t in pmu dev; do
	lost=
	for c in $(cat "$T/pushed.$t"); do
		git --git-dir="$T/src.git" merge-base --is-ancestor "$c" next ||
			lost="$lost $c"
	done
	is "$lost" "" "every acknowledged push to $t is in next's history"
	is "$(wc -l <"$T/pushed.$t")" "$NPUSH" "($NPUSH of them)"
done
for c in $(sql "SELECT commit_sha || ':' || topic FROM applied"); do
	git --git-dir="$T/src.git" merge-base --is-ancestor "${c%%:*}" "${c#*:}" ||
		echo "${c%%:*} is not on ${c#*:}"
done >"$T/lost-applied"
is "$(cat "$T/lost-applied")" "" "every applied commit is on its topic"
is "$(sql "SELECT count(*) FROM applied WHERE state <> 'applied'")" 0 \
	"and recorded as applied"
is "$(sql "SELECT count(*) FROM events WHERE kind <> 'fast-forward'")" 0 \
	"every recorded move of a topic is a fast-forward: nothing clobbered"

# The reflog of each topic: every update starts from the value the one
# before left (no lost update), and is a fast-forward of it.
for t in pmu mmu dev; do
	git --git-dir="$T/src.git" reflog show --format='%H' "refs/heads/$t" >"$T/reflog.$t"
	bad=
	prev=
	for c in $(cat "$T/reflog.$t"); do
		# newest first: each entry is a descendant of the next line's
		if [ -n "$prev" ] &&
		   ! git --git-dir="$T/src.git" merge-base --is-ancestor "$c" "$prev"; then
			bad="$bad $c..$prev"
		fi
		prev=$c
	done
	is "$bad" "" "the reflog of $t is a chain of fast-forwards"
done
is "$(sql "SELECT count(*) FROM notifications WHERE kind = 'applied'")" "$NSERIES" \
	"one notification per applied series"
is "$(ls "$T/state/outbox/new" | wc -l)" "$NSERIES" "each in the outbox once"
is "$(sql "SELECT count(*) FROM builds WHERE state NOT IN ('done')")" 0 \
	"every build is done"
is "$(sql "SELECT result FROM builds WHERE state = 'done' ORDER BY id DESC LIMIT 1")" \
	"$(rev next)" "next is the last build"

stop_daemon
ok "cthulhud stops"
is "$(sqlite3 "$T/state/cthulhu.db" 'PRAGMA integrity_check')" ok \
	"PRAGMA integrity_check"
check "git fsck is clean" git --git-dir="$T/src.git" fsck --no-dangling
done_testing
