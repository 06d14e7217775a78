#!/bin/sh
# The trailers of replies in the commits, against b4 (0.12) as the
# oracle: a thread made with git format-patch --cover-letter --thread,
# replies with trailers to patches and to the cover letter; `b4 am -o
# DIR -m MBOX -l -s` (with and without -t) gives an mbox that git am
# commits; cthulhu am gives the same commit messages, and so does
# cthulhu apply.  Bad input: a trailer naming someone else than the
# reply's sender (left out and reported, as b4 does), a quoted trailer,
# an HTML reply, a reply with a diff (not a patch of the series).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

if ! command -v b4 >/dev/null 2>&1; then
	# under CI=true nothing may be missing (as need_corpus)
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - b4 is not installed (CI=true; contrib/bootstrap.sh test installs it)"
		exit 1
	fi
	echo "1..0 # SKIP b4 is not installed (contrib/bootstrap.sh test installs it)"
	exit 0
fi

now=$(date +%s)
git init -q --bare "$T/src.git"
git init -q -b master "$T/dev"
(
	cd "$T/dev"
	seq 1 40 >a.txt
	git add . && git commit -q -m 'Initial' && git tag base
	git push -q "$T/src.git" master base master:pmu
	git checkout -q -b work
	export GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org
	sed -i 's/^5$/five/' a.txt
	GIT_AUTHOR_DATE="$((now - 300)) -0700" git commit -q -am 'pmu: Change five

Five is better spelled out.

Signed-off-by: Pat Author <pat@example.org>'
	sed -i 's/^20$/twenty/' a.txt
	GIT_AUTHOR_DATE="$((now - 200)) -0700" git commit -q -am 'pmu: Change twenty

Twenty too.

Reviewed-by: Early Bird <early@example.org>
Signed-off-by: Pat Author <pat@example.org>'
	sed -i 's/^35$/thirty-five/' a.txt
	GIT_AUTHOR_DATE="$((now - 100)) -0700" git commit -q -am 'pmu: Change thirty-five

Signed-off-by: Pat Author <pat@example.org>'
	GIT_COMMITTER_NAME='Pat Author' GIT_COMMITTER_EMAIL=pat@example.org \
	git format-patch -q --cover-letter --thread -o "$T/series" base..work
	sed -i 's/\*\*\* SUBJECT HERE \*\*\*/pmu: Spell numbers/' \
		"$T/series/0000-cover-letter.patch"
)
msgid() { sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$1"; }
c0=$(msgid "$T"/series/0000-*.patch)
p1=$(msgid "$T"/series/0001-*.patch)
p2=$(msgid "$T"/series/0002-*.patch)
p3=$(msgid "$T"/series/0003-*.patch)

# reply FILE FROM SUBJECT ID PARENT [HEADER...]: a reply's headers
reply()
{
	local f=$1 from=$2 subject=$3 id=$4 parent=$5
	shift 5
	{
		printf 'From mboxrd@z Thu Jan  1 00:00:00 1970\n'
		printf 'From: %s\nSubject: %s\nDate: %s\n' "$from" "$subject" "$(date -R)"
		printf 'Message-Id: <%s>\nIn-Reply-To: <%s>\nReferences: %s\n' \
			"$id" "$parent" "${REFS:-<$c0> <$parent>}"
		for h in "$@"; do printf '%s\n' "$h"; done
		printf '\n'
		cat
	} >"$T/$f"
}

# patch 1: a review, a quoted trailer, and a Tested-by naming someone else
reply r1 'Rev Iewer <rev@example.org>' 'Re: [PATCH 1/3] pmu: Change five' \
	r1@example.org "$p1" <<'EOF'
On Mon, Pat Author wrote:
> Five is better spelled out.
>
> Reviewed-by: Quoted Person <quoted@example.org>
> Signed-off-by: Pat Author <pat@example.org>

Looks good.

Reviewed-by: Rev Iewer <rev@example.org>
Tested-by: Some One Else <else@example.org>
EOF
# patch 2: the Reviewed-by it has already, and an Acked-by from a +tag
reply r2 'Early Bird <early+kvm@example.org>' 'Re: [PATCH 2/3] pmu: Change twenty' \
	r2@example.org "$p2" <<'EOF'
Reviewed-by: Early Bird <early@example.org>
Acked-by: Early Bird <early+kvm@example.org>
EOF
# patch 3: an HTML reply (b4 reads text/plain only) and a reply with a diff
reply r3 'Html Person <html@example.org>' 'Re: [PATCH 3/3] pmu: Change thirty-five' \
	r3@example.org "$p3" 'MIME-Version: 1.0' 'Content-Type: text/html; charset=utf-8' <<'EOF'
<html><body>
Reviewed-by: Html Person <html@example.org>
</body></html>
EOF
reply r4 'Dee Iff <dee@example.org>' 'Re: [PATCH 3/3] pmu: Change thirty-five' \
	r4@example.org "$p3" <<'EOF'
How about this instead?

Suggested-by: Dee Iff <dee@example.org>

diff --git a/a.txt b/a.txt
--- a/a.txt
+++ b/a.txt
@@ -35 +35 @@
-35
+35 (thirty-five)
EOF
# patch 3: a sender and a trailer in UTF-8
reply r5 '=?UTF-8?q?Zo=C3=AB_=C3=9Cn=C3=AFcode?= <zoe@example.org>' \
	'Re: [PATCH 3/3] pmu: Change thirty-five' r5@example.org "$p3" \
	'MIME-Version: 1.0' 'Content-Type: text/plain; charset=utf-8' \
	'Content-Transfer-Encoding: 8bit' <<'EOF'
Acked-by: Zoë Ünïcode <zoe@example.org>
EOF
# the cover letter: an Acked-by for the whole series
reply r0 'Ack Er <ack@example.org>' 'Re: [PATCH 0/3] pmu: Spell numbers' \
	r0@example.org "$c0" <<'EOF'
For the series:

Acked-by: Ack Er <ack@example.org>
EOF
for f in "$T"/series/*.patch "$T/r1" "$T/r2" "$T/r3" "$T/r4" "$T/r5" "$T/r0"; do
	cat "$f"
	echo
done >"$T/thread.mbox"

# --- b4, the oracle -----------------------------------------------------------

mkdir -p "$T/home"
b4_am()
{
	local out=$1
	shift
	rm -rf "$T/$out" && mkdir -p "$T/$out" &&
	(cd "$T/dev" &&
	 HOME=$T/home GIT_CONFIG_GLOBAL=$T/home/.gitconfig XDG_CACHE_HOME=$T/home/cache \
		b4 -n --offline-mode --no-stdin am -o "$T/$out" -m "$T/thread.mbox" "$@" 2>"$T/$out.log") &&
	ls "$T/$out"/*.mbx >/dev/null 2>&1
}
git config -f "$T/home/.gitconfig" user.name 'Cthulhu Test'
git config -f "$T/home/.gitconfig" user.email cthulhu@example.com
b4_am b4t -l -s -t
ok "b4 am -t makes an mbox" || done_testing
b4_am b4 -l -s
ok "b4 am without -t makes an mbox" || done_testing
like "$(cat "$T/b4t.log")" 'Tested-by: Some One Else' \
	"b4 reports the trailer naming someone else"

# messages MBOX: the commit messages git am makes of MBOX, one after another
messages()
{
	rm -rf "$T/am" && git clone -q "$T/src.git" "$T/am" &&
	(cd "$T/am" && git checkout -q -b am base &&
	 GIT_COMMITTER_NAME='Cthulhu Test' GIT_COMMITTER_EMAIL=cthulhu@example.com \
		git am -q "$1" &&
	 git log --reverse --format='%an <%ae> %ad%n%B--' base..am)
}
b4t_msgs=$(messages "$T"/b4t/*.mbx)
b4_msgs=$(messages "$T"/b4/*.mbx)
like "$b4t_msgs" 'Acked-by: Ack Er' "b4 -t gives the cover's trailer to the patches"
like "$b4t_msgs" 'Acked-by: Zoë Ünïcode <zoe@example.org>' "and takes the UTF-8 one"

# --- cthulhu am ---------------------------------------------------------------

write_config "$T/cthulhu.conf" "$T/src.git" '[topic "pmu"]' '	order = 1' \
	'[apply]' '	cover-trailers = false'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing
run submit "$T/thread.mbox"
is "$rc" 0 "the thread is submitted"
sid=$(sql "SELECT id FROM series WHERE total = 3 AND complete")
like "$sid" '^[0-9]+$' "it is one complete series of 3" || done_testing
is "$(sql "SELECT count(*) FROM patches WHERE series_id = $sid")" 3 \
	"the reply with a diff is not a patch of the series"

run am -s -o "$T/cth.mbox" "$sid"
is "$rc" 0 "cthulhu am -s -o FILE exits 0"
is "$(messages "$T/cth.mbox")" "$b4_msgs" \
	"with cover-trailers = false: the commit messages of b4 am -l -s"

stop_daemon
write_config "$T/cthulhu.conf" "$T/src.git" '[topic "pmu"]' '	order = 1'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again, with cover-trailers" || done_testing
run am -s "$sid"
printf '%s\n' "$out" >"$T/cth-t.mbox"
is "$(messages "$T/cth-t.mbox")" "$b4t_msgs" \
	"cthulhu am -s to stdout: the commit messages of b4 am -t -l -s"
like "$err" "warning: \\[1\\] trailer left out, it names someone else than the reply's sender: Tested-by: Some One Else <else@example.org> \\(from Rev Iewer <rev@example.org>\\)" \
	"cthulhu am reports the trailer left out, as b4 am does"
run show "$sid"
like "$out" 'left out, names someone else than its sender: Tested-by: Some One Else' \
	"so does cthulhu show"
run am --patches 2 "$sid"
is "$(grep -c '^From git@z' "$T/out")" 1 "--patches 2: one patch"
like "$out" 'Subject: \[PATCH 2/3\] pmu: Change twenty' "the one asked for"
is "$(printf '%s\n' "$out" | grep -c 'Signed-off-by: Cthulhu Test')" 0 \
	"without -s no Signed-off-by of the committer"
is "$(printf '%s\n' "$out" | grep -ci '^Reviewed-by: Early Bird')" 1 \
	"a trailer the patch has already is not added again"
run am 9999
is "$rc" 1 "cthulhu am of an unknown series fails"
like "$err" 'unknown series 9999' "and says so"
run am --patches 7 "$sid"
like "$err" "series $sid has no patch 7" "an unknown patch is named"

# --- cthulhu apply ------------------------------------------------------------

run apply "$sid" pmu
is "$rc" 0 "cthulhu apply exits 0"
like "$err" "warning: 'patch 1/3': trailer left out.*Tested-by: Some One Else <else@example.org> \\(from Rev Iewer <rev@example.org>\\)" \
	"the trailer naming someone else is left out, and reported"
is "$(git --git-dir="$T/src.git" log --reverse --format='%an <%ae> %ad%n%B--' base..pmu)" \
	"$b4t_msgs" "the applied commits have b4 am -t -l -s's messages"
body=$(git --git-dir="$T/src.git" log -1 --format=%B pmu~2)
is "$(printf '%s\n' "$body" | grep -c 'Quoted Person\|Some One Else')" 0 \
	"neither the quoted trailer nor the one naming someone else"
is "$(git --git-dir="$T/src.git" log -1 --format=%B pmu | grep -c 'Html Person')" 0 \
	"nor the HTML reply's"
like "$(git --git-dir="$T/src.git" log -1 --format=%B pmu)" 'Suggested-by: Dee Iff <dee@example.org>' \
	"the reply with a diff gives its trailer, as b4 takes it"
is "$(git --git-dir="$T/src.git" log -1 --format=%B pmu | sed "/^$/d" | tail -n 2 | tr '\n' '|')" \
	"Link: https://lore.kernel.org/r/$p3|Signed-off-by: Cthulhu Test <cthulhu@example.com>|" \
	"Link: and the maintainer's Signed-off-by last"
is "$(sql "SELECT trailers FROM applied WHERE number = 1")" \
	'["Reviewed-by: Rev Iewer <rev@example.org>","Acked-by: Ack Er <ack@example.org>"]' \
	"the applied row records the trailers the commit got"

# --- UTF-8 in the subject and the author: git am is the oracle --------------

# b4 0.12 fails on a folded encoded Subject:, so compare cthulhu am's mbox
# as git am commits it with cthulhu apply's commit.
(
	cd "$T/dev"
	git checkout -q -b utf8 base
	printf 'x\n' >u.txt && git add u.txt
	GIT_AUTHOR_NAME='Björn Töpel' GIT_AUTHOR_EMAIL=bjorn@example.org \
	GIT_AUTHOR_DATE="$((now - 50)) +0100" git commit -q -m 'pmu: Add ü, the umlaut – and a dash

Grüße.

Signed-off-by: Björn Töpel <bjorn@example.org>'
	git format-patch -q -1 --thread --stdout >"$T/utf8.mbox"
)
u1=$(sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$T/utf8.mbox")
REFS="<$u1>" reply r6 'Re Viewer <rev@example.org>' 'Re: [PATCH] pmu: umlaut' r6@example.org "$u1" \
	'MIME-Version: 1.0' 'Content-Type: text/plain; charset=utf-8' \
	'Content-Transfer-Encoding: 8bit' <<'EOF'
Reviewed-by: Re Viewer <rev@example.org>
Tested-by: Zoë Ünïcode <zoe@example.org>
EOF
run submit "$T/utf8.mbox"
run submit "$T/r6"
usid=$(sql "SELECT series_id FROM patches WHERE subject LIKE 'pmu: Add %'")
run am -s -o "$T/utf8-am.mbox" "$usid"
is "$rc" 0 "cthulhu am of a patch in UTF-8"
git --git-dir="$T/src.git" branch -q utf8t base
stop_daemon
write_config "$T/cthulhu.conf" "$T/src.git" '[topic "pmu"]' '	order = 1' \
	'[topic "utf8t"]' '	order = 2'
start_daemon "$T/cthulhu.conf"
run apply "$usid" utf8t
is "$rc" 0 "and cthulhu apply of it"
like "$err" 'Tested-by: Zoë Ünïcode' "the Tested-by naming someone else is reported"
is "$(messages "$T/utf8-am.mbox")" \
	"$(git --git-dir="$T/src.git" log --reverse --format='%an <%ae> %ad%n%B--' base..utf8t)" \
	"git am of cthulhu am's mbox makes the message and author cthulhu apply makes"
like "$(git --git-dir="$T/src.git" log -1 --format=%B utf8t)" 'Reviewed-by: Re Viewer <rev@example.org>' \
	"with the reply's trailer"
like "$(git --git-dir="$T/src.git" log -1 --format=%s utf8t)" '^pmu: Add ü, the umlaut – and a dash$' \
	"the subject in UTF-8 survives"

outbox_has() { [ "$(ls "$T/state/outbox/new" 2>/dev/null | wc -l)" -ge "$1" ]; }
wait_for 10 outbox_has 1
mail=$(cat "$T"/state/outbox/new/*)
like "$mail" 'Reviewed-by: Rev Iewer <rev@example.org>' \
	"the applied notification lists the trailers added"
done_testing
