#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The wall time of a read verb of the CLI against git rev-parse HEAD.
#
#   bench/cli/run.sh BUILD_DIR [OLD_BUILD_DIR]
#
# BUILD_DIR holds cthulhud and cthulhu (configure CFLAGS='-O2 -g', no
# sanitizers: ASan alone adds milliseconds to every start).  OLD_BUILD_DIR,
# if given, holds an older cthulhu whose rows are added: one linked with
# libcurl, say, to show what that costs.  A daemon is started on a scratch
# repository with TOPICS=N topics (20) and a TCP listener; each command is
# run RUNS times (300) after WARMUP runs (20), by hyperfine when it is
# installed (Debian's hyperfine package), else by a loop timed with
# date +%s%N (HYPERFINE=no forces the loop).  Rows: git rev-parse HEAD in
# the repository, cthulhu status, topics and --json status on the Unix
# socket, and cthulhu --url http://127.0.0.1:PORT status, which goes
# through libcurl; "x git" is a row's mean over git's.
set -eu
[ $# -ge 1 ] || { sed -n '4,5p' "$0" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
OLD=${2:+$(cd "$2" && pwd)}
TOPICS=${TOPICS:-20}
RUNS=${RUNS:-300}
WARMUP=${WARMUP:-20}
W=$(mktemp -d "${TMPDIR:-/tmp}/cthulhu-bench-cli.XXXXXX")
pid=
cleanup()
{
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || :; }
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com

# --- a repository with topics, and a daemon on it --------------------------
git init -q -b master "$W/work"
(cd "$W/work" && echo base >README && git add README &&
 git commit -q -m base && git tag base &&
 i=1 && while [ $i -le "$TOPICS" ]; do
	git checkout -q -b "topic/t$i" base && echo "$i" >"t$i" &&
	git add "t$i" && git commit -q -m "t$i: Add" && i=$((i + 1))
 done && git checkout -q master &&
 git clone -q --bare . "$W/repo.git")

start_daemon()
{
	{
		printf '[tree]\n\tname = bench\n\trepo = %s\n\tbase = base\n' "$W/repo.git"
		printf '\tcommitter = Bench <bench@example.com>\n'
		printf '[state]\n\tdir = %s/state\n' "$W"
		printf '[http]\n\tlisten = 127.0.0.1:%s\n' "$1"
		i=1
		while [ $i -le "$TOPICS" ]; do
			printf '[topic "t%d"]\n\tbranch = topic/t%d\n\torder = %d\n' $i $i $i
			i=$((i + 1))
		done
	} >"$W/cthulhu.conf"
	"$BUILD/cthulhud" -c "$W/cthulhu.conf" >>"$W/daemon.log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 100 ]; do
		"$BUILD/cthulhu" --url "http://127.0.0.1:$1" status >/dev/null 2>&1 &&
			return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || :
	pid=
	return 1
}
for try in 1 2 3 4 5; do
	port=$((20000 + ($$ * 7 + try * 1009) % 40000))
	start_daemon $port && break
done
[ -n "$pid" ] || { echo "cthulhud did not start:"; cat "$W/daemon.log"; exit 1; }
sock=$W/state/cthulhud.sock
url=http://127.0.0.1:$port

# --- the commands ------------------------------------------------------------
n=0
add()
{
	n=$((n + 1))
	eval "name_$n=\$1 cmd_$n=\$2"
}
add "git rev-parse HEAD" "git rev-parse HEAD"
add "cthulhu status" "$BUILD/cthulhu --socket $sock status"
add "cthulhu topics" "$BUILD/cthulhu --socket $sock topics"
add "cthulhu --json status" "$BUILD/cthulhu --socket $sock --json status"
add "cthulhu --url status (libcurl)" "$BUILD/cthulhu --url $url status"
if [ -n "$OLD" ]; then
	add "old cthulhu status" "$OLD/cthulhu --socket $sock status"
	add "old cthulhu topics" "$OLD/cthulhu --socket $sock topics"
	add "old cthulhu --url status" "$OLD/cthulhu --url $url status"
fi

cd "$W/work"
i=1
while [ $i -le $n ]; do
	eval "cmd=\$cmd_$i"
	$cmd >/dev/null || { echo "failed: $cmd"; exit 1; }
	i=$((i + 1))
done

echo "# $(uname -r), $(nproc) cores, $TOPICS topics, $RUNS runs after $WARMUP"
echo "# $BUILD/cthulhu: $(ldd "$BUILD/cthulhu" | grep -c '=>') shared libraries${OLD:+; $OLD/cthulhu: $(ldd "$OLD/cthulhu" | grep -c '=>')}"
if [ "${HYPERFINE:-yes}" != no ] && command -v hyperfine >/dev/null; then
	echo "# hyperfine -N --warmup $WARMUP --runs $RUNS"
	set --
	i=1
	while [ $i -le $n ]; do
		eval "set -- \"\$@\" -n \"\$name_$i\" \"\$cmd_$i\""
		i=$((i + 1))
	done
	hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" \
		--export-json "$W/times.json" "$@" >"$W/hyperfine.log" 2>&1 ||
		{ cat "$W/hyperfine.log"; exit 1; }
	# name, mean, standard deviation and median in ms
	python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s\t%.3f\t%.3f\t%.3f" % (r["command"], r["mean"] * 1e3,
          r["stddev"] * 1e3, r["median"] * 1e3))
' "$W/times.json" >"$W/times"
else
	echo "# a loop of $RUNS runs timed with date +%s%N"
	: >"$W/times"
	i=1
	while [ $i -le $n ]; do
		eval "cmd=\$cmd_$i name=\$name_$i"
		k=0
		while [ $k -lt "$WARMUP" ]; do $cmd >/dev/null; k=$((k + 1)); done
		t0=$(date +%s%N)
		k=0
		while [ $k -lt "$RUNS" ]; do $cmd >/dev/null; k=$((k + 1)); done
		t1=$(date +%s%N)
		printf '%s\t%s\t-\t-\n' "$name" \
			"$(awk -v d=$((t1 - t0)) -v n="$RUNS" 'BEGIN { printf "%.3f", d / n / 1e6 }')" >>"$W/times"
		i=$((i + 1))
	done
fi
# The ratios: a row's mean over git's, and its median over git's (the
# median says more on a machine that others share).
awk -F '\t' '
	NR == 1 { gmean = $2; gmed = $4 }
	{ names[NR] = $1; mean[NR] = $2; sd[NR] = $3; med[NR] = $4 }
	END {
		printf "%-32s %8s %7s %8s %7s %7s\n", "command", "mean ms", "+- ms",
		       "med. ms", "x git", "x git"
		printf "%-32s %8s %7s %8s %7s %7s\n", "", "", "", "", "(mean)", "(med.)"
		for (i = 1; i <= NR; i++)
			printf "%-32s %8.2f %7s %8s %7.2f %7s\n", names[i], mean[i],
			       sd[i] == "-" ? "-" : sprintf("%.2f", sd[i]),
			       med[i] == "-" ? "-" : sprintf("%.2f", med[i]),
			       mean[i] / gmean,
			       med[i] == "-" ? "-" : sprintf("%.2f", med[i] / gmed)
	}' "$W/times"
