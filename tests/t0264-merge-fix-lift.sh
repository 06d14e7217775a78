#!/bin/sh
# A merge-fix lifts the gate's ejection, end to end with real git and a
# real make: topic "rename" renames old_name() to new_name(), topic
# "caller" adds a caller of old_name(); each builds alone, next of both
# does not.  The gate ejects caller, naming rename as the topic it fails
# together with.  A pair's fix with a topic the gate did not name lifts
# nothing; `cthulhu merge-fix record caller FIX --with rename` lifts the
# ejection: next is built again with caller at its tip and the fix, the
# gate passes, and next (git says) has caller's tip and the fix's change;
# the ejection is cleared, in the database, the API, `cthulhu gate` and
# `cthulhu next`, and stays so across a restart.  A topic's own fix
# moved with git into refs/merge-fix/<topic> lifts an ejection too.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge-fix.sh"
. "$top_srcdir/tests/lib-next.sh"
test_init

rename_tree
c_topic other
check "topic 'rename' builds alone" builds rename
check "topic 'caller' builds alone" builds caller
(cd "$T/src" && git checkout -q --detach rename && git merge -q caller -m both &&
 git push -q origin HEAD:refs/scratch/both && git checkout -q master)
check "their merge does not (the semantic conflict)" \
	eval '! builds refs/scratch/both'

gate_config '	command = make -s' '	timeout = 120'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a gate running make"
caller_out()
{
	[ "$(ejection_state caller)" = ejected ] && settled &&
	[ "$(gate_state)" = passed ]
}
check "the gate ejects caller and passes without it" wait_for 180 caller_out
is "$(sql "SELECT partner FROM gate_ejections WHERE topic = 'caller'")" rename \
	"naming rename as the topic it fails together with"
is "$(merged)" "rename other " "next has rename and other, not caller"
! G merge-base --is-ancestor "$(rev caller)" next
ok "(git agrees: caller's tip is not in next)"
check "next builds" builds next
tip_caller=$(rev caller)
is "$(cth cooking --json | jq -r '.topics[] | select(.name == "caller") | .state')" \
	ejected "what's cooking says caller is ejected"

# A pair's fix with another topic than the one the gate named lifts
# nothing: caller stays out.
fix=$(fix_commit one caller 's/old_name/new_name/')
s1=$(printf %.12s "$fix")
out=$(cth merge-fix record caller "$fix" --with other)
ok "merge-fix record caller --with other"
! printf '%s' "$out" | grep -q lifted
ok "it says nothing is lifted"
is "$(ejection_state caller)" ejected "caller's ejection holds"
api POST /api/v1/next/rebuild '{"wait": true}'
is "$(jget "$body" "\$.topics[1].gate")" ejected \
	"a build then still leaves caller out"
cth merge-fix drop caller --with other >/dev/null
ok "that fix is dropped"
wait_for 120 settled
is "$(merged)" "rename other " "and next is as it was"

# The fix of the pair the gate named lifts the ejection.
out=$(cth merge-fix record caller "$fix" --with rename)
like "$out" "^recorded merge-fix $s1 of 'caller' with 'rename'" \
	"merge-fix record caller --with rename"
like "$out" "the gate's ejection of 'caller' is lifted" "says it lifts the ejection"
like "$(ejection_state caller)" '^(lifted|cleared)$' "the ejection is lifted at once"
is "$(sql "SELECT merge_fix FROM gate_ejections WHERE topic = 'caller' ORDER BY id DESC LIMIT 1")" \
	"$fix" "by the fix"
back_in()
{
	[ "$(ejection_state caller)" = cleared ] && settled &&
	[ "$(gate_state)" = passed ] && next_is "$(sql "SELECT result FROM builds b JOIN gate_candidates c ON c.build = b.id ORDER BY c.id DESC LIMIT 1")"
}
check "the gate passes next with caller and clears the ejection" wait_for 180 back_in
is "$(sql "SELECT count(*) FROM gate_ejections WHERE topic = 'caller'")" 1 \
	"caller was not ejected again"
is "$(merged)" "rename caller other " "next merges caller again"
check "next has caller's tip (git merge-base)" \
	G merge-base --is-ancestor "$tip_caller" next
is "$(G rev-parse next^1^2)" "$tip_caller" "caller's merge is of its tip"
is "$(G log -1 --format=%b next^1)" "Merge-fix: $fix (with 'rename')" \
	"and names the fix"
is "$(G rev-parse next^1^{tree})" "$(with_fix "$(mtree next^1^1 caller)" "$fix")" \
	"its tree is git merge-tree's plus the fix's change"
is "$(G show next:caller.c | grep -c new_name)" 1 "caller.c calls new_name() in next"
check "next builds with make" builds next
check "next never held a tree that does not build" every_next_builds

