#!/bin/sh
# The crash loop: ITER times (default 10), start one or two random
# mutations (submit, apply, drop, rebuild, a push to a topic by the git
# CLI, a rebase of a topic pushed with --force-with-lease), kill -9
# cthulhud at a random moment, start it again, let it settle and check
# that
#
#  * every topics row's tip is its branch, next is the result of the last
#    finished build and that build is made of the topics' tips, no build
#    or job is left half done;
#  * every commit on an applied-to topic is an 'applied' row and every
#    'applied' row is on its topic, a 'dropped' one is not, and none is
#    'gone' (nothing here takes a commit off a topic but a drop);
#  * every notification row was delivered once: one file in the outbox
#    Maildir each, with its Message-ID, and no file without a row; each
#    applied patch and each drop has its notification;
#  * every operation acknowledged before the kill (the CLI or git exited
#    0) is there: the mails, the rows, the build, the pushed commits (in
#    next's history and in the tip the topics row records);
#  * and at the end PRAGMA integrity_check is ok and git fsck is clean.
#
# The mutations, their order and the delays come from a seeded
# generator: SEED=N reproduces the sequence (the moment the kill lands
# within a mutation still depends on the machine).  Run by hand:
#   ITER=100 SEED=1 tests/crash-loop.sh
# (top_srcdir/top_builddir default to the tree the script is in).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-apply.sh"
test_init

ITER=${ITER:-10}
SEED=${SEED:-$(( $(date +%s) % 100000 ))}
# the longest delay before the kill, in milliseconds
KILL_MAX_MS=${KILL_MAX_MS:-80}
echo "# crash loop: ITER=$ITER SEED=$SEED KILL_MAX_MS=$KILL_MAX_MS"

# --- a seeded generator (an LCG, so that /bin/sh can reproduce it) --------

rng=$SEED
# rand N: a number in 0..N-1 in $r
rand()
{
	rng=$(( (rng * 1103515245 + 12345) % 2147483648 ))
	r=$(( (rng / 65536) % $1 ))
}

# --- the tree, the series pool, the daemon ---------------------------------

apply_tree master:mmu master:dev || exit 1

# A pool of series, each adding files of its own so that any subset
# applies to either topic in any order: series k has 1 to 3 patches.
POOL=$((ITER / 2 + 4))
mkdir "$T/mbox"
k=1
while [ $k -le $POOL ]; do
	rand 3
	n=$((r + 1))
	make_series $k $n "$T/mbox/s$k.mbox" || exit 1
	k=$((k + 1))
done
next_pool=1

setup_daemon "$T/src.git" "cthulhud starts" \
	'[topic "pmu"]' '	order = 1' '[topic "mmu"]' '	order = 2' \
	'[topic "dev"]' '	order = 3' '[next]' '	debounce = 100' \
	'[apply]' '	link = '
cth rebuild --wait >/dev/null
ok "a first build" || done_testing

: >"$T/acks"


# --- the mutations ------------------------------------------------------------
# Each runs in the background and appends "ACK <what>" to $T/acks when it
# was acknowledged (exit 0); $T/op.N.log has its output.

op_submit()
{
	if [ $next_pool -gt $POOL ]; then
		op_push "$1"
		return
	fi
	mb="$T/mbox/s$next_pool.mbox"
	next_pool=$((next_pool + 1))
	desc="submit $(basename "$mb")"
	( "$CTHULHU" submit "$mb" >"$T/op.$1.log" 2>&1 &&
	  echo "submit $mb" >>"$T/acks" ) &
}

