#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Cthulhu merge against its git peers on a kernel-sized repository.
#
#   bench/run.sh [BUILD_DIR [WORK_DIR]]
#
# BUILD_DIR holds cthulhud and cthulhu (build without sanitizers for
# numbers worth quoting: configure CFLAGS=-O2); WORK_DIR (default a new
# temporary folder) gets the repository from bench/gen-repo.py, which is
# reused when it is there.  TOPICS=N sets the number of topics (30).
# GEN=crisscross generates a criss-cross history with
# bench/gen-crisscross.py instead (TOPICS 100 by default, MERGES=M merges
# of other topics' commits per topic, 24), whose merges have many merge
# bases.
#
# Peers, each given a commit-graph (git commit-graph write --reachable):
#   merge-tree loop   git merge-tree --write-tree + git commit-tree per
#                     topic, conflicting topics skipped
#   work-tree loop    git checkout -B next base; git merge --no-edit per
#                     topic (git merge --abort on conflict)
# cthulhud: a full rebuild (cold: the one it makes at start-up; then warm), the rebuild
# after the last topic moved, after the first topic moved; the daemon's
# own build time (duration_ms) and the CLI's wall time; peak RSS.  The
# "cpu" columns are the CPU time of each (git's processes, the daemon's
# threads): what the run costs whatever else the machine runs, where
# wall times on a loaded machine are the scheduler's.
# WORKTREE=0 leaves the work-tree loop out.
# VERSION_FILE=1 (crisscross) bumps a version file on mainline at each
# rc, which the topics that merge an rc bring along.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-.}" && pwd)
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/cthulhu-bench.XXXXXX")}
GEN=${GEN:-repo}
if [ "$GEN" = crisscross ]; then
	TOPICS=${TOPICS:-100}
else
	TOPICS=${TOPICS:-30}
fi
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
R=$WORK/repo.git
G="git --git-dir=$R"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com

if [ ! -d "$R" ]; then
	echo "# generating $R"
	if [ "$GEN" = crisscross ]; then
		python3 "$here/gen-crisscross.py" --topics "$TOPICS" \
			--merges "${MERGES:-24}" \
			${VERSION_FILE:+--version-file} "$R" > "$WORK/topics"
	else
		python3 "$here/gen-repo.py" --topics "$TOPICS" "$R" > "$WORK/topics"
	fi
fi
$G commit-graph write --reachable 2>/dev/null
BASE=v1.0-rc6
nfiles=$($G ls-tree -r --name-only "$BASE" | wc -l)
echo "# $nfiles files at $BASE, $(wc -l < "$WORK/topics") topics"

# time_of OUTFILE CMD...: run CMD, write "seconds max-rss-KiB cpu-seconds"
time_of()
{
	local out=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$out" "$@" >/dev/null
	awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$out" > "$out.tmp" &&
		mv "$out.tmp" "$out"
}

# cpu_of PID: the CPU seconds of the process's threads so far
cpu_of()
{
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
		awk '{ s += $1 } END { printf "%.4f\n", s / 1e9 }'
}

# --- the merge-tree loop ------------------------------------------------
cat > "$WORK/merge-tree-loop.sh" <<'EOF'
#!/bin/sh
# merge-tree-loop.sh GITDIR BASE REF TOPIC...: next built by git merge-tree
G="git --git-dir=$1"
next=$($G rev-parse "$2^{commit}")
ref=$3
shift 3
for t in "$@"; do
	if tree=$($G merge-tree --write-tree "$next" "$t" 2>/dev/null); then
		next=$($G commit-tree -p "$next" -p "$t" \
			-m "Merge branch '$t' into next" "$tree")
	else
		echo "conflict $t" >&2
	fi
done
$G update-ref "$ref" "$next"
EOF
time_of "$WORK/t.loop" sh "$WORK/merge-tree-loop.sh" "$R" "$BASE" \
	refs/heads/next-git $(cat "$WORK/topics")
last=$(tail -n 1 "$WORK/topics")
time_of "$WORK/t.loop1" sh "$WORK/merge-tree-loop.sh" "$R" \
	"refs/heads/next-git~1" refs/heads/next-git-one "$last"
# the loop from the middle topic on (what a loop that kept the merges
# before a moved topic would redo): from next-git's merge before it
ntopics=$(wc -l < "$WORK/topics")
midpos=$(( (ntopics + 1) / 2 ))
mid=$(sed -n "${midpos}p" "$WORK/topics")
midfrom=$($G log --first-parent --format='%H %s' next-git |
	awk -v t="Merge branch '$mid' into next" \
	'found { print $1; exit } substr($0, 42) == t { found = 1 }')
