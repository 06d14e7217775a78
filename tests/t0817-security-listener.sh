#!/bin/sh
# What clients without the token can hold of the TCP listener is bounded
# apart from http.max-connections: event streams past http.max-streams
# are 503 naming the setting while other requests are served; one
# address gets http.max-per-client connections and no more while other
# addresses are served; a request whose headers trickle in past
# http.header-timeout is closed, on a fresh connection and on a kept-alive
# one; the last connections of max-connections serve only the token.
# And GET /api/v1/next/conflicts/TOPIC, which anyone may send, merges
# once per conflict, not once per request, and follows a topic that moved.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
. "$top_srcdir/tests/lib-next.sh"
test_init

make_repo "$T/src"
REPO=$T/src.git
(cd "$T/src" && seq 1 30 > f && git add f && git commit -q -m f &&
 git tag -f base >/dev/null && git push -q -f origin master base)
edit_on t1 10 'ten by t1'
edit_on t2 10 'ten by t2'
topics="$(topic_conf t1 1)
$(topic_conf t2 2)"

setup_daemon --tcp "$REPO" "the daemon listens on a free port" \
	'[watch]' '	poll = 0' "$topics" '[http]' \
	'	max-connections = 16' '	max-streams = 3' '	max-per-client = 4' \
	'	header-timeout = 3'
auth="Authorization: Bearer $(cat "$T/state/token")"
HOST=127.0.0.1 PORT=${URL##*:}
export HOST PORT

# --- event streams ---------------------------------------------------
for i in 2 3 4; do
	curl -sS -N --interface "127.0.0.$i" "$URL/api/v1/events/stream" \
		>"$T/stream$i.out" 2>/dev/null &
	eval "stream$i=\$!"
done
streams_open()
{
	grep -q 'event: hello' "$T/stream2.out" &&
	grep -q 'event: hello' "$T/stream3.out" &&
	grep -q 'event: hello' "$T/stream4.out"
}
wait_for 30 streams_open
ok "max-streams event streams are open"
http_req GET "$URL/api/v1/events/stream" '' --interface 127.0.0.5 --max-time 10
is "$status" 503 "one stream more is 503"
is_error_json unavailable "error code 'unavailable'"
like "$body" "http.max-streams" "the message names the setting"
http_req GET "$URL/api/v1/status" '' --interface 127.0.0.5
is "$status" 200 "a plain GET is still served"
http_req POST "$URL/api/v1/poke" '{}' -H "$auth"
is "$status" 200 "a request with the token is still served"
status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 3 \
	--unix-socket "$CTHULHU_SOCKET" http://localhost/api/v1/events/stream)
is "$status" 200 "the Unix socket has its own count of streams"
kill "$stream2" "$stream3" "$stream4" 2>/dev/null
wait "$stream2" "$stream3" "$stream4" 2>/dev/null
stream_again()
{
	[ "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 \
		"$URL/api/v1/events/stream")" = 200 ]
}
wait_for 30 stream_again
ok "once they closed, a stream opens again"

# --- connections per client address ----------------------------------
# Four uploads from 127.0.0.6 whose bodies never end hold its connections
# (their headers are in, so header-timeout does not close them).
start_holder()
{
	rm -f "$T/fifo$1"
	mkfifo "$T/fifo$1"
	curl -sS -o "$T/held$1.out" -X POST -T - -H "$auth" \
		--interface 127.0.0.6 "$URL/api/v1/poke" \
		< "$T/fifo$1" 2>/dev/null &
	eval "holder$1=\$!"
	eval "exec $1>\"\$T/fifo$1\""
}
from6()
{
	curl -sS -o /dev/null -w '%{http_code}' --max-time 5 \
		--interface 127.0.0.6 "$URL/api/v1/status" 2>/dev/null
}
# A holder that came while a probe held a connection may have been
# refused itself: start it again.
refused6()
{
	for fd in 3 4 5 6; do
		eval "pid=\$holder$fd"
		if ! kill -0 "$pid" 2>/dev/null; then
			eval "exec $fd>&-"
			start_holder $fd
			sleep 0.5
		fi
	done
	[ "$(from6)" = 000 ]
}
for fd in 3 4 5 6; do start_holder $fd; done
wait_for 30 refused6
ok "past max-per-client, one more connection from that address is refused"
http_req GET "$URL/api/v1/status" '' --interface 127.0.0.7
is "$status" 200 "another address is served"
http_req GET "$URL/api/v1/status" '' -H "$auth"
is "$status" 200 "the token from 127.0.0.1 is served"
exec 3>&- 4>&- 5>&- 6>&-
wait "$holder3" "$holder4" "$holder5" "$holder6"
is "$(cat "$T/held3.out")" '{"moves":[]}' "the held uploads were answered"
served6()
{
	[ "$(from6)" = 200 ]
}
wait_for 30 served6
ok "once they closed, that address is served again"

# --- request headers against the clock --------------------------------
# trickle MODE: a header line every 2 s for 20 s after a request line;
# with MODE keepalive, after a first whole request on the connection.
# Prints "closed after N lines" or "served".
trickle()
{
	python3 - "$1" <<'EOF'
import os, select, socket, sys
s = socket.create_connection((os.environ["HOST"], int(os.environ["PORT"])),
                             source_address=("127.0.0.8", 0))
if sys.argv[1] == "keepalive":
    s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    got = b""
    while b"\r\n\r\n" not in got:
        got += s.recv(65536)
    head, rest = got.split(b"\r\n\r\n", 1)
    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
         if l.lower().startswith(b"content-length:")][0]
    while len(rest) < n:
        rest += s.recv(65536)
    if not head.startswith(b"HTTP/1.1 200"):
        print("first request failed")
        sys.exit(0)
s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n")
for i in range(10):
    r, _, _ = select.select([s], [], [], 2)
    if r:
        try:
            data = s.recv(65536)
        except ConnectionResetError:
            data = b""
        print("closed after %d lines" % i if not data else "answered early")
        sys.exit(0)
    try:
        s.sendall(b"X-Slow-%d: 1\r\n" % i)
    except (BrokenPipeError, ConnectionResetError):
        print("closed after %d lines" % i)
        sys.exit(0)
s.sendall(b"\r\n")
r, _, _ = select.select([s], [], [], 10)
print("served" if r and s.recv(65536).startswith(b"HTTP/1.1 200") else "hung")
EOF
}
out=$(trickle fresh)
like "$out" "^closed after [1-4] lines$" \
	"headers trickling past header-timeout are cut off ($out)"
