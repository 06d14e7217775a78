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
write_config "$T/cthulhu.conf" "$T/src.git" \
	'[topic "pmu"]' '	branch = pmu' '	order = 1'
start_daemon "$T/cthulhu.conf"
ok "the daemon starts" || done_testing

# Every ref but next, which the daemon builds on its own schedule (its
# first build may land at any time); no refused patch may move a topic.
refs()
{
	git --git-dir="$T/src.git" for-each-ref --format='%(refname) %(objectname)' |
		grep -v '^refs/heads/next '
}

# mail N SUBJECT: a one-patch mail around the diff on stdin.
mail()
{
	printf 'From nobody Mon Sep 17 00:00:00 2001\n'
	printf 'From: Eve Hostile <eve@example.org>\n'
	printf 'Date: Tue, 1 Oct 2024 10:00:%02d +0000\n' "$1"
	printf 'Subject: [PATCH] %s\n' "$2"
	printf 'Message-Id: <t0812-%s@example.org>\n\n' "$1"
	printf 'Signed-off-by: Eve Hostile <eve@example.org>\n---\n'
	cat
}

add_file()
{
	printf 'diff --git a/%s b/%s\nnew file mode 100644\n' "$1" "$1"
	printf 'index 0000000..3e75765\n--- /dev/null\n+++ b/%s\n' "$1"
	printf '@@ -0,0 +1 @@\n+new\n'
}

add_link()
{
	printf 'diff --git a/%s b/%s\nnew file mode 120000\n' "$1" "$1"
	printf 'index 0000000..1111111\n--- /dev/null\n+++ b/%s\n' "$1"
	printf '@@ -0,0 +1 @@\n+%s\n\\ No newline at end of file\n' "$2"
}

# last_series: the newest series' id.
last_series()
{
	sql "SELECT max(id) FROM series"
}

# refused N REGEX DESC: submit the mail made from the diff in $T/diff,
# apply it, expect a refusal whose message matches REGEX, and no change.
refused()
{
	local before id
	mail "$1" "$3" < "$T/diff" > "$T/mail$1"
	before=$(refs)
	"$CTHULHU" submit "$T/mail$1" > "$T/submit.out" 2>&1
	ok "$3: the mail is taken" || sed 's/^/#   /' "$T/submit.out"
	id=$(last_series)
	"$CTHULHU" apply "$id" pmu > "$T/apply.out" 2> "$T/apply.err"
	[ $? -ne 0 ]
	ok "$3: cthulhu apply refuses it"
	like "$(cat "$T/apply.err")" "$2" "$3: the error says why"
	is "$(refs)" "$before" "$3: no ref moved"
	is "$(sql "SELECT count(*) FROM applied WHERE series_id = $id")" 0 \
		"$3: nothing is recorded as applied"
}

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
