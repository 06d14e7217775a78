#!/bin/sh
# The gate with real git and a real make: next moves only to a build that
# passes "make"; when a topic breaks the build the candidate is bisected
# over its merges (three gate runs for seven topics), the culprit ejected,
# next built and gated without it, then with the topic at its last good
# tip; every step is a row; the maintainer is told; next never held a
# tree that does not build.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

gate_tree t1 t2 t3 t4 t5 t6 t7
gate_config '	command = make -s' '	timeout = 120'

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a gate"
check "the first candidate passes the gate" wait_for 60 settled
first=$(sql "SELECT commit_sha FROM gate_candidates WHERE state = 'passed' ORDER BY id LIMIT 1")
like "$first" '^[0-9a-f]{40}$' "a candidate passed"
# the gate marks a candidate passed, then moves next: wait for that
wait_for 60 next_is "$first"
is "$(rev next)" "$first" "next is the candidate that passed"
is "$(sql "SELECT count(*) FROM gate_runs WHERE state = 'passed'")" 1 \
	"one gate run for it"
log=$(sql "SELECT log FROM gate_runs WHERE state = 'passed'")
like "$log" "/state/gate/logs/build-[0-9]+-${first%????????????????????????????}-run-[0-9]+\.log$" \
	"the log is named by build and candidate"
check "the run built in a git worktree of the repository" \
	git --git-dir="$T/src.git" worktree list --porcelain
like "$(git --git-dir="$T/src.git" worktree list)" "$T/state/gate/wt-0 " \
	"the worktree is under the state dir"
good5=$(rev t5)

# t5 breaks the build
break_topic t5
bad5=$(rev t5)
check "the broken candidate is settled" wait_for 120 fell_back t5
broken=$(sql "SELECT id FROM gate_candidates WHERE culprit = 't5'")
like "$broken" '^[0-9]+$' "one candidate names t5 as the culprit"
is "$(sql "SELECT state FROM gate_candidates WHERE id = $broken")" failed \
	"that candidate failed"
is "$(sql "SELECT count(*) FROM gate_runs WHERE candidate = $broken AND state IN ('passed', 'failed') AND pair = 0")" 4 \
	"the whole candidate and three probes: log2 of the eight merges"
is "$(sql "SELECT count(*) FROM gate_runs WHERE candidate = $broken AND round > 0 AND pair = 0")" 3 \
	"three bisection rounds of one probe each"
is "$(sql "SELECT probe || ' ' || state FROM gate_runs WHERE candidate = $broken AND pair = 1")" \
	"0 failed" "then one run pairs t5: on the base alone, where it fails too"
is "$(sql "SELECT partner IS NULL FROM gate_ejections WHERE topic = 't5'")" 1 \
	"so the ejection names no pair"
is "$(probe_state $broken 5)" failed \
	"next up to t5's merge fails"
is "$(probe_state $broken 4)" passed \
	"next up to t4's merge passes"
is "$(sql "SELECT bad_tip || ' ' || good_tip FROM gate_ejections WHERE topic = 't5'")" \
	"$bad5 $good5" "the ejection records the bad tip and the last good one"
fail_log=$(sql "SELECT r.log FROM gate_runs r JOIN gate_ejections e ON e.fail_run = r.id")
check "the failing run's log has the compiler's error" grep -q no_such_variable "$fail_log"
is "$(sql "SELECT topic FROM gate_runs WHERE id = (SELECT fail_run FROM gate_ejections WHERE topic = 't5')")" \
	t5 "the failing run is the merge of t5"
like "$(sql "SELECT reason FROM gate_ejections WHERE topic = 't5'")" \
	"fails on next with 't5' merged" "the ejection says why"

