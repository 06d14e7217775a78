#!/bin/sh
# The release cycle walked tag by tag: mainline (refs/heads/master of the
# tree's repository) moves from v6.8 through v6.9-rc1..rc7 to v6.9, with
# tags dated a week apart (GIT_COMMITTER_DATE), and GET /api/v1/cycle
# (through `cthulhu cycle --json`) names the phase, the soft closes and
# the days left to them as the document defines them.  Tags that are not
# reachable from mainline do not count.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

DAY=86400
D0=1710100000		# v6.8, 2024-03-10
make_repo "$T/linux"

# One commit and one annotated tag per step, dated $1 days after v6.8.
tag_at()
{
	local when=$((D0 + $2 * DAY))
	(cd "$T/linux" &&
	 GIT_COMMITTER_DATE="@$when +0000" GIT_AUTHOR_DATE="@$when +0000" \
		git commit -q --allow-empty -m "Linux $1" &&
	 GIT_COMMITTER_DATE="@$when +0000" git tag -a -m "Linux $1" "$1")
}

tag_at v6.8 0
tag_at v6.9-rc1 14
tag_at v6.9-rc2 21
tag_at v6.9-rc3 28
(cd "$T/linux" && git commit -q --allow-empty -m 'after rc3')
tag_at v6.9-rc4 35
tag_at v6.9-rc5 42
tag_at v6.9-rc6 49
tag_at v6.9-rc7 56
tag_at v6.9 63
(cd "$T/linux" && git push -q origin --tags)

# Move mainline to a revision of the work clone.
mainline_at()
{
	(cd "$T/linux" && git push -q -f origin "$1^{commit}:refs/heads/master")
}

# cyc NOW-DAYS JQ: a field of the cycle as of D0 + NOW-DAYS days.
cyc()
{
	cth cycle --now $((D0 + $1 * DAY)) --json | jq -r "$2"
}

write_config "$T/cthulhu.conf" "$T/linux.git" \
	'[tree]' '	mainline = refs/heads/master'

mainline_at v6.8
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

# Merge window after v6.8: rc1 expected two weeks later.
is "$(cyc 1 .phase)" merge-window "after v6.8: merge window"
is "$(cyc 1 .tag)" v6.8 "after v6.8: newest reachable tag"
is "$(cyc 1 .previous)" v6.8 "after v6.8: the last release"
is "$(cyc 1 .rc1.estimate)" true "after v6.8: rc1 is an estimate"
is "$(cyc 1 .rc1.days_left)" 13 "after v6.8: rc1 in 13 days"
is "$(cyc 1 .features_closed)" true "features are closed in the merge window"
is "$(cyc 1 .review_window)" false "no review in the merge window"

# rc1: the review window opens; rc5 four weeks out at the default cadence.
mainline_at v6.9-rc1
is "$(cyc 15 .phase)" review "rc1: review"
is "$(cyc 15 .rc)" 1 "rc1: rc number"
is "$(cyc 15 .release)" v6.9 "rc1: the release in the making"
is "$(cyc 15 .features_closed)" false "rc1: features open"
is "$(cyc 15 .features_close.tag)" v6.9-rc5 "rc1: features close at rc5"
is "$(cyc 15 .features_close.days_left)" 27 "rc1: features close in 27 days"
is "$(cyc 15 .fixes_close.days_left)" 34 "rc1: fixes close in 34 days"
is "$(cyc 15 .rc1.estimate)" false "rc1: rc1 is tagged"

# After rc3 (mainline one commit past the tag): cadence from the tags.
mainline_at 'v6.9-rc4^'
is "$(cyc 29 .tag)" v6.9-rc3 "past rc3: the newest reachable tag is rc3"
is "$(cyc 29 .cadence_days)" 7 "cadence from the rc tags"
is "$(cyc 29 .features_close.days_left)" 13 "rc3: features close in 13 days"
is "$(cyc 29 .features_close.estimate)" true "rc3: rc5 not tagged yet"
is "$(cyc 29 .review_window)" true "rc3: review window"

# rc5: soft close for features.
mainline_at v6.9-rc5
is "$(cyc 43 .phase)" features-closed "rc5: features closed"
is "$(cyc 43 .features_closed)" true "rc5: features_closed"
is "$(cyc 43 .fixes_closed)" false "rc5: fixes still open"
is "$(cyc 43 .features_close.estimate)" false "rc5: the close is tagged"
is "$(cyc 43 .fixes_close.days_left)" 6 "rc5: fixes close in 6 days"

# rc6: soft close for fixes; still in the review window.
mainline_at v6.9-rc6
is "$(cyc 50 .phase)" fixes-closed "rc6: fixes closed"
is "$(cyc 50 .fixes_closed)" true "rc6: fixes_closed"
is "$(cyc 50 .review_window)" true "rc6: last week of the review window"

# rc7: the week for pull requests.
mainline_at v6.9-rc7
is "$(cyc 57 .phase)" pull-requests "rc7: pull requests"
is "$(cyc 57 .pull_request_week)" true "rc7: pull_request_week"
is "$(cyc 57 .review_window)" false "rc7: review window over"

# v6.9: the next merge window.
mainline_at v6.9
is "$(cyc 64 .phase)" merge-window "v6.9: merge window again"
is "$(cyc 64 .previous)" v6.9 "v6.9: the last release"
is "$(cyc 64 .rc1.tag)" v6.10-rc1 "v6.9: next is v6.10-rc1"

# Going back is seen too: the tags past mainline do not count.
mainline_at v6.9-rc2
is "$(cyc 22 .tag)" v6.9-rc2 "tags past mainline are ignored"

# The text form and cthulhu status agree with the JSON.
like "$(cth cycle --now $((D0 + 22 * DAY)))" \
	'cycle: +v6.9-rc2: review window; features close in ~20 days' \
	"cthulhu cycle prints the summary"
like "$(cth status)" '^cycle: +v6.9-rc2: review window' \
	"cthulhu status shows the cycle"
is "$(cth status --json | jq -r .cycle.tag)" v6.9-rc2 \
	"GET /api/v1/status has a cycle object"

# Without [tree] mainline the cycle is unknown: 404 and exit 1.
stop_daemon
write_config "$T/cthulhu.conf" "$T/linux.git"
start_daemon "$T/cthulhu.conf"
cth cycle >"$T/out" 2>&1
is $? 1 "no mainline: cthulhu cycle exits 1"
like "$(cat "$T/out")" "no mainline ref configured" "no mainline: the reason"
like "$(cth status)" '^cycle: +unknown' "no mainline: status says the cycle is unknown"

done_testing
