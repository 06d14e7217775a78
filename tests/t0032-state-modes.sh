#!/bin/sh
# What only the owner may touch is made so: the token file and the socket
# are mode 0600, the state dir 0700, whatever the umask; the token is
# kept across restarts.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/work"
write_config "$T/cthulhu.conf" "$T/work.git"
umask 000
start_daemon "$T/cthulhu.conf"
ok "the daemon starts under umask 000" || done_testing
umask 022

is "$(stat -c %a "$T/state/token")" 600 "the token file is 0600"
is "$(stat -c %a "$T/state/cthulhud.sock")" 600 "the socket is 0600"
is "$(stat -c %a "$T/state")" 700 "the state dir is 0700"
[ -S "$T/state/cthulhud.sock" ]
ok "the socket is a socket"
token=$(cat "$T/state/token")
[ "${#token}" -ge 32 ]
ok "the token is long (${#token} characters)"

stop_daemon
start_daemon "$T/cthulhu.conf"
is "$(cat "$T/state/token")" "$token" "a restart keeps the token"
is "$(stat -c %a "$T/state/cthulhud.sock")" 600 "the new socket is 0600 too"
done_testing
