#!/bin/sh
# After git request-pull's text, a pull request lists the conflicts its
# topic met in recent builds of next (from the builds and build_topics
# tables): the builds, the topic's tip then (this tip or an earlier
# one), the topics merged before it and the paths; the builds that met
# the same conflict as one entry.  A topic that merged cleanly says
# none; one never merged into next says so.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

make_repo "$T/work"
(
	cd "$T/work" &&
	seq 1 20 > a && git add a && git commit -q -m 'Add a' &&
	git tag -f base >/dev/null &&
	git checkout -q -b x86/mmu &&
	sed -i '5s/.*/mmu was here/' a && git commit -q -am 'KVM: x86/mmu: Edit a' &&
	git checkout -q -b x86/pmu base &&
	sed -i '5s/.*/pmu was here/' a && git commit -q -am 'KVM: x86/pmu: Edit a' &&
	git checkout -q -b svm base &&
	echo svm > svm.c && git add svm.c && git commit -q -m 'KVM: SVM: Add svm.c' &&
	git push -q -f origin base x86/mmu x86/pmu svm
)
ok "x86/pmu conflicts with x86/mmu on a; svm is not for next"

write_config "$T/cthulhu.conf" "$T/work.git" \
	'[topic "x86/mmu"]' '	order = 1' \
	'[topic "x86/pmu"]' '	order = 2' \
	'[topic "svm"]' '	order = 3' '	into-next = false' \
	'[next]' '	debounce = 100'
start_daemon "$T/cthulhu.conf" || done_testing

cth rebuild --wait >/dev/null
ok "next is built"
b1=$(sql "SELECT max(build) FROM build_topics WHERE topic = 'x86/pmu' AND outcome = 'conflict'")
[ -n "$b1" ]
ok "the build records x86/pmu's conflict (build $b1)"
pmu1=$(git -C "$T/work.git" rev-parse x86/pmu)

cth pull-request x86/pmu --tag pmu-1 --json >"$T/json"
ok "pull-request x86/pmu"
jq -j .text "$T/json" | sed -n '/^Conflicts met in recent builds of next/,$p' >"$T/section"
like "$(cat "$T/section")" "^  builds? ([0-9]+, )*$b1(, [0-9]+)* \(.* UTC\), x86/pmu at ${pmu1%????????????????????????????} \(this tip\): conflict, left out of next$" \
	"the section names the build and this tip"
grep -qx '    merged after the base and x86/mmu' "$T/section"
ok "and the topic merged before it"
grep -qx '      a' "$T/section"
ok "and the conflicting path"
is "$(jq -r '.conflicts | length' "$T/json")" 1 "the same conflict in several builds is one entry"
is "$(jq -r '.conflicts[0].builds[0]' "$T/json")" "$b1" "the newest build first"
is "$(jq -c '.conflicts[0] | [.outcome, .current_tip, .paths, .after]' "$T/json")" \
	'["conflict",true,["a"],["x86/mmu"]]' "the JSON entry"
jq -j .request "$T/json" >"$T/got"
(cd "$T/work.git" && COLUMNS=80 git request-pull base "$T/work.git" pmu-1) \
	>"$T/want" 2>/dev/null
cmp -s "$T/got" "$T/want"
ok "the request before the section is git request-pull's"
jq -j .text "$T/json" | cmp -s - "$T/state/pull-requests/pmu-1.txt"
ok "the saved request has the section"

cth pull-request x86/mmu --tag mmu-1 >"$T/out" 2>/dev/null
ok "pull-request x86/mmu"
is "$(sed -n '/^Conflicts met/p' "$T/out")" \
	"Conflicts met in recent builds of next: none" "a clean topic: none"
cth pull-request svm --tag svm-1 >"$T/out" 2>/dev/null
is "$(sed -n '/^Conflicts met/p' "$T/out")" \
	"Conflicts met in recent builds of next: none (no build of next has merged this topic yet)" \
	"a topic not in next: none, and why"

# x86/pmu moves on; the old conflict is from an earlier tip.
(cd "$T/work" && git checkout -q x86/pmu && echo more > more.c &&
 git add more.c && git commit -q -m 'KVM: x86/pmu: More' && git push -q origin x86/pmu)
cth poke >/dev/null
cth rebuild --wait >/dev/null
ok "x86/pmu moved and next was built again"
cth pull-request x86/pmu --tag pmu-2 --json >"$T/json"
ok "pull-request x86/pmu again"
is "$(jq -c '[.conflicts[] | .current_tip]' "$T/json")" '[true,false]' \
	"two entries: this tip, then the earlier one"
jq -j .text "$T/json" | grep -q "x86/pmu at ${pmu1%????????????????????????????} (an earlier tip): conflict"
ok "the earlier tip's conflict is marked so"
done_testing
