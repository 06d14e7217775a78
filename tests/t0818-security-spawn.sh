#!/bin/sh
# No shell between cthulhud and the programs it runs, no test point in a
# production build, a state dir only cthulhud's user can enter.
#
# A topic whose branch is named with shell metacharacters
# (x';touch${IFS}$T/p;' is a valid ref name) is applied to, built into
# next and mailed about: nothing runs it.  [notify] sendmail with ';' in
# it runs as an argv, each word one argument.  With --enable-test-hooks
# the CAS and next hooks get the ref name and the point as one argument
# each; without, cthulhud holds none of the test points' names and
# ignores CTHULHU_TEST_CRASH_AT and the hooks.  An existing state dir of
# mode 0755 is made 0700; a state dir that is a symbolic link, or that
# belongs to another user, is refused with a clear error.  The systemd
# unit runs as a user of its own, hardened.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

branch="x';touch\${IFS}$T/p;'"
git check-ref-format "refs/heads/$branch"
ok "the branch name is a valid ref name"

make_repo "$T/work" "$branch"
ok "the branch is pushed"
readme_patch "$T/patch.mbox" t0818-1@example.com

# Each program records its arguments, one a line.
for prog in sendmail cas-hook next-hook; do
	cat >"$T/$prog" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >>"$T/$prog.args"
EOF
	chmod +x "$T/$prog"
done
echo "cat >>'$T/sent.mbox'" >>"$T/sendmail"

# An existing state dir, open to group and others.
mkdir "$T/state" && chmod 755 "$T/state"
CTHULHU_TEST_CAS_HOOK=$T/cas-hook CTHULHU_TEST_NEXT_HOOK=$T/next-hook
export CTHULHU_TEST_CAS_HOOK CTHULHU_TEST_NEXT_HOOK
if has_test_hooks; then
	hooks=yes
else
	hooks=no
	# Without test hooks a crash point is no more than a name.
	CTHULHU_TEST_CRASH_AT=apply-moved
	export CTHULHU_TEST_CRASH_AT
fi
setup_daemon "$T/work.git" "cthulhud starts" \
	'[topic "pmu"]' "	branch = \"$branch\"" '	order = 1' \
	'[apply]' '	link = ' \
	'[notify]' "	sendmail = \"$T/sendmail -oi ;touch\${IFS}$T/q\""
unset CTHULHU_TEST_CAS_HOOK CTHULHU_TEST_NEXT_HOOK CTHULHU_TEST_CRASH_AT
is "$(stat -c %a "$T/state")" 700 "the existing 0755 state dir is made 0700"
grep -q "was mode 0755: made it 0700" "$T/daemon.log"
ok "the log says so"

check "a mail in" cth submit "$T/patch.mbox"
check "applied to the metacharacter branch" \
	cth apply "$(sql 'SELECT max(id) FROM series')" pmu
is "$(git --git-dir="$T/work.git" log -1 --format=%s "refs/heads/$branch")" \
	"readme: Say more" "the patch is on the branch"
check "next is built with it" cth rebuild --wait
wait_for 10 test -s "$T/sent.mbox"
ok "the notification is sent"
grep -qF "$branch" "$T/sent.mbox"
ok "the mail names the branch"
is "$(cat "$T/sendmail.args")" "-oi
;touch\${IFS}$T/q" "sendmail gets each word of its command as one argument"
[ ! -e "$T/q" ]
ok "the ';' in the sendmail command runs nothing"

# The names of the test points' variables, in the binary.
strings "$top_builddir/cthulhud" | grep -oE 'CTHULHU_TEST_[A-Z_]+' |
	sort -u >"$T/names"
if [ "$hooks" = yes ]; then
	is "$(tr '\n' ' ' <"$T/names")" "$(printf 'CTHULHU_TEST_%s ' CAS_HOOK \
		CRASH_AT MERGE_MEMPACK_MAX NEXT_HOOK NO_INOTIFY REPORT_NOW)" \
		"a build with test hooks holds the six names"
	is "$(cat "$T/cas-hook.args")" "refs/heads/$branch" \
		"the CAS hook gets the ref name as one argument"
	grep -qx updating "$T/next-hook.args"
	ok "the next hook gets the point as one argument"
else
	is "$(wc -l <"$T/names" | tr -d ' ')" 0 \
		"a build without test hooks holds no CTHULHU_TEST_* name"
	kill -0 "$DAEMON_PID"
	ok "CTHULHU_TEST_CRASH_AT=apply-moved did not kill it"
	[ ! -e "$T/cas-hook.args" ] && [ ! -e "$T/next-hook.args" ]
	ok "the CAS and next hooks never ran"
fi
[ ! -e "$T/p" ]
ok "the branch name runs nothing"
stop_daemon
ok "cthulhud stops"

# A state dir that is a symbolic link.
mv "$T/state" "$T/real-state"
ln -s real-state "$T/state"
# (a cthulhud that took it would serve: the bound ends it)
timeout 30 "$top_builddir/cthulhud" -c "$T/cthulhu.conf" >"$T/out" 2>&1
is "$?" 1 "cthulhud refuses a symlinked state dir"
like "$(cat "$T/out")" "state dir '$T/state' is a symbolic link: refusing it" \
	"and says why"
[ ! -e "$T/real-state/cthulhud.sock" ]
ok "without serving on it"

# A state dir that belongs to another user: as root, one given to nobody
# (and left as it was); as anyone else, /, which root owns.
rm "$T/state"
mv "$T/real-state" "$T/state"
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$T/state" && chmod 755 "$T/state"
	owner=65534
else
	sed -i "s|dir = $T/state\$|dir = /|" "$T/cthulhu.conf"
	owner=0
fi
timeout 30 "$top_builddir/cthulhud" -c "$T/cthulhu.conf" >"$T/out" 2>&1
is "$?" 1 "cthulhud refuses a state dir of another user"
like "$(cat "$T/out")" \
	"belongs to uid $owner, not to cthulhud's user \(uid $(id -u)\): refusing it" \
	"and names both users"
if [ $owner != 0 ]; then
	is "$(stat -c %a "$T/state")" 755 "and leaves its mode alone"
	[ ! -e "$T/state/cthulhud.sock" ]
	ok "without serving on it"
fi

# The unit: a user of its own, not root, and hardened.
unit=$top_builddir/contrib/cthulhud.service
for line in User=cthulhu NoNewPrivileges=true ProtectSystem=strict \
	    ProtectHome=true PrivateDevices=true StateDirectoryMode=0700 \
	    SystemCallFilter=@system-service \
	    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'; do
	grep -qx "$line" "$unit"
	ok "the unit says $line"
done
done_testing
