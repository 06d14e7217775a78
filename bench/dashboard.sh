#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The dashboard's numbers (not a test; it prints them):
#  1. GET /api/v1/queue with N queued series (10,000 by default), over
#     TCP with curl: the median and worst of 20 requests;
#     With CHECKS=K, the same again after K checks were given to every
#     queued series (written into the database with the daemon stopped:
#     one in ten of the series has a failing one), so that the queue's
#     checks column is paid for;
#  2. the requests a dashboard makes (the page, its script and style,
#     status, cycle, topics, next, builds, queue, outbox) under wrk with
#     64 connections for 10 s, against a daemon whose queue holds 100
#     series: requests per second and errors.
#
#   bench/dashboard.sh BUILD-DIR [WORK-DIR]
#
# BUILD-DIR holds cthulhud and cthulhu, best built without sanitizers
# (see bench/README.md).  Needs git, curl, jq and wrk (apt-get install wrk).
set -eu

build=$(cd "${1:?usage: bench/dashboard.sh BUILD-DIR [WORK-DIR]}" && pwd)
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/cthulhu-dashboard.XXXXXX")}
N=${N:-10000}
SMALL=${SMALL:-100}
DURATION=${DURATION:-10}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
pids=

cleanup()
{
	for p in $pids; do
		kill "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
}
trap cleanup EXIT

export GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL='author@example.com'
export GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL='committer@example.com'

# mbox FILE COUNT: COUNT one-patch series by 50 authors, a day apart in
# blocks, some of them fixes for stable (another lane).
mbox()
{
	awk -v n="$2" 'BEGIN {
		for (i = 1; i <= n; i++) {
			a = i % 50;
			printf "From bench-%d Mon Sep 17 00:00:00 2001\n", i;
			printf "From: Author %d <author%d@example.com>\n", a, a;
			printf "To: kvm@vger.kernel.org\n";
			printf "Subject: [PATCH] KVM: x86: Change number %d of the bench\n", i;
			printf "Message-Id: <bench-%d@example.com>\n", i;
			printf "Date: %s, %d Nov 2026 %02d:%02d:%02d +0000\n",
				"Mon", 1 + int(i / 1000) % 28, int(i / 3600) % 24,
				int(i / 60) % 60, i % 60;
			printf "\nChange %d.\n\n", i;
			if (i % 7 == 0)
				printf "Cc: stable@vger.kernel.org\n";
			printf "Signed-off-by: Author %d <author%d@example.com>\n---\n", a, a;
			printf " f%d | 1 +\n 1 file changed, 1 insertion(+)\n\n", i;
			printf "diff --git a/f%d b/f%d\nnew file mode 100644\n", i, i;
			printf "index 0000000..257cc56\n--- /dev/null\n+++ b/f%d\n", i;
			printf "@@ -0,0 +1 @@\n+foo\n\n";
		}
	}' >"$1"
}

# daemon NAME PORT: a tree with three topics and a daemon on PORT.
daemon()
{
	local d=$work/$1
	rm -rf "$d"
	mkdir -p "$d"
	git init -q --bare "$d/src.git"
	git init -q -b master "$d/src"
	(cd "$d/src" && echo base >README && git add README &&
	 git commit -q -m base && git tag base &&
	 git tag -a -m 'Linux v6.10-rc3' v6.10-rc3 &&
	 for t in mmu pmu svm; do
		git checkout -q -b "$t" master && echo "$t" >"$t" &&
		git add "$t" && git commit -q -m "KVM: $t: Start"
	 done &&
	 git push -q "$d/src.git" master base v6.10-rc3 mmu pmu svm)
	cat >"$d/cthulhu.conf" <<EOF
[tree]
	name = bench
	repo = $d/src.git
	base = base
	mainline = refs/heads/master
	committer = Bench <bench@example.com>
[state]
	dir = $d/state
[http]
	listen = 127.0.0.1:$2
[topic "mmu"]
	order = 1
[topic "pmu"]
	order = 2
[topic "svm"]
	order = 3
EOF
	"$build/cthulhud" -c "$d/cthulhu.conf" >"$d/daemon.log" 2>&1 &
	pids="$pids $!"
	i=0
	until curl -sf "http://127.0.0.1:$2/api/v1/status" >/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "cthulhud did not start"; exit 1; }
		sleep 0.1
	done
}

