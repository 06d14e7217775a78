#!/bin/sh
# cthulhu pull-request writes the request exactly as git request-pull
# does for the same base, URL and tag: the merge base and the tip with
# their dates, the tag's message, the shortlog grouped by author (sorted
# as git shortlog sorts them, "[PATCH]" prefixes cut) and the diffstat
# with its summary (new, deleted, renamed, binary, mode-changed files, a
# long path cut with "...", a large change scaled, a quoted name); then
# the section on conflicts in next, which is stripped for the comparison.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

make_repo "$T/work"
# commit AUTHOR EPOCH MESSAGE: commit what is staged as AUTHOR at EPOCH
commit()
{
	GIT_AUTHOR_NAME=$1 GIT_AUTHOR_EMAIL="$(echo "$1" | tr -d ' ')@example.org" \
	GIT_AUTHOR_DATE="$2 +0200" GIT_COMMITTER_DATE="$2 -0130" \
		git commit -q -m "$3"
}
(
	cd "$T/work" &&
	seq 1 300 > big.c && seq 1 40 > gone.c && seq 1 30 > old-name.c &&
	echo '#!/bin/sh' > run.sh && seq 1 20 > nine.c &&
	git add . && commit 'A U Thor' 1700000000 'Add the files' &&
	git tag -f base >/dev/null && git push -q -f origin master base &&
	git checkout -q -b x86/pmu &&
	seq 1 200 | sed 's/$/ changed/' > big.c && git add big.c &&
	commit 'Zed Zebra' 1700000100 'KVM: x86/pmu: Rewrite most of big.c' &&
	mkdir -p arch/x86/kvm/a/very/long/directory/name/that/goes/on/and/on &&
	echo new > arch/x86/kvm/a/very/long/directory/name/that/goes/on/and/on/file_with_a_long_name.c &&
	git add arch && commit 'alice lowercase' 1700000200 \
		'[PATCH v2 1/2] KVM: x86/pmu: Add a file far down' &&
	git rm -q gone.c && commit 'Bob Builder' 1700000300 \
		'KVM: x86/pmu: Remove gone.c' &&
	git mv old-name.c new-name.c &&
	commit 'Zed Zebra' 1700000400 'KVM: x86/pmu: Rename old-name.c' &&
	printf '\000\001\002binary' > blob.bin && git add blob.bin &&
	commit 'alice lowercase' 1700000500 "KVM: x86/pmu: Add a blob

with a body that is not part of the subject" &&
	chmod +x run.sh && git add run.sh &&
	commit 'Bob Builder' 1700000600 'KVM: x86/pmu: Make run.sh
executable, a subject on two lines' &&
	sed -i '1,9s/$/ nine/' nine.c && git add nine.c &&
	commit 'Émile Accent' 1700000700 'KVM: x86/pmu: Change nine lines' &&
	echo x > "$(printf 'caf\303\251.txt')" && git add . &&
	commit 'A U Thor' 1700000800 'KVM: x86/pmu: Add a file with an accent' &&
	git push -q origin x86/pmu
)
ok "a topic with commits by five authors over the base"

write_config "$T/cthulhu.conf" "$T/work.git" \
	'[topic "x86/pmu"]' '	branch = x86/pmu' '	into-next = false'
start_daemon "$T/cthulhu.conf" || done_testing

cth pull-request x86/pmu --tag kvm-x86-pmu-1.0 >"$T/out" 2>"$T/err"
ok "cthulhu pull-request x86/pmu succeeds"
like "$(cat "$T/err")" "tagged [0-9a-f]{12} of 'x86/pmu' as 'kvm-x86-pmu-1.0'" \
	"it says what it tagged"
is "$(git -C "$T/work.git" cat-file -t kvm-x86-pmu-1.0)" tag "the tag is annotated"
is "$(git -C "$T/work.git" rev-parse kvm-x86-pmu-1.0^{commit})" \
	"$(git -C "$T/work.git" rev-parse x86/pmu)" "the tag is at the topic's tip"

(cd "$T/work.git" && COLUMNS=80 git request-pull base \
	"$T/work.git" kvm-x86-pmu-1.0) >"$T/want" 2>"$T/want.err"
ok "git request-pull accepts the same range"
sed '/^Conflicts met in recent builds of next/,$d' "$T/out" >"$T/got.tmp"
# the section starts after an empty line, which goes with it
head -n -1 "$T/got.tmp" >"$T/got"
tail -n 1 "$T/got.tmp" | grep -q '^$'
ok "the conflicts section follows an empty line"
if cmp -s "$T/got" "$T/want"; then
	ok_rc=0
else
	ok_rc=1
	diff -u "$T/want" "$T/got" | sed 's/^/#   /' | head -60
fi
[ $ok_rc -eq 0 ]
ok "the text is git request-pull's, byte for byte"
grep -q '^Conflicts met in recent builds of next: none' "$T/out"
ok "the conflicts section says none"
like "$(cat "$T/want")" '^  .*/work.git tags/kvm-x86-pmu-1.0$' "the comparison covers the URL and the tag"
like "$(cat "$T/want")" '^Bob Builder \(2\):$' "and the shortlog"
like "$(cat "$T/want")" ' \.\.\./[a-z/]*/file_with_a_long_name\.c +\| +1 \+$' "and a long path cut short"
like "$(cat "$T/want")" 'Bin 0 -> 9 bytes' "and a binary file"
like "$(cat "$T/want")" 'mode change 100644 => 100755 run.sh' "and a mode change"

# The JSON has the request alone, and the saved file the whole text.
cth pull-request x86/pmu --tag kvm-x86-pmu-1.1 --json >"$T/json"
ok "pull-request --json"
jq -j .request "$T/json" >"$T/got2"
(cd "$T/work.git" && COLUMNS=80 git request-pull base \
	"$T/work.git" kvm-x86-pmu-1.1) >"$T/want2" 2>/dev/null
cmp -s "$T/got2" "$T/want2"
ok "the JSON's request is git request-pull's text"
file=$(jq -r .file "$T/json")
is "$file" "$T/state/pull-requests/kvm-x86-pmu-1.1.txt" "the request is saved in the state dir"
jq -j .text "$T/json" | cmp -s - "$file"
ok "the saved file holds the whole text"
is "$(jq -r .commits "$T/json")" 8 "the JSON counts the commits"
is "$(jq -r .base "$T/json")" "$(git -C "$T/work.git" rev-parse base)" \
	"and names the merge base"
done_testing
