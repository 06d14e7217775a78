#!/bin/sh
# The "What's cooking" mail: `cthulhu cooking --mail` puts one mail in
# the outbox, to every address of [report] to, with the report's text;
# [report] every = daily sends one a day and a restart the same day
# sends no second one (the day comes from CTHULHU_TEST_REPORT_NOW, so
# that "tomorrow" sends the next); weekly goes by the ISO week.  A bad
# [report] stops the daemon with the file, the line and the key.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/src"
commit_on x86/pmu 'KVM: x86/pmu: Count the fixed counters'
commit_on x86/pmu 'KVM: x86/pmu: Add PEBS'
commit_on svm 'KVM: SVM: Sync the VMCB'
(cd "$T/src" && git push -q origin x86/pmu svm)
git -C "$T/src.git" config branch.x86/pmu.description 'PMU work for 6.10.'
ok "two topics"

# A name with a comma, quoted: git-config syntax wants the quotes escaped.
to='"Maintainer, Kim" <kim@example.org>, list@example.org'
to_conf='\"Maintainer, Kim\" <kim@example.org>, list@example.org'
conf()	# EVERY: the config with [report] every = EVERY
{
	write_config "$T/cthulhu.conf" "$T/src.git" \
		'[topic "x86/pmu"]' '	order = 1' '[topic "svm"]' '	order = 2' \
		'[report]' "	to = $to_conf" "	every = $1"
}

# A bad [report] names the file, the line and the key.
write_config "$T/bad.conf" "$T/src.git" '[report]' '	to = a@example.org' \
	'	every = hourly'
run_daemon_fail "$T/bad.conf"
check "every = hourly stops the daemon" test "$rc" -ne 0
like "$log" "bad.conf:[0-9]+: 'report.every': 'hourly' is not daily, weekly or never" \
	"and says why, where"
write_config "$T/bad.conf" "$T/src.git" '[report]' '	every = daily'
run_daemon_fail "$T/bad.conf"
check "every = daily without [report] to stops it" test "$rc" -ne 0
like "$log" "'report.every': 'daily' needs \[report\] to" "and says why"

write_config "$T/bad.conf" "$T/src.git" '[report]' '	to = kim@example.org, nobody'
run_daemon_fail "$T/bad.conf"
check "a [report] to that is not a list of addresses stops it" test "$rc" -ne 0
like "$log" "bad.conf:[0-9]+: 'report.to': 'kim@example.org, nobody' is not a list of addresses" \
	"and says which"

# Without [report] to, --mail is refused and nothing is sent.
setup_daemon "$T/src.git" "cthulhud starts without [report]" \
	'[topic "x86/pmu"]' '	order = 1'
run cooking --mail
is "$rc" 1 "cthulhu cooking --mail is refused"
like "$err" "no \[report\] to: nobody to mail the report to" "and says why"
is "$(sql 'SELECT count(*) FROM notifications') $(sql 'SELECT count(*) FROM reports')" \
	"0 0" "no mail, no report row"
stop_daemon

reports()	# TRIGGER: how many reports of TRIGGER were recorded
{
	sql "SELECT count(*) FROM reports WHERE trigger = '$1'"
}
mails()
{
	ls "$T/state/outbox/new" 2>/dev/null | wc -l | tr -d ' '
}
checked()	# N: the periodic check ran N times since the start
{
	[ "$(cth status --json | jq '.jobs_run["cooking-check"] // 0')" -ge "$1" ]
}

conf never
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with every = never" || done_testing
cth rebuild --wait >/dev/null
wait_for 20 checked 1
ok "the report's check ran"
is "$(reports periodic)" 0 "every = never mails nothing by itself"

run cooking --mail
is "$rc" 0 "cthulhu cooking --mail"
like "$out" "^mailed 'What's cooking in test \([0-9-]{10}\)' to $to \(notification [0-9]+, 2 topics\)$" \
	"says what it mailed, to whom"
wait_for 20 sh -c "[ \"\$(ls '$T/state/outbox/new' | wc -l)\" -ge 1 ]"
is "$(mails)" 1 "one mail in the outbox"
mail=$T/state/outbox/new/$(ls "$T/state/outbox/new")
tr -d '\r' <"$mail" >"$T/mail"
like "$(grep -i '^To:' "$T/mail")" '"Maintainer, Kim" <kim@example.org>, list@example.org' \
	"to every address of [report] to"
like "$(grep '^Subject:' "$T/mail")" "^Subject: What's cooking in test \([0-9]{4}-[0-9]{2}-[0-9]{2}\)$" \
	"with the report's subject"
