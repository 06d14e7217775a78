#!/bin/sh
# The merge of merge.c against `git merge-tree --write-tree`, case by case:
# renames, deletions, mode changes, binary files, adds on both sides,
# overlapping and adjacent edits, type changes, symlinks, topics on old
# bases.  Every merge must give git's tree, or conflict exactly when git
# does, on the same paths; the cases the fast path must decide on its own
# are checked with the fallback switched off.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge.sh"
test_init

git init -q -b master "$T/r" && cd "$T/r" || exit 1
mkdir -p a b/sub c
for f in 1 2 3 4 5; do lines 40 "a/f$f" > "a/f$f"; done
for f in 1 2 3; do lines 30 "g$f" > "b/sub/g$f"; done
lines 20 c > c/only
lines 10 readme > README
printf 'bin\000ary\001data\n' > bin.dat
printf '#!/bin/sh\necho hi\n' > script.sh
ln -s a/f1 link
commit_all base
git tag base

# side NAME: start branch NAME at base
side()
{
	git checkout -q -B "$1" base
}

# case N: two sides of case N are branches N-a and N-b
side 1-a; edit_lines a/f1 5 2 A; commit_all 1a
side 1-b; edit_lines a/f2 5 2 B; commit_all 1b

side 2-a; edit_lines a/f1 3 2 A; commit_all 2a
side 2-b; edit_lines a/f1 30 2 B; commit_all 2b

side 3-a; edit_lines a/f1 10 3 A; commit_all 3a
side 3-b; edit_lines a/f1 11 3 B; commit_all 3b

side 4-a; edit_lines a/f1 10 1 A; commit_all 4a
side 4-b; edit_lines a/f1 11 1 B; commit_all 4b

side 5-a; edit_lines a/f3 7 2 SAME; commit_all 5a
side 5-b; edit_lines a/f3 7 2 SAME; edit_lines a/f4 1 1 B; commit_all 5b

side 6-a; lines 5 newa > a/new-a; commit_all 6a
side 6-b; lines 5 newb > b/new-b; mkdir -p d/e; lines 3 de > d/e/x; commit_all 6b

side 7-a; lines 5 same > a/both; lines 5 one > a/both2; commit_all 7a
side 7-b; lines 5 same > a/both; lines 5 two > a/both2; commit_all 7b

side 8-a; git rm -q a/f5; commit_all 8a
side 8-b; edit_lines a/f4 2 2 B; commit_all 8b

side 9-a; git rm -q a/f5; commit_all 9a
side 9-b; edit_lines a/f5 2 2 B; commit_all 9b

side 10-a; git mv a/f5 c/moved; commit_all 10a
side 10-b; edit_lines a/f5 2 2 B; commit_all 10b

side 11-a; git mv a/f4 a/f4-renamed; edit_lines a/f4-renamed 35 1 A; commit_all 11a
side 11-b; edit_lines a/f4 3 1 B; commit_all 11b

side 12-a; chmod +x a/f2; commit_all 12a
side 12-b; edit_lines a/f2 20 1 B; commit_all 12b

side 13-a; chmod +x a/f2; edit_lines a/f2 1 1 A; commit_all 13a
side 13-b; chmod +x a/f2; edit_lines a/f2 39 1 B; commit_all 13b

side 14-a; printf 'bin\000A\n' > bin.dat; commit_all 14a
side 14-b; printf 'bin\000B\n' > bin.dat; commit_all 14b

side 15-a; printf 'bin\000A\n' > bin.dat; commit_all 15a
side 15-b; edit_lines README 1 1 B; commit_all 15b

side 16-a; git mv b/sub b/moved; commit_all 16a
side 16-b; lines 4 added > b/sub/g4; commit_all 16b

side 17-a; git rm -q -r c; commit_all 17a
side 17-b; edit_lines a/f1 1 1 B; commit_all 17b

side 18-a; git rm -q c/only; mkdir -p c/only; lines 2 x > c/only/x; commit_all 18a
side 18-b; edit_lines a/f1 1 1 B; commit_all 18b

side 19-a; git rm -q a/f3; commit_all 19a
side 19-b; git rm -q a/f3; edit_lines a/f1 1 1 B; commit_all 19b

side 20-a; ln -sf a/f2 link; commit_all 20a
side 20-b; edit_lines a/f1 1 1 B; commit_all 20b

side 21-a; ln -sf a/f2 link; commit_all 21a
side 21-b; ln -sf a/f3 link; commit_all 21b

