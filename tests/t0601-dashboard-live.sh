#!/bin/sh
# The dashboard in a real headless Chromium: the topics page shows each
# topic's tip as git rev-parse gives it and the release phase the cycle
# API gives; a topic moved with git update-ref changes the page without
# a reload (the page's own state survives, the main frame never
# navigates again, the change came over the event stream); every
# section shows its data, or "not available yet" exactly when its API
# answers 404; a screenshot of each page is saved in tests/screenshots/.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-browser.sh"
test_init

DAY=86400
now=$(date +%s)
make_repo "$T/src"
# Mainline tags: the release 30 days ago, rc1..rc3 since.
tag_ago()
{
	local when=$((now - $2 * DAY))
	(cd "$T/src" &&
	 GIT_COMMITTER_DATE="@$when +0000" GIT_AUTHOR_DATE="@$when +0000" \
		git commit -q --allow-empty -m "Linux $1" &&
	 GIT_COMMITTER_DATE="@$when +0000" git tag -a -m "Linux $1" "$1")
}
tag_ago v6.9 30
tag_ago v6.10-rc1 16
tag_ago v6.10-rc2 9
tag_ago v6.10-rc3 2
(cd "$T/src" && git push -q origin master --tags)
commit_on x86/mmu 'KVM: x86/mmu: Drop a stale comment'
commit_on x86/pmu 'KVM: x86/pmu: Count fixed counters'
commit_on svm 'KVM: SVM: Sync the VMCB'
(cd "$T/src" && git push -q origin x86/mmu x86/pmu svm)

start_dashboard_daemon '[tree]' '	mainline = refs/heads/master' \
	'[topic "mmu"]' '	branch = x86/mmu' '	order = 1' \
	'[topic "pmu"]' '	branch = x86/pmu' '	order = 2' \
	'[topic "svm"]' '	order = 3'
ok "cthulhud serves the dashboard on $url"
[ -n "$url" ] || done_testing
browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing

bcheck "the topics page loads" goto "$url/#/topics"
bcheck "it renders from the API" wait 20000 \
	"document.body.dataset.loads >= 1 && document.getElementById('topics-table')"
bcheck "the event stream is open" wait 20000 "document.body.dataset.live === 'open'"

for t in mmu:x86/mmu pmu:x86/pmu svm:svm; do
	browser eval "document.querySelector('tr[data-topic=\"${t%%:*}\"]').dataset.tip"
	is "$reply" "\"$(rev "${t#*:}")\"" "topic ${t%%:*} shows the tip git has"
	browser eval "document.querySelector('tr[data-topic=\"${t%%:*}\"] td.tip').textContent"
	is "$reply" "\"$(rev "${t#*:}" | cut -c1-12)\"" "as 12 digits"
done
browser eval "Array.from(document.querySelectorAll('#topics-table tbody tr')).map(r => r.dataset.topic).join(' ')"
is "$reply" '"mmu pmu svm"' "topics are in their configured order"
over_base()
{
	git --git-dir="$T/src.git" rev-list --count "base..$1"
}
for t in mmu:x86/mmu pmu:x86/pmu svm:svm; do
	browser eval "document.querySelector('tr[data-topic=\"${t%%:*}\"] td.num').textContent"
	is "$reply" "\"$(over_base "${t#*:}")\"" \
		"topic ${t%%:*} shows its commits over the base"
done

# The header: the phase that GET /api/v1/cycle gives.
status=$(curl -s -o "$T/cycle.json" -w '%{http_code}' "$url/api/v1/cycle")
if [ "$status" = 200 ]; then
	phase=$(jq -r .phase "$T/cycle.json")
	bcheck "the header shows the release phase" wait 5000 \
		"document.getElementById('cycle-summary') && document.getElementById('cycle-summary').textContent.includes('$phase')"
	bcheck "and the days to the soft close of features" wait 5000 \
		"/features (close|closed)/.test(document.getElementById('cycle-summary').textContent)"
else
	bcheck "the header says the cycle is not available yet" wait 5000 \
		"document.getElementById('cycle').textContent.includes('not available yet')"
	bcheck "(no cycle API: nothing more to check)" eval true
fi
shot topics

# A move made with git, outside the daemon, shows without a reload.
browser eval "window.cthulhuTestMarker = 'still here'"
browser navigations
navs=$reply
browser eval "Number(document.body.dataset.sse || 0)"
sse=$reply
old=$(rev x86/pmu)
commit_on x86/pmu 'KVM: x86/pmu: Second change'
(cd "$T/src" && git push -q origin x86/pmu:refs/heads/scratch)
new=$(rev scratch)
git --git-dir="$T/src.git" update-ref refs/heads/x86/pmu "$new" "$old"
bcheck "the page shows the new tip of pmu" wait 20000 \
	"document.querySelector('tr[data-topic=\"pmu\"]').dataset.tip === '$new'"
echo "# the page changed $(printf '%s' "$reply" | sed 's/.*"ms":\([0-9]*\).*/\1/') ms after git update-ref returned"
bcheck "and its new count of commits over the base" wait 5000 \
	"document.querySelector('tr[data-topic=\"pmu\"] td.num').textContent === '$(over_base x86/pmu)'"
browser eval "window.cthulhuTestMarker"
is "$reply" '"still here"' "the page was not reloaded (its script state survived)"
browser navigations
is "$reply" "$navs" "the main frame did not navigate"
browser eval "Number(document.body.dataset.sse) > $sse"
is "$reply" true "the change came over the event stream"
browser eval "document.getElementById('activity-feed').textContent"
like "$reply" "topic pmu: fast-forward to $(echo "$new" | cut -c1-12)" \
	"the activity list names the move"
browser eval "document.querySelector('tr[data-topic=\"mmu\"]').dataset.tip"
is "$reply" "\"$(rev x86/mmu)\"" "the other topics stay as they were"
shot topics-live

# Each section: its data, or "not available yet" when its API is a 404.
section_check()	# VIEW API SELECTOR
{
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' "$url$2")
	browser goto "$url/#/$1"
	browser wait 20000 "document.body.dataset.view === '$1' && document.querySelector('main .card')"
	if [ "$code" = 404 ]; then
		bcheck "$1: $2 is 404, the page says not available yet" wait 5000 \
			"document.querySelector('main .unavailable')"
	else
		bcheck "$1: $2 answers $code, the page shows it" wait 5000 \
			"!document.querySelector('main .unavailable') && document.querySelector('$3')"
	fi
	shot "$1"
}
section_check queue /api/v1/queue '#queue-body'
section_check next /api/v1/next '#next-table'
section_check notifications /api/v1/outbox '#outbox'

# A phone.
browser size 390 844
browser goto "$url/#/topics"
bcheck "the topics page renders on a phone" wait 20000 \
	"document.getElementById('topics-table')"
browser eval "document.documentElement.scrollWidth <= 390"
is "$reply" true "nothing is wider than the phone's screen"
shot topics-phone
browser goto "$url/#/queue"
browser wait 20000 "document.querySelector('#queue-body *')"
shot queue-phone

browser dialogs
is "$reply" "[]" "no script opened a dialog"
browser_stop
done_testing
