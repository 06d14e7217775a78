#!/bin/sh
# SIGHUP reloads the config: a topic added to the file appears in
# GET /api/v1/topics, one removed goes away, and a broken file keeps the
# running config.  SIGTERM ends the daemon with status 0 and takes the
# socket away.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/work" x86/pmu svm
REPO=$T/work.git
setup_daemon "$REPO" "the daemon runs" "$(topic_conf x86/pmu 1)"

topics_have()
{
	http_req GET unix:/api/v1/topics
	printf '%s' "$body" | grep -q "\"name\": *\"$1\""
}

topics_have svm
is $? 1 "svm is not a topic yet"

write_config "$T/cthulhu.conf" "$REPO" "$(topic_conf x86/pmu 1)" \
	"$(topic_conf svm 2)"
kill -HUP "$DAEMON_PID"
wait_for 20 topics_have svm
ok "after SIGHUP the added topic is in GET /api/v1/topics"
is "$(sql "SELECT tip FROM topics WHERE name = 'svm'")" \
	"$(git --git-dir="$REPO" rev-parse svm)" "its tip is recorded"
kill -0 "$DAEMON_PID"
ok "the daemon is still the same process"

# A broken file: the reload fails, the running config stays.
printf '[tree\n' >>"$T/cthulhu.conf"
kill -HUP "$DAEMON_PID"
wait_for 20 grep -q 'reload failed' "$T/daemon.log"
ok "a broken config on SIGHUP is reported"
topics_have svm
ok "and the running config is kept"
kill -0 "$DAEMON_PID"
ok "and the daemon keeps running"

write_config "$T/cthulhu.conf" "$REPO" "$(topic_conf svm 2)"
kill -HUP "$DAEMON_PID"
wait_for 20 sh -c "! curl -s --unix-socket '$CTHULHU_SOCKET' http://localhost/api/v1/topics | grep -q x86/pmu"
ok "a topic removed from the file goes away on SIGHUP"

pid=$DAEMON_PID
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "SIGTERM: the daemon exits with status 0"
DAEMON_PID=
[ ! -S "$T/state/cthulhud.sock" ]
ok "the socket is gone"
like "$(tail -3 "$T/daemon.log")" "stopped" "the log says it stopped"
is "$(sqlite3 "$T/state/cthulhu.db" 'PRAGMA integrity_check')" ok \
	"the database is intact"

# SIGINT does the same (Ctrl-C in a terminal).
start_daemon "$T/cthulhu.conf"
pid=$DAEMON_PID
kill -INT "$pid"
wait "$pid"
is "$?" 0 "SIGINT: the daemon exits with status 0"
DAEMON_PID=
done_testing
