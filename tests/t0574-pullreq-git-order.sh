#!/bin/sh
# The parts of a pull request where libgit2 and git part ways, made as
# git makes them: commits of the same second (as git am and rebase make
# them) in git's walk order, within an author and across a merge;
# renames with edits paired and scored by git's similarity, and a file
# that grew past twice its size kept as a delete and a create, as
# git diff -M keeps it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

make_repo "$T/work"
export GIT_COMMITTER_DATE='1700000000 +0000'
(
	cd "$T/work" &&
	seq 1 100 > mostly.c && seq 1 40 > grows.c && seq 1 30 > small.c &&
	git add . && git commit -q -m 'Add the files' &&
	git tag -f base >/dev/null && git push -q -f origin master base &&
	git checkout -q -b x86/mmu &&
	for i in 1 2 3 4 5 6; do
		echo "$i" > "f$i.c" && git add "f$i.c" &&
		git commit -q -m "KVM: x86/mmu: Step $i" || exit 1
	done &&
	git mv mostly.c renamed.c && sed -i '1,20d' renamed.c &&
	git commit -q -am 'KVM: x86/mmu: Rename mostly.c, drop 20 lines' &&
	git rm -q grows.c && { seq 1 40; seq 100 160; } > grown.c &&
	git add grown.c && git commit -q -m 'KVM: x86/mmu: Replace grows.c' &&
	git checkout -q -b side base &&
	echo side > side.c && git add side.c &&
	GIT_AUTHOR_NAME='Side Author' git commit -q -m 'KVM: x86/mmu: Side' &&
	git checkout -q x86/mmu && git merge -q --no-edit side &&
	echo last > last.c && git add last.c &&
	git commit -q -m 'KVM: x86/mmu: Last' &&
	git push -q origin x86/mmu
)
ok "a topic of commits made in one second, with a merge and renames"

write_config "$T/cthulhu.conf" "$T/work.git" \
	'[topic "x86/mmu"]' '	branch = x86/mmu' '	into-next = false'
start_daemon "$T/cthulhu.conf" || done_testing

cth pull-request x86/mmu --tag mmu-1 --json >"$T/json"
ok "pull-request x86/mmu"
jq -j .request "$T/json" >"$T/got"
(cd "$T/work.git" && COLUMNS=80 git request-pull base "$T/work.git" mmu-1) \
	>"$T/want" 2>/dev/null
if cmp -s "$T/got" "$T/want"; then
	true
else
	diff -u "$T/want" "$T/got" | sed 's/^/#   /' | head -40
	false
fi
ok "the text is git request-pull's"
like "$(cat "$T/want")" '^      KVM: x86/mmu: Step 1$' "the comparison covers commits of one second"
is "$(grep -c '^      KVM: x86/mmu: Step' "$T/want")" 6 "all six of them"
like "$(cat "$T/want")" '^ rename mostly\.c => renamed\.c \([0-9]+%\)$' \
	"a rename with edits"
like "$(cat "$T/want")" '^ delete mode 100644 grows\.c$' \
	"a file grown past twice its size is deleted"
like "$(cat "$T/want")" '^ create mode 100644 grown\.c$' "and created"
done_testing
