#!/bin/sh
# cthulhud under valgrind's memcheck, for `make check-valgrind`: the
# integration tests run this instead of cthulhud (CTHULHUD_VALGRIND in
# tests/lib.sh).  An error (invalid read or write, use of uninitialised
# memory, a definite leak) makes cthulhud exit 99, which fails the test
# that stops it, and is written to $VALGRIND_LOGS/cthulhud.PID.log.
: "${top_srcdir:?}" "${top_builddir:?}"
logs=${VALGRIND_LOGS:-$top_builddir/tests/valgrind}
mkdir -p "$logs"
# A daemon told to kill itself with SIGKILL in the middle of a job
# (CTHULHU_TEST_CRASH_AT, the crash tests t083x) dies holding the job's
# memory, which memcheck's leak check at that death reports as lost:
# for it only invalid accesses and uninitialised values count.
leak=full
[ -n "${CTHULHU_TEST_CRASH_AT:-}" ] && leak=no
exec valgrind --tool=memcheck --error-exitcode=99 --quiet \
	--leak-check=$leak --show-leak-kinds=definite \
	--errors-for-leak-kinds=definite --track-origins=yes \
	--suppressions="$top_srcdir/tests/valgrind.supp" \
	--log-file="$logs/cthulhud.%p.log" \
	"$top_builddir/cthulhud" "$@"
