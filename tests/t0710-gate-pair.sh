#!/bin/sh
# The gate names the pair, with real git and a real make: topic tb builds
# alone and fails only together with ta (both define ta(), so the link
# fails).  The bisection finds tb; tb is tried on the base alone (passes)
# and on next up to the merges before it, which finds ta in a number of
# runs logarithmic in the merges.  The ejection's reason, the
# maintainer's mail, the API and the CLI say "tb builds alone and fails
# together with ta" and suggest recording a merge-fix.  A topic broken on
# its own (tx) names no partner.  cthulhu next marks tx ejected and tb
# merged at its last good tip.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

gate_tree ta t2 tb tx
# tx breaks the build on its own from the start: it has no good tip
(cd "$T/src" && git checkout -q tx &&
 printf 'int tx(void)\n{\n\treturn no_such_variable;\n}\n' >tx.c &&
 git commit -q -am 'tx: Break the build' && git checkout -q master &&
 git push -q origin tx)
gate_config '	command = make -s' '	timeout = 120'

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a gate"
# tx_out: tx is ejected and a candidate without it passed
tx_out()
{
	[ "$(ejection_state tx)" = ejected ] &&
	[ "$(sql "SELECT count(*) FROM gate_candidates WHERE state = 'passed'")" -ge 1 ]
}
check "the gate settles with tx ejected" wait_for 120 tx_out
check "and settled" wait_for 60 settled
is "$(sql "SELECT partner IS NULL FROM gate_ejections WHERE topic = 'tx'")" 1 \
	"tx fails on its own: no partner"
like "$(sql "SELECT reason FROM gate_ejections WHERE topic = 'tx'")" \
	"fails on next with 'tx' merged" "tx's reason is the bisection's"
! sql "SELECT reason FROM gate_ejections WHERE topic = 'tx'" | grep -q 'together'
ok "and names no pair"
txc=$(sql "SELECT candidate FROM gate_ejections WHERE topic = 'tx'")
is "$(sql "SELECT count(*) FROM gate_runs WHERE candidate = $txc AND pair = 1")" 1 \
	"one pairing run for tx: on the base alone"
is "$(sql "SELECT state FROM gate_runs WHERE candidate = $txc AND pair = 1")" failed \
	"and it fails"
check "next builds" builds next
good_tb=$(rev tb)

# tb defines ta() too: alone it builds, with ta it does not link
(cd "$T/src" && git checkout -q tb &&
 printf 'int ta(void)\n{\n\treturn 2;\n}\n' >tb-ta.c &&
 git add tb-ta.c && git commit -q -m 'tb: Add a ta() of its own' &&
 git checkout -q master && git push -q origin tb)
bad_tb=$(rev tb)
check "tb is ejected and falls back" wait_for 180 fell_back tb
cand=$(sql "SELECT id FROM gate_candidates WHERE culprit = 'tb'")
like "$cand" '^[0-9]+$' "one candidate names tb as the culprit"
is "$(sql "SELECT partner FROM gate_candidates WHERE id = $cand")" ta \
	"and ta as the topic it fails together with"
is "$(sql "SELECT partner FROM gate_ejections WHERE topic = 'tb'")" ta \
	"the ejection records ta"
reason=$(sql "SELECT reason FROM gate_ejections WHERE topic = 'tb'")
like "$reason" "tb builds alone and fails together with ta" \
	"the reason names the pair"
like "$reason" "cthulhu merge-fix record tb COMMIT --with ta" \
	"and suggests recording a merge-fix"

# the pairing runs, checked with git and make
is "$(sql "SELECT count(*) FROM gate_runs WHERE candidate = $cand AND pair = 1 AND state IN ('passed', 'failed', 'cached')")" 2 \
	"two pairing runs for three merges before tb"
alone=$(sql "SELECT commit_sha FROM gate_runs WHERE candidate = $cand AND pair = 1 AND probe = 0")
is "$(git --git-dir="$T/src.git" rev-parse "$alone^1")" "$(rev base)" \
	"the first pairing run is on the base"
is "$(git --git-dir="$T/src.git" rev-parse "$alone^2")" "$bad_tb" \
	"with tb's tip merged"
is "$(sql "SELECT state FROM gate_runs WHERE candidate = $cand AND pair = 1 AND probe = 0")" passed \
	"and passes"
