#!/bin/sh
# A state dir that cannot be made or written stops cthulhud with a message
# that names it; nothing is created, the repository is untouched.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/work"
REPO=$T/work.git
snapshot before

refused()
{
	local what=$1 state=$2
	write_config "$T/cthulhu.conf" "$REPO" '[state]' "	dir = $state"
	run_daemon_fail "$T/cthulhu.conf"
	is "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo yes)" yes \
		"$what: the daemon refuses to start (exit $rc)"
	like "$log" "state dir '$state'" "$what: the message names the state dir"
	like "$log" "$3" "$what: the message says why"
}

# Under a regular file: it cannot be created.
echo text >"$T/file"
refused "a state dir under a file" "$T/file/state" "Not a directory"

# An existing folder without write permission.  root writes anywhere, so
# as root use a folder of /proc, which nobody can create files in.
if [ "$(id -u)" -eq 0 ]; then
	ro=/proc/$$
else
	ro=$T/readonly
	mkdir "$ro"
	chmod 0500 "$ro"
fi
refused "a read-only state dir" "$ro" "not writable"
[ -z "$(ls -A "$ro" | grep -e cthulhu -e token -e '\.write-test')" ]
ok "nothing was left in the read-only folder"
[ "$(id -u)" -eq 0 ] || chmod 0700 "$ro"

unchanged before "the repository's refs did not change"
done_testing
