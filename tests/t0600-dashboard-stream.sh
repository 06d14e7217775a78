#!/bin/sh
# GET /api/v1/events/stream, the dashboard's Server-Sent Events, read with
# curl: it opens with "hello", carries a topic move made with git
# update-ref as a "topic" event with the SHA1s git gives and a job that
# ended as a "job" event, replays what a follower missed when it comes
# back with Last-Event-ID, tells a follower whose id is unknown to
# resync, refuses a malformed id, and a daemon with streams open stops.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

make_repo "$T/src"
commit_on mmu 'mmu: first'
(cd "$T/src" && git push -q origin mmu)
write_config "$T/cthulhu.conf" "$T/src.git" '[topic "mmu"]' '	order = 1'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

# follow FILE [CURL-ARGS...]: read the stream into FILE in the background.
follow()
{
	local file=$1
	shift
	curl -sSN --unix-socket "$CTHULHU_SOCKET" "$@" \
		-D "$file.head" "http://localhost/api/v1/events/stream" \
		>"$file" 2>"$file.err" &
	FOLLOW_PID=$!
}

follow "$T/s1"
pid1=$FOLLOW_PID
check "the stream opens with a hello event" \
	wait_for 20 grep -q '^event: hello$' "$T/s1"
check "it asks the browser to reconnect within a second" \
	grep -q '^retry: 1000$' "$T/s1"
like "$(tr -d '\r' <"$T/s1.head")" \
	'[Cc]ontent-[Tt]ype: text/event-stream' "the content type is text/event-stream"
hello=$(sed -n 's/^id: //p' "$T/s1" | head -1)
like "$hello" '^[0-9]+$' "hello carries an id"

# A topic move made with git update-ref.
old=$(rev mmu)
commit_on mmu 'mmu: second'
(cd "$T/src" && git push -q origin mmu:refs/heads/scratch)
new=$(rev scratch)
git --git-dir="$T/src.git" update-ref refs/heads/mmu "$new" "$old"
check "the move comes as a topic event" \
	wait_for 20 grep -q "^data: .*\"new\":\"$new\"" "$T/s1"
line=$(grep "^data: .*\"new\":\"$new\"" "$T/s1" | head -1)
like "$line" "\"old\":\"$old\"" "the event names the old tip"
like "$line" '"topic":"mmu"' "the event names the topic"
like "$line" '"kind":"fast-forward"' "the event says fast-forward"
is "$(grep -B2 "^data: .*\"new\":\"$new\"" "$T/s1" | sed -n 's/^event: //p')" \
	topic "its event type is topic"
id=$(sql "SELECT id FROM events WHERE new = '$new'")
like "$line" "\"id\":$id[,}]" "the data is the events row"

# A job that ends: a submitted mail is a "submit" job.
cat >"$T/mail" <<'EOF'
From: Ann Author <ann@example.com>
To: kvm@vger.kernel.org
Subject: [PATCH] KVM: x86: Fix the stream test
Message-Id: <stream-1@example.com>
Date: Tue, 24 Nov 2026 10:00:00 +0000

Body.

Signed-off-by: Ann Author <ann@example.com>
---
 f | 1 +
 1 file changed, 1 insertion(+)

diff --git a/f b/f
new file mode 100644
index 0000000..257cc56
--- /dev/null
+++ b/f
@@ -0,0 +1 @@
+foo
EOF
curl -sS --unix-socket "$CTHULHU_SOCKET" --data-binary @"$T/mail" \
	-o "$T/submit.out" "http://localhost/api/v1/submit"
check "the submit job ends as a job event" \
	wait_for 20 grep -q '^data: .*"type":"submit","state":"done"' "$T/s1"

# Missed events come back with Last-Event-ID.
follow "$T/s2" -H "Last-Event-ID: $hello"
pid2=$FOLLOW_PID
check "a follower back from before the move gets the move" \
	wait_for 20 grep -q "^data: .*\"new\":\"$new\"" "$T/s2"
check "and the job" \
	wait_for 20 grep -q '^data: .*"type":"submit"' "$T/s2"
check "and no resync" test -z "$(grep '^event: resync' "$T/s2")"

follow "$T/s3" -H "Last-Event-ID: 12345"
pid3=$FOLLOW_PID
check "an id of another run of the daemon gets a resync" \
	wait_for 20 grep -q '^event: resync$' "$T/s3"
check "and not the old events again" \
	test -z "$(grep "\"new\":\"$new\"" "$T/s3")"

status=$(curl -s -o "$T/bad" -w '%{http_code}' --unix-socket "$CTHULHU_SOCKET" \
	"http://localhost/api/v1/events/stream?last_id=abc")
is "$status" 400 "a malformed last_id is refused"
like "$(cat "$T/bad")" '"code": *"invalid"' "with a JSON error"

# The daemon stops with three streams open, and the streams end.
stop_daemon
ok "cthulhud stops with streams open"
wait "$pid1"
ok "the first stream ended"
wait "$pid2" && wait "$pid3"
ok "the others ended"

done_testing
