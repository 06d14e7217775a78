#!/bin/sh
# The dashboard's next page in headless Chromium marks a topic's merge
# that took a merge-fix ("with merge-fix SHA") and, without a reload, one
# whose fix no longer applies ("merge-fix SHA does not apply").
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge-fix.sh"
. "$top_srcdir/tests/lib-next.sh"
. "$top_srcdir/tests/lib-browser.sh"
test_init

rename_tree
start_dashboard_daemon '[watch]' '	poll = 0' '[next]' '	debounce = 100' \
	'[topic "rename"]' '	order = 1' '[topic "caller"]' '	order = 2'
ok "cthulhud serves the dashboard"
[ -n "$url" ] || done_testing

fix=$(fix_commit one caller 's/old_name/new_name/')
s1=$(printf %.12s "$fix")
cth merge-fix record caller "$fix" >/dev/null
fixed() { build_done && [ "$(G log -1 --format=%b next)" = "Merge-fix: $fix" ]; }
check "next is built with the fix" wait_for 60 fixed

browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing

bcheck "the next page loads" goto "$url/#/next"
bcheck "it shows the latest build" wait 20000 "document.getElementById('next-table')"
cell="document.querySelectorAll('#next-table tbody tr')[1].querySelector('td.paths')"
browser eval "$cell.textContent"
is "$reply" "\"with merge-fix $s1\"" "caller's merge is marked with its fix"
browser eval "document.querySelectorAll('#next-table tbody tr')[0].querySelector('td.paths').textContent"
is "$reply" '""' "rename's is not"
shot merge-fix

browser eval "window.cthulhuTestMarker = 'fix'"
(cd "$T/src" && git checkout -q caller &&
 sed -i 's/return old_name();/return old_name() + 1;/' caller.c &&
 git commit -q -am 'caller: Return one more' && git checkout -q master &&
 git push -q origin caller)
bcheck "a fix that no longer applies shows" wait 30000 \
	"$cell.textContent.includes('merge-fix $s1 does not apply')"
browser eval "$cell.textContent"
like "$reply" "caller.c" "beside the path where it conflicts"
browser eval "window.cthulhuTestMarker"
is "$reply" '"fix"' "without a reload"
shot merge-fix-conflict

browser dialogs
is "$reply" "[]" "no dialog opened"
browser_stop
stop_daemon
done_testing
