#!/bin/sh
# cthulhu apply and drop against a real daemon: a submitted series applied
# to a topic gives the commits `git am -s` gives (tree, author, date,
# message); a subset; a patch that does not apply changes nothing; the
# rows and the notifications (outbox Maildir, threading, subject, SHA1s);
# drop replays the later commits, keeps the earlier ones, and refuses a
# drop that a later commit depends on; a Link: from [apply] link.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

# commit_body REPO COMMIT: the commit object without committer and parents
commit_body()
{
	git --git-dir="$1" cat-file commit "$2" | grep -v '^committer \|^parent '
}

# --- a repository, a topic, a series ----------------------------------------

# author dates near now, as git send-email's Date: would be
now=$(date +%s)
git init -q --bare "$T/src.git"
git init -q -b master "$T/dev"
(
	cd "$T/dev"
	seq 1 40 >a.txt
	printf 'int x;\n' >b.c
	git add . && git commit -q -m 'Initial' && git tag base
	git push -q "$T/src.git" master base master:pmu master:mmu
	git checkout -q -b work
	sed -i 's/^5$/five/' a.txt
	GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
	GIT_AUTHOR_DATE="$((now - 300)) -0700" git commit -q -am 'pmu: Change five

Five is better spelled out.

Signed-off-by: Pat Author <pat@example.org>'
	sed -i 's/^20$/twenty/' a.txt
	GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
	GIT_AUTHOR_DATE="$((now - 200)) -0700" git commit -q -am 'pmu: Change twenty

Signed-off-by: Pat Author <pat@example.org>'
	# depends on the first patch: it edits the line the first one made
	sed -i 's/^five$/FIVE/; s/^35$/thirty-five/' a.txt
	GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
	GIT_AUTHOR_DATE="$((now - 100)) -0700" git commit -q -am 'pmu: Shout five

Signed-off-by: Pat Author <pat@example.org>'
	# the cover letter is from the committer: the author sends the series
	GIT_COMMITTER_NAME='Pat Author' GIT_COMMITTER_EMAIL=pat@example.org \
	git format-patch -q --cover-letter --thread=shallow \
		--cc='Rev Iewer <rev@example.org>' -o "$T/series" base..work
	sed -i 's/\*\*\* SUBJECT HERE \*\*\*/pmu: Spell numbers/' \
		"$T/series/0000-cover-letter.patch"
	cat "$T"/series/*.patch >"$T/series.mbox"
	# a second series, of independent patches, for subsets
	git checkout -q -b mmu-work base
	for i in 1 2 3; do
		echo "new $i" >"c$i.txt" && git add "c$i.txt"
		GIT_AUTHOR_NAME='Mo Mmu' GIT_AUTHOR_EMAIL=mo@example.org \
		GIT_AUTHOR_DATE="$((now - 50 + i)) +0100" \
			git commit -q -m "mmu: Add c$i"
	done
	GIT_COMMITTER_NAME='Mo Mmu' GIT_COMMITTER_EMAIL=mo@example.org \
	git format-patch -q --cover-letter --thread=shallow \
		--subject-prefix='PATCH v2' -o "$T/mseries" base..mmu-work
	sed -i 's/\*\*\* SUBJECT HERE \*\*\*/mmu: Add files/' \
		"$T/mseries/0000-cover-letter.patch"
	cat "$T"/mseries/*.patch >"$T/mseries.mbox"
	# a patch that cannot apply to the topic
	git checkout -q -b other base
	printf 'int y;\n' >b.c
	git commit -q -am 'b: Change x' && git checkout -q -b other2
	printf 'int z;\n' >b.c
	GIT_AUTHOR_NAME='Bad Patch' GIT_AUTHOR_EMAIL=bad@example.org \
		git commit -q -am 'b: Change y'
	git format-patch -q -1 --stdout >"$T/bad.mbox"
)

write_config "$T/cthulhu.conf" "$T/src.git" \
	'[topic "pmu"]' '	order = 1' '[topic "mmu"]' '	order = 2' \
	'[apply]' '	link = ' '[notify]' '	from = Maint Ainer <maint@example.org>'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing

run submit --json "$T/series.mbox"
is "$rc" 0 "the series is submitted"
sid=$(sql "SELECT id FROM series WHERE total = 3 AND complete")
like "$sid" '^[0-9]+$' "it is one complete series of 3" || done_testing

# --- apply, against git am -s -------------------------------------------------

old_mmu=$(rev mmu)
run apply "$sid" pmu
is "$rc" 0 "cthulhu apply exits 0"
like "$out" "applied to 'pmu'" "and says where"
like "$out" '\[3/3\] pmu: Shout five' "and lists the patches"
is "$(git --git-dir="$T/src.git" rev-list --count base..pmu)" 3 "the topic has 3 new commits"
is "$(rev mmu)" "$old_mmu" "the other topic did not move"

git clone -q "$T/src.git" "$T/am"
(cd "$T/am" && git checkout -q -b am base &&
 GIT_COMMITTER_NAME='Cthulhu Test' GIT_COMMITTER_EMAIL=cthulhu@example.com \
	git am -q -s "$T"/series/000[123]-*.patch)
same=yes
for i in 0 1 2; do
	[ "$(commit_body "$T/src.git" "pmu~$i")" = "$(commit_body "$T/am/.git" "am~$i")" ] || same=no
done
is "$same" yes "every commit equals git am -s's (tree, author, date, message)"
is "$(git --git-dir="$T/src.git" rev-parse pmu^{tree})" \
	"$(git -C "$T/am" rev-parse am^{tree})" "the same tree"
is "$(git --git-dir="$T/src.git" log -1 --format=%cn pmu)" "Cthulhu Test" \
	"the committer is [tree] committer"

is "$(sql "SELECT count(*) FROM applied WHERE series_id = $sid AND topic = 'pmu' AND state = 'applied'")" 3 \
	"3 applied rows"
is "$(sql "SELECT commit_sha FROM applied WHERE number = 3")" "$(rev pmu)" \
	"the rows name the commits"
pid=$(git --git-dir="$T/src.git" show pmu~1 | git patch-id --stable | cut -d' ' -f1)
is "$(sql "SELECT patchid FROM applied WHERE number = 2")" "$pid" \
	"the patch-id is git patch-id --stable's"

# --- the notification ---------------------------------------------------------

outbox_has()
{
	[ "$(ls "$T/state/outbox/new" 2>/dev/null | wc -l)" -ge "$1" ]
}
wait_for 10 outbox_has 1
ok "a notification is in the outbox"
n=$(ls "$T/state/outbox/new" | head -n 1)
mail=$(cat "$T/state/outbox/new/$n")
cover=$(sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$T/series/0000-cover-letter.patch")
like "$mail" "^In-Reply-To: <$cover>" "it answers the cover letter"
like "$mail" "^References: .*<$cover>" "with References"
like "$mail" '^To: .*pat@example.org' "to the author"
like "$mail" '^Cc: .*rev@example.org' "Cc the original Cc"
like "$mail" '^From: Maint Ainer <maint@example.org>' "from [notify] from"
like "$mail" '^Subject: Re: \[PATCH 0/3\] pmu: Spell numbers' "subject Re: the cover's"
like "$mail" "\\[2/3\\] pmu: Change twenty" "names the patches"
like "$mail" "$(git --git-dir="$T/src.git" rev-parse --short=12 pmu~1)" "with 12-character SHA1s"
like "$mail" "topic pmu" "and the topic"
is "$(sql "SELECT state FROM notifications")" sent "the row says sent"
run outbox
like "$out" 'applied +sent +pat@example.org' "cthulhu outbox lists it"

# --- applying again, a subset, a failure --------------------------------------

run apply "$sid" pmu
is "$rc" 1 "applying the same series again is refused"
like "$err" "already applied" "because it is applied"

run submit "$T/mseries.mbox"
msid=$(sql "SELECT id FROM series WHERE name = 'mmu: Add files'")
# a review of patch 1 arrives: its Reviewed-by goes into the commit
m1=$(sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$T"/mseries/0001-*.patch)
cat >"$T/review.mbox" <<EOF
From rev@example.org Mon Sep 17 00:00:00 2001
From: Rev Iewer <rev@example.org>
To: Mo Mmu <mo@example.org>
Subject: Re: [PATCH v2 1/3] mmu: Add c1
Date: $(date -R)
Message-Id: <review-1@example.org>
In-Reply-To: <$m1>
References: <$m1>

> +new 1
> Acked-by: Not Me <quoted@example.org>

Looks good.

Reviewed-by: Rev Iewer <rev@example.org>
EOF
run submit "$T/review.mbox"
run apply --patches 1,3 "$msid" mmu
is "$rc" 0 "a subset applies"
is "$(git --git-dir="$T/src.git" log --format=%s base..mmu | tr '\n' '|')" \
	"mmu: Add c3|mmu: Add c1|" "patches 1 and 3"
like "$out" 'not applied: 2' "the answer says what was left out"
is "$(git --git-dir="$T/src.git" log -1 --format=%B mmu~1 | sed '/^$/d' | tail -n 2 | tr '\n' '|')" \
	"Reviewed-by: Rev Iewer <rev@example.org>|Signed-off-by: Cthulhu Test <cthulhu@example.com>|" \
	"the collected Reviewed-by is in the commit, before the sign-off"
wait_for 10 outbox_has 2
sub=$(sql "SELECT raw FROM notifications WHERE series_id = $msid")
like "$sub" 'Subject: Re: \(subset\) \[PATCH v2 0/3\] mmu: Add files' \
	"the subset's notification says (subset)"
like "$(printf '%s\n' "$sub" | sed -n '/^Not applied:/,$p')" '^\[2/3\] mmu: Add c2' \
	"and lists what was not applied"

run submit --json "$T/bad.mbox"
bad=$(sql "SELECT series_id FROM patches WHERE subject = 'b: Change y'")
before=$(rev pmu)
rows=$(sql "SELECT count(*) FROM applied")
run apply "$bad" pmu
is "$rc" 1 "a patch that does not apply is refused"
like "$err" "'b.c'" "the error names the file"
like "$err" "hunk" "and the hunk"
is "$(rev pmu)" "$before" "the topic did not move"
is "$(sql "SELECT count(*) FROM applied")" "$rows" "no row was written"
api POST /api/v1/apply "{\"series\": $bad, \"topic\": \"pmu\"}"
is "$status" 422 "the API answers 422"

# a patch that names a path outside the tree
cat >"$T/evil.mbox" <<EOF
From evil@example.org Mon Sep 17 00:00:00 2001
From: E Vil <evil@example.org>
Subject: [PATCH] evil: Write outside the tree
Date: $(date -R)
Message-Id: <evil-1@example.org>

Signed-off-by: E Vil <evil@example.org>
---
diff --git a/../evil b/../evil
new file mode 100644
index 0000000..587be6b
--- /dev/null
+++ b/../evil
@@ -0,0 +1 @@
+x
EOF
run submit "$T/evil.mbox"
evil=$(sql "SELECT series_id FROM patches WHERE subject LIKE 'evil:%'")
if [ -n "$evil" ]; then
	api POST /api/v1/apply "{\"series\": $evil, \"topic\": \"pmu\"}"
	is "$status" 422 "a patch naming ../ is refused with 422"
	like "$body" "outside the tree" "and the error says why"
else
	# the intake may refuse such mail itself: then it must say why
	like "$err$out" '\.\./evil|outside|path' "the intake refuses a patch naming ../"
fi
is "$(rev pmu)" "$before" "the topic did not move"
is "$(sql "SELECT count(*) FROM applied")" "$rows" "no row was written"

api POST /api/v1/apply '{"series": 999, "topic": "pmu"}'
is "$status" 404 "an unknown series is 404"
api POST /api/v1/apply "{\"series\": $sid, \"topic\": \"nope\"}"
is "$status" 404 "an unknown topic is 404"

# --- drop ---------------------------------------------------------------------

c1=$(rev pmu~2) c2=$(rev pmu~1) c3=$(rev pmu)
run drop "$c1" --reason 'Breaks the build'
is "$rc" 1 "dropping a commit a later one depends on is refused"
like "$err" "$(git --git-dir="$T/src.git" rev-parse --short=12 "$c3")" \
	"the error names the dependent commit"
is "$(rev pmu)" "$c3" "and nothing changed"

run drop "$c2" --reason 'Twenty must stay a number, see the thread.'
is "$rc" 0 "dropping the middle commit works"
is "$(rev pmu~1)" "$c1" "the commit before keeps its SHA1"
is "$(git --git-dir="$T/src.git" rev-list --count base..pmu)" 2 "one commit fewer"
is "$(git --git-dir="$T/src.git" log -1 --format=%s pmu)" "pmu: Shout five" \
	"the later commit was replayed"
is "$(git --git-dir="$T/src.git" show pmu:a.txt | sed -n 20p)" 20 \
	"the dropped change is gone"
is "$(rev mmu~0)" "$(git --git-dir="$T/src.git" rev-parse mmu)" "mmu untouched"
is "$(sql "SELECT state || ' ' || reason FROM applied WHERE commit_sha = '$c2'")" \
	"dropped Twenty must stay a number, see the thread." "the row is marked dropped"
is "$(sql "SELECT commit_sha FROM applied WHERE number = 3 AND topic = 'pmu'")" "$(rev pmu)" \
	"the replayed row follows its new SHA1"
is "$(sql "SELECT old_sha FROM applied_history")" "$c3" "the old SHA1 is kept"
sent_is()
{
	[ "$(sql "SELECT count(*) FROM notifications WHERE state = 'sent'")" -eq "$1" ]
}
wait_for 10 sent_is 4
ok "a dropped and a SHA1-changed notification went out"
drop_mail=$(sql "SELECT raw FROM notifications WHERE kind = 'dropped'")
p2=$(sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$T"/series/0002-*.patch)
like "$drop_mail" "In-Reply-To: <$p2>" "the drop answers the patch"
like "$drop_mail" "Twenty must stay a number" "with the reason"
like "$drop_mail" "new version" "and asks for a new version"
chg=$(sql "SELECT raw FROM notifications WHERE kind = 'sha1-changed'")
first=$(sql "SELECT msgid FROM notifications WHERE kind = 'applied' AND topic = 'pmu'")
like "$chg" "In-Reply-To: <$first>" "the SHA1 change follows the applied notification"
like "$chg" "$(printf %.12s "$c3") -> $(git --git-dir="$T/src.git" rev-parse --short=12 pmu)" \
	"and lists old and new SHA1"

run drop "$c2" --reason again
is "$rc" 1 "a dropped commit cannot be dropped again"

# --- Link: ----------------------------------------------------------------------

stop_daemon
git config -f "$T/cthulhu.conf" apply.link 'https://lore.kernel.org/r/%s'
start_daemon "$T/cthulhu.conf"
run apply --patches 2 "$msid" mmu
is "$rc" 0 "apply with a link template"
p1=$(sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$T"/mseries/0002-*.patch)
msg=$(git --git-dir="$T/src.git" log -1 --format=%B mmu)
is "$(printf '%s\n' "$msg" | sed '/^$/d' | tail -n 2 | tr '\n' '|')" \
	"Link: https://lore.kernel.org/r/$p1|Signed-off-by: Cthulhu Test <cthulhu@example.com>|" \
	"Link: then the maintainer's Signed-off-by"

# --- patches already on the topic (git am by hand, or a crash) -----------------

# A topic where the bad patch applies; the patch goes in with git am by
# hand.  cthulhu apply then records the commit instead of applying twice.
git --git-dir="$T/dev/.git" push -q "$T/src.git" other:refs/heads/other
run topics add other --branch other
(cd "$T/dev" && git checkout -q -B byhand other &&
 GIT_COMMITTER_NAME='Cthulhu Test' GIT_COMMITTER_EMAIL=cthulhu@example.com \
	git am -q -s "$T/bad.mbox" && git push -q "$T/src.git" byhand:other)
byhand=$(rev other)
run apply "$bad" other
is "$rc" 0 "applying a series already on the topic succeeds"
is "$(rev other)" "$byhand" "without a second commit"
is "$(sql "SELECT commit_sha FROM applied WHERE series_id = $bad")" "$byhand" \
	"the commit on the topic is recorded"
like "$(cat "$T/daemon.log")" "already ends with the 1 patch" "and the log says so"

stop_daemon
ok "cthulhud stops"
done_testing
