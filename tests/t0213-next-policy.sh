#!/bin/sh
# [tree] base = auto (the newest v* tag on mainline), [next] on-conflict =
# stop (next left alone, the conflict recorded) and skip, and [next] push
# (next and the topics pushed to a remote after a build).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

make_repo "$T/src"
(cd "$T/src" &&
 seq 1 10 > f && git add f && git commit -q -m 'f' && git tag -a v1.0 -m v1.0 &&
 echo g > g && git add g && git commit -q -m 'g' && git tag v1.1 &&
 git checkout -q -b side && echo s > s && git add s &&
 GIT_COMMITTER_DATE='2030-01-01 00:00 +0000' git commit -q -m 's' &&
 git tag v9.9 && git checkout -q master &&
 git push -q origin master side v1.0 v1.1 v9.9)
edit_on()
{
	(cd "$T/src" && git checkout -q -b "$1" v1.0 && sed -i "$2s/.*/$1/" f &&
	 git commit -q -am "$1" && git checkout -q master && git push -q origin "$1")
}
edit_on t1 2
edit_on t2 2
edit_on t3 8
git init -q --bare "$T/pub.git"

write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 0' \
	'[topic "t1"]' '	order = 1' '[topic "t2"]' '	order = 2' \
	'[topic "t3"]' '	order = 3' \
	'[next]' '	on-conflict = stop' "	push = $T/pub.git"
git config -f "$T/cthulhu.conf" tree.base auto
git config -f "$T/cthulhu.conf" tree.mainline refs/heads/master
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

api POST /api/v1/next/rebuild '{"wait": true}'
is "$(jget "$body" '$.state')" stopped "on-conflict = stop: the build stops"
is "$(jget "$body" '$.base')" "$(git --git-dir="$T/src.git" rev-parse 'v1.1^{commit}')" \
	"base = auto is the newest v* tag on mainline"
is "$(rev next)" "" "next is left alone (here: not made)"
is "$(sql "SELECT group_concat(topic || ':' || outcome, ',') FROM
	(SELECT * FROM build_topics WHERE build = $(jget "$body" '$.id') ORDER BY pos)")" \
	"t1:merged,t2:conflict" "the conflict is recorded, later topics not tried"
is "$(jget "$body" '$.topics[1].conflicts[0]')" f "with its path"
is "$(git --git-dir="$T/pub.git" rev-parse -q --verify next)" "" \
	"nothing is pushed after a stopped build"

stop_daemon
git config -f "$T/cthulhu.conf" next.on-conflict skip
start_daemon "$T/cthulhu.conf"
api POST /api/v1/next/rebuild '{"wait": true}'
is "$(jget "$body" '$.state')" done "on-conflict = skip: the build is done"
is "$(sql "SELECT group_concat(topic || ':' || outcome, ',') FROM
	(SELECT * FROM build_topics WHERE build = $(jget "$body" '$.id') ORDER BY pos)")" \
	"t1:merged,t2:conflict,t3:merged" "t2 is left out, t3 merged"
is "$(git --git-dir="$T/src.git" rev-parse next^2),$(git --git-dir="$T/src.git" rev-parse next~1^2)" \
	"$(rev t3),$(rev t1)" "next merges t1 and t3"
is "$(jget "$body" '$.pushed')" "$T/pub.git" "the build says where it pushed"
is "$(git --git-dir="$T/pub.git" rev-parse next)" "$(rev next)" \
	"[next] push pushes next"
is "$(git --git-dir="$T/pub.git" rev-parse t2)" "$(rev t2)" "and the topics"

stop_daemon
ok "cthulhud stops"
done_testing
