#!/bin/sh
# A database that records a migration this binary does not know was made
# by a newer cthulhud: refuse it with a message that says so, and leave it
# exactly as it was.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/work"
REPO=$T/work.git
write_config "$T/cthulhu.conf" "$REPO"
start_daemon "$T/cthulhu.conf"
ok "the daemon makes its database" || done_testing
stop_daemon
known=$(sqlite3 "$T/state/cthulhu.db" 'SELECT count(*) FROM schema_migrations')
[ "$known" -ge 1 ]
ok "migrations are recorded ($known)"

sqlite3 "$T/state/cthulhu.db" "INSERT INTO schema_migrations (name, applied_at) VALUES ('9999-from-the-future.sql', 0);
	CREATE TABLE future_things (id INTEGER PRIMARY KEY);
	INSERT INTO future_things VALUES (42);"
sqlite3 "$T/state/cthulhu.db" .dump >"$T/before.sql"
snapshot before

run_daemon_fail "$T/cthulhu.conf"
is "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo yes)" yes \
	"the daemon refuses the newer database (exit $rc)"
like "$log" "newer" "the message says the database is newer"
like "$log" "9999-from-the-future" "it names the unknown migration"
like "$log" "cthulhu.db" "it names the database"
sqlite3 "$T/state/cthulhu.db" .dump >"$T/after.sql"
cmp -s "$T/before.sql" "$T/after.sql"
ok "the database is exactly as it was"
unchanged before "refs and rows did not change"
[ ! -S "$T/state/cthulhud.sock" ]
ok "no socket was left behind"

# Take the future migration away and the same database works again.
sqlite3 "$T/state/cthulhu.db" "DELETE FROM schema_migrations WHERE name LIKE '9999-%'"
start_daemon "$T/cthulhu.conf"
ok "without it the daemon starts on the same database"
is "$(sql 'SELECT id FROM future_things')" 42 "and upgrades never drop data"
done_testing
