#!/bin/sh
# A push to a topic while the gate runs makes a new candidate: the old
# one is stale, its run is killed, and it is never published; next goes
# from the last gated value to the new candidate.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

gate_tree t1 t2
gate_config "	command = \"if [ -e '$T/hold' ]; then while [ ! -e '$T/go' ]; do sleep 0.1; done; fi; make -s\""
start_daemon "$T/cthulhu.conf"
check "the first candidate passes" wait_for 60 settled
# the gate marks a candidate passed, then moves next: wait for that
check "next is published at the candidate that passed" \
	wait_for 60 next_is "$(sql "SELECT commit_sha FROM gate_candidates WHERE state = 'passed' ORDER BY id DESC LIMIT 1")"
published=$(rev next)
push_held t1 "t1: first move"
old=$(sql "SELECT max(id) FROM gate_candidates")
old_commit=$(sql "SELECT commit_sha FROM gate_candidates WHERE id = $old")
commit_on t2 "t2: a push during the gate"
(cd "$T/src" && git push -q origin t2)
newer()
{
	[ "$(sql "SELECT count(*) FROM gate_candidates WHERE id > $old")" -ge 1 ]
}
check "the push makes a new candidate" wait_for 60 newer
is "$(sql "SELECT state FROM gate_candidates WHERE id = $old")" stale \
	"the old candidate is stale"
old_cancelled()
{
	[ "$(sql "SELECT state FROM gate_runs WHERE candidate = $old")" = cancelled ]
}
check "its run is killed" wait_for 30 old_cancelled
is "$(rev next)" "$published" "next has not moved"
touch "$T/go"
check "the new candidate passes" wait_for 60 settled
new=$(sql "SELECT max(id) FROM gate_candidates")
is "$(sql "SELECT state FROM gate_candidates WHERE id = $new")" passed \
	"the new candidate passed"
check "next is the new candidate" \
	wait_for 60 next_is "$(sql "SELECT commit_sha FROM gate_candidates WHERE id = $new")"
is "$(rev next^2)" "$(rev t2)" "with t2's push"
is "$(rev next~1^2)" "$(rev t1)" "and t1's"
! git --git-dir="$T/src.git" reflog show --format=%H next | grep -q "$old_commit"
ok "next never was the stale candidate"
done_testing
