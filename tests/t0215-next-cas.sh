#!/bin/sh
# next is moved compare-and-swap: a push to next between the build's read
# and its write fails the build cleanly instead of clobbering the push,
# and a new build follows that starts from the pushed value.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init
need_test_hooks

make_repo "$T/src"
for t in t1 t2; do
	commit_on $t "$t: first"
done
(cd "$T/src" && git push -q origin t1 t2)
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 1' \
	'[topic "t1"]' '	order = 1' '[topic "t2"]' '	order = 2' \
	'[next]' '	debounce = 200'
# The hook pushes next from outside once, when the build is about to
# move it.
cat > "$T/hook.sh" <<EOF
#!/bin/sh
if [ "\$1" = updating ] && [ -f "$T/push-next" ]; then
	rm -f "$T/push-next"
	git --git-dir="$T/src.git" update-ref refs/heads/next master
fi
EOF
chmod +x "$T/hook.sh"
export CTHULHU_TEST_NEXT_HOOK=$T/hook.sh
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"
done_builds()
{
	[ "$(sql "SELECT count(*) FROM builds WHERE state = 'done'")" -ge "$1" ]
}
check "the start-up build" wait_for 30 done_builds 1

touch "$T/push-next"
commit_on t2 "t2: second"
(cd "$T/src" && git push -q origin t2)
failed()
{
	[ "$(sql "SELECT count(*) FROM builds WHERE state = 'failed'")" = 1 ]
}
check "the build that met the push fails" wait_for 30 failed
like "$(sql "SELECT error FROM builds WHERE state = 'failed'")" "moved" \
	"and says next moved"
check "another build follows" wait_for 30 done_builds 2
last=$(sql "SELECT id FROM builds WHERE state = 'done' ORDER BY id DESC LIMIT 1")
is "$(sql "SELECT old_next FROM builds WHERE id = $last")" "$(rev master)" \
	"it starts from the pushed value"
is "$(sql "SELECT trigger FROM builds WHERE id = $last")" stale \
	"as a build of a stale next"
is "$(rev next)" "$(sql "SELECT result FROM builds WHERE id = $last")" \
	"and next is its result"
is "$(git --git-dir="$T/src.git" rev-parse next^2)" "$(rev t2)" \
	"with t2's new tip"

stop_daemon
ok "cthulhud stops"
done_testing
