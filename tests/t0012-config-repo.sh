#!/bin/sh
# tree.repo that does not exist, or is a folder or file that is not a git
# repository: cthulhud refuses to start, says why and where, and leaves
# no state behind.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

check_refused()
{
	local what=$1 repo=$2
	write_config "$T/cthulhu.conf" "$repo"
	run_daemon_fail "$T/cthulhu.conf"
	is "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo yes)" yes \
		"$what: the daemon refuses to start (exit $rc)"
	like "$log" "$repo" "$what: the message names the path"
	like "$log" "$3" "$what: the message says why"
	[ ! -e "$T/state/cthulhu.db" ]
	ok "$what: no database was made"
}

check_refused "a missing repository" "$T/nowhere.git" \
	"not exist|no such|not found|cannot open|could not find"

mkdir "$T/plain"
echo hello >"$T/plain/README"
check_refused "a folder that is not a repository" "$T/plain" \
	"not a git repository|could not find repository|cannot open"
is "$(ls "$T/plain")" README "the folder was left as it was"

echo text >"$T/file"
check_refused "a regular file" "$T/file" \
	"not a git repository|could not find repository|cannot open|not a (directory|folder)"

# The same config with a real repository works: the refusals above were
# about the path, not about the rest of the config.
make_repo "$T/work"
write_config "$T/cthulhu.conf" "$T/work.git"
start_daemon "$T/cthulhu.conf"
ok "with a repository the daemon starts"
done_testing
