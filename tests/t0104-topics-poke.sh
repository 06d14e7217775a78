#!/bin/sh
# cthulhu poke and contrib/post-receive, with inotify and the poll off so
# that nothing else can see a move: after a push through the hook the
# event is there (the hook waits for the scan), of source poke.  With the
# daemon down the hook says nothing and the push succeeds.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init
need_test_hooks

make_repo "$T/src"
commit_on mmu 'mmu: first'
(cd "$T/src" && git push -q origin mmu)
cp "$top_srcdir/contrib/post-receive" "$T/src.git/hooks/post-receive"
chmod +x "$T/src.git/hooks/post-receive"
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 0' \
	'[topic "mmu"]' '	order = 1'
CTHULHU_TEST_NO_INOTIFY=1
export CTHULHU_TEST_NO_INOTIFY
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts without inotify or poll"
# The hook finds the daemon through cthulhu.socket and the CLI through
# CTHULHU; unset CTHULHU_SOCKET to show the former works.
git --git-dir="$T/src.git" config cthulhu.socket "$CTHULHU_SOCKET"
hook_env="env -u CTHULHU_SOCKET CTHULHU=$CTHULHU"

old=$(rev mmu)
commit_on mmu 'mmu: second'
(cd "$T/src" && $hook_env git push -q origin mmu)
ok "git push through the hook"
check "the push is an event when git push returns" \
	has_event mmu "$old" "$(rev mmu)" fast-forward poke

# cthulhu poke by hand.
old=$(rev mmu)
git --git-dir="$T/src.git" update-ref refs/heads/mmu "$(rev base)"
out=$(cth poke --json)
ok "cthulhu poke --json"
is "$(jget "$out" '$.moves[0].topic')" mmu "the answer lists the move"
is "$(jget "$out" '$.moves[0].kind')" forced "its kind"
is "$(jget "$out" '$.moves[0].old')" "$old" "old SHA1"
is "$(jget "$out" '$.moves[0].new')" "$(rev base)" "new SHA1"
is "$(jget "$out" '$.moves[0].source')" poke "source poke"
is "$(jget "$out" '$.moves[0].id')" "$(sql 'SELECT max(id) FROM events')" \
	"and the event's id"
out=$(cth poke --json)
is "$(jget "$out" '$.moves')" '[]' "a second poke finds nothing"
is "$(nr_events)" 2 "two moves, two events"

# The hook with the daemon down.
stop_daemon
ok "cthulhud stops"
commit_on mmu 'mmu: third'
(cd "$T/src" && $hook_env git push -q -f origin mmu) >"$T/push.out" 2>&1
ok "a push succeeds with the daemon down"
is "$(cat "$T/push.out")" "" "and the hook says nothing"
(cd "$T/src" && env -u CTHULHU_SOCKET CTHULHU=/nonexistent/cthulhu \
	git push -q -f origin mmu:other) >"$T/push.out" 2>&1
ok "a push succeeds without the CLI"
is "$(cat "$T/push.out")" "" "and the hook says nothing"
done_testing
