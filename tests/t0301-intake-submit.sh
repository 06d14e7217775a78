#!/bin/sh
# cthulhu submit against a real daemon with real mbox files: series are
# created, then extended; the same mail twice is reported as duplicates
# and writes nothing; malformed mail (no From, no Message-ID, an invalid
# charset, binary junk) gets a clear error or a flag and never a
# half-written row; supersede by hand; the [intake] maildir is read.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init
need_corpus

PW=$CORPUS/patchwork

jq_int()
{
	# jq_int KEY: the integer value of "KEY": N in $T/out
	sed -n "s/.*\"$1\": *\\([0-9]*\\).*/\\1/p" "$T/out" | head -n 1
}

rows()
{
	sql "SELECT (SELECT count(*) FROM messages) || ' ' || (SELECT count(*)
	     FROM series) || ' ' || (SELECT count(*) FROM patches) || ' ' ||
	     (SELECT count(*) FROM trailers)"
}

make_repo "$T/work"
mkdir -p "$T/maildir/new" "$T/maildir/cur" "$T/maildir/tmp"
write_config "$T/cthulhu.conf" "$T/work.git" \
	'[intake]' "	maildir = $T/maildir"
start_daemon "$T/cthulhu.conf"
ok "the daemon starts" || done_testing

# --- a series in two submissions ---------------------------------------------

# the cover and 1/2 first, then 2/2 and a reply
awk '/^From / { n++ } n <= 2' "$PW/series/base-cover-letter.mbox" >"$T/part1"
awk '/^From / { n++ } n > 2' "$PW/series/base-cover-letter.mbox" >"$T/part2"
run submit --json "$T/part1"
is "$rc" 0 "submit of a cover and patch 1/2 exits 0"
like "$out" '"action": *"created"' "the answer says a series was created"
like "$out" '"complete": *false' "1 of 2: not complete"
is "$(jq_int ingested)" 2 "2 messages ingested"
id=$(jq_int id)
run submit "$T/part2"
is "$rc" 0 "submit of patch 2/2 exits 0"
like "$out" "^1 ingested, 0 duplicates, 0 refused" "the summary line"
like "$out" "extended +$id +v1 +2/2\\+c +yes" "the series is extended and complete"
is "$(sql "SELECT name || '|' || complete || '|' || total FROM series")" \
	"A sample series|1|2" "the database has one complete series of 2"

# --- the same mail twice -----------------------------------------------------

before=$(rows)
run submit --json "$PW/series/base-cover-letter.mbox"
is "$rc" 0 "submitting the same mbox again exits 0"
is "$(jq_int duplicates)" 3 "all 3 messages are reported as duplicates"
is "$(jq_int ingested)" 0 "none is ingested"
like "$out" '1473632524-8585-1-git-send-email-stephenfinucane@gmail.com' \
	"the duplicates are named"
is "$(rows)" "$before" "no row was added"
raw=$(sql "SELECT length(raw) FROM messages WHERE msgid =
	'1473632524-8585-3-git-send-email-stephenfinucane@gmail.com'")
is "$raw" 1881 "the raw bytes of a message are kept"

"$CTHULHU" submit --json - <"$PW/series/base-cover-letter.mbox" >"$T/out"
is "$(jq_int duplicates)" 3 "submit - reads the mbox from standard input"
run submit "$T/does-not-exist"
is "$rc" 2 "submit of a missing file is a usage error"

# --- CLI reads --------------------------------------------------------------

run series "$id"
is "$rc" 0 "series ID exits 0"
like "$out" "\\[2/2\\] test: Convert to Markdown" "series ID lists the patches"
run series --json --msgid '<1473632524-8585-2-git-send-email-stephenfinucane@gmail.com>'
like "$out" "\"id\": *$id" "series --msgid finds the series of a message"
run series --author stephenfinucane@gmail.com
like "$out" "A sample series" "series --author lists it"

# --- revisions, supersede ------------------------------------------------------

run submit --json "$PW/series/revision-basic.mbox"
is "$rc" 0 "a v1 and a v2 series"
is "$(jq_int duplicates)" 3 "its v1 is a duplicate"
v2=$(sql "SELECT id FROM series WHERE version = 2")
is "$(sql "SELECT supersedes FROM series WHERE id = $v2")" "$id" \
	"v2 supersedes v1 (same author, same cover subject)"
is "$(sql "SELECT state FROM series WHERE id = $id")" superseded \
	"v1 is marked superseded"
run submit "$PW/series/base-single-patch.mbox"
run submit --json "$PW/series/revision-threaded-to-single-patch.mbox"
single=$(sql "SELECT min(id) FROM series WHERE total = 1")
other=$(sql "SELECT max(id) FROM series WHERE total = 1")
run supersede "$other" "$v2"
is "$rc" 0 "supersede NEW OLD exits 0"
is "$(sql "SELECT supersedes FROM series WHERE id = $other")" "$v2" \
	"supersede by hand is recorded"
run supersede "$other" "$other"
is "$rc" 1 "supersede of itself is refused"
like "$err" "cannot supersede itself" "with a message"
run supersede 9999 "$v2"
is "$rc" 1 "supersede of an unknown series is refused"
run supersede x "$v2"
is "$rc" 2 "supersede of a non-number is a usage error"

# --- trailers from replies -------------------------------------------------------

run submit "$PW/series/bugs-multiple-content-types.mbox"
is "$(sql "SELECT t.key || ': ' || t.value FROM trailers t JOIN patches p
	ON p.id = t.patch_id JOIN messages m ON m.id = p.message_id
	WHERE m.msgid = '20190820013652.147041-1-yuehaibing@huawei.com'")" \
	"Acked-by: Björn Töpel <bjorn.topel@intel.com>" \
	"the reply's Acked-by is collected onto the patch"

# --- malformed mail ---------------------------------------------------------------

before=$(rows)
printf 'Subject: [PATCH] no sender\nMessage-Id: <nofrom@x>\n\n---\ndiff --git a/a b/a\n' >"$T/nofrom"
run submit "$T/nofrom"
is "$rc" 1 "mail without From: is refused"
like "$err" "no sender" "with a clear message"
is "$(rows)" "$before" "and no row is written"

head -c 3000 /dev/urandom | tr -d '\n' >"$T/junk"
printf '\001\002\003' >>"$T/junk"
run submit "$T/junk"
is "$rc" 1 "binary junk is refused"
like "$err" "mail" "with a message about the mail"
is "$(rows)" "$before" "and no row is written"

run submit "$PW/mail/0008-git-rename.mbox"
is "$rc" 0 "mail without Message-ID is taken"
like "$(sql "SELECT flags FROM messages ORDER BY id DESC LIMIT 1")" \
	"no-message-id" "and flagged no-message-id"
run submit --json "$PW/mail/0008-git-rename.mbox"
is "$(jq_int duplicates)" 1 "and the same mail again is a duplicate (stable id)"

run submit "$PW/mail/0010-invalid-charset.mbox"
is "$rc" 0 "mail with an invalid charset is taken"
like "$(sql "SELECT flags FROM messages ORDER BY id DESC LIMIT 1")" \
	"bad-charset" "and flagged bad-charset"

# a mailbox where one of three is bad: the others go in, the bad one is named
before=$(sql "SELECT count(*) FROM messages")
{ cat "$PW/series/base-no-references.mbox"; printf 'From x Mon Sep 17 00:00:00 2001\n'
  cat "$T/nofrom"; } >"$T/mixed"
run submit --json "$T/mixed"
is "$rc" 0 "a mailbox with one bad mail exits 0"
is "$(jq_int ingested)" 2 "the good mails are ingested"
like "$out" '"index": *3' "the bad one is named by its position"
is "$(sql "SELECT count(*) FROM messages")" $((before + 2)) "only 2 rows added"

for f in "$PW"/fuzz/*.mbox; do
	run submit "$f"
	[ "$rc" -le 1 ] && [ -z "$(grep -i 'internal' "$T/err")" ]
	ok "fuzz ${f##*/}: taken or refused cleanly (exit $rc)"
