#!/bin/sh
# The poll fallback, with inotify off (CTHULHU_TEST_NO_INOTIFY=1): pushes,
# update-ref, a branch in a new folder and a packed-refs rewrite are seen
# by the poll alone, as events of source poll.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init
need_test_hooks

make_repo "$T/src"
commit_on mmu 'mmu: first'
(cd "$T/src" && git push -q origin mmu)
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 1' \
	'[topic "mmu"]' '	order = 1' \
	'[topic "pmu"]' '	branch = x86/pmu' '	order = 2'

CTHULHU_TEST_NO_INOTIFY=1
export CTHULHU_TEST_NO_INOTIFY
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with CTHULHU_TEST_NO_INOTIFY=1"
like "$(cat "$T/daemon.log")" 'inotify off' "the log says inotify is off"

old=$(rev mmu)
commit_on mmu 'mmu: second'
(cd "$T/src" && git push -q origin mmu)
check "a push is seen by the poll" \
	wait_for 20 has_event mmu "$old" "$(rev mmu)" fast-forward poll

commit_on x86/pmu 'pmu: first'
(cd "$T/src" && git push -q origin x86/pmu)
check "a branch in a new folder is seen by the poll" \
	wait_for 20 has_event pmu "" "$(rev x86/pmu)" created poll

old=$(rev x86/pmu)
git --git-dir="$T/src.git" update-ref refs/heads/x86/pmu "$(rev mmu)"
git --git-dir="$T/src.git" pack-refs --all
check "update-ref and pack-refs are seen by the poll" \
	wait_for 20 has_event pmu "$old" "$(rev mmu)" forced poll
old=$(rev mmu)
git --git-dir="$T/src.git" update-ref -d refs/heads/mmu
check "deleting a packed ref is seen by the poll" \
	wait_for 20 has_event mmu "$old" "" deleted poll

is "$(nr_events)" 4 "one event per move"
is "$(sql "SELECT count(*) FROM events WHERE source <> 'poll'")" 0 \
	"all of them from the poll"
stop_daemon
ok "cthulhud stops cleanly"
done_testing
