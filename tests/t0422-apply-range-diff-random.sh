#!/bin/sh
# Range-diff against git on generated series: each round makes a series
# of 2 to 6 patches changing lines of four files, and a v2 that drops a
# patch, adds one, reverses their order, changes one more line in a
# patch or rewords one; `cthulhu show V2 --range-diff` must print what
# `git range-diff` prints for the same patches applied with git am, the
# SHA1s aside.  SEED (default 1) and ROUNDS (default 10) pick the rounds.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

seed=${SEED:-1}
rounds=${ROUNDS:-10}
git init -q --bare "$T/src.git"
git init -q -b master "$T/dev"
cd "$T/dev" || exit 1
for f in a b c d; do
	seq 1 80 | sed "s/^/$f/" >"$f.txt"
done
git add . && git commit -q -m 'Initial' && git tag base
git push -q "$T/src.git" master base master:pmu
git clone -q "$T/src.git" "$T/am" 2>/dev/null

write_config "$T/cthulhu.conf" "$T/src.git" \
	'[topic "pmu"]' '	order = 1' '[apply]' '	link = '
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing

# The plan: per round "N FILE:LINE... | KIND X", lines 2 apart at least
# in one file so that every patch applies in any order; the kinds of v2
# in turn.
awk -v seed="$seed" -v rounds="$rounds" 'BEGIN {
	srand(seed)
	for (r = 0; r < rounds; r++) {
		n = 2 + int(rand() * 5)
		split("", used)
		line = n
		for (i = 0; i < n; i++) {
			do {
				f = substr("abcd", 1 + int(rand() * 4), 1)
				l = 1 + int(rand() * 75)
			} while (used[f, l] || used[f, l - 1] || used[f, l + 1] ||
				 used[f, l + 2] || used[f, l - 2])
			used[f, l] = 1
			line = line " " f ":" l
		}
		print line " | " r % 5 " " int(rand() * 100)
	}
}' >"$T/plan"

# patch FILE LINE BODY [MORE]: change LINE of FILE (and the next with MORE)
patch()
{
	sed -i "s/^$1$2\$/$1$2 changed/" "$1.txt"
	[ -n "${4:-}" ] && sed -i "s/^$1$(($2 + 1))\$/$1$(($2 + 1)) too/" "$1.txt"
	GIT_AUTHOR_DATE="1700000000 +0000" git commit -q -am "$1: Change $2" -m "$3"
}

r=0
while read -r n rest; do
	r=$((r + 1))
	pat=${rest%% |*}
	kind=${rest##*| }
	x=${kind#* }
	kind=${kind%% *}
	k=$((x % n + 1))
	for v in 1 2; do
		git checkout -q -B "r$r-$v" base
		list=$pat
		if [ "$v" = 2 ]; then
			case $kind in
			0) list=$(echo "$pat" | awk -v k="$k" '{ for (i = 1; i <= NF; i++) if (i != k) printf "%s ", $i }') ;;
			1) list="$pat new" ;;
			2) list=$(echo "$pat" | awk '{ for (i = NF; i >= 1; i--) printf "%s ", $i }') ;;
			esac
		fi
		i=0
		for p in $list; do
			i=$((i + 1))
			if [ "$p" = new ]; then
				seq 1 5 >"new$r.txt" && git add "new$r.txt"
				GIT_AUTHOR_DATE="1700000000 +0000" git commit -q -m "Add new$r"
				continue
			fi
			more= body='Why it changes.'
			[ "$v" = 2 ] && [ "$kind" = 3 ] && [ "$i" = "$k" ] && more=1
			[ "$v" = 2 ] && [ "$kind" = 4 ] && [ "$i" = "$k" ] && body='Why, in better words.'
			patch "${p%%:*}" "${p##*:}" "$body" $more
		done
		git format-patch -q --cover-letter --thread=shallow -v"$v" \
			-o "$T/r$r-v$v" base..HEAD
		sed -i "s/\*\*\* SUBJECT HERE \*\*\*/Round $r/" "$T/r$r-v$v"/*0000-*.patch
		sed -i "s/\.git\.committer@example\.com>/.r$r-$v&/" "$T/r$r-v$v"/*.patch
		cat "$T/r$r-v$v"/*.patch >"$T/r$r-v$v.mbox"
		cth submit "$T/r$r-v$v.mbox" >/dev/null
	done
	id=$(sql "SELECT id FROM series WHERE name = 'Round $r' AND version = 2")
	(
		cd "$T/am" || exit 1
		for v in 1 2; do
			git checkout -q -B "am$r-$v" base
			git am -q "$T/r$r-v$v"/*000[1-9]-*.patch || exit 1
		done
		git range-diff --no-color "base..am$r-1" "base..am$r-2"
	) >"$T/git$r" 2>"$T/git$r.err"
	is "$?" 0 "round $r: git am and git range-diff run"
	run show "$id" --range-diff
	printf '%s\n' "$out" >"$T/cth$r"
	sed 's/[0-9a-f]\{7\}/SHA/g' "$T/git$r" >"$T/git$r.text"
	sed 's/[0-9a-f]\{7\}/SHA/g' "$T/cth$r" >"$T/cth$r.text"
	check "round $r ($n patches, $rest): the output is git range-diff's" \
		cmp -s "$T/git$r.text" "$T/cth$r.text"
	cmp -s "$T/git$r.text" "$T/cth$r.text" ||
		diff -u "$T/git$r.text" "$T/cth$r.text" | sed 's/^/# /' | head -30
done <"$T/plan"

cat "$T"/cth[0-9]* >"$T/all"
for m in '=' '!' '<' '>'; do
	check "the rounds show the marker $m" \
		grep -q "^ *[0-9-]*:  [0-9a-f-]\{7\} $m " "$T/all"
done

done_testing
