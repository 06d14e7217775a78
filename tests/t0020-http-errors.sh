#!/bin/sh
# Bad requests get a JSON error with the right status and change nothing:
# invalid JSON (400), a body over [http] body-limit (413), an unknown
# route (404), a known route under the wrong method (405).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/work" x86/pmu svm
REPO=$T/work.git
setup_daemon "$REPO" "the daemon runs with a 1 KiB body limit" \
	"$(topic_conf x86/pmu 1)" '[http]' '	body-limit = 1024'
wait_for 60 settled
ok "its first build of next is done"
snapshot before

http_req POST unix:/api/v1/topics '{"name":'
is "$status" 400 "truncated JSON: 400"
is_error_json invalid "truncated JSON: error code 'invalid'"
like "$body" "line 1" "the message says where the JSON breaks"

http_req POST unix:/api/v1/topics 'name=svm&branch=svm'
is "$status" 400 "a form body instead of JSON: 400"
is_error_json invalid "form body: error code 'invalid'"

http_req POST unix:/api/v1/topics '["svm"]'
is "$status" 400 "a JSON array instead of an object: 400"
is_error_json invalid "JSON array: error code 'invalid'"

http_req POST unix:/api/v1/topics '{"name": "svm"}'
is "$status" 400 "a missing field: 400"
like "$body" "branch" "the message names the missing field"
unchanged before "no bad body changed refs, topics or events"

# 4 KiB of valid JSON: over the limit however good it is.
pad=$(head -c 4000 /dev/zero | tr '\0' x)
http_req POST unix:/api/v1/topics "{\"name\":\"svm\",\"branch\":\"svm\",\"pad\":\"$pad\"}"
is "$status" 413 "a body over body-limit: 413"
is_error_json too_large "over the limit: error code 'too_large'"
unchanged before "the refused body changed nothing"

http_req GET unix:/api/v1/no-such-thing
is "$status" 404 "an unknown route: 404"
is_error_json not_found "unknown route: error code 'not_found'"
http_req GET unix:/api/v2/topics
is "$status" 404 "an unknown API version: 404"
is_error_json not_found "unknown version: error code 'not_found'"
http_req GET unix:/api/v1/topics/no/such/topic
is "$status" 404 "an unknown topic: 404"
like "$body" "no/such/topic" "the message names the topic"

http_req PUT unix:/api/v1/topics '{}'
is "$status" 405 "a known route under the wrong method: 405"
is_error_json method_not_allowed "wrong method: error code 'method_not_allowed'"
unchanged before "nothing changed after all the errors"

# A body under the limit still works: the limit is not "no bodies".
http_req POST unix:/api/v1/topics '{"name":"svm","branch":"svm","order":2}'
is "$status" 201 "a small valid body is taken: 201"
is "$(sql "SELECT branch FROM topics WHERE name = 'svm'")" refs/heads/svm \
	"and the topic is in the database"
done_testing
