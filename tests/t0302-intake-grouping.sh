#!/bin/sh
# Series grouping on real and generated threads, against a model of
# patchwork's grouping (tests/pw-grouping.py, checked here first against
# what patchwork's own tests assert on the corpus):
# * every patchwork series mbox of the corpus, each into a fresh daemon,
#   must group as the model does;
# * generated threads (rewritten sender addresses, a bogus shared
#   In-Reply-To, out-of-order arrival, late cover letters, replies from
#   other people carrying a diff) must group as the generator meant, and
#   as the model does except where cthulhu is meant to differ (listed
#   per case, with the reason);
# * cthulhu show and GET /api/v1/series/ID say why each mail joined.
. "$(dirname "$0")/lib.sh"
test_init

pwg() { python3 "$top_srcdir/tests/pw-grouping.py" "$@"; }

make_repo "$T/work"
write_config "$T/cthulhu.conf" "$T/work.git"

# ours PATTERN: "MSGID KIND SERIES" for the mail whose Message-ID is
# LIKE PATTERN, in the order it came (a reply is a comment, in no series)
ours()
{
	sql "SELECT msgid || ' ' || CASE WHEN kind IN ('patch', 'cover') THEN
	     kind ELSE 'comment' END || ' ' || CASE WHEN kind IN ('patch',
	     'cover') THEN series_id ELSE '-' END FROM messages
	     WHERE msgid LIKE '$1' ORDER BY id"
}

# differ A B: the Message-IDs that A and B group differently, sorted
differ()
{
	pwg compare "$1" "$2" | sort | tr '\n' ' ' | sed 's/ $//'
}

# --- the model against patchwork's own expectations ---------------------------

if have_corpus; then
	PW=$CORPUS/patchwork/series
	# file, [covers,patches,comments], patches per series (by date)
	while read -r file kinds split; do
		pwg group "$PW/$file" >"$T/pw.txt"
		got=$(awk '{ n[$2]++ } END { printf "%d,%d,%d", n["cover"],
			n["patch"], n["comment"] }' "$T/pw.txt")
		got="$got $(awk '$2 == "patch" { if (!($3 in n)) o[k++] = $3; n[$3]++ }
			END { for (i = 0; i < k; i++) printf "%s%d", i ? "," : "",
			n[o[i]] }' "$T/pw.txt")"
		is "$got" "$kinds $split" "model: $file as patchwork's tests assert"
	done <<'EOF'
base-single-patch.mbox 0,1,0 1
base-cover-letter.mbox 1,2,0 2
base-deep-threaded.mbox 1,2,0 2
base-out-of-order.mbox 1,2,0 2
base-no-cover-letter.mbox 0,2,0 2
base-different-versions.mbox 1,4,0 4
bugs-multiple-references.mbox 1,4,0 4
base-no-references.mbox 0,2,0 2
base-no-references-no-cover.mbox 1,2,0 2
bugs-multiple-content-types.mbox 0,1,1 1
revision-basic.mbox 2,4,0 2,2
revision-threaded-to-single-patch.mbox 0,2,0 1,1
revision-threaded-to-cover.mbox 2,4,0 2,2
revision-threaded-to-patch.mbox 2,4,0 2,2
revision-out-of-order.mbox 2,4,0 2,2
revision-no-cover-letter.mbox 1,4,0 2,2
revision-unlabeled.mbox 2,4,0 2,2
revision-unlabeled-noreferences.mbox 0,4,0 2,2
bugs-unnumbered.mbox 1,2,0 1,1
bugs-nocover-noversion.mbox 0,4,0 2,2
bugs-nocover.mbox 0,4,0 2,2
bugs-spamming.mbox 0,3,0 1,1,1
bugs-mixed-versions.mbox 0,2,0 1,1
base-incomplete.mbox 1,1,0 1
base-extra-patches.mbox 1,3,0 3
mercurial-cover-letter.mbox 1,2,0 2
mercurial-no-cover-letter.mbox 0,2,0 2
dependency-base-patch.mbox 1,2,0 2
EOF

	# --- cthulhu against the model on every series mbox -----------------
	for f in "$PW"/*.mbox; do
		name=${f##*/}
		stop_daemon
		rm -rf "$T/state"
		start_daemon "$T/cthulhu.conf" || break
		cth submit "$f" >/dev/null 2>&1
		ours '%' >"$T/ours.txt"
		pwg group "$f" >"$T/pw.txt"
		is "$(differ "$T/pw.txt" "$T/ours.txt")" "" \
			"corpus $name: grouped as patchwork groups it"
	done
	stop_daemon
