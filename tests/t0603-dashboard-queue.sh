#!/bin/sh
# The queue page in headless Chromium: three submitted series show in the
# queue's order, a fix for stable ahead of two older features, each with
# its position, lane and reason as GET /api/v1/queue gives them; the lane
# filter narrows the table; `cthulhu apply` of a series makes it leave
# the page and the others move up without a reload, a series submitted
# with `cthulhu submit` appears the same way, and the series page then
# names the commit git has on the topic.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-browser.sh"
test_init

make_repo "$T/src"
commit_on x86 'KVM: x86: First'
(cd "$T/src" && git push -q origin x86)
start_dashboard_daemon '[topic "x86"]' '	order = 1' '	prefixes = KVM: x86:' \
	'[notify]' '	from = Maint <maint@example.com>'
ok "cthulhud serves the dashboard"
[ -n "$url" ] || done_testing

# series N DAY SUBJECT [TRAILER]: a one-patch series adding file fN.
series()
{
	printf 'From: Ann Author <ann@example.com>\nTo: kvm@vger.kernel.org\n'
	printf 'Subject: [PATCH] %s\nMessage-Id: <q%s@example.com>\n' "$3" "$1"
	printf 'Date: %s Nov 2026 10:00:00 +0000\n\n' "$2"
	printf 'Change %s.\n\n' "$1"
	[ -n "${4:-}" ] && printf '%s\n' "$4"
	printf 'Signed-off-by: Ann Author <ann@example.com>\n---\n'
	printf ' f%s | 1 +\n 1 file changed, 1 insertion(+)\n\n' "$1"
	printf 'diff --git a/f%s b/f%s\nnew file mode 100644\n' "$1" "$1"
	printf 'index 0000000..257cc56\n--- /dev/null\n+++ b/f%s\n' "$1"
	printf '@@ -0,0 +1 @@\n+foo\n'
}
submit()
{
	cth submit --json "$1" | jq -r '.series[0].id'
}
series 1 20 'KVM: x86: Add the first feature' >"$T/a.mbox"
series 2 21 'KVM: x86: Add the second feature' >"$T/b.mbox"
series 3 22 'KVM: x86: Fix a crash on reset' 'Cc: stable@vger.kernel.org' >"$T/c.mbox"
a=$(submit "$T/a.mbox")
b=$(submit "$T/b.mbox")
c=$(submit "$T/c.mbox")
like "$a $b $c" '^[0-9]+ [0-9]+ [0-9]+$' "three series are submitted"
queued()	# N: the queue API lists N series
{
	[ "$(curl -s "$url/api/v1/queue" | jq .total)" = "$1" ]
}
check "the queue takes them in" wait_for 20 queued 3

curl -s "$url/api/v1/queue" >"$T/queue.json"
order=$(jq -r '[.queue[].id] | join(" ")' "$T/queue.json")
is "$order" "$c $a $b" "the API queues the stable fix ahead of the older features"

browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing

rows="Array.from(document.querySelectorAll('#queue-table tbody tr'))"
bcheck "the queue page loads" goto "$url/#/queue"
bcheck "it shows three series" wait 20000 "$rows.length === 3"
browser eval "$rows.map(r => r.dataset.seriesId).join(' ')"
is "$reply" "\"$order\"" "in the queue's order"
browser eval "$rows.map(r => r.querySelector('td.pos').textContent).join(' ')"
is "$reply" '"1 2 3"' "with positions 1, 2, 3"
browser eval "$rows.map(r => r.querySelector('td.subject').textContent).join('|')"
is "$reply" "$(jq -c '[.queue[].subject] | join("|")' "$T/queue.json")" \
	"and the subjects the API gives"
lane=$(jq -r '.queue[0].lane' "$T/queue.json")
reason=$(jq -r '.queue[0].reason' "$T/queue.json")
browser eval "$rows[0].querySelector('td.lane').textContent"
like "$reply" "^\"$lane" "the fix shows its lane ($lane)"
like "$reply" "$(printf '%s' "$reason" | cut -c1-20)" "and why it is there"
browser eval "$rows[0].querySelector('td.wait').textContent"
like "$reply" 'estimate' "and an expected wait, labelled an estimate"
browser eval "$rows.map(r => r.querySelector('td.target').textContent).join(' ')"
is "$reply" "$(jq -c '[.queue[].target.topic] | join(" ")' "$T/queue.json")" \
	"each shows the target topic the API gives"
is "$reply" '"x86 x86 x86"' "which is x86, from its prefix"
browser eval "$rows[0].querySelector('td.target span').title"
is "$reply" "\"its subjects start with 'KVM: x86:'\"" "and why, on hover"
shot queue

