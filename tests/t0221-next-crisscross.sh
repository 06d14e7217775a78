#!/bin/sh
# The Cthulhu merge in the daemon on a criss-cross history: topics that
# merged each other and mainline, so that their merges into next have
# several merge bases.  next's merges have git merge-tree's trees, made
# by the fast path (virtual merge bases in memory, no git process); the
# virtual bases are memoised across builds and kept in the database
# across restarts; a virtual base git gc pruned since is made again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

NOW=1700000000
tick()
{
	NOW=$((NOW + 1))
	export GIT_COMMITTER_DATE="$NOW +0000" GIT_AUTHOR_DATE="$NOW +0000"
}
tick
make_repo "$T/src"
cd "$T/src" || exit 1
mkdir src
for f in a b c d m; do seq 1 30 | sed "s/^/$f /" > "src/$f"; done
git add . && tick && git commit -q -m 'files' && git tag v1.0
# edit BRANCH FILE LINE: commit a change of one line on BRANCH
edit()
{
	git checkout -q "$1" && sed -i "$3s/.*/$1 was here $NOW/" "src/$2" &&
	tick && git commit -q -am "$1: $2:$3"
}
for t in t1 t2 t3 t4; do git branch "$t" v1.0; done
edit master m 3
edit t1 a 5
edit t2 b 5
edit t1 a 20
edit t2 b 20
# t1 and t2 merge each other's first commits: a criss-cross
git checkout -q t1 && tick && git merge -q --no-edit t2~1
git checkout -q t2 && tick && git merge -q --no-edit t1~2
edit t1 a 25
edit t2 b 25
# t3 merges both and mainline; t4 merges t3's and t1's older commits
edit t3 c 5
git checkout -q t3 && tick && git merge -q --no-edit t1~1
git checkout -q t3 && tick && git merge -q --no-edit t2~1
git checkout -q t3 && tick && git merge -q --no-edit master
edit t3 c 25
edit t4 d 5
git checkout -q t4 && tick && git merge -q --no-edit t3~1
git checkout -q t4 && tick && git merge -q --no-edit t2~2
edit t4 d 25
git checkout -q master
git push -q origin master v1.0 t1 t2 t3 t4
cd "$T" || exit 1
G="git --git-dir=$T/src.git"

topics=''
for i in 1 2 3 4; do
	topics="$topics[topic \"t$i\"]
	order = $i
"
done
write_config "$T/cthulhu.conf" "$T/src.git" "$topics" '[next]' \
	'	debounce = 60000'
git config -f "$T/cthulhu.conf" tree.base v1.0

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"
startup_build_done()
{
	[ "$(sql "SELECT count(*) FROM builds WHERE trigger = 'startup' AND
		state = 'done'")" = 1 ]
}
check "next is built at start-up" wait_for 30 startup_build_done

# check_next DESC: every merge of next has git merge-tree's tree; sets
# MULTI to the merges of several merge bases
check_next()
{
	local c p1 p2 bad=0
	MULTI=0
	for c in $($G rev-list --first-parent next --not v1.0); do
		p1=$($G rev-parse "$c^1")
		p2=$($G rev-parse "$c^2")
		[ "$($G merge-tree --write-tree "$p1" "$p2")" = \
		  "$($G rev-parse "$c^{tree}")" ] || bad=$((bad + 1))
		[ "$($G merge-base --all "$p1" "$p2" | wc -l)" -lt 2 ] ||
			MULTI=$((MULTI + 1))
	done
	is "$bad" 0 "$1"
}
is "$($G rev-list --first-parent --count next --not v1.0)" 4 \
	"four merges on v1.0"
check_next "each merge has git merge-tree's tree"
is "$MULTI" 2 "two of them have several merge bases"
is "$(sql "SELECT group_concat(method, ',') FROM (SELECT method FROM
	build_topics WHERE build = 1 ORDER BY pos)")" "fast,fast,fast,fast" \
	"the fast path made them all, virtual merge bases included"
is "$(sql "SELECT fallbacks FROM builds WHERE id = 1")" 0 "no git process"
made=$(sql "SELECT virtual_merges FROM builds WHERE id = 1")
is "$([ "$made" -gt 0 ] && echo yes)" yes \
	"the build made virtual merge bases ($made merges)"
