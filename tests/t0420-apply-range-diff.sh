#!/bin/sh
# Range-diff between versions: for v1 and v2 of a series, `cthulhu show
# V2 --range-diff` (both versions applied in memory onto the topic's tip)
# pairs the commits as `git range-diff base..v1 base..v2` does on the
# same patches applied with `git am`, in the same order with the same
# markers (=, !, <, >) and subjects; the SHA1s differ only by the
# committer's date, so they are left out of the comparison.  Cases:
# unchanged, reworded, a patch modified, added, removed, reordered; and a
# version naming its base with base-commit:.  Nothing of the tree moves.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

now=$(date +%s)
git init -q --bare "$T/src.git"
git init -q -b master "$T/dev"
cd "$T/dev" || exit 1
seq 1 60 >a.txt
seq 100 140 >b.txt
git add . && git commit -q -m 'Initial' && git tag base
git push -q "$T/src.git" master base master:pmu

# commit FILE LINE NEW SUBJECT [BODY]: change one line of FILE
commit()
{
	sed -i "s/^$2\$/$3/" "$1"
	GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
	GIT_AUTHOR_DATE="$((now - 500)) +0000" \
		git commit -q -am "$4" -m "${5:-Why: $4.}"
}

newfile()
{
	seq "$2" "$3" >"$1" && git add "$1"
	GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
	GIT_AUTHOR_DATE="$((now - 500)) +0000" \
		git commit -q -m "$4" -m "Why: $4."
}

p1() { commit a.txt 5 five "pmu: Name five in $1"; }
p2() { commit a.txt 30 thirty "pmu: Name thirty in $1" "${2:-}"; }
p3() { newfile "c-$1.txt" 1 9 "pmu: Add c of $1"; }

