#!/bin/sh
# The gate's pair word on the dashboard's next page, in headless
# Chromium: the gate ejects caller, which builds alone and fails
# together with rename; the gate panel's ejection and the next table's
# caller say "caller builds alone and fails together with rename" with
# the merge-fix to record.  Once the merge-fix is recorded, without a
# reload, the next table marks caller lifted with its merge-fix, and the
# gate panel says the merge-fix lifted the ejection and the gate passes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge-fix.sh"
. "$top_srcdir/tests/lib-next.sh"
. "$top_srcdir/tests/lib-browser.sh"
test_init

rename_tree
start_dashboard_daemon '[next]' '	debounce = 100' \
	'[gate]' '	command = make -s' '	timeout = 120' \
	'[topic "rename"]' '	order = 1' '[topic "caller"]' '	order = 2'
ok "cthulhud serves the dashboard"
[ -n "$url" ] || done_testing
caller_out()
{
	[ "$(ejection_state caller)" = ejected ] && settled &&
	[ "$(gate_state)" = passed ]
}
check "the gate ejects caller and passes without it" wait_for 180 caller_out
says="caller builds alone and fails together with rename"
suggest="cthulhu merge-fix record caller COMMIT --with rename"
is "$(curl -s "$url/api/v1/next/gate" | jq -r '.ejections[0].says')" "$says" \
	"(the API says the pair)"

browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing
bcheck "the next page loads" goto "$url/#/next"
bcheck "it shows the ejection" wait 20000 \
	"document.getElementById('gate-ejections') && document.getElementById('next-table')"
ej="document.querySelector('#gate-ejections tbody tr')"
browser eval "$ej.cells[0].textContent"
is "$reply" '"caller"' "caller is the topic ejected"
browser eval "$ej.cells[4].textContent"
is "$reply" '"rename"' "with rename"
browser eval "$ej.querySelector('.gate-says').textContent"
is "$reply" "\"$says · record a merge-fix: $suggest\"" \
	"the gate panel says the pair and the merge-fix to record"
row="Array.from(document.querySelectorAll('#next-table tbody tr')).find(r => r.cells[0].textContent === 'caller')"
browser eval "$row.querySelector('td.gate-col').textContent"
is "$reply" "\"ejected $says · record a merge-fix: $suggest\"" \
	"the next table says it on caller's row"
browser eval "$row.querySelector('td.gate-col .gate-word').title"
is "$reply" "$(curl -s "$url/api/v1/next" | jq '.build.topics[] | select(.topic == "caller") | .gate_reason')" \
	"with the ejection's reason as its title"
browser eval "Array.from(document.querySelectorAll('#next-table tbody tr')).find(r => r.cells[0].textContent === 'rename').querySelector('td.gate-col').textContent"
is "$reply" '""' "rename's row has no word"
shot gate-pair

browser eval "window.cthulhuTestMarker = 'pair'"
fix=$(fix_commit one caller 's/old_name/new_name/')
s1=$(printf %.12s "$fix")
cth merge-fix record caller "$fix" --with rename >/dev/null
ok "the merge-fix is recorded"
cleared() { [ "$(ejection_state caller)" = cleared ] && settled; }
check "the gate passes with caller and its fix" wait_for 180 cleared
bcheck "the next table marks caller lifted without a reload" wait 30000 \
	"($row) && ($row).querySelector('td.gate-col').textContent.startsWith('lifted')"
browser eval "$row.querySelector('td.paths').textContent"
is "$reply" "\"with merge-fix $s1\"" "with its merge-fix"
browser eval "$row.querySelector('td.gate-col').textContent"
is "$reply" "\"lifted $says\"" "and no merge-fix to record"
bcheck "the gate panel says the merge-fix lifted it and the gate passes" \
	wait 30000 "document.querySelector('#gate-ejections .gate-lifted') && document.querySelector('#gate-ejections .gate-lifted').textContent.includes('passes')"
browser eval "document.querySelector('#gate-ejections .gate-lifted').textContent"
is "$reply" "\"lifted by merge-fix $s1: the gate passes with it\"" \
	"in those words"
browser eval "window.cthulhuTestMarker"
is "$reply" '"pair"' "the page was not reloaded"
shot gate-lifted

browser dialogs
is "$reply" "[]" "no dialog opened"
browser_stop
stop_daemon
done_testing