kept=$(sql "SELECT count(*) FROM virtual_bases")
is "$([ "$kept" -gt 0 ] && echo yes)" yes "and kept them ($kept)"
tree1=$($G rev-parse "next^{tree}")

# a full rebuild in the same process: the virtual bases are memoised
api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
is "$status" 200 "a full rebuild"
is "$(jget "$body" '$.virtual_merges')" 0 "makes no virtual base again"
is "$(sql "SELECT group_concat(method, ',') FROM (SELECT method FROM
	build_topics WHERE build = 2 ORDER BY pos)")" "cached,cached,cached,cached" \
	"every merge is one made before"
is "$(jget "$body" '$.merges_reused')" 0 "while merging every topic again"
is "$($G rev-parse "next^{tree}")" "$tree1" "with the same tree"

# forget_merges: the daemon (stopped) forgets the merges it memoised,
# which it keeps across restarts too (t0223), so that the next build
# merges again, from the virtual bases
forget_merges()
{
	sqlite3 "$T/state/cthulhu.db" "DELETE FROM merge_memo"
}

# a restart: the virtual bases come from the database
stop_daemon
forget_merges
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
is "$(jget "$body" '$.virtual_merges')" 0 \
	"after a restart a full rebuild makes no virtual base again"
is "$([ "$(jget "$body" '$.virtual_bases_reused')" -gt 0 ] && echo yes)" yes \
	"it finds them in the database"
check_next "and each merge has git merge-tree's tree"

# restart_full_rebuild START DONE FIELD FIELD_DESC CHECK_DESC TREE_DESC:
# start cthulhud (START), ask for a full rebuild, which is done (DONE),
# with the count FIELD of its answer above 0 (FIELD_DESC), each merge
# has git merge-tree's tree (CHECK_DESC) and next the tree of the first
# build (TREE_DESC)
restart_full_rebuild()
{
	forget_merges
	start_daemon "$T/cthulhu.conf"
	ok "$1"
	api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
	is "$(jget "$body" '$.state')" done "$2"
	is "$([ "$(jget "$body" "$3")" -gt 0 ] && echo yes)" yes "$4"
	check_next "$5"
	is "$($G rev-parse "next^{tree}")" "$tree1" "$6"
}

# git gc prunes a folder of a virtual base and not the virtual base's
# own tree: git merges this time, and the virtual bases are made again
stop_daemon
tops=$(sql "SELECT tree FROM virtual_bases")
gone=0
for o in $($G fsck --unreachable --no-reflogs 2>/dev/null |
	   awk '$2 == "tree" { print $3 }'); do
	case " $(echo $tops) " in
	*" $o "*) continue ;;
	esac
	f=$T/src.git/objects/$(echo "$o" | cut -c1-2)/$(echo "$o" | cut -c3-)
	[ -f "$f" ] && rm -f "$f" && gone=$((gone + 1))
done
is "$([ "$gone" -gt 0 ] && echo yes)" yes "some folders of virtual bases pruned ($gone)"
restart_full_rebuild "cthulhud starts with them gone" \
	"a full rebuild then is done" \
	'$.fallbacks' "asking git where a virtual base cannot be read" \
	"each merge has git merge-tree's tree" "the same tree as before"
api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
is "$(jget "$body" '$.fallbacks')" 0 "the next full rebuild makes them again"
check_next "with git merge-tree's trees"

# git gc prunes the virtual bases' trees (reachable from no ref): they
# are made again, not taken from the memo
stop_daemon
$G prune --expire=now
restart_full_rebuild "cthulhud starts after git prune" \
	"a full rebuild after git prune" \
	'$.virtual_merges' "makes the pruned virtual bases again" \
	"and each merge has git merge-tree's tree" \
	"the same tree as the first build"

# a rebuild with nothing moved keeps every merge
api POST /api/v1/next/rebuild '{"wait": true}'
is "$(jget "$body" '$.merges_reused')" 4 "a rebuild with nothing moved reuses every merge"

stop_daemon
ok "cthulhud stops"
done_testing
