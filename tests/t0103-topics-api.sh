#!/bin/sh
# Adding and removing topics through the API and the CLI, and every way
# to get it wrong: unknown topic (404), duplicate (409), invalid JSON,
# missing or bad fields, a topic of cthulhu.conf (400) -- each a JSON
# error, with the topics and events tables unchanged.  Also the events
# route's since and limit.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

make_repo "$T/src"
commit_on mmu 'mmu: first'
commit_on mmu 'mmu: second'
commit_on svm 'svm: first'
(cd "$T/src" && git push -q origin mmu svm)
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 0' \
	'[topic "mmu"]' '	order = 1'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

# snap: the state a bad request must leave alone.
snap()
{
	sql 'SELECT * FROM topics ORDER BY name; SELECT * FROM events ORDER BY id'
}

out=$(cth topics --json)
ok "cthulhu topics --json"
is "$(jget "$out" '$.topics[0].name')" mmu "the config's topic is listed"
is "$(jget "$out" '$.topics[0].branch')" refs/heads/mmu "with its full ref"
is "$(jget "$out" '$.topics[0].source')" config "from the config"
is "$(jget "$out" '$.topics[0].into_next')" 1 "into next by default"
is "$(jget "$out" '$.topics[0].tip')" "$(rev mmu)" "at the branch's tip"
is "$(jget "$out" '$.topics[1]')" "" "and nothing else"
# ahead: commits on the topic that [tree] base has not.
over_base()
{
	git --git-dir="$T/src.git" rev-list --count "base..$1"
}
is "$(jget "$out" '$.topics[0].ahead')" "$(over_base mmu)" \
	"ahead is git rev-list --count base..mmu"
api GET /api/v1/topics/mmu
is "$(jget "$body" '$.ahead')" "$(over_base mmu)" \
	"GET /api/v1/topics/mmu says the same"

# Adding.
api POST /api/v1/topics '{"name": "svm", "branch": "svm", "order": 7, "into_next": false}'
is "$status" 201 "POST /api/v1/topics: 201 Created"
is "$(jget "$body" '$.name')" svm "the answer is the topic"
is "$(jget "$body" '$.branch')" refs/heads/svm "branch made a full ref"
is "$(jget "$body" '$.order')" 7 "with its order"
is "$(jget "$body" '$.into_next')" 0 "and into_next"
is "$(jget "$body" '$.tip')" "$(rev svm)" "at the branch's tip"
is "$(sql "SELECT source || ' ' || tip FROM topics WHERE name = 'svm'")" \
	"api $(rev svm)" "the row is there, source api"
cth topics add pmu --branch x86/pmu --order 3 >/dev/null
ok "cthulhu topics add"
is "$(sql "SELECT branch || ' ' || ord || ' ' || coalesce(tip, 'none') FROM topics WHERE name = 'pmu'")" \
	"refs/heads/x86/pmu 3 none" "a topic whose branch does not exist yet"
is "$(nr_events)" 0 "adding topics is no move"

before=$(snap)
api POST /api/v1/topics '{"name": "svm", "branch": "svm2"}'
is "$status" 409 "a duplicate: 409"
is "$(jget "$body" '$.error.code')" exists "error code exists"
like "$(jget "$body" '$.error.message')" "topic 'svm' exists" "the message names it"
is "$(snap)" "$before" "nothing changed"
cth topics add svm --branch svm --order 1 >/dev/null 2>&1
is "$?" 1 "cthulhu topics add of a duplicate exits 1"
api POST /api/v1/topics '{"name": "again", "branch": "refs/heads/mmu"}'
is "$status" 409 "a branch that is already a topic: 409"
is "$(snap)" "$before" "nothing changed"

api POST /api/v1/topics '{"name": "x", "branch": '
is "$status" 400 "invalid JSON: 400"
is "$(jget "$body" '$.error.code')" invalid "error code invalid"
is "$(snap)" "$before" "nothing changed"
api POST /api/v1/topics '["svm"]'
is "$status" 400 "a JSON array: 400"
api POST /api/v1/topics '{"branch": "vmx"}'
is "$status" 400 "no name: 400"
like "$(jget "$body" '$.error.message')" "missing 'name'" "the message says so"
api POST /api/v1/topics '{"name": "vmx"}'
is "$status" 400 "no branch: 400"
like "$(jget "$body" '$.error.message')" "missing 'branch'" "the message says so"
api POST /api/v1/topics '{"name": "vmx", "branch": "a..b"}'
is "$status" 400 "an invalid branch name: 400"
like "$(jget "$body" '$.error.message')" "not a valid branch name" "the message says so"
api POST /api/v1/topics '{"name": "vmx", "branch": "vmx", "oder": 1}'
is "$status" 400 "an unknown field: 400"
like "$(jget "$body" '$.error.message')" "unknown field 'oder'" "the message names it"
api POST /api/v1/topics '{"name": "vmx", "branch": "vmx", "order": "1"}'
is "$status" 400 "an order that is no integer: 400"
api POST /api/v1/topics '{"name": "v mx", "branch": "vmx"}'
is "$status" 400 "a name with a space: 400"
api POST /api/v1/topics '{"name": "nx", "branch": "next"}'
is "$status" 400 "the next branch as a topic: 400"
is "$(snap)" "$before" "nothing changed after all that"

