#!/bin/sh
# A semantic conflict and its merge-fix: topic "rename" renames a C
# function, topic "caller" adds a caller of the old name; each compiles
# alone with make, next does not, and the gate (make) fails it.  After
# `cthulhu merge-fix record caller FIX` next builds and the gate passes;
# next's tree is git merge-tree's of the merges plus the fix's change,
# with one merge commit per topic naming the fix; next shows the fix; a
# changed fix changes next (no memo made without it is reused).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge-fix.sh"
. "$top_srcdir/tests/lib-next.sh"
test_init

rename_tree
check "topic 'rename' builds alone" builds rename
check "topic 'caller' builds alone" builds caller
both=$(mtree rename caller)
(cd "$T/src" && git checkout -q --detach rename && git merge -q caller -m both &&
 git push -q origin HEAD:refs/scratch/both && git checkout -q master)
check "their merge does not (the semantic conflict)" \
	eval '! builds refs/scratch/both'

gate_config '	command = make -s' '	publish = always'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a gate running make"
check "the first build is gated" wait_for 60 settled
is "$(gate_state)" failed "the gate fails next with both topics"
is "$(merged)" "rename caller " "next merges both topics"
check "next does not build" eval '! builds next'

fix=$(fix_commit one caller 's/old_name/new_name/')
s1=$(printf %.12s "$fix")
like "$(cth merge-fix record caller "$fix")" \
	"^recorded merge-fix $s1 of 'caller'; next is rebuilt" \
	"merge-fix record records the fix"
is "$(rev refs/merge-fix/caller)" "$fix" "as refs/merge-fix/caller, git's convention"

fixed()
{
	settled && [ "$(gate_state)" = passed ] &&
	[ "$(G log -1 --format=%b next)" = "Merge-fix: $fix" ]
}
check "next is rebuilt with the fix and the gate passes" wait_for 60 fixed
check "next builds" builds next
is "$(merged)" "rename caller " "next still merges both topics"
is "$(G rev-list --count --first-parent base..next)" 2 \
	"one merge commit per topic"
is "$(G rev-list --count --no-merges base..next)" 2 \
	"and the topics' commits only: the fix is not a commit of next"
is "$(G rev-parse next^2)" "$(rev caller)" "the second merge is caller's tip"
is "$(G rev-parse next^1^{tree})" "$(mtree base rename)" \
	"the first merge's tree is git merge-tree's"
is "$(G rev-parse next^{tree})" "$(with_fix "$(mtree next^1 caller)" "$fix")" \
	"next's tree is git merge-tree's of the merge plus the fix's change"
is "$(G show next:caller.c | grep -c new_name)" 1 "caller.c calls new_name()"
like "$(G log -1 --format=%B next)" \
	"^Merge branch 'caller' into next" "the merge keeps its subject"

last_build
is "$(jget "$body" '$.trigger')" merge-fix "the build's trigger is merge-fix"
is "$(jget "$body" '$.topics[1].merge_fixes[0]')" "$fix" \
	"the build records the fix on caller's merge"
is "$(jget "$body" '$.topics[0].merge_fixes')" "[]" "and none on rename's"
like "$(cth next | grep ' caller ')" "merged .* $s1\$" \
	"cthulhu next shows the fix beside caller"
like "$(cth next)" "MERGE-FIX" "in a MERGE-FIX column"

like "$(cth merge-fix list)" "caller +- +$s1 +refs/merge-fix/caller" \
	"merge-fix list shows it"
is "$(cth merge-fix list --json | jget "$(cat)" '$[0].commit')" "$fix" \
	"merge-fix list --json"

# A rebuild reuses both merges while nothing changed, the fix included.
api POST /api/v1/next/rebuild '{"wait": true}'
is "$(jget "$body" '$.merges_reused')" 2 "a rebuild reuses both merges"
was=$(rev next)

# A changed fix: the memo of caller's merge made with the first fix is
# not reused.
fix2=$(fix_commit two caller 's/return old_name();/return new_name() + 0;/')
cth merge-fix record caller "$fix2" >/dev/null
is "$(rev refs/merge-fix/caller)" "$fix2" "a second record moves the ref"
refixed() { settled && [ "$(G log -1 --format=%b next)" = "Merge-fix: $fix2" ]; }
check "next is rebuilt with the new fix" wait_for 60 refixed
isnt_was() { [ "$(rev next)" != "$was" ]; }
check "next changed" isnt_was
is "$(G rev-parse next^{tree})" "$(with_fix "$(mtree next^1 caller)" "$fix2")" \
	"its tree has the new fix's change"
is "$(G show next:caller.c | grep -c 'new_name() + 0')" 1 "caller.c has it"
is "$(G rev-parse next^1)" "$(G rev-parse "$was^1")" "rename's merge is kept"
last_build
is "$(jget "$body" '$.merges_reused') $(jget "$body" '$.merges_done')" "1 1" \
	"rename's merge is reused, caller's made again"

# The fix moved with git alone (the convention): the periodic check of
# next finds it stale.
G update-ref refs/merge-fix/caller "$fix" "$fix2"
api POST /api/v1/next/rebuild '{"wait": true}'
is "$(G log -1 --format=%b next)" "Merge-fix: $fix" \
	"a fix moved with git update-ref is applied by the next build"

# Dropping it: next is rebuilt without it.
like "$(cth merge-fix drop caller)" "^dropped merge-fix $s1 of 'caller'" \
	"merge-fix drop drops it"
is "$(rev refs/merge-fix/caller)" "" "refs/merge-fix/caller is gone"
dropped() { settled && [ -z "$(G log -1 --format=%b next)" ] && [ "$(gate_state)" = failed ]; }
check "next is rebuilt without the fix, and fails the gate again" wait_for 60 dropped
is "$(G rev-parse next^{tree})" "$both" "next is the plain merge again"
run merge-fix drop caller
is "$rc" 1 "dropping a fix that is not there is refused"
like "$err" "no merge-fix of 'caller'" "saying so"

run merge-fix record nosuch "$fix"
is "$rc" 1 "a fix of an unknown topic is refused"
like "$err" "unknown topic 'nosuch'" "naming the topic"
run merge-fix record caller no-such-rev
is "$rc" 1 "an unknown commit is refused"
like "$err" "no-such-rev" "naming it"
run merge-fix record caller "$(G rev-list --max-parents=0 base)"
is "$rc" 1 "a root commit is refused"
like "$err" "root commit" "as having no change"
run merge-fix record caller
is "$rc" 2 "record without a commit is a usage error"
is "$(rev refs/merge-fix/caller)" "" "and nothing was recorded"

stop_daemon
ok "cthulhud stops"
done_testing
