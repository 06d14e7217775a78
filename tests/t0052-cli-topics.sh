#!/bin/sh
# cthulhu topics add/remove and poke against a real daemon: what the CLI
# sends lands in the database, and what the daemon refuses exits 1 with
# the daemon's own message and changes nothing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

api()
{
	local route=$1
	shift
	curl -sS --unix-socket "$CTHULHU_SOCKET" "$@" "http://localhost$route"
}

# message: the error message in the JSON document on stdin.
message()
{
	sed -n 's/.*"message": *"\([^"]*\)".*/\1/p'
}

json_valid()
{
	[ "$(sqlite3 :memory: "SELECT json_valid(CAST(readfile('$1') AS TEXT))")" = 1 ]
}

make_repo "$T/work"
(cd "$T/work" && git branch x86/pmu && git branch x86/mmu &&
 git branch 'kvm/odd#1' && git branch vmx &&
 git push -q origin x86/pmu x86/mmu 'kvm/odd#1' vmx)
write_config "$T/cthulhu.conf" "$T/work.git" \
	'[topic "x86/pmu"]' '	branch = x86/pmu' '	order = 1'
start_daemon "$T/cthulhu.conf"
ok "the daemon starts" || done_testing

run topics add x86/mmu --branch x86/mmu --order 3
is "$rc" 0 "topics add exits 0"
like "$out" "^added topic 'x86/mmu'" "topics add says what it added"
is "$(sql "SELECT branch, ord, into_next FROM topics WHERE name = 'x86/mmu'")" \
   "refs/heads/x86/mmu|3|1" "topics add: the topic is a row with its branch and order"
like "$(api /api/v1/topics)" '"name": *"x86/mmu"' "the API lists the new topic"

run topics add vmx --branch vmx
is "$rc" 0 "topics add without --order exits 0"
like "$out" "^added topic 'vmx' \\(branch vmx, order 4\\)" "it says the order the daemon gave"
is "$(sql "SELECT ord FROM topics WHERE name = 'vmx'")" 4 "without --order the topic goes last"
run topics remove vmx
is "$rc" 0 "topics remove of an added topic exits 0"

# '#' and '%' must be escaped in the URL, '/' must not.
odd='kvm/odd#1%'
run topics add "$odd" --branch 'kvm/odd#1' --order 4 --no-next --json
is "$rc" 0 "topics add --no-next --json exits 0"
check "topics add --json prints JSON" json_valid "$T/out"
like "$out" '"into_next": *false' "topics add --json: the created topic, out of next"
is "$(sql "SELECT into_next FROM topics WHERE name = '$odd'")" 0 \
   "topics add --no-next: into_next is false"

# The same name again: the daemon refuses; exit 1 with its message.
before=$(sql "SELECT count(*) FROM topics")
msg=$(api /api/v1/topics -X POST -H 'Content-Type: application/json' \
	-d '{"name":"x86/mmu","branch":"x86/mmu","order":5,"into_next":true}' | message)
like "$msg" . "the API refuses a topic that exists, with a message"
run topics add x86/mmu --branch x86/mmu --order 5
is "$rc" 1 "topics add of an existing topic exits 1"
is "$err" "error: $msg" "it prints the daemon's message"
is "$out" "" "and nothing on stdout"
is "$(sql "SELECT count(*) || ord FROM topics WHERE name = 'x86/mmu'")" 13 \
   "the existing topic is unchanged"
is "$(sql "SELECT count(*) FROM topics")" "$before" "no topic was added"

run topics show "$odd"
is "$rc" 0 "topics show of a name with '/', '#' and '%' exits 0"
like "$out" "^name: +kvm/odd#1%\$" "topics show of that name finds it"
run topics remove "$odd"
is "$rc" 0 "topics remove of that name exits 0"
like "$out" "^removed topic 'kvm/odd#1%'" "topics remove says what it removed"
is "$(sql "SELECT count(*) FROM topics WHERE name = '$odd'")" 0 \
   "topics remove: the row is gone"

msg=$(api /api/v1/topics/no/such -X DELETE | message)
like "$msg" . "the API refuses to remove an unknown topic, with a message"
run topics remove no/such
is "$rc" 1 "topics remove of an unknown topic exits 1"
is "$err" "error: $msg" "it prints the daemon's message"

msg=$(api /api/v1/topics/x86/pmu -X DELETE | message)
like "$msg" . "the API refuses to remove a topic of the config file"
run topics remove x86/pmu
is "$rc" 1 "topics remove of a configured topic exits 1"
is "$err" "error: $msg" "it prints the daemon's message"
is "$(sql "SELECT count(*) FROM topics WHERE name = 'x86/pmu'")" 1 \
   "the configured topic stays"

# poke: the answer's moves, as JSON or as a table.
(cd "$T/work" && git checkout -q x86/pmu && echo pmu >pmu.c &&
 git add pmu.c && git commit -q -m 'KVM: x86/pmu: Add pmu.c' &&
 git push -q origin x86/pmu)
pmu=$(git -C "$T/work" rev-parse x86/pmu)
run poke --json
is "$rc" 0 "poke --json exits 0"
check "poke --json prints JSON" json_valid "$T/out"
like "$out" '"moves": *\[' "poke --json prints the moves"
wait_for 20 sh -c "[ \"\$(sqlite3 -readonly '$T/state/cthulhu.db' \"SELECT count(*) FROM events WHERE new = '$pmu'\")\" = 1 ]"
ok "the move is recorded once"
run poke
is "$rc" 0 "poke exits 0"
is "$out" "no topic moved" "poke after the move was recorded: nothing moved"

done_testing
