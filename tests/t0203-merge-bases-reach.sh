#!/bin/sh
# Differential test of the merge bases of next and each topic as merge.c
# finds them from next's ancestry kept across merges (merge-reach.c),
# against `git merge-base --all` with a commit-graph (git's exact walk by
# generation numbers), on a seeded random history: a mainline, topics
# forked from different mainline commits, some merging the mainline or
# another topic (several merge bases), committer dates that go back in
# time along the history, and a next built from the topics as the
# Cthulhu merge builds it.  Asked in next's order, with the repository's
# commit-graph covering everything, part of it (next made after), and
# none (generation numbers counted from the parents).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge.sh"
test_init

git init -q -b master "$T/r" && cd "$T/r" || exit 1
SEED=${MERGE_SEED:-2031}
# date N: a committer date, N steps after the start
date_at()
{
	export GIT_COMMITTER_DATE="$((1700000000 + $1 * 60)) +0000"
	export GIT_AUTHOR_DATE=$GIT_COMMITTER_DATE
}
step=1000
# tick: the next date; one commit in five is dated hours before its
# parents, as a rebased or badly clocked commit is
tick()
{
	step=$((step + 1))
	rnd 5
	if [ "$R" -eq 0 ]; then
		date_at $((step - 300))
	else
		date_at $step
	fi
}

for d in x y z; do mkdir -p "$d"; done
for i in 0 1 2 3 4 5 6 7 8; do
	lines 20 "f$i" > "$(echo xyz | cut -c$((i % 3 + 1)))/f$i"
done
tick
commit_all base
git tag m0
k=1
while [ $k -le 8 ]; do
	tick
	random_op "main$k"
	git tag "m$k"
	k=$((k + 1))
done

NTOPICS=${MERGE_TOPICS:-16}
t=1
while [ $t -le $NTOPICS ]; do
	rnd 8
	git checkout -q -b "t$t" "m$R"
	rnd 3
	ops=$((R + 1))
	while [ $ops -gt 0 ]; do
		tick
		random_op "t$t.$ops"
		ops=$((ops - 1))
	done
	# some topics merge a later mainline commit or an earlier topic
	rnd 4
	if [ "$R" -eq 0 ]; then
		rnd 8
		tick
		git merge -q --no-edit -s ours "m$R" >/dev/null 2>&1
	elif [ "$R" -eq 1 ] && [ $t -gt 2 ]; then
		rnd $((t - 1))
		tick
		git merge -q --no-edit -s ours "t$((R + 1))" >/dev/null 2>&1
		tick
		random_op "t$t.after"
	fi
	t=$((t + 1))
done
git checkout -q master

# next from m4, as the Cthulhu merge builds it (topics git finds
# conflicting left out); the questions in next's order
next=$(git rev-parse m4)
list=$T/list
: > "$list"
t=1
while [ $t -le $NTOPICS ]; do
	echo "ancestor t$t $next" >> "$list"
	echo "bases $next t$t" >> "$list"
	if tree=$(git merge-tree --write-tree "$next" "t$t" 2>/dev/null); then
		tick
		next=$(git commit-tree -p "$next" -p "t$t" \
			-m "Merge branch 't$t' into next" "$tree")
	fi
	t=$((t + 1))
done
# and a topic next already has: its bases with next are itself
echo "ancestor t1 $next" >> "$list"
echo "bases $next t1" >> "$list"

# git's answers, with a commit-graph of everything (generation numbers)
git commit-graph write --reachable 2>/dev/null
want=$T/want
while read -r verb a b; do
	if [ "$verb" = ancestor ]; then
		if git merge-base --is-ancestor "$a" "$b"; then
			echo yes
		else
			echo no
		fi
	else
		git merge-base --all "$a" "$b" | LC_ALL=C sort | tr '\n' ' ' |
			sed 's/ $//'
		echo
	fi
done < "$list" > "$want"
several=$(awk 'NF > 1' "$want" | wc -l)
ok_several=0; [ "$several" -gt 0 ] && ok_several=1
is "$ok_several" 1 "some topics have several merge bases with next ($several)"

# ask: run NAME, then one result a question
ask()
{
	local name=$1 n=0 verb a b walks
	"$MERGE_DRIVER" --verbose . < "$list" > "$T/got.$name" \
		2> "$T/log.$name"
	while read -r verb a b; do
		n=$((n + 1))
		is "$(sed -n "${n}p" "$T/got.$name")" "$(sed -n "${n}p" "$want")" \
			"$name: $verb $a $b"
	done < "$list"
	walks=$(awk '$2 == "merges" { for (i = 2; i < NF; i++) if ($i == "reach-walks") print $(i + 1) }' \
		"$T/log.$name")
	ok_walks=0; [ "${walks:-0}" -gt 0 ] && ok_walks=1
	is "$ok_walks" 1 "$name: the bases come from next's ancestry ($walks walks)"
}

ask graph
# a commit-graph of the topics and tags only: next's merges are counted
rm -f .git/objects/info/commit-graph
git for-each-ref --format='%(objectname)' 'refs/heads/t*' 'refs/tags/*' |
	git commit-graph write --stdin-commits
ok_part=0
[ -f .git/objects/info/commit-graph ] && ok_part=1
is "$ok_part" 1 "a commit-graph of the topics and tags alone"
ask partial
rm -f .git/objects/info/commit-graph
ask counted

done_testing
