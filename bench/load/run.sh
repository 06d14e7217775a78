#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Load: wrk against the dashboard (/ and its static assets) and the read
# API (status, topics, queue, next, series), 64 connections for 30 s
# each, over TCP, while a client rebuilds next (--full, so every merge is
# redone) in a loop over the Unix socket and a git push moves a topic
# every second.  Prints, per set, requests per second, p50/p99/max
# latency, wrk's socket errors and the non-2xx answers (counted by
# load.lua), then how many rebuilds ran meanwhile.  The git peer: the
# same number of topic listings answered by `git for-each-ref` processes
# (what a CGI script would run), two at a time for 10 s: the ratio is
# cthulhud's /api/v1/topics requests per second over git's.
#
#   bench/load/run.sh BUILD-DIR [WORK-DIR]
#
# BUILD-DIR holds cthulhud and cthulhu built without sanitizers (see
# bench/README.md).  Needs git, curl and wrk (apt-get install wrk).
# DURATION (30), CONNS (64), THREADS (2), TOPICS (20), SERIES (200)
# change the run.
set -eu

build=$(cd "${1:?usage: bench/load/run.sh BUILD-DIR [WORK-DIR]}" && pwd)
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/cthulhu-load.XXXXXX")}
DURATION=${DURATION:-30}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
TOPICS=${TOPICS:-20}
SERIES=${SERIES:-200}
here=$(cd "$(dirname "$0")" && pwd)
port=$((30000 + $$ % 20000))
pids=
bgpids=

# the background loops first, the daemon last
cleanup()
{
	for p in $bgpids $pids; do
		kill "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
}
trap cleanup EXIT INT TERM

export GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL='author@example.com'
export GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL='committer@example.com'
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

d=$work/tree
rm -rf "$d"
mkdir -p "$d"
git init -q --bare "$d/src.git"
git init -q -b master "$d/src"
(
	cd "$d/src"
	for f in $(seq 50); do seq 100 >"f$f"; done
	git add . && git commit -q -m base && git tag base
	t=1
	while [ $t -le "$TOPICS" ]; do
		git checkout -q -b "t$t" master
		for c in 1 2 3 4 5; do
			echo "topic $t commit $c" >"t$t-$c" && git add "t$t-$c"
			git commit -q -m "t$t: Commit $c"
		done
		t=$((t + 1))
	done
	git checkout -q master
	git push -q "$d/src.git" --all
	git push -q "$d/src.git" --tags
)
{
	printf '[tree]\n\tname = load\n\trepo = %s/src.git\n\tbase = base\n' "$d"
	printf '\tcommitter = Load <load@example.com>\n'
	printf '[state]\n\tdir = %s/state\n[http]\n\tlisten = 127.0.0.1:%s\n' "$d" "$port"
	printf '[next]\n\tdebounce = 100\n'
	t=1
	while [ $t -le "$TOPICS" ]; do
		printf '[topic "t%s"]\n\torder = %s\n' "$t" "$t"
		t=$((t + 1))
	done
} >"$d/cthulhu.conf"

"$build/cthulhud" -c "$d/cthulhu.conf" >"$d/daemon.log" 2>&1 &
pids="$pids $!"
export CTHULHU_SOCKET=$d/state/cthulhud.sock
i=0
until "$build/cthulhu" status >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "cthulhud did not start"; exit 1; }
	sleep 0.1
done

# SERIES one-patch series, so that the queue and the series list have rows
awk -v n="$SERIES" 'BEGIN {
	for (i = 1; i <= n; i++) {
		printf "From load-%d Mon Sep 17 00:00:00 2001\n", i;
		printf "From: Author %d <author%d@example.com>\n", i % 50, i % 50;
		printf "Subject: [PATCH] KVM: x86: Change number %d of the load\n", i;
		printf "Message-Id: <load-%d@example.com>\n", i;
		printf "Date: Mon, %d Nov 2026 10:%02d:%02d +0000\n\n", 1 + i % 28, int(i / 60) % 60, i % 60;
		printf "Change %d.\n\nSigned-off-by: Author <author@example.com>\n---\n", i;
		printf "diff --git a/n%d b/n%d\nnew file mode 100644\n", i, i;
		printf "index 0000000..257cc56\n--- /dev/null\n+++ b/n%d\n@@ -0,0 +1 @@\n+foo\n\n", i;
	}
}' >"$d/series.mbox"
"$build/cthulhu" submit "$d/series.mbox" >/dev/null
"$build/cthulhu" rebuild --wait >/dev/null

