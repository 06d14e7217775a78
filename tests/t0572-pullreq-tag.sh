#!/bin/sh
# The tag of a pull request: named by [pull] tag-format (default
# "<tree>-<topic>-<YYYY.MM.DD>", the topic's first component left out
# when the tree's name ends with it, as kvm-x86-pmu-... is), made by the
# tree's committer with the message given or a line per commit; the
# request names [pull] url.  With [pull] signingkey the tag is signed by
# gpg (git verify-tag accepts it, and the request still equals git
# request-pull's, which leaves the signature out); without gpg the tag
# is made unsigned with a warning; when gpg fails nothing is made.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init
GNUPGHOME=$T/gnupg
export GNUPGHOME
trap 'gpgconf --kill all >/dev/null 2>&1; test_cleanup' EXIT

make_repo "$T/work"
(
	cd "$T/work" &&
	git checkout -q -b x86/pmu &&
	echo one > one.c && git add one.c && git commit -q -m 'KVM: x86/pmu: One' &&
	echo two > two.c && git add two.c && git commit -q -m 'KVM: x86/pmu: Two' &&
	git checkout -q -b svm master &&
	echo svm > svm.c && git add svm.c && git commit -q -m 'KVM: SVM: Three' &&
	git push -q origin x86/pmu svm
)
ok "two topics"
topics="[topic \"x86/pmu\"]
	branch = x86/pmu
[topic \"svm\"]
	branch = svm"
restart()
{
	stop_daemon
	write_config "$T/cthulhu.conf" "$T/work.git" "$topics" "$@"
	git config -f "$T/cthulhu.conf" tree.name kvm-x86
	start_daemon "$T/cthulhu.conf"
}

# Defaults: the name, the message, the tagger, the URL.
restart || done_testing
d1=$(date +%Y.%m.%d)
cth pull-request x86/pmu >"$T/out" 2>"$T/err"
ok "pull-request with the defaults"
d2=$(date +%Y.%m.%d)
tag=$(sed -n "s/.* as '\([^']*\)'.*/\1/p" "$T/err")
case $tag in
"kvm-x86-pmu-$d1"|"kvm-x86-pmu-$d2") true ;;
*) false ;;
esac
ok "the default tag name is kvm-x86-pmu-<date> ($tag)"
is "$(git -C "$T/work.git" cat-file -t "$tag")" tag "it is an annotated tag"
git -C "$T/work.git" cat-file tag "$tag" >"$T/tag"
like "$(cat "$T/tag")" '^tagger Cthulhu Test <cthulhu@example.com> [0-9]+ [-+][0-9]{4}$' \
	"made by [tree] committer"
like "$(sed '1,/^$/d' "$T/tag")" "^kvm-x86 x86/pmu changes for [0-9-]+:

 - KVM: x86/pmu: One
 - KVM: x86/pmu: Two$" "its message has a line per commit, oldest first"
grep -qx "  $T/work.git tags/$tag" "$T/out"
ok "the URL is the repository's path by default"

# --message, [pull] url, [pull] tag-format.
restart '[pull]' '	url = git://git.example.org/kvm-x86.git' \
	'	tag-format = for-%n/%t-v%d' || done_testing
cth pull-request svm --message '  KVM SVM changes:

 - three things


' >"$T/out" 2>"$T/err"
ok "pull-request with --message"
tag=$(sed -n "s/.* as '\([^']*\)'.*/\1/p" "$T/err")
like "$tag" '^for-kvm-x86/svm-v[0-9]{4}\.[0-9]{2}\.[0-9]{2}$' "[pull] tag-format names the tag ($tag)"
is "$(git -C "$T/work.git" cat-file tag "$tag" | sed '1,/^$/d')" "  KVM SVM changes:

 - three things" "the message is kept, its blank lines cleaned up"
grep -qx "  git://git.example.org/kvm-x86.git tags/$tag" "$T/out"
ok "the request names [pull] url and the tag"
[ -f "$T/state/pull-requests/$(echo "$tag" | tr / -).txt" ]
ok "a tag with slashes is saved under a flat name"

restart '[pull]' '	tag-format = %n-%q' || done_testing
cth pull-request svm >"$T/out" 2>"$T/err"
is "$?" 1 "a bad tag-format: exit 1"
like "$(cat "$T/err")" "pull.tag-format: unknown placeholder '%q'" "and says which placeholder"

# No gpg: an unsigned tag and a warning.
restart '[pull]' '	signingkey = 0123456789ABCDEF' \
	'	gpg-program = /no/such/gpg' || done_testing
cth pull-request x86/pmu --tag unsigned >"$T/out" 2>"$T/err"
ok "a signing key but no gpg: the request is made"
like "$(cat "$T/err")" "^warning: gpg not found \('/no/such/gpg'\): tag 'unsigned' is not signed" \
	"with a warning"
is "$(git -C "$T/work.git" cat-file tag unsigned | grep -c 'BEGIN PGP')" 0 \
	"and the tag is not signed"
is "$(cth pull-request x86/pmu --tag unsigned2 --json | jq -r .signed)" false \
	"the JSON says signed: false"

# A real gpg with a key made for the test.
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key \
	'Cthulhu Test <cthulhu@example.com>' ed25519 sign never 2>/dev/null
ok "a gpg key for the test"
fpr=$(gpg --batch --with-colons --list-secret-keys 2>/dev/null |
	awk -F: '/^fpr/ { print $10; exit }')
restart '[pull]' "	signingkey = $fpr" || done_testing
cth pull-request x86/pmu --tag signed >"$T/out" 2>"$T/err"
ok "pull-request with a signing key"
like "$(cat "$T/err")" "as 'signed' \(signed\)" "says the tag is signed"
is "$(git -C "$T/work.git" cat-file -t signed)" tag "the signed tag is annotated"
git -C "$T/work.git" verify-tag signed 2>/dev/null
ok "git verify-tag accepts the signature"
sed '/^Conflicts met in recent builds of next/,$d' "$T/out" | head -n -1 >"$T/got"
(cd "$T/work.git" && COLUMNS=80 git request-pull base "$T/work.git" signed) \
	>"$T/want" 2>/dev/null
cmp -s "$T/got" "$T/want"
ok "the request of a signed tag is git request-pull's, signature left out"

restart '[pull]' '	signingkey = no-such-key@example.com' || done_testing
tags_before=$(git -C "$T/work.git" for-each-ref refs/tags)
cth pull-request x86/pmu --tag badkey >"$T/out" 2>"$T/err"
is "$?" 1 "gpg failing: exit 1"
like "$(cat "$T/err")" "gpg failed to sign the tag with key 'no-such-key@example.com': .*No secret key" \
	"gpg failing: said so, with gpg's reason"
is "$(git -C "$T/work.git" for-each-ref refs/tags)" "$tags_before" "gpg failing: no tag made"
done_testing
