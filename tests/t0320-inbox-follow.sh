#!/bin/sh
# [inbox] follows a real public-inbox v2 inbox served by
# public-inbox-httpd: the series delivered before cthulhud starts fill
# the queue, mail delivered while it runs arrives (a reply's trailer on
# its patch), the cursor is the epoch's tip as git sees it, a new epoch
# is found, and a restart reads nothing twice.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-inbox.sh"
test_init
need_public_inbox

rows()
{
	sql "SELECT (SELECT count(*) FROM messages) || ' ' ||
	     (SELECT count(*) FROM series) || ' ' ||
	     (SELECT count(*) FROM patches) || ' ' ||
	     (SELECT count(*) FROM trailers) || ' ' ||
	     (SELECT count(*) FROM inbox_messages)"
}

trailers()
{
	[ "$(sql "SELECT count(*) FROM trailers")" = "$1" ]
}

have_messages()
{
	[ "$(sql "SELECT count(*) FROM messages")" = "$1" ]
}

queued()
{
	[ "$(sql "SELECT count(*) FROM queue WHERE queued")" = "$1" ]
}

pi_init kvm
pi_httpd
ok "public-inbox-httpd serves the inbox" || done_testing
make_patches "$T/s1" 3 "KVM: x86: Fix the thing"
s1_cover=$COVER_ID
pi_deliver kvm "$T"/s1/*.patch
is "$(pi_count kvm)" 4 "the inbox holds the cover letter and 3 patches"

make_repo "$T/work"
setup_daemon "$T/work.git" "the daemon starts with an [inbox]" \
	'[inbox "kvm"]' "	url = $PI_URL/kvm" '	poll = 1'

# --- the queue fills from the inbox ----------------------------------------

check "the series delivered before the start is queued" wait_for 20 queued 1
run queue
like "$out" "\\[PATCH 0/3\\] KVM: x86: Fix the thing" \
	"cthulhu queue lists the series by its cover letter"
is "$(sql "SELECT total || ' ' || complete || ' ' || (SELECT count(*)
	FROM patches p WHERE p.series_id = s.id) FROM series s")" "3 1 3" \
	"one complete series of 3 patches"
is "$(sql "SELECT kind FROM messages WHERE msgid = '$s1_cover'")" cover \
	"its cover letter is the one git format-patch wrote"

# The patch kept is the one delivered: git patch-id agrees.
p2=$(ls "$T"/s1/0002-*.patch)
sql "SELECT raw FROM messages WHERE subject LIKE '%2/3%'" >"$T/kept"
is "$(git patch-id --stable <"$T/kept" | cut -d' ' -f1)" \
	"$(git patch-id --stable <"$p2" | cut -d' ' -f1)" \
	"patch 2/3 as kept has the patch-id of the file delivered"
is "$(sql "SELECT last_commit FROM inbox_epochs WHERE inbox = 'kvm'
	AND epoch = 0")" "$(git -C "$T/pi/kvm/git/0.git" rev-parse HEAD)" \
	"the cursor is the tip of epoch 0"
check "the mirror holds the epoch's tip" \
	git -C "$T/state/inbox/kvm/0.git" cat-file -e \
	"$(git -C "$T/pi/kvm/git/0.git" rev-parse HEAD)"

# --- mail delivered while cthulhud runs ----------------------------------

make_reply "$T/reply1" "$p2" "Looks right to me."
pi_deliver kvm "$T/reply1"
check "a reply delivered while cthulhud runs arrives" \
	wait_for 20 trailers 1
is "$(sql "SELECT t.key || ': ' || t.value || ' on ' || p.number FROM
	trailers t JOIN patches p ON p.id = t.patch_id")" \
	"Reviewed-by: Re Viewer <reviewer@example.com> on 2" \
	"its Reviewed-by is on patch 2"

make_patches "$T/s2" 2 "KVM: SVM: Another thing"
pi_deliver kvm "$T"/s2/*.patch
check "a second series delivered while cthulhud runs is queued" \
	wait_for 20 queued 2

# --- a new epoch -----------------------------------------------------------

# public-inbox writes to the newest git/N.git it finds: start epoch 1 as
# a rotation after 1 GB would.
git init -q --bare "$T/pi/kvm/git/1.git"
make_patches "$T/s3" 1 "KVM: VMX: In epoch one"
pi_deliver kvm "$T"/s3/*.patch
is "$(git -C "$T/pi/kvm/git/1.git" rev-list --count HEAD)" 2 \
	"public-inbox delivered the third series to epoch 1"
# Wait for the whole series: its cover may come a poll before its patch.
check "the series in the new epoch is read" wait_for 20 have_messages 10
check "and queued" wait_for 20 queued 3
is "$(sql "SELECT epoch || ' ' || last_commit FROM inbox_epochs
	WHERE inbox = 'kvm' ORDER BY epoch" | tr '\n' ' ')" \
	"0 $(git -C "$T/pi/kvm/git/0.git" rev-parse HEAD) 1 $(git -C "$T/pi/kvm/git/1.git" rev-parse HEAD) " \
	"each epoch's cursor is its tip"
is "$(rows)" "10 3 6 1 10" \
	"10 messages, 3 series of 6 patches, 1 trailer, 10 indexed"

run inboxes --json
like "$out" '"last_error": *null' "cthulhu inboxes: the last poll went well"
like "$out" '"messages": *10' "cthulhu inboxes: 10 messages read"

# --- a restart reads nothing twice -------------------------------------------

before=$(rows)
stop_daemon
ok "the daemon stops"
start_daemon "$T/cthulhu.conf"
ok "the daemon starts again"
polled()
{
	cth inboxes --json | grep -q '"last_ok": *[0-9]'
}
check "the inbox is polled after the restart" wait_for 20 polled
sleep 2 # two more polls: nothing may come of them
is "$(rows)" "$before" "no row was added by the restart"
is "$(awk '/ready: tree/ { n++ } n == 2 && /ingested/' "$T/daemon.log" |
	wc -l)" 0 "the second run ingested nothing"

stop_daemon
ok "the daemon stops cleanly"

done_testing
