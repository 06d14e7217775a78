#!/bin/sh
# What a packager and a new user meet first: the README's two quick-start
# commands, the scripts behind them, the systemd unit made for this build,
# and man pages that format without a warning.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

readme=$top_srcdir/README.md
quick=$(sed -n '/^## Quick start/,/^## /p' "$readme")
cmds=$(printf '%s\n' "$quick" | grep '^    [^ ]')
is "$(printf '%s\n' "$cmds" | wc -l | tr -d ' ')" 2 "the quick start has exactly two commands"
is "$(printf '%s\n' "$cmds" | sed 's/^ *//')" "sudo ./contrib/bootstrap.sh demo
sudo ./contrib/bootstrap.sh test" "they are bootstrap.sh demo and test"
like "$(head -3 "$readme" | tail -1)" "kernel maintainer's git tree" \
	"the first paragraph says what cthulhu is"
for s in Concepts Configuration "CLI overview" API Tests Benchmarks; do
	grep -q "^## $s" "$readme"
	ok "the README has a section '$s'"
done

sh -n "$top_srcdir/contrib/bootstrap.sh"
ok "bootstrap.sh parses"
bash -n "$top_srcdir/.ci/run"
ok ".ci/run parses"
[ -x "$top_srcdir/contrib/bootstrap.sh" ] && [ -x "$top_srcdir/.ci/run" ]
ok "both are executable"
sh "$top_srcdir/contrib/bootstrap.sh" frobnicate >"$T/out" 2>&1 </dev/null
is "$?" 2 "bootstrap.sh refuses an unknown mode (exit 2)"
like "$(cat "$T/out")" "usage: .* demo\|test" "and says how to use it"
grep -q 'apt-get install' "$top_srcdir/contrib/bootstrap.sh"
ok "bootstrap.sh installs with apt-get"
for pkg in libgit2-dev libsqlite3-dev libmicrohttpd-dev libjansson-dev \
	   libgmime-3.0-dev libcurl4-openssl-dev git sqlite3 curl chromium; do
	sed -n '/^[A-Z]*_PKGS="/,/"$/p' "$top_srcdir/contrib/bootstrap.sh" |
		tr -s ' \t"=' '\n\n\n\n' | grep -qx -- "$pkg"
	ok "bootstrap.sh installs $pkg"
done

unit=$top_builddir/contrib/cthulhud.service
sbindir=$(sed -n 's/^sbindir = //p' "$top_builddir/Makefile")
[ -f "$unit" ]
ok "the build made contrib/cthulhud.service"
grep -q '^Type=simple$' "$unit"
ok "the unit is Type=simple"
grep -q '^ExecStart=/.*/cthulhud -c /.*/cthulhu.conf$' "$unit"
ok "ExecStart names absolute paths"
grep -q '@[a-z]*@' "$unit"
is "$?" 1 "no @placeholder@ is left in the unit"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$unit"
ok "reload sends SIGHUP"
[ -n "$sbindir" ]
ok "the Makefile has an sbindir"

for page in doc/cthulhu.1 doc/cthulhud.8 doc/cthulhu.conf.5; do
	groff -man -Tutf8 -ww -z "$top_srcdir/$page" >"$T/groff" 2>&1
	is "$?:$(cat "$T/groff")" "0:" "$page formats without a warning"
done
done_testing