fi

# --- generated threads -------------------------------------------------------

rm -rf "$T/state"
start_daemon "$T/cthulhu.conf"
ok "the daemon starts" || done_testing

JANE='Jane Doe <jane@example.org>'
JANE_GMANE='Jane Doe <jane-Qx7bS5mD1kLW3Pz0a9cA4g@public.gmane.org>'
JANE_BARE='jane-Qx7bS5mD1kLW3Pz0a9cA4g@public.gmane.org'
JANE_VIA='Jane Doe via Linux-kernel <linux-kernel@vger.kernel.org>'
ROE='Jo Roe <jo.roe@example.com>'
ROE_GMANE='"Roe, Jo" <jo.roe-Hk2mL8p0Qa1Vn3Xb7cD9eQ@public.gmane.org>'
OWNER='<linux-kernel-owner@vger.kernel.org>'
REVIEWER='Rev Iewer <rev@example.net>'

# mail FROM MSGID IRT REFS DAY MINUTE SUBJECT [nodiff]: one mbox message
# on stdout (REFS oldest first, IRT/REFS may be "")
mail()
{
	printf 'From gen Mon Sep 17 00:00:00 2001\nFrom: %s\n' "$1"
	printf 'Message-Id: <%s>\n' "$2"
	[ -z "$3" ] || printf 'In-Reply-To: <%s>\n' "$3"
	if [ -n "$4" ]; then
		printf 'References:'
		for r in $4; do printf ' <%s>' "$r"; done
		printf '\n'
	fi
	printf 'Date: Tue, %d Jun 2023 %02d:%02d:00 +0000\n' "$5" \
		$((10 + $6 / 60)) $(($6 % 60))
	printf 'Subject: %s\n\n' "$7"
	printf 'Text of %s.\n\nSigned-off-by: %s\n' "$2" "$1"
	if [ "${8:-diff}" = diff ]; then
		printf -- '---\n f | 2 +-\n\ndiff --git a/f b/f\n'
		printf -- '--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+%s\n' "$2"
	fi
	printf '\n'
}

# shuffle SEED: the lines of stdin in an order SEED picks
shuffle()
{
	awk -v seed="$1" 'BEGIN { srand(seed) } { l[NR] = $0 }
		END { for (i = NR; i > 1; i--) { j = int(rand() * i) + 1
			t = l[i]; l[i] = l[j]; l[j] = t }
		      for (i = 1; i <= NR; i++) print l[i] }'
}

# A case NAME (new_case) writes each mail to $T/gen/NAME/mail.MSGID
# (every MSGID starts "NAME.") and the intended grouping to
# $T/gen/NAME.truth ("MSGID KIND LABEL"); run_case NAME MSGID... then
# submits them in that order.
new_case()
{
	CASE=$1
	mkdir -p "$T/gen/$CASE"
	: >"$T/gen/$CASE.truth"
}

# put LABEL KIND FROM MSGID IRT REFS DAY MIN SUBJECT [nodiff]
put()
{
	local label=$1 kind=$2
	shift 2
	mail "$@" >"$T/gen/$CASE/mail.$2"
	echo "$2 $kind $label" >>"$T/gen/$CASE.truth"
}

# run_case NAME ORDER-OF-MSGIDS...: submit in that order; "ours", the
# model's grouping ("pw") and the truth compared
run_case()
{
	local name=$1 id
	shift
	: >"$T/gen/$name.mbox"
	for id in "$@"; do
		cat "$T/gen/$name/mail.$id" >>"$T/gen/$name.mbox"
	done
	cth submit "$T/gen/$name.mbox" >"$T/gen/$name.out" 2>&1
	ours "$name.%" >"$T/gen/$name.ours"
	pwg group "$T/gen/$name.mbox" >"$T/gen/$name.pw"
}

