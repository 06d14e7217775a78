#!/bin/sh
# kill -9 between the ref update of an apply or a drop and the SQLite
# transaction that records it (CTHULHU_TEST_CRASH_AT=apply-moved,
# drop-moved).  The job is run again at the next start: the apply records
# the commits the topic already ends with, the drop records the drop the
# branch already shows, each with its one notification, and the replayed
# commits' rows follow them.  Neither is done twice, nor half.  And a
# drop of a commit a rebase moved (not followed yet) drops the patch's
# new commit.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-apply.sh"
test_init
need_test_hooks

apply_tree || exit 1
(
	cd "$T/w"
	for k in 1 2; do
		git checkout -q -b "s$k" base
		for j in 1 2; do
			echo "s$k $j" >"s$k-$j.txt" && git add "s$k-$j.txt"
			GIT_AUTHOR_NAME="Pat Author$k" GIT_AUTHOR_EMAIL="pat$k@example.org" \
				git commit -q -m "s$k: Add file $j"
		done
		GIT_COMMITTER_NAME="Pat Author$k" GIT_COMMITTER_EMAIL="pat$k@example.org" \
			git format-patch -q --cover-letter --thread=shallow -o "$T/fp$k" base.."s$k"
		sed -i "s/\*\*\* SUBJECT HERE \*\*\*/s$k: Add files/" "$T/fp$k"/*.patch
		cat "$T/fp$k"/*.patch >"$T/s$k.mbox"
	done
) || exit 1

dead()
{
	! kill -0 "$DAEMON_PID" 2>/dev/null ||
		[ "$(ps -o stat= -p "$DAEMON_PID" | cut -c1)" = Z ]
}

# crash_run POINT CMD...: start cthulhud to die at POINT, run the CLI
crash_run()
{
	local point=$1
	shift
	CTHULHU_TEST_CRASH_AT=$point
	export CTHULHU_TEST_CRASH_AT
	start_daemon "$T/cthulhu.conf"
	unset CTHULHU_TEST_CRASH_AT
	"$CTHULHU" "$@" >"$T/out" 2>&1
	rc=$?
	wait_for 30 dead
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}

sid()
{
	sql "SELECT series_id FROM patches WHERE subject = 's$1: Add file 1'"
}

setup_daemon "$T/src.git" "cthulhud starts" '[topic "pmu"]' '	order = 1' \
	'[apply]' '	link = '
cth submit "$T/s1.mbox" >/dev/null && cth submit "$T/s2.mbox" >/dev/null
ok "two series in"
s1=$(sid 1)
s2=$(sid 2)
stop_daemon

# --- apply ----------------------------------------------------------------------

old=$(rev pmu)
crash_run apply-moved apply "$s1" pmu
isnt_zero() { [ "$1" -ne 0 ]; }
isnt_zero "$rc"
ok "the apply is cut short (the CLI fails)"
is "$(git --git-dir="$T/src.git" rev-list --count "$old"..pmu)" 2 \
	"the topic has moved"
is "$(sql "SELECT count(*) FROM applied")" 0 "nothing recorded"

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
recorded()
{
	[ "$(sql "SELECT count(*) FROM applied WHERE series_id = $s1")" = 2 ]
}
check "the apply is recorded at start-up" wait_for 30 recorded
is "$(git --git-dir="$T/src.git" rev-list --count "$old"..pmu)" 2 \
	"not applied twice"
is "$(sql "SELECT group_concat(commit_sha, ' ') FROM (SELECT commit_sha FROM applied WHERE series_id = $s1 ORDER BY number)")" \
	"$(rev pmu~1) $(rev pmu)" "the rows name the commits on the topic"
sent()
{
	[ "$(sql "SELECT count(*) FROM notifications WHERE state = 'sent'")" = "$1" ]
}
check "its notification is sent" wait_for 30 sent 1
is "$(ls "$T/state/outbox/new" | wc -l)" 1 "once"
cth apply "$s2" pmu >/dev/null
ok "another series on top"
stop_daemon

# --- drop -------------------------------------------------------------------------

victim=$(sql "SELECT commit_sha FROM applied WHERE series_id = $s1 AND number = 1")
crash_run drop-moved drop --reason 'it breaks the build' "$victim"
isnt_zero "$rc"
ok "the drop is cut short (the CLI fails)"
git --git-dir="$T/src.git" merge-base --is-ancestor "$victim" pmu
is "$?" 1 "the commit is off the topic"
is "$(sql "SELECT state FROM applied WHERE commit_sha = '$victim'")" applied \
	"the row does not know yet"

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
dropped()
{
	[ "$(sql "SELECT state FROM applied WHERE commit_sha = '$victim'")" = dropped ]
}
check "the drop is recorded at start-up" wait_for 30 dropped
is "$(sql "SELECT reason FROM applied WHERE commit_sha = '$victim'")" \
	"it breaks the build" "with its reason"
is "$(git --git-dir="$T/src.git" rev-list --count base..pmu)" 3 "dropped once"
following()
{
	[ "$(sql "SELECT count(*) FROM applied WHERE state = 'applied' AND commit_sha IN
		('$(rev pmu)', '$(rev pmu~1)', '$(rev pmu~2)')")" = 3 ]
}
check "the replayed commits' rows follow them" wait_for 30 following
check "the notifications are sent" wait_for 30 sent "$(sql 'SELECT count(*) FROM notifications')"
is "$(sql "SELECT count(*) FROM notifications WHERE kind = 'dropped'")" 1 \
	"one dropped notification"
like "$(sql "SELECT CAST(raw AS TEXT) FROM notifications WHERE kind = 'dropped'")" \
	"it breaks the build" "with the reason"
is "$(ls "$T/state/outbox/new" | wc -l)" "$(sql 'SELECT count(*) FROM notifications')" \
	"each in the outbox once"
cth drop --reason again "$victim" >/dev/null 2>&1
is "$?" 1 "the dropped commit cannot be dropped again"

# --- a drop of a commit a rebase just moved --------------------------------------
# The drop runs before the rebase is followed (the follow waits 1.5 s),
# so its row still names the old SHA1: it drops the patch's new commit,
# rather than take the patch for dropped already.

old_sha=$(sql "SELECT commit_sha FROM applied WHERE series_id = $s2 AND number = 1")
rebase_pmu
ok "pmu rebased and pushed"
cth drop --reason 'rebased away' "$old_sha" >"$T/out" 2>&1
is "$?" 0 "the drop of the old SHA1 succeeds"
is "$(git --git-dir="$T/src.git" log --format=%s base..pmu | grep -c 's2: Add file 1')" 0 \
	"the patch is off the topic"
is "$(git --git-dir="$T/src.git" rev-list --count base..pmu)" 2 "and only it"
is "$(sql "SELECT state FROM applied WHERE commit_sha = '$old_sha'")" dropped \
	"its row is dropped"
following_all()
{
	[ "$(sql "SELECT count(*) FROM applied WHERE state = 'applied' AND commit_sha IN
		('$(rev pmu)', '$(rev pmu~1)')")" = 2 ]
}
check "the other rows follow the rebase and the drop" wait_for 30 following_all
stop_daemon
ok "cthulhud stops"
done_testing
