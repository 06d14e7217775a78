#!/bin/sh
# next follows the set of topics, not only their moves: a topic added or
# removed through the API, or a [topic] section added or removed by a
# reload, rebuilds next at once, with the trigger saying why.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-next.sh"
test_init

topic_tree t1 t2 t3

write_config "$T/cthulhu.conf" "$T/src.git" \
	'[topic "t1"]' '	order = 1' '[topic "t2"]' '	order = 2' \
	'[next]' '	debounce = 200'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

check "next is built at start-up with t1 and t2" wait_for 30 built_is "t1 t2 "

cth topics add t3 --branch t3 >/dev/null
ok "a topic added through the API"
check "next is rebuilt with it, without a move of any branch" \
	wait_for 30 built_is "t1 t2 t3 "
is "$(last_trigger)" topics "the build says the topics changed"
tree=$(git --git-dir="$T/src.git" rev-parse next^{tree})
want=$(git --git-dir="$T/src.git" merge-tree --write-tree next^1 t3)
is "$tree" "$want" "the last merge has git merge-tree's tree"

cth topics remove t3 >/dev/null
ok "the topic removed through the API"
check "next is rebuilt without it" wait_for 30 built_is "t1 t2 "
is "$(last_trigger)" topics "and the build says so"

# A reload that takes t1 out of the config and puts t3 in.
write_config "$T/cthulhu.conf" "$T/src.git" \
	'[topic "t2"]' '	order = 2' '[topic "t3"]' '	order = 3' \
	'[next]' '	debounce = 200'
kill -HUP "$DAEMON_PID"
check "a reload that changes the topics rebuilds next" \
	wait_for 30 built_is "t2 t3 "
is "$(last_trigger)" config "the build says the config changed"

before=$(sql "SELECT count(*) FROM builds")
reloads=$(grep -c 'reloaded' "$T/daemon.log")
reloaded_again() { [ "$(grep -c 'reloaded' "$T/daemon.log")" -gt "$reloads" ]; }
kill -HUP "$DAEMON_PID"
check "a second reload" wait_for 10 reloaded_again
# The check runs as a job after the reload; a poke queues behind it.
cth poke >/dev/null
is "$(sql "SELECT count(*) FROM builds")" "$before" \
	"a reload that changes nothing builds nothing"
# A move that another build has already taken in (here an explicit
# rebuild; in life the apply job that moved the topic) needs no second
# build when the move's own debounced trigger fires.
before=$(sql "SELECT count(*) FROM builds")
(cd "$T/src" && git checkout -q t2 && echo more >> t2 &&
 git commit -q -am 't2: more' && git push -q origin t2 && git checkout -q master)
cth rebuild --wait >/dev/null
ok "a rebuild right after the move"
is "$(git --git-dir="$T/src.git" rev-parse next^2)" \
	"$(git --git-dir="$T/src.git" rev-parse t3)" "next still ends with t3"
moved_in() { git --git-dir="$T/src.git" merge-base --is-ancestor t2 next; }
check "and has t2's new tip" moved_in
event_seen() { [ "$(sql "SELECT count(*) FROM events WHERE topic = 't2'")" -ge 1 ]; }
check "the move is an event" wait_for 10 event_seen
# The move's trigger is a debounced rebuild job: wait for it to end.
move_job_done()
{
	[ "$(sql "SELECT state FROM jobs WHERE type = 'next-rebuild' AND
		  args LIKE '%\"topic\"%' ORDER BY id DESC LIMIT 1")" = done ]
}
check "the move's own trigger has run" wait_for 30 move_job_done
cth poke >/dev/null
is "$(sql "SELECT count(*) FROM builds")" "$((before + 1))" \
	"the move's own trigger built nothing more"

stop_daemon
ok "cthulhud stops cleanly"
done_testing
