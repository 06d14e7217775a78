#!/bin/sh
# A merge-fix that no longer applies (the topic changed the lines it
# fixes) is a conflict of the topic's merge: the build records it with
# the paths and the fix, cthulhu next and the API show it, the event
# stream tells it, and [next] on-conflict decides (skip leaves the topic
# out, stop stops the build).  A fix made anew applies again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge-fix.sh"
. "$top_srcdir/tests/lib-next.sh"
test_init

rename_tree
conf()
{
	write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 0' \
		'[next]' '	debounce = 100' "	on-conflict = $1" \
		'[topic "rename"]' '	order = 1' '[topic "caller"]' '	order = 2'
}
conf skip
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

fix=$(fix_commit one caller 's/old_name/new_name/')
s1=$(printf %.12s "$fix")
cth merge-fix record caller "$fix" >/dev/null
with_fix_built()
{
	build_done && [ "$(merged)" = "rename caller " ] &&
	[ "$(G log -1 --format=%b next)" = "Merge-fix: $fix" ]
}
check "next merges both topics with the fix" wait_for 60 with_fix_built
check "next builds" builds next

# follow FILE: read the event stream into FILE in the background.
curl -sSN --unix-socket "$CTHULHU_SOCKET" \
	"http://localhost/api/v1/events/stream" >"$T/stream" 2>"$T/stream.err" &
FOLLOW_PID=$!
check "the stream opens" wait_for 20 grep -q '^event: hello$' "$T/stream"

# caller changes the line the fix changes
(cd "$T/src" && git checkout -q caller &&
 sed -i 's/return old_name();/return old_name() + 1;/' caller.c &&
 git commit -q -am 'caller: Return one more' && git checkout -q master &&
 git push -q origin caller)
api POST /api/v1/next/rebuild '{"wait": true}'
is "$(jget "$body" '$.topics[1].outcome')" conflict \
	"the fix no longer applies: caller's merge is a conflict"
is "$(jget "$body" '$.topics[1].merge_fix_failed')" "$fix" "naming the fix"
is "$(jget "$body" '$.topics[1].conflicts')" '["caller.c"]' \
	"on the path where it conflicts"
is "$(jget "$body" '$.conflicts')" 1 "the build counts the conflict"
is "$(jget "$body" '$.state')" done "on-conflict = skip goes on"
is "$(merged)" "rename " "and leaves caller out of next"
is "$(G rev-parse next^{tree})" "$(mtree base rename)" \
	"next is git merge-tree's of rename alone"
check "next builds" builds next
is "$(sql "SELECT outcome || ' ' || merge_fix_failed FROM build_topics
	WHERE topic = 'caller' ORDER BY build DESC LIMIT 1")" "conflict $fix" \
	"the build's record says so"
like "$(cth next | grep ' caller ')" "conflict .*caller.c +$s1 \(does not apply\)" \
	"cthulhu next marks the fix that does not apply"
api GET /api/v1/next
is "$(jget "$body" '$.build.topics[1].merge_fix_failed')" "$fix" \
	"GET /api/v1/next has it"
check "the event stream tells it" \
	wait_for 20 grep -q "^data: .*\"state\":\"conflict\".*\"topic\":\"caller\"" "$T/stream"
line=$(grep "^data: .*\"state\":\"conflict\"" "$T/stream" | head -1)
like "$line" "\"commit\":\"$fix\"" "naming the fix"
like "$line" '"conflicts":\["caller.c"\]' "and the paths"
is "$(grep -B2 "^data: .*\"state\":\"conflict\"" "$T/stream" | sed -n 's/^event: //p' | head -1)" \
	merge-fix "as a merge-fix event"
kill "$FOLLOW_PID" 2>/dev/null
wait "$FOLLOW_PID" 2>/dev/null

# A rebuild with nothing changed keeps the conflict as it was.
api POST /api/v1/next/rebuild '{"wait": true}'
is "$(jget "$body" '$.topics[1].outcome') $(jget "$body" '$.topics[1].merge_fix_failed')" \
	"conflict $fix" "a rebuild keeps the conflict and its fix"

# on-conflict = stop: the build stops at caller.
conf stop
kill -HUP "$DAEMON_PID"
api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
is "$(jget "$body" '$.state')" stopped "on-conflict = stop stops the build"
is "$(jget "$body" '$.topics[1].merge_fix_failed')" "$fix" "at the fix"

# A fix made anew for caller's new tip applies.
fix3=$(fix_commit three caller 's/old_name() + 1/new_name() + 1/')
cth merge-fix record caller "$fix3" >/dev/null
refixed()
{
	build_done && [ "$(merged)" = "rename caller " ] &&
	[ "$(G log -1 --format=%b next)" = "Merge-fix: $fix3" ]
}
check "a new fix applies, and next merges both again" wait_for 60 refixed
is "$(G rev-parse next^{tree})" "$(with_fix "$(mtree next^1 caller)" "$fix3")" \
	"next's tree is the merge's with the new fix's change"
check "next builds" builds next

stop_daemon
ok "cthulhud stops"
done_testing
