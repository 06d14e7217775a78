#!/bin/sh
# A gate command that hangs is killed at [gate] timeout with its whole
# process group (a background child too); the run counts as a failure,
# so the topic that makes it hang is the culprit.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

gate_tree t1 t2 t3
gate_config "	command = \"if [ -e HANG ]; then sleep 3000 & echo \$! >'$T/bg.pid'; echo \$\$ >'$T/fg.pid'; sleep 3000; fi; make -s\"" \
	'	timeout = 2'
start_daemon "$T/cthulhu.conf"
check "the first candidate passes" wait_for 60 settled
is "$(gate_state)" passed "it passed"
# the gate marks a candidate passed, then moves next: wait for that
check "next is published at the candidate that passed" \
	wait_for 60 next_is "$(sql "SELECT commit_sha FROM gate_candidates WHERE state = 'passed' ORDER BY id DESC LIMIT 1")"
published=$(rev next)
(cd "$T/src" && git checkout -q t2 && touch HANG && git add HANG &&
 git commit -q -m 't2: Hang the gate' && git checkout -q master &&
 git push -q origin t2)
check "t2 is ejected, then falls back to its last good tip" wait_for 120 fell_back t2
is "$(sql "SELECT state FROM gate_runs WHERE id = (SELECT fail_run FROM gate_ejections)")" \
	timeout "the failing run timed out"
# PID is gone (or a zombie, which init has yet to reap)
gone()
{
	! kill -0 "$1" 2>/dev/null ||
		[ "$(ps -o stat= -p "$1" | cut -c1)" = Z ]
}
check "the hanging command is gone" gone "$(cat "$T/fg.pid")"
check "and its background child too" gone "$(cat "$T/bg.pid")"
log=$(sql "SELECT log FROM gate_runs WHERE id = (SELECT fail_run FROM gate_ejections)")
check "the log says it timed out" grep -q 'timed out after 2 s, killing process group' "$log"
check "next is published at the fallback candidate" \
	wait_for 60 next_is "$(sql "SELECT commit_sha FROM gate_candidates WHERE state = 'passed' ORDER BY id DESC LIMIT 1")"
is "$(git --git-dir="$T/src.git" rev-parse next^{tree})" \
	"$(git --git-dir="$T/src.git" rev-parse "$published^{tree}")" \
	"next is what passed before t2 moved"
check "next never held a tree that does not build" every_next_builds
done_testing
