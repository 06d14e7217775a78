#!/bin/sh
# Topic moves seen through inotify alone (the poll is off): a push, a
# forced push, git update-ref, a branch in a folder made after start-up
# (x86/pmu, arm/kvm/vgic: each new folder needs a watch of its own), and
# moves that only rewrite packed-refs.  Each move is one event with the
# SHA1s git rev-parse gives and the right kind.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

make_repo "$T/src"
commit_on mmu 'mmu: first'
commit_on svm 'svm: first'
(cd "$T/src" && git push -q origin mmu svm)
write_config "$T/cthulhu.conf" "$T/src.git" \
	'[watch]' '	poll = 0' \
	'[topic "mmu"]' '	order = 1' \
	'[topic "svm"]' '	order = 2' \
	'[topic "pmu"]' '	branch = x86/pmu' '	order = 3' \
	'[topic "vgic"]' '	branch = arm/kvm/vgic' '	order = 4'
check "refs/heads/x86 does not exist before the start" \
	test ! -e "$T/src.git/refs/heads/x86"

start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"
check "mmu's tip is recorded at start-up" tip_is mmu "$(rev mmu)"
check "svm's tip is recorded at start-up" tip_is svm "$(rev svm)"
check "pmu has no tip yet" tip_is pmu ""
is "$(nr_events)" 0 "tracking topics at start-up is no move"

# A fast-forward push.
old=$(rev svm)
commit_on svm 'svm: second'
(cd "$T/src" && git push -q origin svm)
new=$(rev svm)
check "a pushed fast-forward is an event" \
	wait_for 20 has_event svm "$old" "$new" fast-forward inotify
check "svm's recorded tip follows" tip_is svm "$new"

# A rewritten branch, force-pushed.
(cd "$T/src" && git checkout -q svm && git commit -q --amend -m 'svm: 2nd' &&
 git checkout -q master && git push -q -f origin svm)
forced=$(rev svm)
check "the rewrite changed the SHA1" test "$forced" != "$new"
check "a forced push is a forced event" \
	wait_for 20 has_event svm "$new" "$forced" forced inotify

# git update-ref straight into the bare repository.
old=$(rev mmu)
commit_on mmu 'mmu: second'
(cd "$T/src" && git push -q origin mmu:refs/heads/scratch)
new=$(rev scratch)
git --git-dir="$T/src.git" update-ref refs/heads/mmu "$new" "$old"
check "git update-ref is an event" \
	wait_for 20 has_event mmu "$old" "$new" fast-forward inotify
git --git-dir="$T/src.git" update-ref refs/heads/mmu "$old" "$new"
check "moving it back is a forced event" \
	wait_for 20 has_event mmu "$new" "$old" forced inotify

# Branches in folders that do not exist yet.
commit_on x86/pmu 'pmu: first'
(cd "$T/src" && git push -q origin x86/pmu)
check "a branch in a new folder is a created event" \
	wait_for 20 has_event pmu "" "$(rev x86/pmu)" created inotify
old=$(rev x86/pmu)
commit_on x86/pmu 'pmu: second'
(cd "$T/src" && git push -q origin x86/pmu)
check "the new folder is watched from then on" \
	wait_for 20 has_event pmu "$old" "$(rev x86/pmu)" fast-forward inotify
commit_on arm/kvm/vgic 'vgic: first'
(cd "$T/src" && git push -q origin arm/kvm/vgic)
check "a branch two new folders down is seen" \
	wait_for 20 has_event vgic "" "$(rev arm/kvm/vgic)" created inotify

# Moves that only touch packed-refs.  Pack everything first: the loose
# files go, the values stay, which is no move.
git --git-dir="$T/src.git" pack-refs --all
check "refs are packed" test ! -e "$T/src.git/refs/heads/svm"
# Packing removed loose files, which kicks a scan; let it pass, so that
# the scan that sees the next move can only come from packed-refs.  (Not
# a timed assertion: too short a pause can only let a bug pass.)
sleep 1
cth poke >/dev/null
n=$(nr_events)
# Rewrite packed-refs as git does, into a new file renamed over it.
old=$(rev svm)
new=$(rev scratch)
sed "s|^$old refs/heads/svm\$|$new refs/heads/svm|" \
	"$T/src.git/packed-refs" >"$T/src.git/packed-refs.new"
mv "$T/src.git/packed-refs.new" "$T/src.git/packed-refs"
check "a move in packed-refs is an event" \
	wait_for 20 has_event svm "$old" "$new" forced inotify
# git deletes a packed-only ref by rewriting packed-refs alone.
check "mmu is packed only" test ! -e "$T/src.git/refs/heads/mmu"
old=$(rev mmu)
git --git-dir="$T/src.git" update-ref -d refs/heads/mmu
check "deleting a packed ref is a deleted event" \
	wait_for 20 has_event mmu "$old" "" deleted inotify
check "mmu has no tip any more" tip_is mmu ""
# update-ref, then pack-refs --all.
old=$(rev x86/pmu)
git --git-dir="$T/src.git" update-ref refs/heads/x86/pmu "$(rev scratch)"
git --git-dir="$T/src.git" pack-refs --all
check "update-ref then pack-refs is an event" \
	wait_for 20 has_event pmu "$old" "$(rev scratch)" forced inotify

# Nothing else was recorded: one event per move, none for the packing.
is "$(nr_events)" $((n + 3)) "no event but for the moves"
is "$(sql "SELECT count(*) FROM events WHERE topic = 'svm'")" 3 \
	"svm moved three times"
cth poke >/dev/null
ok "cthulhu poke"
is "$(nr_events)" $((n + 3)) "a poke after all that finds nothing new"
check "svm's tip is what git says" tip_is svm "$(rev svm)"
check "pmu's tip is what git says" tip_is pmu "$(rev x86/pmu)"

stop_daemon
ok "cthulhud stops cleanly"
done_testing