out=$(trickle keepalive)
like "$out" "^closed after [1-4] lines$" \
	"so is the next request on a kept-alive connection ($out)"
http_req GET "$URL/api/v1/status" '' --interface 127.0.0.8
is "$status" 200 "a normal request from that address is served"

# --- conflicts: one merge per conflict, not per GET --------------------
runs()
{
	curl -sS --unix-socket "$CTHULHU_SOCKET" http://localhost/api/v1/status |
		sed -n 's/.*"next-conflicts":\([0-9]*\).*/\1/p' | grep . || echo 0
}
http_req POST "unix:/api/v1/next/rebuild" '{"wait": true}'
is "$status" 200 "a build of next"
like "$body" '"topic":"t2","[^}]*"outcome":"conflict"' "t2 conflicts with t1"
build1=$(printf '%s' "$body" | sed -n 's/^{"id":\([0-9]*\).*/\1/p')
before=$(runs)
same=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	http_req GET "$URL/api/v1/next/conflicts/t2"
	[ "$status" = 200 ] && [ "$i" = 1 ] && first=$body
	[ "$status" = 200 ] && [ "$body" = "$first" ] && same=$((same + 1))
done
is "$same" 10 "ten GETs of t2's conflicts, each answered the same"
like "$first" "ten by t2" "with t2's side of the conflict"
like "$first" "\"build\":$build1," "from the latest build"
is "$(($(runs) - before))" 1 "the ten GETs ran one merge on the engine"
http_req GET "$URL/api/v1/next/conflicts/t1"
is "$status" 404 "a topic without a conflict is 404"
http_req GET "$URL/api/v1/next/conflicts/nosuch"
is "$status" 404 "so is an unknown one"
is "$(($(runs) - before))" 1 "neither ran a merge"

edit_on t2 10 'ten by t2, again'
http_req POST "unix:/api/v1/next/rebuild" '{"wait": true}'
build2=$(printf '%s' "$body" | sed -n 's/^{"id":\([0-9]*\).*/\1/p')
before=$(runs)
for i in 1 2 3 4 5; do
	http_req GET "$URL/api/v1/next/conflicts/t2"
done
is "$status" 200 "after t2 moved, its conflicts are served"
like "$body" "ten by t2, again" "with t2's new side"
like "$body" "\"build\":$build2," "from the new build"
like "$body" "\"theirs\":\"$(git --git-dir="$REPO" rev-parse t2)\"" \
	"merging t2's new tip"
is "$(($(runs) - before))" 1 "five GETs after the move ran one merge"
stop_daemon

# --- the last connections are kept for the token ----------------------
# Without header-timeout, idle connections hold their slots; seven of
# max-connections = 8 leave only the reserved one.
setup_daemon --tcp "$REPO" "the daemon restarts without header-timeout" \
	'[watch]' '	poll = 0' "$topics" '[http]' \
	'	max-connections = 8' '	header-timeout = 0'
PORT=${URL##*:}
python3 - >"$T/idle.out" <<'EOF' &
import os, socket, sys, time
socks = [socket.create_connection((os.environ["HOST"], int(os.environ["PORT"])))
         for i in range(7)]
print("open", flush=True)
time.sleep(60)
EOF
idle=$!
wait_for 20 grep -q open "$T/idle.out"
ok "seven idle connections are open"
reserved()
{
	http_req GET "$URL/api/v1/status"
	[ "$status" = 503 ]
}
wait_for 20 reserved
ok "then a request without the token is 503"
is_error_json unavailable "error code 'unavailable'"
like "$body" "Authorization: Bearer" "the message says the rest is kept for the token"
# (a connection refused just before may still be closing: try again)
token_served()
{
	http_req GET "$URL/api/v1/status" '' -H "$auth"
	[ "$status" = 200 ]
}
wait_for 20 token_served
ok "a request with the token is served"
kill "$idle"
wait "$idle" 2>/dev/null
served()
{
	http_req GET "$URL/api/v1/status"
	[ "$status" = 200 ]
}
wait_for 30 served
ok "once they closed, requests without the token are served again"
done_testing
