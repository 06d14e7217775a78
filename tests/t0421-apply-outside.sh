#!/bin/sh
# Applied outside cthulhud: a queued series applied with plain `git am`
# onto the topic branch and pushed is marked applied, as `cthulhu apply`
# would: a row per patch naming its commit, whose patch-id is `git
# patch-id --stable`'s, the series' state, and the usual notice in the
# outbox naming the SHA1s.  A partial apply (2 of 3, on a topic that
# moved, so the hunks land at other line numbers) records those two and
# names the third not applied; a commit that only resembles a patch
# (same subject and author, another change) takes nothing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

sql_is()
{
	[ "$(sql "$1")" = "$2" ]
}

# seen_all: the applied-outside job looked at every recorded move
seen_all()
{
	[ "$(sql "SELECT value FROM meta WHERE key = 'applied.outside'")" = \
		"$(sql "SELECT max(id) FROM events")" ]
}

now=$(date +%s)
git init -q --bare "$T/src.git"
git init -q -b master "$T/dev"
cd "$T/dev" || exit 1
seq 1 60 >a.txt
git add . && git commit -q -m 'Initial' && git tag base
git push -q "$T/src.git" master base master:pmu

change()
{
	sed -i "s/^$2\$/$3/" "$1"
	GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
	GIT_AUTHOR_DATE="$((now - 500)) +0000" git commit -q -am "$4"
}

