#!/bin/sh
# A kick of a rebuild that is already queued joins it: the queued build
# takes on the kick's reasons instead of dropping them.  Here a topic
# move queues a rebuild held back by a long debounce, and a topic added
# through the API asks for another; the one build says "topics" and its
# job keeps both reasons, across a restart too.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-next.sh"
test_init

topic_tree t1 t2 t3

write_config "$T/cthulhu.conf" "$T/src.git" \
	'[topic "t1"]' '	order = 1' '[topic "t2"]' '	order = 2' \
	'[next]' '	debounce = 60000'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

queued_rebuild()
{
	sql "SELECT args FROM jobs WHERE type = 'next-rebuild' AND state = 'queued'"
}
check "next is built at start-up" wait_for 30 built_is "t1 t2 "

(cd "$T/src" && git checkout -q t1 && echo more >> t1 &&
 git commit -q -am 't1: more' && git push -q origin t1 && git checkout -q master)
move_queued() { [ "$(queued_rebuild)" = '{"trigger":"topic"}' ]; }
check "a move queues a rebuild behind its debounce" wait_for 30 move_queued

cth topics add t3 --branch t3 >/dev/null
ok "a topic added through the API while it waits"
both_reasons()
{
	[ "$(queued_rebuild)" = '{"trigger":"topics","triggers":["topic","topics"]}' ]
}
check "the queued rebuild takes the new reason and keeps the old" \
	wait_for 30 both_reasons
is "$(sql "SELECT count(*) FROM jobs WHERE type = 'next-rebuild' AND state = 'queued'")" \
	1 "and stays one job"
is "$(sql "SELECT count(*) FROM builds")" 1 "nothing is built yet"

# Stopped before the debounce ends, the job stays queued with both
# reasons; the next start runs it at once.
stop_daemon
ok "cthulhud stops with the rebuild queued"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
check "the queued rebuild runs and takes in the move and the topic" \
	wait_for 30 built_is "t1 t2 t3 "
is "$(last_trigger)" topics \
	"the build says the topics changed"
is "$(git --git-dir="$T/src.git" rev-parse next^1^1^2)" \
	"$(git --git-dir="$T/src.git" rev-parse t1)" "next has t1's new tip"
is "$(sql "SELECT count(*) FROM builds")" 2 "one build for both reasons"

stop_daemon
ok "cthulhud stops cleanly"
done_testing
