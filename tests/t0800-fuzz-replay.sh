#!/bin/sh
# Every fuzz target replays its seeds and every input that once made it
# crash (tests/fuzz/regress/TARGET/, one file per finding), built as a
# plain program (tests/fuzz/replay-TARGET) with whatever compiler and
# sanitizers this build has: a fixed finding stays fixed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

for t in mail series apply config api; do
	bin=$top_builddir/tests/fuzz/replay-$t
	[ -x "$bin" ]
	ok "the replay program of '$t' is built" || continue
	n=0
	for dir in seeds regress; do
		for f in "$top_srcdir/tests/fuzz/$dir/$t"/*; do
			[ -f "$f" ] || continue
			n=$((n + 1))
			TMPDIR=$T check "$t: $dir/$(basename "$f") replays cleanly" \
				"$bin" "$f"
		done
	done
	[ $n -gt 0 ]
	ok "'$t' has inputs to replay ($n)"
done
done_testing
