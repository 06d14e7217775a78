#!/bin/sh
# Topics pushed while builds run (bursts of pushes and rebuild requests):
# each push is in a build or another build follows, so next ends with
# every topic's final tip; next never points at a commit that no
# finished build produced.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

make_repo "$T/src"
for t in t1 t2 t3; do
	commit_on $t "$t: first"
done
(cd "$T/src" && git push -q origin t1 t2 t3)
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 1' \
	'[topic "t1"]' '	order = 1' '[topic "t2"]' '	order = 2' \
	'[topic "t3"]' '	order = 3' '[next]' '	debounce = 100'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"
cth rebuild --wait >/dev/null
ok "a first build"

i=1
while [ $i -le 12 ]; do
	t=t$((i % 3 + 1))
	commit_on $t "$t: burst $i"
	(cd "$T/src" && git push -q origin $t)
	[ $((i % 4)) -eq 0 ] && cth rebuild >/dev/null
	i=$((i + 1))
done

# the latest finished build has every topic's current tip, and is next
settled()
{
	local t
	for t in t1 t2 t3; do
		[ "$(sql "SELECT tip FROM build_topics WHERE build =
			(SELECT max(id) FROM builds WHERE state = 'done')
			AND topic = '$t'")" = "$(rev $t)" ] || return 1
	done
	[ "$(sql "SELECT count(*) FROM builds WHERE state IN ('running', 'updating')")" = 0 ]
}
check "a build follows the last push" wait_for 60 settled
is "$(sql "SELECT result FROM builds WHERE state = 'done' ORDER BY id DESC LIMIT 1")" \
	"$(rev next)" "next is the latest build's result"
for t in t1 t2 t3; do
	git --git-dir="$T/src.git" merge-base --is-ancestor "$(rev $t)" next
	ok "next has $t's last push"
done

# every value next took is a finished build's result
bad=0
for c in $(git --git-dir="$T/src.git" reflog show --format=%H next); do
	[ "$(sql "SELECT count(*) FROM builds WHERE state = 'done' AND result = '$c'")" -ge 1 ] ||
		bad=$((bad + 1))
done
is "$bad" 0 "next never pointed at a commit no finished build produced"
is "$(git --git-dir="$T/src.git" reflog show next | wc -l)" \
	"$(sql "SELECT count(DISTINCT result) FROM builds WHERE state = 'done' AND result IS NOT NULL AND result != ifnull(old_next, '')")" \
	"one reflog entry per build that moved next"

stop_daemon
ok "cthulhud stops"
done_testing
