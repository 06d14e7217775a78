#!/bin/sh
# The Cthulhu merge in the daemon: next is the base plus one two-parent
# merge commit per topic, in order, each with git merge-tree's tree; a
# conflicting topic is skipped and reported with its paths; a topic move
# triggers a build that keeps the merges before it (same SHA1s); a full
# rebuild gives the same trees; builds are rows; next's reflog names them.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

make_repo "$T/src"
(cd "$T/src" &&
 for f in a b c; do seq 1 20 | sed "s/^/$f /" > "$f"; done &&
 git add . && git commit -q -m 'more files' && git tag -f -a v1.0 -m v1.0 &&
 git push -q origin master v1.0)
# t1..t3 touch different files; t4 conflicts with t2; t5 on an older base
edit_on()
{
	(cd "$T/src" &&
	 if git rev-parse -q --verify "refs/heads/$1" >/dev/null; then
		git checkout -q "$1"
	 else
		git checkout -q -b "$1" "${4:-v1.0}"
	 fi &&
	 sed -i "$3s/.*/$1 was here/" "$2" &&
	 git commit -q -am "$1: edit $2" && git checkout -q master)
}
edit_on t1 a 2
edit_on t2 b 5
edit_on t3 c 9
edit_on t4 b 5
commit_on t5 't5: first'
(cd "$T/src" && git checkout -q t5 && git reset -q --hard base &&
 echo five > five && git add five && git commit -q -m 't5: five' &&
 git checkout -q master)
(cd "$T/src" && git push -q origin t1 t2 t3 t4 t5)

topics=''
for i in 1 2 3 4 5; do
	topics="$topics[topic \"t$i\"]
	order = $i
"
done
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 1' \
	"$topics" '[next]' '	debounce = 300'
git config -f "$T/cthulhu.conf" tree.base v1.0

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

startup_build_done()
{
	[ "$(sql "SELECT count(*) FROM builds WHERE trigger = 'startup' AND
		state = 'done'")" = 1 ]
}
check "a stale next is built at start-up" wait_for 30 startup_build_done

api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
is "$status" 200 "POST /api/v1/next/rebuild with wait answers the build"
id1=$(jget "$body" '$.id')
is "$(jget "$body" '$.state')" done "the build is done"
next1=$(rev next)
is "$(jget "$body" '$.result')" "$next1" "next is the build's result"
is "$(sql "SELECT group_concat(outcome, ',') FROM
	(SELECT outcome FROM build_topics WHERE build = $id1 ORDER BY pos)")" \
	"merged,merged,merged,conflict,merged" "t4 conflicts, the rest merge"
is "$(sql "SELECT conflicts FROM build_topics WHERE build = $id1 AND topic = 't4'")" \
	'["b"]' "the conflict names its path"

# next's first-parent chain: v1.0, then one merge per merged topic
G="git --git-dir=$T/src.git"
is "$($G rev-list --first-parent --count "v1.0..next")" 4 \
	"four merge commits on v1.0"
is "$($G rev-parse next~4)" "$($G rev-parse 'v1.0^{commit}')" \
	"next starts at the base"
is "$($G log --first-parent --format=%s v1.0..next | tac | tr '\n' '|')" \
	"Merge branch 't1' into next|Merge branch 't2' into next|Merge branch 't3' into next|Merge branch 't5' into next|" \
	"merge messages in topic order"
is "$($G log -1 --format='%cn <%ce>|%an <%ae>' next)" \
	"Cthulhu Test <cthulhu@example.com>|Cthulhu Test <cthulhu@example.com>" \
	"merges carry the [tree] committer"
for c in $($G rev-list --first-parent v1.0..next); do
	want=$($G merge-tree --write-tree "$c^1" "$c^2")
	is "$($G rev-parse "$c^{tree}")" "$want" \
		"merge $($G log -1 --format=%s "$c") has git merge-tree's tree"
	is "$($G rev-list --parents -1 "$c" | wc -w)" 3 "it has two parents"
done
# git agrees that t4 conflicts with next as it was before t4
$G merge-tree --write-tree next~1 t4 >/dev/null 2>&1
is "$?" 1 "git merge-tree also finds t4 conflicting"
# (a full build in the same second makes the same commits: no new entry)
logged=$($G reflog show --format=%gs next | head -n 1 |
	sed -n 's/^cthulhu: build \([0-9]*\) (\(startup\|api\)).*/\1/p')
