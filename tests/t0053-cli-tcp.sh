#!/bin/sh
# The CLI over TCP: --url reaches the daemon's loopback listener; reads
# need no token, changes need --token-file, and a missing or wrong token
# is the daemon's refusal (exit 1), not a usage error.  So is a body over
# the size limit.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

make_repo "$T/work"
(cd "$T/work" && git branch x86/pmu && git push -q origin x86/pmu)

# A port of our own; try another if one is taken.
started=
for try in 1 2 3 4 5; do
	port=$((20000 + ($$ * 7 + try * 1009) % 40000))
	write_config "$T/cthulhu.conf" "$T/work.git" \
		'[topic "x86/pmu"]' '	branch = x86/pmu' '	order = 1' \
		'[http]' "	listen = 127.0.0.1:$port" '	body-limit = 1000'
	if start_daemon "$T/cthulhu.conf" >/dev/null &&
	   wait_for 10 curl -sf "http://127.0.0.1:$port/api/v1/status"; then
		started=1
		break
	fi
	stop_daemon
done
[ -n "$started" ]
ok "the daemon listens on 127.0.0.1:$port" || done_testing
url=http://127.0.0.1:$port

run --url "$url" status --json
is "$rc" 0 "status over TCP exits 0"
like "$out" '"tree": *"test"' "status over TCP answers"
# libcurl is opened for --url only (t0054 checks the socket does without).
LD_DEBUG=libs "$CTHULHU" --url "$url" status >/dev/null 2>"$T/libs"
grep -q 'calling init: .*libcurl' "$T/libs"
ok "--url loads libcurl"
run --url "$url/" topics
is "$rc" 0 "a URL with a trailing slash works"
like "$out" '^x86/pmu ' "topics over TCP lists the topic"

run --url "$url" topics add x86/mmu --branch x86/mmu --order 2
is "$rc" 1 "a change without a token is refused: exit 1"
like "$err" '^error: ' "the refusal is printed"
is "$(sql "SELECT count(*) FROM topics WHERE name = 'x86/mmu'")" 0 "nothing was added"

echo wrong-token >"$T/wrong"
run --url "$url" --token-file "$T/wrong" poke
is "$rc" 1 "a wrong token is refused: exit 1"

run --url "$url" --token-file "$T/state/token" topics add x86/mmu --branch x86/mmu --order 2
is "$rc" 0 "with the token the change is made"
is "$(sql "SELECT count(*) FROM topics WHERE name = 'x86/mmu'")" 1 "the topic was added"
run topics add svm --url "$url" --token-file "$T/state/token" --branch svm --order 3
is "$rc" 0 "connection options after the verb work too"

# A body over the limit is the daemon's refusal (413), not a lost daemon.
long=$(printf 'x%.0s' $(seq 1200))
run topics add "$long" --branch x86/long
is "$rc" 1 "a body over http.body-limit is refused: exit 1"
like "$err" '^error: .*limit' "the daemon's message about the limit is printed"
is "$(sql "SELECT count(*) FROM topics WHERE name = '$long'")" 0 "nothing was added"

done_testing
