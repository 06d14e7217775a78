#!/bin/sh
# Control characters and forged senders in hostile mail.  Encoded words
# carrying ESC, BEL, CR, LF and C1 controls in Subject: and From: reach
# neither the API nor the terminal: intake strips them, and the CLI
# prints any control or bidi character the daemon hands it (a topic
# named with U+202E, an error naming ESC) as a visible escape while
# --json stays exact.  An encoded display name cannot name the author's
# address ("Evil\r\nBcc: x@attacker.example" <evil@example.com>), and a
# "v2" of alice's series sent from mallory's address is flagged for the
# maintainer instead of superseding hers.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

api()
{
	curl -sS --unix-socket "$CTHULHU_SOCKET" "http://localhost$1"
}

# no_raw FILE: FILE has no ESC, BEL, CR or other C0 control but tab
# and newline, no DEL, C1 control, bidi override or isolate.
no_raw()
{
	! LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$1"
}

# no_escaped FILE: no subject or name in the JSON FILE has a control,
# raw or as a JSON escape.
no_escaped()
{
	grep -o '"\(subject\|name\|author_name\|from_name\)": *"\([^"\\]\|\\.\)*"' "$1" > "$1.names" &&
	[ -s "$1.names" ] && no_raw "$1.names" &&
	! grep -qiE '\\(u00[01][0-9a-f]|u007f|u00[89][0-9a-f]|[rnt])' "$1.names"
}

# no_attacker: no stored sender or author names attacker.example.
no_attacker()
{
	! sql "SELECT from_name, from_email FROM messages UNION ALL
	       SELECT author_name, author_email FROM series" | grep -q attacker
}

# patch_mail FILE FROM SUBJECT MSGID: a one-patch mail.
patch_mail()
{
	{
		printf 'From: %s\n' "$2"
		printf 'To: maint@example.com\n'
		printf 'Subject: %s\n' "$3"
		printf 'Date: Mon, 7 Dec 2026 10:00:00 +0000\n'
		printf 'Message-Id: <%s>\n' "$4"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\n\n'
		printf 'A change.\n\nSigned-off-by: A U Thor <author@example.com>\n'
		printf -- '---\n'
		printf 'diff --git a/README b/README\n'
		printf -- '--- a/README\n+++ b/README\n'
		printf '@@ -1 +1,2 @@\n base\n+more\n'
	} > "$1"
}

rlo=$(printf '\342\200\256')
make_repo "$T/work" evil
setup_daemon "$T/work.git" "the daemon starts" \
	"[topic \"x86/${rlo}fdp\"]" '	branch = evil' '	order = 1'

# --- controls in Subject: and From: --------------------------------------

patch_mail "$T/ctrl" \
	'=?utf-8?q?Mal=1B]0;pwned=07lory=C2=9B2J?= <mallory@example.org>' \
	'=?utf-8?q?[PATCH]_x=1B]0;pwned=07=1B[2J=0D=0AFake:_line=C2=9B?=' \
	t0816-ctrl@example.org
run submit "$T/ctrl"
is "$rc" 0 "a mail with controls in encoded words is taken"
check "cthulhu submit prints no raw control" no_raw "$T/out"
id=$(sql "SELECT series_id FROM messages WHERE msgid = 't0816-ctrl@example.org'")
is "$(sql "SELECT subject FROM messages WHERE id = (SELECT id FROM messages WHERE msgid = 't0816-ctrl@example.org')")" \
	"[PATCH] x]0;pwned[2J  Fake: line" \
	"the stored subject lost ESC, BEL and C1, CR LF became spaces"
is "$(sql "SELECT from_name FROM messages WHERE msgid = 't0816-ctrl@example.org'")" \
	"Mal]0;pwnedlory2J" "the stored name lost its controls"

api "/api/v1/series/$id" > "$T/api.json"
like "$(cat "$T/api.json")" '"subject"' "the API answers for the series"
check "the API's subjects and names have no control, raw or escaped" \
	no_escaped "$T/api.json"

for verb in "series" "series $id" "show $id"; do
	# shellcheck disable=SC2086
	cth $verb > "$T/human" 2>&1
	is "$?" 0 "cthulhu $verb exits 0"
	check "cthulhu $verb prints no raw control or bidi character" \
		no_raw "$T/human"
done
like "$(cth series "$id")" 'x\]0;pwned\[2J +Fake: line' \
	"cthulhu series shows the subject without its controls"

