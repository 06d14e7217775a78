#!/bin/sh
# The TCP boundary, route by route from the daemon's own table
# (cthulhud --list-routes), so that a route added later is covered
# without being listed here: every route that is not a GET refuses a
# request without the bearer token (401, JSON error) and changes nothing,
# whatever the body; so do the methods no route has; no GET changes any
# ref or row.  The token is taken only from the Authorization header:
# not from a cookie, the query string or a form field, so a cross-site
# form POST from a browser cannot mutate (no cookie auth, no CSRF), and
# no answer sets a cookie or opens CORS.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/work" x86/pmu svm
REPO=$T/work.git
setup_daemon --tcp "$REPO" "the daemon listens on a free port" \
	"$(topic_conf x86/pmu 1)"
token=$(cat "$T/state/token")

# Something for the routes to act on: a series, a next build.
readme_patch "$T/patch.mbox" t0810-1@example.com
check "a series is submitted over the socket" cth submit "$T/patch.mbox"
check "next is built over the socket" cth rebuild --wait

"$CTHULHUD" --list-routes > "$T/routes"
ok "cthulhud --list-routes runs"
nr_routes=$(wc -l < "$T/routes" | tr -d ' ')
[ "$nr_routes" -ge 20 ]
ok "it lists the API ($nr_routes routes)"
grep -v '^GET ' "$T/routes" > "$T/mutating"
nr_mut=$(wc -l < "$T/mutating" | tr -d ' ')
[ "$nr_mut" -ge 10 ]
ok "of which $nr_mut are not GET"
# Every route the API documents is in the table, and the reverse.
for r in 'POST /api/v1/apply' 'POST /api/v1/drop' 'POST /api/v1/submit' \
	 'DELETE /api/v1/topics/[*]' 'POST /api/v1/next/rebuild'; do
	grep -q "^$r " "$T/routes"
	ok "the table has $r"
done

# settled: the daemon's first build of next is done and no job runs, so
# that a snapshot sees only what the requests below do.
settled()
{
	git --git-dir="$REPO" rev-parse -q --verify refs/heads/next >/dev/null &&
		[ "$(curl -sS --unix-socket "$CTHULHU_SOCKET" \
			http://localhost/api/v1/status | grep -c '"job":null')" = 1 ]
}
wait_for 60 settled
ok "the daemon has settled"
snapshot before
rows()
{
	sql "SELECT (SELECT count(*) FROM series), (SELECT count(*) FROM applied),
		(SELECT count(*) FROM notifications), (SELECT count(*) FROM jobs),
		(SELECT count(*) FROM topics)"
}
rows_before=$(rows)

# A body that each handler would accept if it got that far.
good_body='{"series":1,"topic":"x86/pmu","commit":"HEAD","reason":"x","name":"svm","branch":"x86/pmu","order":2,"new":1,"old":1,"state":"accepted","files":[{"path":"README","content":"x"}]}'

while read -r method path kind; do
	url=$URL$(printf '%s' "$path" | sed 's|\*|1|')
	http_req "$method" "$url" "$good_body"
	is "$status" 401 "$method $path without a token: 401"
	is_error_json unauthorized "$method $path: error code 'unauthorized'"
	http_req "$method" "$url" "$good_body" \
		-H 'Authorization: Bearer 0123456789abcdef0123456789abcdef'
	is "$status" 401 "$method $path with a wrong token: 401"
	http_req "$method" "$url" "$good_body" -H "Cookie: token=$token" \
		-H "Cookie: cthulhu_token=$token"
	is "$status" 401 "$method $path with the token as a cookie: 401"
	http_req "$method" "$url?token=$token&access_token=$token" "$good_body"
	is "$status" 401 "$method $path with the token in the query: 401"
	http_req "$method" "$url" "$good_body" -H "X-Auth-Token: $token" \
		-H "Authorization: $token"
	is "$status" 401 "$method $path with the token without 'Bearer': 401"
done < "$T/mutating"
unchanged before "no refused request moved a ref or changed a topic"
is "$(rows)" "$rows_before" "nor added a series, an apply, a notification or a job"

# Methods no route has are refused before the route lookup too.
for method in PUT PATCH OPTIONS TRACE FOO; do
	http_req "$method" "$URL/api/v1/topics" "$good_body"
	is "$status" 401 "$method over TCP without a token: 401"
done

# A cross-site form POST, as a hostile page makes a browser send it: the
# browser's cookies, an Origin elsewhere, a form body.  There is no
# cookie that could carry the token, and the form cannot set the header.
status=$(curl -sS -o "$T/csrf.out" -D "$T/csrf.headers" -w '%{http_code}' \
	-X POST -H 'Origin: http://evil.example' \
	-H 'Referer: http://evil.example/page' \
	-H "Cookie: token=$token; session=$token" \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "token=$token&series=1&topic=x86%2Fpmu" "$URL/api/v1/apply")
is "$status" 401 "a cross-site form POST to apply: 401"
status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST \
	-H 'Content-Type: text/plain' -H 'Origin: http://evil.example' \
	--data-binary '{"series":1,"topic":"x86/pmu"}' "$URL/api/v1/apply")
is "$status" 401 "a cross-site text/plain POST with a JSON body: 401"
unchanged before "neither applied anything"
is "$(rows)" "$rows_before" "nor added a row"

# No answer, refused or not, sets a cookie or allows another origin.
: > "$T/all.headers"
while read -r method path kind; do
	[ "$kind" = stream ] && continue
	url=$URL$(printf '%s' "$path" | sed 's|\*|1|')
	curl -sS -o /dev/null -D - -X "$method" -H 'Origin: http://evil.example' \
		"$url" >> "$T/all.headers" 2>/dev/null
done < "$T/routes"
[ -s "$T/all.headers" ]
ok "every route answered over TCP"
is "$(grep -ci '^set-cookie:' "$T/all.headers" | tr -d ' ')" 0 \
	"no answer sets a cookie"
is "$(grep -ci '^access-control-allow' "$T/all.headers" | tr -d ' ')" 0 \
	"no answer allows another origin (no CORS)"

# Every GET route over TCP, with nothing but the path: nothing changes.
while read -r method path kind; do
	[ "$method" = GET ] || continue
	[ "$kind" = stream ] && continue
	url=$URL$(printf '%s' "$path" | sed 's|\*|1|')
	http_req GET "$url"
	[ "$status" != 401 ] && [ "$status" != 000 ]
	ok "GET $path over TCP needs no token ($status)"
done < "$T/routes"
unchanged before "no GET moved a ref or changed a topic"
is "$(rows)" "$rows_before" "nor added a row"

# The token does work, in the header only.
http_req POST "$URL/api/v1/topics" '{"name":"svm","branch":"svm","order":2}' \
	-H "Authorization: Bearer $token"
is "$status" 201 "with 'Authorization: Bearer <token>' a mutation works"
done_testing
