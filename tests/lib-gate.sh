# Helpers for the gate tests (t07xx), sourced after tests/lib.sh; they
# use tests/lib-topics.sh, sourced here.
. "$top_srcdir/tests/lib-topics.sh"

# The topics made by c_topic, in order: gate_config gives them orders 1..N.
GATE_TOPICS=

# make_c_tree: $T/src (work clone) and $T/src.git (bare, with a reflog for
# next) holding a tiny C program on master, tagged base: "make" builds it
# from every *.c file, with -Werror.
make_c_tree()
{
	make_repo "$T/src" &&
	git --git-dir="$T/src.git" config core.logAllRefUpdates always &&
	(cd "$T/src" &&
	 printf 'int main(void)\n{\n\treturn 0;\n}\n' >main.c &&
	 printf 'prog: $(wildcard *.c)\n\t$(CC) -Wall -Werror -o $@ $^\n' >Makefile &&
	 printf 'prog\n' >.gitignore &&
	 git add . && git commit -q -m 'A program to gate' &&
	 git tag -f base && git push -q -f origin master base)
}

# c_topic NAME: topic NAME adds NAME.c, a function of its own.
c_topic()
{
	GATE_TOPICS="${GATE_TOPICS:+$GATE_TOPICS }$1"
	(cd "$T/src" && git checkout -q -b "$1" master &&
	 printf 'int %s(void)\n{\n\treturn 1;\n}\n' "$1" >"$1.c" &&
	 git add "$1.c" && git commit -q -m "$1: Add $1()" &&
	 git checkout -q master && git push -q origin "$1")
}

# gate_tree NAME...: make_c_tree, then a c_topic for each NAME.
gate_tree()
{
	local t
	make_c_tree || return
	for t in "$@"; do
		c_topic "$t" || return
	done
}

# gate_config LINE...: $T/cthulhu.conf for $T/src.git with next's debounce
# at 100 ms, a [gate] section of the given lines (more sections may
# follow in them), and a [topic] of order N for the Nth of GATE_TOPICS.
gate_config()
{
	local t i=0
	write_config "$T/cthulhu.conf" "$T/src.git" '[next]' '	debounce = 100' \
		'[gate]' "$@" &&
	for t in $GATE_TOPICS; do
		i=$((i + 1))
		printf '[topic "%s"]\n\torder = %d\n' "$t" $i
	done >>"$T/cthulhu.conf"
}

# break_topic NAME: a commit on NAME that does not compile.
break_topic()
{
	(cd "$T/src" && git checkout -q "$1" &&
	 printf 'int %s(void)\n{\n\treturn no_such_variable;\n}\n' "$1" >"$1.c" &&
	 git commit -q -am "$1: Break the build" &&
	 git checkout -q master && git push -q origin "$1")
}

# builds REV: the tree of REV in $T/src.git compiles.
builds()
{
	rm -rf "$T/check" && mkdir "$T/check" &&
	git --git-dir="$T/src.git" archive "$1" | tar -x -C "$T/check" &&
	make -s -C "$T/check" >/dev/null 2>&1
}

# every_next_builds: every value next ever had (its reflog) compiles.
every_next_builds()
{
	local c
	for c in $(git --git-dir="$T/src.git" reflog show --format=%H next); do
		builds "$c" || { echo "next was $c, which does not build"; return 1; }
	done
}

# gate_state: the latest candidate's state.
gate_state()
{
	sql 'SELECT state FROM gate_candidates ORDER BY id DESC LIMIT 1'
}

# ejection_state TOPIC: the state of the topic's latest ejection.
ejection_state()
{
	sql "SELECT state FROM gate_ejections WHERE topic = '$1' ORDER BY id DESC LIMIT 1"
}

# fell_back TOPIC: the topic's latest ejection ended at its last good
# tip and the gate has settled.
fell_back()
{
	[ "$(ejection_state "$1")" = fallback ] && settled
}

