#!/bin/sh
# A topic rebased by hand is followed a moment after the move is seen
# (the applied-follow job waits for a burst of pushes).  A series applied
# to the topic in that moment is on the topic's tip, not on the tip the
# forced move left: following must not take its commits for lost.  (Found
# by the crash loop: a restart records a forced move, an apply follows at
# once.)
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-apply.sh"
test_init

apply_tree || exit 1
(
	cd "$T/w"
	for k in 1 2; do
		git checkout -q -b "s$k" base
		echo "s$k" >"s$k.txt" && git add "s$k.txt"
		GIT_AUTHOR_NAME="Pat Author$k" GIT_AUTHOR_EMAIL="pat$k@example.org" \
			git commit -q -m "s$k: Add a file"
		git format-patch -q --thread=shallow -o "$T/fp$k" base.."s$k"
		cat "$T/fp$k"/*.patch >"$T/s$k.mbox"
	done
) || exit 1
setup_daemon "$T/src.git" "cthulhud starts" '[topic "pmu"]' '	order = 1' \
	'[apply]' '	link = '

cth submit "$T/s1.mbox" >/dev/null && cth submit "$T/s2.mbox" >/dev/null
ok "two series in"
s1=$(sql "SELECT series_id FROM patches WHERE subject = 's1: Add a file'")
s2=$(sql "SELECT series_id FROM patches WHERE subject = 's2: Add a file'")
cth apply "$s1" pmu >/dev/null
ok "series 1 applied"

# rebase pmu by hand (new SHA1s), push it, have the move recorded at once
rebase_pmu
ok "pmu rebased and pushed"
cth poke >/dev/null
ok "the forced move is recorded"
# and before the follow runs, series 2 on top
cth apply "$s2" pmu >/dev/null
ok "series 2 applied right after"
last=$(sql "SELECT max(id) FROM events")

followed()
{
	[ "$(sql "SELECT value FROM meta WHERE key = 'applied.followed'")" -ge "$last" ]
}
check "the rebase is followed" wait_for 30 followed
is "$(sql "SELECT state FROM applied WHERE series_id = $s1")" applied \
	"series 1 is still applied"
is "$(sql "SELECT commit_sha FROM applied WHERE series_id = $s1")" "$(rev pmu~1)" \
	"with the SHA1 the rebase gave it"
is "$(sql "SELECT state FROM applied WHERE series_id = $s2")" applied \
	"series 2, applied after the forced move, is still applied"
is "$(sql "SELECT commit_sha FROM applied WHERE series_id = $s2")" "$(rev pmu)" \
	"at the tip"
is "$(sql "SELECT count(*) FROM notifications WHERE kind = 'sha1-changed'")" 1 \
	"series 1's author is told of the new SHA1, no one else"
stop_daemon
done_testing
