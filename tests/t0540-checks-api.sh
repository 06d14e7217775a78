#!/bin/sh
# The Checks API in patchwork's shape: an outside CI posts a check of a
# queued series (POST /api/v1/series/ID/checks, JSON or a form, over TCP
# only with the bearer token), GET /api/v1/series/ID shows every check
# and the combined state as patchwork computes it, GET .../checks lists
# them; a newer check of the same context replaces the older.  Bad posts
# are refused with a 400 that says why (a state, a context, cthulhu's own
# contexts, a URL that is not http(s), sizes) and write nothing; an
# unknown series is 404; a superseded series still takes checks.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
. "$top_srcdir/tests/lib-checks.sh"
test_init

make_repo "$T/work" x86/pmu
REPO=$T/work.git
setup_daemon --tcp "$REPO" "the daemon listens on a free port" \
	"$(topic_conf x86/pmu 1)"
token=$(cat "$T/state/token")
checks_series "$T/s1.mbox" s1
check "a series is submitted" cth submit "$T/s1.mbox"
s1=$(series_id s1)
[ -n "$s1" ]
ok "it is series $s1"

# jq_is FILTER VALUE DESC: jq FILTER of $body is VALUE.
jq_is()
{
	is "$(printf '%s' "$body" | jq -r "$1")" "$2" "$3"
}

# --- the token ---------------------------------------------------------------

ci='{"state":"success","context":"ci-build","description":"builds with gcc 13","target_url":"https://ci.example.org/1"}'
http_req POST "$URL/api/v1/series/$s1/checks" "$ci"
is "$status" 401 "POST over TCP without a token: 401"
is_error_json unauthorized "its error code is 'unauthorized'"
http_req POST "$URL/api/v1/series/$s1/checks" "$ci" \
	-H 'Authorization: Bearer 0123456789abcdef0123456789abcdef'
is "$status" 401 "with a wrong token: 401"
is "$(nr_checks)" 0 "neither wrote a check"

http_req POST "$URL/api/v1/series/$s1/checks" "$ci" \
	-H "Authorization: Bearer $token"
is "$status" 201 "with the token: 201"
jq_is '.context + " " + .state + " " + .target_url + " " + (.series|tostring)' \
	"ci-build success https://ci.example.org/1 $s1" "the answer is the check"
jq_is '.origin' api "posted over the API: origin 'api'"
is "$(sql "SELECT context, state, description, target_url, origin FROM checks WHERE series_id = $s1")" \
	"ci-build|success|builds with gcc 13|https://ci.example.org/1|api" \
	"the check is a row"

# --- what GET shows ----------------------------------------------------------

http_req GET "$URL/api/v1/series/$s1"
is "$status" 200 "GET of the series over TCP, without a token"
jq_is '.checks | length' 1 "it has one check"
jq_is '.checks[0] | .context + "|" + .state + "|" + .description + "|" + .target_url' \
	"ci-build|success|builds with gcc 13|https://ci.example.org/1" \
	"with context, state, description and URL"
jq_is '.checks[0] | (.created_at > 0) and (.updated_at >= .created_at)' true \
	"and when it was made and updated"
jq_is '.check' success "one success: the combined state is success"

# A form, as patchwork's API takes it (and pwclient/curl -F post it).
status=$(curl -sS -o "$T/http.out" -w '%{http_code}' --unix-socket "$CTHULHU_SOCKET" \
	--data-urlencode state=warning --data-urlencode context=ci-sparse \
	--data-urlencode 'description=3 new warnings & a note' \
	--data-urlencode target_url=http://ci.example.org/2 \
	"http://localhost/api/v1/series/$s1/checks")
body=$(cat "$T/http.out")
is "$status" 201 "a form-encoded check: 201"
jq_is '.description' '3 new warnings & a note' "its fields are decoded"
http_req GET "unix:/api/v1/series/$s1"
jq_is '.check' warning "success and warning: warning"
# curl -d sends JSON as a form when not told otherwise: still JSON.
status=$(curl -sS -o "$T/http.out" -w '%{http_code}' --unix-socket "$CTHULHU_SOCKET" \
	-d '{"state":"success","context":"ci-plain-d"}' \
	"http://localhost/api/v1/series/$s1/checks")
body=$(cat "$T/http.out")
is "$status" 201 "JSON sent by curl -d without a Content-Type: 201"
jq_is '.context' ci-plain-d "read as JSON"

post_check "$s1" '{"state":"pending","context":"ci-boot"}'
is "$status" 201 "a pending check: 201"
http_req GET "unix:/api/v1/series/$s1"
jq_is '.check' warning "success, warning, pending: still warning"
post_check "$s1" '{"state":"fail","context":"ci-boot","description":"no boot"}'
is "$status" 201 "the same context again, failing: 201"
is "$(sql "SELECT count(*) FROM checks WHERE series_id = $s1 AND context = 'ci-boot'")" 1 \
	"it replaced the pending one"
http_req GET "unix:/api/v1/series/$s1"
jq_is '.check' fail "with a failure: fail"
jq_is '[.checks[].context] | join(",")' "ci-boot,ci-build,ci-plain-d,ci-sparse" "four checks, by context"

