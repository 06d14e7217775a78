#!/bin/sh
# A push the watcher has not seen yet when an apply or a drop moves the
# same topic is recorded as a move of its own, before the job's: the
# events table keeps every push, not one move folding the push into the
# job's (which, for a drop after a rebase, hid the rebase).  The watcher
# is slowed down here (no inotify, a poll a minute) so that the job sees
# the push first.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-apply.sh"
test_init
need_test_hooks

apply_tree || exit 1
(
	cd "$T/w"
	git checkout -q -b s1 base
	echo s1 >s1.txt && git add s1.txt
	GIT_AUTHOR_NAME="Pat Author" GIT_AUTHOR_EMAIL="pat@example.org" \
		git commit -q -m "s1: Add a file"
	git format-patch -q --thread=shallow -o "$T/fp" base..s1
	cat "$T/fp"/*.patch >"$T/s1.mbox"
) || exit 1
CTHULHU_TEST_NO_INOTIFY=1
export CTHULHU_TEST_NO_INOTIFY
setup_daemon "$T/src.git" "cthulhud starts" '[topic "pmu"]' '	order = 1' \
	'[apply]' '	link = ' '[watch]' '	poll = 60'
cth submit "$T/s1.mbox" >/dev/null
sid=$(sql "SELECT series_id FROM patches WHERE subject = 's1: Add a file'")

push()
{
	(cd "$T/w" && git fetch -q "$T/src.git" pmu && git checkout -q -B pmu FETCH_HEAD &&
	 echo "$1" >"$1.txt" && git add "$1.txt" && git commit -q -m "pmu: $1" &&
	 git push -q "$T/src.git" pmu:pmu && git rev-parse HEAD)
}

before=$(rev pmu)
pushed=$(push one)
cth apply "$sid" pmu >/dev/null
ok "a push, then at once an apply to the same topic"
is "$(rev pmu~1)" "$pushed" "the apply is on the push"
is "$(sql "SELECT old || ' ' || new || ' ' || kind FROM events WHERE topic = 'pmu' ORDER BY id")" \
	"$before $pushed fast-forward
$pushed $(rev pmu) fast-forward" "the push and the apply are a move each"

before=$(rev pmu)
pushed=$(push two)
sha=$(sql "SELECT commit_sha FROM applied WHERE series_id = $sid")
cth drop --reason test "$sha" >/dev/null
ok "a push, then at once a drop on the same topic"
is "$(sql "SELECT old || ' ' || new || ' ' || kind FROM events WHERE topic = 'pmu' ORDER BY id DESC LIMIT 2")" \
	"$pushed $(rev pmu) forced
$before $pushed fast-forward" "the push and the drop are a move each"
stop_daemon
ok "cthulhud stops"
done_testing
