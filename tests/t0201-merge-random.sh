#!/bin/sh
# Differential test of merge.c against `git merge-tree --write-tree` on
# seeded random histories: a mainline that moves on, topics forked from
# different mainline commits doing random edits (overlapping and adjacent
# line edits, adds, deletes, renames with and without edits, folder
# renames and adds into folders, mode changes, binary files), a `next`
# built from them the way the Cthulhu merge builds it, and criss-cross
# merges.  Every merge must give git's
# tree, or conflict exactly when git does on the same paths.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge.sh"
test_init

git init -q -b master "$T/r" && cd "$T/r" || exit 1
SEED=${MERGE_SEED:-4242}
NFILES=24
for d in x y z/w; do mkdir -p "$d"; done
i=0
while [ $i -lt $NFILES ]; do
	case $((i % 3)) in
	0) f=x/f$i ;; 1) f=y/f$i ;; *) f=z/w/f$i ;;
	esac
	lines 30 "$f" > "$f"
	i=$((i + 1))
done
commit_all base

# Mainline: six commits, each tagged m0..m5.
git tag m0
for k in 1 2 3 4 5; do
	random_op "main$k"
	git tag "m$k"
done

# Topics: each forks from a random mainline tag and makes 1-4 changes.
NTOPICS=${MERGE_TOPICS:-14}
t=1
while [ $t -le $NTOPICS ]; do
	rnd 6
	git checkout -q -b "t$t" "m$R"
	rnd 4
	ops=$((R + 1))
	while [ $ops -gt 0 ]; do
		random_op "t$t.$ops"
		ops=$((ops - 1))
	done
	t=$((t + 1))
done

# Every topic against the mainline tip and against one other topic.
list=$T/list
: > "$list"
t=1
while [ $t -le $NTOPICS ]; do
	echo "merge master t$t" >> "$list"
	echo "merge t$t t$(( (t % NTOPICS) + 1 ))" >> "$list"
	t=$((t + 1))
done
DESC="random pair" compare_merges "$list"
pairs_fast=$FAST_COUNT

# next, built as the Cthulhu merge builds it (by git, topics that
# conflict skipped): each step's merge must agree with git too.
export GIT_COMMITTER_DATE='1700000000 +0000' GIT_AUTHOR_DATE='1700000000 +0000'
next=$(git rev-parse m2)
: > "$list.next"
t=1
while [ $t -le $NTOPICS ]; do
	echo "merge $next t$t" >> "$list.next"
	if tree=$(git merge-tree --write-tree "$next" "t$t" 2>/dev/null); then
		next=$(git commit-tree -p "$next" -p "t$t" \
			-m "Merge branch 't$t' into next" "$tree")
	fi
	t=$((t + 1))
done
DESC="next step" compare_merges "$list.next"
next_fast=$FAST_COUNT
ok_fast=0
[ $((pairs_fast + next_fast)) -gt 0 ] && ok_fast=1
is "$ok_fast" 1 "the fast path decided some merges ($pairs_fast pairs, $next_fast next steps)"

# Criss-cross: two topics that merged each other, then moved on.
git checkout -q -b cc1 t1 && random_op cc1a
git checkout -q -b cc2 t2 && random_op cc2a
git checkout -q cc1 && git merge -q --no-edit cc2~1 >/dev/null 2>&1 ||
	{ git merge --abort; git merge -q --no-edit -s ours cc2~1; }
git checkout -q cc2 && git merge -q --no-edit cc1~1 >/dev/null 2>&1 ||
	{ git merge --abort; git merge -q --no-edit -s ours cc1~1; }
git checkout -q cc1 && random_op cc1b
git checkout -q cc2 && random_op cc2b
is "$(git merge-base --all cc1 cc2 | wc -l)" 2 "criss-cross has two merge bases"
echo "merge cc1 cc2" > "$list.cc"
echo "merge cc2 cc1" >> "$list.cc"
DESC="criss-cross" compare_merges "$list.cc"
"$MERGE_DRIVER" --fallback=none . < "$list.cc" > "$list.cc.none"
got=$(head -n 1 "$list.cc.none")
case $got in
ERROR*) like "$got" "^ERROR fast merge undecided: .*(virtual merge base|merge bases)" \
	"the fast path says why it cannot make the virtual merge base" ;;
*) is "$got" "$(head -n 1 "$list.cc.got")" \
	"the fast path makes the virtual merge base itself" ;;
esac
echo "bases cc1 cc2" | "$MERGE_DRIVER" . > "$list.cc.bases"
is "$(cat "$list.cc.bases")" \
	"$(git merge-base --all cc1 cc2 | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" \
	"criss-cross merge bases are git's"

done_testing
