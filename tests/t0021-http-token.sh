#!/bin/sh
# Over TCP, GET is open but a mutation without the bearer token, or with a
# wrong one, is 401 with a JSON error and changes nothing; the very same
# request over the Unix socket succeeds.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/work" x86/pmu svm
REPO=$T/work.git
setup_daemon --tcp "$REPO" "the daemon listens on a free port" \
	"$(topic_conf x86/pmu 1)"
wait_for 60 settled
ok "its first build of next is done"
snapshot before
add='{"name":"svm","branch":"svm","order":2}'

http_req GET "$URL/api/v1/topics"
is "$status" 200 "GET over TCP needs no token"

http_req POST "$URL/api/v1/topics" "$add"
is "$status" 401 "POST over TCP without a token: 401"
is_error_json unauthorized "no token: error code 'unauthorized'"
unchanged before "nothing changed"

http_req POST "$URL/api/v1/topics" "$add" -H 'Authorization: Bearer 0123456789abcdef0123456789abcdef'
is "$status" 401 "a wrong token: 401"
is_error_json unauthorized "wrong token: error code 'unauthorized'"

token=$(cat "$T/state/token")
http_req POST "$URL/api/v1/topics" "$add" -H "Authorization: Bearer ${token%?}"
is "$status" 401 "the token minus its last character: 401"
http_req POST "$URL/api/v1/topics" "$add" -H "Authorization: Bearer ${token}x"
is "$status" 401 "the token plus a character: 401"
http_req POST "$URL/api/v1/topics" "$add" -H "Authorization: Basic $token"
is "$status" 401 "the token under another scheme: 401"
http_req POST "$URL/api/v1/poke" '' -H 'Authorization: Bearer '
is "$status" 401 "an empty bearer token: 401"
http_req DELETE "$URL/api/v1/topics/x86/pmu"
is "$status" 401 "DELETE without a token: 401"
unchanged before "no refused request changed anything"

http_req POST unix:/api/v1/topics "$add"
is "$status" 201 "the same request over the socket: 201"
is "$(sql "SELECT count(*) FROM topics WHERE name = 'svm'")" 1 \
	"and the topic was added"

http_req DELETE "$URL/api/v1/topics/svm" '' -H "Authorization: Bearer $token"
is "$status" 200 "with the right token TCP mutations work"
is "$(sql "SELECT count(*) FROM topics WHERE name = 'svm'")" 0 \
	"and the topic was removed"
done_testing