without=$(sql "SELECT c.id FROM gate_candidates c JOIN build_topics bt ON bt.build = c.build
	WHERE bt.topic = 't5' AND bt.gate = 'ejected' ORDER BY c.id LIMIT 1")
like "$without" '^[0-9]+$' "next was built without t5"
is "$(sql "SELECT state FROM gate_candidates WHERE id = $without")" passed \
	"and passed the gate"
fallback=$(sql "SELECT c.id FROM gate_candidates c JOIN build_topics bt ON bt.build = c.build
	WHERE bt.topic = 't5' AND bt.gate = 'fallback' ORDER BY c.id DESC LIMIT 1")
like "$fallback" '^[0-9]+$' "then with t5 at its last good tip"
is "$(sql "SELECT state FROM gate_candidates WHERE id = $fallback")" passed \
	"which passed too"
is "$(sql "SELECT tip FROM build_topics bt JOIN gate_candidates c ON c.build = bt.build
	WHERE c.id = $fallback AND bt.topic = 't5'")" "$good5" \
	"the fallback build merged t5's last good tip"
wait_for 60 next_is "$(sql "SELECT commit_sha FROM gate_candidates WHERE id = $fallback")"
is "$(rev next)" "$(sql "SELECT commit_sha FROM gate_candidates WHERE id = $fallback")" \
	"next is the fallback candidate"
check "next has t5's last good tip" git --git-dir="$T/src.git" merge-base --is-ancestor "$good5" next
! git --git-dir="$T/src.git" merge-base --is-ancestor "$bad5" next
ok "next does not have t5's broken tip"
is "$(git --git-dir="$T/src.git" rev-parse next^{tree})" \
	"$(git --git-dir="$T/src.git" rev-parse "$first^{tree}")" \
	"next's tree is the first passing one again"
check "next never held a tree that does not build" every_next_builds
is "$(ejection_state t5)" fallback "t5's ejection ends at its fallback"

# the maintainer's notification
is "$(ejected_mail 'count(*)')" 1 \
	"one notification of the ejection"
is "$(ejected_mail to_addr)" \
	cthulhu@example.com "to the maintainer ([tree] committer)"
like "$(ejected_mail subject)" \
	"'t5' ejected from next" "its subject names the topic"
wait_for 20 sh -c "ls '$T/state/outbox/new/' | grep -q ."
mail=$(cat "$T/state/outbox/new/"* 2>/dev/null | tr -d '\r')
like "$mail" "Commits since its last good tip \(${good5%????????????????????????????}\.\.${bad5%????????????????????????????}\)" \
	"the mail gives the commit range since the last good tip"
like "$mail" "$(git --git-dir="$T/src.git" log --format='%h %s' -1 "$bad5")" \
	"and the commits in it"
like "$mail" "no_such_variable" "and the tail of the failing log"

# reads
cth next > "$T/next.out"
ok "cthulhu next runs"
like "$(cat "$T/next.out")" "^published next: $(rev next | cut -c1-12)" \
	"cthulhu next shows the published next"
like "$(cat "$T/next.out")" "gate: candidate [0-9]+ passed" "and the gate's state"
api GET /api/v1/next
is "$status" 200 "GET /api/v1/next"
is "$(jget "$body" '$.gate.published.commit')" "$(rev next)" "shows the published next"
is "$(jget "$body" '$.gate.candidate.id')" "$fallback" "and the latest candidate"
run=$(sql "SELECT fail_run FROM gate_ejections WHERE topic = 't5'")
api GET "/api/v1/next/gate/logs/$run"
is "$status" 200 "GET a run's log"
like "$body" no_such_variable "the log is served as it is"
api GET "/api/v1/next/gate/runs/$run?log=1"
is "$(jget "$body" '$.state')" failed "GET a run"
like "$(jget "$body" '$.text')" no_such_variable "with its log"
api GET /api/v1/next/gate/runs/999999
is "$status" 404 "an unknown run is 404"
like "$(jget "$body" '$.error.message')" "unknown gate run '999999'" "saying which"
cth gate log "$run" > "$T/log.out"
ok "cthulhu gate log RUN"
check "prints the log" grep -q no_such_variable "$T/log.out"
cth gate > "$T/gate.out"
ok "cthulhu gate"
like "$(cat "$T/gate.out")" "t5 +fallback" "lists t5's ejection"

# t5 is fixed: its new tip goes into next as it is
(cd "$T/src" && git checkout -q t5 &&
 printf 'int t5(void)\n{\n\treturn 5;\n}\n' > t5.c &&
 git commit -q -am 't5: Fix the build' && git checkout -q master &&
 git push -q origin t5)
check "a fixed t5 goes into next" wait_for 60 sh -c \
	"git --git-dir='$T/src.git' merge-base --is-ancestor '$(rev t5)' next"
check "the fixed next builds" builds next
cth gate > "$T/gate.out"
! grep -q 't5 ' "$T/gate.out"
ok "cthulhu gate no longer lists t5: its ejection does not hold"
check "next still never held a tree that does not build" every_next_builds
done_testing