# 22: a topic on an old base; mainline renamed and deleted elsewhere
side 22-a
for i in 1 2 3 4 5 6; do edit_lines a/f1 $((i * 5)) 1 "main$i"; commit_all "main $i"; done
git mv b/sub b/renamed; git rm -q c/only; commit_all "main moves"
lines 8 mainnew > a/mainnew; commit_all "main adds"
side 22-b; edit_lines a/f3 20 1 topic; commit_all "topic 1"
edit_lines a/f2 20 1 topic; commit_all "topic 2"

# 23: rename on both sides to different names (rename/rename)
side 23-a; git mv a/f2 a/f2-a; commit_all 23a
side 23-b; git mv a/f2 a/f2-b; commit_all 23b

# 24: a file made executable on one side, deleted on the other
side 24-a; chmod +x script.sh; commit_all 24a
side 24-b; git rm -q script.sh; commit_all 24b

# 25: edits next to each other with an unchanged line between
side 25-a; edit_lines a/f1 10 1 A; commit_all 25a
side 25-b; edit_lines a/f1 12 1 B; commit_all 25b

# 26: repeated lines where diff algorithms may disagree
side 26-a; printf '{\n}\n{\n}\n{\n}\nx\n{\n}\n' > a/braces; commit_all 26a-0
git tag base26
printf '{\n}\nnew\n{\n}\n{\n}\n{\n}\nx\n{\n}\n' > a/braces; commit_all 26a
git checkout -q -B 26-b base26
printf '{\n}\n{\n}\n{\n}\nx\n{\n}\nend\n' > a/braces; commit_all 26b

# 27: added on both sides identically in a new folder, plus other adds
side 27-a; mkdir -p n/m; lines 3 same > n/m/s; lines 3 a > n/a; commit_all 27a
side 27-b; mkdir -p n/m; lines 3 same > n/m/s; lines 3 b > n/b; commit_all 27b

# 28: case 3's conflict again, with an unrelated change on the side
git checkout -q -B 3-c 3-b; edit_lines a/f4 1 1 C; commit_all 3c

list=$T/list
: > "$list"
for n in $(seq 1 27); do echo "merge $n-a $n-b" >> "$list"; done
# and the other way round
for n in $(seq 1 27); do echo "merge $n-b $n-a" >> "$list"; done

DESC="merge (git fallback)" compare_merges "$list"
# libgit2 has no directory rename detection (case 16): not compared there
grep -v ' 16-' "$list" > "$list.libgit2"
DRIVER_OPTS=--fallback=libgit2 DESC="merge (libgit2 fallback)" \
	compare_merges "$list.libgit2"

# Cases the fast path must decide alone, and give git's tree.
: > "$list.fast"
for n in 1 2 5 6 8 12 13 15 17 18 20 22 25 27; do
	echo "merge $n-a $n-b" >> "$list.fast"
done
DRIVER_OPTS=--fallback=none DESC="fast path" compare_merges "$list.fast"
is "$FAST_COUNT" 14 "fast path decides the easy cases alone"

# Cases the fast path must not decide.
: > "$list.slow"
for n in 3 9 10 11 14 16 19 21 23 24; do
	echo "merge $n-a $n-b" >> "$list.slow"
done
"$MERGE_DRIVER" --fallback=none . < "$list.slow" > "$list.slow.got" 2>/dev/null
is "$(grep -c '^ERROR' "$list.slow.got")" 10 \
	"renames, deletions against changes, conflicts go to the fallback"

# A conflict git found is known by its three blobs: the same file
# conflict in another merge is reported without git, on git's paths.
printf 'merge 3-a 3-b\nmerge 3-a 3-c\nmerge 3-c 3-a\n' > "$list.known"
DESC="known conflict" compare_merges "$list.known"
is "$(awk '$1 == "#" && $2 != "merges" { print $4 }' "$list.known.log" | tr '\n' ' ')" \
	"git fast git " "the same three blobs are known, the other way round are not"

# Merge bases and ancestry against git merge-base.
: > "$list.bases"
for n in 1 11 22 26; do
	echo "bases $n-a $n-b" >> "$list.bases"
done
"$MERGE_DRIVER" . < "$list.bases" > "$list.bases.got"
n=0
while read -r verb a b; do
	n=$((n + 1))
	is "$(sed -n "${n}p" "$list.bases.got")" \
		"$(git merge-base --all "$a" "$b" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" \
		"merge base of $a and $b"
done < "$list.bases"
printf 'ancestor base 22-a\nancestor 22-a base\nancestor 22-a 22-a\n' |
	"$MERGE_DRIVER" . > "$list.anc"
is "$(tr '\n' ' ' < "$list.anc")" "yes no yes " "ancestry"

done_testing
