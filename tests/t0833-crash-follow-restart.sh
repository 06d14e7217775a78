#!/bin/sh
# A topic rebased by hand is followed a moment after its move is recorded
# (applied-follow waits for a burst of pushes), and that wait is only in
# memory.  Killed within it, cthulhud has the forced move in its events
# but never followed it: at start-up it follows what it has not, so the
# applied rows name the rebased commits.  (Found by the crash loop.)
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-apply.sh"
test_init

apply_tree || exit 1
(
	cd "$T/w"
	git checkout -q -b s1 base
	for j in 1 2; do
		echo "s1 $j" >"s1-$j.txt" && git add "s1-$j.txt"
		GIT_AUTHOR_NAME="Pat Author" GIT_AUTHOR_EMAIL="pat@example.org" \
			git commit -q -m "s1: Add file $j"
	done
	GIT_COMMITTER_NAME="Pat Author" GIT_COMMITTER_EMAIL="pat@example.org" \
		git format-patch -q --cover-letter --thread=shallow -o "$T/fp" base..s1
	sed -i 's/\*\*\* SUBJECT HERE \*\*\*/s1: Add files/' "$T/fp/0000-cover-letter.patch"
	cat "$T/fp"/*.patch >"$T/s1.mbox"
) || exit 1
setup_daemon "$T/src.git" "cthulhud starts" '[topic "pmu"]' '	order = 1' \
	'[apply]' '	link = '
cth submit "$T/s1.mbox" >/dev/null
sid=$(sql "SELECT series_id FROM patches WHERE subject = 's1: Add file 1'")
cth apply "$sid" pmu >/dev/null
ok "the series is applied"

rebase_pmu
ok "pmu rebased and pushed"
cth poke >/dev/null
ok "the forced move is recorded"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
is "$(sql "SELECT count(*) FROM applied WHERE commit_sha IN ('$(rev pmu)', '$(rev pmu~1)')")" 0 \
	"killed before the rows followed"

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
last=$(sql "SELECT max(id) FROM events")
followed()
{
	[ "$(sql "SELECT coalesce((SELECT value FROM meta WHERE key = 'applied.followed'), 0)")" -ge "$last" ]
}
check "the forced move is followed after the restart" wait_for 30 followed
is "$(sql "SELECT group_concat(commit_sha, ' ') FROM (SELECT commit_sha FROM applied ORDER BY number)")" \
	"$(rev pmu~1) $(rev pmu)" "the rows name the rebased commits"
is "$(sql "SELECT group_concat(state) FROM applied")" "applied,applied" "still applied"
is "$(sql "SELECT count(*) FROM notifications WHERE kind = 'sha1-changed'")" 1 \
	"the author is told of the new SHA1s"
stop_daemon
ok "cthulhud stops"
done_testing
