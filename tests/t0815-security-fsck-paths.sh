#!/bin/sh
# No patch makes a tree git's fsck refuses: through the real intake and
# apply (cthulhu submit, cthulhu apply), a path that HFS+ or NTFS reads
# as '.git' (ignorable code points, 'git~1', trailing dots and spaces, an
# NTFS stream, parts after '\') or as '.gitmodules', a symbolic link that
# points into '.git' or at a folder holding it or that is a .gitmodules,
# .gitattributes or .mailmap, a .gitmodules whose url, path, update or
# name git's fsck refuses, and a gitlink are each refused with an error
# naming the path; no ref moves, nothing is recorded as applied, and
# `git fsck --strict` stays clean.  Look-alikes that are not '.git'
# ('.github', '.gitignore', a plain .gitmodules) still apply.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

git init -q --bare "$T/src.git"
git init -q -b master "$T/dev"
(
	cd "$T/dev"
	mkdir -p include/linux scripts
	printf 'int kvm;\n' > include/linux/kvm.h
	printf 'Read me.\n' > README
	git add -A && git commit -q -m 'Initial' && git tag base
	git push -q "$T/src.git" master base master:pmu
)
setup_daemon "$T/src.git" "the daemon starts" \
	'[topic "pmu"]' '	branch = pmu' '	order = 1'

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib-hostile-patch.sh"

# add_quoted QPATH: a diff adding a path git writes quoted, QPATH being
# what goes inside the quotes (octal escapes for bytes over 127).
add_quoted()
{
	printf 'diff --git "a/%s" "b/%s"\nnew file mode 100644\n' "$1" "$1"
	printf 'index 0000000..3e75765\n--- /dev/null\n+++ "b/%s"\n' "$1"
	printf '@@ -0,0 +1 @@\n+new\n'
}

zwnj=$(printf '\342\200\214')	# U+200C ZERO WIDTH NON-JOINER
bom=$(printf '\357\273\277')	# U+FEFF ZERO WIDTH NO-BREAK SPACE
rlo=$(printf '\342\200\256')	# U+202E RIGHT-TO-LEFT OVERRIDE
# The CLI prints invisible characters as escapes (t0816): the errors
# name them so.
zwnj_re='\\u200c' bom_re='\\ufeff' rlo_re='\\u202e'
dotgit="refuses as a spelling of '.git'"
dotgm="refuses as a spelling of '.gitmodules'"

# '.git' as HFS+ reads it; git writes such a path quoted, as octal.
add_quoted '.g\342\200\214it/config' > "$T/diff"
refused 1 "$dotgit: '.g${zwnj_re}it/config'" "HFS+ '.g<U+200C>it', quoted"
add_file ".g${zwnj}it/config" > "$T/diff"
refused 2 "$dotgit: '.g${zwnj_re}it/config'" "HFS+ '.g<U+200C>it', raw"
add_file "include/${bom}.GiT${rlo}/hooks/post-checkout" > "$T/diff"
refused 3 "$dotgit: 'include/${bom_re}.GiT${rlo_re}/hooks/post-checkout'" \
	"HFS+ '<U+FEFF>.GiT<U+202E>' below the root"

# '.git' as NTFS reads it.
add_file 'GIT~1/config' > "$T/diff"
refused 4 "$dotgit: 'GIT~1/config'" "NTFS short name 'GIT~1'"
add_file '.git. . /config' > "$T/diff"
refused 5 "$dotgit: '\.git\. \. /config'" "NTFS trailing dots and spaces"
add_file '.Git::$INDEX_ALLOCATION/config' > "$T/diff"
refused 6 "$dotgit: '\.Git::\\\$INDEX_ALLOCATION/config'" "an NTFS stream"
add_quoted 'scripts\\.git\\config' > "$T/diff"
refused 7 "$dotgit: 'scripts.\.git.config'" "a '.git' after a backslash"

# '.gitmodules' spelt otherwise.
add_file '.GitModules' > "$T/diff"
refused 8 "$dotgm: '\.GitModules'" "'.GitModules'"
add_file 'gitmod~1' > "$T/diff"
refused 9 "$dotgm: 'gitmod~1'" "NTFS short name 'gitmod~1'"
add_file 'gi7eba~3' > "$T/diff"
refused 10 "$dotgm: 'gi7eba~3'" "NTFS fallback short name 'gi7eba~3'"
add_file ".gitmodules${zwnj}" > "$T/diff"
refused 11 "$dotgm: '\.gitmodules${zwnj_re}'" "HFS+ '.gitmodules<U+200C>'"

