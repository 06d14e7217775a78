#!/bin/sh
# The CLI's HTTP/1.1 client on the Unix socket against a fake daemon
# (tests/fake-http.py) that sends canned bytes: chunked and sized answers
# are read whole and no further, the request is well formed, and every
# broken answer (none, cut short in the headers, the body or a chunk, not
# HTTP, too large) and every bad socket path is a clear error with the
# exit code cthulhu(1) gives it: 3 when no whole answer came, 1 when one
# came that the CLI refuses.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

S=$T/fake.sock
CTHULHU_SOCKET=$S
export CTHULHU_SOCKET

# serve [--hold] ANSWER: the fake daemon at $S, for one request; the
# request it got goes to $T/request.
serve()
{
	local hold=
	if [ "$1" = --hold ]; then
		hold=--hold
		shift
	fi
	rm -f "$T/request" "$S"
	python3 "$top_srcdir/tests/fake-http.py" $hold "$S" "$1" "$T/request" \
		2>>"$T/fake.log" &
	FAKE_PID=$!
	wait_for 10 test -S "$S"
}

# answer NAME PRINTF-FORMAT [ARGS...]: write the canned answer $T/NAME.
answer()
{
	local name=$1
	shift
	# shellcheck disable=SC2059
	printf "$@" >"$T/$name"
}

# served ANSWER ARGS...: run the CLI with ARGS against ANSWER, then wait
# for the fake daemon to end.
served()
{
	local a=$1
	shift
	serve "$a" || { echo "# the fake daemon did not start"; return 1; }
	run "$@"
	wait "$FAKE_PID"
}

python3 -c 'import socket; socket.AF_UNIX' 2>/dev/null
ok "python3 has Unix sockets" || done_testing

# --- whole answers ---------------------------------------------------------

topics='{"topics": [{"name": "x86/pmu", "branch": "refs/heads/x86/pmu", "order": 1, "into_next": true, "tip": "91cc79e6e51315774ea473d97201fc5406a6b11b", "moved_at": null, "ahead": 3}]}'
# The JSON in three chunks, one with an extension, then a trailer.
c1=$(printf '%s' "$topics" | cut -c1-20)
c2=$(printf '%s' "$topics" | cut -c21-60)
c3=$(printf '%s' "$topics" | cut -c61-)
answer chunked 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n%x;name=value\r\n%s\r\n%x\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n' \
	${#c1} "$c1" ${#c2} "$c2" ${#c3} "$c3"
serve --hold "$T/chunked" && run topics --json; wait "$FAKE_PID"
is "$rc" 0 "a chunked answer: exit 0"
is "$out" "$topics" "--json prints the chunks joined, as the daemon meant them"
like "$(cat "$T/request")" '^client closed first$' \
	"the CLI is done at the last chunk, without waiting for the end of the stream"
head -n 1 "$T/request" | tr -d '\r' >"$T/line"
is "$(cat "$T/line")" "GET /api/v1/topics HTTP/1.1" "the request line"
like "$(cat "$T/request" | tr -d '\r')" '^Host: localhost$' "the request has a Host header"
like "$(cat "$T/request" | tr -d '\r')" '^Connection: close$' "the request asks to close the connection after the answer"

served "$T/chunked" topics
is "$rc" 0 "a chunked answer as a table: exit 0"
like "$out" '^x86/pmu +x86/pmu +1 +yes +91cc79e6e513 +- +3$' "the table is made from the joined chunks"