done
run status
is "$rc" 0 "the daemon still answers after the fuzz files"

# --- through the API directly ---------------------------------------------------

code=$(curl -sS -o "$T/out" -w '%{http_code}' --unix-socket "$CTHULHU_SOCKET" \
	--data-binary @"$PW/series/mercurial-cover-letter.mbox" \
	http://localhost/api/v1/submit)
is "$code" 201 "POST /api/v1/submit creating a series answers 201"
code=$(curl -sS -o "$T/out" -w '%{http_code}' --unix-socket "$CTHULHU_SOCKET" \
	--data-binary @"$PW/series/mercurial-cover-letter.mbox" \
	http://localhost/api/v1/submit)
is "$code" 200 "the same again answers 200"
code=$(curl -sS -o "$T/out" -w '%{http_code}' --unix-socket "$CTHULHU_SOCKET" \
	http://localhost/api/v1/series/424242)
is "$code" 404 "GET an unknown series: 404"

# --- pull requests ---------------------------------------------------------------

run submit --json "$PW/mail/0003-git-pull-request-with-diff.mbox"
is "$rc" 0 "a pull request with a diff is taken"
pid=$(jq_int id)
code=$(curl -sS -o "$T/out" -w '%{http_code}' --unix-socket "$CTHULHU_SOCKET" \
	"http://localhost/api/v1/series/$pid")
is "$code" 200 "GET its series"
like "$(cat "$T/out")" \
	'"pull_url": *"git://git.kernel.org/pub/scm/linux/kernel/git/tip/linux-2.6-tip.git x86-fixes-for-linus"' \
	"the series JSON has the pull URL"
like "$(cat "$T/out")" '"patches": *\[.*"pull_url": *"git://' \
	"so has its patch"
run submit "$PW/mail/0023-git-pull-request-newline-in-url.mbox"
is "$rc" 0 "a pull request without a diff is taken"
is "$(sql "SELECT pull_url FROM messages WHERE pull_url LIKE '%matthias%'")" \
	"https://git.kernel.org/pub/scm/linux/kernel/git/matthias.bgg/linux.git/ tags/v5.4-next-soc" \
	"its pull URL (URL and tag on two lines) is stored"
is "$(sql "SELECT count(*) FROM messages WHERE pull_url IS NOT NULL")" 2 \
	"no other mail has a pull URL"

# --- the maildir -------------------------------------------------------------------

cp "$PW/series/base-no-cover-letter.mbox" "$T/maildir/tmp/1.mail"
sed '1d' "$PW/mail/0013-with-utf8-body.mbox" >"$T/maildir/tmp/2.mail"
mv "$T/maildir/tmp/1.mail" "$T/maildir/tmp/2.mail" "$T/maildir/new/"
wait_for 20 test -e "$T/maildir/cur/2.mail:2,"
ok "maildir: new mail is moved to cur/"
wait_for 20 test -e "$T/maildir/cur/1.mail:2,"
ok "maildir: both files"
is "$(ls "$T/maildir/new" | wc -l)" 0 "maildir: new/ is empty"
is "$(sql "SELECT count(*) FROM messages WHERE msgid IN
	('1473633236-10676-1-git-send-email-stephenfinucane@gmail.com',
	 '1464811283-10381-1-git-send-email-zajec5@gmail.com')")" 2 \
	"maildir: the mails are ingested"

stop_daemon
ok "the daemon stops cleanly"
done_testing
