#!/bin/sh
# A gate that fails on the base alone stops: the message says so, no
# topic is blamed or ejected and nothing is published.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

make_c_tree
(cd "$T/src" && echo 'int main(void) { return missing; }' > main.c &&
 git commit -q -am 'Break the base' && git tag -f base &&
 git push -q -f origin master base)
c_topic t1
c_topic t2
c_topic t3
gate_config '	command = make -s'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"
check "the gate settles" wait_for 60 settled
is "$(gate_state)" base-failed "the candidate fails on the base"
is "$(rev next)" "" "nothing is published: next does not exist"
is "$(sql "SELECT count(*) FROM gate_ejections")" 0 "no topic is ejected"
is "$(sql "SELECT state FROM gate_runs WHERE probe = 0")" failed \
	"the base alone was run, and failed"
like "$(sql "SELECT reason FROM gate_candidates")" \
	"the gate fails on the base 'base' \([0-9a-f]{12}\) alone: nothing is published" \
	"the reason says so"
cth next > "$T/next.out"
like "$(cat "$T/next.out")" "gate: the gate fails on the base 'base'" \
	"cthulhu next says so"
is "$(sql "SELECT count(*) FROM builds")" 1 "and nothing is built again"
done_testing
