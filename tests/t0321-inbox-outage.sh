#!/bin/sh
# [inbox] keeps going when the server goes: public-inbox-httpd killed
# with SIGKILL again and again while cthulhud polls every second, mail
# delivered meanwhile, the server back on the same port: every message
# arrives, once.  A server that answers junk gives a clear log line, an
# "inbox" event on the bus, and no rows; one that takes the connection
# and never answers fails the poll after [inbox] timeout, and does not
# hold up a stop.  cthulhud killed between the
# submit of a batch and the move of its cursor (test hook) reads the
# batch again after the restart and takes nothing twice.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-inbox.sh"
test_init
need_public_inbox

rows()
{
	sql "SELECT (SELECT count(*) FROM messages) || ' ' ||
	     (SELECT count(*) FROM series) || ' ' ||
	     (SELECT count(*) FROM patches) || ' ' ||
	     (SELECT count(*) FROM inbox_messages)"
}

have_messages()
{
	[ "$(sql "SELECT count(*) FROM messages")" = "$1" ]
}

inbox_json()
{
	cth inboxes --json
}

failing()
{
	inbox_json | grep -q "\"last_error\": *\"$1"
}

pi_init kvm
pi_httpd
ok "public-inbox-httpd serves the inbox" || done_testing
make_patches "$T/s0" 2 "KVM: x86: First"
pi_deliver kvm "$T"/s0/*.patch

make_repo "$T/work"
setup_daemon "$T/work.git" "the daemon starts" \
	'[inbox "kvm"]' "	url = $PI_URL/kvm/" '	poll = 1'
check "the first series arrives" wait_for 20 have_messages 3

# --- the server killed while cthulhud polls ----------------------------------

want=3
round=1
while [ $round -le 4 ]; do
	# somewhere inside or between polls, one a second
	sleep "0.$((round * 2 + 1))"
	pi_httpd_stop KILL
	make_patches "$T/r$round" 2 "KVM: x86: Round $round"
	pi_deliver kvm "$T/r$round"/*.patch
	make_reply "$T/r$round/reply" "$(ls "$T/r$round"/0001-*.patch)" \
		"Round $round reviewed."
	pi_deliver kvm "$T/r$round/reply"
	want=$((want + 4))
	if [ $round = 1 ]; then
		check "a poll of the killed server fails with a clear error" \
			wait_for 20 failing "cannot fetch 'http://127.0.0.1:$PI_PORT/kvm/0'"
		like "$(grep "warning: inbox 'kvm'" "$T/daemon.log" | head -n 1)" \
			"warning: inbox 'kvm': cannot fetch 'http://127.0.0.1:$PI_PORT/kvm/0': .*(refused|connect)" \
			"the log says which inbox, which URL and why"
	fi
	pi_httpd
	ok "public-inbox-httpd is back on port $PI_PORT (round $round)"
	round=$((round + 1))
done
is "$(pi_count kvm)" "$want" "the inbox holds $want messages"
check "every message arrives" wait_for 30 have_messages "$want"
sleep 2 # more polls: nothing may come of them
is "$(rows)" "$want 5 10 $want" \
	"each message once: $want messages, 5 series of 10 patches, $want indexed"
is "$(sql "SELECT count(*) FROM trailers")" 4 "each round's reply gave its trailer"
is "$(sql "SELECT last_commit FROM inbox_epochs WHERE inbox = 'kvm'")" \
	"$(git -C "$T/pi/kvm/git/0.git" rev-parse HEAD)" \
	"the cursor is the epoch's tip"
like "$(cat "$T/daemon.log")" "info: inbox 'kvm': read again after: cannot fetch" \
	"the log says when the inbox could be read again"
like "$(inbox_json)" '"last_error": *null' "the inbox is healthy again"

# --- a server that answers junk -----------------------------------------------

JUNK_PORT=$((PI_PORT + 1))
python3 - "$JUNK_PORT" >"$T/junk.log" 2>&1 <<'EOF' &
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(8)
srv.settimeout(60)
junk = (b"HTTP/1.1 200 OK\r\n"
        b"Content-Type: application/x-git-upload-pack-advertisement\r\n"
        b"Content-Length: 20\r\n\r\n\x00\x01garbage\xff\xfe garbage")
while True:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        break
    c.settimeout(5)
    try:
        c.recv(65536)
        c.sendall(junk)
    except OSError:
        pass
    c.close()
EOF
JUNK_PID=$!
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$JUNK_PORT/"
curl -sSN --unix-socket "$CTHULHU_SOCKET" \
	"http://localhost/api/v1/events/stream" >"$T/stream" 2>/dev/null &
STREAM_PID=$!
wait_for 20 grep -q '^event: hello' "$T/stream"
before=$(rows)
git config -f "$T/cthulhu.conf" inbox.junk.url "http://127.0.0.1:$JUNK_PORT/junk"
git config -f "$T/cthulhu.conf" inbox.junk.poll 1
kill -HUP "$DAEMON_PID"
check "the junk inbox fails with a clear error" \
	wait_for 20 grep -q "warning: inbox 'junk': cannot fetch 'http://127.0.0.1:$JUNK_PORT/junk/0'" "$T/daemon.log"
check "an 'inbox' event on the bus says so" \
	wait_for 20 grep -q '^data: .*"junk".*"state": *"error"' "$T/stream"
like "$(inbox_json | jq -r '.inboxes[] | select(.name == "junk") | .last_error')" \
	"cannot fetch 'http://127.0.0.1:$JUNK_PORT/junk/0'" \
	"cthulhu inboxes shows the error"
sleep 3 # more polls of junk
is "$(rows)" "$before" "junk writes no row"
is "$(sql "SELECT count(*) FROM inbox_epochs WHERE inbox = 'junk'")" 0 \
	"and no cursor"
is "$(grep -c "warning: inbox 'junk'" "$T/daemon.log")" 1 \
	"the error is logged once, not at every poll"

# --- a server that takes the connection and never answers -------------------

SILENT_PORT=$((PI_PORT + 2))
python3 - "$SILENT_PORT" "$T/silent.log" <<'EOF' &
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(64)
srv.settimeout(120)
held = []
open(sys.argv[2], "w").close()
while True:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        break
    held.append(c)
    with open(sys.argv[2], "a") as log:
        log.write("accepted %d\n" % len(held))
EOF
SILENT_PID=$!
wait_for 10 test -e "$T/silent.log"
git config -f "$T/cthulhu.conf" --remove-section inbox.junk
git config -f "$T/cthulhu.conf" inbox.silent.url "http://127.0.0.1:$SILENT_PORT/silent/"
git config -f "$T/cthulhu.conf" inbox.silent.poll 1
git config -f "$T/cthulhu.conf" inbox.silent.timeout 2
kill -HUP "$DAEMON_PID"
check "a server that never answers fails the poll after [inbox] timeout" \
	wait_for 30 grep -q "warning: inbox 'silent': cannot fetch 'http://127.0.0.1:$SILENT_PORT/silent/0': no answer from 127.0.0.1:$SILENT_PORT in 2 seconds" "$T/daemon.log"
make_patches "$T/late" 1 "KVM: x86: Beside the silent one"
pi_deliver kvm "$T"/late/*.patch
want=$((want + 2))
check "the good inbox goes on beside it" wait_for 30 have_messages "$want"

stop_daemon
ok "the daemon stops while an inbox fails"

# A fetch that waits on the silent server does not hold up a stop.
git config -f "$T/cthulhu.conf" inbox.silent.timeout 3600
accepted=$(wc -l <"$T/silent.log")
more_accepted()
{
	[ "$(wc -l <"$T/silent.log")" -gt "$accepted" ]
}
start_daemon "$T/cthulhu.conf"
ok "the daemon starts with the silent inbox"
check "a fetch waits on the silent server" wait_for 20 more_accepted
# gone: no such process, or one that has ended and waits for its wait
gone()
{
	! kill -0 "$1" 2>/dev/null || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"
}
kill -TERM "$DAEMON_PID"
check "the daemon ends at once while the fetch waits" \
	wait_for 20 gone "$DAEMON_PID"
stop_daemon
ok "and cleanly"
kill "$STREAM_PID" "$JUNK_PID" "$SILENT_PID" 2>/dev/null
wait "$STREAM_PID" "$JUNK_PID" "$SILENT_PID" 2>/dev/null
git config -f "$T/cthulhu.conf" --remove-section inbox.silent

# --- cthulhud killed between a batch's submit and its cursor -------------------

if have_test_hooks; then
	make_patches "$T/k" 3 "KVM: x86: Killed"
	pi_deliver kvm "$T"/k/*.patch
	want=$((want + 4))
	before_cursor=$(sql "SELECT last_commit FROM inbox_epochs WHERE inbox = 'kvm'")
	CTHULHU_TEST_CRASH_AT=inbox-submitted timeout 60 "$CTHULHUD" \
		-c "$T/cthulhu.conf" >>"$T/daemon.log" 2>&1
	is "$?" 137 "cthulhud dies by SIGKILL after submitting the batch"
	is "$(sql "SELECT count(*) FROM messages")" "$want" \
		"the batch's messages were committed"
	is "$(sql "SELECT last_commit FROM inbox_epochs WHERE inbox = 'kvm'")" \
		"$before_cursor" "the cursor did not move"
	start_daemon "$T/cthulhu.conf"
	ok "the daemon starts again"
	at_tip()
	{
		[ "$(sql "SELECT last_commit FROM inbox_epochs WHERE inbox = 'kvm'")" = \
			"$(git -C "$T/pi/kvm/git/0.git" rev-parse HEAD)" ]
	}
	check "the batch is read again and the cursor moves" wait_for 20 at_tip
	is "$(rows)" "$want 7 14 $want" \
		"nothing twice: $want messages, 7 series of 14 patches, $want indexed"
fi

stop_daemon
ok "the daemon stops cleanly"

done_testing
