#!/bin/sh
# Speculative checks follow a series' versions: v2 of a series that
# conflicted with another queued series supersedes v1 and leaves the
# queue with it, so the conflict is gone from both; v2 is checked as v2
# (its own inputs), and v1 is checked no more.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-check.sh"
test_init

gate_tree t1 t2
check_config '	command = make -s' '	timeout = 120'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a gate" || done_testing
check "next is built and gated" wait_for 120 settled

check_series ten t1 'sed -i "s/return 1;/return 10;/" t1.c && git commit -q -am "t1: Return 10"'
check_series twenty t1 'sed -i "s/return 1;/return 20;/" t1.c && git commit -q -am "t1: Return 20"'
run submit "$T/ten.mbox"
run submit "$T/twenty.mbox"
ten=$(series_of 'Return 10')
v1=$(series_of 'Return 20')
check "'ten' is checked" wait_for 120 checked $ten
check "'twenty' v1 is checked" wait_for 120 checked $v1
is "$(sql "SELECT other_id FROM series_conflicts WHERE series_id = $ten")" "$v1" \
	"'ten' conflicts with v1"

# v2: the same subject, another file
(cd "$T/src" && git checkout -q -b twenty2 origin/t1 &&
 printf 'int twenty(void)\n{\n\treturn 20;\n}\n' >twenty.c && git add twenty.c &&
 GIT_AUTHOR_NAME="Sam Sender" GIT_AUTHOR_EMAIL="sam@example.org" \
	git commit -q -m "t1: Return 20" &&
 git format-patch -q -v2 --stdout origin/t1..twenty2 >"$T/twenty2.mbox" &&
 git checkout -q master)
run submit "$T/twenty2.mbox"
is "$rc" 0 "v2 is submitted"
v2=$(sql "SELECT id FROM series WHERE version = 2")
check "and supersedes v1" wait_for 60 sh -c "[ \"\$(sqlite3 -readonly '$T/state/cthulhu.db' 'SELECT superseded_by FROM series WHERE id = $v1')\" = '$v2' ]"
check "v2 is checked" wait_for 120 checked $v2
like "$(check_col $v2 apply inputs)" "^series $v2 v2; topic t1 at $(rev t1)" "as v2"
is "$(check_state $v2 apply) $(check_state $v2 gate)" "success success" "it applies and builds"
gone() { [ "$(sql "SELECT count(*) FROM series_conflicts WHERE series_id IN ($ten, $v1) OR other_id IN ($ten, $v1)")" = 0 ]; }
check "the conflict of v1 is gone from both" wait_for 60 gone
api GET "/api/v1/series/$ten"
is "$(printf '%s' "$body" | jq -r '.conflicts | length')" 0 "'ten' lists none"
before=$(check_col $v1 apply updated_at)
# the topic moves: v2 and 'ten' are checked again, v1 is not
b0=$(sql "SELECT max(id) FROM builds")
commit_on t2 "t2: More"
(cd "$T/src" && git push -q origin t2)
newer() { [ "$(sql "SELECT count(*) FROM builds WHERE id > $b0 AND state = 'done'")" -ge 1 ]; }
check "next is built again" wait_for 120 newer
newest() { check_col $v2 merge inputs | grep -q "next build $(sql "SELECT max(id) FROM builds WHERE state = 'done'") at"; }
check "v2 is checked against the new next" wait_for 120 newest
is "$(check_col $v1 apply updated_at)" "$before" "v1 is not checked again"
done_testing
