#!/bin/sh
# The next page in headless Chromium: after `cthulhu rebuild --wait`, the
# latest build shows every topic's outcome as GET /api/v1/next gives it,
# the topic whose merge conflicts with the paths git merge-tree names,
# the build's merges reused and its history; the header says next has a
# conflict; the topics page shows each topic's outcome of the last build.
# A topic moved with git update-ref makes a new build appear on the page
# without a reload.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-browser.sh"
test_init

make_repo "$T/src"
# Two topics that change README's one line differently: the second
# conflicts once the first is merged into next.
(cd "$T/src" &&
 git checkout -q -b one master && echo one >README && git commit -q -am 'one' &&
 git checkout -q -b two master && echo two >README && git commit -q -am 'two' &&
 git checkout -q master && git push -q origin one two)
commit_on svm 'KVM: SVM: Sync the VMCB'
(cd "$T/src" && git push -q origin svm)

start_dashboard_daemon '[topic "one"]' '	order = 1' \
	'[topic "two"]' '	order = 2' '[topic "svm"]' '	order = 3' \
	'[next]' '	on-conflict = skip'
ok "cthulhud serves the dashboard"
[ -n "$url" ] || done_testing

cth rebuild --wait >"$T/rebuild.out" 2>&1
ok "cthulhu rebuild --wait"
curl -s "$url/api/v1/next" >"$T/next.json"
outcome()	# TOPIC: its outcome in the latest build, per the API
{
	jq -r --arg t "$1" '.build.topics[] | select(.topic == $t) | .outcome' \
		"$T/next.json"
}
is "$(outcome two)" conflict "the API says two conflicts"
(cd "$T/src" && git merge-tree --write-tree --name-only one two >"$T/mt.out")
is "$?" 1 "git merge-tree finds the conflict too"
is "$(jq -r '.build.topics[] | select(.topic == "two") | .conflicts | join(" ")' "$T/next.json")" \
	"$(sed -n '2,/^$/p' "$T/mt.out" | sed '/^$/d' | tr '\n' ' ' | sed 's/ $//')" \
	"on the paths git names"

browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing

bcheck "the next page loads" goto "$url/#/next"
bcheck "it shows the latest build" wait 20000 "document.getElementById('next-table') && document.getElementById('builds-table')"
rows="Array.from(document.querySelectorAll('#next-table tbody tr'))"
browser eval "$rows.map(r => r.cells[0].textContent + ':' + r.cells[2].textContent).join(' ')"
is "$reply" "\"$(jq -r '[.build.topics[] | .topic + ":" + .outcome] | join(" ")' "$T/next.json")\"" \
	"each topic with the outcome the API gives, in order"
browser eval "$rows[1].querySelector('td.paths').textContent"
is "$reply" "\"$(jq -r '.build.topics[1].conflicts | join("")' "$T/next.json")\"" \
	"the conflict names its paths"
browser eval "document.querySelector('#next .byline').textContent"
like "$reply" "Build #$(jq -r .build.id "$T/next.json")" "the build's number"
like "$reply" "$(jq -r .build.merges_reused "$T/next.json") merges? reused" "and its merges reused"
browser eval "document.querySelector('#next-summary').textContent"
is "$reply" '"next: 1 conflict"' "the header says next has a conflict"
browser eval "document.querySelectorAll('#builds-table tbody tr').length"
is "$reply" "$(curl -s "$url/api/v1/next/builds" | jq length)" \
	"the history lists every build the API has"
shot next-conflict

bcheck "the topics page shows the outcomes" goto "$url/#/topics"
browser wait 20000 "document.getElementById('topics-table')"
browser eval "document.querySelector('tr[data-topic=\"two\"] td.outcome-col').textContent"
is "$reply" '"conflict"' "two: conflict"
browser eval "document.querySelector('tr[data-topic=\"svm\"] td.outcome-col').textContent"
is "$reply" "\"$(outcome svm)\"" "svm: $(outcome svm)"

# A move of svm: the next page gains a build without a reload.
browser goto "$url/#/next"
browser wait 20000 "document.getElementById('builds-table')"
browser eval "window.cthulhuTestMarker = 'next'"
nbuilds=$(curl -s "$url/api/v1/next/builds" | jq length)
old=$(rev svm)
commit_on svm 'KVM: SVM: Second'
(cd "$T/src" && git push -q origin svm:refs/heads/scratch)
git --git-dir="$T/src.git" update-ref refs/heads/svm "$(rev scratch)" "$old"
bcheck "a new build shows" wait 30000 \
	"document.querySelectorAll('#builds-table tbody tr').length > $nbuilds && document.querySelector('#next-table').textContent.includes('$(rev scratch | cut -c1-12)')"
browser eval "window.cthulhuTestMarker"
is "$reply" '"next"' "without a reload"
shot next-live

browser dialogs
is "$reply" "[]" "no dialog opened"
browser_stop
done_testing
