#!/bin/sh
# The checks in the CLI: `cthulhu check SERIES CONTEXT STATE` posts an
# outside check (over TCP only with the token), `cthulhu show` prints
# every check with its state, description and URL and the combined
# state, `cthulhu queue` has a CHECKS column ("-" for none, "S/N ok",
# "fail:CONTEXT", "warn:CONTEXT") and --json keeps the API's answer.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
. "$top_srcdir/tests/lib-checks.sh"
test_init

make_repo "$T/work" x86/pmu
REPO=$T/work.git
setup_daemon --tcp "$REPO" "the daemon listens on a free port" \
	"$(topic_conf x86/pmu 1)"
for s in s1 s2 s3; do
	checks_series "$T/$s.mbox" "$s"
	cth submit "$T/$s.mbox" >/dev/null
done
s1=$(series_id s1) s2=$(series_id s2) s3=$(series_id s3)
queued()
{
	[ "$(cth queue --json | jq '.queue | length')" = 3 ]
}
wait_for 20 queued
ok "three series are queued"

# queue_checks ID: the CHECKS column of series ID in `cthulhu queue`,
# cut where the header has it (cells hold blanks: "1E 1W", "3/4 ok").
queue_checks()
{
	cth queue | awk -v id="$1" '
		NR == 1 { from = index($0, "CHECKS"); to = index($0, "STATE") }
		NR > 1 && $2 == id {
			cell = substr($0, from, to - from)
			sub(/ +$/, "", cell)
			print cell
		}'
}

is "$(queue_checks "$s1")" - "a series without checks: '-'"
run show "$s1"
like "$out" 'checks: +none' "show says it has none"

run check "$s1" ci-build success --description 'builds with gcc 13' \
	--url https://ci.example.org/1
is "$rc" 0 "cthulhu check posts a check"
is "$out" "series $s1: check 'ci-build' is success" "and says what it recorded"
is "$(sql "SELECT context || ' ' || state || ' ' || origin FROM checks WHERE series_id = $s1")" \
	"ci-build success api" "the check is a row"
run check "$s1" ci-boot pending
is "$(queue_checks "$s1")" "1/2 ok" "one of two succeeded, one pending: '1/2 ok'"
run check "$s1" ci-boot success --description booted
is "$(queue_checks "$s1")" "2/2 ok" "both succeeded: '2/2 ok'"
run check "$s2" ci-build success
run check "$s2" ci-sparse warning --description '2 new warnings'
is "$(queue_checks "$s2")" warn:ci-sparse "a warning: 'warn:CONTEXT'"
run check "$s2" ci-boot fail --description 'no boot' --url http://ci.example.org/9
is "$(queue_checks "$s2")" fail:ci-boot "a failure: 'fail:CONTEXT'"
is "$(queue_checks "$s3")" - "the third still has none"

run show "$s2"
like "$out" 'checks: +fail \(3\)' "show gives the combined state and how many"
like "$out" '    ci-boot +fail +no boot +http://ci.example.org/9' \
	"each check: context, state, description, URL"
like "$out" '    ci-sparse +warning +2 new warnings' "the warning"
like "$out" '    ci-build +success +-' "a check without a description"
run show "$s2" --json
is "$(printf '%s' "$out" | jq -r '.check + " " + (.checks | length | tostring)')" "fail 3" \
	"show --json is the API's answer"
run queue --json
is "$(printf '%s' "$out" | jq -r ".queue[] | select(.id == $s2) | .checks.state + \" \" + (.checks.fail | join(\",\"))")" \
	"fail ci-boot" "queue --json has each series' checks"

run check "$s3" ci-json pending --json
is "$(printf '%s' "$out" | jq -r '.context + " " + .state + " " + .origin')" \
	"ci-json pending api" "check --json prints the API's answer"
run help check
like "$out" 'check .*SERIES CONTEXT STATE' "cthulhu help check gives its usage"

# Refusals: the daemon's message, exit 1; usage errors exit 2.
run check "$s1" gate fail
is "$rc" 1 "a reserved context: exit 1"
like "$err" "context 'gate' is reserved" "with the daemon's reason"
run check "$s1" ci-x done
is "$rc" 1 "a bad state: exit 1"
like "$err" "bad 'state' 'done'" "with the daemon's reason"
run check "$s1" ci-x success --url ftp://x
is "$rc" 1 "an ftp URL: exit 1"
run check "$s1" ci-x
is "$rc" 2 "a missing state: exit 2"
run check x ci-x success
is "$rc" 2 "a series that is no number: exit 2"
run check 9999 ci-x success
is "$rc" 1 "a series that does not exist: exit 1"
like "$err" "no series '9999'" "says so"

# Over TCP: the token is needed.
before=$(nr_checks)
run --url "$URL" check "$s3" ci-build success
is "$rc" 1 "over TCP without the token: refused"
like "$err" "Authorization: Bearer" "saying a token is needed"
is "$(nr_checks)" "$before" "and nothing was written"
run --url "$URL" --token-file "$T/state/token" check "$s3" ci-build success
is "$rc" 0 "with --token-file it is recorded"
is "$(queue_checks "$s3")" "1/2 ok" "and shown in the queue"
done_testing