[ -n "$midfrom" ] || midfrom=$BASE
time_of "$WORK/t.loopmid" sh "$WORK/merge-tree-loop.sh" "$R" \
	"$midfrom" refs/heads/next-git-mid $(sed -n "${midpos},\$p" "$WORK/topics")

# --- the work-tree loop -------------------------------------------------
# (WORKTREE=0 leaves it out: with hundreds of topics it takes many minutes)
if [ "${WORKTREE:-1}" = 0 ]; then
	echo "0 0 0" > "$WORK/t.wt"
else
rm -rf "$WORK/wt"
git clone -q --no-checkout "$R" "$WORK/wt"
cat > "$WORK/worktree-loop.sh" <<'EOF'
#!/bin/sh
# worktree-loop.sh WORKTREE BASE TOPIC...: next built by git merge
cd "$1" || exit 1
git checkout -q -B next "$2"
shift 2
for t in "$@"; do
	git merge -q --no-edit "origin/$t" >/dev/null 2>&1 || git merge --abort
done
EOF
git -C "$WORK/wt" commit-graph write --reachable 2>/dev/null
time_of "$WORK/t.wt" sh "$WORK/worktree-loop.sh" "$WORK/wt" "$BASE" \
	$(cat "$WORK/topics")
fi

# --- cthulhud -----------------------------------------------------------
rm -rf "$WORK/state"
{
	printf '[tree]\n\tname = bench\n\trepo = %s\n\tbase = %s\n' "$R" "$BASE"
	printf '\tcommitter = Cthulhu Bench <cthulhu@example.com>\n'
	printf '[state]\n\tdir = %s/state\n[http]\n\tlisten = 0\n' "$WORK"
	printf '[watch]\n\tpoll = 0\n'
	# builds only on request here: a debounce longer than the run
	printf '[next]\n\tdebounce = 3600000\n'
	n=1
	for t in $(cat "$WORK/topics"); do
		printf '[topic "%s"]\n\tbranch = %s\n\torder = %d\n' "$t" "$t" $n
		n=$((n + 1))
	done
} > "$WORK/cthulhu.conf"
"$BUILD/cthulhud" -c "$WORK/cthulhu.conf" > "$WORK/daemon.log" 2>&1 &
pid=$!
export CTHULHU_SOCKET=$WORK/state/cthulhud.sock
i=0
until "$BUILD/cthulhu" status >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "cthulhud did not start"; cat "$WORK/daemon.log"; exit 1; }
	sleep 0.1
done

# rebuild NAME ARGS...: a build; records "wall-seconds daemon-ms reused
# result daemon-cpu-seconds"
rebuild()
{
	local name=$1 t0 t1 c0 c1
	shift
	c0=$(cpu_of "$pid")
	t0=$(date +%s.%N)
	"$BUILD/cthulhu" rebuild --wait --json "$@" > "$WORK/b.$name.json"
	t1=$(date +%s.%N)
	c1=$(cpu_of "$pid")
	python3 - "$WORK/b.$name.json" "$t0" "$t1" "$c0" "$c1" > "$WORK/t.$name" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
print("%.3f %d %d %s %.4f" % (float(sys.argv[3]) - float(sys.argv[2]),
      b["duration_ms"], b["merges_reused"], b["result"],
      float(sys.argv[5]) - float(sys.argv[4])))
EOF
}

# move_topic T: a new commit on T changing one of its files
move_topic()
{
	local t=$1 path blob tree commit
	if [ "$GEN" = crisscross ]; then
		# a file of the topic's own (not one a merge brought in)
		path=$($G log --no-merges -1 --format= --name-only "$t" |
			head -n 1)
	else
		path=$($G diff --name-only "$BASE...$t" | head -n 1)
	fi
	blob=$( ($G cat-file blob "$t:$path"; echo "moved $(date +%s%N)") |
		$G hash-object -w --stdin)
	GIT_INDEX_FILE=$WORK/index $G read-tree "$t"
	GIT_INDEX_FILE=$WORK/index $G update-index --cacheinfo "100644,$blob,$path"
	tree=$(GIT_INDEX_FILE=$WORK/index $G write-tree)
	commit=$($G commit-tree -p "$t" -m "$t: moved" "$tree")
	$G update-ref "refs/heads/$t" "$commit"
}

# the build cthulhud makes by itself at start-up (next is stale) is the
# cold one: empty commit DAG, cold object caches
i=0
until [ "$("$BUILD/cthulhu" next --json | python3 -c 'import json,sys; b=json.load(sys.stdin)["build"]; print(b and b["state"])')" = done ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "no start-up build"; exit 1; }
	sleep 0.1
done
"$BUILD/cthulhu" next --json | python3 -c '
import json, sys
b = json.load(sys.stdin)["build"]
print("- %d %d %s %s" % (b["duration_ms"], b["merges_reused"], b["result"],
      sys.argv[1]))' "$(cpu_of "$pid")" > "$WORK/t.cold"
