#!/bin/sh
# Every fuzz target replays its seeds and every input that once made it
# crash (tests/fuzz/regress/TARGET/, one file per finding), built as a
# plain program (tests/fuzz/replay-TARGET) with whatever compiler and
# sanitizers this build has (leak checking on): a fixed finding stays
# fixed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

# Under ASan, leaks count too (they are findings of the fuzzers): full
# stacks, so that tests/fuzz/lsan.supp matches inside libgit2.
asan=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
lsan=suppressions=$top_srcdir/tests/fuzz/lsan.supp

for t in mail series apply config api; do
	bin=$top_builddir/tests/fuzz/replay-$t
	[ -x "$bin" ]
	ok "the replay program of '$t' is built" || continue
	n=0
	for dir in seeds regress; do
		for f in "$top_srcdir/tests/fuzz/$dir/$t"/*; do
			[ -f "$f" ] || continue
			n=$((n + 1))
			check "$t: $dir/$(basename "$f") replays cleanly" \
				env TMPDIR="$T" ASAN_OPTIONS="$asan" \
				LSAN_OPTIONS="$lsan" "$bin" "$f"
		done
	done
	[ $n -gt 0 ]
	ok "'$t' has inputs to replay ($n)"
done
done_testing
