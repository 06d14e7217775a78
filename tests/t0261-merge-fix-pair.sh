#!/bin/sh
# A merge-fix of a pair of topics (`merge-fix record caller FIX --with
# rename`) is applied at the later of the two merges, and only when the
# other topic is in next: not when rename is left out of next (into-next
# = false), again when it is back, also when recorded the other way
# round.  A commit of a pair's fix is kept from gc by a ref, and the
# fixes, own and pairs, are kept across a restart.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge-fix.sh"
. "$top_srcdir/tests/lib-next.sh"
test_init

rename_tree
conf()
{
	write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 0' \
		'[next]' '	debounce = 100' \
		'[topic "rename"]' '	order = 1' "	into-next = $1" \
		'[topic "caller"]' '	order = 2'
}
conf true
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"
api POST /api/v1/next/rebuild '{"wait": true}'
is "$(merged)" "rename caller " "next merges both topics"

fix=$(fix_commit one caller 's/old_name/new_name/')
s1=$(printf %.12s "$fix")
like "$(cth merge-fix record caller "$fix" --with rename)" \
	"^recorded merge-fix $s1 of 'caller' with 'rename'" \
	"merge-fix record --with records a pair's fix"
is "$(rev refs/merge-fix/caller)" "" "it is not caller's own fix"
is "$(rev "refs/cthulhu/merge-fix/$fix")" "$fix" \
	"a ref keeps its commit from gc"
G update-ref -d refs/fixes/one
G reflog expire --expire=now --all && G gc -q --prune=now
is "$(G cat-file -t "$fix")" commit "the commit outlives gc"
is "$(sql "SELECT topic || ' ' || other || ' ' || commit_id FROM merge_fixes")" \
	"caller rename $fix" "the pair is a row"

with_pair()
{
	build_done && [ "$(G log -1 --format=%b next)" = "Merge-fix: $fix (with 'rename')" ]
}
check "next is rebuilt with the fix on caller's merge" wait_for 60 with_pair
is "$(G rev-parse next^{tree})" "$(with_fix "$(mtree next^1 caller)" "$fix")" \
	"next's tree is git merge-tree's of the merge plus the fix's change"
is "$(G rev-parse next^1^{tree})" "$(mtree base rename)" \
	"rename's merge has no fix"
check "next builds" builds next
like "$(cth merge-fix list)" "caller +rename +$s1" "merge-fix list shows the pair"

# rename out of next: the pair's fix is not applied.
conf false
kill -HUP "$DAEMON_PID"
without_rename() { build_done && [ "$(merged)" = "caller " ]; }
check "with rename out of next, next merges caller alone" wait_for 60 without_rename
is "$(G log -1 --format=%b next)" "" "without the pair's fix"
is "$(G rev-parse next^{tree})" "$(mtree base caller)" \
	"next's tree is git merge-tree's of caller alone"
check "and builds" builds next
last_build
is "$(jget "$body" '$.topics[0].merge_fixes')" "[]" \
	"the build records no fix on caller's merge"

conf true
kill -HUP "$DAEMON_PID"
check "rename back in next: the fix again" wait_for 60 with_pair
check "next builds" builds next

# The pair recorded the other way round is applied at the later merge,
# caller's, too.
like "$(cth merge-fix drop caller --with rename)" \
	"^dropped merge-fix $s1 of 'caller' with 'rename'" "merge-fix drop --with"
no_fix() { build_done && [ -z "$(G log -1 --format=%b next)" ]; }
check "next is rebuilt without it" wait_for 60 no_fix
is "$(rev "refs/cthulhu/merge-fix/$fix")" "" "its keep-alive ref is gone"
run merge-fix drop caller --with rename
is "$rc" 1 "dropping it again is refused"
like "$err" "no merge-fix of 'caller' with 'rename'" "saying so"
G update-ref refs/fixes/one "$fix"
cth merge-fix record rename "$fix" --with caller >/dev/null
check "recorded as rename's with caller, it is applied at caller's merge" \
	wait_for 60 with_pair
is "$(G log -1 --format=%b next^1)" "" "not at rename's"
is "$(G rev-parse next^{tree})" "$(with_fix "$(mtree next^1 caller)" "$fix")" \
	"next's tree has the fix"
run merge-fix record rename "$fix" --with rename
is "$rc" 1 "a pair of a topic with itself is refused"
run merge-fix record rename "$fix" --with nosuch
is "$rc" 1 "a pair with an unknown topic is refused"
like "$err" "unknown topic 'nosuch'" "naming it"

# Restart: the fixes are kept (the pair's row, and an own fix's ref).
fix2=$(fix_commit two caller '1i /* caller.c: callers of lib.c */')
cth merge-fix record caller "$fix2" >/dev/null
both_fixes()
{
	build_done &&
	[ "$(G log -1 --format=%b next | sed '/^$/d' | tr '\n' '|')" = "Merge-fix: $fix2|Merge-fix: $fix (with 'rename')|" ]
}
check "an own fix and a pair's fix apply together, the own first" \
	wait_for 60 both_fixes
is "$(G show next:caller.c | sed -n '1p;6p' | tr '\n' '|')" \
	"/* caller.c: callers of lib.c */|	return new_name();|" \
	"caller.c in next has both fixes"
is "$(G rev-parse next^{tree})" \
	"$(with_fix "$(with_fix "$(mtree next^1 caller)" "$fix2")" "$fix")" \
	"next's tree is the merge's with both fixes' changes"
check "next builds" builds next
before=$(G rev-parse next^{tree})
stop_daemon
ok "cthulhud stops"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
list=$(cth merge-fix list --json)
is "$(jget "$list" '$[0].topic') $(jget "$list" '$[0].commit')" "caller $fix2" \
	"the own fix is kept across the restart"
is "$(jget "$list" '$[1].topic') $(jget "$list" '$[1].with') $(jget "$list" '$[1].commit')" \
	"rename caller $fix" "and the pair's"
api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
is "$(jget "$body" '$.topics[1].merge_fixes')" "[\"$fix2\",\"$fix\"]" \
	"a full rebuild after the restart applies both"
is "$(jget "$body" '$.topics[1].outcome')" merged "cleanly"
is "$(G rev-parse next^{tree})" "$before" "to the same tree"

stop_daemon
ok "cthulhud stops"
done_testing
