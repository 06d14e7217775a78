#!/bin/sh
# [gate] values that are wrong (mode = external without a remote or a
# push-ref among them) stop cthulhud with a message naming the key; with publish = always next moves at once and the gate only
# reports: the culprit is found and the maintainer told, nothing ejected.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
. "$top_srcdir/tests/lib-gate.sh"
test_init

gate_tree t1 t2

bad()
{
	write_config "$T/bad.conf" "$T/src.git" '[gate]' '	command = make' "	$1"
	run_daemon_fail "$T/bad.conf"
	is "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo yes)" yes \
		"'$1' stops cthulhud"
	like "$log" "$2" "'$1': the message says why"
}
bad 'publish = sometimes' "'gate.publish': 'sometimes' is neither 'gated' nor 'always'"
bad 'jobs = 0' "'gate.jobs': must be 1 to 64"
bad 'jobs = many' "'gate.jobs': 'many' is not a number"
bad 'timeout = -1' "'gate.timeout': must be 0 \(none\) to 604800 seconds"
bad 'mode = cloud' "'gate.mode': 'cloud' is neither 'local' nor 'external'"
bad 'mode = external' "'gate.remote': missing: mode = external pushes candidates to a remote"
write_config "$T/bad.conf" "$T/src.git" '[gate]' '	command = make' \
	'	mode = external' "	remote = $T/ci.git"
run_daemon_fail "$T/bad.conf"
like "$log" "'gate.push-ref': missing: mode = external pushes candidates to a ref" \
	"mode = external without push-ref says what is missing"
write_config "$T/bad.conf" "$T/src.git" '[gate]' '	command = make' \
	'	mode = external' "	remote = $T/ci.git" '	push-ref = gate'
run_daemon_fail "$T/bad.conf"
like "$log" "'gate.push-ref': 'gate' is not a full ref name \(refs/...\)" \
	"a push-ref that is not a full ref is refused"
[ ! -e "$T/state/cthulhu.db" ]
ok "no database was made"

gate_config '	command = make -s' '	publish = always' \
	'[notify]' '	maintainer = Tree Keeper <keeper@example.com>'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with publish = always"
check "the first build is gated" wait_for 60 settled
is "$(gate_state)" passed "and passes"
break_topic t2
bad2=$(rev t2)
t2_reported()
{
	[ "$(ejection_state t2)" = reported ] && settled
}
check "a broken t2 is reported" wait_for 60 t2_reported
is "$(rev next^2)" "$bad2" "next moved to the broken t2 at once"
is "$(gate_state)" failed "the candidate failed the gate"
is "$(sql "SELECT count(*) FROM gate_ejections WHERE state != 'reported'")" 0 \
	"nothing is ejected"
is "$(sql "SELECT count(*) FROM builds WHERE trigger = 'gate'")" 0 \
	"and nothing rebuilt"
is "$(ejected_mail to_addr)" \
	keeper@example.com "the maintainer ([notify] maintainer) is told"
like "$(ejected_mail subject)" \
	"'t2' breaks next" "that t2 breaks next"
done_testing