# check_case NAME DESC PW-DIFFERS WHY: as meant; and as patchwork's
# model, but for the Message-IDs PW-DIFFERS (sorted), for reason WHY
check_case()
{
	is "$(differ "$T/gen/$1.truth" "$T/gen/$1.ours")" "" "$1: $2"
	is "$(differ "$T/gen/$1.pw" "$T/gen/$1.ours")" "$3" \
		"$1: grouped as patchwork does${3:+, but $4}"
}

# --- a 10-patch RFC whose mails all answer one bogus parent -------------------
#
# None replies to the cover (an answer typed at git send-email's
# In-Reply-To prompt); the archive rewrote the sender of some to gmane's
# form.  Arriving in any order, the cover last, it is one series.
# Patchwork keeps a late cover apart: nothing it has refers to it.
for seed in 1 2 3 4 5; do
	c=rfc$seed
	new_case $c
	put S cover "$JANE" $c.0 bogus-$seed@nowhere "bogus-$seed@nowhere" \
		$((1 + seed)) 0 "[RFC PATCH 0/10] mm: A series in ten" nodiff
	for n in 1 2 3 4 5 6 7 8 9 10; do
		from=$JANE
		case $n in 3 | 6) from=$JANE_GMANE ;; 9) from=$JANE_VIA ;; esac
		[ $((n % seed)) -eq 0 ] && [ $n -eq 8 ] && from=$JANE_BARE
		put S patch "$from" $c.$n bogus-$seed@nowhere \
			"bogus-$seed@nowhere" $((1 + seed)) $n \
			"[RFC PATCH $n/10] mm: Part $n"
	done
	order=$(printf '%s\n' 1 2 3 4 5 6 7 8 9 10 | shuffle $seed |
		sed "s/^/$c./")
	# shellcheck disable=SC2086
	run_case $c $order $c.0
	check_case $c "one series of 10 and its cover (order $(echo $order |
		sed "s/$c\.//g"), then the cover)" "$c.0" \
		"the late cover letter joins its series"
	is "$(sql "SELECT count(DISTINCT series_id) || ' ' || count(*)
		FROM messages WHERE msgid LIKE '$c.%'")" "1 11" \
		"$c: the 11 mails are in one series"
done
sid=$(sql "SELECT series_id FROM messages WHERE msgid = 'rfc1.1'")
is "$(sql "SELECT author_email FROM series WHERE id = $sid")" \
	jane@example.org "rfc1: the series' author is the unrewritten address"
is "$(sql "SELECT group_concat(number) FROM (SELECT number FROM patches
	WHERE series_id = $sid ORDER BY number)")" "1,2,3,4,5,6,7,8,9,10" \
	"rfc1: patches 1 to 10"

# the same, with the cover first and its patches not answering it
new_case rcf
put S cover "$JANE" rcf.0 "" "" 9 0 "[RFC PATCH 0/3] mm: Cover first" nodiff
for n in 1 2 3; do
	from=$JANE
	[ $n -eq 2 ] && from=$JANE_GMANE
	put S patch "$from" rcf.$n bogus@nowhere bogus@nowhere 9 $n \
		"[RFC PATCH $n/3] mm: Cover first, part $n"
done
run_case rcf rcf.0 rcf.2 rcf.1 rcf.3
check_case rcf "the cover first, then the patches: one series" \
	"rcf.0" "the cover has the sender of its patches (one rewritten) within the time window"

# --- 44 patches answering their cover, one with a rewritten From: -------------
#
# Patchwork keeps them together by the thread; so does cthulhu, whether
# the sender kept its name ("Roe, Jo" at gmane) or not (a list's owner
# address), and when the odd one comes before the cover.
for v in name thread early; do
	c=big-$v
	new_case $c
	put B cover "$ROE" $c.0 "" "" 10 0 "[PATCH 0/44] x86: Forty-four" nodiff
	for n in $(seq 1 44); do
		from=$ROE
		if [ $n -eq 17 ]; then
			case $v in name) from=$ROE_GMANE ;; *) from=$OWNER ;; esac
		fi
		put B patch "$from" $c.$n $c.0 $c.0 10 $n "[PATCH $n/44] x86: Step $n"
	done
	if [ $v = early ]; then
		# shellcheck disable=SC2046
		run_case $c $c.17 $c.0 $(seq 1 16 | sed "s/^/$c./") \
			$(seq 18 44 | sed "s/^/$c./")
	else
		# shellcheck disable=SC2046
		run_case $c $(seq 0 44 | sed "s/^/$c./")
	fi
	check_case $c "one series of 44 with its cover (rewritten From: $v)" ""
