#!/bin/sh
# kill -9 while the gate runs: next stays as published, and at the next
# start the same candidate's run is marked interrupted and run again,
# and next moves once it passes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

# PID is gone (or a zombie, which init has yet to reap)
gone()
{
	! kill -0 "$1" 2>/dev/null ||
		[ "$(ps -o stat= -p "$1" | cut -c1)" = Z ]
}

gate_tree t1 t2
# the gate waits for $T/go, after the first candidate
# what a held run leaves: sleep 3000 in its process group, sleep 3001 in
# a session of its own (setsid), and the run's marker
gate_config "	command = \"if [ -e '$T/hold' ]; then sleep 3000 & echo \$! >'$T/bg.pid'; setsid sleep 3001 & echo \$! >'$T/sid.pid'; echo \$CTHULHU_GATE_RUN >'$T/marker'; while [ ! -e '$T/go' ]; do sleep 0.1; done; fi; make -s\""
start_daemon "$T/cthulhu.conf"
check "the first candidate passes" wait_for 60 settled
# the gate marks a candidate passed, then moves next: wait for that
check "next is published at the candidate that passed" \
	wait_for 60 next_is "$(sql "SELECT commit_sha FROM gate_candidates WHERE state = 'passed' ORDER BY id DESC LIMIT 1")"
published=$(rev next)
push_held t1 "t1: more"
cand=$(sql "SELECT max(id) FROM gate_candidates")
wait_for 20 test -s "$T/marker"
bg=$(cat "$T/bg.pid") sid=$(cat "$T/sid.pid") marker=$(cat "$T/marker")
rm -f "$T/bg.pid" "$T/sid.pid" "$T/marker"
like "$marker" '^/.*/state/gate#[0-9]+$' "the run's processes carry its marker"
# not the run's: a marker one digit longer, which must live on
CTHULHU_GATE_RUN="${marker}0" sleep 3002 &
decoy=$!
trap 'kill "$decoy" 2>/dev/null; test_cleanup' EXIT
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
is "$(rev next)" "$published" "after kill -9 next is as published"
is "$(sql "SELECT state FROM gate_candidates WHERE id = $cand")" gating \
	"the candidate was being gated"

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
# the row of the cut run says 'running' until the restart has marked it
run_again()
{
	[ "$(sql "SELECT count(*) FROM gate_runs WHERE candidate = $cand AND state = 'interrupted'")" = 1 ] &&
		one_run_running
}
check "the run is run again" wait_for 60 run_again
check "the process group the killed cthulhud left is killed" wait_for 30 gone "$bg"
check "and what left the group for a session of its own" wait_for 30 gone "$sid"
! gone "$decoy"
ok "but not a process with another run's marker"
kill "$decoy"
is "$(sql "SELECT count(*) FROM gate_runs WHERE candidate = $cand AND state = 'interrupted'")" 1 \
	"the cut run is recorded as interrupted"
is "$(rev next)" "$published" "next has not moved yet"
touch "$T/go"
check "the candidate passes" wait_for 60 settled
is "$(sql "SELECT state FROM gate_candidates WHERE id = $cand")" passed \
	"the same candidate passed"
check "next is that candidate" \
	wait_for 60 next_is "$(sql "SELECT commit_sha FROM gate_candidates WHERE id = $cand")"
is "$(rev next~1^2)" "$(rev t1)" "with t1's new tip"
is "$(sql "SELECT count(*) FROM gate_candidates")" 2 "no other candidate was made"
wait_for 20 test -s "$T/marker"
check "what the passing run left in its group is killed" wait_for 30 gone "$(cat "$T/bg.pid")"
check "and what it left in a session of its own" wait_for 30 gone "$(cat "$T/sid.pid")"
done_testing
