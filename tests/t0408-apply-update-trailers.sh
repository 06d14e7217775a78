#!/bin/sh
# Trailers that arrive after the apply: cthulhu show and the series' JSON
# list them as new, and `cthulhu apply --update-trailers TOPIC` gives
# the commits their trailers and writes the later commits of the topic
# again (same trees), with the SHA1-changed notices a drop sends.  The
# rewritten messages are the ones b4 am -t -l -s makes of the whole
# thread, late reply included.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

now=$(date +%s)
git init -q --bare "$T/src.git"
git init -q -b master "$T/dev"
(
	cd "$T/dev"
	seq 1 40 >a.txt
	printf 'x\n' >b.txt
	git add . && git commit -q -m 'Initial' && git tag base
	git push -q "$T/src.git" master base master:pmu
	git checkout -q -b work
	for n in 5 20 35; do
		sed -i "s/^$n\$/n$n/" a.txt
		GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
		GIT_AUTHOR_DATE="$((now - 100 + n)) +0200" \
			git commit -q -am "pmu: Change $n

Signed-off-by: Pat Author <pat@example.org>"
	done
	GIT_COMMITTER_NAME='Pat Author' GIT_COMMITTER_EMAIL=pat@example.org \
	git format-patch -q --cover-letter --thread -o "$T/series" base..work
	sed -i 's/\*\*\* SUBJECT HERE \*\*\*/pmu: Changes/' \
		"$T/series/0000-cover-letter.patch"
	cat "$T"/series/*.patch >"$T/series.mbox"
	# another author's patch, applied after the series
	git checkout -q -b other work
	printf 'y\n' >b.txt
	GIT_AUTHOR_NAME='Oth Er' GIT_AUTHOR_EMAIL=other@example.org \
	GIT_AUTHOR_DATE="$((now - 10)) +0000" \
		git commit -q -am 'pmu: Change b

Signed-off-by: Oth Er <other@example.org>'
	git format-patch -q -1 --stdout >"$T/other.mbox"
)
p2=$(sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$T"/series/0002-*.patch)
c0=$(sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$T"/series/0000-*.patch)
{
	printf 'From mboxrd@z Thu Jan  1 00:00:00 1970\n'
	printf 'From: Late Reviewer <late@example.org>\nSubject: Re: [PATCH 2/3] pmu: Change 20\n'
	printf 'Date: %s\nMessage-Id: <late@example.org>\n' "$(date -R)"
	printf 'In-Reply-To: <%s>\nReferences: <%s> <%s>\n\n' "$p2" "$c0" "$p2"
	printf 'Sorry for the delay.\n\nReviewed-by: Late Reviewer <late@example.org>\n'
} >"$T/late.mbox"

write_config "$T/cthulhu.conf" "$T/src.git" '[topic "pmu"]' '	order = 1'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing
run submit "$T/series.mbox"
sid=$(sql "SELECT id FROM series WHERE total = 3 AND complete")
run apply "$sid" pmu
is "$rc" 0 "the series is applied"
run submit "$T/other.mbox"
oid=$(sql "SELECT series_id FROM patches WHERE subject = 'pmu: Change b'")
run apply "$oid" pmu
is "$rc" 0 "another series is applied after it"
run apply --update-trailers pmu
is "$rc" 0 "--update-trailers with nothing new exits 0"
like "$out" "no new trailers for the commits of 'pmu'" "and says there is nothing to do"

outbox_count() { ls "$T/state/outbox/new" 2>/dev/null | wc -l; }
outbox_has() { [ "$(outbox_count)" -ge "$1" ]; }
wait_for 10 outbox_has 2
before=$(outbox_count)
old1=$(rev pmu~3) old2=$(rev pmu~2) old3=$(rev pmu~1) oldo=$(rev pmu)

run submit "$T/late.mbox"
is "$rc" 0 "a late review arrives"
run show "$sid"
like "$out" 'trailers: 1 new trailer since applied' "cthulhu show counts it"
like "$out" 'new since applied: Reviewed-by: Late Reviewer <late@example.org>' \
	"and names it under its patch"
api GET "/api/v1/series/$sid"
is "$(jget "$body" '$.nr_new_trailers')" 1 "the series' JSON counts it"
is "$(jget "$body" '$.patches[1].new_trailers[0]')" \
	'Reviewed-by: Late Reviewer <late@example.org>' "on patch 2"
is "$(jget "$body" '$.patches[0].new_trailers')" '' "not on patch 1"

run apply --update-trailers pmu
is "$rc" 0 "cthulhu apply --update-trailers exits 0"
like "$out" '\+ Reviewed-by: Late Reviewer' "it lists the trailer added"
like "$out" '3 commit\(s\) rewritten' "and the commits rewritten"
is "$(rev pmu~3)" "$old1" "the commit before keeps its SHA1"
new2=$(rev pmu~2) new3=$(rev pmu~1) newo=$(rev pmu)
check "patch 2, patch 3 and the later commit have new SHA1s" \
	test "$new2" != "$old2" -a "$new3" != "$old3" -a "$newo" != "$oldo"
same=yes
for pair in "$old2 $new2" "$old3 $new3" "$oldo $newo"; do
	set -- $pair
	[ "$(git --git-dir="$T/src.git" rev-parse "$1^{tree}")" = \
	  "$(git --git-dir="$T/src.git" rev-parse "$2^{tree}")" ] || same=no
	[ "$(git --git-dir="$T/src.git" log -1 --format='%an %ae %ad' "$1")" = \
	  "$(git --git-dir="$T/src.git" log -1 --format='%an %ae %ad' "$2")" ] || same=no
done
is "$same" yes "with the same trees and authors"
is "$(git --git-dir="$T/src.git" log -1 --format=%B "$old3")" \
	"$(git --git-dir="$T/src.git" log -1 --format=%B "$new3")" \
	"a later commit keeps its message"

# the messages are b4's, made of the thread with the late reply
mkdir -p "$T/home" "$T/b4"
git config -f "$T/home/.gitconfig" user.name 'Cthulhu Test'
git config -f "$T/home/.gitconfig" user.email cthulhu@example.com
{ cat "$T/series.mbox"; echo; cat "$T/late.mbox"; } >"$T/thread.mbox"
if command -v b4 >/dev/null 2>&1; then
	(cd "$T/dev" && HOME=$T/home GIT_CONFIG_GLOBAL=$T/home/.gitconfig \
		XDG_CACHE_HOME=$T/home/cache b4 -n --offline-mode --no-stdin \
		am -o "$T/b4" -m "$T/thread.mbox" -l -s -t >"$T/b4.log" 2>&1)
	rm -rf "$T/am" && git clone -q "$T/src.git" "$T/am"
	(cd "$T/am" && git checkout -q -b am base && git am -q "$T"/b4/*.mbx)
	is "$(git --git-dir="$T/src.git" log --reverse --format=%B base..pmu~1)" \
		"$(git -C "$T/am" log --reverse --format=%B base..am)" \
		"the rewritten messages are those of b4 am -t -l -s"
else
	part_skipped "the comparison with b4" "b4 is not installed"
fi

is "$(sql "SELECT commit_sha FROM applied WHERE series_id = $sid AND number = 2")" "$new2" \
	"the applied row follows the new commit"
is "$(sql "SELECT why FROM applied_history WHERE new_sha = '$new2'")" trailers \
	"and its history says why"
is "$(sql "SELECT commit_sha FROM applied WHERE series_id = $oid")" "$newo" \
	"so does the later series' row"
wait_for 10 outbox_has $((before + 2))
is "$(sql "SELECT count(*) FROM notifications WHERE kind = 'sha1-changed'")" 2 \
	"a SHA1-changed notice per series"
mail=$(sql "SELECT raw FROM notifications WHERE kind = 'sha1-changed' AND series_id = $sid")
like "$mail" "$(echo "$old2" | cut -c1-12) -> $(echo "$new2" | cut -c1-12)" \
	"naming the old and the new SHA1"
like "$mail" 'new trailers from the review' "and why"
like "$(sql "SELECT raw FROM notifications WHERE kind = 'sha1-changed' AND series_id = $oid")" \
	"To: Oth Er <other@example.org>" "the later commit's author is told too"
run show "$sid"
is "$(printf '%s\n' "$out" | grep -c 'new since applied')" 0 "nothing is new any more"
run apply --update-trailers pmu
like "$out" "no new trailers" "and a second run changes nothing"
is "$(rev pmu)" "$newo" "the topic did not move"
run apply --update-trailers nosuch
is "$rc" 1 "an unknown topic is refused"

# --- kill -9 between the topic's move and the rows ----------------------------

p3=$(sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$T"/series/0003-*.patch)
{
	printf 'From mboxrd@z Thu Jan  1 00:00:00 1970\n'
	printf 'From: Late Tester <tester@example.org>\nSubject: Re: [PATCH 3/3] pmu: Change 35\n'
	printf 'Date: %s\nMessage-Id: <tester@example.org>\n' "$(date -R)"
	printf 'In-Reply-To: <%s>\nReferences: <%s> <%s>\n\n' "$p3" "$c0" "$p3"
	printf 'Tested-by: Late Tester <tester@example.org>\n'
} >"$T/tester.mbox"
dead()
{
	! kill -0 "$DAEMON_PID" 2>/dev/null ||
		[ "$(ps -o stat= -p "$DAEMON_PID" | cut -c1)" = Z ]
}
sql_is() { [ "$(sql "$1")" = "$2" ]; }
if have_test_hooks; then
	run submit "$T/tester.mbox"
	stop_daemon
	CTHULHU_TEST_CRASH_AT=update-trailers-moved
	export CTHULHU_TEST_CRASH_AT
	start_daemon "$T/cthulhu.conf"
	unset CTHULHU_TEST_CRASH_AT
	run apply --update-trailers pmu
	wait_for 30 dead
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	moved=$(rev pmu)
	check "the daemon died after moving the topic" test "$moved" != "$newo"
	like "$(git --git-dir="$T/src.git" log -1 --format=%B pmu~1)" 'Tested-by: Late Tester' \
		"with the trailer in the commit"
	start_daemon "$T/cthulhu.conf"
	ok "cthulhud starts again"
	check "the rows follow the moved commits" \
		wait_for 20 sql_is "SELECT commit_sha FROM applied WHERE series_id = $oid" "$moved"
	run apply --update-trailers pmu
	is "$rc" 0 "--update-trailers again exits 0"
	is "$(rev pmu)" "$moved" "and does not rewrite the commits again"
	is "$(sql "SELECT trailers FROM applied WHERE series_id = $sid AND number = 3")" \
		'["Tested-by: Late Tester <tester@example.org>"]' \
		"it records the trailer the commit has"
	run show "$sid"
	is "$(printf '%s\n' "$out" | grep -c 'new since applied')" 0 \
		"and nothing is new any more"
fi
done_testing
