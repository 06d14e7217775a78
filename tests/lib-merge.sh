# Helpers for the merge tests (t02xx): build histories with the git CLI and
# compare merge-driver's merges with `git merge-tree --write-tree`.
# Sourced after tests/lib.sh.

MERGE_DRIVER=${MERGE_DRIVER:-$top_builddir/tests/merge-driver}

# rnd N: a seeded generator that any POSIX shell runs the same way: sets R
# to a number below N and moves SEED on (the test sets SEED first).
rnd()
{
	SEED=$(( (SEED * 1103515245 + 12345) % 2147483648 ))
	R=$(( SEED / 65536 % $1 ))
}

# git_merge A B: what git says, in merge-driver's format: the tree, or
# CONFLICT and the conflicted paths, sorted.
git_merge()
{
	local out rc
	out=$(git merge-tree --write-tree --name-only --no-messages "$1" "$2")
	rc=$?
	if [ $rc -eq 0 ]; then
		printf '%s\n' "$out" | head -n 1
	elif [ $rc -eq 1 ]; then
		printf 'CONFLICT'
		printf '%s\n' "$out" | tail -n +2 | LC_ALL=C sort -u |
			while read -r p; do printf ' %s' "$p"; done
		printf '\n'
	else
		echo "ERROR git merge-tree status $rc"
	fi
}

# lines N PREFIX: N numbered lines
lines()
{
	awk -v n="$1" -v p="$2" 'BEGIN { for (i = 1; i <= n; i++) print p " line " i }'
}

# edit_lines FILE FROM COUNT TEXT: replace COUNT lines from line FROM
edit_lines()
{
	awk -v f="$2" -v c="$3" -v t="$4" \
		'NR >= f && NR < f + c { print t " " NR; next } { print }' \
		"$1" > "$1.tmp" && mv "$1.tmp" "$1"
}

# insert_after FILE LINE TEXT
insert_after()
{
	awk -v l="$2" -v t="$3" '{ print } NR == l { print t }' \
		"$1" > "$1.tmp" && mv "$1.tmp" "$1"
}

commit_all()
{
	git add -A . && git commit -q --allow-empty -m "$1"
}

# random_file: F gets a tracked file
random_file()
{
	rnd "$(git ls-files | wc -l)"
	F=$(git ls-files | sed -n "$((R + 1))p")
}

# random_op TAG: one random change, committed
random_op()
{
	local f n a b tag=$1
	random_file
	f=$F
	[ -n "$f" ] && [ -f "$f" ] || f=x/f0
	n=$(wc -l < "$f")
	[ "$n" -gt 0 ] || n=1
	rnd "$n"; a=$((R + 1))
	rnd 3; b=$((R + 1))
	rnd 14
	case $R in
	0|1|2|3) edit_lines "$f" $a $b "$tag" ;;
	4) insert_after "$f" $a "$tag inserted" ;;
	5) lines $((a % 9 + 1)) "$tag" > "$(dirname "$f")/new-$tag" ;;
	6) git rm -q "$f" ;;
	7) git mv "$f" "$(dirname "$f")/ren-$tag" ;;
	8) git mv "$f" "$f.$tag" && edit_lines "$f.$tag" 1 1 "$tag" ;;
	9) chmod +x "$f" ;;
	10) printf 'bin\000%s\n' "$tag" > "$f" ;;
	11) edit_lines "$f" 1 1 "$tag"; edit_lines "$f" $n 1 "$tag" ;;
	12) git mv "$(dirname "$f")" "$(dirname "$f")-$tag" ;;
	13) lines 4 "$tag" > "$(dirname "$f")/dir-add-$tag" ;;
	esac
	commit_all "$tag"
}

# compare_merges FILE: FILE has lines "merge A B"; run the driver (extra
# driver options in DRIVER_OPTS) and git on each; one TAP result a pair.
# Sets FAST_COUNT to the merges the fast path decided (incremental ones too).
compare_merges()
{
	local list=$1 got want n=0 verb a b
	"$MERGE_DRIVER" --verbose ${DRIVER_OPTS:-} . < "$list" \
		> "$list.got" 2> "$list.log"
	FAST_COUNT=$(awk '$1 == "#" && $2 != "merges" &&
		($4 == "fast" || $4 == "incremental")' "$list.log" | wc -l)
	while read -r verb a b; do
		n=$((n + 1))
		got=$(sed -n "${n}p" "$list.got")
		want=$(git_merge "$a" "$b")
		is "$got" "$want" "${DESC:-merge} $a $b"
	done < "$list"
}
