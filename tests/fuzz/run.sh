#!/bin/sh
# run.sh SRCDIR CORPUS SECONDS TARGET...: run each libFuzzer target for
# SECONDS on a working corpus in tests/fuzz/work/TARGET/corpus, seeded
# from the tree's tests/fuzz/seeds/TARGET and tests/fuzz/regress/TARGET
# and from the mail corpus (copied, never committed).  Findings (crash-*,
# leak-*, timeout-*) are written to tests/fuzz/work/TARGET/; the last
# lines of each log are printed.  Exit 1 if any target found something.
set -u
srcdir=$1 corpus=$2 seconds=$3
shift 3
status=0

corpus_files()
{
	find "$corpus" -type f ! -name COPYING ! -name 'README*' 2>/dev/null
}

for t in "$@"; do
	work=tests/fuzz/work/$t
	mkdir -p "$work/corpus"
	for d in "$srcdir/tests/fuzz/seeds/$t" "$srcdir/tests/fuzz/regress/$t"; do
		[ -d "$d" ] && cp "$d"/* "$work/corpus/" 2>/dev/null
	done
	n=0
	case $t in
	mail|series)
		corpus_files | while read -r f; do
			n=$((n + 1)); cp "$f" "$work/corpus/corpus-$n"
		done ;;
	apply)
		# the patch part of each mail: from its first diff line
		corpus_files | while read -r f; do
			n=$((n + 1))
			awk 'go || /^(diff |Index: |--- )/ { go = 1; print }' \
				"$f" > "$work/corpus/corpus-$n"
			[ -s "$work/corpus/corpus-$n" ] || rm -f "$work/corpus/corpus-$n"
		done ;;
	config)
		cp "$srcdir/contrib/cthulhu.conf.example" "$work/corpus/example" ;;
	esac
	echo "fuzz-$t: $(ls "$work/corpus" | wc -l) seeds, ${seconds}s"
	# Full stacks on malloc: libgit2 has no frame pointers, and the
	# suppressions match a function deeper than the fast unwinder sees.
	ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
	LSAN_OPTIONS="suppressions=$srcdir/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
	./tests/fuzz/fuzz-$t -max_total_time="$seconds" -timeout=30 \
		-rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/corpus" > "$work/log" 2>&1
	rc=$?
	grep -E '^#[0-9]+.*(DONE|pulse)|^stat::|^Done|ERROR|SUMMARY' "$work/log" | tail -12
	if [ $rc -ne 0 ] || ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* >/dev/null 2>&1; then
		echo "fuzz-$t: FINDINGS in $work (exit $rc)"
		status=1
	fi
done
exit $status
