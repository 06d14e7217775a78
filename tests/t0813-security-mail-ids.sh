#!/bin/sh
# Message-IDs from hostile mail: a References header of 5,000 ids (each
# listed twice, just under the 256 KiB cap) parses in linear time and
# keeps In-Reply-To plus the 100 newest references, each once; one of
# 400,000 is refused before GMime reads it, saying why; ids with controls, spaces or no length
# limit (a bare CR smuggling a Bcc: header) are dropped at intake, and a
# Message-ID that fails falls back to the hash of the bytes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

DRV=$top_builddir/tests/mailinfo-driver

# many_refs N: a mail of In-Reply-To and References of ids 1..N, twice
many_refs()
{
	printf 'From: Eve Hostile <eve@example.org>\n'
	printf 'Subject: [PATCH] many references\n'
	printf 'Message-Id: <t0813-many@example.org>\n'
	printf 'In-Reply-To: <parent@example.org>\n'
	printf 'References:'
	awk -v n="$1" 'BEGIN { for (r = 0; r < 2; r++) for (i = 1; i <= n; i++)
		printf " <ref%d@example.org>\n", i }'
	printf '\nbody\n'
}
many_refs 5000 > "$T/many"
"$DRV" --show "$T/many" > "$T/many.out"
ok "a mail of 10,000 references parses"
is "$(grep -c '^reference: ' "$T/many.out")" 100 \
	"at most 100 references are kept"
is "$(grep '^reference: ' "$T/many.out" | head -n 2 | tr '\n' ' ')" \
	"reference: parent@example.org reference: ref5000@example.org " \
	"In-Reply-To first, then the newest reference"
is "$(grep '^reference: ' "$T/many.out" | sort | uniq -d | wc -l)" 0 \
	"each reference once"

many_refs 200000 > "$T/huge"
! "$DRV" --show "$T/huge" > "$T/huge.out" 2>&1
ok "a mail of 400,000 references is refused"
like "$(cat "$T/huge.out")" \
	"header 'References' is [0-9]+ bytes, over the limit of 262144; refused" \
	"and the error names the header and the limit"

cr=$(printf '\r')
{
	printf 'From: Eve Hostile <eve@example.org>\n'
	printf 'Subject: [PATCH] injected ids\n'
	printf 'Message-Id: <inj2%sBcc: x@attacker.example%s@example.com>\n' \
		"$cr" "$cr"
	printf 'In-Reply-To: <irt%sBcc: y@attacker.example>\n' "$cr"
	printf 'References: <good@example.org> <sp ace@example.org>'
	printf ' <%s@example.org>\n' "$(head -c 600 /dev/zero | tr '\0' a)"
	printf '\nbody\n'
} > "$T/inj"
"$DRV" --show "$T/inj" > "$T/inj.out"
ok "a mail with injected ids parses"
check "no output line carries a CR" sh -c "! grep -q '$cr' '$T/inj.out'"
check "the Message-ID is not the injected one" \
	sh -c "! grep -q '^message-id: .*inj2' '$T/inj.out'"
like "$(grep '^flags:' "$T/inj.out")" "no-message-id" \
	"the Message-ID falls back to a hash"
is "$(sed -n 's/^in-reply-to: //p' "$T/inj.out")" "" \
	"the injected In-Reply-To is dropped"
is "$(grep '^reference: ' "$T/inj.out")" "reference: good@example.org" \
	"only the valid reference is kept"

done_testing