# Where it shows.
cand=$(sql "SELECT max(id) FROM gate_candidates WHERE state = 'passed'")
build=$(sql "SELECT build FROM gate_candidates WHERE id = $cand")
is "$(sql "SELECT gate FROM build_topics WHERE build = $build AND topic = 'caller'")" \
	lifted "the passing build merged caller as lifted"
api GET /api/v1/next/gate
is "$status" 200 "GET /api/v1/next/gate"
is "$(printf '%s' "$body" | jq -r '.ejections[] | select(.topic == "caller") | .state')" \
	cleared "the API shows caller's ejection cleared"
is "$(printf '%s' "$body" | jq -r '.ejections[] | select(.topic == "caller") | .merge_fix')" \
	"$fix" "by the fix"
api GET "/api/v1/next/builds/$build"
is "$(jget "$body" '$.topics[1].gate')" lifted "the build's caller is lifted"
like "$(jget "$body" '$.topics[1].gate_reason')" \
	"^merge-fix $s1 recorded: the gate passes with it, in next at its tip; it was ejected: caller builds alone and fails together with rename" \
	"with the gate's word"
is "$(jget "$body" '$.topics[1].merge_fixes[0]')" "$fix" "and the fix"
cth gate >"$T/gate.out"
like "$(cat "$T/gate.out")" "caller +cleared" "cthulhu gate lists the ejection cleared"
like "$(cat "$T/gate.out")" "caller: lifted by merge-fix $s1: the gate passes with it" \
	"and says the merge-fix lifted it"
is "$(cth cooking --json | jq -r '.topics[] | select(.name == "caller") | .state')" \
	in-next "what's cooking says caller is in next"
cth next >"$T/next.out"
ok "cthulhu next"
like "$(grep ' caller ' "$T/next.out")" "merged .* lifted .* $s1" \
	"marks caller lifted, with its merge-fix"
like "$(cat "$T/next.out")" "caller: lifted: merge-fix $s1 recorded: the gate passes with it" \
	"and says why"

# A restart keeps it; a rebuild keeps caller at its tip.
stop_daemon
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
is "$(ejection_state caller)" cleared "the ejection stays cleared"
api POST /api/v1/next/rebuild '{"full": true, "wait": true}'
is "$(jget "$body" '$.topics[1].tip')" "$tip_caller" \
	"a full rebuild merges caller at its tip"
is "$(jget "$body" '$.topics[1].gate')" "" "and the gate no longer marks it"
wait_for 120 settled
is "$(gate_state)" passed "the gate passes it"
check "next still has caller" G merge-base --is-ancestor "$tip_caller" next

# caller calls old_name() once more, in caller2.c: ejected again, it
# falls back to its last good tip.  Its own fix moved into
# refs/merge-fix/caller with git, while cthulhud is stopped, lifts that
# ejection once cthulhud looks at next again (at start-up).
(cd "$T/src" && git checkout -q caller &&
 printf 'int old_name(void);\n\nint caller2(void)\n{\n\treturn old_name();\n}\n' >caller2.c &&
 git add caller2.c && git commit -q -m 'caller: Add caller2()' &&
 git checkout -q master && git push -q origin caller)
tip2=$(rev caller)
check "caller is ejected again and falls back to its last good tip" \
	wait_for 180 fell_back caller
is "$(sql "SELECT good_tip FROM gate_ejections WHERE topic = 'caller' ORDER BY id DESC LIMIT 1")" "$tip_caller" "its last good tip is the one the fix let in"
stop_daemon
(cd "$T/src" && git checkout -q --detach "$tip2" &&
 sed -i 's/old_name/new_name/' caller2.c && git commit -q -am 'caller: Fix caller2() for next' &&
 git checkout -q master)
own=$(git -C "$T/src" rev-parse HEAD@{1})
(cd "$T/src" && git push -q origin "$own:refs/fixes/own")
G update-ref refs/merge-fix/caller "$own"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with refs/merge-fix/caller moved with git"
tip2_in()
{
	[ "$(ejection_state caller)" = cleared ] && settled &&
	[ "$(gate_state)" = passed ] && G merge-base --is-ancestor "$tip2" next
}
check "the fix lifts the ejection and the gate passes caller at its tip" \
	wait_for 180 tip2_in
is "$(sql "SELECT merge_fix FROM gate_ejections WHERE topic = 'caller' ORDER BY id DESC LIMIT 1")" \
	"$own" "the ejection was lifted by the fix moved with git"
is "$(G log -1 --format=%b next^1)" "Merge-fix: $own
Merge-fix: $fix (with 'rename')" "caller's merge takes its own fix and the pair's"
check "next builds" builds next
check "next never held a tree that does not build" every_next_builds
done_testing