rebuild full --full
rebuild same
move_topic "$last"
rebuild last
move_topic "$mid"
rebuild mid
move_topic "$(head -n 1 "$WORK/topics")"
rebuild first
rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
kill "$pid"
wait "$pid" || true

# the same result as git: cthulhud's full build against the git loop
same=no
if [ "$($G rev-parse "$(awk '{ print $4 }' "$WORK/t.full")^{tree}")" = \
     "$($G rev-parse "next-git^{tree}")" ]; then
	same=yes
fi
# and after the middle topic moved: git merge-tree's tree for each merge
# the daemon made again (first parent and topic of each merge commit)
midsame=yes
midnext=$(awk '{ print $4 }' "$WORK/t.mid")
for c in $($G rev-list --first-parent "$midnext" --not "$midfrom"); do
	p1=$($G rev-parse "$c^1")
	p2=$($G rev-parse "$c^2" 2>/dev/null) || continue
	[ "$($G merge-tree --write-tree "$p1" "$p2" 2>/dev/null | head -n 1)" = \
	  "$($G rev-parse "$c^{tree}")" ] || midsame=no
done

awk -v loop="$(cat "$WORK/t.loop")" -v loop1="$(cat "$WORK/t.loop1")" \
    -v wt="$(cat "$WORK/t.wt")" -v cold="$(cat "$WORK/t.cold")" \
    -v full="$(cat "$WORK/t.full")" -v lastb="$(cat "$WORK/t.last")" \
    -v first="$(cat "$WORK/t.first")" -v rss="$rss" -v same="$same" \
    -v loopmid="$(cat "$WORK/t.loopmid")" -v mid="$(cat "$WORK/t.mid")" \
    -v sameb="$(cat "$WORK/t.same")" -v midsame="$midsame" '
function f(s, i) { split(s, a, " "); return a[i] }
function r(a, b) { return b > 0 ? a / b : 0 }
# row: a line with loop/x (of the wall time, else the build time) and cpu/x
function row(name, wall, build, cpu, note) {
	printf "%-42s %8s %8s %8s %7.1f %7.1f%s\n", name,
		wall == "" ? "-" : sprintf("%.3f", wall),
		build == "" ? "-" : sprintf("%.3f", build),
		cpu == "" ? "-" : sprintf("%.3f", cpu),
		r(L, wall == "" ? build : wall), r(LC, cpu),
		note == "" ? "" : " " note
}
BEGIN {
	L = f(loop, 1); LC = f(loop, 3)
	printf "%-42s %8s %8s %8s %7s %7s\n", "", "wall s", "build s", "cpu s", "loop/x", "cpu/x"
	row("git merge-tree loop, full", L, "", LC, sprintf("(peak RSS %d MiB)", f(loop, 2) / 1024))
	row("git merge-tree, one merge (last topic)", f(loop1, 1), "", f(loop1, 3), "")
	if (f(wt, 1) > 0)
		row("git work-tree loop (checkout + merge)", f(wt, 1), "", f(wt, 3), sprintf("(peak RSS %d MiB)", f(wt, 2) / 1024))
	else
		printf "%-42s (left out: WORKTREE=0)\n", "git work-tree loop (checkout + merge)"
	row("cthulhud full rebuild, cold (start-up)", "", f(cold, 2) / 1000, f(cold, 5), "(cpu: with the start-up)")
	row("cthulhud full rebuild, warm", f(full, 1), f(full, 2) / 1000, f(full, 5), "")
	row("cthulhud after the last topic moved", f(lastb, 1), f(lastb, 2) / 1000, f(lastb, 5), sprintf("(%d merges reused)", f(lastb, 3)))
	row("cthulhud after the first topic moved", f(first, 1), f(first, 2) / 1000, f(first, 5), sprintf("(%d merges reused)", f(first, 3)))
	row("cthulhud rebuild, nothing moved", f(sameb, 1), f(sameb, 2) / 1000, f(sameb, 5), "")
	M = f(loopmid, 1); MC = f(loopmid, 3)
	row("git merge-tree loop from the middle topic", M, "", MC, "")
	row("cthulhud after the middle topic moved", f(mid, 1), f(mid, 2) / 1000, f(mid, 5), sprintf("(%d merges reused)", f(mid, 3)))
	printf "middle topic moved against the loop from it: %.1fx wall, %.1fx build, %.1fx cpu\n", r(M, f(mid, 1)), r(M, f(mid, 2) / 1000), r(MC, f(mid, 5))
	printf "cthulhud peak RSS %d MiB; full rebuild tree equal to the git loop: %s; merges after the middle topic moved equal to git merge-tree: %s\n", rss / 1024, same, midsame
}'
echo "# work folder: $WORK"