# --- what remains is printed escaped ----------------------------------------

cth topics > "$T/topics" 2>&1
is "$?" 0 "cthulhu topics exits 0"
check "cthulhu topics prints no raw bidi override" no_raw "$T/topics"
like "$(cat "$T/topics")" 'x86/\\u202efdp' "the topic's U+202E is printed as \\u202e"
cth topics --json > "$T/topics.json"
api /api/v1/topics > "$T/topics.api"
check "cthulhu topics --json prints the API's JSON exactly" \
	cmp "$T/topics.json" "$T/topics.api"

esc=$(printf '\033')
bel=$(printf '\007')
run topics remove "x${esc}]0;pwned${bel}y"
is "$rc" 1 "removing an unknown topic named with ESC fails"
check "the error names it without a raw ESC or BEL" no_raw "$T/err"
like "$err" 'x\\x1b\]0;pwned\\x07y' "the error shows ESC and BEL escaped"

# --- the author's address comes from the address, not the name ------------

patch_mail "$T/forged" \
	'=?utf-8?q?Evil=0D=0ABcc:_x@attacker.example?= <evil@example.com>' \
	'[PATCH] forged bcc' t0816-forged@example.org
run submit "$T/forged"
is "$rc" 0 "the mail with an address in its encoded name is taken"
is "$(sql "SELECT from_email FROM messages WHERE msgid = 't0816-forged@example.org'")" \
	"evil@example.com" "the sender is the address in angle brackets"
is "$(sql "SELECT author_email FROM series WHERE id = (SELECT series_id FROM messages WHERE msgid = 't0816-forged@example.org')")" \
	"evil@example.com" "so is the series' author"
check "no stored name or address names the attacker's" \
	no_attacker

# --- a v2 from another address does not supersede ---------------------------

patch_mail "$T/v1" 'Alice Author <alice@example.com>' \
	'[PATCH] net: fix the frobnicator' t0816-v1@example.com
patch_mail "$T/v2m" 'Alice Author <mallory@example.org>' \
	'[PATCH v2] net: fix the frobnicator' t0816-v2m@example.org
patch_mail "$T/v2a" 'Alice Author <alice@example.com>' \
	'[PATCH v2] net: fix the frobnicator' t0816-v2a@example.com
sid()
{
	sql "SELECT series_id FROM messages WHERE msgid = '$1'"
}
cth submit "$T/v1" >/dev/null && cth submit "$T/v2m" >/dev/null
ok "v1 from alice@ and v2 from mallory@ are taken"
v1=$(sid t0816-v1@example.com)
v2m=$(sid t0816-v2m@example.org)
is "$(sql "SELECT state || '|' || coalesce(superseded_by, '-') FROM series WHERE id = $v1")" \
	"new|-" "v1 is not superseded by mallory's v2"
is "$(sql "SELECT coalesce(supersedes, '-') || '|' || coalesce(supersede_held, '-') FROM series WHERE id = $v2m")" \
	"-|$v1" "mallory's v2 is flagged as holding back a supersede of v1"
like "$(api "/api/v1/series/$v2m")" "\"supersede_held\": *$v1" \
	"the API shows the flag"
like "$(cth series)" "^$v2m .*held: other sender than $v1" \
	"cthulhu series shows the flag"
queued()
{
	cth queue --json | grep -q "\"id\": *$v2m\b"
}
check "mallory's v2 is queued" wait_for 20 queued
like "$(cth queue)" "held: other sender than $v1" "cthulhu queue shows it"
like "$(cth show "$v2m")" "^held: .*series $v1 from another address" \
	"cthulhu show says why"

cth submit "$T/v2a" >/dev/null
ok "v2 from alice@ is taken"
v2a=$(sid t0816-v2a@example.com)
is "$(sql "SELECT state || '|' || superseded_by FROM series WHERE id = $v1")" \
	"superseded|$v2a" "alice's own v2 supersedes v1 as before"
is "$(sql "SELECT supersedes || '|' || coalesce(supersede_held, '-') FROM series WHERE id = $v2a")" \
	"$v1|-" "and is not flagged"

cth supersede "$v2m" "$v2a" >/dev/null
ok "the maintainer can still supersede by hand"
is "$(sql "SELECT coalesce(supersede_held, '-') FROM series WHERE id = $v2m")" \
	"-" "which clears the flag"

stop_daemon
ok "the daemon stops cleanly"
done_testing
