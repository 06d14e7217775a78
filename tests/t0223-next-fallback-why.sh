#!/bin/sh
# Every merge of a build says why the in-memory merge left it to git:
# build_topics.fallback_reason, the API's fallback_reason and cthulhu
# next --why.  A topic that renames a file next changed goes to git
# (rename detection), one that conflicts goes to git, one the fast path
# decides has no reason; each merge has git merge-tree's tree.  Merges
# are memoised by their inputs, the conflict and the fallback too, in
# the database: after a restart a full rebuild asks git nothing, and a
# memoised tree that is gone is merged again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

make_repo "$T/src"
(cd "$T/src" &&
 for f in a b c; do seq 1 20 | sed "s/^/$f /" > "$f"; done &&
 git add . && git commit -q -m 'more files' && git tag -f -a v1.0 -m v1.0 &&
 git checkout -q -b t1 v1.0 && sed -i 's/^a 2$/a two/' a &&
 git commit -q -am 't1: edit a' &&
 git checkout -q -b t2 v1.0 && git mv a a2 && git commit -q -m 't2: rename a' &&
 git checkout -q -b t3 v1.0 && sed -i 's/^b 5$/b t3/' b &&
 git commit -q -am 't3: edit b' &&
 git checkout -q -b t4 v1.0 && sed -i 's/^b 5$/b t4/' b &&
 git commit -q -am 't4: edit b' &&
 git checkout -q -b t5 v1.0 && sed -i 's/^c 9$/c t5/' c &&
 git commit -q -am 't5: edit c' &&
 git checkout -q master && git push -q origin master v1.0 t1 t2 t3 t4 t5)
G="git --git-dir=$T/src.git"

topics=''
for i in 1 2 3 4 5; do
	topics="$topics[topic \"t$i\"]
	order = $i
"
done
write_config "$T/cthulhu.conf" "$T/src.git" "$topics" '[next]' \
	'	debounce = 300'
git config -f "$T/cthulhu.conf" tree.base v1.0
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

startup_build_done()
{
	[ "$(sql "SELECT count(*) FROM builds WHERE trigger = 'startup' AND
		state = 'done'")" = 1 ]
}
check "next is built at start-up" wait_for 30 startup_build_done
id=$(sql "SELECT id FROM builds WHERE trigger = 'startup'")
is "$(sql "SELECT group_concat(topic || ':' || outcome || ':' || method, ' ')
	FROM (SELECT * FROM build_topics WHERE build = $id ORDER BY pos)")" \
	"t1:merged:fast t2:merged:git t3:merged:fast t4:conflict:git t5:merged:fast" \
	"the rename and the conflict go to git, the rest is the fast path's"
is "$(sql "SELECT fallback_reason FROM build_topics WHERE build = $id AND
	topic = 't2'")" "deleted on one side, changed on the other" \
	"the rename's reason is recorded"
is "$(sql "SELECT fallback_reason FROM build_topics WHERE build = $id AND
	topic = 't4'")" "content conflict" "the conflict's reason is recorded"
is "$(sql "SELECT count(*) FROM build_topics WHERE build = $id AND
	method = 'fast' AND fallback_reason IS NULL")" 3 \
	"the fast path's merges have none"
is "$(sql "SELECT fallbacks FROM builds WHERE id = $id")" 2 \
	"the build counts two fallbacks"

# each merge made is git's
for c in $($G rev-list --first-parent v1.0..next); do
	is "$($G rev-parse "$c^{tree}")" \
		"$($G merge-tree --write-tree "$c^1" "$c^2")" \
		"merge $($G log -1 --format=%s "$c") has git merge-tree's tree"
done
is "$($G show next~2:a2 | sed -n 2p)" "a two" \
	"git followed t1's change to the renamed file"

api GET /api/v1/next
is "$(jget "$body" '$.build.topics[1].fallback_reason')" \
	"deleted on one side, changed on the other" \
	"GET /api/v1/next: the rename's fallback_reason"
is "$(jget "$body" '$.build.topics[3].fallback_reason')" "content conflict" \
	"GET /api/v1/next: the conflict's"
is "$(jget "$body" '$.build.topics[0].fallback_reason')" "" \
	"GET /api/v1/next: null for the fast path's"
api GET "/api/v1/next/builds/$id"
is "$(jget "$body" '$.topics[1].fallback_reason')" \
	"deleted on one side, changed on the other" \
	"GET /api/v1/next/builds/ID: the same"

run next --why
is "$rc" 0 "cthulhu next --why"
like "$out" "METHOD *WHY" "shows the method and the reason"
like "$(printf '%s\n' "$out" | grep ' t2 ')" \
	"git  *deleted on one side, changed on the other" \
	"t2: git, and why"
like "$(printf '%s\n' "$out" | grep ' t4 ')" "git  *content conflict" \
	"t4: git, and why"
like "$(printf '%s\n' "$out" | grep ' t1 ')" "fast  *- *\$" "t1: fast, no reason"
run next
is "$(printf '%s\n' "$out" | grep -c 'WHY')" 0 "plain cthulhu next does not"

