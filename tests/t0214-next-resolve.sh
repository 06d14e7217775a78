#!/bin/sh
# Recorded resolutions: `cthulhu resolve TOPIC --checkout DIR` writes the
# conflicted files with markers, `--record DIR` records the edited ones;
# later builds that meet the same conflict apply the resolution and say
# so, also when unrelated parts of the file changed; --list, --forget.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-next.sh"
test_init

make_repo "$T/src"
(cd "$T/src" && seq 1 30 > f && git add f && git commit -q -m f &&
 git tag -f base >/dev/null && git push -q -f origin master base)
edit_on t1 10 'ten by t1'
edit_on t2 10 'ten by t2'
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 0' \
	'[topic "t1"]' '	order = 1' '[topic "t2"]' '	order = 2'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

api POST /api/v1/next/rebuild '{"wait": true}'
is "$(jget "$body" '$.topics[1].outcome')" conflict "t2 conflicts with t1"

cth resolve t2 --checkout "$T/res" > "$T/out"
is "$(cat "$T/out")" "$T/res/f" "--checkout writes the conflicted file"
is "$(grep -c '^<<<<<<<\|^=======\|^>>>>>>>' "$T/res/f")" 3 "with conflict markers"
cth resolve t2 --record "$T/res" >/dev/null 2>&1
is "$?" 1 "a file that still has markers is refused"

awk '/^<<<<<<</ { skip = 1; print "ten by t1 and t2"; next }
     /^>>>>>>>/ { skip = 0; next } !skip' "$T/res/f" > "$T/res/f.new" &&
	mv "$T/res/f.new" "$T/res/f"
like "$(cth resolve t2 --record "$T/res")" "^recorded resolution [0-9]+ of 'f'" \
	"--record records the resolution"

G="git --git-dir=$T/src.git"
api POST /api/v1/next/rebuild '{"wait": true}'
is "$(jget "$body" '$.topics[1].outcome')" resolved \
	"the next build applies it and says so"
like "$(jget "$body" '$.topics[1].resolution')" '^[0-9]+$' "naming the resolution"
is "$($G show next:f | sed -n 10p)" "ten by t1 and t2" "next has the resolved line"
is "$($G rev-parse next^2)" "$(rev t2)" "and merges t2"

# t1 changes a line far from the conflict: the resolution still applies
edit_on t1 25 'twenty-five by t1'
api POST /api/v1/next/rebuild '{"wait": true}'
is "$(jget "$body" '$.topics[1].outcome')" resolved \
	"the resolution survives an unrelated change in the file"
is "$($G show next:f | sed -n '10p;25p' | tr '\n' '|')" \
	"ten by t1 and t2|twenty-five by t1|" "next has both"

is "$(cth resolve --list --json | jget "$(cat)" '$[0].uses')" 2 \
	"--list counts the uses"
like "$(cth resolve --list)" "t2 +f +2" "--list shows topic, path, uses"
id=$(cth resolve --list --json | jget "$(cat)" '$[0].id')
like "$(cth resolve --forget "$id")" "^forgot resolution $id" "--forget"
api POST /api/v1/next/rebuild '{"wait": true, "full": true}'
is "$(jget "$body" '$.topics[1].outcome')" conflict "forgotten: t2 conflicts again"
cth resolve --forget "$id" >/dev/null 2>&1
is "$?" 1 "forgetting an unknown resolution is refused"

stop_daemon
ok "cthulhud stops"
done_testing