# Unknown topics.
api GET /api/v1/topics/nope
is "$status" 404 "GET an unknown topic: 404"
is "$(jget "$body" '$.error.code')" not_found "error code not_found"
like "$(jget "$body" '$.error.message')" "unknown topic 'nope'" "the message names it"
api DELETE /api/v1/topics/nope
is "$status" 404 "DELETE an unknown topic: 404"
is "$(jget "$body" '$.error.code')" not_found "error code not_found"
cth topics remove nope >/dev/null 2>&1
is "$?" 1 "cthulhu topics remove of an unknown topic exits 1"
is "$(snap)" "$before" "nothing changed"

# A topic of cthulhu.conf stays.
api DELETE /api/v1/topics/mmu
is "$status" 400 "DELETE a topic of the config: 400"
like "$(jget "$body" '$.error.message')" "cthulhu.conf" "the message says to edit the config"
is "$(snap)" "$before" "nothing changed"

# One topic, with its moves.
api GET /api/v1/topics/x86/pmu
is "$status" 404 "topics are named by name, not branch"
api GET /api/v1/topics/svm
is "$status" 200 "GET /api/v1/topics/svm"
is "$(jget "$body" '$.events')" '[]' "no events yet"
old=$(rev svm)
git --git-dir="$T/src.git" update-ref refs/heads/svm "$(rev mmu)"
check "moving svm is an event" wait_for 20 has_event svm "$old" "$(rev mmu)" forced inotify
api GET /api/v1/topics/svm
is "$(jget "$body" '$.events[0].kind')" forced "the topic shows its move"
is "$(jget "$body" '$.events[0].new')" "$(rev mmu)" "with the new tip"
is "$(jget "$body" '$.tip')" "$(rev mmu)" "and the topic its new tip"

# Events: since and limit.
commit_on x86/pmu 'pmu: first'
(cd "$T/src" && git push -q origin x86/pmu)
check "creating pmu's branch is an event" \
	wait_for 20 has_event pmu "" "$(rev x86/pmu)" created inotify
first=$(sql 'SELECT min(id) FROM events')
last=$(sql 'SELECT max(id) FROM events')
api GET "/api/v1/events?limit=1"
is "$status" 200 "GET /api/v1/events?limit=1"
is "$(jget "$body" '$.events[0].id')" "$first" "the oldest event first"
is "$(jget "$body" '$.events[1]')" "" "only one"
is "$(jget "$body" '$.last_id')" "$first" "last_id is its id"
api GET "/api/v1/events?since=$first"
is "$(jget "$body" '$.events[0].id')" "$last" "since=ID gives the events after ID"
is "$(jget "$body" '$.events[0].topic')" pmu "pmu's"
api GET "/api/v1/events?since=$last"
is "$(jget "$body" '$.events')" '[]' "none after the last"
is "$(jget "$body" '$.last_id')" "$last" "last_id stays"
api GET "/api/v1/events?topic=svm"
is "$(jget "$body" '$.events[0].topic')" svm "topic=NAME filters"
is "$(jget "$body" '$.events[1]')" "" "to that topic"
out=$(cth events --json --since "$first")
ok "cthulhu events --since"
is "$(jget "$out" '$.events[0].id')" "$last" "the CLI passes since"
for q in since=abc since=-1 'since=1x' limit=0 limit=100000 limit=; do
	api GET "/api/v1/events?$q"
	is "$status" 400 "events?$q: 400"
done
is "$(jget "$body" '$.error.code')" invalid "error code invalid"

# Removing.
api DELETE /api/v1/topics/svm
is "$status" 200 "DELETE an API topic: 200"
is "$(jget "$body" '$.name')" svm "the answer is the removed topic"
is "$(sql "SELECT count(*) FROM topics WHERE name = 'svm'")" 0 "its row is gone"
is "$(sql "SELECT count(*) FROM events WHERE topic = 'svm'")" 1 "its history stays"
cth topics remove pmu >/dev/null
ok "cthulhu topics remove"
is "$(sql "SELECT count(*) FROM topics WHERE name = 'pmu'")" 0 "pmu is gone"

# API topics survive a restart; config topics stay config topics.
cth topics add vmx --branch mmu2 --order 9 >/dev/null
ok "add vmx"
stop_daemon
start_daemon "$T/cthulhu.conf"
ok "cthulhud restarts"
is "$(sql "SELECT name || ' ' || source FROM topics ORDER BY ord")" \
	"mmu config
vmx api" "the topics survive a restart"

# A move counts again; a topic without a branch has no count.
commit_on mmu 'mmu: third'
(cd "$T/src" && git push -q origin mmu)
cth poke >/dev/null
ok "mmu moves"
out=$(cth topics --json)
is "$(printf '%s' "$out" | jq '.topics[] | select(.name == "mmu") | .ahead')" \
	"$(over_base mmu)" "ahead follows the move"
is "$(printf '%s' "$out" | jq '.topics[] | select(.name == "vmx") | .ahead')" \
	null "ahead is null without a branch"
like "$(cth topics)" "^mmu +mmu +1 +yes +[0-9a-f]+ .* 3\$" \
	"cthulhu topics shows the count"
like "$(cth topics show mmu)" "^ahead: +3\$" "and topics show"

stop_daemon
ok "cthulhud stops cleanly"
done_testing