# the background: full rebuilds back to back, a push a second
(
	while :; do
		"$build/cthulhu" rebuild --wait --full >/dev/null 2>&1 || echo fail >>"$d/rebuild-failures"
		echo done >>"$d/rebuilds"
	done
) &
bgpids="$bgpids $!"
(
	cd "$d/src"
	git checkout -q t1
	n=0
	while :; do
		n=$((n + 1))
		echo "push $n" >>"t1-push" && git add t1-push &&
			git commit -q -m "t1: Push $n" &&
			git push -q "$d/src.git" t1 || echo fail >>"$d/push-failures"
		sleep 1
	done
) &
bgpids="$bgpids $!"

url=http://127.0.0.1:$port
for set in dashboard api; do
	b0=$(cat "$d/rebuilds" 2>/dev/null | wc -l)
	echo "# $set: wrk -t$THREADS -c$CONNS -d${DURATION}s, rebuilds running"
	PATHS=$set wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
		-s "$here/load.lua" "$url" >"$work/wrk-$set.out" 2>&1 || :
	b1=$(cat "$d/rebuilds" 2>/dev/null | wc -l)
	grep -E 'Socket errors|Non-2xx|Requests/sec' "$work/wrk-$set.out" || :
	sed -n 's/^RESULT /  /p' "$work/wrk-$set.out"
	echo "  rebuilds meanwhile: $((b1 - b0))"
done
# the git peer: topic listings by git for-each-ref, as many processes
# at a time as cthulhud gets connections, both under the same rebuilds
echo "# /api/v1/topics against git for-each-ref refs/heads, $THREADS at a time, 10 s"
peer()
{
	end=$(($(date +%s) + 10))
	n=0
	while [ "$(date +%s)" -lt $end ]; do
		git --git-dir="$d/src.git" for-each-ref refs/heads >/dev/null
		n=$((n + 1))
	done
	echo "$n" >>"$work/peer"
}
: >"$work/peer"
ppids=
k=1
while [ $k -le "$THREADS" ]; do
	peer &
	ppids="$ppids $!"
	k=$((k + 1))
done
wait $ppids
git_rps=$(awk '{ s += $1 } END { printf "%.0f", s / 10 }' "$work/peer")
PATHS=topics wrk -t"$THREADS" -c"$THREADS" -d10s --latency -s "$here/load.lua" \
	"$url" >"$work/wrk-topics.out" 2>&1 || :
api_rps=$(sed -n 's/^RESULT .* rps=\([0-9]*\) .*/\1/p' "$work/wrk-topics.out")
sed -n 's/^RESULT /  cthulhud: /p' "$work/wrk-topics.out"
echo "  git for-each-ref: $git_rps listings/s"
awk -v a="$api_rps" -v g="$git_rps" 'BEGIN {
	if (g > 0) printf "  ratio cthulhud/git: %.1f\n", a / g }'

# stop the loops (a rebuild cut short by that is not a failure), then the
# whole run's failures
for p in $bgpids; do
	kill "$p" 2>/dev/null || :
	wait "$p" 2>/dev/null || :
done
bgpids=
echo "# during the whole run"
echo "  rebuilds: $(cat "$d/rebuilds" 2>/dev/null | wc -l)"
echo "  rebuild failures: $(cat "$d/rebuild-failures" 2>/dev/null | wc -l)," \
	"push failures: $(cat "$d/push-failures" 2>/dev/null | wc -l)," \
	"build rows failed: $(sqlite3 -readonly "$d/state/cthulhu.db" \
		"SELECT count(*) FROM builds WHERE state = 'failed'" 2>/dev/null || echo ?)"
grep -ciE ' (error|warn)' "$d/daemon.log" | sed 's/^/  daemon log warnings and errors: /'