# fill PORT COUNT: submit COUNT series, wait until the queue has them.
fill()
{
	mbox "$work/fill.mbox" "$2"
	curl -sf --data-binary @"$work/fill.mbox" \
		"http://127.0.0.1:$1/api/v1/submit" -o /dev/null -H "Authorization: Bearer $(cat "$work/$3/state/token")"
	i=0
	until [ "$(curl -s "http://127.0.0.1:$1/api/v1/queue?limit=1" |
		   jq .total)" = "$2" ]; do
		i=$((i + 1))
		[ $i -lt 1200 ] || { echo "the queue did not fill"; exit 1; }
		sleep 0.5
	done
}

# add_checks NAME PORT K: stop the daemon of NAME, give every queued
# series K checks (ci-0 ... ci-K-1; ci-0 fails for one in ten), start it
# again on PORT.
add_checks()
{
	local d=$work/$1 p
	for p in $pids; do
		kill "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	pids=
	sqlite3 "$d/state/cthulhu.db" "
		WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n + 1 < $3)
		INSERT INTO checks (series_id, context, state, description, target_url, origin, created_at, updated_at)
		SELECT q.series_id, 'ci-' || k.n,
		       CASE WHEN k.n = 0 AND q.series_id % 10 = 0 THEN 'fail' ELSE 'success' END,
		       'bench check ' || k.n, 'https://ci.example.org/' || q.series_id, 'api', 1, 1
		FROM queue q, k WHERE q.queued"
	"$build/cthulhud" -c "$d/cthulhu.conf" >>"$d/daemon.log" 2>&1 &
	pids="$pids $!"
	i=0
	until curl -sf "http://127.0.0.1:$2/api/v1/status" >/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "cthulhud did not start"; exit 1; }
		sleep 0.1
	done
	curl -s "http://127.0.0.1:$2/api/v1/queue" -o /dev/null
}

port=$((30000 + $$ % 20000))

# timing URL...: the median and worst of 20 requests on one connection.
timing()
{
	for i in $(seq 20); do
		curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "$1"
	done | sort -n >"$work/times"
	awk -v what="$1" '{ t[NR] = $1; s = $2 } END {
		printf "%s: median %.1f ms, worst %.1f ms, %d bytes\n", what,
			t[int((NR + 1) / 2)] * 1000, t[NR] * 1000, s }' "$work/times"
}

if [ "${PART:-all}" != wrk ]; then
	echo "# GET /api/v1/queue with $N queued series, 20 requests each"
	start=$(date +%s)
	daemon big "$port"
	fill "$port" "$N" big
	echo "filled in $(($(date +%s) - start)) s"
	timing "http://127.0.0.1:$port/api/v1/queue"
	timing "http://127.0.0.1:$port/api/v1/queue?limit=300"
	timing "http://127.0.0.1:$port/api/v1/queue?limit=1"
	timing "http://127.0.0.1:$port/api/v1/series/$((N / 2))"
	if [ "${CHECKS:-0}" -gt 0 ]; then
		echo "# the same with $CHECKS checks of every queued series"
		add_checks big "$port" "$CHECKS"
		timing "http://127.0.0.1:$port/api/v1/queue"
		timing "http://127.0.0.1:$port/api/v1/queue?limit=300"
		timing "http://127.0.0.1:$port/api/v1/queue?limit=1"
		timing "http://127.0.0.1:$port/api/v1/series/$((N / 2))"
	fi
fi

echo "# the dashboard's requests under wrk, 64 connections, ${DURATION} s, $SMALL queued series"
port2=$((port + 1))
daemon small "$port2"
fill "$port2" "$SMALL" small
for p in $(sed -n 's/^\t"\(\/[^"]*\)",$/\1/p' "$here/dashboard.lua"); do
	printf '%s %s\n' "$(curl -s -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$port2$p")" "$p"
done
wrk -t2 -c64 -d"${DURATION}s" -s "$here/dashboard.lua" \
	"http://127.0.0.1:$port2" | tee "$work/wrk.out"