# The fix's page: its lint findings, as GET /api/v1/series/ID has them.
curl -s "$url/api/v1/series/$c" >"$T/c.json"
nlint=$(jq '[.patches[].lint // [] | length] | add' "$T/c.json")
bcheck "the fix's page loads" goto "$url/#/series/$c"
bcheck "it shows its patch" wait 20000 "document.querySelector('.patch')"
browser eval "document.getElementById('series-target').textContent"
is "$reply" '" · for x86"' "the series page names its target topic"
browser eval "document.querySelectorAll('.patch .findings li').length"
is "$reply" "$nlint" "with the $nlint lint findings of its patches"
if [ "$nlint" -gt 0 ]; then
	rule=$(jq -r '[.patches[].lint // [] | .[]][0].rule' "$T/c.json")
	browser eval "document.querySelector('.patch .findings li code').textContent"
	is "$reply" "\"$rule\"" "naming the rule ($rule)"
else
	browser eval "document.querySelector('.patch .lint.clean') !== null"
	is "$reply" true "and says its lint is clean"
fi
shot series-lint
browser goto "$url/#/queue"
browser wait 20000 "$rows.length === 3"

# The lane filter.
browser eval "(() => { const s = document.getElementById('lane-filter'); s.value = '$lane'; s.dispatchEvent(new Event('change')); return s.value; })()"
is "$reply" "\"$lane\"" "lane $lane can be picked"
browser wait 20000 "$rows.map(r => r.dataset.seriesId).join(' ') === '$c'"
browser eval "$rows.map(r => r.dataset.seriesId).join(' ')"
is "$reply" "\"$c\"" "the filter leaves only the fix"
shot queue-lane
browser eval "(() => { const s = document.getElementById('lane-filter'); s.value = ''; s.dispatchEvent(new Event('change')); return s.value; })()"
# The page may fetch the unfiltered queue again: wait for it, then count.
bcheck "all lanes again" wait 20000 "$rows.length === 3"

# Changes made with the CLI show without a reload.
browser eval "window.cthulhuTestMarker = 'queue'"
browser navigations
navs=$reply
cth apply "$a" x86 >"$T/apply.out" 2>&1
ok "cthulhu apply $a x86"
bcheck "the applied series leaves the page" wait 20000 \
	"$rows.map(r => r.dataset.seriesId).join(' ') === '$c $b'"
echo "# the page changed $(printf '%s' "$reply" | sed 's/.*"ms":\([0-9]*\).*/\1/') ms after cthulhu apply returned"
check "the queue API drops it" wait_for 20 queued 2
browser eval "$rows.map(r => r.querySelector('td.pos').textContent).join(' ')"
is "$reply" '"1 2"' "the others move up"
series 4 23 'KVM: x86: Add the fourth feature' >"$T/d.mbox"
d=$(submit "$T/d.mbox")
check "the queue API takes the new one" wait_for 20 queued 3
bcheck "a series submitted with the CLI appears" wait 20000 \
	"$rows.length === 3 && $rows[2].dataset.seriesId === '$d'"
browser eval "window.cthulhuTestMarker"
is "$reply" '"queue"' "the page was not reloaded"
browser navigations
is "$reply" "$navs" "the main frame did not navigate"
shot queue-live

# The applied series' page names the commit git has.
commit=$(rev x86)
bcheck "the applied series' page loads" goto "$url/#/series/$a"
bcheck "it names the commit on x86" wait 20000 \
	"document.getElementById('history') && document.getElementById('history').textContent.includes('$(echo "$commit" | cut -c1-12)')"
browser eval "document.querySelector('.patch .byline').textContent"
like "$reply" "applied as $(echo "$commit" | cut -c1-12) on x86" \
	"its patch says where it went"
shot series-applied

browser goto "$url/#/notifications"
n=$(curl -s "$url/api/v1/outbox" | jq '.notifications | length')
if [ "${n:-0}" -gt 0 ]; then
	subj=$(curl -s "$url/api/v1/outbox" | jq -r '.notifications[0].subject')
	bcheck "the notification sent shows" wait 20000 \
		"document.querySelector('#outbox-table') && document.querySelector('#outbox-table').textContent.includes($(jq -n --arg s "$subj" '$s'))"
else
	bcheck "no notification: the page says so" wait 20000 \
		"document.getElementById('outbox').textContent.includes('No notifications')"
fi
shot notifications-sent

browser dialogs
is "$reply" "[]" "no dialog opened"
browser_stop
done_testing
