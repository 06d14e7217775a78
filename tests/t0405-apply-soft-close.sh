#!/bin/sh
# cthulhu apply and the soft closes of the release cycle, against a real
# daemon whose mainline (refs/heads/master) walks v6.8, v6.9-rc1..rc7 with
# tags dated a week apart: a feature for a topic of next applies at rc3,
# is refused at rc5 (exit 1, the message names the soft close, the topic
# and the applied rows unchanged) and goes with --force and a warning; a
# stable fix (lane 2) applies at rc5 and is refused at rc6; a fix for the
# current release (lane 1) applies at rc7; the fixes topic (into-next
# false) takes anything.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

DAY=86400
D0=1710100000		# v6.8, 2024-03-10
make_repo "$T/linux"

at()
{
	echo "@$((D0 + $1 * DAY)) +0000"
}

# tag_at TAG DAYS: one commit and one annotated tag, DAYS after v6.8.
tag_at()
{
	(cd "$T/linux" &&
	 GIT_COMMITTER_DATE="$(at "$2")" GIT_AUTHOR_DATE="$(at "$2")" \
		git commit -q --allow-empty -m "Linux $1" &&
	 GIT_COMMITTER_DATE="$(at "$2")" git tag -a -m "Linux $1" "$1")
}

(cd "$T/linux" &&
 echo old > old.c && git add old.c &&
 GIT_COMMITTER_DATE="$(at -30)" git commit -q -m 'KVM: x86: Add the old thing')
tag_at v6.8 0
(cd "$T/linux" &&
 echo new > new.c && git add new.c &&
 GIT_COMMITTER_DATE="$(at 10)" git commit -q -m 'KVM: x86: Add the new thing')
tag_at v6.9-rc1 14
tag_at v6.9-rc2 21
tag_at v6.9-rc3 28
tag_at v6.9-rc4 35
tag_at v6.9-rc5 42
tag_at v6.9-rc6 49
tag_at v6.9-rc7 56
OLD=$(git -C "$T/linux" rev-parse v6.8~1)
NEW=$(git -C "$T/linux" rev-parse v6.9-rc1~1)
(cd "$T/linux" && git push -q origin --tags &&
 git push -q origin v6.8^{commit}:refs/heads/x86 \
	v6.8^{commit}:refs/heads/fixes)

# mainline_at TAG: move mainline there.
mainline_at()
{
	(cd "$T/linux" && git push -q -f origin "$1^{commit}:refs/heads/master")
}

# mkpatch NAME AUTHOR SUBJECT [TRAILER...]: one patch mail in $T/NAME.mbox
# adding NAME.c, made on a branch of its own off v6.8.
mkpatch()
{
	local name=$1 author=$2 subject=$3 msg
	shift 3
	msg=$(printf '%s\n\nChange %s.\n\n' "$subject" "$name"
	      for t in "$@"; do printf '%s\n' "$t"; done
	      printf 'Signed-off-by: %s <%s@example.org>\n' "$author" "$author")
	(cd "$T/linux" && git checkout -q -b "$name" v6.8 &&
	 echo "$name" > "$name.c" && git add "$name.c" &&
	 GIT_AUTHOR_NAME="$author" GIT_AUTHOR_EMAIL="$author@example.org" \
	 git commit -q -m "$msg" &&
	 git format-patch -q --stdout --thread --base=v6.8 -1 > "$T/$name.mbox" &&
	 git checkout -q master)
}

FIX_OLD="Fixes: $(echo "$OLD" | cut -c1-12) (\"KVM: x86: Add the old thing\")"
FIX_NEW="Fixes: $(echo "$NEW" | cut -c1-12) (\"KVM: x86: Add the new thing\")"
mkpatch feat1 alice 'KVM: x86: Add feature A'
mkpatch feat2 bob 'KVM: x86: Add feature B'
mkpatch feat3 carol 'KVM: x86: Add feature C'
mkpatch stable1 dave 'KVM: x86: Fix the old thing' "$FIX_OLD" \
	'Cc: stable@vger.kernel.org'
mkpatch stable2 erin 'KVM: x86: Fix the old thing again' "$FIX_OLD" \
	'Cc: stable@vger.kernel.org'
mkpatch current frank 'KVM: x86: Fix the new thing' "$FIX_NEW"

write_config "$T/cthulhu.conf" "$T/linux.git" \
	'[tree]' '	mainline = refs/heads/master' \
	'[topic "x86"]' '	order = 1' \
	'[topic "fixes"]' '	order = 2' '	into-next = false'
mainline_at v6.9-rc3
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing

for s in feat1 feat2 feat3 stable1 stable2 current; do
	cth submit --json "$T/$s.mbox" > "$T/$s.json" || echo "# submit $s failed"
	eval "id_$s=\$(jq -r '.series[0].id' \"\$T/\$s.json\")"
done

lane()
{
	sql "SELECT lane FROM queue WHERE series_id = $1"
}
classified()
{
	[ "$(sql "SELECT count(*) FROM queue")" = 6 ]
}
check "the queue has seen the six series" wait_for 20 classified
is "$(lane "$id_feat1") $(lane "$id_feat2") $(lane "$id_feat3")" "4 4 4" \
	"the features are in lane 4"
is "$(lane "$id_stable1") $(lane "$id_stable2")" "2 2" \
	"the stable fixes are in lane 2"
is "$(lane "$id_current")" 1 "the fix for the current release is in lane 1"

