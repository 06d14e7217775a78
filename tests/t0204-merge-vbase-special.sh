#!/bin/sh
# Differential test of virtual merge bases whose inner merge meets what
# is not a plain text merge, against `git merge-tree --write-tree`: two
# merge bases X and Y (a criss-cross), made from one commit B, that
# change apart a symlink, a submodule, a path's type (file, symlink,
# submodule), a binary file, and add one file with two modes.  merge-ort
# keeps B's entry for the first three, B's content for the binary file,
# the first base's mode for the added file.  One tip keeps that value,
# the other changes the path, so that the merge of the tips is the other
# tip's value only when the virtual base is git's; the fast path must
# make it (no fallback), with the same tree as git.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge.sh"
test_init

git init -q -b master "$T/w" && cd "$T/w" || exit 1
at()
{
	export GIT_COMMITTER_DATE="$((1700000000 + $1 * 3600)) +0000"
	export GIT_AUTHOR_DATE=$GIT_COMMITTER_DATE
}
sub0=1111111111111111111111111111111111111111
subx=2222222222222222222222222222222222222222
suby=3333333333333333333333333333333333333333
subr=4444444444444444444444444444444444444444

# setlink PATH TARGET, setsub PATH COMMIT, setfile PATH TEXT [MODE]
setlink()
{
	git rm -q --cached -r --ignore-unmatch "$1" >/dev/null
	rm -rf "$1"
	ln -s "$2" "$1"
	git add "$1"
}
setsub()
{
	git rm -q --cached -r --ignore-unmatch "$1" >/dev/null
	rm -rf "$1"
	git update-index --add --cacheinfo "160000,$2,$1"
}
setfile()
{
	git rm -q --cached -r --ignore-unmatch "$1" >/dev/null
	rm -rf "$1"
	printf '%s\n' "$2" > "$1"
	[ "${3:-}" = x ] && chmod +x "$1"
	git add "$1"
}
setbin()
{
	printf 'bin\000%s\n' "$2" > "$1"
	git add "$1"
}
commit()
{
	git commit -q --allow-empty -m "$1"
}

lines 10 text > text
at 1
setlink link target-b
setsub sub "$sub0"
setfile t-file-link "b"
setlink t-link-sub "b"
setsub t-sub-file "$sub0"
setbin bin b
commit B
git tag B

# X and Y change every special path apart (X is the older base)
git checkout -q -b X B
at 2
setlink link target-x
setsub sub "$subx"
setlink t-file-link "x"
setsub t-link-sub "$subx"
setfile t-sub-file "x"
setbin bin x
setfile added "same" x
commit X
git checkout -q -b Y B
at 3
setlink link target-y
setsub sub "$suby"
setfile t-file-link "y"
setlink t-link-sub "y"
setlink t-sub-file "y"
setbin bin y
setfile added "same"
commit Y

# the criss-cross: each tip merges the other base, keeping its own tree
git checkout -q -b tip1 X
at 4
git merge -q --no-edit -s ours Y
git checkout -q -b tip2 Y
at 5
git merge -q --no-edit -s ours X

# tip1 sets every path to what the virtual base has there (B's entry,
# B's content, X's mode); tip2 to something else
git checkout -q tip1
at 6
setlink link target-b
setsub sub "$sub0"
setfile t-file-link "b"
setlink t-link-sub "b"
setsub t-sub-file "$sub0"
setbin bin b
setfile added "same" x
commit tip1-to-base
git checkout -q tip2
at 7
setlink link target-r
setsub sub "$subr"
setfile t-file-link "r"
setfile t-link-sub "r"
setfile t-sub-file "r"
setbin bin r
setfile added "r"
lines 10 changed > text
git add text
commit tip2-apart

is "$(git merge-base --all tip1 tip2 | wc -l)" 2 "the tips have two merge bases"
git clone -q --bare "$T/w" "$T/r.git"
cd "$T/r.git" || exit 1
printf 'merge tip1 tip2\nmerge tip2 tip1\n' > "$T/list"
DESC="virtual base of special files" compare_merges "$T/list"
is "$(awk '$1 == "#" && $2 != "merges" { print $4 }' "$T/list.log" | sort -u)" \
	fast "the fast path makes both merges"
got=$(git ls-tree "$(sed -n 1p "$T/list.got")" | sort)
want=$(git ls-tree tip2 | sort)
is "$got" "$want" "the merge is tip2's tree: the virtual base is tip1's"

# where git could read a submodule's repository (modules/), its merge
# inside the virtual base is git's to make
mkdir "$T/r.git/modules"
"$MERGE_DRIVER" --verbose . < "$T/list" > "$T/list.mod" 2> "$T/list.mod.log"
like "$(sed -n 1p "$T/list.mod.log")" "tip1 tip2 git .*special file" \
	"with submodule repositories git decides"
is "$(sed -n 1p "$T/list.mod")" "$(sed -n 1p "$T/list.got")" \
	"and gives the same tree"

# Deletions: X and Y delete a file both, and one modifies what the
# other deletes, adding no file (no rename).  merge-ort leaves the first
# deleted and keeps the base's version of the others inside the virtual
# base; then (run 2) X renames the file it deletes, and git decides.
deletions()
{
	local run=$1
	git init -q -b master "$T/d$run" && cd "$T/d$run" || exit 1
	at 1
	lines 10 both > both
	lines 10 md > md
	lines 10 dm > dm
	lines 10 other > other
	git add . && commit B
	git checkout -q -b X
	at 2
	git rm -q both
	edit_lines md 2 1 x
	if [ "$run" = 2 ]; then
		git mv dm dm-renamed
	else
		git rm -q dm
	fi
	edit_lines other 2 1 x
	git add -A . && commit X
	git checkout -q -b Y master
	at 3
	git rm -q both md
	edit_lines dm 3 1 y
	edit_lines other 8 1 y
	git add -A . && commit Y
	git checkout -q -b tip1 X
	at 4
	git merge -q --no-edit -s ours Y
	git checkout -q -b tip2 Y
	at 5
	git merge -q --no-edit -s ours X
	# tip1: the virtual base's md and dm (the base's); tip2: others
	git checkout -q tip1
	at 6
	git show master:md > md
	git show master:dm > dm
	git add -A . && commit tip1-to-base
	git checkout -q tip2
	at 7
	lines 3 r > md
	lines 3 r > dm
	lines 3 r > both
	git add -A . && commit tip2-apart
	git clone -q --bare "$T/d$run" "$T/d$run.git"
	cd "$T/d$run.git" || exit 1
	printf 'merge tip1 tip2\nmerge tip2 tip1\n' > "$T/dlist$run"
	DESC="virtual base with deletions ($run)" compare_merges "$T/dlist$run"
}
deletions 1
is "$(awk '$1 == "#" && $2 != "merges" { print $4 }' "$T/dlist1.log" | sort -u)" \
	fast "deletions without a rename: the fast path makes both merges"
for p in md dm both; do
	is "$(git rev-parse "$(sed -n 1p "$T/dlist1.got"):$p")" \
		"$(git rev-parse "tip2:$p")" "$p is tip2's: the virtual base's is the base's"
done
deletions 2
like "$(sed -n 1p "$T/dlist2.log")" "tip1 tip2 git .*virtual merge base: deleted on" \
	"a side that deleted and added files: git decides"

done_testing
