#!/bin/sh
# The "What's cooking" report and the gate: a topic that broke the
# build before any next that passed had it is ejected (no last good tip
# to fall back to); one that broke later is in next at its last good tip,
# its commits there marked in next and the breaking one not; the
# report's build is the gated candidate, with its gate state.  Checked
# against the gate's rows and git.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

gate_tree t1 t2 t3
break_topic t2
gate_config '	command = make -s' '	timeout = 120'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a gate" || done_testing
check "t2 is ejected" wait_for 120 sh -c \
	"[ \"\$(sqlite3 -readonly '$T/state/cthulhu.db' \"SELECT count(*) FROM gate_ejections WHERE topic = 't2'\")\" = 1 ]"
check "and the gate settles" wait_for 120 settled
good3=$(rev t3)
break_topic t3
check "t3 falls back to its last good tip" wait_for 120 fell_back t3

cth cooking --json >"$T/report.json"
ok "cthulhu cooking --json"
jt()	# TOPIC FILTER
{
	jq -r --arg t "$1" ".topics[] | select(.name == \$t) | $2" "$T/report.json"
}
is "$(jt t1 .state)" in-next "t1 is in next"
is "$(jt t2 .state)" ejected "t2 is ejected"
is "$(jt t2 .gate)" "$(ejection_state t2)" "with the gate's state of its ejection"
like "$(jt t2 .why)" "^Ejected from next by the gate: $(rev t2 | cut -c1-12) fails \[gate\] command\.$" \
	"the state line names the tip that fails"
is "$(jt t2 '[.shortlog[].in_next] | any')" false "none of t2's commits is in next"
is "$(git --git-dir="$T/src.git" merge-base --is-ancestor t2~1 next || echo no)" no \
	"git agrees: not even its first"
is "$(jt t3 .state)" in-next "t3 is in next"
is "$(jt t3 .gate)" fallback "at its last good tip"
is "$(jt t3 .next_tip)" "$good3" "which is the tip before the break"
like "$(jt t3 .why)" "last good tip $(echo "$good3" | cut -c1-12)" "the state line says so"
is "$(jt t3 '[.shortlog[] | .subject + ":" + (.in_next | tostring)] | join(" ")')" \
	"t3: Break the build:false t3: Add t3():true" \
	"the breaking commit is not in next, the one before is"
check "git agrees the good tip is in next" \
	git --git-dir="$T/src.git" merge-base --is-ancestor "$good3" next
is "$(git --git-dir="$T/src.git" merge-base --is-ancestor t3 next || echo no)" no \
	"and the broken one is not"
is "$(jq -r .build.gate "$T/report.json")" \
	"$(sql "SELECT gate FROM builds WHERE id = $(jq -r .build.id "$T/report.json")")" \
	"the report's build has its gate state"
is "$(jq -r .summary.ejected "$T/report.json")" 1 "one topic ejected"
cth cooking >"$T/report.txt"
is "$(sed -n '/^\[/p' "$T/report.txt" | tr '\n' ' ')" "[In next] [Ejected by the gate] " \
	"the text groups t2 under the gate"
grep -qx ' - t3: Break the build' "$T/report.txt" && grep -qx ' + t3: Add t3()' "$T/report.txt"
ok "and marks t3's commits"
done_testing