rev()
{
	git --git-dir="$T/linux.git" rev-parse --verify -q "$1"
}
rows()
{
	sql "SELECT count(*) FROM applied WHERE series_id = $1"
}
# files TOPIC: the files the topic added over v6.8
files()
{
	git --git-dir="$T/linux.git" diff --name-only v6.8 "$1" | tr '\n' ' '
}

# --- rc3: the review window; a feature applies --------------------------------

run apply "$id_feat1" x86
is "$rc" 0 "rc3: a feature applies to x86"
is "$err" "" "rc3: without a warning"
is "$(rows "$id_feat1")" 1 "rc3: its row is recorded"

# --- rc5: soft close for features ---------------------------------------------

mainline_at v6.9-rc5
tip=$(rev x86)
run apply "$id_feat2" x86
is "$rc" 1 "rc5: a feature for next is refused (exit 1)"
like "$err" "'x86' is closed for features \\(feature soft close: mainline is at v6.9-rc5\\)" \
	"rc5: the message names the topic and the soft close"
like "$err" "--force" "rc5: the message says how to take it anyway"
is "$(rev x86)" "$tip" "rc5: the topic did not move"
is "$(rows "$id_feat2")" 0 "rc5: no applied row"
is "$(sql "SELECT state FROM series WHERE id = $id_feat2")" new \
	"rc5: the series is still new"
is "$(sql "SELECT count(*) FROM notifications")" 1 \
	"rc5: no notification for the refused series"

run apply --json "$id_feat2" x86
is "$rc" 1 "rc5: refused the same way with --json"

run apply "$id_feat2" x86 --force
is "$rc" 0 "rc5: --force applies the feature"
like "$err" "^warning: 'x86' is closed for features \\(feature soft close" \
	"rc5: and warns on stderr"
like "$out" "applied to 'x86'" "rc5: the answer is on stdout"
is "$(rows "$id_feat2")" 1 "rc5: the forced apply is recorded"
is "$(git --git-dir="$T/linux.git" rev-parse x86~1)" "$tip" \
	"rc5: the feature sits on the old tip"

run apply --json "$id_stable1" x86
is "$rc" 0 "rc5: a stable fix (lane 2) still applies"
is "$(jq -r '.warnings | length' "$T/out")" 0 "rc5: the fix has no warning"

# --- rc6: soft close for fixes ------------------------------------------------

mainline_at v6.9-rc6
tip=$(rev x86)
run apply "$id_stable2" x86
is "$rc" 1 "rc6: a stable fix for next is refused"
like "$err" "'x86' is closed for fixes \\(fixes soft close: mainline is at v6.9-rc6\\)" \
	"rc6: the message names the fixes soft close"
is "$(rev x86)" "$tip" "rc6: the topic did not move"
is "$(rows "$id_stable2")" 0 "rc6: no applied row"

fixes_tip=$(rev fixes)
run apply "$id_stable2" fixes
is "$rc" 0 "rc6: the fixes topic (into-next false) takes it"
is "$err" "" "rc6: without a warning"
is "$(git --git-dir="$T/linux.git" rev-parse fixes~1)" "$fixes_tip" \
	"rc6: one commit on the fixes topic"

# --- rc7: the week for pull requests -------------------------------------------

mainline_at v6.9-rc7
run apply "$id_current" x86
is "$rc" 0 "rc7: a fix for the current release (lane 1) applies to x86"
is "$err" "" "rc7: without a warning"
run apply "$id_feat3" fixes
is "$rc" 0 "rc7: even a feature goes to the fixes topic"

is "$(files x86)" "current.c feat1.c feat2.c stable1.c " \
	"x86 has exactly the series applied to it"
is "$(files fixes)" "feat3.c stable2.c " \
	"fixes has exactly the series applied to it"
is "$(sql "SELECT group_concat(series_id || ':' || topic, ' ') FROM (SELECT series_id, topic FROM applied ORDER BY id)")" \
	"$id_feat1:x86 $id_feat2:x86 $id_stable1:x86 $id_stable2:fixes $id_current:x86 $id_feat3:fixes" \
	"the applied rows, in order"

# A fix for the current release applied the moment it arrives, before the
# queue's own scan has placed it: apply has the queue classify it first.
mkpatch current2 hana 'KVM: x86: Fix the new thing again' "$FIX_NEW"
id_current2=$(cth submit --json "$T/current2.mbox" | jq -r '.series[0].id')
run apply "$id_current2" x86
is "$rc" 0 "rc7: a fix for the current release applies straight after intake"
is "$err" "" "rc7: without a warning"
is "$(lane "$id_current2")" 1 "and the queue placed it in lane 1"

# --- without a mainline nothing is refused -------------------------------------

stop_daemon
ok "cthulhud stops"
sed -i '/mainline = /d' "$T/cthulhu.conf"
mkpatch feat4 gina 'KVM: x86: Add feature D'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts without [tree] mainline" || done_testing
id_feat4=$(cth submit --json "$T/feat4.mbox" | jq -r '.series[0].id')
seen4()
{
	[ -n "$(lane "$id_feat4")" ]
}
check "the queue has seen the new feature" wait_for 20 seen4
run apply "$id_feat4" x86
is "$rc" 0 "no mainline: a feature applies at rc7 without --force"
is "$err" "" "no mainline: without a warning"

status=$(curl -sS --unix-socket "$CTHULHU_SOCKET" -o "$T/api.out" \
	-w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary "{\"series\":$id_feat3,\"topic\":\"x86\",\"force\":\"yes\"}" \
	http://localhost/api/v1/apply)
is "$status" 400 "'force' that is not a boolean is refused"
like "$(cat "$T/api.out")" "'force' must be true or false" "and named"

done_testing
