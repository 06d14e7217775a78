#!/bin/sh
# cthulhud --demo DIR makes a real-looking maintainer tree with libgit2
# (mainline tags, six topics, patch mail that applies), serves it, and
# prints how to reach it; a second run reuses DIR as it is.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

D=$T/demo
G="git --git-dir=$D/repo.git"
CTHULHU_SOCKET=$D/state/cthulhud.sock
export CTHULHU_SOCKET

# start_demo ARGS...: cthulhud --demo $D ARGS in the background, output
# in $T/demo.out; waits until the CLI gets an answer.
start_demo()
{
	: >"$T/demo.out"
	"$CTHULHUD" --demo "$D" "$@" >"$T/demo.out" 2>&1 </dev/null &
	DAEMON_PID=$!
	if ! wait_for 60 "$CTHULHU" status; then
		sed 's/^/#   /' "$T/demo.out" | tail -30
		return 1
	fi
	# The welcome comes once the daemon serves.
	wait_for 10 grep -q 'events' "$T/demo.out"
}

start_demo --http 0
ok "cthulhud --demo makes the tree and serves it" || done_testing

is "$($G cat-file -t v6.9-rc2)" tag "v6.9-rc2 is an annotated tag"
is "$($G rev-parse 'v6.9-rc2^{commit}')" "$($G rev-parse master)" \
	"master is at v6.9-rc2"
is "$($G log -1 --format=%s v6.9-rc2)" "Linux 6.9-rc2" "the base is a release commit"
for t in v6.8 v6.9-rc1; do
	is "$($G cat-file -t $t)" tag "mainline has tag $t"
done
is "$($G symbolic-ref HEAD)" refs/heads/master "HEAD is master"
is "$($G rev-parse --is-bare-repository)" true "the repository is bare"
for f in Makefile README arch/x86/kvm/x86.c arch/x86/kvm/mmu/mmu.c \
	 arch/x86/kvm/pmu.c arch/x86/kvm/svm/svm.c arch/x86/kvm/vmx/vmx.c \
	 tools/testing/selftests/kvm/Makefile; do
	$G cat-file -e "master:$f"
	ok "the tree has $f"
done
like "$($G show master:Makefile)" "EXTRAVERSION = -rc2" "the Makefile says -rc2"

for t in x86/pmu x86/mmu svm vmx selftests fixes; do
	$G rev-parse -q --verify "refs/heads/$t" >/dev/null
	ok "topic $t exists"
	n=$($G rev-list --count "v6.9-rc2..$t")
	[ "$n" -ge 2 ] && [ "$n" -le 4 ]
	ok "$t has 2 to 4 commits over the base ($n)"
	is "$($G merge-base v6.9-rc2 "$t")" "$($G rev-parse 'v6.9-rc2^{commit}')" \
		"$t branches from v6.9-rc2"
	bad=$($G log --format=%s "v6.9-rc2..$t" | grep -v '^KVM: [A-Za-z0-9/]*: [A-Z]')
	is "$bad" "" "$t's subjects are kernel style"
	is "$($G log --format=%B "v6.9-rc2..$t" | grep -c '^Signed-off-by: ' | tr -d ' ')" \
		"$((n * 2))" "$t's commits carry the author's and the maintainer's Signed-off-by"
done
is "$($G log --format=%at v6.9-rc2..x86/pmu v6.9-rc2..svm | sort -u | wc -l | tr -d ' ')" \
	"$($G rev-list --count v6.9-rc2..x86/pmu v6.9-rc2..svm)" "author dates differ"
is "$($G log --format=%an v6.9-rc2 --not x86/pmu svm vmx x86/mmu selftests fixes | wc -l | tr -d ' ')" \
	0 "no topic commit is in mainline"
$G fsck --strict --no-dangling >"$T/fsck.out" 2>&1
ok "git fsck --strict finds nothing wrong"

is "$(git config -f "$D/cthulhu.conf" tree.name)" kvm-x86 "cthulhu.conf names the tree"
is "$(git config -f "$D/cthulhu.conf" tree.base)" v6.9-rc2 "its base is v6.9-rc2"
is "$(git config -f "$D/cthulhu.conf" state.dir)" "$D/state" "its state dir is DIR/state"
is "$(git config -f "$D/cthulhu.conf" --bool topic.fixes.into-next)" false \
	"fixes stays out of next"
is "$(git config -f "$D/cthulhu.conf" --get-regexp '^topic\..*\.order' | wc -l | tr -d ' ')" 6 \
	"six topics have an order"

out=$(cat "$T/demo.out")
like "$out" "$CTHULHU_SOCKET" "the welcome names the socket"
like "$out" "cthulhu --socket $CTHULHU_SOCKET status" "it suggests cthulhu status"
like "$out" "topics" "it suggests cthulhu topics"
like "$out" " events" "it suggests cthulhu events"
like "$out" "dashboard" "it mentions the dashboard"

cth status >"$T/status.out"
ok "cthulhu status works on the demo"
like "$(cat "$T/status.out")" "kvm-x86" "status names the tree"
is "$(cth topics | grep -c -e '^x86/pmu ' -e '^x86/mmu ' -e '^svm ' -e '^vmx ' -e '^selftests ' -e '^fixes ' | tr -d ' ')" 6 \
	"cthulhu topics lists the six topics"

