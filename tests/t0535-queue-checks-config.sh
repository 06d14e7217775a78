#!/bin/sh
# The speculative checks' switches, against a real daemon and make:
# with [check] enabled = false no check is made however long the queue
# waits, and a reload that turns them on checks the series then; with
# [check] jobs = 2 two series' gate runs run at once (the gate command
# sees the other one running), with the default of 1 never.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-check.sh"
test_init

gate_tree t1 t2
# The gate command: make, after noting itself in $T/live and waiting up
# to 10 s for another run to be there too; "together" is appended to
# $T/together when one was.
cat >"$T/gate.sh" <<EOS
#!/bin/sh
mkdir -p "$T/live"
touch "$T/live/\$\$"
i=0
while [ \$i -lt 100 ]; do
	if [ "\$(ls "$T/live" | wc -l)" -ge 2 ]; then
		echo together >>"$T/together"
		break
	fi
	i=\$((i + 1))
	sleep 0.1
done
make -s
rc=\$?
rm -f "$T/live/\$\$"
exit \$rc
EOS
chmod +x "$T/gate.sh"

check_config "	command = $T/gate.sh" '	timeout = 120' \
	'[check]' '	enabled = false'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with the checks off" || done_testing
check "next is built and gated" wait_for 120 settled

for n in 1 2; do
	check_series "s$n" t1 "printf 'int s$n(void)\n{\n\treturn $n;\n}\n' >s$n.c
		git add s$n.c && git commit -q -m 't1: Add s$n()'"
	run submit "$T/s$n.mbox"
	is "$rc" 0 "series s$n is submitted"
done
s1=$(series_of 'Add s1()')
s2=$(series_of 'Add s2()')
queued()
{
	[ "$(sql "SELECT count(*) FROM queue WHERE queued AND target = 't1'")" = 2 ]
}
check "both are queued for t1" wait_for 60 queued
# Let the daemon have its chances to check: next rebuilt and gated again
# after a push to t2, and the queue's scan done, all while off.
(cd "$T/src" && git checkout -q t2 && echo '/* more */' >>t2.c &&
 git commit -q -am 't2: Say more' && git push -q origin t2 && git checkout -q master)
t2=$(rev t2)
rebuilt()
{
	settled && git --git-dir="$T/src.git" merge-base --is-ancestor "$t2" next
}
check "next is rebuilt with t2's push" wait_for 120 rebuilt
is "$(sql "SELECT count(*) FROM checks")" 0 "with enabled = false no check is made"
is "$(sql "SELECT count(*) FROM check_runs")" 0 "and no check runs the gate"
check "nor did two gate runs overlap" [ ! -e "$T/together" ]

# On, with two jobs: a reload.
sed -i 's/^\tenabled = false$/\tenabled = true\n\tjobs = 2/' "$T/cthulhu.conf"
kill -HUP "$DAEMON_PID"
check "after a reload that turns them on, s1 is checked" wait_for 180 checked "$s1"
check "and s2" wait_for 180 checked "$s2"
is "$(check_state "$s1" gate) $(check_state "$s2" gate)" "success success" \
	"both build"
check "with jobs = 2 their gate runs ran at once" [ -s "$T/together" ]
is "$(sql "SELECT count(DISTINCT tree) FROM check_runs WHERE state = 'passed'")" 2 \
	"two trees were gated"

# One job: a third and fourth series are gated one after the other.
stop_daemon
rm -f "$T/together"
sed -i 's/^\tjobs = 2$/\tjobs = 1/' "$T/cthulhu.conf"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again with jobs = 1"
for n in 3 4; do
	check_series "s$n" t1 "printf 'int s$n(void)\n{\n\treturn $n;\n}\n' >s$n.c
		git add s$n.c && git commit -q -m 't1: Add s$n()'"
	run submit "$T/s$n.mbox"
	is "$rc" 0 "series s$n is submitted"
done
s3=$(series_of 'Add s3()')
s4=$(series_of 'Add s4()')
check "s3 is checked" wait_for 180 checked "$s3"
check "and s4" wait_for 180 checked "$s4"
is "$(sql "SELECT count(DISTINCT tree) FROM check_runs WHERE state = 'passed'")" 4 \
	"two more trees were gated"
check "with jobs = 1 no two gate runs of the checks overlapped" [ ! -e "$T/together" ]
done_testing
