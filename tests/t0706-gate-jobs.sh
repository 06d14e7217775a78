#!/bin/sh
# [gate] jobs = 2: the bisection runs two probes at once, in two
# worktrees, and finds the culprit in fewer rounds than one at a time.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

gate_tree t1 t2 t3 t4 t5 t6 t7
gate_config '	command = make -s' '	jobs = 2'
start_daemon "$T/cthulhu.conf"
check "the first candidate passes" wait_for 60 settled
good6=$(rev t6)
break_topic t6
check "t6 is found, ejected and falls back" wait_for 120 fell_back t6
broken=$(sql "SELECT id FROM gate_candidates WHERE culprit = 't6'")
is "$(sql "SELECT max(round) FROM gate_runs WHERE candidate = $broken AND pair = 0")" 2 \
	"two rounds for eight merges (three with one probe at a time)"
is "$(sql "SELECT count(*) FROM gate_runs WHERE candidate = $broken AND round = 1")" 2 \
	"two probes in a round"
is "$(sql "SELECT group_concat(probe) FROM (SELECT probe FROM gate_runs WHERE candidate = $broken AND round = 1 ORDER BY probe)")" \
	"1,4" "spread evenly over the merges: thirds of (-1, 7]"
is "$(sql "SELECT count(DISTINCT slot) FROM gate_runs WHERE candidate = $broken")" 2 \
	"in two worktrees"
is "$(probe_state $broken 6)" failed "next up to t6 fails"
is "$(probe_state $broken 5)" passed "next up to t5 passes"
is "$(good_tip t6)" "$good6" "t6's last good tip"
check "next never held a tree that does not build" every_next_builds
done_testing
