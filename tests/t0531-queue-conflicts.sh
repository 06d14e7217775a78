#!/bin/sh
# Conflicts a queued series meets before it is applied: two series that
# change the same line of a topic's file are listed on each other (each
# applies alone, not after the other), one that changes other files is on
# neither, and two for different topics that change the same lines are
# listed too; a series whose topic, with it, conflicts with another topic
# in next fails the merge check naming that topic and the file, as git
# merge-tree does, and is not gated.  Through sql, the series API and
# cthulhu show.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-check.sh"
test_init

gate_tree t1 t2
# t2 changes what main() returns
(cd "$T/src" && git checkout -q t2 && sed -i 's/return 0;/return 7;/' main.c &&
 git commit -q -am 't2: Return 7' && git push -q origin t2 && git checkout -q master)
check_config '	command = make -s' '	timeout = 120'
printf '[topic "t2"]\n\tprefixes = t2:\n' >>"$T/cthulhu.conf"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a gate" || done_testing
check "next is built and gated" wait_for 120 settled

check_series ten t1 'sed -i "s/return 1;/return 10;/" t1.c && git commit -q -am "t1: Return 10"'
check_series twenty t1 'sed -i "s/return 1;/return 20;/" t1.c && git commit -q -am "t1: Return 20"'
check_series other t1 'printf "int other(void)\n{\n\treturn 3;\n}\n" >other.c
	git add other.c && git commit -q -m "t1: Add other()"'
check_series five t1 'sed -i "s/return 0;/return 5;/" main.c && git commit -q -am "t1: Return 5 from main"'
# for t2 (its prefix), the same line of main.c as 'five'
check_series eight t2 'sed -i "s/return 7;/return 8;/" main.c && git commit -q -am "t2: Return 8 from main"'
for s in ten twenty other five eight; do
	run submit "$T/$s.mbox"
	is "$rc" 0 "series $s is submitted"
done
ten=$(series_of 'Return 10')
twenty=$(series_of 'Return 20')
other=$(series_of 'Add other()')
five=$(series_of 'Return 5 from main')
eight=$(series_of 'Return 8 from main')
for s in $ten $twenty $other $five $eight; do
	check "series $s is checked" wait_for 120 checked $s
done

# git's word: each of the two applies alone and not after the other
(cd "$T/src" && git checkout -q -B probe origin/t1 && git am -q "$T/ten.mbox")
ok "git am applies 'ten' alone"
if (cd "$T/src" && git am -q "$T/twenty.mbox") >/dev/null 2>&1; then r=applies; else r=refused; fi
is "$r" refused "git am does not apply 'twenty' after it"
(cd "$T/src" && git am --abort; git checkout -q master) >/dev/null 2>&1

is "$(check_state $ten apply) $(check_state $twenty apply)" "success success" \
	"both apply alone"
is "$(sql "SELECT other_id || ' ' || how || ' ' || path FROM series_conflicts WHERE series_id = $ten")" \
	"$twenty apply t1.c" "'ten' conflicts with 'twenty' in t1.c"
is "$(sql "SELECT other_id || ' ' || how || ' ' || path FROM series_conflicts WHERE series_id = $twenty")" \
	"$ten apply t1.c" "and 'twenty' with 'ten'"
is "$(sql "SELECT count(*) FROM series_conflicts WHERE series_id = $other OR other_id = $other")" 0 \
	"the series that changes another file conflicts with none"

api GET "/api/v1/series/$ten"
is "$status" 200 "GET /api/v1/series/ID"
is "$(printf '%s' "$body" | jq -r '[.conflicts[].series] | join(" ")')" "$twenty" \
	"lists the other series in conflicts"
like "$(printf '%s' "$body" | jq -r '.conflicts[0].says')" \
	"^conflicts with series $twenty by Sam Sender in t1.c" "and says so"
api GET "/api/v1/series/$other"
is "$(printf '%s' "$body" | jq -r '.conflicts | length')" 0 "none on the other series"
run show "$twenty"
like "$out" "conflicts:
    conflicts with series $ten by Sam Sender in t1.c" "cthulhu show lists them"

# the series on t1 that meets t2 in next
git --git-dir="$T/src.git" merge-tree --write-tree next t2 >/dev/null &&
	ok "git merges next and t2 (t2 is in next)"
is "$(check_state $five apply)" success "'five' applies to t1"
is "$(check_state $five merge)" fail "and next with it conflicts"
like "$(check_col $five merge description)" "conflicts with 't2' in next in main.c" \
	"with t2, in main.c"
is "$(check_state $five gate)" warning "so it is not gated"
# git agrees: t1 plus the series merged with t2 conflicts in main.c
(cd "$T/src" && git checkout -q -B probe origin/t1 && git am -q "$T/five.mbox" &&
 git merge-tree --write-tree --name-only probe origin/t2 >"$T/mt.out"; echo $? >"$T/mt.rc";
 git checkout -q master)
is "$(cat "$T/mt.rc")" 1 "git merge-tree finds the conflict too"
check "in main.c" grep -qx main.c "$T/mt.out"
is "$(check_state $other merge) $(check_state $other gate)" "success success" \
	"the series on another file merges and builds"

# series for two topics that change the same line
like "$(check_col $eight apply inputs)" "topic t2 at $(rev t2)" "'eight' is for t2, by its prefix"
is "$(check_state $eight apply) $(check_state $eight merge) $(check_state $eight gate)" \
	"success success success" "and applies, merges and builds"
is "$(sql "SELECT other_id || ' ' || how || ' ' || path FROM series_conflicts WHERE series_id = $eight")" \
	"$five lines main.c" "it changes the same lines of main.c as 'five'"
run show "$five"
like "$out" "conflicts with series $eight by Sam Sender in main.c \(both change the same lines\)" \
	"cthulhu show says so"
done_testing
