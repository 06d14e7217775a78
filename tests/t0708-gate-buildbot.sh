#!/bin/sh
# [gate] mode = external with Debian's real Buildbot: cthulhud pushes each
# gate run's commit to [gate] push-ref of the CI's repository, a Buildbot
# master (GitPoller on that ref) and worker on loopback build it with
# make and POST the result to /api/v1/next/gate/COMMIT with the bearer
# token; next moves only on a pass, and a broken topic is bisected one
# push at a time, ejected and falls back as with the local gate.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-browser.sh"
. "$top_srcdir/tests/lib-gate.sh"

if ! command -v buildbot >/dev/null 2>&1 ||
   ! command -v buildbot-worker >/dev/null 2>&1; then
	echo "1..0 # SKIP buildbot and buildbot-worker are not installed (apt-get install buildbot buildbot-worker)"
	exit 0
fi
test_init

bb_stop()
{
	[ -d "$T/worker" ] && buildbot-worker stop "$T/worker" >/dev/null 2>&1
	[ -d "$T/master" ] && buildbot stop "$T/master" >/dev/null 2>&1
	test_cleanup
}
trap bb_stop EXIT

gate_tree t1 t2 t3
# the CI's repository, its gate branch at the base to start from
git init -q --bare "$T/ci.git"
git --git-dir="$T/src.git" push -q "$T/ci.git" base:refs/heads/gate

# loopback ports of the test's own for the master
pb=$((20000 + ($$ * 13) % 40000))
buildbot create-master -q "$T/master" >/dev/null 2>&1
ok "buildbot create-master"
cat >"$T/master/master.cfg" <<PY
from buildbot.plugins import worker, changes, schedulers, util, steps
c = BuildmasterConfig = {}
c['title'] = 'cthulhu gate'
c['buildbotNetUsageData'] = None
c['buildbotURL'] = 'http://127.0.0.1:$pb/'
c['db'] = {'db_url': 'sqlite:///state.sqlite'}
c['workers'] = [worker.Worker('gate-worker', 'secret')]
c['protocols'] = {'pb': {'port': 'tcp:$pb:interface=127.0.0.1'}}
c['change_source'] = [changes.GitPoller(repourl='$T/ci.git',
    branches=['gate'], pollInterval=1, pollAtLaunch=True,
    buildPushesWithNoCommits=True, workdir='gitpoller')]
c['schedulers'] = [schedulers.AnyBranchScheduler(name='gate',
    treeStableTimer=1, builderNames=['gate'])]
# build with make, then report to cthulhud with its token
report = ('while [ ! -s $T/url ]; do sleep 0.1; done; '
    'if make -s; then r=pass; else r=fail; fi; '
    'curl -sS -f -X POST -H "Authorization: Bearer \$(cat $T/state/token)" '
    '-H "Content-Type: application/json" '
    '--data "{\\\\"result\\\\": \\\\"\$r\\\\", \\\\"log_url\\\\": '
    '\\\\"http://127.0.0.1:$pb/#/builders/1/builds/%(prop:buildnumber)s\\\\"}" '
    '\$(cat $T/url)/api/v1/next/gate/%(prop:got_revision)s')
f = util.BuildFactory()
f.addStep(steps.Git(repourl='$T/ci.git', mode='full', method='clobber'))
f.addStep(steps.ShellCommand(name='gate and report',
    command=['sh', '-c', util.Interpolate(report)]))
c['builders'] = [util.BuilderConfig(name='gate', workernames=['gate-worker'],
    factory=f)]
PY
buildbot checkconfig "$T/master" >"$T/checkconfig.out" 2>&1
check "the master's config is valid" sh -c "! grep -qi error '$T/checkconfig.out'"
buildbot start "$T/master" >"$T/master.out" 2>&1
check "the buildbot master starts" grep -q 'started correctly' "$T/master.out"
buildbot-worker create-worker -q "$T/worker" "127.0.0.1:$pb" gate-worker secret >/dev/null 2>&1
buildbot-worker start "$T/worker" >"$T/worker.out" 2>&1
check "the buildbot worker starts" grep -q 'started correctly' "$T/worker.out"
# the poller's first look is its baseline: cthulhud pushes after it
check "the master polls the CI's repository" wait_for 60 \
	grep -q 'gitpoller: processing changes' "$T/master/twistd.log"