# mbox CASE VERSION: format-patch base..HEAD into $T/CASE-vVERSION/
mbox()
{
	GIT_COMMITTER_NAME='Pat Author' GIT_COMMITTER_EMAIL=pat@example.org \
	git format-patch -q --cover-letter --thread=shallow -v"$2" \
		${3:+--base=base} -o "$T/$1-v$2" base..HEAD
	sed -i "s/\*\*\* SUBJECT HERE \*\*\*/pmu: Case $1/" \
		"$T/$1-v$2"/*0000-cover-letter.patch
	# Mail made in one second from like commits shares Message-IDs.
	sed -i "s/\.git\.pat@example\.org>/.$1-$2&/" "$T/$1-v$2"/*.patch
	cat "$T/$1-v$2"/*.patch >"$T/$1-v$2.mbox"
}

# Each case: v1 on branch CASE-1, v2 on CASE-2, both from base.
git checkout -q -b unchanged-1 base && p1 unchanged && p2 unchanged && p3 unchanged
mbox unchanged 1
git checkout -q -b unchanged-2 base && p1 unchanged && p2 unchanged && p3 unchanged
mbox unchanged 2

git checkout -q -b reworded-1 base && p1 reworded && p2 reworded && p3 reworded
mbox reworded 1
git checkout -q -b reworded-2 base && p1 reworded &&
	p2 reworded 'A better reason, as review asked.' && p3 reworded
mbox reworded 2

git checkout -q -b modified-1 base && p1 modified && p2 modified && p3 modified
mbox modified 1
git checkout -q -b modified-2 base && p1 modified && {
	sed -i 's/^31$/thirty-one/' a.txt
	p2 modified
} && p3 modified
mbox modified 2

git checkout -q -b added-1 base && p1 added && p2 added
mbox added 1
git checkout -q -b added-2 base && p1 added && p3 added && p2 added
mbox added 2

git checkout -q -b removed-1 base && p1 removed && p2 removed && p3 removed
mbox removed 1
git checkout -q -b removed-2 base && p1 removed && p3 removed
mbox removed 2

git checkout -q -b reordered-1 base && p1 reordered && p2 reordered && p3 reordered
mbox reordered 1
git checkout -q -b reordered-2 base && p3 reordered && p1 reordered && p2 reordered
mbox reordered 2

# base-commit: names base while the topic moves on (below)
git checkout -q -b based-1 base && p1 based && p2 based
mbox based 1 with-base
git checkout -q -b based-2 base && p2 based && commit b.txt 120 x120 "pmu: Name 120"
mbox based 2 with-base
cd "$T" || exit 1

write_config "$T/cthulhu.conf" "$T/src.git" \
	'[topic "pmu"]' '	order = 1' '[apply]' '	link = '
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing

# git's side: each version applied with git am onto base, then
# git range-diff; its pair lines without the SHA1s.
git clone -q "$T/src.git" "$T/am" 2>/dev/null
pairs()
{
	sed -n 's/^ *\([0-9-]*\): *[0-9a-f-]\{7,\} \([=!<>]\) *\([0-9-]*\): *[0-9a-f-]\{7,\} \(.*\)$/\1 \2 \3 \4/p'
}
git_range_diff()
{
	(
		cd "$T/am" || exit 1
		for v in 1 2; do
			git checkout -q -B "am-$1-$v" base
			GIT_COMMITTER_DATE="$now +0000" \
				git am -q "$T/$1-v$v"/*000[1-9]-*.patch || exit 1
		done
		git range-diff --no-color "base..am-$1-1" "base..am-$1-2"
	)
}

# next is built once at start-up; after that nothing may write to the tree.
wait_for 20 git --git-dir="$T/src.git" rev-parse -q --verify refs/heads/next
ok "next is built"
git --git-dir="$T/src.git" for-each-ref | sort >"$T/refs-before"
objects_before=$(git --git-dir="$T/src.git" count-objects -v | sed -n 's/^count: //p')

# check_case CASE WANT: submit both versions; compare with git
check_case()
{
	local c=$1 want=$2 v1 v2
	run submit "$T/$c-v1.mbox"
	run submit "$T/$c-v2.mbox"
	v1=$(sql "SELECT id FROM series WHERE name = 'pmu: Case $c' AND version = 1")
	v2=$(sql "SELECT id FROM series WHERE name = 'pmu: Case $c' AND version = 2")
	is "$(sql "SELECT supersedes FROM series WHERE id = $v2")" "$v1" \
		"$c: v2 supersedes v1"
	git_range_diff "$c" >"$T/$c.git" 2>"$T/$c.git.err"
	is "$?" 0 "$c: git am and git range-diff run"
	run show "$v2" --range-diff
	is "$rc" 0 "$c: cthulhu show --range-diff answers"
	printf '%s\n' "$out" >"$T/$c.cth"
	pairs <"$T/$c.git" >"$T/$c.git.pairs"
	pairs <"$T/$c.cth" >"$T/$c.cth.pairs"
	is "$(cut -d' ' -f1-3 "$T/$c.cth.pairs" | tr '\n' ',')" "$want" \
		"$c: the pairs are $want"
	is "$(cat "$T/$c.cth.pairs")" "$(cat "$T/$c.git.pairs")" \
		"$c: the pairs, markers and subjects are git range-diff's"
	# The whole text, SHA1s aside (the diff of diffs too).
	sed 's/[0-9a-f]\{7\}/SHA/g' "$T/$c.git" >"$T/$c.git.text"
	sed 's/[0-9a-f]\{7\}/SHA/g' "$T/$c.cth" >"$T/$c.cth.text"
	check "$c: the whole output is git range-diff's but for the SHA1s" \
		cmp -s "$T/$c.git.text" "$T/$c.cth.text"
	cmp -s "$T/$c.git.text" "$T/$c.cth.text" ||
		diff -u "$T/$c.git.text" "$T/$c.cth.text" | sed 's/^/# /' | head -40
	# Asked of v1, the same answer.
	run show "$v1" --range-diff
	is "$(printf '%s\n' "$out" | pairs)" "$(cat "$T/$c.cth.pairs")" \
		"$c: asked of v1, the same pairs"
}

check_case unchanged '1 = 1,2 = 2,3 = 3,'
check_case reworded '1 = 1,2 ! 2,3 = 3,'
check_case modified '1 = 1,2 ! 2,3 = 3,'
check_case added '1 = 1,- > 2,2 = 3,'
check_case removed '1 = 1,2 < -,3 = 2,'
check_case reordered '3 = 1,1 = 2,2 = 3,'

git --git-dir="$T/src.git" for-each-ref | sort >"$T/refs-after"
check "no ref of the tree moved" cmp -s "$T/refs-before" "$T/refs-after"
objects_after=$(git --git-dir="$T/src.git" count-objects -v | sed -n 's/^count: //p')
is "$objects_after" "$objects_before" \
	"no object was written to the tree: both versions stayed in memory"

like "$(cat "$T/reworded.cth")" '^    \+    A better reason, as review asked\.$' \
	"reworded: the diff of diffs shows the new message line"
like "$(cat "$T/modified.cth")" '^    \+\+thirty-one$' \
	"modified: the diff of diffs shows the new line of the patch"

# --- JSON -----------------------------------------------------------------------

v2=$(sql "SELECT id FROM series WHERE name = 'pmu: Case removed' AND version = 2")
run show "$v2" --range-diff --json
is "$rc" 0 "--json answers"
is "$(printf '%s' "$out" | jq -r '[.pairs[] | .status] | join("")')" '=<=' \
	"the JSON pairs carry the markers in order"
is "$(printf '%s' "$out" | jq -r '.pairs[1].old.subject')" \
	'pmu: Name thirty in removed' "a removed pair names the old commit's subject"
is "$(printf '%s' "$out" | jq -r '.pairs[1].new')" null "and no new commit"
is "$(printf '%s' "$out" | jq -r '.old.base_from + " " + .new.base_from')" \
	'pmu pmu' "both versions went onto the topic's tip"
is "$(printf '%s' "$out" | jq -r '.old.base')" \
	"$(git --git-dir="$T/src.git" rev-parse pmu)" "the base is the topic's tip"

# --- base-commit: -----------------------------------------------------------------

# The topic moves on with a change that conflicts with the based series;
# the versions name base, and go there.
git clone -q "$T/src.git" "$T/mover" 2>/dev/null
(
	cd "$T/mover" && git checkout -q pmu &&
	sed -i 's/^30$/THIRTY/' a.txt && git commit -q -am 'pmu: Take thirty' &&
	git push -q origin pmu
)
run poke
check_case based '1 < -,2 ! 1,- > 2,'
v2=$(sql "SELECT id FROM series WHERE name = 'pmu: Case based' AND version = 2")
run show "$v2" --range-diff --json
is "$(printf '%s' "$out" | jq -r '.new.base_from + " " + .new.base')" \
	"base-commit $(git --git-dir="$T/src.git" rev-parse base)" \
	"a version with base-commit: goes onto that commit"

# --- errors, and nothing moved ------------------------------------------------------

v1=$(sql "SELECT id FROM series WHERE name = 'pmu: Case removed' AND version = 1")
run show "$v1" --range-diff --topic nosuch
like "$err" "unknown topic 'nosuch'" "an unknown topic is refused, by name"
(
	cd "$T/dev" && git checkout -q -b lone base && newfile lone.txt 1 3 'pmu: Lone' &&
	git format-patch -q -o "$T/lone" base..HEAD
)
run submit "$T"/lone/*.patch
lid=$(sql "SELECT id FROM series WHERE name = 'pmu: Lone'")
run show "$lid" --range-diff
like "$err" "series $lid has no other version" "a series of one version says so"
check "and fails" test "$rc" -ne 0

done_testing