# The mail went to intake: every series is in the database, the v2
# supersedes its v1.
nmbox=$(ls "$D"/mail/*.mbox | wc -l | tr -d ' ')
is "$(sqlite3 -readonly "$D/state/cthulhu.db" 'SELECT count(*) FROM series')" "$nmbox" \
	"each of the $nmbox mbox files became a series"
is "$(sqlite3 -readonly "$D/state/cthulhu.db" 'SELECT count(*) FROM messages')" \
	"$(grep -c '^From [0-9a-f]\{40\} ' "$D"/mail/*.mbox | awk -F: '{ n += $2 } END { print n }')" \
	"every message was ingested"
grep -q 'submitted' "$T/demo.out"
ok "the log says the mail was submitted"

# The mail: every series applies with git am to the commit it names.
ls "$D"/mail/*.mbox >"$T/mail.list"
[ "$(wc -l <"$T/mail.list")" -ge 4 ]
ok "there are patch series in DIR/mail ($(wc -l <"$T/mail.list" | tr -d ' '))"
git clone -q "$D/repo.git" "$T/am"
while read -r mbox; do
	name=$(basename "$mbox")
	base=$(sed -n 's/^base-commit: //p' "$mbox" | head -1)
	patches=$(grep -c '^Subject: \[PATCH.* [1-9][0-9]*/[0-9]*\]\|^Subject: \[PATCH[^/]*\] ' "$mbox")
	(cd "$T/am" && git checkout -q --detach "$base" &&
	 git am -q --empty=drop "$mbox") >"$T/am.out" 2>&1
	ok "$name applies with git am on its base-commit"
	is "$(git -C "$T/am" rev-list --count "$base..HEAD")" "$patches" \
		"$name: one commit per patch ($patches)"
	git -C "$T/am" am --abort >/dev/null 2>&1
done <"$T/mail.list"
grep -l '^Subject: \[PATCH v2 ' "$D"/mail/*.mbox >/dev/null
ok "one series is a v2"
grep -l '^Fixes: [0-9a-f]\{12\} ("' "$D"/mail/*.mbox | xargs grep -l '^Cc: stable@vger.kernel.org' >/dev/null
ok "one series is a fix with Fixes: and Cc: stable"
fixed=$(sed -n 's/^Fixes: \([0-9a-f]*\) .*/\1/p' "$D"/mail/*.mbox | head -1)
$G cat-file -e "$fixed^{commit}"
ok "the commit it fixes is in the repository"
grep -q '^Subject: \[PATCH 0/' "$D"/mail/*.mbox
ok "a series has a cover letter"

# A second run reuses the tree as it is.
$G for-each-ref --format='%(refname) %(objectname)' >"$T/refs.before"
cat "$D"/mail/*.mbox | cksum >"$T/mail.before"
cp "$D/cthulhu.conf" "$T/conf.before"
stop_daemon
is "$?" 0 "the demo daemon stops with status 0"

start_demo
ok "a second run starts on the same folder" || done_testing
like "$(cat "$T/demo.out")" "reusing" "it says it reuses the folder"
$G for-each-ref --format='%(refname) %(objectname)' >"$T/refs.after"
cmp -s "$T/refs.before" "$T/refs.after"
ok "the refs are as they were"
is "$(cat "$D"/mail/*.mbox | cksum)" "$(cat "$T/mail.before")" "the mail is as it was"
cmp -s "$T/conf.before" "$D/cthulhu.conf"
ok "the config is as it was"
cth status >/dev/null
ok "cthulhu status works after the second start"
grep -q 'demo: submitted' "$T/demo.out"
is "$?" 1 "the mail is not submitted again"
is "$(sqlite3 -readonly "$D/state/cthulhu.db" 'SELECT count(*) FROM series')" "$nmbox" \
	"the series are as they were"
stop_daemon

# A folder with other things in it is not taken for a demo.
mkdir "$T/other"
echo keep >"$T/other/notes.txt"
"$CTHULHUD" --demo "$T/other" >"$T/other.out" 2>&1 </dev/null
rc=$?
is "$([ "$rc" -ne 0 ] && echo refused)" refused "a non-empty folder without cthulhu.conf is refused"
like "$(cat "$T/other.out")" "$T/other" "the message names the folder"
is "$(ls "$T/other")" notes.txt "and the folder is untouched"

# An empty folder, or one whose parents do not exist yet, is made a demo.
for D in "$T/empty" "$T/deep/er/demo"; do
	G="git --git-dir=$D/repo.git"
	CTHULHU_SOCKET=$D/state/cthulhud.sock
	case $D in */empty) mkdir "$D" ;; esac
	start_demo --http 0
	ok "a demo in ${D#$T/} starts"
	is "$($G rev-parse -q --verify refs/heads/x86/pmu >/dev/null && echo yes)" yes \
		"and has its topics"
	stop_daemon
done
ls -d "$T"/*.new-* >/dev/null 2>&1
is "$?" 2 "no half-made demo folder is left behind"
done_testing
