#!/bin/sh
# [gate] mode = external without a real CI: the run's commit is pushed to
# the push-ref, a restart keeps the run waiting (not run again), a POST
# naming the commit passes it and next moves; a run no one answers fails
# at [gate] timeout.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

gate_tree t1
git init -q --bare "$T/ci.git"
conf()
{
	gate_config '	mode = external' '	command = make -s' \
		"	remote = $T/ci.git" '	push-ref = refs/heads/gate' "	timeout = $1"
}
conf 0
start_daemon "$T/cthulhu.conf"
waiting()
{
	[ "$(sql "SELECT count(*) FROM gate_runs WHERE state = 'running' AND slot = -1")" = 1 ]
}
check "the run waits for the CI" wait_for 30 waiting
commit=$(sql "SELECT commit_sha FROM gate_runs WHERE state = 'running'")
is "$(git --git-dir="$T/ci.git" rev-parse refs/heads/gate)" "$commit" \
	"its commit is on the CI's push-ref"
is "$(rev next)" "" "next is not published yet"
stop_daemon
start_daemon "$T/cthulhu.conf"
ok "cthulhud restarts"
check "the run still waits for the CI" wait_for 30 waiting
is "$(sql "SELECT count(*) FROM gate_runs")" 1 "and is not run again"
api POST "/api/v1/next/gate/$commit" '{"result": "pass", "log_url": "https://ci.example/builds/1"}'
is "$status" 200 "POST the CI's pass by the commit"
is "$(jget "$body" '$.state')" passed "the run passed"
is "$(jget "$body" '$.log_url')" https://ci.example/builds/1 "with the CI's log URL"
check "next is published" wait_for 30 next_is "$commit"
api POST "/api/v1/next/gate/$commit" '{"result": "fail"}'
is "$status" 409 "a second answer is refused"
stop_daemon

# nobody answers: the run times out
conf 1
commit_on t1 "t1: more"
(cd "$T/src" && git push -q origin t1)
start_daemon "$T/cthulhu.conf"
timed_out()
{
	[ "$(sql "SELECT count(*) FROM gate_runs WHERE state = 'timeout'")" -ge 1 ]
}
check "a run no one answers times out" wait_for 60 timed_out
like "$(sql "SELECT error FROM gate_runs WHERE state = 'timeout' LIMIT 1")" \
	"no result from the CI within \[gate\] timeout" "saying why"
is "$(rev next)" "$commit" "next stays as published"
done_testing
