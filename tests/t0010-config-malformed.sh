#!/bin/sh
# A config file that git's parser rejects, or whose values are wrong, stops
# cthulhud before it touches anything: the message names the file, the
# line and the key, and no state directory or database appears.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/work"
REPO=$T/work.git
snapshot before

# A section header that never closes, on line 4.
printf '[tree]\n\tname = test\n\trepo = %s\n[state\n\tdir = %s/state\n' \
	"$REPO" "$T" >"$T/broken.conf"
run_daemon_fail "$T/broken.conf"
isnt_zero=$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo yes)
is "$isnt_zero" yes "a syntax error stops the daemon at once (exit $rc)"
like "$log" "$T/broken.conf" "the message names the file"
like "$log" "line 4|:4[:)]" "the message names the line"
[ ! -e "$T/state" ]
ok "no state dir was made"

# A value of the wrong type names its key and line.
write_config "$T/badint.conf" "$REPO" '[topic "x86/pmu"]' '	order = many'
run_daemon_fail "$T/badint.conf"
is "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo yes)" yes "a bad integer stops the daemon"
like "$log" "badint.conf" "the message names the file"
like "$log" "order" "the message names the key"
line=$(grep -n 'order = many' "$T/badint.conf" | cut -d: -f1)
like "$log" "(line $line|:$line[:) ])" "the message names the line ($line)"

# A required key that is missing.
printf '[tree]\n\tname = test\n[state]\n\tdir = %s/state\n' "$T" >"$T/norepo.conf"
run_daemon_fail "$T/norepo.conf"
is "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo yes)" yes "a config without tree.repo is refused"
like "$log" "tree\.repo" "the message names the missing key"

# A config file that does not exist.
run_daemon_fail "$T/nope.conf"
is "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo yes)" yes "a missing config file is refused"
like "$log" "$T/nope.conf" "the message names the file"

[ ! -e "$T/state" ]
ok "still no state dir after every bad config"
unchanged before "the repository's refs did not change"

done_testing