check "tb alone builds" builds "$alone"
with=$(sql "SELECT commit_sha FROM gate_runs WHERE candidate = $cand AND pair = 1 AND probe = 1")
is "$(git --git-dir="$T/src.git" rev-parse "$with^2")" "$bad_tb" \
	"the second is tb merged onto next up to ta"
check "that commit has ta" git --git-dir="$T/src.git" merge-base --is-ancestor "$(rev ta)" "$with"
! builds "$with"
ok "and does not build"
is "$(sql "SELECT state FROM gate_runs WHERE candidate = $cand AND pair = 1 AND probe = 1")" failed \
	"its run fails"

# the mail
is "$(sql "SELECT count(*) FROM notifications WHERE kind = 'gate-ejected' AND topic = 'tb'")" 1 \
	"one mail for tb's ejection"
like "$(sql "SELECT subject FROM notifications WHERE kind = 'gate-ejected' AND topic = 'tb'")" \
	"'tb' ejected from next: fails together with 'ta'" "its subject names the pair"
id=$(sql "SELECT id FROM notifications WHERE kind = 'gate-ejected' AND topic = 'tb'")
# sent ID: notification ID is in the outbox
sent()
{
	[ "$(sql "SELECT state FROM notifications WHERE id = $1")" = sent ]
}
check "the mail is delivered" wait_for 20 sent "$id"
file=$(sql "SELECT file FROM notifications WHERE id = $id")
mail=$(tr -d '\r' <"$T/state/outbox/new/$file")
like "$mail" "tb builds alone and fails together with ta" "the mail names the pair"
like "$mail" "cthulhu merge-fix record tb COMMIT --with ta" "and the merge-fix to record"
like "$mail" "alone: +gate run [0-9]+, ${alone%????????????????????????????}" \
	"and the run of tb alone"

# the API and the CLI
api GET /api/v1/next/gate
is "$status" 200 "GET /api/v1/next/gate"
is "$(printf '%s' "$body" | jq -r '.ejections[] | select(.topic == "tb") | .with')" ta \
	"the ejection says with ta"
is "$(printf '%s' "$body" | jq -r '.ejections[] | select(.topic == "tb") | .suggest')" \
	"cthulhu merge-fix record tb COMMIT --with ta" "and the merge-fix"
api GET "/api/v1/next/gate/candidates?limit=20"
is "$(printf '%s' "$body" | jq -r ".[] | select(.id == $cand) | .says")" \
	"tb builds alone and fails together with ta" "the candidate says the pair"
cth gate > "$T/gate.out"
ok "cthulhu gate"
like "$(cat "$T/gate.out")" "tb +fallback .* ta" "lists tb's ejection with ta"
like "$(cat "$T/gate.out")" "tb builds alone and fails together with ta" \
	"and says the pair"
like "$(cat "$T/gate.out")" "cthulhu merge-fix record tb COMMIT --with ta" \
	"and the merge-fix to record"
cth gate --json > "$T/gate.json"
is "$(jq -r '.ejections[] | select(.topic == "tb") | .with' "$T/gate.json")" ta \
	"cthulhu gate --json says with ta"

# cthulhu next: the gate's word on each topic
wait_for 60 settled
cth next > "$T/next.out"
ok "cthulhu next"
like "$(cat "$T/next.out")" "tx +missing .* ejected" "marks tx ejected"
like "$(cat "$T/next.out")" "tb +[a-z]+ .* fallback" "marks tb merged at its last good tip"
like "$(cat "$T/next.out")" "tx: ejected: .*fails on next with 'tx' merged" \
	"with tx's reason"
like "$(cat "$T/next.out")" "tb: fallback: tb builds alone and fails together with ta" \
	"and tb's"
cth next --json > "$T/next.json"
is "$(jq -r '.build.topics[] | select(.topic == "tx") | .gate' "$T/next.json")" ejected \
	"the JSON marks tx ejected"
is "$(jq -r '.build.topics[] | select(.topic == "tb") | .gate' "$T/next.json")" fallback \
	"and tb fallback"
is "$(jq -r '.build.topics[] | select(.topic == "tb") | .gate_with' "$T/next.json")" ta \
	"with ta"
is "$(jq -r '.build.topics[] | select(.topic == "tb") | .tip' "$T/next.json")" "$good_tb" \
	"at tb's last good tip"
check "next never held a tree that does not build" every_next_builds
done_testing