# one_run_running: exactly one gate run is running.
one_run_running()
{
	[ "$(sql "SELECT count(*) FROM gate_runs WHERE state = 'running'")" = 1 ]
}

# push_held TOPIC MSG: make $T/hold (the tests' gate commands then wait
# for $T/go), push a commit MSG on TOPIC and check that a run for it
# starts.
push_held()
{
	touch "$T/hold"
	commit_on "$1" "$2"
	(cd "$T/src" && git push -q origin "$1")
	check "a gate run is running" wait_for 60 one_run_running
}

# probe_state CANDIDATE PROBE: the state of the candidate's latest run of
# next up to merge PROBE (not of a culprit paired onto it).
probe_state()
{
	sql "SELECT state FROM gate_runs WHERE candidate = $1 AND probe = $2 AND pair = 0 ORDER BY id DESC LIMIT 1"
}

# good_tip TOPIC: the last good tip its ejection records.
good_tip()
{
	sql "SELECT good_tip FROM gate_ejections WHERE topic = '$1'"
}

# ejected_mail COLUMN: COLUMN (an SQL expression) of the notifications
# of an ejection.
ejected_mail()
{
	sql "SELECT $1 FROM notifications WHERE kind = 'gate-ejected'"
}

# next_is REV: next in $T/src.git is REV.
next_is()
{
	[ "$(rev next)" = "$1" ]
}

# settled: there is a candidate, none is being gated and no run is
# outstanding.
settled()
{
	[ "$(sql "SELECT count(*) FROM gate_candidates")" -ge 1 ] &&
	[ "$(sql "SELECT count(*) FROM gate_candidates WHERE state IN ('gating', 'bisecting')")" = 0 ] &&
	[ "$(sql "SELECT count(*) FROM gate_runs WHERE state IN ('queued', 'running')")" = 0 ]
}

# The generator of the flaky gate: awk seeded with s, one draw, exit 0
# (fail) when it is below rate.
DRAW_AWK='BEGIN { srand(s); exit !(rand() < rate) }'

# draw_fails SEED RATE: whether the flaky gate's draw for SEED fails.
draw_fails()
{
	awk -v s="$1" -v rate="$2" "$DRAW_AWK"
}

# flaky_gate: $T/flaky-gate, a gate command that fails at random, then
# runs "make -s".  While $T/flaky holds "SEED RATE", run n (counted in
# $T/draws) fails when draw_fails SEED+n RATE says so; without $T/flaky
# it only runs make.  The draws are a seeded generator's, so a gate run
# one at a time ([gate] jobs = 1) fails the same runs every time.
flaky_gate()
{
	cat >"$T/flaky-gate" <<SH
#!/bin/sh
if [ -e '$T/flaky' ]; then
	read seed rate <'$T/flaky'
	n=\$((\$(cat '$T/draws' 2>/dev/null || echo 0) + 1))
	echo \$n >'$T/draws'
	if awk -v s=\$((seed + n)) -v rate=\$rate '$DRAW_AWK'; then
		echo "flaky: draw \$n fails"
		exit 1
	fi
	echo "flaky: draw \$n passes"
fi
exec make -s
SH
	chmod +x "$T/flaky-gate"
}

# flaky_on SEED RATE: the flaky gate fails at random from draw 1 on.
flaky_on()
{
	echo 0 >"$T/draws" && echo "$1 $2" >"$T/flaky"
}

# flaky_off: the flaky gate only runs make.
flaky_off()
{
	rm -f "$T/flaky"
}

# runs_of CANDIDATE ROUND PROBE: the states of the candidate's runs of
# next up to merge PROBE in ROUND, as "ATTEMPT:STATE" oldest first.
runs_of()
{
	sql "SELECT group_concat(attempt || ':' || state, ' ') FROM (SELECT attempt, state FROM gate_runs WHERE candidate = $1 AND round = $2 AND probe = $3 AND pair = 0 ORDER BY id)"
}