# series NAME: format-patch base..HEAD with a cover letter into $T/NAME/
series()
{
	GIT_COMMITTER_NAME='Pat Author' GIT_COMMITTER_EMAIL=pat@example.org \
	git format-patch -q --cover-letter --thread=shallow -o "$T/$1" base..HEAD
	sed -i "s/\*\*\* SUBJECT HERE \*\*\*/pmu: Series $1/" "$T/$1"/0000-*.patch
	sed -i "s/\.git\.pat@example\.org>/.$1&/" "$T/$1"/*.patch
	cat "$T/$1"/*.patch >"$T/$1.mbox"
}

git checkout -q -b one base
change a.txt 5 five 'pmu: Name five'
change a.txt 30 thirty 'pmu: Name thirty'
echo new >c.txt && git add c.txt &&
	GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
	git commit -q -m 'pmu: Add c'
series one
git checkout -q -b two base
change a.txt 10 ten 'pmu: Name ten'
change a.txt 40 forty 'pmu: Name forty'
change a.txt 50 fifty 'pmu: Name fifty'
series two
git checkout -q -b three base
change a.txt 55 fifty-five 'pmu: Name fifty-five'
series three
cd "$T" || exit 1

write_config "$T/cthulhu.conf" "$T/src.git" \
	'[topic "pmu"]' '	order = 1' '[apply]' '	link = '
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing
for s in one two three; do
	run submit "$T/$s.mbox"
	is "$rc" 0 "series $s is submitted"
done
s1=$(sql "SELECT id FROM series WHERE name = 'pmu: Series one'")
s2=$(sql "SELECT id FROM series WHERE name = 'pmu: Series two'")
s3=$(sql "SELECT id FROM series WHERE name = 'pmu: Series three'")
wait_for 20 sql_is "SELECT count(*) FROM queue WHERE queued" 3
ok "the three series are queued"

git clone -q "$T/src.git" "$T/m" 2>/dev/null
cd "$T/m" || exit 1
git checkout -q pmu

# --- a whole series, by git am -------------------------------------------------

git am -q "$T"/one/000[1-9]-*.patch && git push -q origin pmu
ok "series one is applied with git am and pushed"
run poke
wait_for 20 sql_is "SELECT count(*) FROM applied WHERE series_id = $s1" 3
ok "the queue marks the three patches applied"
is "$(sql "SELECT state FROM series WHERE id = $s1")" applied "the series is applied"
wait_for 20 sql_is "SELECT queued FROM queue WHERE series_id = $s1" 0
ok "and leaves the queue"
is "$(sql "SELECT group_concat(commit_sha, ' ') FROM (SELECT commit_sha FROM applied WHERE series_id = $s1 ORDER BY number)")" \
	"$(git rev-list --reverse base..pmu | tr '\n' ' ' | sed 's/ $//')" \
	"each row names the commit git am made, in order"
for c in $(git rev-list --reverse base..pmu); do
	is "$(sql "SELECT patchid FROM applied WHERE commit_sha = '$c'")" \
		"$(git show "$c" | git patch-id --stable | cut -d' ' -f1)" \
		"the recorded patch-id of ${c%${c#???????}} is git patch-id --stable's"
done
is "$(sql "SELECT topic || ' ' || method FROM applied WHERE series_id = $s1 GROUP BY topic")" \
	"pmu apply" "the rows are on topic pmu"
wait_for 20 sql_is "SELECT count(*) FROM notifications WHERE kind = 'applied' AND series_id = $s1 AND state = 'sent'" 1
ok "one applied notice is sent"
mail=$(sql "SELECT raw FROM notifications WHERE series_id = $s1")
like "$mail" 'Subject: Re: \[PATCH 0/3\] pmu: Series one' "the notice answers the cover letter"
for c in $(git rev-list base..pmu); do
	like "$mail" "      $(echo "$c" | cut -c1-12)" "the notice names $(echo "$c" | cut -c1-12)"
done
file=$(sql "SELECT file FROM notifications WHERE series_id = $s1")
check "the notice is in the outbox" test -f "$T/state/outbox/new/$file"
check "the outbox's copy names the SHA1s" \
	grep -q "$(git rev-parse pmu | cut -c1-12)" "$T/state/outbox/new/$file"

# --- a partial apply onto a moved topic ----------------------------------------

# Five lines more at the top: the hunks apply 5 lines lower.
{ seq 101 105; cat a.txt; } >a.new && mv a.new a.txt
git commit -q -am 'pmu: Make room' && git push -q origin pmu
git am -q "$T"/two/0001-*.patch "$T"/two/0003-*.patch && git push -q origin pmu
ok "patches 1 and 3 of series two are applied, at an offset"
run poke
wait_for 20 sql_is "SELECT count(*) FROM applied WHERE series_id = $s2" 2
ok "the two are marked applied"
is "$(sql "SELECT group_concat(number) FROM applied WHERE series_id = $s2")" "1,3" \
	"they are patches 1 and 3"
is "$(sql "SELECT commit_sha FROM applied WHERE series_id = $s2 AND number = 3")" \
	"$(git rev-parse pmu)" "patch 3 is the tip"
is "$(sql "SELECT patchid FROM applied WHERE series_id = $s2 AND number = 1")" \
	"$(git show pmu~ | git patch-id --stable | cut -d' ' -f1)" \
	"the patch-id ignores the line numbers, as git's does"
wait_for 20 sql_is "SELECT count(*) FROM notifications WHERE series_id = $s2" 1
ok "a notice for series two"
mail=$(sql "SELECT raw FROM notifications WHERE series_id = $s2")
like "$mail" 'Subject: Re: \(subset\) \[PATCH 0/3\] pmu: Series two' \
	"a subset notice"
like "$(printf '%s\n' "$mail" | sed -n '/^Not applied/,$p')" 'pmu: Name forty' \
	"naming patch 2 not applied"
is "$(sql "SELECT count(*) FROM applied WHERE commit_sha = '$(git rev-parse pmu~2)'")" 0 \
	"the commit that matched no patch is not recorded"

# --- a commit that only resembles a patch --------------------------------------

# the subject of series three's patch, another line
sed -i 's/^57$/fifty-seven/' a.txt
GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
	git commit -q -am 'pmu: Name fifty-five'
git push -q origin pmu
run poke
wait_for 20 sql_is "SELECT tip FROM topics WHERE name = 'pmu'" "$(git rev-parse pmu)"
wait_for 20 seen_all
ok "the move is looked at"
is "$(sql "SELECT count(*) FROM applied WHERE series_id = $s3")" 0 \
	"a commit with the subject and author of a patch but another change is not it"
is "$(sql "SELECT state FROM series WHERE id = $s3")" new "that series stays open"
is "$(sql "SELECT count(*) FROM notifications")" 2 "and no notice goes out"

# --- cthulhu's own apply is not recorded twice --------------------------------------

run apply "$s3" pmu
is "$rc" 0 "cthulhu apply still applies the third series"
wait_for 20 seen_all
is "$(sql "SELECT count(*) FROM applied WHERE series_id = $s3")" 1 "one row for it"
is "$(sql "SELECT count(*) FROM notifications WHERE series_id = $s3")" 1 "one notice"

done_testing
