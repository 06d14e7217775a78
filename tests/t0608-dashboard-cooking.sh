#!/bin/sh
# The "What's cooking" page in headless Chromium: every topic of GET
# /api/v1/cooking under the group of where it stands, with its state,
# its commit count and its shortlog ('+' for a commit in next), its
# description and its state line; a subject with markup stays text; the
# lanes of the queue; a topic that moves shows its new commit without
# a reload.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-browser.sh"
test_init

make_repo "$T/src"
# one and two change README's line differently: two conflicts in next.
(cd "$T/src" &&
 git checkout -q -b one master && echo one >README && git commit -q -am 'one: Rewrite README' &&
 git checkout -q -b two master && echo two >README && git commit -q -am 'two: Rewrite README' &&
 git checkout -q master && git push -q origin one two)
commit_on svm 'KVM: SVM: Sync the VMCB'
commit_on svm 'KVM: SVM: <img src=x onerror=alert(1)> stays text'
commit_on fixes 'KVM: x86: Fix a leak'
(cd "$T/src" && git push -q origin svm fixes)
git -C "$T/src.git" config branch.svm.description 'The VMCB sync, for 6.10.'

start_dashboard_daemon '[topic "one"]' '	order = 1' \
	'[topic "two"]' '	order = 2' '[topic "svm"]' '	order = 3' \
	'[topic "fixes"]' '	order = 4' '	into-next = false' \
	'[next]' '	on-conflict = skip'
ok "cthulhud serves the dashboard"
[ -n "$url" ] || done_testing
cth rebuild --wait >/dev/null
ok "next is built"
curl -s "$url/api/v1/cooking" >"$T/report.json"
jt()	# TOPIC FILTER
{
	jq -r --arg t "$1" ".topics[] | select(.name == \$t) | $2" "$T/report.json"
}
is "$(jq -r '[.topics[] | .name + ":" + .state] | join(" ")' "$T/report.json")" \
	"one:in-next two:conflict svm:in-next fixes:held" "the API's states"

browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing

bcheck "the cooking page loads" goto "$url/#/cooking"
bcheck "it shows the topics" wait 20000 "document.querySelectorAll('#cooking-topics article').length === 4"
topic="document.querySelector('article[data-topic=\"%s\"]')"
for t in one two svm fixes; do
	q=$(printf "$topic" "$t")
	browser eval "$q.getAttribute('data-state') + ' ' + $q.querySelector('.outcome').textContent"
	is "$reply" "\"$(jt $t .state) $(jt $t .state)\"" "$t: $(jt $t .state)"
	browser eval "$q.querySelector('.ncommits').textContent"
	n=$(git -C "$T/src.git" rev-list --count base..$t)
	[ "$n" = 1 ] && s=commit || s=commits
	is "$reply" "\"$n $s\"" "$t: $n $s, as git counts them"
	browser eval "Array.from($q.querySelectorAll('ul.shortlog li')).map(l => l.textContent).join('|')"
	want=$(jt $t '[.shortlog[] | (if .in_next then "+" else "-" end) + " " + .subject] | join("|")')
	is "$reply" "$(printf '%s' "$want" | jq -Rs .)" "$t: its shortlog"
	browser eval "$q.querySelector('.why').textContent"
	is "$reply" "$(jt $t .why | jq -Rs 'rtrimstr("\n")')" "$t: its state line"
done
browser eval "Array.from(document.querySelectorAll('ul.shortlog li')).filter(l => l.textContent.startsWith('+')).length"
is "$reply" "$(jq '[.topics[].shortlog[] | select(.in_next)] | length' "$T/report.json")" \
	"the commits in next are marked +"
q=$(printf "$topic" svm)
browser eval "$q.querySelector('.description').textContent"
is "$reply" '"The VMCB sync, for 6.10."' "svm's description"
browser eval "Array.from(document.querySelectorAll('#cooking-topics h3.group')).map(g => g.textContent).join('|')"
is "$reply" '"In next|Conflicting|Held back"' "the topics are grouped by where they stand"
browser eval "document.querySelectorAll('#cooking-topics img').length"
is "$reply" 0 "markup in a subject is not markup"
browser eval "document.querySelectorAll('#cooking-lanes tbody tr').length"
is "$reply" 4 "the queue's four lanes"
browser eval "document.querySelector('#cooking-summary').textContent"
like "$reply" "build #$(jq -r .build.id "$T/report.json") .*4 topics: 2 in next, 1 conflicting" \
	"the summary names the build and counts the topics"
shot cooking

# A commit on svm: the page shows it once next is rebuilt, no reload.
browser eval "window.cthulhuTestMarker = 'cooking'"
commit_on svm 'KVM: SVM: A third change'
(cd "$T/src" && git push -q origin svm)
bcheck "the new commit shows" wait 30000 \
	"document.querySelector('article[data-topic=\"svm\"] .ncommits').textContent === '3 commits' && document.querySelector('article[data-topic=\"svm\"] ul.shortlog').textContent.includes('+ KVM: SVM: A third change')"
browser eval "window.cthulhuTestMarker"
is "$reply" '"cooking"' "without a reload"

# The feed, for a feed reader to find from the dashboard.
browser eval "(l => l && l.getAttribute('href') + ' ' + l.type)(document.querySelector('link[rel=alternate]'))"
is "$reply" '"/api/v1/cooking.atom application/atom+xml"' \
	"the dashboard names the Atom feed of what's cooking"
curl -s -D "$T/atom.h" "$url/api/v1/cooking.atom" >"$T/feed.xml"
like "$(tr -d '\r' <"$T/atom.h")" 'Content-Type: application/atom\+xml' \
	"which is served as Atom"
is "$(python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); n = "{http://www.w3.org/2005/Atom}"; print(" ".join(sorted(e.find(n + "title").text.split(":")[0] for e in r.findall(n + "entry"))))' "$T/feed.xml")" \
	"$(jq -r '[.topics[].name] | sort | join(" ")' "$T/report.json")" \
	"with an entry for each topic"

browser dialogs
is "$reply" "[]" "no dialog opened"
browser_stop
done_testing