# Links.
add_link gl .git > "$T/diff"
refused 12 "symbolic link 'gl' point into '\.git': '\.git'" "a link to .git"
add_link scripts/gh "../.G${zwnj}IT/hooks" > "$T/diff"
refused 13 "symbolic link 'scripts/gh' point into '\.git'" \
	"a link into an HFS+ '.git'"
add_link dl . > "$T/diff"
refused 14 "symbolic link 'dl' point at a folder that holds it: '\.'" \
	"a link to ."
add_link scripts/up ../ > "$T/diff"
refused 15 "symbolic link 'scripts/up' point at a folder that holds it" \
	"a link to its parent"
add_link include/linux/me ../../include/./linux > "$T/diff"
refused 16 "symbolic link 'include/linux/me' point at a folder that holds it" \
	"a link to its own folder, the long way"
add_link .gitmodules README > "$T/diff"
refused 17 "symbolic link '\.gitmodules' be a '\.gitmodules'" \
	"a .gitmodules that is a link"
add_link .gitattributes README > "$T/diff"
refused 18 "symbolic link '\.gitattributes' be a dot file git reads" \
	"a .gitattributes that is a link"
add_link scripts/.MAILMAP. README > "$T/diff"
refused 19 "symbolic link 'scripts/\.MAILMAP\.' be a dot file git reads" \
	"an NTFS '.mailmap' that is a link"

# .gitmodules that git's fsck (or a clone) would take badly.
add_file .gitmodules '[submodule "evil"]' '	path = evil' \
	'	url = "ext::sh -c touch% /tmp/t0815-pwned"' > "$T/diff"
refused 20 "'\.gitmodules' git's fsck refuses: submodule 'evil' has a url that runs a command" \
	"a .gitmodules with an ext:: url"
add_file .gitmodules '[submodule "evil"]' '	path = evil' \
	'	url = --upload-pack=touch /tmp/t0815-pwned' > "$T/diff"
refused 21 "submodule 'evil' has a url that starts with '-'" \
	"a .gitmodules url that is an option"
add_file .gitmodules '[submodule "evil"]' '	path = -evil' \
	'	url = https://example.org/evil.git' > "$T/diff"
refused 22 "submodule 'evil' has a path that starts with '-'" \
	"a .gitmodules path that is an option"
add_file .gitmodules '[submodule "../../hooks"]' '	path = evil' \
	'	url = https://example.org/evil.git' > "$T/diff"
refused 23 "submodule '\.\./\.\./hooks' has a name with a '\.\.' component" \
	"a .gitmodules name with '..'"
add_file include/.gitmodules '[submodule "evil"]' '	path = evil' \
	'	url = https://example.org/evil.git%0aprotocol=file' > "$T/diff"
refused 24 "'include/\.gitmodules' git's fsck refuses: submodule 'evil' has a url with a newline" \
	"a .gitmodules url with an encoded newline"
add_file .gitmodules '[submodule "evil"]' '	path = evil' \
	'	update = !sh -c id' > "$T/diff"
refused 25 "submodule 'evil' has an update that runs a command" \
	"a .gitmodules update that runs a command"

# A gitlink: refused, not written as a blob.
sub=$(git --git-dir="$T/src.git" rev-parse base)
{
	printf 'diff --git a/evil b/evil\nnew file mode 160000\n'
	printf 'index 0000000..%s\n--- /dev/null\n+++ b/evil\n' "$sub"
	printf '@@ -0,0 +1 @@\n+Subproject commit %s\n' "$sub"
} > "$T/diff"
refused 26 "makes 'evil' a gitlink \(a submodule\): cthulhu does not apply those" \
	"a gitlink"

[ ! -e /tmp/t0815-pwned ]
ok "no command ran"
check "git fsck --strict is clean after the refusals" \
	git --git-dir="$T/src.git" fsck --strict --no-progress --no-dangling

# Look-alikes that are not '.git' still apply, and fsck takes them.
add_file .github/workflows/build.yml > "$T/diff"
applies 40 "a '.github' folder"
add_file .gitignore '*.o' > "$T/diff"
applies 41 "a .gitignore"
add_file .gitmodules '[submodule "tools"]' '	path = tools' \
	'	url = https://example.org/tools.git' > "$T/diff"
applies 42 "a plain .gitmodules"
add_link scripts/readme ../README > "$T/diff"
applies 43 "a link inside the tree"
is "$(git --git-dir="$T/src.git" ls-tree pmu .github .gitignore .gitmodules scripts/readme |
	awk '{ print $1, $4 }' | tr '\n' ' ')" \
	"040000 .github 100644 .gitignore 100644 .gitmodules 120000 scripts/readme " \
	"the topic has them"
check "git fsck --strict is clean at the end" \
	git --git-dir="$T/src.git" fsck --strict --no-progress --no-dangling
done_testing
