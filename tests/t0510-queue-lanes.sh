#!/bin/sh
# The review queue against a real daemon: series made with git
# format-patch and submitted through the intake land in their lanes
# (fixes for the current release, stable fixes, other fixes, other
# maintainers' reviews, the rest) in order of arrival; the reason is
# shown; lint findings are stored per patch; bump, state, a new version
# and apply move series as the maintainer expects.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

DAY=86400
D0=1710100000
make_repo "$T/linux"

at()
{
	echo "@$((D0 + $1 * DAY)) +0000"
}

# A mainline with an old commit, v6.8, a new commit, v6.9-rc1.
(cd "$T/linux" &&
 echo old > old.c && git add old.c &&
 GIT_COMMITTER_DATE="$(at -30)" git commit -q -m 'KVM: x86: Add the old thing' &&
 GIT_COMMITTER_DATE="$(at 0)" git tag -a -m v6.8 v6.8 &&
 echo new > new.c && git add new.c &&
 GIT_COMMITTER_DATE="$(at 10)" git commit -q -m 'KVM: x86: Add the new thing' &&
 GIT_COMMITTER_DATE="$(at 14)" git tag -a -m v6.9-rc1 v6.9-rc1 &&
 git push -q origin master --tags)
OLD=$(git -C "$T/linux" rev-parse HEAD~1)
NEW=$(git -C "$T/linux" rev-parse HEAD)

# mkpatch NAME DAY AUTHOR SUBJECT [TRAILER...]: one patch mail in $T/NAME.mbox,
# made on a branch of its own off master, dated DAY days after v6.8.
mkpatch()
{
	local name=$1 day=$2 author=$3 subject=$4 msg
	shift 4
	msg=$(printf '%s\n\nChange %s.\n\n' "$subject" "$name"
	      for t in "$@"; do printf '%s\n' "$t"; done
	      printf 'Signed-off-by: %s <%s@example.org>\n' "$author" "$author")
	(cd "$T/linux" && git checkout -q -b "$name" master &&
	 echo "$name" > "$name.c" && git add "$name.c" &&
	 GIT_AUTHOR_NAME="$author" GIT_AUTHOR_EMAIL="$author@example.org" \
	 GIT_AUTHOR_DATE="$(at "$day")" git commit -q -m "$msg" &&
	 git format-patch -q --stdout --thread --base=master -1 > "$T/$name.mbox" &&
	 git checkout -q master)
}

mkpatch feat 15 alice 'KVM: x86: Add feature A'
mkpatch stable 16 bob 'KVM: x86: Fix the old thing' \
	"Fixes: $(echo "$OLD" | cut -c1-12) (\"KVM: x86: Add the old thing\")" \
	'Cc: stable@vger.kernel.org'
mkpatch current 17 carol 'KVM: x86: Fix the new thing' \
	"Fixes: $(echo "$NEW" | cut -c1-12) (\"KVM: x86: Add the new thing\")"
mkpatch acked 18 dave 'KVM: VMX: Rework the thing' \
	'Reviewed-by: Thomas Gleixner <tglx@linutronix.de>'
mkpatch badlint 19 erin 'kvm: x86: fix a null pointer dereference in function_xyz.'
mkpatch other 20 frank 'KVM: x86: Fix the next thing' \
	'Fixes: 0123456789ab ("KVM: x86: Add a thing only next has")'

write_config "$T/cthulhu.conf" "$T/linux.git" \
	'[tree]' '	mainline = refs/heads/master' \
	'[topic "x86"]' '	order = 1' \
	'[queue]' '	other-maintainers = tglx@linutronix.de, mingo@redhat.com' \
	'[lint]' '	punctuation = error'
(cd "$T/linux" && git push -q origin master:x86)
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

for s in feat stable current acked badlint other; do
	cth submit --json "$T/$s.mbox" > "$T/$s.json" || echo "# submit $s failed"
	eval "id_$s=\$(jq -r '.series[0].id' \"\$T/\$s.json\")"
done

queued()
{
	[ "$(cth queue --json | jq .total)" = "$1" ]
}
check "the six series are queued" wait_for 20 queued 6

# order: ids of the queue in order
order()
{
	cth queue --json | jq -r '[.queue[].id] | map(tostring) | join(" ")'
}
is "$(order)" "$id_current $id_stable $id_other $id_acked $id_feat $id_badlint" \
	"lanes first, then arrival"

field()
{
	cth queue --json | jq -r ".queue[] | select(.id == $1) | $2"
}
is "$(field "$id_current" .lane)" 1 "Fixes: a commit after v6.8 is lane 1"
like "$(field "$id_current" .reason)" 'current release.*after v6.8' \
	"lane 1: the reason names the release"
is "$(field "$id_stable" .lane)" 2 "Cc: stable is lane 2"
like "$(field "$id_stable" .reason)" 'stable|older release' "lane 2: the reason"
is "$(field "$id_other" .lane)" 2 "Fixes: an unknown commit is lane 2"
like "$(field "$id_other" .reason)" 'not in the repository' \
	"lane 2 (other fix): the reason"
