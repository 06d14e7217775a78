#!/bin/sh
# cthulhu submit --msgid ID fetches the whole thread of ID (cover,
# patches, replies), as b4 am does, from inboxes that are never polled
# (poll = 0): one served by public-inbox-httpd, one read from its
# directory.  The thread is the one public-inbox's own t.mbox.gz gives;
# a lore URL names the message too; nothing outside the thread is
# taken; asking again takes nothing twice but what came since.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-inbox.sh"
test_init
need_public_inbox

msgid_of()
{
	sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$1" | head -n 1
}

pi_init kvm
pi_init lkml
pi_httpd
ok "public-inbox-httpd serves the inboxes" || done_testing

make_patches "$T/a" 3 "KVM: x86: The thread to fetch"
a_cover=$COVER_ID
a_p2=$(ls "$T"/a/0002-*.patch)
make_reply "$T/a/r-cover" "$T/a/0000-cover-letter.patch" "For the series."
make_reply "$T/a/r-p2" "$a_p2" "For patch 2."
make_patches "$T/b" 2 "KVM: x86: Another thread"
pi_deliver kvm "$T"/a/0*.patch "$T/b/0000-cover-letter.patch" \
	"$T/a/r-cover" "$T"/b/000[12]-*.patch "$T/a/r-p2"
make_patches "$T/c" 2 "mm: On the other list"
pi_deliver lkml "$T"/c/*.patch

make_repo "$T/work"
setup_daemon "$T/work.git" "the daemon starts with inboxes never polled" \
	'[inbox "kvm"]' "	url = $PI_URL/kvm/" '	poll = 0' \
	'[inbox "lkml"]' "	url = $T/pi/lkml" '	poll = 0'
sleep 2
is "$(sql "SELECT count(*) FROM messages")" 0 "poll = 0: nothing is read by itself"

# --- the thread from public-inbox-httpd --------------------------------------

curl -sf "$PI_URL/kvm/$a_cover/t.mbox.gz" | gzip -dc >"$T/t.mbox"
ok "public-inbox gives the thread as t.mbox.gz"
pi_thread=$(grep -c '^From ' "$T/t.mbox")
is "$pi_thread" 6 "public-inbox's thread: cover, 3 patches, 2 replies"

run submit --msgid "$a_cover" --json
is "$rc" 0 "submit --msgid exits 0"
like "$out" '"action": *"created"' "the answer names the series made"
like "$out" '"complete": *true' "complete"
like "$out" "\"messages\": *$pi_thread" "the thread has the messages public-inbox's t.mbox.gz has"
like "$out" '"inboxes": *\[ *"kvm" *\]' "from the kvm inbox"
echo "$out" >"$T/first.json"
is "$(jq -r '.thread.root' "$T/first.json")" "$a_cover" "its root is the cover letter"
is "$(sql "SELECT count(*) FROM messages")" "$pi_thread" \
	"only the thread's messages are taken"
is "$(sql "SELECT group_concat(msgid, ' ') FROM (SELECT msgid FROM messages
	ORDER BY msgid)")" \
	"$(grep -i '^Message-ID: ' "$T/t.mbox" | sed 's/^[^<]*<\(.*\)>.*/\1/' |
	   sort | tr '\n' ' ' | sed 's/ $//')" \
	"the very messages of public-inbox's thread"
is "$(sql "SELECT total || ' ' || complete FROM series")" "3 1" \
	"one complete series of 3"
is "$(sql "SELECT count(*) FROM trailers t LEFT JOIN patches p ON
	p.id = t.patch_id WHERE p.number = 2")" 1 "patch 2 has its reply's trailer"
is "$(sql "SELECT count(*) FROM trailers WHERE patch_id IS NULL")" 1 \
	"the cover's reply's trailer is the series'"

# The patch kept is the one git format-patch wrote.
sql "SELECT raw FROM messages WHERE msgid = '$(msgid_of "$a_p2")'" >"$T/kept"
is "$(git patch-id --stable <"$T/kept" | cut -d' ' -f1)" \
	"$(git patch-id --stable <"$a_p2" | cut -d' ' -f1)" \
	"patch 2 as kept has the patch-id of the file delivered"

# --- the same thread by a URL, and again -------------------------------------

before=$(sql "SELECT count(*) FROM messages")
run submit --msgid "https://lore.kernel.org/kvm/$(msgid_of "$a_p2")/"
is "$rc" 0 "submit --msgid takes a lore URL of one of the patches"
like "$out" "^thread of <$(msgid_of "$a_p2")>: 6 messages" "the same thread of 6"
like "$out" "0 ingested, 6 duplicates, 0 refused" "nothing is taken twice"
like "$out" "known +1 +v1 +3/3\\+c +yes" "the series is known"
run submit --msgid "https://lore.kernel.org/r/$a_cover"
is "$rc" 0 "a /r/ URL names the message too"
run submit --msgid "$PI_URL/kvm/$(msgid_of "$T/a/r-p2")/T/#u"
like "$out" "^thread of <$(msgid_of "$T/a/r-p2")>: 6 messages" \
	"a reply's thread view URL names the whole thread"
is "$(sql "SELECT count(*) FROM messages")" "$before" "no message was added"

# A reply that comes later is fetched by the next look-up.
make_reply "$T/a/r-late" "$(ls "$T"/a/0003-*.patch)" "Late for patch 3."
pi_deliver kvm "$T/a/r-late"
run submit --msgid "<$a_cover>"
like "$out" "^thread of <$a_cover>: 7 messages" "the thread has grown to 7"
like "$out" "1 ingested, 6 duplicates" "the new reply is taken"
is "$(sql "SELECT count(*) FROM trailers t JOIN patches p ON
	p.id = t.patch_id WHERE p.number = 3")" 1 "with its trailer, on patch 3"

# --- from a directory inbox ------------------------------------------------

run submit --msgid "$(msgid_of "$(ls "$T"/c/0001-*.patch)")" --json
is "$rc" 0 "submit --msgid finds a thread in the directory inbox"
like "$out" '"inboxes": *\[ *"lkml" *\]' "in lkml"
like "$out" '"messages": *3' "cover and 2 patches"
like "$out" '"action": *"created"' "a series is made"
is "$(sql "SELECT count(*) FROM series")" 2 "2 series now"
is "$(sql "SELECT count(*) FROM messages WHERE subject LIKE '%Another thread%'")" 0 \
	"the other thread of kvm was never taken"

# --- what is not there ---------------------------------------------------------

run submit --msgid nope@example.org
is "$rc" 1 "an unknown Message-ID: exit 1"
like "$err" "no message 'nope@example.org' in the inboxes" "the error says so"
run submit --msgid "https://lore.kernel.org/"
is "$rc" 1 "a URL that names no message: exit 1"
like "$err" "names no message" "the error says so"
run submit --msgid x@y "$T/t.mbox"
is "$rc" 2 "--msgid and a FILE: a usage error"

stop_daemon
ok "the daemon stops cleanly"

done_testing