done
is "$(sql "SELECT author_email FROM series s JOIN messages m ON m.series_id
	= s.id WHERE m.msgid = 'big-early.17'")" jo.roe@example.com \
	"big-early: the cover's sender is the series' author"
is "$(sql "SELECT join_reason FROM messages WHERE msgid = 'big-thread.17'")" \
	reference "big-thread: the rewritten patch joined by reference"
like "$(sql "SELECT join_detail FROM messages WHERE msgid = 'big-thread.17'")" \
	"replies to the cover letter <big-thread.0>.*sender: the thread" \
	"big-thread: ... and the thread is what tied the sender"
like "$(sql "SELECT join_detail FROM messages WHERE msgid = 'big-name.17'")" \
	"sender: same name" "big-name: the gmane one by the same name"

# --- replies from someone else carrying a diff ---------------------------------
#
# "Re: [PATCH 2/3]" with a diff is a comment for patchwork too; the same
# without "Re:" (slot 2 taken), or unnumbered, answering a patch of the
# series, patchwork makes a patch: cthulhu keeps it a comment.
new_case reply
for n in 1 2 3; do
	put R patch "$JANE" reply.$n reply.0 reply.0 12 $n "[PATCH $n/3] net: Fix $n"
done
put - comment "$REVIEWER" reply.re2 reply.2 "reply.0 reply.2" 12 30 \
	"Re: [PATCH 2/3] net: Fix 2"
put - comment "$REVIEWER" reply.alt2 reply.2 "reply.0 reply.2" 12 31 \
	"[PATCH 2/3] net: Fix 2 differently"
put - comment "$REVIEWER" reply.alt3 reply.3 "reply.0 reply.3" 12 32 \
	"[PATCH] net: Another way"
put X patch "$REVIEWER" reply.own1 reply.3 "reply.0 reply.3" 12 33 \
	"[PATCH 1/2] net: My own series"
put X patch "$REVIEWER" reply.own2 reply.own1 "reply.0 reply.3 reply.own1" \
	12 34 "[PATCH 2/2] net: My own series, 2"
run_case reply reply.1 reply.2 reply.3 reply.re2 reply.alt2 reply.alt3 \
	reply.own1 reply.own2
check_case reply "another sender's mails with a diff are comments, but a series of its own" \
	"reply.alt2 reply.alt3" "a patch from someone else in the thread is a comment"
is "$(sql "SELECT kind || ' ' || join_reason FROM messages WHERE msgid = 'reply.alt2'")" \
	"reply comment" "reply: the mail without Re: is kept as a comment"
sid=$(sql "SELECT series_id FROM messages WHERE msgid = 'reply.1'")
is "$(sql "SELECT count(*) FROM messages WHERE series_id = $sid AND
	kind = 'reply'")" 3 "reply: the three comments are attached to the series"

# --- siblings of a missing parent, out of order, then the cover ---------------

new_case sib
put S cover "$JANE" sib.0 "" "" 14 0 "[PATCH v2 0/5] fs: Five" nodiff
for n in 1 2 3 4 5; do
	from=$JANE
	[ $n -eq 4 ] && from=$JANE_GMANE
	put S patch "$from" sib.$n sib.0 sib.0 14 $n "[PATCH v2 $n/5] fs: Five, $n"
done
run_case sib sib.5 sib.3 sib.1 sib.4 sib.2 sib.0
check_case sib "five patches out of order, the cover last: one series" ""

# two people answering one parent with series of the same shape stay apart
new_case two
for n in 1 2 3; do
	put A patch "$JANE" two.a$n two-parent@x two-parent@x 16 $n "[PATCH $n/3] a: $n"
	put B patch "$ROE" two.b$n two-parent@x two-parent@x 16 $n "[PATCH $n/3] b: $n"
done
run_case two two.a1 two.b1 two.a2 two.b2 two.a3 two.b3
check_case two "two senders replying to one parent: two series" \
	"two.b1 two.b2 two.b3" "a sibling must have the same sender"

