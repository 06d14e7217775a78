#!/bin/sh
# The shipped documentation matches the code: the example config starts a
# daemon without a warning, every key it shows (commented or not) is one
# cthulhud knows, cthulhu.conf(5) documents every key of config.c's table,
# cthulhud(8) every option of `cthulhud --help`, and tests/README every
# CTHULHU_TEST_* variable the test hooks and the tests read.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

example=$top_srcdir/contrib/cthulhu.conf.example
man5=$top_srcdir/doc/cthulhu.conf.5
man8=$top_srcdir/doc/cthulhud.8

make_repo "$T/work"
REPO=$T/work.git

# The example as shipped, pointed at a scratch repository and state dir.
cp "$example" "$T/cthulhu.conf"
git config -f "$T/cthulhu.conf" tree.repo "$REPO"
git config -f "$T/cthulhu.conf" tree.base base
git config -f "$T/cthulhu.conf" state.dir "$T/state"
git config -f "$T/cthulhu.conf" http.listen 0
start_daemon "$T/cthulhu.conf"
ok "the example config starts the daemon" || done_testing
is "$(grep -c 'unknown key\|warning' "$T/daemon.log" | tr -d ' ')" 0 \
	"and draws no warning"
is "$(cth topics | grep -c -e '^x86/mmu ' -e '^fixes ')" 2 "its topics are tracked"
stop_daemon

# Every key, the commented ones too: all must be known.  A repository
# that does not exist stops the daemon right after the config is read.
sed 's/^\([[:space:]]*\)#\([a-z-]* = \)/\1\2/' "$example" >"$T/all.conf"
git config -f "$T/all.conf" tree.repo "$T/no-such-repo"
git config -f "$T/all.conf" state.dir "$T/state2"
nkeys=$(git config -f "$T/all.conf" --list | wc -l | tr -d ' ')
[ "$nkeys" -gt 25 ]
ok "the example shows $nkeys keys"
run_daemon_fail "$T/all.conf"
like "$log" "no-such-repo" "the uncommented example parses (the repository is what stops it)"
is "$(printf '%s\n' "$log" | grep -c 'unknown key' | tr -d ' ')" 0 \
	"every key of the example is known to cthulhud"

# config.c's known keys, each documented in cthulhu.conf(5).  The man
# page documents "[sec]" sections with ".B key" items, and some keys as
# "sec.key" literally; "topic.*.x" lives under [topic "NAME"], and
# "inbox.*.x" under [inbox "NAME"].
sed -n '/known_keys\[\] = {/,/NULL/p' "$top_srcdir/daemon/config.c" |
	grep -o '"[a-z*.-]*"' | tr -d '"' >"$T/known"
[ "$(wc -l <"$T/known")" -ge 10 ]
ok "config.c's table lists $(wc -l <"$T/known" | tr -d ' ') keys"
sed 's/\\-/-/g; s/\\f[BIRP]//g' "$man5" | awk '
	/^\.SH "\[topic/ { sec = "topic.*"; next }
	/^\.SH "\[inbox/ { sec = "inbox.*"; next }
	/^\.SH "\[/ { sec = $2; gsub(/[]["]/, "", sec); next }
	/^\.SH/ { sec = "" }
	/^\.B[RI]? / && sec != "" { print sec "." $2 }
	{ for (i = 1; i <= NF; i++) if ($i ~ /^[a-z]+\.[a-z*.-]+/) print $i }
' | sed 's/[,;:]$//' | sort -u >"$T/documented"
missing=
while read -r key; do
	grep -qxF "$key" "$T/documented" && continue
	# "queue.*" is documented by any "queue." key or the pattern itself.
	case $key in
	*'.*') grep -q "^${key%\*}" "$T/documented" && continue ;;
	esac
	missing="$missing $key"
done <"$T/known"
is "$missing" "" "cthulhu.conf(5) documents every known key"

# cthulhud --help's options, each in cthulhud(8).
"$CTHULHUD" --help >"$T/help" 2>&1
ok "cthulhud --help works"
sed 's/\\-/-/g; s/\\f[BIRP]//g' "$man8" >"$T/man8"
missing=
for opt in $(grep -o -- '--[a-z][a-z-]*\|[ []-[a-zA-Z]\b' "$T/help" | tr -d ' [' | sort -u); do
	grep -q -e "$opt\b" "$T/man8" || missing="$missing $opt"
done
is "$missing" "" "cthulhud(8) documents every option of --help"

# The CTHULHU_TEST_* variables: the names daemon/testhook.c asks the
# environment for, and those the test scripts read; tests/README has
# a paragraph for each ("NAME=<value> ...") and for no other.
{
	grep -ohE '"CTHULHU_TEST_[A-Z_]+"' "$top_srcdir/daemon/testhook.c" |
		tr -d '"'
	grep -ohE '[$][{]CTHULHU_TEST_[A-Z_]+' "$top_srcdir"/tests/*.sh |
		cut -c3-
} | sort -u >"$T/test-vars"
[ "$(wc -l <"$T/test-vars")" -ge 4 ]
ok "the tree reads $(wc -l <"$T/test-vars" | tr -d ' ') CTHULHU_TEST_* variables"
grep -oE '^CTHULHU_TEST_[A-Z_]+=' "$top_srcdir/tests/README" | tr -d = |
	sort -u >"$T/test-vars-doc"
is "$(comm -23 "$T/test-vars" "$T/test-vars-doc" | tr '\n' ' ')" "" \
	"tests/README documents every one"
is "$(comm -13 "$T/test-vars" "$T/test-vars-doc" | tr '\n' ' ')" "" \
	"and no variable the tree does not read"
done_testing
