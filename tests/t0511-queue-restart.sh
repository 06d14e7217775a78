#!/bin/sh
# More lanes and the queue across a restart: [PATCH fixes] goes to lane 1,
# [PATCH tip] (queue.other-trees) and an Acked-by of another maintainer
# given in a reply to the cover letter to lane 3; lint.topics is honoured;
# a bump and the order survive a restart of the daemon (the in-memory
# order is loaded again from the database) and agree with an SQL count.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

make_repo "$T/src"

# mail ID DAY SUBJECT [IRT] [TRAILER]: one message (a patch unless the
# subject says 0/N).
mail()
{
	printf 'From: Ann Author <ann%s@example.com>\nTo: kvm@vger.kernel.org\n' "$1"
	printf 'Subject: %s\nMessage-Id: <m%s@example.com>\n' "$3" "$1"
	[ -n "${4:-}" ] && printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$4" "$4"
	printf 'Date: %s Nov 2026 10:00:00 +0000\n\n' "$2"
	printf 'Change %s.\n\n' "$1"
	[ -n "${5:-}" ] && printf '%s\n' "$5"
	printf 'Signed-off-by: Ann Author <ann%s@example.com>\n' "$1"
	case "$3" in
	*' 0/'*) printf -- '\n-- \n2.43.0\n' ;;
	*)
		printf -- '---\n f%s | 1 +\n 1 file changed, 1 insertion(+)\n\n' "$1"
		printf 'diff --git a/f%s b/f%s\nnew file mode 100644\n' "$1" "$1"
		printf 'index 0000000..257cc56\n--- /dev/null\n+++ b/f%s\n' "$1"
		printf '@@ -0,0 +1 @@\n+foo\n\nbase-commit: %s\n' \
			"$(git -C "$T/src" rev-parse HEAD)" ;;
	esac
}

# A feature of two patches with a cover letter (the oldest), a [PATCH
# fixes] patch, a [PATCH tip] patch, and a plain feature.
{
	mail 10 10 '[PATCH 0/2] KVM: SEV: Add the feature'
	mail 11 10 '[PATCH 1/2] KVM: SEV: Add the first half' m10@example.com
	mail 12 10 '[PATCH 2/2] KVM: SEV: Add the second half' m10@example.com
} >"$T/sev.mbox"
mail 20 11 '[PATCH fixes] KVM: x86: Fix the crash on reset' >"$T/fixes.mbox"
mail 30 12 '[PATCH tip] KVM: x86: Move the helper to the tip side' >"$T/tip.mbox"
mail 40 13 '[PATCH] KVM: x86: Add the other feature' >"$T/plain.mbox"
mail 50 14 'Re: [PATCH 0/2] KVM: SEV: Add the feature' m10@example.com \
	'Acked-by: Ingo Molnar <mingo@redhat.com>' >"$T/ack.mbox"

write_config "$T/cthulhu.conf" "$T/src.git" \
	'[queue]' '	other-maintainers = mingo@redhat.com' \
	'	other-trees = tip' \
	'[lint]' '	topics = x86, SEV' '	prefix = loud'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

sid()
{
	cth submit --json "$1" | jq -r '.series[0].id'
}
sev=$(sid "$T/sev.mbox")
fix=$(sid "$T/fixes.mbox")
tip=$(sid "$T/tip.mbox")
plain=$(sid "$T/plain.mbox")

queued()
{
	[ "$(cth queue --json | jq .total)" = "$1" ]
}
check "four series are queued" wait_for 20 queued 4
field()
{
	cth queue --json | jq -r ".queue[] | select(.id == $1) | $2"
}
order()
{
	cth queue --json | jq -r '[.queue[].id] | map(tostring) | join(" ")'
}
is "$(field "$fix" .lane)" 1 "[PATCH fixes] is lane 1"
like "$(field "$fix" .reason)" 'fixes topic' "lane 1: aimed at the fixes topic"
is "$(field "$tip" .lane)" 3 "[PATCH tip] is lane 3"
like "$(field "$tip" .reason)" 'another tree' "lane 3: another tree"
is "$(field "$sev" .lane)" 4 "the SEV feature is lane 4 before the ack"
is "$(order)" "$fix $tip $sev $plain" "lanes, then arrival"
is "$(cth series "$sev" --json | jq -r '[.patches[].lint[].rule] | join(",")')" \
	"" "lint.topics = x86, SEV: 'KVM: SEV:' passes"
like "$(cat "$T/daemon.log")" "bad value 'loud' for 'lint.prefix'" \
	"a bad lint value is reported, and the queue goes on"

# The ack of another maintainer comes as a reply to the cover letter.
cth submit "$T/ack.mbox" >/dev/null
lane3()
{
	[ "$(field "$sev" .lane)" = 3 ]
}
check "an Acked-by of another maintainer moves the series to lane 3" \
	wait_for 20 lane3
like "$(field "$sev" .reason)" 'Acked-by: Ingo Molnar <mingo@redhat.com>' \
	"lane 3: the reason names the ack"
is "$(order)" "$fix $sev $tip $plain" "lane 3 in order of arrival: the SEV series came first"

cth bump "$plain" --to 2 --reason 'small and cache hot' >/dev/null
is "$(order)" "$fix $plain $sev $tip" "the bump puts the plain feature second"

# Restart: the order is read back from the database.
before=$(order)
stop_daemon
ok "cthulhud stops"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
is "$(order)" "$before" "the order survives a restart"
is "$(cth queue --json | jq -r ".queue[] | select(.id == $plain) | .bump.reason")" \
	"small and cache hot" "the bump survives a restart"

# Each position agrees with a count over the table in SQL order.
for id in $fix $plain $tip $sev; do
	want=$(sql "SELECT count(*) FROM queue q, queue me WHERE me.series_id = $id AND q.queued AND (q.olane, q.rank, q.series_id) <= (me.olane, me.rank, me.series_id)")
	is "$(cth queue --json | jq -r ".queue[] | select(.id == $id) | .position")" \
		"$want" "series $id: position as SQL counts it"
done

done_testing