op_apply()
{
	ids=$(sql "SELECT id FROM series WHERE complete AND state <> 'applied'
		AND id NOT IN (SELECT series_id FROM applied) ORDER BY id")
	set -- "$1" $ids
	if [ $# -eq 1 ]; then
		op_submit "$1"
		return
	fi
	rand $(($# - 1))
	shift $((r + 1))
	sid=$1
	rand 2
	if [ $r -eq 0 ]; then topic=pmu; else topic=mmu; fi
	desc="apply $sid $topic"
	( "$CTHULHU" apply "$sid" "$topic" >"$T/op.$n.log" 2>&1 &&
	  echo "apply $sid $topic" >>"$T/acks" ) &
}

op_drop()
{
	shas=$(sql "SELECT commit_sha FROM applied WHERE state = 'applied' ORDER BY id")
	set -- "$1" $shas
	if [ $# -eq 1 ]; then
		op_apply "$1"
		return
	fi
	rand $(($# - 1))
	shift $((r + 1))
	sha=$1
	desc="drop $sha"
	( "$CTHULHU" drop --reason "crash loop $sha" "$sha" >"$T/op.$n.log" 2>&1 &&
	  echo "drop $sha" >>"$T/acks" ) &
}

op_rebuild()
{
	rand 4
	if [ $r -eq 0 ]; then full=--full; else full=; fi
	desc="rebuild $full"
	# (not jget: its scratch file is shared, and two rebuilds can run)
	( "$CTHULHU" rebuild --wait --json $full >"$T/op.$n.log" 2>&1 &&
	  echo "rebuild $(sqlite3 :memory: "SELECT json_extract(CAST(readfile('$T/op.$n.log') AS TEXT), '\$.id')")" >>"$T/acks" ) &
}

# a commit on dev by git, pushed
op_push()
{
	c=$(cd "$T/w" && git fetch -q "$T/src.git" dev &&
	    git checkout -q -B dev FETCH_HEAD &&
	    echo "push $1 $rng" >"dev-$1.txt" && git add "dev-$1.txt" &&
	    git commit -q -m "dev: Push $1" && git rev-parse HEAD)
	desc="push dev $c"
	( cd "$T/w" && git push -q "$T/src.git" dev:dev >"$T/op.$1.log" 2>&1 &&
	  echo "push dev $c" >>"$T/acks" ) &
}

# pmu or mmu rebased onto base with new SHA1s (the same patches), pushed
# with --force-with-lease: the daemon must follow its applied rows
op_rebase()
{
	rand 2
	if [ $r -eq 0 ]; then topic=pmu; else topic=mmu; fi
	if [ "$(rev "$topic")" = "$(rev base)" ]; then
		op_push "$1"
		return
	fi
	c=$(cd "$T/w" && git fetch -q "$T/src.git" "$topic" &&
	    git checkout -q -B "$topic" FETCH_HEAD &&
	    GIT_COMMITTER_DATE="$(( $(date +%s) + ${1%.*} )) +0000" \
		git rebase -q --force-rebase base >"$T/rebase.log" 2>&1 &&
	    git rev-parse HEAD)
	if [ -z "$c" ]; then
		echo "# rebase of $topic failed:"
		sed 's/^/#   /' "$T/rebase.log"
		(cd "$T/w" && git rebase --abort >/dev/null 2>&1)
		op_push "$1"
		return
	fi
	was=$(cd "$T/w" && git rev-parse FETCH_HEAD)
	desc="rebase $topic $c"
	# --force-with-lease, as a maintainer pushes a rebase: refused when
	# the daemon moved the topic since the fetch (a --force would undo
	# that apply or drop, which is the pusher's doing, not a crash's)
	( cd "$T/w" && git push -q --force-with-lease="$topic:$was" \
		"$T/src.git" "$topic:$topic" >"$T/op.$1.log" 2>&1 &&
	  echo "rebase $topic $c" >>"$T/acks" ) &
}

# --- the state after a restart -----------------------------------------------

# q SQL: one value
q()
{
	sql "$1"
}

# the topics' tips as "name tip" lines, from the refs
ref_tips()
{
	for t in pmu mmu dev; do echo "$t $(rev "$t")"; done
}

db_tips()
{
	q "SELECT name || ' ' || coalesce(tip, '') FROM topics ORDER BY ord"
}

last_build_tips()
{
	q "SELECT topic || ' ' || coalesce(tip, '') FROM build_topics
	   WHERE build = (SELECT max(id) FROM builds WHERE state = 'done')
	   ORDER BY pos"
}

# Whether the daemon has done what a crash left it: jobs run, builds
# settled, next made of the current tips, the rows following their
# commits, the mail out.
settled()
{
	[ "$(q "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")" = 0 ] &&
	[ "$(q "SELECT count(*) FROM builds WHERE state IN ('running', 'updating')")" = 0 ] &&
	[ "$(q "SELECT count(*) FROM notifications WHERE state <> 'sent'")" = 0 ] &&
	[ "$(db_tips)" = "$(ref_tips)" ] &&
	[ "$(last_build_tips)" = "$(ref_tips)" ] &&
	[ "$(q "SELECT result FROM builds WHERE state = 'done' ORDER BY id DESC LIMIT 1")" = "$(rev next)" ] &&
	rows_follow_commits >/dev/null
}

# Every commit of base..pmu and base..mmu is one 'applied' row of that
# topic, and every 'applied' row is such a commit; prints what is not.
rows_follow_commits()
{
	bad=0
	for t in pmu mmu; do
		git --git-dir="$T/src.git" rev-list base.."$t" | sort >"$T/on-$t"
		q "SELECT commit_sha FROM applied WHERE topic = '$t'
		   AND state = 'applied'" | sort >"$T/rows-$t"
		if ! cmp -s "$T/on-$t" "$T/rows-$t"; then
			echo "$t: on the branch only / in the rows only:"
			comm -3 "$T/on-$t" "$T/rows-$t"
			bad=1
		fi
	done
	gone=$(q "SELECT count(*) FROM applied WHERE state = 'gone'")
	if [ "$gone" != 0 ]; then
		echo "$gone row(s) gone: a drop or a rebase was not followed"
		bad=1
	fi
	for sha in $(q "SELECT commit_sha || ':' || topic FROM applied
			WHERE state = 'dropped'"); do
		if git --git-dir="$T/src.git" merge-base --is-ancestor \
			"${sha%%:*}" "${sha#*:}" 2>/dev/null; then
			echo "dropped ${sha%%:*} is still on ${sha#*:}"
			bad=1
		fi
	done
	return $bad
}

# One notification row per file of the outbox, the file named by the row
# and carrying its Message-ID; nothing left in tmp/.
outbox_matches()
{
	bad=0
	nf=$(ls "$T/state/outbox/new" 2>/dev/null | wc -l)
	nr=$(q "SELECT count(*) FROM notifications")
	if [ "$nf" != "$nr" ]; then
		echo "$nf files in outbox/new, $nr notification rows"
		bad=1
	fi
	q "SELECT file || ' ' || msgid FROM notifications ORDER BY id" |
	while read -r file msgid; do
		f="$T/state/outbox/new/$file"
		if [ ! -f "$f" ]; then
			echo "no file '$file'"
			exit 1
		fi
		got=$(sed -n 's/^Message-Id: *<\(.*\)>.*/\1/Ip' "$f" | head -1)
		if [ "$got" != "$msgid" ]; then
			echo "'$file' has Message-ID '$got', the row '$msgid'"
			exit 1
		fi
	done || bad=1
	# a Message-ID sent twice would be two files with it
	dup=$(cat "$T/state/outbox/new/"* 2>/dev/null |
	      sed -n 's/^Message-Id: *<\(.*\)>.*/\1/Ip' | sort | uniq -d)
	if [ -n "$dup" ]; then
		echo "sent twice: $dup"
		bad=1
	fi
	if [ -n "$(ls "$T/state/outbox/tmp" 2>/dev/null)" ]; then
		echo "left in outbox/tmp: $(ls "$T/state/outbox/tmp")"
		bad=1
	fi
	return $bad
}

# Every applied row has its 'applied' notification, every dropped one a
# 'dropped' notification naming the commit.
rows_notified()
{
	bad=0
	n=$(q "SELECT count(*) FROM applied a LEFT JOIN notifications n
	       ON n.id = a.notification_id
	       WHERE n.id IS NULL OR n.kind <> 'applied'")
	if [ "$n" != 0 ]; then
		echo "$n applied row(s) without their notification"
		bad=1
	fi
	for sha in $(q "SELECT commit_sha FROM applied WHERE state = 'dropped'"); do
		short=$(echo "$sha" | cut -c1-12)
		n=$(q "SELECT count(*) FROM notifications WHERE kind = 'dropped'
		       AND CAST(raw AS TEXT) LIKE '%$short%'")
		if [ "$n" != 1 ]; then
			echo "drop of $sha: $n notification(s)"
			bad=1
		fi
	done
	return $bad
}

# Every event of a topic starts where the one before it ended, and the
# last ends at the topics row's tip.
events_chain()
{
	bad=0
	for t in pmu mmu dev; do
		prev=
		first=1
		for e in $(q "SELECT coalesce(old, '-') || ':' || coalesce(new, '-')
			      FROM events WHERE topic = '$t' ORDER BY id"); do
			if [ -z "$first" ] && [ "${e%%:*}" != "$prev" ]; then
				echo "$t: event from ${e%%:*} after one to $prev"
				bad=1
			fi
			first=
			prev=${e#*:}
		done
		tip=$(q "SELECT tip FROM topics WHERE name = '$t'")
		if [ -n "$prev" ] && [ "$prev" != "$tip" ]; then
			echo "$t: the last event ends at $prev, the tip is $tip"
			bad=1
		fi
	done
	return $bad
}

# The acknowledged operations are all there.
acks_present()
{
	bad=0
	while read -r what a b; do
		case $what in
		submit)
			for id in $(sed -n 's/^Message-I[Dd]: *<\(.*\)>.*/\1/p' "$a"); do
				[ "$(q "SELECT count(*) FROM messages WHERE msgid = '$id'")" = 1 ] ||
					{ echo "submit $a: no message '$id'"; bad=1; }
			done ;;
		apply)
			n=$(q "SELECT count(*) FROM applied WHERE series_id = $a AND topic = '$b'")
			want=$(q "SELECT count(*) FROM patches WHERE series_id = $a AND has_diff")
			[ "$n" = "$want" ] && [ "$n" != 0 ] ||
				{ echo "apply $a $b: $n row(s), want $want"; bad=1; } ;;
		drop)
			[ "$(q "SELECT state FROM applied WHERE commit_sha = '$a'")" = dropped ] ||
				{ echo "drop $a: not dropped"; bad=1; } ;;
		rebuild)
			[ "$(q "SELECT state FROM builds WHERE id = '$a'")" = done ] ||
				{ echo "rebuild $a: not done"; bad=1; } ;;
		push)
			git --git-dir="$T/src.git" merge-base --is-ancestor "$b" next ||
				{ echo "push $a $b: not in next"; bad=1; }
			# in the recorded tip (a push followed by another
			# before a scan is one move: no event of its own)
			git --git-dir="$T/src.git" merge-base --is-ancestor "$b" \
				"$(q "SELECT tip FROM topics WHERE name = '$a'")" ||
				{ echo "push $a $b: not in the recorded tip"; bad=1; } ;;
		rebase)
			[ "$(q "SELECT count(*) FROM events WHERE topic = '$a' AND new = '$b' AND kind = 'forced'")" -ge 1 ] ||
				git --git-dir="$T/src.git" merge-base --is-ancestor "$b" "$a" ||
				{ echo "rebase $a $b: neither an event nor on the topic"; bad=1; } ;;
		esac
	done <"$T/acks"
	return $bad
}

# --- the loop -------------------------------------------------------------------

i=1
kills=0
started=0
while [ $i -le $ITER ]; do
	rand 3
	nops=$(( r == 0 ? 2 : 1 ))
	ops=
	o=1
	while [ $o -le $nops ]; do
		rand 6
		n=$i.$o
		case $r in
		0) op_submit "$n" ;;
		1) op_apply "$n" ;;
		2) op_drop "$n" ;;
		3) op_rebuild "$n" ;;
		4) op_push "$n" ;;
		5) op_rebase "$n" ;;
		esac
		ops="$ops${ops:+, }$desc"
		started=$((started + 1))
		o=$((o + 1))
	done
	rand "$KILL_MAX_MS"
	ms=$r
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -KILL "$DAEMON_PID" 2>/dev/null && kills=$((kills + 1))
	wait 2>/dev/null
	DAEMON_PID=
	echo "# $i: $ops; kill -9 after $ms ms"

	start_daemon "$T/cthulhu.conf"
	ok "$i: cthulhud restarts after the kill" || break
	if ! wait_for 60 settled; then
		echo "# $i: not settled after 60 s"
	fi
	check "$i: the topics rows are the branches" \
		test "$(db_tips)" = "$(ref_tips)"
	is "$(q "SELECT count(*) FROM builds WHERE state IN ('running', 'updating')")" 0 \
		"$i: no build left half done"
	is "$(q "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")" 0 \
		"$i: no job left queued or running"
	is "$(q "SELECT result FROM builds WHERE state = 'done' ORDER BY id DESC LIMIT 1")" \
		"$(rev next)" "$i: next is the last finished build"
	is "$(last_build_tips)" "$(ref_tips)" "$i: that build has the topics' tips"
	for t in pmu mmu dev; do
		git --git-dir="$T/src.git" merge-base --is-ancestor "$t" next
		ok "$i: $t is in next"
	done
	check "$i: the applied rows follow the commits" rows_follow_commits
	check "$i: every notification is in the outbox once" outbox_matches
	is "$(q "SELECT count(*) FROM notifications WHERE state <> 'sent'")" 0 \
		"$i: every notification is sent"
	check "$i: every applied patch and drop was notified" rows_notified
	check "$i: the events of each topic follow each other" events_chain
	check "$i: every acknowledged operation is there" acks_present
	is "$(q 'PRAGMA integrity_check')" ok "$i: PRAGMA integrity_check"
	if [ "$TAP_FAILED" -ne 0 ] && [ -n "${STOP_ON_FAIL:-}" ]; then
		break
	fi
	i=$((i + 1))
done

stop_daemon
ok "cthulhud stops"
is "$(sqlite3 "$T/state/cthulhu.db" 'PRAGMA integrity_check')" ok \
	"the database passes PRAGMA integrity_check"
is "$(sqlite3 "$T/state/cthulhu.db" 'PRAGMA foreign_key_check')" "" \
	"and PRAGMA foreign_key_check"
check "git fsck is clean" git --git-dir="$T/src.git" fsck --strict --no-dangling
echo "# $kills kills; $started operations started, $(wc -l <"$T/acks") acknowledged;" \
	"$(q 'SELECT count(*) FROM applied') applied rows," \
	"$(q 'SELECT count(*) FROM notifications') notifications," \
	"$(q 'SELECT count(*) FROM builds') builds," \
	"$(q "SELECT count(*) FROM builds WHERE state = 'interrupted'") interrupted"
done_testing