is "$(sql "SELECT result FROM builds WHERE id = '$logged'")" "$next1" \
	"next's reflog names the build that made it"

# t5 (last) moves: a build follows by itself and keeps the first merges
(cd "$T/src" && git checkout -q t5 && echo more >> five &&
 git commit -q -am 't5: more' && git checkout -q master &&
 git push -q origin t5)
topic_build_done()
{
	[ "$(sql "SELECT count(*) FROM builds WHERE trigger = 'topic' AND
		state = 'done'")" -ge 1 ]
}
check "a topic move triggers a build" wait_for 30 topic_build_done
id2=$(sql "SELECT max(id) FROM builds WHERE state = 'done'")
is "$(sql "SELECT merges_reused || ',' || merges_done FROM builds WHERE id = $id2")" \
	"3,1" "three merges reused, one made"
next2=$(rev next)
is "$($G rev-parse next~1)" "$($G rev-parse "$next1~1")" \
	"the merges before t5 keep their SHA1s"
is "$($G rev-parse next^2)" "$(rev t5)" "next merges t5's new tip"
is "$($G rev-parse "next^{tree}")" "$($G merge-tree --write-tree next^1 t5)" \
	"the new merge has git's tree"

# a full rebuild: new merge commits, the same trees
api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
is "$status" 200 "a full rebuild"
is "$(jget "$body" '$.merges_reused')" 0 "reuses nothing"
is "$($G rev-parse "next^{tree}")" "$($G rev-parse "$next2^{tree}")" \
	"and gives the same tree"

# reads
api GET /api/v1/next
is "$(jget "$body" '$.commit')" "$(rev next)" "GET /api/v1/next: commit"
is "$(jget "$body" '$.build.topics[3].outcome')" conflict \
	"GET /api/v1/next: per-topic outcomes"
api GET '/api/v1/next/builds?limit=2'
is "$(jget "$body" '$[0].trigger'),$(jget "$body" '$[1].trigger')" \
	"api,topic" "GET /api/v1/next/builds lists the newest first"
api GET /api/v1/next/builds/$id1
is "$(jget "$body" '$.id')" "$id1" "GET /api/v1/next/builds/ID"
api GET /api/v1/next/builds/999
is "$status" 404 "unknown build is 404"

# a rebuild with nothing moved keeps next as it is, conflict included
next3=$(rev next)
done_ids=$(sql "SELECT count(*) FROM builds WHERE state = 'done'")
api POST /api/v1/next/rebuild '{"wait": true}'
is "$(sql "SELECT count(*) FROM builds WHERE state = 'done'")" \
	$((done_ids + 1)) "a rebuild with nothing moved is a build too"
is "$(rev next)" "$next3" "that keeps next's SHA1"
is "$(jget "$body" '$.topics[3].outcome'),$(jget "$body" '$.topics[3].conflicts[0]')" \
	"conflict,b" "and still reports t4's conflict"
is "$(sql "SELECT result FROM builds ORDER BY id DESC LIMIT 1")" \
	"$(rev next)" "the database agrees with next"

# the CLI
out=$(cth next)
like "$out" "^build [0-9]+ \\(api\\): done" "cthulhu next: the build line"
like "$(printf '%s\n' "$out" | grep ' t4 ')" "conflict .* b$" \
	"cthulhu next: t4's conflict and its path"
is "$(cth next --json | jget "$(cat)" '$.build.result')" "$(rev next)" \
	"cthulhu next --json is the API's JSON"
out=$(cth rebuild --wait --full)
like "$out" "^build [0-9]+ \\(api, full\\): done" "cthulhu rebuild --wait --full"
like "$(cth rebuild)" "^rebuild queued as job [0-9]+" "cthulhu rebuild queues a job"
# on a terminal --wait shows progress, then the build
out=$(script -qec "'$CTHULHU' rebuild --wait" /dev/null | tr -d '\r')
like "$out" "build [0-9]+ \\(api\\): done" "cthulhu rebuild --wait on a terminal"
cth rebuild extra >/dev/null 2>&1
is "$?" 2 "cthulhu rebuild with an argument is a usage error"

stop_daemon
ok "cthulhud stops"
done_testing
