#!/bin/sh
# What only the owner may touch is made so: the token file and the socket
# are mode 0600, the state dir 0700, whatever the umask; the token is
# kept across restarts.  After the daemon has taken mail, applied it,
# written a notification, built next and a pull request, no file or
# folder under the state dir is open to group or others.
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
stop_daemon

# Every kind of state file, made under umask 000.
(cd "$T/work" && git branch pmu && git push -q origin pmu)
write_config "$T/cthulhu.conf" "$T/work.git" "$(topic_conf pmu 1)"
readme_patch "$T/patch.mbox" t0032-1@example.com
umask 000
start_daemon "$T/cthulhu.conf"
ok "the daemon starts again under umask 000" || done_testing
check "it takes a mail" cth submit "$T/patch.mbox"
check "applies it" cth apply "$(sql 'SELECT max(id) FROM series')" pmu
check "builds next" cth rebuild --wait
check "writes a pull request" cth pull-request pmu
umask 022
stop_daemon
[ -n "$(find "$T/state" -mindepth 2 -type f)" ]
ok "the state dir has files in folders (outbox, pull requests)"
is "$(find "$T/state" -perm /077 | sed "s|^$T/||")" "" \
	"no file or folder under the state dir is open to group or others"
is "$(find "$T/state" ! -user "$(id -u)")" "" "all belong to the daemon's user"
done_testing