is "$(grep '^X-Cthulhu:' "$T/mail")" 'X-Cthulhu: report' "of kind report"
wait_for 20 sh -c "[ \"\$(sqlite3 -readonly '$T/state/cthulhu.db' \"SELECT state FROM notifications\")\" = sent ]"
ok "the notification is sent"
is "$(sql "SELECT kind || ' ' || to_addr FROM notifications")" \
	"report $to" "it is the report's, to [report] to"
is "$(sql "SELECT trigger || ' ' || ifnull(period, '-') || ' ' || topics FROM reports")" \
	"demand - 2" "the report is recorded as one on demand"
is "$(sql 'SELECT notification FROM reports')" "$(sql 'SELECT id FROM notifications')" \
	"with its notification"
# The body is the report: from the first rule on, as cthulhu cooking
# prints it (the header above says the minute it was made).
sed '1,/^$/d' "$T/mail" | sed -n '/^-----/,$p' >"$T/body"
cth cooking | sed -n '/^-----/,$p' >"$T/text"
check "the body is the report's text" cmp -s "$T/body" "$T/text"
grep -q '^\* x86/pmu ([0-9-]*) 2 commits$' "$T/body"
ok "with x86/pmu's block"
grep -qx ' + KVM: x86/pmu: Add PEBS' "$T/body"
ok "and its shortlog"
grep -qx ' PMU work for 6.10.' "$T/body"
ok "and its description"
grep -q '^Here are the topics of test as of ' "$T/mail"
ok "after the header paragraph"
is "$(cth outbox --json | jq -r '.notifications[0].kind')" report "cthulhu outbox lists it"
stop_daemon

if have_test_hooks; then
	day=1800000000	# 2027-01-15 08:00 UTC
	CTHULHU_TEST_REPORT_NOW=$day
	export CTHULHU_TEST_REPORT_NOW
	conf daily
	start_daemon "$T/cthulhu.conf"
	ok "cthulhud starts with every = daily" || done_testing
	wait_for 20 sh -c "[ \"\$(sqlite3 -readonly '$T/state/cthulhu.db' \"SELECT count(*) FROM reports WHERE trigger = 'periodic'\")\" = 1 ]"
	ok "the daily report goes out at start"
	is "$(sql "SELECT period FROM reports WHERE trigger = 'periodic'")" 2027-01-15 \
		"for the day of now"
	wait_for 20 sh -c "[ \"\$(ls '$T/state/outbox/new' | wc -l)\" -ge 2 ]"
	is "$(mails)" 2 "a second mail in the outbox"
	is "$(sql "SELECT subject FROM notifications ORDER BY id DESC LIMIT 1")" \
		"What's cooking in test (2027-01-15)" "dated that day"
	stop_daemon

	start_daemon "$T/cthulhu.conf"
	ok "cthulhud starts again the same day" || done_testing
	wait_for 20 checked 1
	ok "the report's check ran"
	is "$(reports periodic)" 1 "no second daily report"
	is "$(sql "SELECT count(*) FROM notifications")" 2 "no second mail"
	stop_daemon

	CTHULHU_TEST_REPORT_NOW=$((day + 86400))
	start_daemon "$T/cthulhu.conf"
	ok "cthulhud starts the next day" || done_testing
	wait_for 20 sh -c "[ \"\$(sqlite3 -readonly '$T/state/cthulhu.db' \"SELECT count(*) FROM reports WHERE trigger = 'periodic'\")\" = 2 ]"
	ok "that day's report goes out"
	is "$(sql "SELECT group_concat(period, ' ') FROM reports WHERE trigger = 'periodic'")" \
		"2027-01-15 2027-01-16" "one for each day"
	stop_daemon

	conf weekly
	start_daemon "$T/cthulhu.conf"
	ok "cthulhud starts with every = weekly" || done_testing
	week=$(date -u -d "@$((day + 86400))" +%G-W%V)
	wait_for 20 sh -c "[ \"\$(sqlite3 -readonly '$T/state/cthulhu.db' \"SELECT count(*) FROM reports WHERE period = '$week'\")\" = 1 ]"
	ok "the weekly report goes out, for week $week"
	stop_daemon
	start_daemon "$T/cthulhu.conf"
	wait_for 20 checked 1
	ok "the check ran after a restart"
	is "$(reports periodic)" 3 "and sent no second weekly report"
	stop_daemon
	unset CTHULHU_TEST_REPORT_NOW
fi
done_testing
