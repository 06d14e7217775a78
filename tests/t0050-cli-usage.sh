#!/bin/sh
# The CLI without a daemon: help for the tool and each verb, --version,
# usage errors (exit 2, the bad option named, nothing sent), and a daemon
# that cannot be reached (exit 3, the socket or URL named).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

# Nothing listens here: a usage error must be found before connecting,
# or the exit code would be 3.
CTHULHU_SOCKET=$T/none.sock
export CTHULHU_SOCKET

run --help
is "$rc" 0 "--help exits 0"
like "$out" '^usage: cthulhu ' "--help prints the usage"
verbs=$(printf '%s\n' "$out" | sed -n '/^verbs:/,/^$/p' | awk 'NF > 1 { print $1 }')
like "$verbs" '^status$' "--help lists status"
for v in topics poke events; do
	like "$verbs" "^$v\$" "--help lists $v"
done

run --version
is "$rc" 0 "--version exits 0"
like "$out" '^cthulhu [0-9]+\.[0-9]+\.[0-9]+$' "--version prints the version"

# Every verb the tool lists has a help of its own, from either spelling.
for v in $verbs; do
	run "$v" --help
	is "$rc" 0 "$v --help exits 0"
	like "$out" "^usage: cthulhu $v" "$v --help starts with its usage"
	like "$out" '--socket PATH' "$v --help names the connection options"
	run help "$v"
	is "$rc" 0 "help $v exits 0"
	like "$out" "^usage: cthulhu $v" "help $v prints the same usage"
done

run
is "$rc" 2 "no verb: exit 2"
like "$err" '^error: no verb given' "no verb: says so"

run frobnicate
is "$rc" 2 "unknown verb: exit 2"
like "$err" "unknown verb 'frobnicate'" "unknown verb: named"

run --frob status
is "$rc" 2 "unknown global option: exit 2"
like "$err" "unknown option '--frob'" "unknown global option: named"

run status --frob
is "$rc" 2 "unknown verb option: exit 2"
like "$err" "unknown option '--frob' for 'status'" "unknown verb option: named with the verb"
like "$err" 'usage: cthulhu status' "unknown verb option: usage follows"

run status extra
is "$rc" 2 "status with an argument: exit 2"
like "$err" "'status' takes no arguments" "status with an argument: says so"

run events --limit
is "$rc" 2 "option without its value: exit 2"
like "$err" "option '--limit' needs a value" "option without its value: named"

run events --since ten
is "$rc" 2 "integer option with a word: exit 2"
like "$err" "option '--since' expects an integer, not 'ten'" "integer option: option and value named"

run events --follow=yes
is "$rc" 2 "flag with a value: exit 2"
like "$err" "option '--follow' takes no value" "flag with a value: named"

run topics add x86/pmu --order 1
is "$rc" 2 "topics add without --branch: exit 2"
like "$err" "needs '--branch'" "topics add without --branch: named"

run topics add --branch b --order 1
is "$rc" 2 "topics add without a name: exit 2"
like "$err" "'topics add' takes one topic name" "topics add without a name: says so"

run topics remove
is "$rc" 2 "topics remove without a name: exit 2"
like "$err" "'topics remove' takes one topic name" "topics remove without a name: says so"

run topics --branch x
is "$rc" 2 "--branch outside topics add: exit 2"
like "$err" "'--branch'" "--branch outside topics add: named"

run topics rename a b
is "$rc" 2 "unknown topics action: exit 2"
like "$err" "unknown 'topics' action 'rename'" "unknown topics action: named"

run --socket "$T/a.sock" --url http://127.0.0.1:1 status
is "$rc" 2 "--socket with --url: exit 2"
like "$err" "'--socket' and '--url'" "--socket with --url: both named"

run --token-file "$T/token" status
is "$rc" 2 "--token-file without --url: exit 2"
like "$err" "'--token-file' needs '--url'" "--token-file without --url: named"

run --url http://127.0.0.1:1 --token-file "$T/no-such-token" status
is "$rc" 2 "unreadable token file: exit 2"
like "$err" "cannot read token file '$T/no-such-token'" "unreadable token file: named"

# Unreachable: the environment's socket, --socket (before or after the
# verb, which wins over the environment) and --url.
run status
is "$rc" 3 "no daemon at CTHULHU_SOCKET: exit 3"
like "$err" "^error: cannot reach cthulhud at socket '$T/none.sock': " "no daemon: the socket is named"
is "$out" "" "no daemon: nothing on stdout"
like "$err" "No such file or directory \\(is cthulhud running\\?\\)\$" "no daemon: the reason and a hint"

run --socket "$T/other.sock" topics
is "$rc" 3 "no daemon at --socket: exit 3"
like "$err" "socket '$T/other.sock'" "--socket wins over CTHULHU_SOCKET"

run events --json --socket "$T/third.sock"
is "$rc" 3 "--socket after the verb: exit 3"
like "$err" "socket '$T/third.sock'" "--socket after the verb is used"

: >"$T/plain"
run poke --socket "$T/plain"
is "$rc" 3 "a file that is no socket: exit 3"
like "$err" "socket '$T/plain': the file is not a socket\$" "a file that is no socket: said so"

run --url http://127.0.0.1:1 status
is "$rc" 3 "nothing at --url: exit 3"
like "$err" "cannot reach cthulhud at 'http://127.0.0.1:1': " "nothing at --url: the URL is named"

(unset CTHULHU_SOCKET; "$CTHULHU" status >/dev/null 2>"$T/err"; echo $? >"$T/rc")
is "$(cat "$T/rc")" 3 "no CTHULHU_SOCKET: exit 3"
like "$(cat "$T/err")" "socket '/var/lib/cthulhu/cthulhud.sock'" "no CTHULHU_SOCKET: the default socket is used"

done_testing
