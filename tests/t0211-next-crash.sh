#!/bin/sh
# kill -9 during a rebuild, at three points (merge commits written;
# the build's row saying what next will be; next moved, the row not yet
# done): after a restart next is the old or the new build, the database
# agrees with it, no build is left half done, and the build is redone.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init
need_test_hooks

make_repo "$T/src"
for t in t1 t2 t3; do
	commit_on $t "$t: first"
done
(cd "$T/src" && git push -q origin t1 t2 t3)
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 1' \
	'[topic "t1"]' '	order = 1' '[topic "t2"]' '	order = 2' \
	'[topic "t3"]' '	order = 3' '[next]' '	debounce = 200'

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"
cth rebuild --wait >/dev/null
ok "a first build"
stop_daemon

# the latest finished build's result is next
db_agrees()
{
	[ "$(sql "SELECT result FROM builds WHERE state = 'done'
		ORDER BY id DESC LIMIT 1")" = "$(rev next)" ]
}

build_after()
{
	[ "$(sql "SELECT count(*) FROM builds WHERE state = 'done' AND id > $1")" -ge 1 ]
}

# the daemon has exited (a zombie until the shell waits for it)
dead()
{
	! kill -0 "$DAEMON_PID" 2>/dev/null ||
		[ "$(ps -o stat= -p "$DAEMON_PID" | cut -c1)" = Z ]
}

n=1
for point in merged updating moved; do
	old=$(rev next)
	commit_on t2 "t2: move $n"
	(cd "$T/src" && git push -q origin t2)
	export CTHULHU_TEST_CRASH_AT=$point
	start_daemon "$T/cthulhu.conf"
	unset CTHULHU_TEST_CRASH_AT
	cth rebuild >/dev/null 2>&1
	check "cthulhud dies at '$point'" wait_for 30 dead
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	crashed=$(sql "SELECT max(id) FROM builds")
	after=$(rev next)
	case $point in
	moved) want=$(sql "SELECT result FROM builds WHERE id = $crashed") ;;
	*) want=$old ;;
	esac
	is "$after" "$want" "killed at '$point': next is the $( [ "$point" = moved ] && echo new || echo old) build"

	start_daemon "$T/cthulhu.conf"
	ok "cthulhud restarts after '$point'"
	check "the build is redone after '$point'" wait_for 30 build_after "$crashed"
	check "the database agrees with next after '$point'" db_agrees
	is "$(sql "SELECT count(*) FROM builds WHERE state IN ('running', 'updating')")" 0 \
		"no build left half done after '$point'"
	is "$(sql "SELECT state FROM builds WHERE id = $crashed")" \
		"$( [ "$point" = moved ] && echo done || echo interrupted)" \
		"the cut build is recorded as such after '$point'"
	is "$(git --git-dir="$T/src.git" rev-parse next^2)" "$(rev t3)" \
		"next has every topic after '$point'"
	is "$(git --git-dir="$T/src.git" rev-parse next~1^2)" "$(rev t2)" \
		"with t2's new tip after '$point'"
	stop_daemon
	n=$((n + 1))
done

done_testing
