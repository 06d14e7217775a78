#!/bin/sh
# [gate] retries: a gate command that fails at random (a seeded
# generator, so every run of the test fails the same runs) does not eject
# a good topic: each failing run is run again, up to retries times, and
# the run that passes on a retry is recorded as flaky, with every attempt
# and its log, and shown by `cthulhu gate`, --json and the API.  A topic
# that really breaks the build is still ejected, after retries + 1 runs
# of each failing probe.  A run that times out is retried too, within
# [gate] timeout, and one cut short by kill -9 is run again as the same
# attempt.  Wrong values of the keys stop cthulhud.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

retries=3
gate_tree t1 t2 t3

bad()
{
	write_config "$T/bad.conf" "$T/src.git" '[gate]' '	command = make' "	$1"
	run_daemon_fail "$T/bad.conf"
	is "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo yes)" yes \
		"'$1' stops cthulhud"
	like "$log" "$2" "'$1': the message says why"
}
bad 'retries = 11' "'gate.retries': must be 0 to 10"
bad 'retries = -1' "'gate.retries': must be 0 to 10"
bad 'retries = often' "'gate.retries': 'often' is not a number"
bad 'reprobe = maybe' "'gate.reprobe': 'maybe' is not a boolean"
flaky_gate
gate_config "	command = '$T/flaky-gate'" '	timeout = 120' \
	"	retries = $retries"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with [gate] retries"
check "the first candidate passes" wait_for 60 settled
check "next is published" wait_for 60 next_is \
	"$(sql "SELECT commit_sha FROM gate_candidates WHERE state = 'passed' ORDER BY id DESC LIMIT 1")"
cth gate >"$T/gate.out"
like "$(head -1 "$T/gate.out")" ", 3 retries, re-probe before ejecting$" \
	"cthulhu gate shows the retries, and the re-probe they turn on"
api GET /api/v1/next/gate
is "$(jget "$body" '$.retries') $(jget "$body" '$.reprobe')" "$retries 1" \
	"so does the API"

# The seed: the first whose first draw fails and whose first pass comes
# within the retries, found with the generator the gate command uses.
rate=0.5 seed=0 first_pass=0
while [ "$first_pass" = 0 ] && [ "$seed" -lt 1000 ]; do
	seed=$((seed + 1))
	draw_fails $((seed + 1)) $rate || continue
	n=2
	while [ $n -le $((retries + 1)) ]; do
		if ! draw_fails $((seed + n)) $rate; then
			first_pass=$n
			break
		fi
		n=$((n + 1))
	done
done
[ "$first_pass" -ge 2 ]
ok "seed $seed fails the first draw and passes draw $first_pass"

# A good change on t2, gated by the flaky command.
flaky_on $seed $rate
commit_on t2 't2: A good change'
(cd "$T/src" && git push -q origin t2)
good=$(rev t2)
newest_has_t2()
{
	[ "$(sql "SELECT count(*) FROM gate_candidates c JOIN build_topics bt ON bt.build = c.build WHERE bt.topic = 't2' AND bt.tip = '$good'")" -ge 1 ] &&
	settled
}
check "the candidate with t2's change is gated" wait_for 120 newest_has_t2
cand=$(sql "SELECT max(id) FROM gate_candidates")
is "$(gate_state)" passed "the candidate passes"
is "$(sql "SELECT count(*) FROM gate_ejections")" 0 "nothing is ejected"
last=$(sql "SELECT hi FROM gate_candidates WHERE id = $cand")
expect=
n=1
while [ $n -lt "$first_pass" ]; do
	expect="$expect$n:failed "
	n=$((n + 1))
done
expect="$expect$first_pass:passed"
is "$(runs_of $cand 0 "$last")" "$expect" \
	"the whole candidate runs until a draw passes, each attempt a row"
is "$(cat "$T/draws")" "$first_pass" "the command ran that often"
is "$(sql "SELECT count(DISTINCT log) FROM gate_runs WHERE candidate = $cand")" \
	"$first_pass" "each attempt has a log of its own"
