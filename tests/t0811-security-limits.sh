#!/bin/sh
# What one HTTP client can make the daemon hold is bounded, and each
# bound gives a clear answer, then the daemon serves on: a body over
# http.body-limit is 413 (with a Content-Length or chunked, over either
# listener), headers over 32 KiB are 431 and a request line over it 414
# (libmicrohttpd's own answers), a connection over http.max-connections
# is 503 with a JSON error until one closes.  Nothing refused changes
# anything.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/work" svm
REPO=$T/work.git
setup_daemon --tcp "$REPO" "the daemon listens on a free port" \
	'[http]' '	body-limit = 1024' '	max-connections = 3'
token=$(cat "$T/state/token")
auth="Authorization: Bearer $token"
# settled (tests/lib-foundation.sh): the first build of next is done.
wait_for 60 settled
ok "the daemon has settled"
snapshot before

big=$(head -c 2000 /dev/zero | tr '\0' ' ')
req="{\"name\":\"svm\",\"branch\":\"svm\",\"order\":2,\"pad\":\"$big\"}"
printf '%s' "$req" > "$T/body"
http_req POST "$URL/api/v1/topics" "$req" -H "$auth"
is "$status" 413 "a body over body-limit over TCP: 413"
is_error_json too_large "error code 'too_large'"
status=$(cat "$T/body" | curl -sS -o "$T/http.out" -w '%{http_code}' \
	-X POST -H "$auth" -T - "$URL/api/v1/topics")
body=$(cat "$T/http.out")
is "$status" 413 "a chunked body (no Content-Length) over the limit: 413"
is_error_json too_large "error code 'too_large'"
status=$(cat "$T/body" | curl -sS -o "$T/http.out" -w '%{http_code}' \
	-X POST -T - --unix-socket "$CTHULHU_SOCKET" \
	http://localhost/api/v1/topics)
is "$status" 413 "the same over the Unix socket: 413"
unchanged before "no oversized body changed anything"

pad=$(head -c 40000 /dev/zero | tr '\0' a)
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Pad: $pad" \
	"$URL/api/v1/status")
is "$status" 431 "40 KB of headers: 431"
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Pad: $pad" \
	--unix-socket "$CTHULHU_SOCKET" http://localhost/api/v1/status)
is "$status" 431 "over the Unix socket too: 431"
status=$(curl -sS -o /dev/null -w '%{http_code}' "$URL/api/v1/status?p=$pad")
is "$status" 414 "a 40 KB request line: 414"
small=$(head -c 20000 /dev/zero | tr '\0' a)
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Pad: $small" \
	"$URL/api/v1/status")
is "$status" 200 "20 KB of headers are still served"

# Hold three connections on the socket: uploads whose body never ends.
# A holder that came while an earlier connection was still being closed
# may have been refused itself: start it again.
start_holder()
{
	rm -f "$T/fifo$1"
	mkfifo "$T/fifo$1"
	curl -sS -o "$T/held$1.out" -X POST -T - \
		--unix-socket "$CTHULHU_SOCKET" http://localhost/api/v1/poke \
		< "$T/fifo$1" 2>/dev/null &
	eval "holder$1=\$!"
	eval "exec $1>\"\$T/fifo$1\""
}
status_is()
{
	[ "$(curl -sS -o "$T/http.out" -w '%{http_code}' \
		--unix-socket "$CTHULHU_SOCKET" http://localhost/api/v1/status)" = "$1" ]
}
held_and_refused()
{
	for fd in 3 4 5; do
		eval "pid=\$holder$fd"
		if ! kill -0 "$pid" 2>/dev/null; then
			eval "exec $fd>&-"
			start_holder $fd
		fi
	done
	status_is 503
}
for fd in 3 4 5; do start_holder $fd; done
wait_for 60 held_and_refused
ok "with max-connections held open, one more connection gets 503"
body=$(cat "$T/http.out")
is_error_json unavailable "error code 'unavailable'"
like "$body" "http.max-connections" "the message names the setting"
status=$(curl -sS -o /dev/null -w '%{http_code}' "$URL/api/v1/status")
is "$status" 200 "the TCP listener has its own count: 200"
exec 3>&- 4>&- 5>&-
wait "$holder3" "$holder4" "$holder5"
is "$(cat "$T/held3.out")" '{"moves":[]}' "the held requests were answered when their bodies ended"
wait_for 30 status_is 200
ok "once they closed, connections are served again"
unchanged before "nothing refused changed anything"
done_testing
