#!/bin/sh
# The compare-and-swap of apply and drop against a push that lands just
# before the daemon moves the topic (CTHULHU_TEST_CAS_HOOK pushes there,
# with the git CLI).  An apply whose topic moved is applied again on the
# new tip, keeping the pushed commit; one that keeps losing the race gives
# up after a few tries and says so, with nothing recorded.  A drop whose
# topic moved says so and changes nothing.  Never a clobbered push.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-apply.sh"
test_init
need_test_hooks

apply_tree || exit 1
(
	cd "$T/w"
	for k in 1 2 3; do
		git checkout -q -b "s$k" base
		echo "s$k" >"s$k.txt" && git add "s$k.txt"
		GIT_AUTHOR_NAME="Pat Author$k" GIT_AUTHOR_EMAIL="pat$k@example.org" \
			git commit -q -m "s$k: Add a file"
		git format-patch -q --thread=shallow -o "$T/fp$k" base.."s$k"
		cat "$T/fp$k"/*.patch >"$T/s$k.mbox"
	done
) || exit 1
git clone -q "$T/src.git" "$T/p"

# the hook: push a commit to pmu while $T/pushes-left says so
cat >"$T/hook" <<EOH
#!/bin/sh
n=\$(cat "$T/pushes-left")
[ "\$n" -gt 0 ] || exit 0
echo \$((n - 1)) >"$T/pushes-left"
cd "$T/p" && git fetch -q origin pmu && git checkout -q -B pmu FETCH_HEAD &&
echo "push \$n \$\$" >"push-\$\$.txt" && git add . &&
git commit -q -m "pmu: Push from the hook \$\$" &&
git push -q origin pmu:pmu && git rev-parse HEAD >>"$T/pushed"
EOH
chmod +x "$T/hook"
echo 0 >"$T/pushes-left"
: >"$T/pushed"

CTHULHU_TEST_CAS_HOOK=$T/hook
export CTHULHU_TEST_CAS_HOOK
setup_daemon "$T/src.git" "cthulhud starts" '[topic "pmu"]' '	order = 1' \
	'[apply]' '	link = '
unset CTHULHU_TEST_CAS_HOOK
for k in 1 2 3; do cth submit "$T/s$k.mbox" >/dev/null || exit 1; done
sid()
{
	sql "SELECT series_id FROM patches WHERE subject = 's$1: Add a file'"
}

# --- one push in the way: applied again on the new tip ------------------------

echo 1 >"$T/pushes-left"
cth apply "$(sid 1)" pmu >"$T/out" 2>&1
is "$?" 0 "an apply whose topic moved under it succeeds"
p1=$(sed -n 1p "$T/pushed")
like "$p1" '^[0-9a-f]{40}$' "the hook pushed"
is "$(rev pmu~1)" "$p1" "on top of the pushed commit, which is kept"
is "$(git --git-dir="$T/src.git" log -1 --format=%s pmu)" "s1: Add a file" \
	"the patch is the tip"
is "$(sql "SELECT commit_sha FROM applied WHERE series_id = $(sid 1)")" "$(rev pmu)" \
	"its row names the commit on the topic"
like "$(cat "$T/daemon.log")" "'pmu' moved while applying series $(sid 1); again" \
	"the log says it was applied again"

# --- pushes every time: the apply gives up and says why -----------------------

before=$(rev pmu)
echo 10 >"$T/pushes-left"
cth apply "$(sid 2)" pmu >"$T/out" 2>"$T/err"
is "$?" 1 "an apply that loses the race every time fails"
like "$(cat "$T/err")" "cannot apply series $(sid 2) to 'pmu': 'refs/heads/pmu' moved while applying" \
	"and says why"
is "$(sql "SELECT count(*) FROM applied WHERE series_id = $(sid 2)")" 0 "no row"
is "$(sql "SELECT count(*) FROM notifications WHERE series_id = $(sid 2)")" 0 \
	"no notification"
last=$(tail -1 "$T/pushed")
is "$(rev pmu)" "$last" "the topic is the last push: nothing clobbered"
is "$(git --git-dir="$T/src.git" rev-list --count "$before"..pmu)" \
	"$(( $(wc -l <"$T/pushed") - 1 ))" "every push is on it"
echo 0 >"$T/pushes-left"
cth apply "$(sid 2)" pmu >/dev/null
is "$?" 0 "the same apply succeeds once the pushes stop"

# --- a drop whose topic moves: refused, nothing changed ---------------------

tip=$(rev pmu)
sha=$(sql "SELECT commit_sha FROM applied WHERE series_id = $(sid 1)")
echo 1 >"$T/pushes-left"
cth drop --reason 'test' "$sha" >"$T/out" 2>"$T/err"
is "$?" 1 "a drop whose topic moved under it fails"
like "$(cat "$T/err")" "'refs/heads/pmu' moved while dropping; nothing was changed, try again" \
	"and says the branch moved"
is "$(rev pmu)" "$(tail -1 "$T/pushed")" "the push is kept"
is "$(rev pmu~1)" "$tip" "on the old tip"
is "$(sql "SELECT state FROM applied WHERE commit_sha = '$sha'")" applied \
	"the row is unchanged"
cth drop --reason 'test' "$sha" >/dev/null
is "$?" 0 "the same drop succeeds afterwards"
git --git-dir="$T/src.git" merge-base --is-ancestor "$(tail -1 "$T/pushed")" pmu
is "$?" 1 "(a replay: the pushed commit has a new SHA1)"
is "$(git --git-dir="$T/src.git" log --format=%s base..pmu | grep -c 'Push from the hook')" \
	"$(wc -l <"$T/pushed")" "and every pushed change is still on the topic"
stop_daemon
ok "cthulhud stops"
done_testing
