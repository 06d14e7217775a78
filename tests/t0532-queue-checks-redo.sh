#!/bin/sh
# Speculative checks are made again when what they were made from moves,
# and survive kill -9: a push to the topic that makes a queued series
# no longer apply fails its apply check with the new tip; the topic put
# back makes the same tree again, whose gate result is reused without a
# run; cthulhud killed during a check's gate run leaves the check
# pending and nothing else, kills what the run left when it starts
# again, and runs the check again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-check.sh"
test_init

gate_tree t1 t2
check_config "	command = \"if [ -e '$T/hold' ]; then setsid sleep 3001 & echo \$! >'$T/sid.pid'; touch '$T/held'; while [ ! -e '$T/go' ]; do sleep 0.1; done; fi; make -s\"" \
	'	timeout = 120'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a gate" || done_testing
check "next is built and gated" wait_for 120 settled

check_series good t1 'printf "int good(void)\n{\n\treturn 2;\n}\n" >good.c
	git add good.c && git commit -q -m "t1: Add good()"'
run submit "$T/good.mbox"
is "$rc" 0 "a series is submitted"
good=$(series_of 'Add good()')
check "and checked" wait_for 120 checked $good
is "$(check_state $good apply) $(check_state $good gate)" "success success" "it applies and builds"
runs=$(sql "SELECT count(*) FROM check_runs")
is "$runs" 1 "with one gate run"
old_t1=$(rev t1)
gate1=$(check_col $good gate inputs)

# a push to t1 that adds good.c too: the series no longer applies
(cd "$T/src" && git checkout -q t1 && printf 'int good(void)\n{\n\treturn 9;\n}\n' >good.c &&
 git add good.c && git commit -q -m 't1: Add good() first' && git push -q origin t1 &&
 git checkout -q master)
new_t1=$(rev t1)
tip_in_inputs() { check_col $good apply inputs | grep -q "topic t1 at $1"; }
check "the apply check is made again for the new tip" wait_for 120 tip_in_inputs "$new_t1"
is "$(check_state $good apply)" fail "the series no longer applies"
like "$(check_col $good apply description)" "good.c" "on good.c"
# git agrees
if (cd "$T/src" && git checkout -q -B probe origin/t1 && git am -q "$T/good.mbox") >/dev/null 2>&1
then r=applies; else r=refused; fi
is "$r" refused "git am does not apply it either"
(cd "$T/src" && git am --abort; git checkout -q master) >/dev/null 2>&1
is "$(check_state $good gate)" warning "its gate check is not tried"

# t1 put back: the same next with the series, the same tree: no new run
git --git-dir="$T/src.git" update-ref refs/heads/t1 "$old_t1"
check "checked again at the old tip" wait_for 120 tip_in_inputs "$old_t1"
check "and gated" wait_for 120 checked $good
is "$(check_state $good apply) $(check_state $good gate)" "success success" "it applies and builds again"
is "$(sql "SELECT count(*) FROM check_runs")" "$runs" "from the tree's earlier run"
gate2=$(check_col $good gate inputs)
isnt() { [ "$1" != "$2" ]; }
check "for a build of next of its own" isnt "$gate1" "$gate2"
is "${gate2##*; tree }" "${gate1##*; tree }" "of the same tree"

# kill -9 while a check's gate run goes on
check "next settles" wait_for 120 settled
touch "$T/hold"
check_series third t1 'printf "int third(void)\n{\n\treturn 3;\n}\n" >third.c
	git add third.c && git commit -q -m "t1: Add third()"'
run submit "$T/third.mbox"
third=$(series_of 'Add third()')
check "its gate run starts" wait_for 120 test -e "$T/held"
is "$(check_state $third gate)" pending "the gate check is pending"
killed=$(sql "SELECT id FROM check_runs WHERE state = 'running'")
check "one run is running" test -n "$killed"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
is "$(check_state $third apply) $(check_state $third merge) $(check_state $third gate)" \
	"success success pending" "after kill -9 the checks are as they were"
check "what the run left still runs" kill -0 "$(cat "$T/sid.pid")"
rm -f "$T/hold" "$T/held"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again" || done_testing
gone() { ! kill -0 "$1" 2>/dev/null; }
check "what the run left is killed" wait_for 60 gone "$(cat "$T/sid.pid")"
check "the check is run again" wait_for 120 checked $third
is "$(check_state $third gate)" success "and passes"
is "$(sql "SELECT count(*) FROM check_runs WHERE id = $killed")" 0 "the cut-short run is forgotten"
is "$(sql "SELECT count(*) FROM check_runs WHERE state = 'running'")" 0 "and none is left running"
like "$(cat "$T/daemon.log")" "check: run $killed was cut short" "the log says so"
done_testing
