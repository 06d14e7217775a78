#!/bin/sh
# The CLI's own HTTP/1.1 client against the real daemon on its Unix
# socket: --json prints what curl gets from the same route, byte for
# byte; POST and DELETE change what they should; a request body larger
# than the socket's buffer arrives whole; one over http.body-limit is the
# daemon's refusal (exit 1) and changes nothing; and libcurl, which only
# --url needs, is neither linked nor loaded.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

# api PATH: the daemon's answer to GET PATH, as curl gets it.
api()
{
	curl -sS --unix-socket "$CTHULHU_SOCKET" "http://localhost$1"
}

make_repo "$T/work"
(cd "$T/work" && git branch x86/pmu && git branch svm &&
 git push -q origin x86/pmu svm)
write_config "$T/cthulhu.conf" "$T/work.git" \
	'[topic "x86/pmu"]' '	branch = x86/pmu' '	order = 1' \
	'[topic "svm"]' '	branch = svm' '	order = 2' \
	'[http]' '	body-limit = 1000000'
start_daemon "$T/cthulhu.conf"
ok "the daemon starts" || done_testing

# --- reads: what curl gets ---------------------------------------------------

run topics --json
is "$rc" 0 "topics --json over the socket: exit 0"
is "$out" "$(api /api/v1/topics)" "topics --json is the daemon's answer, byte for byte"
run events --json --limit 1
is "$rc" 0 "events --json: exit 0"
is "$out" "$(api '/api/v1/events?limit=1')" "events --json is the daemon's answer, byte for byte"
run topics show x86/pmu --json
is "$out" "$(api /api/v1/topics/x86/pmu)" "a path with a '/' in a name reaches its route"
run status
is "$rc" 0 "status: exit 0"
like "$out" '^tree: +test$' "status prints the tree"

run topics show nosuch
is "$rc" 1 "an unknown topic: exit 1"
like "$err" "^error: .*nosuch" "the daemon's message names it"

# --- changes -----------------------------------------------------------------

(cd "$T/work" && git branch x86/mmu && git push -q origin x86/mmu)
run topics add x86/mmu --branch x86/mmu --order 3
is "$rc" 0 "topics add (POST) over the socket: exit 0"
is "$(sql "SELECT branch || ' ' || ord FROM topics WHERE name = 'x86/mmu'")" \
	"refs/heads/x86/mmu 3" "the topic is in the database with its branch and order"
run topics remove x86/mmu
is "$rc" 0 "topics remove (DELETE) over the socket: exit 0"
is "$(sql "SELECT count(*) FROM topics WHERE name = 'x86/mmu'")" 0 "the topic is gone"

# A patch of about 600 KB: more than a Unix socket takes in one write.
(cd "$T/work" && git checkout -q -b big && seq 1 100000 >big.txt &&
 git add big.txt && git commit -q -m 'big: Add a file of 100000 lines' &&
 git format-patch -q --stdout -1 >"$T/big.mbox")
size=$(wc -c <"$T/big.mbox")
[ "$size" -gt 500000 ]
ok "the mbox has $size bytes"
run submit "$T/big.mbox"
is "$rc" 0 "submit of a 600 KB mbox: exit 0"
like "$out" '^1 ingested' "the message is ingested"
is "$(sql "SELECT subject FROM patches")" "big: Add a file of 100000 lines" "the patch is recorded"
is "$(sql "SELECT instr(CAST(raw AS TEXT), '+100000') > 0 FROM messages")" 1 \
	"the message arrived whole, to its last line"

# Over http.body-limit: the daemon answers 413 before it reads it all.
(cd "$T/work" && seq 1 300000 >big.txt && git commit -q -am 'big: Grow the file' &&
 git format-patch -q --stdout -1 >"$T/huge.mbox")
before=$(sql "SELECT count(*) FROM messages")
run submit "$T/huge.mbox"
is "$rc" 1 "a body over http.body-limit: exit 1, the daemon's refusal"
like "$err" '^error: .*limit' "the daemon's message about the limit is printed"
is "$(sql "SELECT count(*) FROM messages")" "$before" "nothing was ingested"

# --- libcurl stays out --------------------------------------------------------

ldd "$CTHULHU" >"$T/ldd"
ok "ldd reads the CLI"
! grep -q libcurl "$T/ldd"
ok "the CLI is not linked with libcurl"
LD_DEBUG=libs "$CTHULHU" topics >/dev/null 2>"$T/libs"
grep -q 'calling init: .*libjansson' "$T/libs"
ok "LD_DEBUG shows the libraries loaded"
! grep -q libcurl "$T/libs"
ok "a read over the socket does not load libcurl"

done_testing
