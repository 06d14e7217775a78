#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Applying a 30- and a 100-patch series to a kernel-sized repository:
# cthulhu's in-memory apply against `git am` on a work tree.
#
#   bench/apply/run.sh [BUILD_DIR [WORK_DIR]]
#
# BUILD_DIR holds tests/apply-driver, cthulhud and cthulhu (build without
# sanitizers: configure CFLAGS=-O2); WORK_DIR (default a new temporary
# folder) gets the merge benchmark's repository (bench/gen-repo.py, 72,000
# files; reused when there) and a work tree of it.
#
# The series are made on the repository's base: each patch edits the tail
# of a file chosen at random (seeded), now and then adds or deletes one,
# and carries a Signed-off-by; `git format-patch` writes them.  Timed:
#   git am -s        in a work tree (the index and files are updated)
#   apply-driver     apply.c as the daemon runs it (mail.c parse, in-memory
#                    apply, commit objects, compare-and-swap of the ref)
#                    on the bare repository
#   cthulhu apply    the whole daemon path: the "apply" job re-reads the
#                    stored mails, applies, records rows and the notification
# Each side's commits are checked to be the same (tree, author, message).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-.}" && pwd)
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/cthulhu-bench-apply.XXXXXX")}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
R=$WORK/repo.git
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=$WORK
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME='Maint Ainer' GIT_COMMITTER_EMAIL=maint@example.org
BASE=v1.0-rc6

if [ ! -d "$R" ]; then
	echo "# generating $R"
	python3 "$here/gen-repo.py" --topics 1 "$R" >/dev/null
fi
nfiles=$(git --git-dir="$R" ls-tree -r --name-only "$BASE" | wc -l)

# time_of OUTFILE CMD...: run CMD, write "seconds max-rss-KiB"
time_of()
{
	local out=$1
	shift
	/usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null
}

