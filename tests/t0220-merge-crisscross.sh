#!/bin/sh
# Differential test of merge.c's virtual merge bases against `git
# merge-tree --write-tree` on seeded criss-cross histories: branches that
# edit the same files (so that their merge bases conflict with each other
# and the virtual base keeps conflict markers), rename and add files, and
# merge each other again and again (-X ours, -X theirs, -s ours), giving
# merges with several merge bases whose own merges have several bases
# (nested virtual bases).  Every pair of tips is merged in both
# directions, and a next is built from them; each merge must give git's
# tree, or conflict exactly when git does on the same paths.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge.sh"
test_init

git init -q -b master "$T/r" && cd "$T/r" || exit 1
SEED=${MERGE_SEED:-2201}
# every commit a second of its own: git orders merge bases by date
NOW=1700000000
tick()
{
	NOW=$((NOW + 1))
	export GIT_COMMITTER_DATE="$NOW +0000" GIT_AUTHOR_DATE="$NOW +0000"
}
tick
mkdir -p x y z
for i in 0 1 2 3 4 5; do
	case $((i % 3)) in
	0) f=x/f$i ;; 1) f=y/f$i ;; *) f=z/f$i ;;
	esac
	lines 40 "$f" > "$f"
done
commit_all base

random_file()
{
	rnd "$(git ls-files | wc -l)"
	F=$(git ls-files | sed -n "$((R + 1))p")
}

# random_op TAG: one change, committed
random_op()
{
	local f n a tag=$1
	random_file
	f=$F
	n=$(wc -l < "$f")
	[ "$n" -gt 2 ] || n=3
	rnd $((n - 2)); a=$((R + 1))
	rnd 24
	case $R in
	0|1|2|3|1[0-9]|2*) edit_lines "$f" $a 2 "$tag" ;;
	4) insert_after "$f" $a "$tag inserted" ;;
	5) edit_lines "$f" 1 1 "$tag"; edit_lines "$f" $n 1 "$tag" ;;
	6) lines 6 "$tag" > "$(dirname "$f")/new-$tag" ;;
	7) git mv "$f" "$f-$tag" ;;
	8) edit_lines "$f" $a 1 "$tag" ;;
	9) edit_lines "$f" 5 3 "$tag" ;;
	esac
	tick
	commit_all "$tag"
}

# merge_other I: branch bI merges another branch's tip or the one
# before it, resolving conflicts one way or another
merge_other()
{
	local j rev how
	rnd "$NB"; j=$((R + 1))
	[ "$j" -ne "$1" ] || return 0
	rnd 3
	rev=b$j~$R
	rnd 3
	case $R in
	0) how="-X ours" ;; 1) how="-X theirs" ;; *) how="" ;;
	esac
	tick
	git merge -q --no-edit $how "$rev" >/dev/null 2>&1 && return 0
	git merge --abort 2>/dev/null
	git merge -q --no-edit -X ours "$rev" >/dev/null 2>&1 && return 0
	git merge --abort 2>/dev/null
	git merge -q --no-edit -s ours "$rev" >/dev/null 2>&1
}

NB=${MERGE_BRANCHES:-6}
ROUNDS=${MERGE_ROUNDS:-7}
i=1
while [ $i -le $NB ]; do
	git branch -q "b$i" master
	i=$((i + 1))
done
r=1
while [ $r -le $ROUNDS ]; do
	i=1
	while [ $i -le $NB ]; do
		git checkout -q "b$i"
		random_op "b$i.$r"
		merge_other $i
		git tag "b$i-r$r"
		i=$((i + 1))
	done
	r=$((r + 1))
done

# One criss-cross made so, whatever the seed: c1 and c2 change the same
# lines of x/f0, merge each other's first commit (-X ours, -X theirs),
# and each change another file; their merge has the two first commits
# as merge bases, whose own merge conflicts: the virtual base keeps
# conflict markers.
git checkout -q -b c1 master
edit_lines x/f0 10 2 "c1 side"; tick; commit_all c1.1; git tag c1-1
git checkout -q -b c2 master
edit_lines x/f0 10 2 "c2 side"; tick; commit_all c2.1
git checkout -q c1; tick; git merge -q --no-edit -X ours c2 >/dev/null
git checkout -q c2; tick; git merge -q --no-edit -X theirs c1-1 >/dev/null
git checkout -q c1; edit_lines y/f1 3 1 "c1 again"; tick; commit_all c1.3
git checkout -q c2; edit_lines z/f2 3 1 "c2 again"; tick; commit_all c2.3

