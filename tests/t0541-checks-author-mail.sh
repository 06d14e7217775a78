#!/bin/sh
# [check] notify-author: a check that fails mails the series' author
# once, threaded under the cover letter, saying which check failed, its
# description and URL, and the last 20 lines of its log.  The same
# failure recorded again is not mailed again, a different one is, a
# success or a warning is not, and nothing is mailed with the key off
# (the default).  The migration that allows the mail's kind keeps the
# notifications and the reports of a database made before it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
. "$top_srcdir/tests/lib-checks.sh"
test_init

make_repo "$T/work" x86/pmu
REPO=$T/work.git

# A database of every migration before 0024, with a notification and the
# report that refers to it, as an older cthulhud left it.
mkdir -m 700 "$T/state"
{
	echo 'PRAGMA foreign_keys = ON;'
	echo 'CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL);'
	for f in "$top_srcdir"/schema/*.sql; do
		name=$(basename "$f")
		[ "$name" \< 0024 ] || continue
		echo 'BEGIN;'
		cat "$f"
		echo "INSERT INTO schema_migrations VALUES ('$name', 1);"
		echo 'COMMIT;'
	done
	echo "INSERT INTO notifications (kind, topic, msgid, to_addr, subject, raw, state, created_at)
	      VALUES ('report', NULL, 'old-report@example.com', 'm@example.com', 'What''s cooking', 'raw', 'sent', 1);"
	echo "INSERT INTO reports (trigger, period, notification, topics, created_at)
	      VALUES ('periodic', '2026-W01', 1, 3, 1);"
} | sqlite3 "$T/state/cthulhu.db"
is "$(sqlite3 "$T/state/cthulhu.db" 'SELECT count(*) FROM reports')" 1 \
	"an old database with a report"

printf '#!/bin/sh\ncat >>"$1"\n' >"$T/sendmail"
chmod +x "$T/sendmail"
conf_off()
{
	write_config "$T/cthulhu.conf" "$REPO" "$(topic_conf x86/pmu 1)" \
		'[notify]' "	sendmail = $T/sendmail $T/sent.mbox"
}
conf_off
start_daemon "$T/cthulhu.conf"
ok "the daemon starts on it" || done_testing
is "$(sql "SELECT count(*) FROM schema_migrations WHERE name = '0024-check-mail.sql'")" 1 \
	"migration 0024 ran"
is "$(sql "SELECT r.period || ' ' || n.msgid FROM reports r JOIN notifications n ON n.id = r.notification")" \
	"2026-W01 old-report@example.com" "the report and its notification are kept"
is "$(sql "SELECT count(*) FROM pragma_foreign_key_check")" 0 "no broken reference"
is "$(sql "SELECT sql LIKE '%''check-failed''%' AND sql LIKE '%''conflict-resolved''%' AND sql LIKE '%''report''%' FROM sqlite_schema WHERE name = 'notifications'")" \
	1 "notifications allow check-failed and every older kind"

checks_series "$T/s1.mbox" s1
check "a series is submitted" cth submit "$T/s1.mbox"
s1=$(series_id s1)

# mails: the check-failed notifications; sent_is N: N of them went out.
mails()
{
	sql "SELECT count(*) FROM notifications WHERE kind = 'check-failed'"
}
sent_count()
{
	grep -c '^X-Cthulhu: check-failed' "$T/sent.mbox" 2>/dev/null || echo 0
}
sent_is()
{
	[ "$(sent_count)" -eq "$1" ]
}

# --- off by default ----------------------------------------------------------

post_check "$s1" '{"state":"fail","context":"ci-build","description":"error: x undeclared"}'
is "$status" 201 "a failing check is taken"
is "$(mails)" 0 "with [check] notify-author unset, no mail"

# --- on -----------------------------------------------------------------------

stop_daemon
conf_off
printf '[check]\n\tnotify-author = true\n' >>"$T/cthulhu.conf"
start_daemon "$T/cthulhu.conf"
ok "the daemon starts with [check] notify-author = true"

log=$(seq 1 30 | sed 's/^/log line /')
body=$(jq -n --arg log "$log" '{state: "fail", context: "ci-build",
	description: "error: x undeclared", target_url: "https://ci.example.org/7",
	log: $log}')
post_check "$s1" "$body"
is "$status" 201 "the failure is posted again, now with its log"
is "$(mails)" 1 "one mail"
wait_for 20 sent_is 1
ok "it is sent"
mail=$(cat "$T/sent.mbox")
like "$mail" 'To: Pat Author <pat@example.org>' "to the author"
like "$mail" 'In-Reply-To: <cover-s1@example.org>' "threaded under the cover letter"
like "$mail" 'Subject: Re: \[PATCH 0/1\] readme: Say more \(s1\)' "answering its subject"
like "$mail" "The check 'ci-build' of your series failed" "saying which check failed"
like "$mail" 'error: x undeclared' "with its description"
like "$mail" 'https://ci.example.org/7' "and its URL"
like "$mail" 'log line 11' "the log's 20th line from the end"
like "$mail" 'log line 30' "up to its last"
is "$(printf '%s\n' "$mail" | grep -c '^log line \(10\|[1-9]\)$')" 0 \
	"and no line before those 20"

post_check "$s1" "$body"
is "$status" 201 "the same failure again"
post_check "$s1" '{"state":"fail","context":"ci-build","description":"error: x undeclared"}'
is "$(mails)" 1 "is not mailed again"
post_check "$s1" '{"state":"success","context":"ci-build"}'
post_check "$s1" '{"state":"warning","context":"ci-sparse","description":"1 warning"}'
post_check "$s1" '{"state":"pending","context":"ci-boot"}'
is "$(mails)" 1 "a success, a warning, a pending check: no mail"
post_check "$s1" '{"state":"fail","context":"ci-build","description":"error: x undeclared"}'
is "$(mails)" 1 "the old failure back after a success: no mail"

post_check "$s1" '{"state":"fail","context":"ci-build","description":"error: y undeclared"}'
is "$(mails)" 2 "a different failure of the same check: a second mail"
post_check "$s1" '{"state":"fail","context":"ci-boot","description":"error: x undeclared"}'
is "$(mails)" 3 "the same text from another check: a third"
wait_for 20 sent_is 3
ok "both are sent"
like "$(sql "SELECT raw FROM notifications WHERE kind = 'check-failed' ORDER BY id DESC LIMIT 1")" \
	"check 'ci-boot'" "the last names its check"
is "$(sql "SELECT count(*) FROM check_mails WHERE series_id = $s1")" 3 \
	"each mail is recorded"

stop_daemon
start_daemon "$T/cthulhu.conf"
post_check "$s1" '{"state":"fail","context":"ci-build","description":"error: y undeclared"}'
is "$(mails)" 3 "after a restart, a failure mailed before is not mailed again"
done_testing