# The series, made once in a work tree of the base.
if [ ! -d "$WORK/wt" ]; then
	echo "# making the series"
	git clone -q --shared "$R" "$WORK/wt"
	(
		cd "$WORK/wt"
		git checkout -q -b series "$BASE"
		git ls-files >"$WORK/files"
		n=$(wc -l <"$WORK/files")
		seed=7
		now=$(date +%s)
		for i in $(seq 1 100); do
			seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
			f=$(sed -n "$(( seed % n + 1 ))p" "$WORK/files")
			if [ $((i % 17)) -eq 0 ]; then
				mkdir -p new && echo "new file $i" >"new/f$i.c" &&
					git add "new/f$i.c"
			elif [ $((i % 23)) -eq 0 ]; then
				git rm -q "$f"
			else
				printf 'patch %d line\n' "$i" >>"$f"
				sed -i '3s/$/ (changed by patch '"$i"')/' "$f"
			fi
			GIT_AUTHOR_NAME="Author $((i % 7))" \
			GIT_AUTHOR_EMAIL="author$((i % 7))@example.org" \
			GIT_AUTHOR_DATE="$((now - 10000 + i * 60)) +0200" \
				git commit -q -a -m "area$((i % 5)): Change number $i

Body of patch $i, which explains why.

Signed-off-by: Author $((i % 7)) <author$((i % 7))@example.org>"
		done
		for n in 30 100; do
			rm -rf "$WORK/p$n"
			# sent by the maintainer: From: is the sender, the
			# authors go in-body, as git send-email does it
			git format-patch -q --thread=shallow --cover-letter \
				--from='Maint Ainer <maint@example.org>' \
				-o "$WORK/p$n" "series~$((100 - n))~$n..series~$((100 - n))"
			cat "$WORK/p$n"/*.patch >"$WORK/s$n.mbox"
		done
		git checkout -q --detach "$BASE"
	)
fi

echo "# $nfiles files at $BASE; git $(git --version | cut -d' ' -f3)"
printf '%-34s %8s %10s %8s\n' "" "wall s" "peak MiB" "am/x"
for n in 30 100; do
	# git am -s in the work tree
	(cd "$WORK/wt" && { git am --abort 2>/dev/null || true; } &&
	 git checkout -q -f -B am "$BASE")
	ls "$WORK/p$n"/*.patch | grep -v 0000-cover-letter >"$WORK/list$n"
	time_of "$WORK/t.am$n" sh -c "cd '$WORK/wt' && git am -q -s \$(cat '$WORK/list$n')"
	am_tip=$(git -C "$WORK/wt" rev-parse am)

	# apply-driver on the bare repository
	git --git-dir="$R" branch -f "apply$n" "$BASE"
	time_of "$WORK/t.drv$n" "$BUILD/tests/apply-driver" \
		--committer 'Maint Ainer <maint@example.org>' "$R" \
		"refs/heads/apply$n" --mbox "$WORK/s$n.mbox"

	# the daemon: submit, then time cthulhu apply
	rm -rf "$WORK/state$n" && mkdir -p "$WORK/state$n" && chmod 700 "$WORK/state$n"
	git --git-dir="$R" branch -f "daemon$n" "$BASE"
	cat >"$WORK/cthulhu$n.conf" <<EOF
[tree]
	name = bench
	repo = $R
	base = $BASE
	committer = Maint Ainer <maint@example.org>
[state]
	dir = $WORK/state$n
[http]
	listen = 0
[topic "daemon$n"]
	order = 1
[apply]
	link =
EOF
	"$BUILD/cthulhud" -c "$WORK/cthulhu$n.conf" >"$WORK/daemon$n.log" 2>&1 &
	pid=$!
	# stop the daemon however the script ends
	trap 'kill -TERM $pid 2>/dev/null' EXIT
	export CTHULHU_SOCKET=$WORK/state$n/cthulhud.sock
	i=0
	until "$BUILD/cthulhu" status >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "cthulhud did not start"; exit 1; }
		sleep 0.1
	done
	"$BUILD/cthulhu" submit "$WORK/s$n.mbox" >/dev/null
	sid=$(sqlite3 "$WORK/state$n/cthulhu.db" "SELECT id FROM series WHERE total = $n AND complete")
	/usr/bin/time -f '%e' -o "$WORK/t.cth$n" "$BUILD/cthulhu" apply "$sid" "daemon$n" >/dev/null
	rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
	kill -TERM "$pid"; wait "$pid" || true
	trap - EXIT

	# the same commits (minus committer and parent lines)
	same=yes
	for k in $(seq 0 $((n - 1))); do
		a=$(git -C "$WORK/wt" cat-file commit "am~$k" | grep -v '^committer \|^parent ')
		b=$(git --git-dir="$R" cat-file commit "apply$n~$k" | grep -v '^committer \|^parent ')
		c=$(git --git-dir="$R" cat-file commit "daemon$n~$k" | grep -v '^committer \|^parent ')
		[ "$a" = "$b" ] && [ "$a" = "$c" ] || same=no
	done

	read am_s am_k <"$WORK/t.am$n"
	read drv_s drv_k <"$WORK/t.drv$n"
	read cth_s <"$WORK/t.cth$n"
	printf '%-34s %8.3f %10.1f %8s\n' "git am -s, $n patches" "$am_s" \
		"$(echo "$am_k / 1024" | bc -l)" "1.0"
	printf '%-34s %8.3f %10.1f %8.1f\n' "apply-driver, $n patches" "$drv_s" \
		"$(echo "$drv_k / 1024" | bc -l)" "$(echo "$am_s / ($drv_s + 0.0005)" | bc -l)"
	printf '%-34s %8.3f %10.1f %8.1f\n' "cthulhu apply (daemon), $n patches" \
		"$cth_s" "$(echo "$rss / 1024" | bc -l)" \
		"$(echo "$am_s / ($cth_s + 0.0005)" | bc -l)"
	echo "# $n patches: commits equal to git am -s: $same"
done
