#!/bin/sh
# Several [inbox]es at once: one served by public-inbox-httpd, one read
# from its directory on this machine.  A series sent to both lists (Cc)
# is one series of one message each: the Message-ID decides; each inbox
# still records where it holds each message.  A new inbox submits only
# the mail of its last [inbox] backfill days.  A bad [inbox] stops the
# daemon at start with an error that names the key.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-inbox.sh"
test_init
need_public_inbox

rows()
{
	sql "SELECT (SELECT count(*) FROM messages) || ' ' ||
	     (SELECT count(*) FROM series) || ' ' ||
	     (SELECT count(*) FROM patches)"
}

indexed()
{
	[ "$(sql "SELECT count(*) FROM inbox_messages WHERE inbox = '$1'")" = "$2" ]
}

pi_init kvm
pi_init lkml
pi_httpd
ok "public-inbox-httpd serves the inboxes" || done_testing

make_patches "$T/both" 2 "KVM: x86: Sent to both lists"
both_cover=$COVER_ID
make_patches "$T/kvm" 1 "KVM: x86: Only on kvm"
make_patches "$T/lkml" 3 "mm: Only on lkml"
pi_deliver kvm "$T"/both/*.patch "$T"/kvm/*.patch
pi_deliver lkml "$T"/lkml/*.patch "$T"/both/*.patch
is "$(pi_count kvm) $(pi_count lkml)" "5 7" \
	"kvm holds 5 messages, lkml 7, 3 of them the same"

make_repo "$T/work"
setup_daemon "$T/work.git" "the daemon starts with two inboxes" \
	'[inbox "kvm"]' "	url = $PI_URL/kvm/" '	poll = 1' \
	'[inbox "lkml"]' "	url = $T/pi/lkml" '	poll = 1'

check "every message of kvm is read" wait_for 20 indexed kvm 5
check "every message of lkml is read, from its directory" \
	wait_for 20 indexed lkml 7
sleep 2 # more polls of both
is "$(rows)" "9 3 6" "9 messages: those sent to both lists once; 3 series"
is "$(sql "SELECT count(*) FROM messages WHERE msgid = '$both_cover'")" 1 \
	"the cover letter sent to both is one message"
is "$(sql "SELECT group_concat(inbox, ' ') FROM (SELECT inbox FROM
	inbox_messages WHERE msgid = '$both_cover' ORDER BY inbox)")" \
	"kvm lkml" "both inboxes record that they hold it"
is "$(sql "SELECT total || ' ' || complete FROM series WHERE name LIKE
	'%Sent to both lists%'")" "2 1" "the series sent to both is complete, once"
is "$(sql "SELECT last_commit FROM inbox_epochs WHERE inbox = 'lkml'")" \
	"$(git -C "$T/pi/lkml/git/0.git" rev-parse HEAD)" \
	"the directory inbox's cursor is its epoch's tip"
run inboxes
like "$out" "lkml +1s +1 +7 .* $T/pi/lkml" \
	"cthulhu inboxes shows the directory inbox"
stop_daemon
ok "the daemon stops"

# --- a new inbox starts [inbox] backfill days back ----------------------------

pi_init old
make_patches "$T/old1" 2 "KVM: x86: Before the first read"
old1_cover=$COVER_ID
pi_deliver old "$T"/old1/*.patch
# backfill = 0: what the inbox took before the first read is only
# indexed; commit times are in whole seconds.
sleep 1.1
before=$(rows)
git config -f "$T/cthulhu.conf" inbox.old.url "$T/pi/old"
git config -f "$T/cthulhu.conf" inbox.old.poll 1
git config -f "$T/cthulhu.conf" inbox.old.backfill 0
start_daemon "$T/cthulhu.conf"
ok "the daemon starts with an inbox that backfills nothing"
check "the older mail is indexed" wait_for 20 indexed old 3
is "$(rows)" "$before" "but not taken"
is "$(sql "SELECT count(*) FROM inbox_starts WHERE inbox = 'old'")" 1 \
	"the inbox's start is recorded"
make_patches "$T/old2" 1 "KVM: x86: After the first read"
pi_deliver old "$T"/old2/*.patch
has_series()
{
	[ -n "$(sql "SELECT id FROM series WHERE name LIKE '%$1%'")" ]
}
check "mail that comes after the first read is taken" \
	wait_for 20 has_series "After the first read"
run submit --msgid "$old1_cover"
like "$out" "created .*Before the first read" \
	"submit --msgid still fetches the older thread"
stop_daemon
ok "the daemon stops cleanly"

# --- bad [inbox] config --------------------------------------------------

bad()
{
	write_config "$T/bad.conf" "$T/work.git" "$@"
	"$CTHULHUD" -c "$T/bad.conf" >"$T/bad.log" 2>&1
	echo "$?"
}

is "$(bad '[inbox "kvm"]' '	poll = 60')" 1 "an inbox without url is refused"
like "$(cat "$T/bad.log")" "inbox 'kvm' has no url" "the error says which inbox"
is "$(bad '[inbox "kvm"]' '	url = ftp://example.org/kvm/')" 1 \
	"a URL that is not http(s) is refused"
like "$(cat "$T/bad.log")" "bad.conf:[0-9]+: 'inbox.kvm.url': 'ftp://example.org/kvm/' is neither an http\\(s\\) URL nor a directory" \
	"the error names the file, the line and the key"
is "$(bad '[inbox "kvm"]' "	url = $PI_URL/kvm/" '	poll = soon')" 1 \
	"a poll that is not a number is refused"
like "$(cat "$T/bad.log")" "'inbox.kvm.poll': 'soon' is not a number" \
	"the error names the key and the value"
is "$(bad '[inbox "../x"]' "	url = $PI_URL/kvm/")" 1 \
	"an inbox name that is not a folder name is refused"
like "$(cat "$T/bad.log")" "inbox '../x' is not a valid name" \
	"the error names the inbox"
is "$(bad '[inbox "kvm"]' "	url = $PI_URL/kvm/" '	timeout = 0')" 1 \
	"a timeout of 0 is refused"
like "$(cat "$T/bad.log")" "'inbox.kvm.timeout': must be 1 to 3600 seconds" \
	"the error gives the range"
is "$(bad '[inbox "kvm"]' "	url = $PI_URL/kvm/" '	backfill = -1')" 1 \
	"a negative backfill is refused"

done_testing
