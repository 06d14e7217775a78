#!/bin/sh
# Differential test of merge.c's incremental path against `git merge-tree
# --write-tree`: next is built from seeded random topics, then topics in
# the middle move, round after round, and next is built again from the
# moved topic on, in the same process, so that each later merge starts
# from the one before the move (method "incremental").  The moves edit
# paths later topics change and paths none does, delete and rename paths
# later topics change, make conflicts with later topics and revert them
# (conflicts appearing and going away), or are random changes of any
# kind.  Every merge must give git's tree, or conflict exactly when git
# does on the same paths.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge.sh"
test_init

git init -q -b master "$T/r" && cd "$T/r" || exit 1
SEED=${MERGE_SEED:-1919}
export GIT_COMMITTER_DATE='1700000000 +0000' GIT_AUTHOR_DATE='1700000000 +0000'
for d in x/a x/b y z/w/v; do mkdir -p "$d"; done
i=0
while [ $i -lt 36 ]; do
	case $((i % 4)) in
	0) f=x/a/f$i ;; 1) f=x/b/f$i ;; 2) f=y/f$i ;; *) f=z/w/v/f$i ;;
	esac
	lines 30 "$f" > "$f"
	i=$((i + 1))
done
commit_all base
git tag m0
for k in 1 2 3; do
	random_op "main$k"
	git tag "m$k"
done

# topic_op TAG: a change a topic makes, mostly line edits
topic_op()
{
	local n
	rnd 10
	if [ "$R" -ge 7 ]; then
		random_op "$1"
		return
	fi
	random_file
	[ -f "$F" ] || F=x/a/f0
	n=$(wc -l < "$F")
	[ "$n" -gt 2 ] || n=3
	rnd $((n - 2))
	edit_lines "$F" $((R + 1)) 2 "$1"
	commit_all "$1"
}

NTOPICS=${MERGE_TOPICS:-12}
t=1
while [ $t -le $NTOPICS ]; do
	rnd 4
	git checkout -q -b "t$t" "m$R"
	rnd 3
	ops=$((R + 1))
	while [ $ops -gt 0 ]; do
		topic_op "t$t.$ops"
		ops=$((ops - 1))
	done
	t=$((t + 1))
done
git checkout -q master

# $T/chain: line i+1 is next after topic i (line 1: the base m3)
list=$T/list
: > "$list"
git rev-parse m3 > "$T/chain"
# build_from K: next built again by git from topic K on, the way the
# Cthulhu merge builds it (topics that conflict skipped), each merge
# asked of the driver too
build_from()
{
	local k=$1 next tree
	next=$(sed -n "${k}p" "$T/chain")
	head -n "$k" "$T/chain" > "$T/chain.new"
	t=$k
	while [ $t -le $NTOPICS ]; do
		echo "merge $next t$t" >> "$list"
		if tree=$(git merge-tree --write-tree "$next" "t$t" 2>/dev/null); then
			next=$(git commit-tree -p "$next" -p "t$t" \
				-m "Merge branch 't$t' into next" "$tree")
		fi
		echo "$next" >> "$T/chain.new"
		t=$((t + 1))
	done
	mv "$T/chain.new" "$T/chain"
}
build_from 1

# later_path K: P gets a file a topic after K changes ("" when none)
later_path()
{
	local j=$(( $1 + 1 ))
	P=
	while [ $j -le $NTOPICS ] && [ -z "$P" ]; do
		P=$(git diff --name-only --diff-filter=M "m0...t$j" | head -n 1)
		j=$((j + 1))
	done
}

# untouched_path K: P gets a file no topic after K changes
untouched_path()
{
	local j=$(( $1 + 1 )) f
	: > "$T/touched"
	while [ $j -le $NTOPICS ]; do
		git diff --name-only "m0...t$j" >> "$T/touched"
		j=$((j + 1))
	done
	P=
	for f in $(git ls-files); do
		grep -qxF "$f" "$T/touched" || { P=$f; break; }
	done
}

# move K KIND: a new commit on topic K
move()
{
	local k=$1 kind=$2 tag="move$ROUND"
	git checkout -q "t$k"
	case $kind in
	touch)
		later_path "$k"
		[ -n "$P" ] && [ -f "$P" ] || P=x/a/f0
		edit_lines "$P" 10 3 "$tag" ;;
	untouched)
		untouched_path "$k"
		[ -n "$P" ] && [ -f "$P" ] && edit_lines "$P" 5 2 "$tag" ||
			lines 3 "$tag" > "y/new-$tag" ;;
	delete)
		later_path "$k"
		[ -n "$P" ] && [ -f "$P" ] && git rm -q "$P" ;;
	rename)
		later_path "$k"
		[ -n "$P" ] && [ -f "$P" ] && git mv "$P" "$P.$tag" ;;
	conflict)
		later_path "$k"
		[ -n "$P" ] && [ -f "$P" ] || P=x/a/f0
		lines "$(wc -l < "$P")" "$tag everywhere" > "$P" ;;
	revert)
		git revert -q --no-edit HEAD >/dev/null ;;
	random)
		random_op "$tag" ;;
	esac
	git add -A . && git commit -q --allow-empty -m "t$k: $tag" 2>/dev/null
	git checkout -q master
	KINDS="$KINDS $kind"
}

ROUND=0
KINDS=
for kind in touch untouched delete conflict revert rename random touch \
	untouched conflict revert random; do
	ROUND=$((ROUND + 1))
	if [ "$kind" = revert ]; then
		k=$conflict_k	# the conflict made goes away
	else
		rnd $((NTOPICS - 2))
		k=$((R + 2))
	fi
	[ "$kind" = conflict ] && conflict_k=$k
	move "$k" "$kind"
	build_from "$k"
done

DESC="incremental" compare_merges "$list"
incr=$(awk '$1 == "#" && $4 == "incremental"' "$list.log" | wc -l)
is "$([ "$incr" -gt 0 ] && echo yes)" yes \
	"the incremental path made some of the merges ($incr of $(wc -l < "$list"))"
conflicts=$(grep -c '^CONFLICT' "$list.got")
is "$([ "$conflicts" -gt 0 ] && echo yes)" yes "some merges conflict ($conflicts)"
is "$(awk '$1 == "#" && $4 == "incremental" && $5 !~ /^bases=/' "$list.log" | wc -l)" 0 \
	"an incremental merge has no fallback reason"

# the same without a fallback: the merges decided are the same
"$MERGE_DRIVER" --fallback=none . < "$list" > "$list.none"
n=0 same=0 decided=0
while read -r line; do
	n=$((n + 1))
	case $line in
	ERROR*) ;;
	*)	decided=$((decided + 1))
		[ "$line" = "$(sed -n "${n}p" "$list.got")" ] && same=$((same + 1)) ;;
	esac
done < "$list.none"
is "$same" "$decided" "without a fallback: the $decided merges decided are the same"
done_testing
