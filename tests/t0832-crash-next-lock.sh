#!/bin/sh
# A kill -9 inside the update of next leaves next's lock file behind
# (refs/heads/next.lock, as libgit2 and git write it).  next is cthulhud's
# alone, so the next start removes that lock, says so, and builds: every
# build would otherwise fail on it, for good.  (Found by the crash loop.)
# A lock on a topic branch may be a git push's: it is left alone.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

make_repo "$T/src"
commit_on t1 "t1: first"
(cd "$T/src" && git push -q origin t1)
setup_daemon "$T/src.git" "cthulhud starts" '[topic "t1"]' '	order = 1' \
	'[next]' '	debounce = 100'
cth rebuild --wait >/dev/null
ok "a first build"
stop_daemon

# what a kill inside the ref update leaves: the lock with the new value
rev next >"$T/src.git/refs/heads/next.lock"
commit_on t1 "t1: second"
(cd "$T/src" && git push -q origin t1)
echo locked >"$T/src.git/refs/heads/master.lock"

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with next locked"
next_has_t1()
{
	[ "$(git --git-dir="$T/src.git" rev-parse next^2)" = "$(rev t1)" ]
}
check "next is built with t1's new tip" wait_for 30 next_has_t1
test ! -e "$T/src.git/refs/heads/next.lock"
ok "the lock is gone"
like "$(cat "$T/daemon.log")" "removed the lock of 'refs/heads/next' a crash left" \
	"the log says so"
is "$(sql "SELECT count(*) FROM builds WHERE state = 'failed'")" 0 "no build failed"
test -e "$T/src.git/refs/heads/master.lock"
ok "a lock on another ref is left alone"
rm -f "$T/src.git/refs/heads/master.lock"
stop_daemon
ok "cthulhud stops"
done_testing
