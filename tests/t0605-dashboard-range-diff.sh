#!/bin/sh
# The series page in headless Chromium shows what changed since the
# other version: for v2 of a series whose second patch changed, the
# pairs (= then !) and the text of GET /api/v1/series/ID/range-diff,
# which `cthulhu show --range-diff` prints too; a series of one version
# has no such section.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-browser.sh"
test_init

make_repo "$T/src" x86
start_dashboard_daemon '[topic "x86"]' '	order = 1'
ok "cthulhud serves the dashboard"
[ -n "$url" ] || done_testing

(
	cd "$T/src" || exit 1
	# the cover comes from the author too, and each mail has its own id
	export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
	for v in 1 2; do
		git checkout -q -B "v$v" base
		echo one >one.txt && git add one.txt &&
			git commit -q -m 'KVM: x86: Add one'
		{ seq 1 20; echo "two <b>$v</b>"; } >two.txt && git add two.txt &&
			git commit -q -m 'KVM: x86: Add two'
		git format-patch -q --cover-letter --thread=shallow -v"$v" -o "$T/v$v" base..HEAD
		sed -i 's/\*\*\* SUBJECT HERE \*\*\*/KVM: x86: Add files/' \
			"$T/v$v"/*0000-*.patch
		sed -i "s/\.git\.author@example\.com>/.v$v&/" "$T/v$v"/*.patch
	done
)
cat "$T"/v1/*.patch >"$T/v1.mbox"
cat "$T"/v2/*.patch >"$T/v2.mbox"
v1=$(cth submit --json "$T/v1.mbox" | jq -r '.series[0].id')
v2=$(cth submit --json "$T/v2.mbox" | jq -r '.series[0].id')
is "$(sql "SELECT supersedes FROM series WHERE id = $v2")" "$v1" "v2 supersedes v1"
curl -s "$url/api/v1/series/$v2/range-diff" >"$T/rd.json"
is "$(jq -r '[.pairs[].status] | join(" ")' "$T/rd.json")" '= !' \
	"the API pairs patch 1 unchanged and patch 2 changed"
run show "$v2" --range-diff
is "$out" "$(jq -r .text "$T/rd.json")" "cthulhu show --range-diff prints the API's text"

browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing

bcheck "v2's page loads" goto "$url/#/series/$v2"
bcheck "it shows the range-diff" wait 20000 \
	"document.querySelector('#range-diff pre.range-diff')"
browser eval "Array.from(document.querySelectorAll('#range-diff .range-pair')).map(li => li.dataset.status).join(' ')"
is "$reply" '"= !"' "the pairs in the newer version's order"
browser eval "document.querySelector('#range-diff pre.range-diff').textContent"
is "$reply" "$(jq -c .text "$T/rd.json")" "the text as the API gives it"
browser eval "document.querySelector('#range-diff pre b') === null"
is "$reply" true "the diff's markup is shown as text"
browser eval "document.querySelector('#range-diff h2').textContent"
is "$reply" '"Changes since v1"' "titled with the older version"
shot series-range-diff

(cd "$T/src" && git checkout -q -B lone base && echo l >l.txt && git add l.txt &&
	git commit -q -m 'KVM: x86: Lone' && git format-patch -q -o "$T/lone" base..HEAD)
lone=$(cth submit --json "$T"/lone/*.patch | jq -r '.series[0].id')
bcheck "a lone series' page loads" goto "$url/#/series/$lone"
bcheck "it shows that series" wait 20000 \
	"(document.querySelector('#series h2') || {}).textContent === '[PATCH] KVM: x86: Lone' && document.querySelector('.patch')"
browser eval "document.querySelector('#range-diff') === null"
is "$reply" true "and no range-diff section"

done_testing
