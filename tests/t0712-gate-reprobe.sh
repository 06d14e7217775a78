#!/bin/sh
# [gate] reprobe: before a topic is ejected, the culprit's probe and the
# one before it are run once more.  A failure that does not repeat
# ejects nothing: the candidate is marked flaky (in the database, `cthulhu
# gate`, --json, the API and the dashboard's gate panel), run once more
# as a whole, and published when that passes; when that fails, the
# bisection goes on and a failure that repeats ejects its topic as
# before.  With reprobe = false the flake ejects the topic.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-browser.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

# The gate command fails while $T/fails-left counts down, in a tree that
# has a file TRIGGER-*: a flake of the commits that carry one.
cat >"$T/gate-cmd" <<EOF
#!/bin/sh
left=\$(cat '$T/fails-left' 2>/dev/null || echo 0)
if [ -n "\$(ls TRIGGER-* 2>/dev/null)" ] && [ "\$left" -gt 0 ]; then
	echo \$((left - 1)) >'$T/fails-left'
	echo "flake: failing, \$((left - 1)) more to fail"
	exit 1
fi
exec make -s
EOF
chmod +x "$T/gate-cmd"

gate_tree t1 t2 t3 t4
start_dashboard_daemon '[next]' '	debounce = 100' \
	'[gate]' "	command = '$T/gate-cmd'" '	timeout = 120' '	reprobe = true' \
	'[topic "t1"]' '	order = 1' '[topic "t2"]' '	order = 2' \
	'[topic "t3"]' '	order = 3' '[topic "t4"]' '	order = 4'
ok "cthulhud starts with [gate] reprobe = true"
[ -n "$url" ] || done_testing
check "the first candidate passes" wait_for 60 settled
api GET /api/v1/next/gate
is "$(jget "$body" '$.retries') $(jget "$body" '$.reprobe')" "0 1" \
	"the API shows no retries and the re-probe"

# t3 gets a good commit that carries a trigger; the gate fails twice on
# it: the whole candidate, then next up to t3 in the bisection.
echo 2 >"$T/fails-left"
(cd "$T/src" && git checkout -q t3 && echo flake >TRIGGER-t3 &&
 git add TRIGGER-t3 && git commit -q -m 't3: Carry the trigger' &&
 git checkout -q master && git push -q origin t3)
tip3=$(rev t3)
has_tip3()
{
	[ "$(sql "SELECT count(*) FROM gate_candidates c JOIN build_topics bt ON bt.build = c.build WHERE bt.topic = 't3' AND bt.tip = '$tip3'")" -ge 1 ] &&
	settled
}
check "the candidate with t3's commit is gated" wait_for 120 has_tip3
cand=$(sql "SELECT max(id) FROM gate_candidates")
is "$(cat "$T/fails-left")" 0 "the gate failed twice"
is "$(gate_state)" passed "the candidate passes in the end"
is "$(sql "SELECT count(*) FROM gate_ejections")" 0 "nothing is ejected"
is "$(sql "SELECT group_concat(round || ':' || probe || ':' || state || ':' || coalesce(recheck, '-'), ' ') FROM (SELECT * FROM gate_runs WHERE candidate = $cand ORDER BY id)")" \
	"0:4:failed:- 1:1:passed:- 2:2:passed:- 3:3:failed:- 4:3:passed:reprobe 4:2:passed:reprobe 5:4:passed:rerun" \
	"bisected to t3, re-probed t3 and t2, then the whole candidate run again"
reprobe=$(sql "SELECT id FROM gate_runs WHERE candidate = $cand AND recheck = 'reprobe' AND probe = 3")
is "$(sql "SELECT flaky FROM gate_runs WHERE id = $reprobe")" 1 \
	"t3's re-probe, which passes, is a flaky run"
like "$(sql "SELECT flaky FROM gate_candidates WHERE id = $cand")" \
	"^the gate failed on next with 't3' merged, and passes when run again \(gate run $reprobe\): nothing is ejected$" \
	"the candidate is marked flaky, saying why"
is "$(sql "SELECT culprit IS NULL FROM gate_candidates WHERE id = $cand")" 1 \
	"and names no culprit"
check "next is published at it" wait_for 60 next_is \
	"$(sql "SELECT commit_sha FROM gate_candidates WHERE id = $cand")"
check "next has t3's commit" \
	git --git-dir="$T/src.git" merge-base --is-ancestor "$tip3" next
is "$(sql "SELECT gate FROM build_topics WHERE build = (SELECT build FROM gate_candidates WHERE id = $cand) AND topic = 't3'")" \
	"" "t3 is merged at its tip, the gate changed nothing"
cth gate >"$T/gate.out"
ok "cthulhu gate"
like "$(cat "$T/gate.out")" "gate: flaky: the gate failed on next with 't3' merged, and passes when run again" \
	"says the candidate is flaky"
like "$(grep "^$reprobe " "$T/gate.out")" "passed \(flaky\) +1 reprobe " \
	"and shows the re-probe that passed"
cth gate --json >"$T/gate.json"
is "$(jq -r '.candidate.flaky | startswith("the gate failed on next")' "$T/gate.json")" true \
	"--json has the candidate's flaky"