# a rebuild that keeps the merges keeps their reasons
api POST /api/v1/next/rebuild '{"wait": true}'
id2=$(jget "$body" '$.id')
is "$(sql "SELECT group_concat(topic || ':' || outcome || ':' ||
	coalesce(fallback_reason, '-'), '|')
	FROM (SELECT * FROM build_topics WHERE build = $id2 ORDER BY pos)")" \
	"t1:reused:-|t2:reused:deleted on one side, changed on the other|t3:reused:-|t4:conflict:content conflict|t5:reused:-" \
	"a rebuild reusing the merges keeps their reasons"
# a full one finds them memoised, with the reasons git was asked for
api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
id3=$(jget "$body" '$.id')
is "$(sql "SELECT group_concat(topic || ':' || method || ':' ||
	coalesce(fallback_reason, '-'), '|')
	FROM (SELECT * FROM build_topics WHERE build = $id3 ORDER BY pos)")" \
	"t1:cached:-|t2:cached:deleted on one side, changed on the other|t3:cached:-|t4:cached:content conflict|t5:cached:-" \
	"a full rebuild finds every merge memoised, reasons included"

is "$(sql "SELECT fallbacks FROM builds WHERE id = $id3")" 0 \
	"and hands git nothing"

# the memo outlives the process: conflicts and fallbacks included
# (by the trees and by the commits, of each pair of commits merged)
is "$(sql "SELECT count(*) > 0 FROM merge_memo WHERE NOT clean AND
	fallback_reason = 'content conflict' AND conflicts = '[\"b\"]' AND
	key LIKE 'trees %'")" 1 "the conflict is kept by its trees"
is "$(sql "SELECT count(*) > 0 FROM merge_memo WHERE NOT clean AND
	key = 'commits $($G rev-parse next~1) $(rev t4)'")" 1 \
	"and by its commits"
is "$(sql "SELECT count(*) > 0 FROM merge_memo WHERE clean AND
	fallback_reason = 'deleted on one side, changed on the other'")" 1 \
	"so is the rename git merged"
stop_daemon
ok "cthulhud stops"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
id4=$(jget "$body" '$.id')
is "$(sql "SELECT group_concat(topic || ':' || outcome || ':' || method || ':' ||
	coalesce(fallback_reason, '-'), '|')
	FROM (SELECT * FROM build_topics WHERE build = $id4 ORDER BY pos)")" \
	"t1:merged:cached:-|t2:merged:cached:deleted on one side, changed on the other|t3:merged:cached:-|t4:conflict:cached:content conflict|t5:merged:cached:-" \
	"after a restart a full rebuild merges nothing again, the conflict included"
is "$(sql "SELECT fallbacks || ',' || conflicts FROM builds WHERE id = $id4")" \
	"0,1" "no fallback, and still one conflict"
is "$(sql "SELECT conflicts FROM build_topics WHERE build = $id4 AND
	topic = 't4'")" '["b"]' "naming its path"
for c in $($G rev-list --first-parent v1.0..next); do
	is "$($G rev-parse "$c^{tree}")" \
		"$($G merge-tree --write-tree "$c^1" "$c^2")" \
		"after the restart $($G log -1 --format=%s "$c") has git merge-tree's tree"
done

# t1 (first) moves: the later merges start from those of the last build
(cd "$T/src" && git checkout -q t1 && echo one > n1 && git add n1 &&
 git commit -q -m 't1: n1' && git checkout -q master && git push -q origin t1)
api POST /api/v1/next/rebuild '{"wait": true}'
idm=$(jget "$body" '$.id')
is "$(sql "SELECT group_concat(topic || ':' || outcome || ':' || method, ' ')
	FROM (SELECT * FROM build_topics WHERE build = $idm ORDER BY pos)")" \
	"t1:merged:fast t2:merged:git t3:merged:incremental t4:conflict:fast t5:merged:incremental" \
	"after the first topic moved, the merges the fast path made are made from the last ones"
# (t4's conflict, which git found before the restart, is known by its
# three blobs: the memo kept it)
is "$(sql "SELECT conflicts FROM build_topics WHERE build = $idm AND
	topic = 't4'")" '["b"]' "the conflict known without git names its path"
is "$($G merge-tree --write-tree --name-only next~1 t4 | sed -n 2p)" b \
	"where git finds it too"
for c in $($G rev-list --first-parent v1.0..next); do
	is "$($G rev-parse "$c^{tree}")" \
		"$($G merge-tree --write-tree "$c^1" "$c^2")" \
		"then $($G log -1 --format=%s "$c") has git merge-tree's tree"
done
is "$($G show next:n1)" one "with t1's new file"

# a memoised tree git gc pruned is merged again
stop_daemon
sql_rw() { sqlite3 "$T/state/cthulhu.db" "$1"; }
t2tree=$($G rev-parse "next~2^{tree}")
sql_rw "UPDATE merge_memo SET tree = '$(printf '%040d' 1)'
	WHERE tree = '$t2tree'"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a memoised tree gone"
api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
id5=$(jget "$body" '$.id')
is "$(sql "SELECT method FROM build_topics WHERE build = $id5 AND
	topic = 't2'")" git "the merge whose tree is gone goes to git again"
is "$($G rev-parse "next~2^{tree}")" "$t2tree" "with the same tree"

stop_daemon
ok "cthulhud stops"
done_testing