# every pair of tips, both ways, and tips of different rounds
list=$T/list
printf 'merge c1 c2\nmerge c2 c1\n' > "$list"
i=1
while [ $i -le $NB ]; do
	j=1
	while [ $j -le $NB ]; do
		[ $i -eq $j ] || echo "merge b$i b$j" >> "$list"
		j=$((j + 1))
	done
	i=$((i + 1))
done
k=0
while [ $k -lt 16 ]; do
	rnd "$NB"; i=$((R + 1)); rnd "$NB"; j=$((R + 1))
	rnd "$ROUNDS"; a=$((R + 1)); rnd "$ROUNDS"; b=$((R + 1))
	if [ $i -ne $j ]; then
		echo "merge b$i-r$a b$j-r$b" >> "$list"
		echo "merge b$j-r$b b$i-r$a" >> "$list"
	fi
	k=$((k + 1))
done
DESC="criss-cross pair" compare_merges "$list"
log=$list.log

many=0
while read -r verb a b; do
	n=$(git merge-base --all "$a" "$b" | wc -l)
	[ "$n" -lt 3 ] || many=$((many + 1))
done < "$list"
ok_many=0; [ "$many" -gt 0 ] && ok_many=1
is "$ok_many" 1 "some pairs have three merge bases or more ($many)"
multi_fast=$(awk '$1 == "#" && $2 != "merges" && $4 == "fast" && $NF != "bases=1"' "$log" | wc -l)
ok_fast=0; [ "$multi_fast" -gt 0 ] && ok_fast=1
is "$ok_fast" 1 "the fast path decided merges of several bases ($multi_fast)"
stat()
{
	awk -v k="$1" '$2 == "merges" { for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }' "$log"
}
ok_nested=0; [ "$(stat vbases-nested)" -gt 0 ] && ok_nested=1
is "$ok_nested" 1 "some virtual bases are made of merges with several bases ($(stat vbases-nested))"
ok_conf=0; [ "$(stat vbase-conflicts)" -gt 0 ] && ok_conf=1
is "$ok_conf" 1 "some virtual bases keep conflict markers ($(stat vbase-conflicts))"

# The merges the fast path decides itself are git's with no fallback.
"$MERGE_DRIVER" --fallback=none . < "$list" > "$list.none" 2>/dev/null
n=0; same=0; decided=0
while read -r verb a b; do
	n=$((n + 1))
	got=$(sed -n "${n}p" "$list.none")
	case $got in
	ERROR*) continue ;;
	esac
	decided=$((decided + 1))
	[ "$got" = "$(sed -n "${n}p" "$list.got")" ] && same=$((same + 1))
done < "$list"
is "$same" "$decided" "without a fallback: the $decided merges decided are the same"

# next, built as the Cthulhu merge builds it (by git, topics that
# conflict skipped): each step must agree with git too.
next=$(git rev-parse master)
: > "$list.next"
i=1
while [ $i -le $NB ]; do
	echo "merge $next b$i" >> "$list.next"
	if tree=$(git merge-tree --write-tree "$next" "b$i" 2>/dev/null); then
		tick
		next=$(git commit-tree -p "$next" -p "b$i" \
			-m "Merge branch 'b$i' into next" "$tree")
	fi
	i=$((i + 1))
done
DESC="next step" compare_merges "$list.next"

