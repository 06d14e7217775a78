#!/bin/sh
# Moves made while cthulhud was not running (stopped, or killed with -9)
# are events after it starts, with source startup: a fast-forward, a
# forced push, a deleted branch and a branch that appeared.  A topic added
# to cthulhu.conf meanwhile starts at its tip without an event; one taken
# out of it is gone.  A reload (SIGHUP) syncs the topics the same way.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

make_repo "$T/src"
for b in mmu svm gone vmx dropped; do
	commit_on $b "$b: first"
done
(cd "$T/src" && git push -q origin mmu svm gone vmx dropped)
# (A section without keys is no topic: git config has nothing to read.)
topics="[topic \"mmu\"]
	order = 1
[topic \"svm\"]
	order = 2
[topic \"gone\"]
	order = 3
[topic \"late\"]
	branch = x86/late"
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 0' \
	"$topics" '[topic "dropped"]' '	order = 5'

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"
is "$(sql 'SELECT count(*) FROM topics')" 5 "five topics tracked"
stop_daemon
ok "cthulhud stops"

# Move everything while it is down.
mmu_old=$(rev mmu) svm_old=$(rev svm) gone_old=$(rev gone)
commit_on mmu 'mmu: second'
(cd "$T/src" && git checkout -q svm && git commit -q --amend -m 'svm: 1st' &&
 git checkout -q master)
commit_on x86/late 'late: first'
(cd "$T/src" && git push -q origin mmu x86/late && git push -q -f origin svm &&
 git push -q origin --delete gone)
# Topic vmx is new in the config, dropped is no longer there.
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 0' \
	"$topics" '[topic "vmx"]' '	order = 5'

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
check "the fast-forward is an event" \
	wait_for 20 has_event mmu "$mmu_old" "$(rev mmu)" fast-forward startup
check "the forced push is an event" \
	wait_for 20 has_event svm "$svm_old" "$(rev svm)" forced startup
check "the deleted branch is an event" \
	wait_for 20 has_event gone "$gone_old" "" deleted startup
check "the new branch is an event" \
	wait_for 20 has_event late "" "$(rev x86/late)" created startup
check "topic vmx, new in the config, is tracked at its tip" \
	tip_is vmx "$(rev vmx)"
is "$(sql "SELECT count(*) FROM events WHERE topic = 'vmx'")" 0 \
	"tracking vmx is no move"
is "$(sql "SELECT count(*) FROM topics WHERE name = 'dropped'")" 0 \
	"topic dropped, gone from the config, is gone"
is "$(nr_events)" 4 "four moves, four events"

# The API says the same.
out=$(cth events --json)
ok "cthulhu events --json"
is "$(jget "$out" '$.events[0].source')" startup "the API gives the source"
is "$(jget "$out" '$.last_id')" "$(sql 'SELECT max(id) FROM events')" \
	"last_id is the newest event"
out=$(cth poke --json)
ok "cthulhu poke --json"
is "$(jget "$out" '$.moves')" '[]' "nothing moved since start-up"
is "$(nr_events)" 4 "and nothing was recorded"

# A kill -9 loses nothing either.
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
mmu_old=$(rev mmu)
commit_on mmu 'mmu: third'
(cd "$T/src" && git push -q origin mmu)
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts after kill -9"
check "a move made after a kill -9 is an event" \
	wait_for 20 has_event mmu "$mmu_old" "$(rev mmu)" fast-forward startup
is "$(nr_events)" 5 "one more event"

# A reload adds and removes topics as a start does.
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 0' \
	"$topics" '[topic "dropped"]' '	order = 5'
kill -HUP "$DAEMON_PID"
check "SIGHUP brings topic dropped back" wait_for 20 tip_is dropped "$(rev dropped)"
check "and takes vmx out" \
	wait_for 20 test "$(sql "SELECT count(*) FROM topics WHERE name = 'vmx'")" = 0
is "$(nr_events)" 5 "a reload that finds no move records none"

stop_daemon
ok "cthulhud stops cleanly"
done_testing
