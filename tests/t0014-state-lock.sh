#!/bin/sh
# A second cthulhud on the same state dir exits at once, naming the pid
# that holds the lock; the first one keeps serving, and nothing changes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/work"
REPO=$T/work.git
(cd "$T/work" && git branch x86/pmu && git push -q origin x86/pmu)
write_config "$T/cthulhu.conf" "$REPO" "$(topic_conf x86/pmu 1)"
start_daemon "$T/cthulhu.conf"
ok "the first daemon runs" || done_testing
first=$DAEMON_PID
wait_for 60 settled
ok "its first build of next is done"
snapshot before
token=$(cat "$T/state/token")

run_daemon_fail "$T/cthulhu.conf"
is "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo yes)" yes \
	"the second daemon exits at once with an error (exit $rc)"
like "$log" "in use" "it says the state dir is in use"
like "$log" "pid $first" "it names the pid that holds it ($first)"
like "$log" "$T/state" "it names the state dir"

kill -0 "$first"
ok "the first daemon is still running"
out=$(cth status --json)
ok "and still answers"
[ -S "$T/state/cthulhud.sock" ]
ok "its socket was not taken away"
is "$(cat "$T/state/token")" "$token" "the token was not rewritten"
unchanged before "refs, topics and events did not change"

stop_daemon
ok "the first daemon stops cleanly"

# Once it is gone the state dir is free again.
start_daemon "$T/cthulhu.conf"
ok "a new daemon starts on the freed state dir"
done_testing