# Hand-made criss-crosses whose two merge bases conflict in file f: a
# plain conflict, one at a last line without its newline, one in a file
# with CRLF line ends.  Both tips resolved f the same way and changed it
# on different lines since.
cc_case()
{
	local name=$1 base=$2 a=$3 b=$4 r=$5
	git checkout -q --orphan "$name-base" && git rm -q -rf . &&
	printf "$base" > f && printf 'g\n' > g && git add f g && tick &&
	git commit -q -m "$name base"
	git checkout -q -b "$name-a" && printf "$a" > f && tick &&
	git commit -q -am "$name a"
	git checkout -q -b "$name-b" "$name-base" && printf "$b" > f && tick &&
	git commit -q -am "$name b"
	git checkout -q -b "$name-a2" "$name-a" && tick &&
	{ git merge -q --no-edit "$name-b" >/dev/null 2>&1; true; } &&
	printf "$r" > f && git add f && tick && git commit -q --no-edit
	git checkout -q -b "$name-b2" "$name-b" && tick &&
	{ git merge -q --no-edit "$name-a" >/dev/null 2>&1; true; } &&
	printf "$r" > f && git add f && tick && git commit -q --no-edit
	git checkout -q "$name-a2" && printf 'top\n' > h && git add h &&
	tick && git commit -q -m "$name a3"
	git checkout -q "$name-b2" && printf 'g2\n' > g && tick &&
	git commit -q -am "$name b3"
	echo "merge $name-a2 $name-b2" >> "$list.hand"
	echo "merge $name-b2 $name-a2" >> "$list.hand"
}
: > "$list.hand"
cc_case plain 'x\ny\nz\n' 'x\nA\nz\n' 'x\nB\nz\n' 'x\nR\nz\n'
cc_case noeol 'x\ny' 'x\nA' 'x\nB' 'x\nR\n'
cc_case crlf 'x\r\ny\r\nz\r\n' 'x\r\nA\r\nz\r\n' 'x\r\nB\r\nz\r\n' 'x\r\nR\r\nz\r\n'
is "$(git merge-base --all plain-a2 plain-b2 | wc -l)" 2 "a hand-made criss-cross has two merge bases"
DESC="hand-made criss-cross" compare_merges "$list.hand"
"$MERGE_DRIVER" --fallback=none . < "$list.hand" > "$list.hand.none" 2>/dev/null
is "$(sed -n 1p "$list.hand.none")" "$(sed -n 1p "$list.hand.got")" \
	"a conflict inside the virtual base: the fast path gives git's tree"
is "$(sed -n 2p "$list.hand.none")" "$(sed -n 2p "$list.hand.got")" \
	"and the other way round"
like "$(sed -n 3p "$list.hand.none")" "incomplete line or CRLF" \
	"a conflict at a last line without its newline goes to git"
like "$(sed -n 5p "$list.hand.none")" "incomplete line or CRLF" \
	"a conflict in a file with CRLF line ends goes to git"
git checkout -q master

# The in-memory objects of virtual bases emptied before every merge
# (and the virtual bases forgotten): the same answers.
if have_test_hooks; then
	CTHULHU_TEST_MERGE_MEMPACK_MAX=0 "$MERGE_DRIVER" . < "$list" \
		> "$list.restart" 2>/dev/null
	is "$(cat "$list.restart")" "$(cat "$list.got")" \
		"virtual bases made again after the memory is emptied give the same answers"
fi

# The same pairs again in one process: the merges by commits are kept.
cat "$list" "$list" > "$list.twice"
"$MERGE_DRIVER" --verbose . < "$list.twice" > "$list.twice.got" 2> "$list.twice.log"
is "$(sed -n "1,$(wc -l < "$list")p" "$list.twice.got")" "$(cat "$list.got")" \
	"merging the pairs again gives the same answers"
is "$(tail -n "$(wc -l < "$list")" "$list.twice.got")" "$(cat "$list.got")" \
	"and the second time too"
log=$list.twice.log
# (pairs of the same commits twice in the list are found the first time)
while read -r verb a b; do
	echo "$(git rev-parse "$a") $(git rev-parse "$b")"
done < "$list" | sort -u > "$list.uniq"
is "$(stat commits-cached)" \
	"$(( 2 * $(wc -l < "$list") - $(wc -l < "$list.uniq") ))" \
	"the second time every merge is found by its two commits"

done_testing
