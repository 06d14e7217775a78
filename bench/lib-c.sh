# Helpers of the benchmarks that build a generated C program with make
# (bench/gate, bench/checks), sourced by their run.sh.

# now: the time in seconds, with nanoseconds.
now() { date +%s.%N; }
# secs T0 T1: T1 - T0 in seconds, to the millisecond.
secs() { echo "$2 - $1" | bc -l | sed 's/^\./0./; s/\(\.[0-9][0-9][0-9]\).*/\1/'; }

# gen_c NAME N [EXTRA]: a C file with function NAME() and N more to
# compile; EXTRA is added to what it returns.
gen_c()
{
	printf 'int %s(void);\n' "$1"
	i=0
	while [ $i -lt "$2" ]; do
		printf 'static int %s_%d(int x) { return x * %d + (x >> 3) - %d; }\n' \
			"$1" $i $i $i
		i=$((i + 1))
	done
	printf 'int %s(void)\n{\n\tint s = 0;\n' "$1"
	i=0
	while [ $i -lt "$2" ]; do
		printf '\ts += %s_%d(s + %d);\n' "$1" $i $i
		i=$((i + 1))
	done
	printf '\treturn s%s;\n}\n' "${3:-}"
}
