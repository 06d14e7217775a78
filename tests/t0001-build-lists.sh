#!/bin/sh
# Every test, migration and dashboard file in the tree is one that the
# build runs or embeds: a line lost from Makefile.am would otherwise turn
# a test off, or ship a daemon without its migration, without a sound.
. "$top_srcdir/tests/lib.sh"
test_init

mk="$top_srcdir/Makefile.am"

# listed VAR: the names Makefile.am lists in VAR, one per line, sorted.
listed()
{
	sed -n "/^$1 = /,/^\$/p" "$mk" | tr ' \t\\' '\n\n\n' |
		grep -v -e '^$' -e '=' -e "^$1$" | sort
}

# on_disk GLOB: the files of the source tree that match, sorted.
on_disk()
{
	(cd "$top_srcdir" && for f in $1; do [ -e "$f" ] && echo "$f"; done) | sort
}

listed SHELL_TESTS > "$T/tests"
on_disk 'tests/t[0-9]*.sh' > "$T/tests-disk"
is "$(comm -13 "$T/tests" "$T/tests-disk")" "" \
	"every tests/tNNNN-*.sh is in SHELL_TESTS"
is "$(comm -23 "$T/tests" "$T/tests-disk")" "" \
	"every SHELL_TESTS entry exists"

listed SCHEMA_FILES > "$T/schema"
on_disk 'schema/*.sql' > "$T/schema-disk"
is "$(comm -13 "$T/schema" "$T/schema-disk")" "" "every schema/*.sql is embedded"

listed WEB_FILES > "$T/web"
on_disk 'web/*' > "$T/web-disk"
is "$(comm -13 "$T/web" "$T/web-disk")" "" "every web/ file is embedded"

listed check_PROGRAMS | grep '^tests/unit/' > "$T/unit"
on_disk 'tests/unit/test-*.c' | sed 's/\.c$//' > "$T/unit-disk"
is "$(comm -13 "$T/unit" "$T/unit-disk")" "" \
	"every tests/unit/test-*.c is a check program"
done_testing
