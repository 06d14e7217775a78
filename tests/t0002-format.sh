#!/bin/sh
# Every C file of the tree is as .clang-format (the kernel's, adjusted)
# lays it out, so that a change shows what it changes and not the
# formatting its author's editor chose.  One check per file, so a failure
# names the file and shows the first lines clang-format would change.
. "$top_srcdir/tests/lib.sh"
test_init

if ! command -v clang-format >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - no clang-format (apt-get install clang-format; CI=true: CI must have it)"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP no clang-format (apt-get install clang-format)"
	exit 0
fi

# formatted FILE: clang-format leaves it as it is; if not, what it changes
formatted()
{
	clang-format --style=file "$1" | diff -u "$1" - | head -20
	clang-format --style=file "$1" | cmp -s - "$1"
}

cd "$top_srcdir" || exit 1
n=0
# the sources, not the C files the build writes (in an in-tree build)
for f in $(find bench cli daemon lib tests -name '*.[ch]' \
	! -name schema-data.c ! -name web-data.c | sort); do
	check "$f is formatted" formatted "$f"
	n=$((n + 1))
done
[ "$n" -gt 100 ]
ok "all $n C files were looked at"
done_testing