start_dashboard_daemon '[next]' '	debounce = 100' \
	'[gate]' '	mode = external' '	command = make -s' \
	"	remote = $T/ci.git" '	push-ref = refs/heads/gate' '	timeout = 300' \
	'[topic "t1"]' '	order = 1' '[topic "t2"]' '	order = 2' \
	'[topic "t3"]' '	order = 3'
ok "cthulhud starts with an external gate"
[ -n "$url" ] || done_testing
echo "$url" >"$T/url"

check "the first candidate passes in Buildbot" wait_for 120 settled
is "$(gate_state)" passed "the candidate passed"
# the gate marks a candidate passed, then moves next: wait for that
wait_for 60 next_is "$(sql "SELECT commit_sha FROM gate_candidates")"
is "$(rev next)" "$(sql "SELECT commit_sha FROM gate_candidates")" \
	"next is published"
is "$(git --git-dir="$T/ci.git" rev-parse gate)" "$(rev next)" \
	"the candidate was pushed to the CI's gate branch"
like "$(sql "SELECT log_url FROM gate_runs")" \
	"^http://127\.0\.0\.1:$pb/#/builders/1/builds/[0-9]+$" "the run has the CI's log URL"
cth gate log "$(sql 'SELECT max(id) FROM gate_runs')" >"$T/log.out"
check "its log names the push and the CI's answer" grep -q "pushed to '$T/ci.git' refs/heads/gate" "$T/log.out"
check "and the CI's log URL" grep -q "passed, the CI's log: http://" "$T/log.out"

good2=$(rev t2)
break_topic t2
check "Buildbot fails t2, which is ejected and falls back" wait_for 300 fell_back t2
broken=$(sql "SELECT id FROM gate_candidates WHERE culprit = 't2'")
is "$(sql "SELECT count(*) FROM gate_runs WHERE candidate = $broken AND state IN ('passed', 'failed') AND pair = 0")" 3 \
	"the candidate and two probes, one push at a time"
is "$(sql "SELECT probe || ' ' || state FROM gate_runs WHERE candidate = $broken AND pair = 1")" \
	"0 failed" "and one pairing t2 on the base alone, which fails too"
is "$(sql "SELECT count(*) FROM gate_runs WHERE candidate = $broken AND log_url IS NULL")" 0 \
	"each with the CI's log URL"
is "$(probe_state $broken 2)" failed "next up to t2 fails in Buildbot"
is "$(probe_state $broken 1)" passed "next up to t1 passes"
is "$(good_tip t2)" "$good2" "t2's last good tip"
check "next has it" git --git-dir="$T/src.git" merge-base --is-ancestor "$good2" next
check "next never held a tree that does not build" every_next_builds

# the route itself
run=$(sql "SELECT max(id) FROM gate_runs WHERE state = 'failed'")
status=$(curl -s -o "$T/post.out" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' --data '{"result": "pass"}' \
	"$url/api/v1/next/gate/$run")
is "$status" 401 "a result without the token is refused over TCP"
api POST "/api/v1/next/gate/$run" '{"result": "pass"}'
is "$status" 409 "a run that has its result takes no other"
like "$(jget "$body" '$.error.message')" "gate run '$run' is not waiting for a CI result \(it is 'failed'\)" \
	"saying so"
api POST "/api/v1/next/gate/$run" '{"result": "maybe"}'
is "$status" 400 "a bad result is refused"
like "$(jget "$body" '$.error.message')" "'result' must be \"pass\" or \"fail\"" "saying what it must be"
api POST "/api/v1/next/gate/999999" '{"result": "pass"}'
is "$status" 404 "an unknown run is 404"
is "$(gate_state)" passed "nothing of that changed the gate"
done_testing
