#!/bin/sh
# Against DNS rebinding and unasked-for bodies.  Over TCP, a request
# whose Host is not an address, the listen host, localhost or an
# http.allowed-hosts entry is answered 421 `misdirected`, also in a real
# Chromium that resolves a foreign name to 127.0.0.1 (a rebinding page
# can neither load the API nor fetch from it), while an allowed name
# serves the dashboard.  A GET or HEAD announcing a body is answered 400
# at once, on either listener, before a byte of the body is sent.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-browser.sh"
test_init

make_repo "$T/src"
commit_on x86 'KVM: x86: First'
(cd "$T/src" && git push -q origin x86)
start_dashboard_daemon '[topic "x86"]' '	order = 1' \
	'[http]' '	allowed-hosts = kvm-box.example, other.example'
ok "cthulhud serves the dashboard"
[ -n "$url" ] || done_testing
port=${url##*:}

# status HOST: the HTTP status of GET /api/v1/status sent with that Host.
status()
{
	curl -s -o "$T/body" -w '%{http_code}' -H "Host: $1" \
		"$url/api/v1/status"
}

for h in "127.0.0.1:$port" "localhost:$port" localhost "[::1]:$port" \
	"LOCALHOST:$port" "kvm-box.example:$port" other.example \
	"192.0.2.7:$port" "[2001:db8::7]"; do
	is "$(status "$h")" 200 "Host '$h' is served"
done
for h in "rebind.example:$port" rebind.example "127.0.0.1.rebind.example" \
	"localhost.rebind.example:$port" "localhost:$port:1" \
	"localhost:x" "kvm-box.example.evil:$port" "[::2" "[rebind.example]" \
	"1.2.3.4.5" "192.0.2.7x"; do
	is "$(status "$h")" 421 "Host '$h' is answered 421"
done
status rebind.example >/dev/null
is "$(jq -r .error.code "$T/body")" misdirected \
	"with the JSON error code 'misdirected'"
like "$(jq -r .error.message "$T/body")" "allowed-hosts" \
	"whose message names http.allowed-hosts"

# raw LISTENER REQUEST: send REQUEST (\n becomes CRLF), print the status
# line of the answer; waits at most 10 s, then prints "timeout".
raw()
{
	python3 - "$1" "$2" <<'PY'
import socket, sys
where, req = sys.argv[1], sys.argv[2].replace("\n", "\r\n").encode()
if where.startswith("/"):
	s = socket.socket(socket.AF_UNIX)
	s.connect(where)
else:
	host, port = where.rsplit(":", 1)
	s = socket.create_connection((host, int(port)))
s.settimeout(10)
s.sendall(req)
try:
	print(s.recv(4096).split(b"\r\n")[0].decode())
except socket.timeout:
	print("timeout")
PY
}

for m in GET HEAD; do
	is "$(raw "127.0.0.1:$port" "$m /api/v1/status HTTP/1.1
Host: 127.0.0.1
Content-Length: 60000000

")" "HTTP/1.1 400 Bad Request" "TCP: $m announcing 60 MB is 400 before the body"
	is "$(raw "$CTHULHU_SOCKET" "$m /api/v1/status HTTP/1.1
Host: localhost
Transfer-Encoding: chunked

")" "HTTP/1.1 400 Bad Request" "Unix socket: a chunked $m is 400 before the body"
done
is "$(raw "127.0.0.1:$port" "GET /api/v1/status HTTP/1.1
Host: 127.0.0.1
Content-Length: 0

")" "HTTP/1.1 200 OK" "a GET with Content-Length: 0 is served"
is "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/status")" 200 \
	"the daemon serves after the refused requests"

# A rebinding page in a real browser: rebind.example and kvm-box.example
# both resolve to 127.0.0.1.
BROWSER_ARGS='["--host-resolver-rules=MAP rebind.example 127.0.0.1, MAP kvm-box.example 127.0.0.1"]'
export BROWSER_ARGS
browser_start
ok "Chromium starts" || done_testing
bcheck "Chromium loads the rebinding page" \
	goto "http://rebind.example:$port/api/v1/series"
browser eval 'document.body.innerText'
like "$reply" "misdirected" "the page gets the 421 error, not the series"
browser eval "fetch('/api/v1/status').then(r => r.status)"
is "$reply" 421 "a fetch from the rebinding page is answered 421"
bcheck "Chromium loads the dashboard at an allowed name" \
	goto "http://kvm-box.example:$port/#/topics"
bcheck "the dashboard at kvm-box.example renders its topics" wait 20000 \
	"document.body.dataset.loads >= 1 && document.getElementById('topics-table') && document.body.innerText.includes('x86')"
bcheck "and its event stream is open" wait 20000 \
	"document.body.dataset.live === 'open'"
browser eval "fetch('/api/v1/status').then(r => r.status)"
is "$reply" 200 "and its own fetches are served"
browser_stop

done_testing
