#!/bin/sh
# The "What's cooking" report against the repository: every topic with
# the description `git config branch.X.description` gave it, its commits
# over the base as `git log --format=%s base..topic` lists them (count,
# subjects, order, the date of the oldest), and where it stands: in
# next, conflicting on the paths git merge-tree names, held back by
# into-next = false, and held back because a build with on-conflict =
# stop ended at an earlier topic.  The JSON, the text of `cthulhu
# cooking` and the Atom feed (parsed with python3's xml.etree) agree;
# the queue's lanes are the queue's.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

make_repo "$T/src"
# commit_at BRANCH EPOCH MSG [TEXT]: a commit on BRANCH (made from
# master when new) committed at EPOCH, adding to file-BRANCH, or making
# README hold TEXT.
commit_at()
{
	(cd "$T/src" &&
	 if git rev-parse -q --verify "refs/heads/$1" >/dev/null; then
		git checkout -q "$1"
	 else
		git checkout -q -b "$1" master
	 fi &&
	 if [ $# -gt 3 ]; then
		echo "$4" >README
	 else
		echo "$3" >>"file-$(echo "$1" | tr / -)"
	 fi &&
	 git add . &&
	 GIT_COMMITTER_DATE="$2 +0000" GIT_AUTHOR_DATE="$2 +0000" \
		git commit -q -m "$3" && git checkout -q master)
}
commit_at x86/pmu 1764000000 'KVM: x86/pmu: Count the fixed counters'
commit_at x86/pmu 1764000100 'KVM: x86/pmu: Add <pebs> & "lbr" support'
commit_at x86/mmu 1764100000 'KVM: x86/mmu: Rewrite README' one
commit_at svm 1764200000 'KVM: SVM: Rewrite README too' two
commit_at svm 1764200100 'KVM: SVM: Sync the VMCB'
commit_at vmx 1764300000 'KVM: VMX: Drop a stale check'
commit_at fixes 1764400000 'KVM: x86: Fix a use after free'
(cd "$T/src" && git push -q origin x86/pmu x86/mmu svm vmx fixes)
git -C "$T/src.git" config branch.x86/pmu.description 'PMU work for 6.10.
Two lines: the second says more.'
git -C "$T/src.git" config branch.svm.description 'SVM: the VMCB sync.'
git -C "$T/src.git" config branch.fixes.description 'Fixes for the current release.'
ok "five topics, three with descriptions set by git config"

topics="x86/pmu x86/mmu svm vmx fixes"
conf_topics()
{
	printf '%s\n' '[topic "x86/pmu"]' '	order = 1' '[topic "x86/mmu"]' \
		'	order = 2' '[topic "svm"]' '	order = 3' '[topic "vmx"]' \
		'	order = 4' '[topic "fixes"]' '	order = 5' \
		'	into-next = false' '[next]' "	on-conflict = $1"
}
write_config "$T/cthulhu.conf" "$T/src.git"
conf_topics skip >>"$T/cthulhu.conf"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing

# One series in the queue, from git format-patch.
(cd "$T/src" && git checkout -q -b feature master &&
 echo feature >feature.c && git add feature.c &&
 git commit -q -m 'KVM: x86: Add a feature' &&
 git format-patch -q -1 --stdout >"$T/feature.mbox" && git checkout -q master)
cth submit "$T/feature.mbox" >/dev/null
ok "a patch series submitted"
wait_for 20 sh -c "[ \"\$('$CTHULHU' queue --json | jq .total)\" = 1 ]"
ok "and queued"

cth rebuild --wait >/dev/null
ok "next is built"

cth cooking --json >"$T/report.json"
ok "cthulhu cooking --json"
cth cooking >"$T/report.txt"
ok "cthulhu cooking"

jt()	# TOPIC FILTER: the filter on the topic's object of the report
{
	jq -r --arg t "$1" ".topics[] | select(.name == \$t) | $2" "$T/report.json"
}

is "$(jq -r '[.topics[].name] | join(" ")' "$T/report.json")" "$topics" \
	"every topic, in order"
for t in $topics; do
	is "$(jt "$t" .commits)" "$(git -C "$T/src.git" rev-list --count base..$t)" \
		"$t: the commits git counts over the base"
	is "$(jt "$t" '.shortlog[].subject')" \
		"$(git -C "$T/src.git" log --format=%s base..$t)" \
		"$t: their subjects as git log --format=%s base..$t lists them"
	is "$(jt "$t" '.shortlog[].commit')" \
		"$(git -C "$T/src.git" log --format=%H base..$t)" \
		"$t: and their commits"
	is "$(jt "$t" .cooking_since)" \
		"$(git -C "$T/src.git" log --format=%ct base..$t | tail -n 1)" \
		"$t: cooking since its oldest commit"
	is "$(jt "$t" '.description // ""')" \
		"$(git -C "$T/src.git" config branch.$t.description)" \
		"$t: the branch description"
	is "$(jt "$t" .tip)" "$(git -C "$T/src.git" rev-parse $t)" "$t: its tip"
done
is "$(jq -r '.base.commit' "$T/report.json")" "$(git -C "$T/src.git" rev-parse base)" \
	"the shortlogs start at the base"

is "$(jt x86/pmu .state)" in-next "x86/pmu is in next"
is "$(jt x86/mmu .state)" in-next "x86/mmu is in next"
is "$(jt svm .state)" conflict "svm conflicts"
(cd "$T/src" && git merge-tree --write-tree --name-only x86/mmu svm >"$T/mt.out")
is "$?" 1 "git merge-tree finds svm's conflict with x86/mmu"
is "$(jt svm '.conflicts | join(" ")')" \
	"$(sed -n '2,/^$/p' "$T/mt.out" | sed '/^$/d' | tr '\n' ' ' | sed 's/ $//')" \
	"on the paths git names"
is "$(jt vmx .state)" in-next "vmx, after the conflict, is in next (skip)"
is "$(jt fixes .state)" held "fixes is held back"
like "$(jt fixes .why)" 'into-next = false' "because of into-next = false"
is "$(jt x86/pmu '[.shortlog[].in_next] | all')" true "x86/pmu's commits are in next"
is "$(jt svm '[.shortlog[].in_next] | any')" false "svm's are not"
is "$(jt fixes '[.shortlog[].in_next] | any')" false "nor are fixes'"
is "$(git -C "$T/src.git" merge-base --is-ancestor x86/pmu next && echo yes)" yes \
	"git agrees x86/pmu is in next"
is "$(git -C "$T/src.git" merge-base --is-ancestor svm next || echo no)" no \
	"and that svm is not"
is "$(jq -r '.summary | "\(.topics) \(.in_next) \(.conflict) \(.held)"' "$T/report.json")" \
	"5 3 1 1" "the summary counts them"
is "$(jq -r .next "$T/report.json")" "$(git -C "$T/src.git" rev-parse next)" \
	"the report names next"

# The queue's lanes are the queue's.
cth queue --json >"$T/queue.json"
is "$(jq -c '[.queue.lanes[] | [.lane, .count]]' "$T/report.json")" \
	"$(jq -c '[.lanes[] | [.lane, .count]]' "$T/queue.json")" \
	"the lanes count what the queue counts"
is "$(jq -r .queue.total "$T/report.json")" 1 "one series queued"

# The text is the JSON's, and each topic's block says what the JSON says.
jq -j .text "$T/report.json" | cmp -s - "$T/report.txt"
ok "cthulhu cooking prints the JSON's text"
for t in $topics; do
	n=$(jt "$t" .commits)
	day=$(date -u -d "@$(jt "$t" .cooking_since)" +%Y-%m-%d)
	[ "$n" = 1 ] && s= || s=s
	# The block: the head line, then the shortlog, indented.
	awk -v h="* $t ($day) $n commit$s" '
		$0 == h { on = 1; next }
		on && /^ [-+] / { print; next }
		on { exit }' "$T/report.txt" >"$T/block"
	jt "$t" '.shortlog[] | " " + (if .in_next then "+" else "-" end) + " " + .subject' \
		>"$T/want"
	check "$t: its block in the text, with the shortlog" cmp -s "$T/block" "$T/want"
	grep -qxF " $(jt "$t" .why)" "$T/report.txt"
	ok "$t: and its state line"
done
grep -qx ' Two lines: the second says more.' "$T/report.txt"
ok "a description's lines are indented"
is "$(sed -n '/^\[/p' "$T/report.txt" | tr '\n' ' ')" \
	"[In next] [Conflicting] [Held back] " "the topics are grouped by where they stand"
like "$(head -n 2 "$T/report.txt")" "its commits over the base base \($(git -C "$T/src.git" rev-parse --short=12 base)\)" \
	"the header names the base"

# The Atom feed parses and has an entry per topic.
curl -s --unix-socket "$CTHULHU_SOCKET" -D "$T/atom.h" \
	http://localhost/api/v1/cooking.atom >"$T/feed.xml"
like "$(tr -d '\r' <"$T/atom.h")" 'Content-Type: application/atom\+xml' "the feed is served as Atom"
python3 - "$T/feed.xml" "$T/report.json" >"$T/atom.out" 2>&1 <<'EOF'
import json, re, sys
import xml.etree.ElementTree as ET
A = '{http://www.w3.org/2005/Atom}'
feed = ET.parse(sys.argv[1]).getroot()
report = json.load(open(sys.argv[2]))
assert feed.tag == A + 'feed', feed.tag
stamp = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
for k in ('id', 'title', 'updated'):
    assert feed.find(A + k) is not None and feed.find(A + k).text, k
assert stamp.match(feed.find(A + 'updated').text)
assert feed.find(A + 'author/' + A + 'name').text
entries = feed.findall(A + 'entry')
assert len(entries) == len(report['topics']), len(entries)
ids = set()
for e, t in zip(entries, report['topics']):
    for k in ('id', 'title', 'updated', 'content'):
        assert e.find(A + k) is not None and e.find(A + k).text, (t['name'], k)
    assert stamp.match(e.find(A + 'updated').text)
    assert e.find(A + 'title').text.startswith(t['name'] + ': ' + t['state'])
    content = e.find(A + 'content').text
    assert content.startswith('* ' + t['name'] + ' '), content
    for c in t['shortlog']:
        assert c['subject'] in content, c['subject']
    assert t['why'] in content
    assert e.find(A + 'category').get('term') == t['state']
    ids.add(e.find(A + 'id').text)
assert len(ids) == len(entries), 'ids are not unique'
assert feed.find(A + 'id').text not in ids
print('ok')
EOF
is "$(cat "$T/atom.out")" ok "the feed is Atom 1.0: id, title, updated, one entry per topic with its block"
grep -q '&lt;pebs&gt; &amp; &quot;lbr&quot;' "$T/feed.xml"
ok "a subject's markup is escaped"
id1=$(grep -o '<id>[^<]*x86/pmu</id>' "$T/feed.xml")
curl -s --unix-socket "$CTHULHU_SOCKET" http://localhost/api/v1/cooking.atom >"$T/feed2.xml"
is "$(grep -o '<id>[^<]*x86/pmu</id>' "$T/feed2.xml")" "$id1" "an entry's id stays the topic's"

# on-conflict = stop: the build ends at svm, and vmx after it is held.
stop_daemon
write_config "$T/cthulhu.conf" "$T/src.git"
conf_topics stop >>"$T/cthulhu.conf"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with on-conflict = stop" || done_testing
cth rebuild --full --wait >/dev/null
cth cooking --json >"$T/report.json"
is "$(jq -r .build.state "$T/report.json")" stopped "the build stopped"
is "$(jt svm .state)" conflict "at svm, which conflicts"
is "$(jt vmx .state)" held "vmx is held back"
like "$(jt vmx .why)" "stopped at 'svm' \(on-conflict = stop\)" "because the build stopped at svm"
is "$(jt x86/pmu .state)" in-next "x86/pmu is still in next"
done_testing
