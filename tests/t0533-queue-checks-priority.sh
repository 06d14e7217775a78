#!/bin/sh
# The speculative checks come after next's own gate: a check's gate run
# that holds the gate's only slot is stopped when a candidate of next
# needs it, the candidate is gated and next published meanwhile, and the
# check is run again afterwards, against the new next.  Its gate command
# holds only in runs of checks (their CTHULHU_GATE_RUN marker has a
# negative run id).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-check.sh"
test_init

gate_tree t1 t2
check_config "	command = \"case \$CTHULHU_GATE_RUN in *#-*) if [ -e '$T/hold' ]; then touch '$T/held'; while [ -e '$T/hold' ]; do sleep 0.1; done; fi;; esac; make -s\"" \
	'	timeout = 120' '	jobs = 1'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a gate of one job" || done_testing
check "next is built and gated" wait_for 120 settled
passed0=$(sql "SELECT count(*) FROM gate_candidates WHERE state = 'passed'")

touch "$T/hold"
check_series good t1 'printf "int good(void)\n{\n\treturn 2;\n}\n" >good.c
	git add good.c && git commit -q -m "t1: Add good()"'
run submit "$T/good.mbox"
good=$(series_of 'Add good()')
check "the check's gate run starts and holds" wait_for 120 test -e "$T/held"
first=$(sql "SELECT id FROM check_runs WHERE state = 'running'")
check "one check run is running" test -n "$first"

# a push to t2: next's candidate needs the slot
commit_on t2 "t2: More"
(cd "$T/src" && git push -q origin t2)
passed() { [ "$(sql "SELECT count(*) FROM gate_candidates WHERE state = 'passed'")" -gt "$passed0" ]; }
check "the candidate passes while the check would still hold" wait_for 120 passed
check "and next is published" wait_for 60 sh -c "[ \"\$(git --git-dir='$T/src.git' rev-parse next)\" = \"\$(git --git-dir='$T/src.git' rev-parse t2)\" ] || git --git-dir='$T/src.git' merge-base --is-ancestor t2 next"
check "the hold is still there" test -e "$T/hold"
like "$(cat "$T/daemon.log")" "check: gate run $first cancelled" "the check's run made way"
is "$(sql "SELECT count(*) FROM check_runs WHERE id = $first")" 0 "and was forgotten"

rm -f "$T/hold"
build=$(sql "SELECT max(id) FROM builds WHERE state = 'done'")
at_build() { check_col $good gate inputs | grep -q "next build $build at"; }
check "the check is made again against the new next" wait_for 120 at_build
check "and finished" wait_for 120 checked $good
is "$(check_state $good gate)" success "it passes"
done_testing
