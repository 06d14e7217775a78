#!/bin/sh
# Speculative checks of queued series with a real gate (make): a series
# that builds passes apply, merge and gate; one that breaks the build
# fails the gate with the compiler's error in its log; one that does not
# apply fails apply naming the patch and the file, and the rest is not
# tried.  The next gated is next's merges, merge-fixes included, with the
# series.  No ref moves while they run; read through sql, the series API
# and cthulhu show.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-check.sh"
test_init

gate_tree t1 t2
check_config '	command = make -s' '	timeout = 120'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a gate" || done_testing
check "next is built and gated" wait_for 120 settled
# a merge-fix of t2 (a file of its own): next's merge of t2 has it
fix=$(cd "$T/src" && git checkout -q --detach origin/t2 && echo fixed >fix.txt &&
	git add fix.txt && git commit -q -m 'fix: Add fix.txt' && git rev-parse HEAD &&
	git push -q origin HEAD:refs/scratch/fix && git checkout -q master)
cth merge-fix record t2 "$fix" >/dev/null
ok "a merge-fix of t2 is recorded"
with_fix() { settled && git --git-dir="$T/src.git" log -1 --format=%b next | grep -qx "Merge-fix: $fix"; }
check "and next is made with it" wait_for 120 with_fix

check_series good t1 'printf "int good(void)\n{\n\treturn 2;\n}\n" >good.c
	git add good.c && git commit -q -m "t1: Add good()"'
check_series broken t1 'printf "int bad(void)\n{\n\treturn no_such_variable;\n}\n" >bad.c
	git add bad.c && git commit -q -m "t1: Add bad()"'
check_series noapply t1 'printf "int gone(void)\n{\n\treturn 3;\n}\n" >gone.c
	git add gone.c && git commit -q -m "t1: Add gone()"
	sed -i s/3/4/ gone.c && git commit -q -am "t1: Make gone() return 4"' noapply~1
refs >"$T/refs.before"

for s in good broken noapply; do
	run submit "$T/$s.mbox"
	is "$rc" 0 "series $s is submitted"
done
good=$(series_of 'Add good()')
broken=$(series_of 'Add bad()')
noapply=$(series_of 'return 4')
check "the good series is checked" wait_for 120 checked "$good"
check "the broken one is checked" wait_for 120 checked "$broken"
check "the one that does not apply is checked" wait_for 120 checked "$noapply"

is "$(check_state "$good" apply) $(check_state "$good" merge) $(check_state "$good" gate)" \
	"success success success" "the good series applies, merges and builds"
like "$(check_col "$good" apply description)" "applies to 't1' at $(rev t1 | cut -c1-12)" \
	"its apply names the topic's tip"
like "$(check_col "$good" apply inputs)" "series $good v1; topic t1 at $(rev t1)" \
	"the inputs are the series and the topic's tip"
build=$(sql "SELECT id FROM builds WHERE state = 'done' ORDER BY id DESC LIMIT 1")
like "$(check_col "$good" merge inputs)" "next build $build at $(rev next)" \
	"and the build of next"

# git's word on the tree the gate ran: next merged with t1 plus the series
tree=$(sql "SELECT tree FROM check_runs WHERE id = (SELECT max(id) FROM check_runs WHERE state = 'passed')")
commit=$(sql "SELECT commit_id FROM check_runs WHERE tree = '$tree'")
is "$(git --git-dir="$T/src.git" rev-parse "$commit^{tree}")" "$tree" "the run's commit has its tree"
is "$(git --git-dir="$T/src.git" show "$commit:good.c" | grep -c 'return 2')" 1 \
	"the gated next has the series' file"
is "$(git --git-dir="$T/src.git" show "$commit:t2.c" | grep -c 'int t2')" 1 \
	"and the other topic"
check "and it builds" builds "$commit"
is "$(git --git-dir="$T/src.git" log --format=%s -1 "$commit")" "Merge branch 't2' into next" \
	"the last merge is t2's, as in next"
is "$(git --git-dir="$T/src.git" log --format=%b -1 "$commit")" "Merge-fix: $fix" \
	"with t2's merge-fix"
is "$(git --git-dir="$T/src.git" show "$commit:fix.txt")" fixed "whose change it has"
is "$(git --git-dir="$T/src.git" diff --name-only next "$commit")" good.c \
	"git: it is next with the series' file and nothing else"

is "$(check_state "$broken" apply) $(check_state "$broken" merge) $(check_state "$broken" gate)" \
	"success success fail" "the broken series applies and merges, and fails the gate"
like "$(check_col "$broken" gate description)" "fails on next with the series" \
	"the gate check says so"
like "$(check_col "$broken" gate log)" "no_such_variable" "its log's tail has the compiler's error"
logf=$(check_col "$broken" gate log | sed -n 's/^log: //p' | head -1)
like "$logf" "^$T/state/check/logs/" "the log is kept in the state dir"
check "and is there" grep -q no_such_variable "$logf"

is "$(check_state "$noapply" apply)" fail "the other series does not apply"
like "$(check_col "$noapply" apply description)" "'patch' .*gone.c" \
	"the apply check names the patch and the file"
is "$(check_state "$noapply" merge) $(check_state "$noapply" gate)" "warning warning" \
	"merge and gate are not tried"
like "$(check_col "$noapply" gate description)" "not tried: the series does not apply to 't1'" \
	"and say why"

refs >"$T/refs.after"
check "no ref moved" cmp "$T/refs.before" "$T/refs.after"
is "$(git --git-dir="$T/src.git" for-each-ref refs/heads/next --format='%(objectname)')" \
	"$(sql "SELECT result FROM builds WHERE id = $build")" "next is still the build's"

api GET "/api/v1/series/$broken"
is "$status" 200 "GET /api/v1/series/ID"
is "$(printf '%s' "$body" | jq -r '.conflicts | length')" 0 "with no conflicts"
run show "$good"
is "$rc" 0 "cthulhu show"
done_testing
