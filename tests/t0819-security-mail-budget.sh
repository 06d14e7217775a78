#!/bin/sh
# One hostile mail must not freeze every mutation.  A real cthulhud
# watches a Maildir and is handed, one after the other, the worst case of
# every header and body loop of the mail parser (tests/fuzz/worst-mail.py:
# References, In-Reply-To, To, Cc, Reply-To, Subject of many encoded
# words, From, Content-Type parameters, MIME nesting and many parts, a
# long line, many headers, Depends-on, prerequisite ids, a pull request);
# while each is taken a `cthulhu poke` (a job on the engine) and `cthulhu
# status` answer within 5 s and the daemon lives on.  A mail over [intake]
# max-mail-size is refused with its name in the log, and so is a symbolic
# link in new/ (not followed); neither reaches the queue.  SIGTERM while a
# big mbox is taken ends the daemon within 5 s, the rest of the mbox left
# in new/ for the next start.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

GEN=$top_srcdir/tests/fuzz/worst-mail.py
BOUND=$((5 * ${CTHULHU_TEST_SLOW:-1}))

make_repo "$T/work"
mkdir -p "$T/maildir/new" "$T/maildir/cur" "$T/maildir/tmp"
setup_daemon "$T/work.git" "the daemon starts" '[intake]' \
	"	maildir = $T/maildir" '	max-mail-size = 20M'

# deliver NAME FILE: put FILE into new/ as NAME, the Maildir way
deliver()
{
	cp "$2" "$T/maildir/tmp/$1" && mv "$T/maildir/tmp/$1" "$T/maildir/new/$1"
}

# responsive NAME: until new/NAME is taken (at most about 20 s), each
# poke and status answers within $BOUND seconds
responsive()
{
	local i=0
	while [ -e "$T/maildir/new/$1" ] || [ -L "$T/maildir/new/$1" ]; do
		i=$((i + 1))
		[ $i -le 80 ] || return 1
		timeout "$BOUND" "$CTHULHU" poke >/dev/null 2>&1 || return 1
		timeout "$BOUND" "$CTHULHU" status >/dev/null 2>&1 || return 1
		sleep 0.2
	done
}

python3 "$GEN" "$T/worst"
ok "the worst cases are generated"
for f in "$T"/worst/*.mail; do
	name=$(basename "$f")
	deliver "$name" "$f"
	responsive "$name"
	ok "$name: poke and status answer within ${BOUND} s while it is taken"
	kill -0 "$DAEMON_PID"
	ok "$name: the daemon lives on"
done

# --- an over-size mail -------------------------------------------------------

before=$(sql "SELECT count(*) FROM messages")
{
	printf 'From: Eve Hostile <eve@example.org>\n'
	printf 'Message-Id: <t0819-big@example.org>\n'
	printf 'Subject: [PATCH] big\n\nx\n---\n'
	printf 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n'
	head -c 21000000 /dev/zero | tr '\0' b
	printf '\n'
} >"$T/big"
deliver over-size.mail "$T/big"
responsive over-size.mail
ok "over-size: taken out of new/"
grep 'intake: over-size.mail: .*max-mail-size' "$T/daemon.log" >/dev/null
ok "over-size: the log names the file and the limit"
is "$(sql "SELECT count(*) FROM messages WHERE msgid = 't0819-big@example.org'")" \
	0 "over-size: not in the queue"
is "$(sql "SELECT count(*) FROM messages")" "$before" \
	"over-size: the queue is unchanged"
test -e "$T/maildir/cur/over-size.mail:2,"
ok "over-size: moved to cur/, not read again"

# --- a symbolic link in new/ ---------------------------------------------------

{
	printf 'From: Eve Hostile <eve@example.org>\n'
	printf 'Message-Id: <t0819-link@example.org>\n'
	printf 'Subject: [PATCH] secret\n\nx\n'
} >"$T/outside.mail"
ln -s "$T/outside.mail" "$T/maildir/new/link.mail"
responsive link.mail
ok "symlink: taken out of new/"
grep 'intake: link.mail: .*symbolic link' "$T/daemon.log" >/dev/null
ok "symlink: the log names it and says it is not followed"
is "$(sql "SELECT count(*) FROM messages WHERE msgid = 't0819-link@example.org'")" \
	0 "symlink: its target is not read into the queue"
test -f "$T/outside.mail" && test -L "$T/maildir/cur/link.mail:2,"
ok "symlink: the link is moved to cur/, its target left alone"

# --- SIGTERM while a big mbox is taken ---------------------------------------

awk 'BEGIN {
	for (i = 1; i <= 20000; i++) {
		printf "From t0819 Mon Dec  7 03:00:00 2026\n"
		printf "From: Eve Hostile <eve@example.org>\n"
		printf "Message-Id: <t0819-mbox-%d@example.org>\n", i
		printf "Subject: [PATCH] patch %d\n\nx\n---\n", i
		printf "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+%d\n\n", i
	} }' >"$T/mbox"
deliver mbox.mail "$T/mbox"
wait_for 20 sh -c "[ \$(sqlite3 -readonly -cmd '.timeout 5000' \
	'$T/state/cthulhu.db' \"SELECT count(*) FROM messages WHERE msgid \
	LIKE 't0819-mbox-%'\") -gt 0 ]"
ok "the big mbox is being taken"
kill -TERM "$DAEMON_PID"
i=0
while kill -0 "$DAEMON_PID" 2>/dev/null && [ $i -lt $((BOUND * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
! kill -0 "$DAEMON_PID" 2>/dev/null
ok "SIGTERM ends the daemon within ${BOUND} s"
kill -KILL "$DAEMON_PID" 2>/dev/null
wait "$DAEMON_PID"
DAEMON_PID=
taken=$(sql "SELECT count(*) FROM messages WHERE msgid LIKE 't0819-mbox-%'")
[ "$taken" -lt 20000 ]
ok "the mbox was cut short ($taken of 20000 taken)"
test -e "$T/maildir/new/mbox.mail"
ok "the mbox is left in new/ for the next start"

done_testing