is "$(field "$id_acked" .lane)" 3 "Reviewed-by another maintainer is lane 3"
like "$(field "$id_acked" .reason)" 'tglx@linutronix.de' "lane 3: who reviewed"
is "$(field "$id_feat" .lane)" 4 "a feature is lane 4"
is "$(field "$id_feat" .position)" 5 "the feature is fifth"
is "$(field "$id_feat" .wait.estimate)" true "the wait is labelled an estimate"
is "$(cth series --json | jq -r ".series[] | select(.id == $id_feat) | .position")" 5 \
	"GET /api/v1/series gives each series its position"
is "$(cth queue --json --lane 2 | jq -r '[.queue[].id] | map(tostring) | join(" ")')" \
	"$id_stable $id_other" "--lane 2 lists lane 2 only, stable first"
like "$(cth queue)" "^POS +ID +LANE" "the table has a header"

# Lint: stored per patch, shown with the series.
cth series "$id_badlint" --json > "$T/bad.json"
is "$(jq -r .position "$T/bad.json")" 6 "GET /api/v1/series/ID has the position"
is "$(jq -r '[.patches[0].lint[].rule] | join(",")' "$T/bad.json")" \
	"prefix,capitalize,punctuation" "the document's bad example: 3 findings"
is "$(jq -r '.patches[0].lint[] | select(.rule == "punctuation") | .severity' "$T/bad.json")" \
	error "lint.punctuation = error is honoured"
is "$(cth series "$id_feat" --json | jq -r '[.patches[0].lint[].rule] | join(",")')" \
	"" "a clean patch has no finding"
is "$(sql "SELECT count(*) FROM lint_findings WHERE series_id = $id_badlint")" 3 \
	"the findings are rows of lint_findings"
is "$(field "$id_badlint" .lint.errors)" 2 "the queue entry counts the errors"
cth show "$id_badlint" > "$T/show.txt"
like "$(cat "$T/show.txt")" '^queue: +position 6, lane 4: in order of arrival' \
	"cthulhu show: the place in the queue and why"
like "$(cat "$T/show.txt")" "^    error: 'kvm:' must be written 'KVM:'.*\\[prefix\\]\$" \
	"cthulhu show: each patch's findings"

# Bump: the series with lint errors is cache hot.
cth bump "$id_badlint" --to 2 --reason 'cache hot' >/dev/null
ok "bump --to 2"
is "$(order)" "$id_current $id_badlint $id_stable $id_other $id_acked $id_feat" \
	"the bumped series is second"
is "$(field "$id_badlint" .bump.reason)" "cache hot" "the bump's reason is shown"
cth bump "$id_feat" --reason 'size' >/dev/null
is "$(field "$id_feat" .position)" 1 "bump without --to goes first"
cth bump "$id_feat" --to 1 >/dev/null 2>&1
is $? 2 "bump without --reason is a usage error"

# State: reviewing stays queued, rejected leaves.
cth state "$id_acked" reviewing >/dev/null
is "$(field "$id_acked" .state)" reviewing "reviewing is shown"
is "$(cth queue --json | jq .total)" 6 "reviewing stays queued"
cth state "$id_current" rejected >/dev/null
is "$(cth queue --json | jq .total)" 5 "rejected leaves the queue"
is "$(order)" "$id_feat $id_badlint $id_stable $id_other $id_acked" \
	"the others move up"
cth state "$id_current" sleeping >/dev/null 2>&1
is $? 2 "an unknown state is a usage error"

# A new version keeps the place of the first: v2 of the lane 4 series
# "badlint", sent In-Reply-To v1 (which lint flags).
v1id=$(grep -i '^Message-Id:' "$T/badlint.mbox" | sed 's/.*<\(.*\)>.*/\1/')
(cd "$T/linux" && git checkout -q badlint &&
 GIT_AUTHOR_NAME=erin GIT_AUTHOR_EMAIL=erin@example.org \
	GIT_AUTHOR_DATE="$(at 25)" git commit -q --amend \
	-m 'KVM: x86: Fix a null pointer dereference in function_xyz()' \
	-m 'Signed-off-by: erin <erin@example.org>' &&
 git format-patch -q --stdout -v2 --thread --in-reply-to="$v1id" \
	--base=master -1 > "$T/badlint2.mbox" && git checkout -q master)
cth submit --json "$T/badlint2.mbox" > "$T/badlint2.json"
id_v2=$(jq -r '.series[0].id' "$T/badlint2.json")
cth supersede "$id_v2" "$id_badlint" >/dev/null
ok "the maintainer records that v2 supersedes v1"
has_v2()
{
	[ "$(field "$id_v2" .position)" = 2 ]
}
check "v2 takes v1's place (bumped to 2)" wait_for 20 has_v2
is "$(field "$id_badlint" .position)" "" "v1 left the queue"
is "$(cth series "$id_v2" --json | jq -r '[.lint[].rule] | join(",")')" \
	"in-reply-to" "v2 sent In-Reply-To v1 is flagged"

# Apply takes a series out of the queue.
cth apply "$id_stable" x86 >/dev/null
ok "apply the stable fix to x86"
check "an applied series leaves the queue" wait_for 20 queued 4
is "$(sql "SELECT left_state FROM queue WHERE series_id = $id_stable")" applied \
	"the queue records why it left"
like "$(field "$id_other" .wait.days)" '^[0-9]+$' \
	"with a series closed, waits have a number of days"

done_testing