body='{"name": "x86/mmu", "branch": "refs/heads/x86/mmu", "order": 2, "into_next": true, "source": "api"}'
answer created 'HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s' ${#body} "$body"
serve --hold "$T/created" && run topics add x86/mmu --branch x86/mmu --order 2 --json; wait "$FAKE_PID"
is "$rc" 0 "a sized answer to a POST: exit 0"
is "$out" "$body" "the sized body is printed"
like "$(cat "$T/request")" '^client closed first$' \
	"the CLI is done at Content-Length, without waiting for the end of the stream"
tr -d '\r' <"$T/request" >"$T/req"
sed -n '1p' "$T/req" >"$T/line"
is "$(cat "$T/line")" "POST /api/v1/topics HTTP/1.1" "the POST request line"
sed -n '/^$/,$p' "$T/req" | sed -n '2p' >"$T/sent"
len=$(sed -n 's/^Content-Length: //p' "$T/req")
is "$len" "$(printf '%s' "$(cat "$T/sent")" | wc -c)" "Content-Length is the length of the body sent"
like "$(cat "$T/req")" '^Content-Type: application/json$' "the body is declared JSON"
is "$(jq -c '[.name, .branch, .order]' "$T/sent")" '["x86/mmu","x86/mmu",2]' \
	"the body is the topic asked for"

answer delete 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'
served "$T/delete" topics remove x86/mmu --json
is "$rc" 0 "DELETE: exit 0"
tr -d '\r' <"$T/request" >"$T/req"
is "$(sed -n 1p "$T/req")" "DELETE /api/v1/topics/x86/mmu HTTP/1.1" "the DELETE request line"
like "$(cat "$T/req")" '^Content-Length: 0$' "a DELETE says it has no body"

answer http10 'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n%s' "$topics"
served "$T/http10" topics --json
is "$rc" 0 "an HTTP/1.0 answer up to the end of the stream: exit 0"
is "$out" "$topics" "it is printed whole"

# --- answers the CLI refuses: exit 1 -----------------------------------------

err_body='{"error": {"code": "conflict", "message": "topic '"'"'x86/pmu'"'"' exists"}}'
answer conflict 'HTTP/1.1 409 Conflict\r\nContent-Length: %d\r\n\r\n%s' ${#err_body} "$err_body"
served "$T/conflict" topics add x86/pmu --branch x86/pmu --order 1
is "$rc" 1 "an error answer: exit 1"
is "$err" "error: topic 'x86/pmu' exists" "an error answer: the daemon's message"

answer notjson 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'
served "$T/notjson" status
is "$rc" 1 "a body that is not JSON: exit 1"
like "$err" '^error: the daemon answered HTTP 200 with invalid JSON' "a body that is not JSON: said so"

answer huge 'HTTP/1.1 200 OK\r\nContent-Length: 300000000\r\n\r\n{"a":'
served "$T/huge" status
is "$rc" 1 "an answer over 256 MiB: exit 1"
is "$err" "error: cannot take the answer of cthulhud at socket '$S': the answer is larger than the limit of 256 MiB" \
	"an answer over 256 MiB: said so, and the socket named"
is "$out" "" "an answer over 256 MiB: nothing on stdout"

answer hugechunk 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20000000\r\n{"a":'
served "$T/hugechunk" status
is "$rc" 1 "a chunk over 256 MiB: exit 1"
like "$err" 'larger than the limit of 256 MiB$' "a chunk over 256 MiB: said so"

# --- no whole answer: exit 3 -------------------------------------------------

# check_broken NAME WANT DESC: the answer $T/NAME is exit 3 with WANT.
check_broken()
{
	served "$T/$1" status
	is "$rc" 3 "$3: exit 3"
	like "$err" "^error: cannot reach cthulhud at socket '$S': $2" "$3: said so, and the socket named"
	is "$out" "" "$3: nothing on stdout"
}

: >"$T/none"
check_broken none 'the daemon closed the connection without an answer$' "no answer"
answer cut-status 'HTTP/1.1 20'
check_broken cut-status 'the answer was cut short in its status line$' "cut in the status line"
answer cut-headers 'HTTP/1.1 200 OK\r\nContent-Type: appl'
check_broken cut-headers 'the answer was cut short in its headers$' "cut in the headers"
answer cut-body 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"tree": "t'
check_broken cut-body 'the answer was cut short: 11 of its 100 body bytes came$' "cut in a sized body"
answer cut-chunk 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"tree"'
check_broken cut-chunk 'the answer was cut short in its chunked body$' "cut in a chunk"
answer cut-last 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n'
check_broken cut-last 'the answer was cut short in its chunked body$' "cut before the last chunk"
answer ssh 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'
check_broken ssh "malformed status line 'SSH-2.0-OpenSSH_9.2p1 Debian-2' in the answer\$" "not HTTP"
answer nostatus 'HTTP/1.1 OK\r\nContent-Length: 2\r\n\r\n{}'
check_broken nostatus "malformed status line 'HTTP/1.1 OK' in the answer\$" "a status line without a status"
answer badchunk 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n{}\r\n0\r\n\r\n'
check_broken badchunk "malformed chunk size 'xyz' in the answer\$" "a chunk size that is no number"
answer gzip 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n{}'
check_broken gzip "the answer has Transfer-Encoding 'gzip', not 'chunked'\$" "a coding not asked for"

# --- socket paths that lead nowhere ------------------------------------------

mkdir "$T/dir"
run --socket "$T/dir" status
is "$rc" 3 "a directory as the socket: exit 3"
is "$err" "error: cannot reach cthulhud at socket '$T/dir': a directory is not a socket" \
	"a directory as the socket: said so"

# A socket left behind by a daemon that is gone.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/stale.sock"
run --socket "$T/stale.sock" status
is "$rc" 3 "a socket nobody listens on: exit 3"
is "$err" "error: cannot reach cthulhud at socket '$T/stale.sock': Connection refused (is cthulhud running?)" \
	"a socket nobody listens on: the reason and a hint"

long=$T/$(printf 'd%.0s' $(seq 120)).sock
run --socket "$long" status
is "$rc" 3 "a socket path over 107 bytes: exit 3"
like "$err" "^error: cannot reach cthulhud at socket '$long': the path is longer than 107 bytes\$" \
	"a socket path over 107 bytes: said so"

done_testing