is "$(jq -r '[.candidate.runs[] | .recheck // "-"] | join(" ")' "$T/gate.json")" \
	"- - - - reprobe reprobe rerun" "and each run's recheck"
api GET "/api/v1/next/gate/runs/$reprobe"
is "$(jget "$body" '$.recheck') $(jget "$body" '$.flaky')" "reprobe 1" \
	"GET the run says it is a flaky re-probe"

browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing
bcheck "the next page loads" goto "$url/#/next"
bcheck "the gate panel says the candidate is flaky" wait 20000 \
	"document.getElementById('gate-flaky')"
browser eval "document.getElementById('gate-flaky').textContent"
like "$reply" "^\"flaky: the gate failed on next with 't3' merged, and passes when run again \(gate run $reprobe\)" \
	"and why"
browser eval "document.getElementById('gate-candidate').textContent"
like "$reply" "candidate #$cand .*passed flaky\"\$" "the candidate is tagged flaky"
browser eval "Array.prototype.map.call(document.querySelectorAll('#gate-runs tbody tr'), function (tr) { return tr.cells[4].textContent + '/' + tr.cells[5].textContent; }).join(' ')"
is "$reply" '"failed/1 passed/1 passed/1 failed/1 passed flaky/1 (reprobe) passed/1 (reprobe) passed/1 (rerun)"' \
	"each run shows its state, the flaky one tagged, and its attempt and recheck"
shot gate-flaky
browser_stop

# A flake and a real failure in one candidate: t3 carries a new trigger
# (two failures to come) and t4 breaks the build, pushed while cthulhud
# is stopped so that one build has both.  The bisection lands on t3,
# whose re-probe passes: nothing is ejected yet, and the candidate run
# again fails, so the bisection goes on from there, finds t4, whose
# re-probe fails again, and ejects t4.
stop_daemon
echo 2 >"$T/fails-left"
(cd "$T/src" && git checkout -q t3 && echo flake >TRIGGER-t3b &&
 git add TRIGGER-t3b && git commit -q -m 't3: Carry another trigger' &&
 git checkout -q master)
break_topic t4
(cd "$T/src" && git push -q origin t3)
tip3=$(rev t3)
start_daemon "$T/cthulhu.conf"
check "t4 is ejected and falls back" wait_for 120 fell_back t4
broken=$(sql "SELECT id FROM gate_candidates WHERE culprit = 't4'")
like "$broken" '^[0-9]+$' "a candidate names t4 as the culprit"
is "$(sql "SELECT group_concat(round || ':' || probe || ':' || state || ':' || coalesce(recheck, '-') || ':' || pair, ' ') FROM (SELECT * FROM gate_runs WHERE candidate = $broken ORDER BY id)")" \
	"0:4:failed:-:0 1:1:cached:-:0 2:2:cached:-:0 3:3:failed:-:0 4:3:passed:reprobe:0 4:2:passed:reprobe:0 5:4:failed:rerun:0 6:4:failed:reprobe:0 6:3:passed:reprobe:0 7:0:failed:-:1" \
	"t3's re-probe passes, the candidate fails again, t4's re-probe fails again"
is "$(sql "SELECT fail_run FROM gate_ejections WHERE topic = 't4'")" \
	"$(sql "SELECT id FROM gate_runs WHERE candidate = $broken AND recheck = 'reprobe' AND probe = 4")" \
	"the ejection names the re-probe's failing run"
like "$(sql "SELECT flaky FROM gate_candidates WHERE id = $broken")" \
	"^the gate failed on next with 't3' merged, and passes when run again" \
	"the candidate is flaky for t3's sake"
is "$(sql "SELECT count(*) FROM gate_ejections WHERE topic = 't3'")" 0 \
	"t3 is not ejected"
check "next has t3's new commit" \
	git --git-dir="$T/src.git" merge-base --is-ancestor "$tip3" next
check "next never held a tree that does not build" every_next_builds

# reprobe = false: the same kind of flake ejects the topic.
stop_daemon
gate_config "	command = '$T/gate-cmd'" '	timeout = 120' '	reprobe = false'
start_daemon "$T/cthulhu.conf"
(cd "$T/src" && git checkout -q t4 && git revert --no-edit HEAD >/dev/null &&
 git checkout -q master && git push -q origin t4)
check "t4 fixed goes into next" wait_for 120 sh -c \
	"git --git-dir='$T/src.git' merge-base --is-ancestor '$(rev t4)' next"
wait_for 60 settled
api GET /api/v1/next/gate
is "$(jget "$body" '$.reprobe')" 0 "the API shows the re-probe off"
echo 2 >"$T/fails-left"
(cd "$T/src" && git checkout -q t2 && echo flake >TRIGGER-t2 &&
 git add TRIGGER-t2 && git commit -q -m 't2: Carry the trigger' &&
 git checkout -q master && git push -q origin t2)
check "without the re-probe the flake ejects t2" wait_for 120 fell_back t2
is "$(sql "SELECT count(*) FROM gate_runs WHERE recheck IS NOT NULL AND candidate = (SELECT candidate FROM gate_ejections WHERE topic = 't2')")" \
	0 "and nothing was re-probed"
done_testing
