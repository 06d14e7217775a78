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

# make_c_topics: $WORK/src.git and its clone $WORK/src (made anew) with a
# C program on master, tagged base (make builds every *.c with -O2
# -Werror), and NTOPICS topics t1..tN each adding a file of 400
# functions, pushed; ends in $WORK/src.
make_c_topics()
{
	rm -rf "$WORK/src" "$WORK/src.git"
	git init -q --bare "$WORK/src.git"
	git init -q -b master "$WORK/src"
	cd "$WORK/src"
	printf 'int main(void)\n{\n\treturn 0;\n}\n' >main.c
	printf 'prog: $(wildcard *.c)\n\t$(CC) -O2 -Wall -Werror -o $@ $^\n' >Makefile
	printf 'prog\n' >.gitignore
	git add . && git commit -q -m base && git tag base
	git remote add origin "$WORK/src.git"
	git push -q origin master base
	n=1
	while [ $n -le $NTOPICS ]; do
		git checkout -q -b t$n master
		gen_c t$n 400 >t$n.c
		git add t$n.c && git commit -q -m "t$n: Add t$n()"
		n=$((n + 1))
	done
	git checkout -q master
	git push -q origin $(n=1; while [ $n -le $NTOPICS ]; do
		printf 't%d ' $n; n=$((n + 1)); done)
}
