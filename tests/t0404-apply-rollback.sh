#!/bin/sh
# The order of writes of apply and drop: git objects, the ref, then one
# SQLite transaction.  When the transaction fails (here a trigger makes it
# fail, as a full disk would), the topic is put back where it was, no row
# and no notification remain, and the same request succeeds once the
# database takes writes again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

# sqlw SQL: write to the daemon's database (the daemon is running; WAL)
sqlw()
{
	sqlite3 -cmd '.timeout 5000' "$T/state/cthulhu.db" "$1"
}

now=$(date +%s)
git init -q --bare "$T/src.git"
git init -q -b master "$T/dev"
(
	cd "$T/dev"
	seq 1 30 >a.txt
	git add . && git commit -q -m 'Initial' && git tag base
	git push -q "$T/src.git" master base master:pmu
	git checkout -q -b work
	for n in 5 25; do
		sed -i "s/^$n\$/n$n/" a.txt
		GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
		GIT_AUTHOR_DATE="$((now - 100 + n)) +0000" \
			git commit -q -am "pmu: Name $n"
	done
	GIT_COMMITTER_NAME='Pat Author' GIT_COMMITTER_EMAIL=pat@example.org \
	git format-patch -q --cover-letter --thread=shallow -o "$T/s" base..work
	cat "$T"/s/*.patch >"$T/s.mbox"
)
write_config "$T/cthulhu.conf" "$T/src.git" '[topic "pmu"]' '	order = 1' \
	'[apply]' '	link = '
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing
run submit "$T/s.mbox"
sid=$(sql "SELECT id FROM series WHERE total = 2 AND complete")
like "$sid" '^[0-9]+$' "the series is in" || done_testing

# --- apply --------------------------------------------------------------------

old=$(rev pmu)
sqlw "CREATE TRIGGER no_apply BEFORE INSERT ON applied BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
run apply "$sid" pmu
is "$rc" 1 "apply fails when its transaction fails"
like "$err" "injected failure" "with the database's reason"
is "$(rev pmu)" "$old" "the topic is put back"
is "$(sql "SELECT count(*) FROM applied")" 0 "no row"
is "$(sql "SELECT count(*) FROM notifications")" 0 "no notification"

sqlw "DROP TRIGGER no_apply;"
run apply "$sid" pmu
is "$rc" 0 "the same apply succeeds afterwards"
is "$(git --git-dir="$T/src.git" rev-list --count base..pmu)" 2 "with 2 commits"
is "$(sql "SELECT count(*) FROM applied")" 2 "and 2 rows"

# --- drop ---------------------------------------------------------------------

tip=$(rev pmu)
first=$(rev pmu~1)
sqlw "CREATE TRIGGER no_drop BEFORE UPDATE ON applied BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
run drop "$first" --reason 'test'
is "$rc" 1 "drop fails when its transaction fails"
is "$(rev pmu)" "$tip" "the topic is put back"
is "$(sql "SELECT group_concat(state) FROM applied")" "applied,applied" "the rows are unchanged"
sqlw "DROP TRIGGER no_drop;"
run drop "$first" --reason 'test'
is "$rc" 0 "the same drop succeeds afterwards"
is "$(git --git-dir="$T/src.git" rev-list --count base..pmu)" 1 "one commit left"
is "$(git --git-dir="$T/src.git" log -1 --format=%s pmu)" "pmu: Name 25" "the later one, replayed"

stop_daemon
ok "cthulhud stops"
done_testing
