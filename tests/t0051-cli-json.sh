#!/bin/sh
# The CLI against a real daemon: every read verb's --json is the API's
# JSON as curl gets it from the same route, the text output shows the
# same facts, and an error from the daemon exits 1 with its message.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

# api ROUTE [CURL ARGS...]: the daemon's answer, straight over the socket.
api()
{
	local route=$1
	shift
	curl -sS --unix-socket "$CTHULHU_SOCKET" "$@" "http://localhost$route"
}

# json FILE PATH: the value at PATH ("$.a.b") of the JSON document in FILE.
json()
{
	sqlite3 :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')"
}

json_valid()
{
	[ "$(sqlite3 :memory: "SELECT json_valid(CAST(readfile('$1') AS TEXT))")" = 1 ]
}

make_repo "$T/work"
(cd "$T/work" && git branch x86/pmu && git branch svm &&
 git push -q origin x86/pmu svm)
write_config "$T/cthulhu.conf" "$T/work.git" \
	'[topic "x86/pmu"]' '	branch = x86/pmu' '	order = 1' \
	'[topic "svm"]' '	branch = svm' '	order = 2'
start_daemon "$T/cthulhu.conf"
ok "the daemon starts" || done_testing

base=$(git -C "$T/work" rev-parse master)

# status: everything but the clock and the engine's jobs (the running one,
# the counts) is as the API says.
run status --json
is "$rc" 0 "status --json exits 0"
cp "$T/out" "$T/status.cli"
api /api/v1/status >"$T/status.api"
check "status --json is JSON" json_valid "$T/status.cli"
strip="json_remove(CAST(readfile('%s') AS TEXT), '\$.uptime', '\$.job', '\$.jobs_run')"
is "$(sqlite3 :memory: "SELECT $(printf "$strip" "$T/status.cli")")" \
   "$(sqlite3 :memory: "SELECT $(printf "$strip" "$T/status.api")")" \
   "status --json equals the API's answer"
is "$(json "$T/status.cli" '$.tree')" test "status --json names the tree"
is "$(json "$T/status.cli" '$.topics')" 2 "status --json counts the topics"

run status
is "$rc" 0 "status exits 0"
like "$out" '^tree: +test$' "status shows the tree"
like "$out" "^repository: +$T/work.git\$" "status shows the repository"
like "$out" '^topics: +2$' "status shows the topic count"
like "$out" '^version: +[0-9]+\.[0-9]+' "status shows the version"
like "$out" '^uptime: +[0-9]+[smhd]' "status shows the uptime"

# topics: byte for byte what the API sends.
run topics --json
is "$rc" 0 "topics --json exits 0"
is "$out" "$(api /api/v1/topics)" "topics --json equals the API's answer"
check "topics --json is JSON" json_valid "$T/out"
is "$(json "$T/out" '$.topics[0].name')" x86/pmu "topics --json: first by order"

run --json topics
is "$rc" 0 "--json before the verb: exit 0"
is "$out" "$(api /api/v1/topics)" "--json before the verb is the verb's --json"
run --json topics show x86/pmu
is "$out" "$(api /api/v1/topics/x86/pmu)" "--json before a verb with arguments"
run --json status extra
is "$rc" 2 "--json before the verb: the verb's usage errors stay"
like "$err" "'status' takes no arguments" "--json before the verb: the verb's message"

run topics
is "$rc" 0 "topics exits 0"
like "$out" '^NAME +BRANCH +ORDER +NEXT +TIP +MOVED' "topics prints a header"
short=$(printf '%.12s' "$base")
like "$out" "^x86/pmu +x86/pmu +1 +yes +$short " "topics shows x86/pmu with its short tip"
like "$out" "^svm +svm +2 +yes +$short " "topics shows svm"
is "$(printf '%s\n' "$out" | sed -n 2p | cut -d' ' -f1)" x86/pmu "topics are listed by order"

# Move a topic; the daemon records the move as an event.
(cd "$T/work" && git checkout -q x86/pmu && echo pmu >pmu.c &&
 git add pmu.c && git commit -q -m 'KVM: x86/pmu: Add pmu.c' &&
 git push -q origin x86/pmu)
pmu=$(git -C "$T/work" rev-parse x86/pmu)
has_event()
{
	"$CTHULHU" poke >/dev/null && api /api/v1/events | grep -q "$1"
}
wait_for 20 has_event "$pmu"
ok "the move of x86/pmu is an event"