http_req GET "$URL/api/v1/series/$s1/checks"
is "$status" 200 "GET .../checks over TCP"
jq_is '.series' "$s1" "names the series"
jq_is '.check + " " + ([.checks[].state] | join(","))' "fail fail,success,success,warning" \
	"and lists the checks with the combined state"

# Only pending ones: pending.  None: pending (patchwork's rule).
checks_series "$T/s2.mbox" s2
check "a second series is submitted" cth submit "$T/s2.mbox"
s2=$(series_id s2)
http_req GET "unix:/api/v1/series/$s2"
jq_is '(.checks | length | tostring) + " " + .check' "0 pending" \
	"a series without checks: none, pending"
post_check "$s2" '{"state":"success","context":"ci-build"}'
http_req GET "unix:/api/v1/series/$s2"
jq_is '.check' success "all succeeded: success"
post_check "$s2" '{"state":"pending","context":"ci-boot"}'
http_req GET "unix:/api/v1/series/$s2/checks"
jq_is '.check' pending "success and pending: pending"

# --- bad posts ---------------------------------------------------------------

before=$(sql "SELECT count(*), group_concat(context || state || description, ';') FROM checks")
jobs_before=$(sql "SELECT count(*) FROM jobs WHERE type = 'check-post'")
long=$(printf '%0256d' 0)
longd=$(head -c 5000 /dev/zero | tr '\0' d)
bad()
{
	local json=$1 what=$2 msg=$3
	post_check "$s1" "$json"
	is "$status" 400 "$what: 400"
	is_error_json invalid "$what: error code 'invalid'"
	like "$(printf '%s' "$body" | jq -r .error.message)" "$msg" "$what: says why"
}
bad '{"state":"passed","context":"ci-x"}' "an unknown state" "bad 'state' 'passed'"
bad '{"context":"ci-x"}' "no state" "'state' is missing"
bad '{"state":"success"}' "no context" "'context' is missing"
bad '{"state":"success","context":"ci x"}' "a context with a space" "bad 'context' 'ci x'"
bad '{"state":"success","context":"ci/x"}' "a context with a slash" "only letters, digits"
bad "{\"state\":\"success\",\"context\":\"$long\"}" "a context of 256 characters" \
	"'context' is too long"
bad '{"state":"fail","context":"gate"}' "cthulhu's own context 'gate'" \
	"context 'gate' is reserved"
bad '{"state":"fail","context":"apply"}' "cthulhu's own context 'apply'" \
	"context 'apply' is reserved"
bad '{"state":"fail","context":"merge"}' "cthulhu's own context 'merge'" \
	"context 'merge' is reserved"
bad '{"state":"success","context":"ci-x","target_url":"javascript:alert(1)"}' \
	"a javascript: URL" "only http:// and https://"
bad '{"state":"success","context":"ci-x","target_url":"ftp://ci.example.org/"}' \
	"an ftp URL" "only http:// and https://"
bad '{"state":"success","context":"ci-x","target_url":"https://"}' \
	"a URL without a host" "not a URL with a host"
bad "{\"state\":\"success\",\"context\":\"ci-x\",\"description\":\"$longd\"}" \
	"a description of 5000 bytes" "'description' is too long"
bad '{"state":"success","context":"ci-x","description":"a\u0007b"}' \
	"a description with a control character" "control characters"
bad '{"state":1,"context":"ci-x"}' "a state that is no string" "'state' must be a string"
bad '[1,2]' "a JSON array" "JSON object"
bad 'state=success&context=ci-x' "a form sent as JSON" "invalid JSON at line 1"
is "$(sql "SELECT count(*), group_concat(context || state || description, ';') FROM checks")" \
	"$before" "no bad post wrote a check"
is "$(sql "SELECT count(*) FROM jobs WHERE type = 'check-post'")" "$jobs_before" \
	"nor queued a job"

post_check 99999 '{"state":"success","context":"ci-x"}'
is "$status" 404 "a series that does not exist: 404"
is_error_json not_found "its error code is 'not_found'"
http_req GET "unix:/api/v1/series/99999/checks"
is "$status" 404 "GET of its checks: 404"
http_req POST "unix:/api/v1/series/abc/checks" '{"state":"success","context":"ci-x"}'
is "$status" 404 "a series id that is no number: 404"
is "$(sql "SELECT count(*), group_concat(context || state || description, ';') FROM checks")" \
	"$before" "nothing was written"

# --- a superseded series -----------------------------------------------------

checks_series "$T/s1v2.mbox" s1v2 2
sed -i 's/(s1v2)/(s1)/' "$T/s1v2.mbox"
check "v2 of the first series is submitted" cth submit "$T/s1v2.mbox"
v2=$(series_id s1v2)
run supersede "$v2" "$s1"
is "$(sql "SELECT state FROM series WHERE id = $s1")" superseded "v1 is superseded"
post_check "$s1" '{"state":"success","context":"ci-late"}'
is "$status" 201 "a check of the superseded v1 is taken: 201"
http_req GET "unix:/api/v1/series/$s1"
jq_is '[.checks[].context] | index("ci-late") != null' true "and shown"
http_req GET "unix:/api/v1/series/$v2"
jq_is '.checks | length' 0 "v2 has none of v1's checks"
done_testing
