#!/bin/sh
# The gate on the next page in headless Chromium: the published next
# beside the candidate while it is bisected, with the progress line of
# the run that is running (its log's last line); then, without a reload,
# the topic ejected and falling back to its last good tip.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-browser.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

make_c_tree
# The tree's tests: once $T/hold exists they wait for $T/go, so that the
# page can be looked at while a run runs.  A candidate with the broken
# svm fails at make, before them.
(cd "$T/src" &&
 cat >run-tests <<EOF &&
#!/bin/sh
./prog || { echo 'not ok 1 - prog exits 0'; exit 1; }
echo 'ok 1 - prog exits 0'
if [ -e '$T/hold' ]; then
	while [ ! -e '$T/go' ]; do sleep 0.1; done
fi
echo 'ok 2 - prog exits 0 again'
EOF
 chmod +x run-tests && git add run-tests && git commit -q -m 'Add the tests' &&
 git tag -f base >/dev/null 2>&1 && git push -q -f origin master base)
for t in pmu mmu svm vmx; do
	c_topic $t
done
start_dashboard_daemon '[next]' '	debounce = 100' \
	'[gate]' '	command = "make -s -j2 && ./run-tests"' \
	'[topic "pmu"]' '	order = 1' '[topic "mmu"]' '	order = 2' \
	'[topic "svm"]' '	order = 3' '[topic "vmx"]' '	order = 4'
ok "cthulhud serves the dashboard"
[ -n "$url" ] || done_testing
check "the first candidate passes" wait_for 60 settled
# the gate marks a candidate passed, then moves next: wait for that
check "next is published at the candidate that passed" \
	wait_for 60 next_is "$(sql "SELECT commit_sha FROM gate_candidates WHERE state = 'passed' ORDER BY id DESC LIMIT 1")"
published=$(rev next)
touch "$T/hold"
break_topic svm
bisecting()
{
	[ "$(gate_state)" = bisecting ] &&
	[ "$(sql "SELECT count(*) FROM gate_runs WHERE state = 'running'")" = 1 ]
}
check "the broken candidate is being bisected" wait_for 60 bisecting

browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing
bcheck "the next page loads" goto "$url/#/next"
bcheck "it shows the gate" wait 20000 "document.getElementById('gate-progress')"
browser eval "document.getElementById('gate-published').textContent"
is "$reply" "\"$(echo "$published" | cut -c1-12)\"" "the published next"
browser eval "document.getElementById('gate-candidate').textContent"
like "$reply" "candidate #$(sql 'SELECT max(id) FROM gate_candidates') .*bisecting" \
	"the candidate, bisecting"
bcheck "the progress line shows the running run's log" wait 20000 \
	"/: ok 1 - prog exits 0\$/.test(document.getElementById('gate-progress').textContent)"
browser eval "document.getElementById('gate-progress').textContent"
like "$reply" "bisecting, round 1" "and the bisection's round"
browser eval "document.getElementById('gate-badge').textContent"
is "$reply" '"next: candidate bisecting"' "the header says a candidate is bisected"
shot gate-bisecting

browser eval "window.cthulhuTestMarker = 'gate'"
touch "$T/go"
check "svm is ejected and falls back" wait_for 60 fell_back svm
bcheck "the page shows the ejection without a reload" wait 20000 \
	"document.getElementById('gate-ejections') && /fallback/.test(document.getElementById('gate-ejections').textContent)"
browser eval "window.cthulhuTestMarker"
is "$reply" '"gate"' "the page was not reloaded"
browser eval "document.querySelector('#gate-ejections tbody tr').cells[0].textContent"
is "$reply" '"svm"' "svm is the topic ejected"
browser eval "document.querySelector('#gate-ejections tbody tr').cells[3].textContent"
is "$reply" "\"$(sql "SELECT substr(good_tip, 1, 12) FROM gate_ejections WHERE topic = 'svm'")\"" \
	"with its last good tip"
browser eval "document.querySelectorAll('#gate-runs tbody tr').length"
is "$reply" "$(curl -s "$url/api/v1/next/gate" | jq '.candidate.runs | length')" \
	"a row per run of the latest candidate"
shot gate-ejected
done_testing