# a v2 threaded to v1 by the same sender, one of it rewritten
new_case rev
for n in 0 1 2; do
	k=patch
	[ $n -eq 0 ] && k=cover
	put V1 $k "$JANE" rev.v1.$n "$([ $n -gt 0 ] && echo rev.v1.0)" \
		"$([ $n -gt 0 ] && echo rev.v1.0)" 18 $n "[PATCH $n/2] io: Two" \
		"$([ $n -eq 0 ] && echo nodiff)"
done
put V2 cover "$JANE" rev.v2.0 rev.v1.0 rev.v1.0 18 30 "[PATCH v2 0/2] io: Two" nodiff
put V2 patch "$JANE_GMANE" rev.v2.1 rev.v2.0 "rev.v1.0 rev.v2.0" 18 31 "[PATCH v2 1/2] io: Two"
put V2 patch "$JANE" rev.v2.2 rev.v2.0 "rev.v1.0 rev.v2.0" 18 32 "[PATCH v2 2/2] io: Two"
run_case rev rev.v1.0 rev.v1.1 rev.v1.2 rev.v2.0 rev.v2.2 rev.v2.1
check_case rev "v1 and v2 apart, v2 whole" ""

# no references at all: the same sender (one rewritten), version, total
new_case mk
put M patch "$JANE" mk.1 "" "" 20 0 "[PATCH 1/2] mk: No refs"
put M patch "$JANE_GMANE" mk.2 "" "" 20 2 "[PATCH 2/2] mk: No refs, 2"
run_case mk mk.1 mk.2
check_case mk "unthreaded mails of one sender: one series" "mk.1 mk.2" \
	"a gmane address is the same sender within the time window"
like "$(sql "SELECT join_reason || ': ' || join_detail FROM messages
	WHERE msgid = 'mk.2'")" \
	"^markers: no reference to a series; same sender \\(same name\\), v1, total 2, sent 2 min after" \
	"mk: joined by markers, in the time window"

# --- why, through the CLI and the API --------------------------------------------

sid=$(sql "SELECT series_id FROM messages WHERE msgid = 'rfc2.1'")
cth show "$sid" >"$T/show" 2>&1
is "$?" 0 "show SERIES exits 0"
is "$(sed -n '/^grouping/,$p' "$T/show" | grep -c '^  \[')" 11 \
	"show: a grouping line for each of the 11 mails"
like "$(cat "$T/show")" "\\[0\\] <rfc2.0> sibling: replies to the same parent <bogus-2@nowhere> \\(not received\\)" \
	"show: the late cover joined as a sibling of the missing parent"
like "$(cat "$T/show")" "\\[6\\] <rfc2.6> (sibling|created).*" \
	"show: the gmane one is explained"
like "$(grep '<rfc2.9>' "$T/show")" "same name \\(via a list\\)|created" \
	"show: the DMARC-munged one is explained"
first=$(sql "SELECT msgid FROM messages WHERE msgid LIKE 'rfc2.%' ORDER BY id LIMIT 1")
like "$(grep "<$first>" "$T/show")" "created: " \
	"show: the first mail to come started the series"
sid=$(sql "SELECT series_id FROM messages WHERE msgid = 'reply.1'")
cth show "$sid" >"$T/show" 2>&1
like "$(grep '<reply.alt2>' "$T/show")" \
	"^  reply <reply.alt2> comment: replies to patch 2 <reply.2> of series $sid from another sender" \
	"show: a comment from another sender says so"
like "$(grep '<reply.re2>' "$T/show")" "reply: a reply to <reply.2>" \
	"show: a reply says what it answers"
curl -sS --unix-socket "$CTHULHU_SOCKET" \
	"http://localhost/api/v1/series/$sid" >"$T/json"
is "$(jq -r '.grouping | map(.reason) | join(",")' "$T/json")" \
	"created,sibling,sibling,reply,comment,comment" \
	"API: the grouping of the series, a reason per mail in arrival order"
is "$(jq -r '.patches[1].join_reason' "$T/json")" sibling \
	"API: each patch has its join_reason"
like "$(jq -r '.patches[1].join_detail' "$T/json")" \
	"replies to the cover|shares|same parent" "API: ... and its join_detail"
is "$(jq -r '[.replies[] | .join_reason] | join(",")' "$T/json")" \
	"reply,comment,comment" "API: replies carry theirs too"

stop_daemon
ok "the daemon stops cleanly"
done_testing
