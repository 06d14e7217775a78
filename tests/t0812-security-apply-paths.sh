#!/bin/sh
# No patch can write outside the repository's tree: through the real
# intake and apply (cthulhu submit, cthulhu apply), a patch naming a path
# with '..', a '.git' component (any case) or an absolute path, one making
# a symbolic link that points out of the tree (absolute, or '..' past the
# root; new or changed), and one writing beyond a symbolic link of the
# topic are each refused with an error naming the path; no ref moves, no
# commit is recorded, nothing appears outside.  A link that stays inside
# still applies.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

git init -q --bare "$T/src.git"
git init -q -b master "$T/dev"
(
	cd "$T/dev"
	mkdir -p include/linux scripts Documentation
	printf 'int kvm;\n' > include/linux/kvm.h
	printf 'Read me.\n' > README
	ln -s ../include scripts/inc
	ln -s ../README Documentation/README
	git add -A && git commit -q -m 'Initial' && git tag base
	git push -q "$T/src.git" master base master:pmu
)
setup_daemon "$T/src.git" "the daemon starts" \
	'[topic "pmu"]' '	branch = pmu' '	order = 1'

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib-hostile-patch.sh"

add_file '../escape' > "$T/diff"
refused 1 "names a path outside the tree: '../escape'" "a path with '..'"
add_file 'include/../../escape' > "$T/diff"
refused 2 "outside the tree: 'include/../../escape'" "a deeper '..'"
add_file '.git/hooks/post-update' > "$T/diff"
refused 3 "outside the tree: '.git/hooks/post-update'" "a path in .git/"
add_file 'include/.GIT/config' > "$T/diff"
refused 4 "outside the tree: 'include/.GIT/config'" "a '.GIT' component"
{
	printf 'diff --git a//tmp/t0812-evil b//tmp/t0812-evil\n'
	printf 'new file mode 100644\nindex 0000000..3e75765\n'
	printf -- '--- /dev/null\n+++ b//tmp/t0812-evil\n@@ -0,0 +1 @@\n+new\n'
} > "$T/diff"
refused 5 "outside the tree: '/tmp/t0812-evil'" "an absolute path"
add_link scripts/passwd /etc/passwd > "$T/diff"
refused 6 "symbolic link 'scripts/passwd' point outside the tree: '/etc/passwd'" \
		"a link to an absolute path"
add_link scripts/etc ../../etc > "$T/diff"
refused 7 "symbolic link 'scripts/etc' point outside the tree: '../../etc'" \
		"a link climbing out"
add_file scripts/inc/linux/evil.h > "$T/diff"
refused 8 "writes 'scripts/inc/linux/evil.h' beyond the symbolic link 'scripts/inc'" \
		"a file beyond a link"
{
	printf 'diff --git a/Documentation/README b/Documentation/README\n'
	printf 'index 1111111..2222222 120000\n'
	printf -- '--- a/Documentation/README\n+++ b/Documentation/README\n'
	printf '@@ -1 +1 @@\n-../README\n\\ No newline at end of file\n'
	printf '+../../../etc/shadow\n\\ No newline at end of file\n'
} > "$T/diff"
refused 9 "symbolic link 'Documentation/README' point outside the tree" \
	"an existing link turned outward"

[ ! -e "$T/escape" ] && [ ! -e /tmp/t0812-evil ] &&
	[ ! -e "$T/src.git/hooks/post-update" ]
ok "no file appeared outside the tree"
check "git fsck is clean" git --git-dir="$T/src.git" fsck --no-progress

# A link that stays inside is fine.
add_link scripts/readme ../README | mail 10 "a link inside" > "$T/mail10"
check "a patch adding a link inside the tree is taken" cth submit "$T/mail10"
check "and applies" cth apply "$(last_series)" pmu
is "$(git --git-dir="$T/src.git" cat-file -p pmu:scripts/readme)" "../README" \
	"the topic has the link"
is "$(git --git-dir="$T/src.git" ls-tree pmu scripts/readme | cut -c1-6)" 120000 \
	"as a link"
done_testing