run events --json
is "$rc" 0 "events --json exits 0"
is "$out" "$(api /api/v1/events)" "events --json equals the API's answer"
check "events --json is JSON" json_valid "$T/out"
last=$(json "$T/out" '$.last_id')
id=$(sqlite3 -readonly "$T/state/cthulhu.db" \
	"SELECT id FROM events WHERE new = '$pmu'")
like "$id" '^[0-9]+$' "the event is a row"

run events --since "$id" --json
is "$out" "$(api "/api/v1/events?since=$id")" "events --since --json equals the API's answer"
is "$(json "$T/out" '$.events[0].id')" "" "events --since ID leaves out event ID"
run events --limit 1 --json
is "$out" "$(api "/api/v1/events?limit=1")" "events --limit --json equals the API's answer"
run events --topic x86/pmu --json
is "$out" "$(api "/api/v1/events?topic=x86%2Fpmu")" "events --topic --json equals the API's answer"
is "$(json "$T/out" '$.events[0].topic')" x86/pmu "events --topic keeps that topic's moves"

run events
is "$rc" 0 "events exits 0"
like "$out" '^ID +AT +TOPIC +KIND +OLD +NEW +SOURCE' "events prints a header"
like "$out" "^$id +[0-9-]+ [0-9:]+ +x86/pmu +fast-forward +$short +$(printf '%.12s' "$pmu") " \
	"events shows the move: id, time, topic, kind, old and new"

# topics show: a topic name with a slash reaches its route.
run topics show x86/pmu --json
is "$rc" 0 "topics show --json exits 0"
is "$out" "$(api /api/v1/topics/x86/pmu)" "topics show --json equals the API's answer"
is "$(json "$T/out" '$.tip')" "$pmu" "topics show --json has the new tip"
run topics show x86/pmu
like "$out" "^tip: +$pmu\$" "topics show prints the tip"
like "$out" "^$id .*fast-forward" "topics show lists the recent move"

# Errors from the daemon: exit 1, its message on stderr, nothing on stdout.
msg=$(api /api/v1/topics/no/such | sed -n 's/.*"message": *"\([^"]*\)".*/\1/p')
like "$msg" . "the API refuses an unknown topic with a message"
run topics show no/such
is "$rc" 1 "topics show of an unknown topic exits 1"
is "$err" "error: $msg" "it prints the daemon's message"
is "$out" "" "and nothing on stdout"
run topics show no/such --json
is "$rc" 1 "topics show --json of an unknown topic exits 1"
is "$err" "error: $msg" "--json prints the same message"

msg=$(api "/api/v1/events?limit=0" | sed -n 's/.*"message": *"\([^"]*\)".*/\1/p')
run events --limit 0
is "$rc" 1 "events --limit 0 is refused: exit 1"
is "$err" "error: $msg" "it prints the daemon's message"

# --follow: the first answer, then every new move, one header.
"$CTHULHU" events --follow --since "$last" >"$T/follow" 2>"$T/follow.err" &
follower=$!
"$CTHULHU" events --follow --json --since "$last" >"$T/follow.json" 2>&1 &
jfollower=$!
(cd "$T/work" && git checkout -q svm && echo svm >svm.c &&
 git add svm.c && git commit -q -m 'KVM: SVM: Add svm.c' &&
 git push -q origin svm)
svm=$(git -C "$T/work" rev-parse svm)
wait_for 20 grep -q "$(printf '%.12s' "$svm")" "$T/follow"
ok "events --follow prints a move made after it started"
wait_for 20 grep -q "$svm" "$T/follow.json"
ok "events --follow --json prints it too"
(cd "$T/work" && git checkout -q x86/pmu && echo more >>pmu.c &&
 git commit -q -am 'KVM: x86/pmu: More' && git push -q origin x86/pmu)
pmu2=$(git -C "$T/work" rev-parse x86/pmu)
wait_for 20 grep -q "$(printf '%.12s' "$pmu2")" "$T/follow"
ok "events --follow keeps printing"
kill -INT "$follower" "$jfollower"
wait "$follower"
is "$?" 0 "events --follow ends with 0 when interrupted"
wait "$jfollower"
is "$(grep -c '^ID ' "$T/follow")" 1 "events --follow prints the header once"
is "$(grep -c "$svm" "$T/follow.json")" 1 "events --follow --json prints each event once"
n=$(grep -c . "$T/follow.json")
i=1 bad=0
while [ "$i" -le "$n" ]; do
	sed -n "${i}p" "$T/follow.json" >"$T/line"
	json_valid "$T/line" || bad=$((bad + 1))
	i=$((i + 1))
done
is "$bad" 0 "every line of events --follow --json is JSON"
is "$(cat "$T/follow.err")" "" "events --follow wrote no error"

done_testing