first=$(sql "SELECT min(id) FROM gate_runs WHERE candidate = $cand")
check "the first attempt's log has the failing draw" \
	grep -q 'flaky: draw 1 fails' "$(sql "SELECT log FROM gate_runs WHERE id = $first")"
flaky=$(sql "SELECT id FROM gate_runs WHERE candidate = $cand AND flaky = 1")
is "$(sql "SELECT attempt || ' ' || state FROM gate_runs WHERE id = '$flaky'")" \
	"$first_pass passed" "the attempt that passes is recorded as flaky"
like "$(sql "SELECT flaky FROM gate_candidates WHERE id = $cand")" \
	"gate run $flaky passes on attempt $first_pass" "and so is the candidate"
check "next is published at the flaky candidate" wait_for 60 next_is \
	"$(sql "SELECT commit_sha FROM gate_candidates WHERE id = $cand")"
check "next has t2's change" \
	git --git-dir="$T/src.git" merge-base --is-ancestor "$good" next

cth gate >"$T/gate.out"
ok "cthulhu gate"
like "$(cat "$T/gate.out")" "gate: flaky: gate run $flaky passes on attempt $first_pass" \
	"says the candidate is flaky"
like "$(grep "^$flaky " "$T/gate.out")" "passed \(flaky\) +$first_pass " \
	"and marks the run that passed on a retry"
like "$(grep "^$first " "$T/gate.out")" " failed +1 " \
	"beside the attempt that failed"
cth gate --json >"$T/gate.json"
ok "cthulhu gate --json"
is "$(jq -r '.candidate.flaky != null' "$T/gate.json")" true \
	"--json has the candidate's flaky"
is "$(jq -r "[.candidate.runs[] | select(.flaky)] | map(.id) | join(\" \")" "$T/gate.json")" \
	"$flaky" "and the flaky run"
api GET "/api/v1/next/gate/runs/$flaky"
is "$status" 200 "GET the flaky run"
is "$(jget "$body" '$.flaky') $(jget "$body" '$.attempt')" "1 $first_pass" \
	"the API says it is flaky, and its attempt"
api GET "/api/v1/next/gate/runs/$first"
is "$(jget "$body" '$.flaky') $(jget "$body" '$.attempt') $(jget "$body" '$.state')" \
	"0 1 failed" "and the first attempt failed"

# A topic that really breaks the build: every run of a probe with it
# fails, so each such probe runs retries + 1 times, and t3 is ejected.
# The random failures are off, so that those are all there are.
flaky_off
good3=$(rev t3)
break_topic t3
check "t3 is ejected and falls back to its last good tip" wait_for 240 fell_back t3
broken=$(sql "SELECT id FROM gate_candidates WHERE culprit = 't3'")
like "$broken" '^[0-9]+$' "a candidate names t3 as the culprit"
last=$(sql "SELECT count(*) - 1 FROM json_each((SELECT probes FROM gate_candidates WHERE id = $broken))")
is "$(runs_of $broken 0 "$last")" "1:failed 2:failed 3:failed 4:failed" \
	"the whole candidate fails retries + 1 times"
fail_run=$(sql "SELECT fail_run FROM gate_ejections WHERE topic = 't3'")
fround=$(sql "SELECT round FROM gate_runs WHERE id = $fail_run")
fprobe=$(sql "SELECT probe FROM gate_runs WHERE id = $fail_run")
is "$(sql "SELECT topic FROM gate_runs WHERE id = $fail_run")" t3 \
	"the failing run is of t3's merge"
is "$(runs_of $broken "$fround" "$fprobe")" "1:failed 2:failed 3:failed 4:failed" \
	"that probe ran retries + 1 times, all failing"
is "$(sql "SELECT attempt FROM gate_runs WHERE id = $fail_run")" 4 \
	"the ejection names its last attempt"
