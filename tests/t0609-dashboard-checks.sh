#!/bin/sh
# The checks on the dashboard: the queue page shows a coloured mark of
# each series' combined checks (a tick for all passed, a cross for a
# failure, "!" for a warning, an ellipsis for pending, a dash for none)
# with a label that says what passed and failed; one click opens the
# checks with their context, state, description and link; the series
# page lists them too.  A description with markup (<script>, <img
# onerror>) shows as the same characters and runs nothing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-browser.sh"
. "$top_srcdir/tests/lib-checks.sh"
test_init

make_repo "$T/src" x86
start_dashboard_daemon '[topic "x86"]' '	order = 1'
ok "cthulhud serves the dashboard"
[ -n "$url" ] || done_testing
for s in s1 s2 s3 s4; do
	checks_series "$T/$s.mbox" "$s"
	cth submit "$T/$s.mbox" >/dev/null
done
s1=$(series_id s1) s2=$(series_id s2) s3=$(series_id s3) s4=$(series_id s4)
queued()
{
	[ "$(curl -s "$url/api/v1/queue" | jq .total)" = 4 ]
}
check "four series are queued" wait_for 20 queued

XSS='error: <script>alert(1)</script> & <img src=x onerror=alert(2)> in "f.c"'
cth check "$s1" ci-build success --description 'gcc 13' --url https://ci.example.org/b/1 >/dev/null
cth check "$s1" ci-boot success --description 'boots on a Zen 4' >/dev/null
cth check "$s2" ci-build success --description 'gcc 13' >/dev/null
cth check "$s2" ci-boot fail --description "$XSS" --url 'https://ci.example.org/b/2?a=1&b=2' >/dev/null
cth check "$s3" ci-build success >/dev/null
cth check "$s3" ci-sparse warning --description '2 new warnings' >/dev/null
cth check "$s3" ci-boot pending --description 'queued behind 3 builds' >/dev/null
is "$(sql "SELECT count(*) FROM checks")" 7 "seven checks are posted"

browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing

own="'IMG SCRIPT IFRAME OBJECT EMBED SVG'.split(' ').map(t => document.getElementsByTagName(t).length - (t === 'SCRIPT' ? 1 : 0)).join(',')"
row="id => document.querySelector('#queue-table tr[data-series-id=\"' + id + '\"]')"
cell="id => ($row)(id).querySelector('td.checks-col')"
bcheck "the queue page loads" goto "$url/#/queue"
bcheck "it shows four series" wait 20000 \
	"document.querySelectorAll('#queue-table tbody tr').length === 4"
browser eval "Array.from(document.querySelectorAll('#queue-table thead th')).map(t => t.textContent).includes('Checks')"
is "$reply" true "the table has a Checks column"

mark()	# ID: the mark, the class of the details and its label
{
	browser eval "(() => { const c = ($cell)($1), m = c.querySelector('.check-mark'), d = c.querySelector('details'), s = c.querySelector('summary') || c.firstElementChild; return (m ? m.textContent : c.textContent) + '|' + (d ? d.className : '') + '|' + s.getAttribute('aria-label'); })()"
}
mark "$s1"
is "$reply" '"✓|checks checks-success|checks: passed; 2 of 2 passed"' \
	"all passed: a tick, labelled"
mark "$s2"
is "$reply" '"✗|checks checks-fail|checks: failed (ci-boot failed); 1 of 2 passed"' \
	"a failure: a cross, labelled with what failed"
mark "$s3"
is "$reply" '"!|checks checks-warning|checks: warned (ci-sparse warned; ci-boot pending); 1 of 3 passed"' \
	"a warning and a pending check: '!', labelled with both"
mark "$s4"
is "$reply" '"–||no checks"' "no checks: a dash, labelled so"
color="id => getComputedStyle(($cell)(id).querySelector('.check-mark')).color"
browser eval "[$s1, $s2, $s3].map($color).join(' ')"
is "$reply" '"rgb(26, 127, 55) rgb(192, 38, 45) rgb(154, 103, 0)"' \
	"green, red and amber marks (the page's --ok, --bad and --warn)"
browser eval "($cell)($s2).querySelector('.check-list')"
is "$reply" null "the details are not loaded before a click"
shot queue-checks

# One click: the checks of the failing series.
browser eval "(($cell)($s2).querySelector('summary').click(), true)"
bcheck "a click opens its checks" wait 20000 \
	"($cell)($s2).querySelectorAll('.check-list li').length === 2"
browser eval "Array.from(($cell)($s2).querySelectorAll('.check-list li')).map(l => l.dataset.context + ':' + l.querySelector('.check-state').textContent).join(' ')"
is "$reply" '"ci-boot:fail ci-build:success"' "each check with its state"
browser eval "($cell)($s2).querySelector('li.check-fail .check-desc').textContent"
is "$reply" "$(jq -n --arg s " — $XSS" '$s')" \
	"the description with markup shows as text, character for character"
browser eval "($cell)($s2).querySelector('li.check-fail a.check-url').href"
is "$reply" '"https://ci.example.org/b/2?a=1&b=2"' "with the link to the CI"
browser eval "($cell)($s2).querySelector('li.check-success a')"
is "$reply" null "a check without a URL has no link"
browser eval "$own"
is "$reply" '"0,0,0,0,0,0"' "no img, script, iframe, object, embed or svg element came from a check"
shot queue-checks-open

# A series submitted meanwhile redraws the table: the checks stay open.
checks_series "$T/s5.mbox" s5
cth submit "$T/s5.mbox" >/dev/null
bcheck "the queue page shows the new series" wait 20000 \
	"document.querySelectorAll('#queue-table tbody tr').length === 5"
browser eval "($cell)($s2).querySelector('details').open && ($cell)($s2).querySelectorAll('.check-list li').length"
is "$reply" 2 "the open checks stay open across the redraw"
browser eval "($cell)($s1).querySelector('details').open"
is "$reply" false "and the closed ones closed"

# A check posted while the page is open shows without a reload.
browser eval "window.cthulhuTestMarker = 'checks'"
cth check "$s4" ci-build fail --description 'late failure' >/dev/null
bcheck "a check posted with the CLI shows on the open page" wait 20000 \
	"($cell)($s4).querySelector('.check-mark') && ($cell)($s4).querySelector('.check-mark').textContent === '✗'"
browser eval "window.cthulhuTestMarker"
is "$reply" '"checks"' "the page was not reloaded"

# The series page lists them too.
bcheck "the failing series' page loads" goto "$url/#/series/$s2"
bcheck "it lists its checks" wait 20000 \
	"document.querySelectorAll('#series-checks .check-list li').length === 2"
browser eval "document.querySelector('#series-checks').textContent"
like "$reply" 'Checks: ✗ fail' "with the combined state"
browser eval "document.querySelector('#series-checks li.check-fail .check-desc').textContent.includes('<script>alert(1)</script>')"
is "$reply" true "and the description as text"
browser eval "$own"
is "$reply" '"0,0,0,0,0,0"' "still no element from a check"
shot series-checks
browser dialogs
is "$reply" "[]" "no markup ran as script: no dialog opened"
browser_stop
done_testing
