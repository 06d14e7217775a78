#!/bin/sh
# cthulhud under valgrind's memcheck, for `make check-valgrind`: the
# integration tests run this instead of cthulhud (CTHULHUD_VALGRIND in
# tests/lib.sh).  An error (invalid read or write, use of uninitialised
# memory, a definite leak) makes cthulhud exit 99, which fails the test
# that stops it, and is written to $VALGRIND_LOGS/cthulhud.PID.log.
: "${top_srcdir:?}" "${top_builddir:?}"
logs=${VALGRIND_LOGS:-$top_builddir/tests/valgrind}
mkdir -p "$logs"
exec valgrind --tool=memcheck --error-exitcode=99 --quiet \
	--leak-check=full --show-leak-kinds=definite \
	--errors-for-leak-kinds=definite --track-origins=yes \
	--suppressions="$top_srcdir/tests/valgrind.supp" \
	--log-file="$logs/cthulhud.%p.log" \
	"$top_builddir/cthulhud" "$@"