is "$(sql "SELECT count(*) FROM gate_runs WHERE candidate = $broken AND state = 'passed' AND attempt > 1")" 0 \
	"no run passes on a retry"
is "$(sql "SELECT flaky IS NULL FROM gate_candidates WHERE id = $broken")" 1 \
	"so the candidate is not flaky"
is "$(sql "SELECT count(*) FROM gate_runs WHERE candidate = $broken AND recheck = 'reprobe'")" \
	5 "the re-probe ran t3's probe (retries + 1 times) and the one before it"
is "$(good_tip t3)" "$good3" "t3's last good tip"
check "next never held a tree that does not build" every_next_builds

# A run past [gate] timeout counts as a failure, and is run again with
# the same timeout: the first run of this command hangs.
stop_daemon
cat >"$T/hang-once" <<EOF
#!/bin/sh
if [ -e '$T/hang' ]; then
	rm -f '$T/hang'
	sleep 3000
fi
exec make -s
EOF
chmod +x "$T/hang-once"
gate_config "	command = '$T/hang-once'" '	timeout = 2' '	retries = 1'
start_daemon "$T/cthulhu.conf"
touch "$T/hang"
commit_on t1 't1: Another good change'
(cd "$T/src" && git push -q origin t1)
tip1=$(rev t1)
has_tip1()
{
	[ "$(sql "SELECT count(*) FROM gate_candidates c JOIN build_topics bt ON bt.build = c.build WHERE bt.topic = 't1' AND bt.tip = '$tip1'")" -ge 1 ] &&
	settled
}
check "the candidate with t1's change is gated" wait_for 120 has_tip1
cand=$(sql "SELECT max(id) FROM gate_candidates")
last=$(sql "SELECT hi FROM gate_candidates WHERE id = $cand")
is "$(runs_of $cand 0 "$last")" "1:timeout 2:passed" \
	"the run that timed out is run again, and passes"
is "$(gate_state) $(sql "SELECT count(*) FROM gate_runs WHERE candidate = $cand AND flaky = 1")" \
	"passed 1" "the candidate passes, its second attempt flaky"
check "the first attempt's log says it timed out" grep -q 'timed out after 2 s' \
	"$(sql "SELECT log FROM gate_runs WHERE candidate = $cand AND attempt = 1")"
check "next has t1's change" wait_for 60 sh -c \
	"git --git-dir='$T/src.git' merge-base --is-ancestor '$tip1' next"

# kill -9 while a retry runs: at the next start the retry is run again,
# as the same attempt, and the candidate passes flaky.
stop_daemon
cat >"$T/crash-gate" <<EOF
#!/bin/sh
n=\$((\$(cat '$T/crash-n' 2>/dev/null || echo 0) + 1))
echo \$n >'$T/crash-n'
if [ \$n = 1 ]; then
	echo 'crash-gate: the first run fails'
	exit 1
fi
if [ \$n = 2 ]; then
	touch '$T/holding'
	while [ ! -e '$T/go' ]; do sleep 0.1; done
fi
exec make -s
EOF
chmod +x "$T/crash-gate"
gate_config "	command = '$T/crash-gate'" '	retries = 2'
start_daemon "$T/cthulhu.conf"
commit_on t2 't2: One more good change'
(cd "$T/src" && git push -q origin t2)
check "the retry runs" wait_for 60 test -e "$T/holding"
cand=$(sql "SELECT max(id) FROM gate_candidates")
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again"
check "the candidate is gated again" wait_for 60 settled
last=$(sql "SELECT hi FROM gate_candidates WHERE id = $cand")
is "$(runs_of $cand 0 "$last")" "1:failed 2:interrupted 2:passed" \
	"the retry cut short is run again as the same attempt"
is "$(gate_state) $(sql "SELECT flaky IS NOT NULL FROM gate_candidates WHERE id = $cand")" \
	"passed 1" "the candidate passes, flaky"
is "$(cat "$T/crash-n")" 3 "the command ran three times"
done_testing
