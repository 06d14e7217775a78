#!/bin/sh
# Thirty bumps into the same place: each puts its series exactly where it
# was asked, however small the gap between the ranks around it has become
# (series of the same second are 1024 ranks apart, which ten halvings
# use up); the order in the database agrees, and a series that arrives
# afterwards still queues by arrival.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

make_repo "$T/src"

# mail N SECOND: a one-patch series, all on the same day and minute.
mail()
{
	printf 'From bump-%s Mon Sep 17 00:00:00 2001\n' "$1"
	printf 'From: Ann Author <ann%s@example.com>\nTo: kvm@vger.kernel.org\n' "$1"
	printf 'Subject: [PATCH] KVM: x86: Change number %s\n' "$1"
	printf 'Message-Id: <bump%s@example.com>\n' "$1"
	printf 'Date: Mon, 16 Nov 2026 10:00:%02d +0000\n\n' "$2"
	printf 'Change %s.\n\nSigned-off-by: Ann Author <ann%s@example.com>\n' "$1" "$1"
	printf -- '---\n f%s | 1 +\n 1 file changed, 1 insertion(+)\n\n' "$1"
	printf 'diff --git a/f%s b/f%s\nnew file mode 100644\n' "$1" "$1"
	printf 'index 0000000..257cc56\n--- /dev/null\n+++ b/f%s\n' "$1"
	printf '@@ -0,0 +1 @@\n+foo\n\n'
}

# 36 series, all arriving in the same second.
for n in $(seq 1 36); do
	mail "$n" 0
done >"$T/all.mbox"
mail 99 30 >"$T/late.mbox"

write_config "$T/cthulhu.conf" "$T/src.git"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

cth submit "$T/all.mbox" >/dev/null
ok "36 series submitted"
queued()
{
	[ "$(cth queue --json | jq .total)" = "$1" ]
}
check "36 series are queued" wait_for 30 queued 36

order()
{
	cth queue --json | jq -r '[.queue[].id] | map(tostring) | join(" ")'
}
# The order the API gives must say each position too.
positions()
{
	cth queue --json |
		jq -r '[.queue[] | "\(.position)"] | join(" ")'
}
expect=$(order)
is "$(positions)" "$(seq -s ' ' 1 36)" "positions run 1 to 36"

# move ID TO: the expected order with ID at position TO.
move()
{
	printf '%s\n' $expect | awk -v id="$1" -v to="$2" '
		$1 != id { v[++n] = $1 }
		END {
			for (i = 1; i <= n + 1; i++) {
				if (i == to) out = out (out == "" ? "" : " ") id
				if (i <= n) out = out (out == "" ? "" : " ") v[i]
			}
			print out
		}'
}

# Bump the last 30 to position 3, the oldest id first: each bump lands
# between the series at 2 and the one bumped just before it.
fails=0
for id in $(printf '%s\n' $expect | tail -30 | sort -n); do
	cth bump "$id" --to 3 --reason "bump $id" >/dev/null ||
		{ fails=$((fails + 1)); continue; }
	expect=$(move "$id" 3)
	got=$(order)
	if [ "$got" != "$expect" ]; then
		fails=$((fails + 1))
		echo "# after bumping $id: got      $got"
		echo "#                    expected $expect"
		expect=$got
	fi
	pos=$(cth queue --json | jq ".queue[] | select(.id == $id) | .position")
	[ "$pos" = 3 ] || { fails=$((fails + 1)); echo "# $id is at $pos"; }
done
is "$fails" 0 "30 bumps to position 3: every order is the one asked for"
is "$(positions)" "$(seq -s ' ' 1 36)" "positions still run 1 to 36"
is "$(sql 'SELECT group_concat(series_id, " ") FROM (SELECT series_id
	FROM queue WHERE queued ORDER BY olane, rank, series_id)')" \
	"$expect" "the database's order agrees"

# A later series still goes by arrival: last.
late=$(cth submit --json "$T/late.mbox" | jq -r '.series[0].id')
check "the late series is queued" wait_for 30 queued 37
is "$(order)" "$expect $late" "a series that arrives later goes last"

stop_daemon
ok "cthulhud stops cleanly"
done_testing
