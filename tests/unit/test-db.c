/* SPDX-License-Identifier: GPL-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/db.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"

int main(void)
{
	char dir[] = "/tmp/cthulhu-test-db.XXXXXX";
	struct strbuf err = STRBUF_INIT, blob = STRBUF_INIT;
	char path[256];
	struct db *db;
	json_t *rows, *row;
	int64_t n = 0;
	int rc;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/cthulhu.db", dir);

	is_int(db_open(path, &db, &err), 0, "open creates the database");
	is_int(db_migrate(db, &err), 0, "migrations apply to a new database");
	is_int(db_migrate(db, &err), 0, "and applying them again is a no-op");
	db_query_int(db, &n, &err, "SELECT count(*) FROM schema_migrations",
		     NULL);
	ok(n >= 1, "migrations are recorded (%lld)", (long long)n);
	db_query_int(db, &n, &err, "PRAGMA foreign_keys", NULL);
	is_int(n, 1, "foreign keys are on");

	rc = db_exec(db, &err,
		     "INSERT INTO topics (name, branch, created_at) "
		     "VALUES (?, ?, ?)",
		     "tti", "x86/pmu", "refs/heads/x86/pmu", (int64_t)1);
	is_int(rc, 0, "insert with bound parameters");
	rc = db_exec(db, &err,
		     "INSERT INTO topics (name, branch, created_at) "
		     "VALUES (?, ?, ?)",
		     "tti", "x86/pmu", "refs/heads/x", (int64_t)1);
	is_int(rc, ERR_EXISTS, "a duplicate key is ERR_EXISTS");
	rows = db_query(db, &err, "SELECT name, ord, tip FROM topics", NULL);
	is_int(json_array_size(rows), 1, "query returns the row");
	row = json_array_get(rows, 0);
	is_str(json_string_value(json_object_get(row, "name")), "x86/pmu",
	       "text column");
	ok(json_is_integer(json_object_get(row, "ord")), "integer column");
	ok(json_is_null(json_object_get(row, "tip")), "NULL column");
	json_decref(rows);

	rc = db_query_row(db, &row, &err,
			  "SELECT name FROM topics WHERE name = ?", "t", "svm");
	ok(!rc && !row, "query_row with no row gives NULL");
	is_int(db_query_int(db, &n, &err,
			    "SELECT ord FROM topics WHERE name = 'x'", NULL),
	       -ENOENT, "query_int with no row is -ENOENT");

	db_begin(db, &err);
	db_exec(db, &err, "DELETE FROM topics", NULL);
	db_rollback(db);
	db_query_int(db, &n, &err, "SELECT count(*) FROM topics", NULL);
	is_int(n, 1, "rollback undoes");

	db_exec(db, &err, "INSERT INTO meta (key, value) VALUES ('b', ?)", "b",
		"x\0y", (size_t)3);
	db_query_blob(db, &blob, &err, "SELECT value FROM meta WHERE key = 'b'",
		      NULL);
	ok(blob.len == 3 && !memcmp(blob.buf, "x\0y", 3),
	   "blobs keep NUL bytes");

	/* What the HTTP routes run under: reads only. */
	ok(!db_query_only(db, true), "a connection starts able to write");
	strbuf_reset(&err);
	rc = db_exec(db, &err, "DELETE FROM topics", NULL);
	ok(rc < 0 && strstr(err.buf, "readonly"),
	   "a query-only connection cannot write: %s", err.buf);
	db_query_int(db, &n, &err, "SELECT count(*) FROM topics", NULL);
	is_int(n, 1, "and reads, with nothing changed");
	ok(db_query_only(db, false), "the old setting comes back");
	is_int(db_exec(db, &err, "UPDATE topics SET ord = 2", NULL), 0,
	       "and then it writes again");

	rc = db_exec(db, &err, "SELECT * FROM no_such_table", NULL);
	ok(rc < 0 && strstr(err.buf, "no_such_table"), "bad SQL reports: %s",
	   err.buf);

	db_exec(db, &err,
		"INSERT INTO schema_migrations (name, applied_at) "
		"VALUES ('9999-future.sql', 0)",
		NULL);
	rc = db_migrate(db, &err);
	is_int(rc, ERR_INVALID, "a database newer than the binary is refused");
	ok(strstr(err.buf, "9999-future.sql") && strstr(err.buf, "newer"),
	   "saying which migration: %s", err.buf);
	db_close(db);

	unlink(path);
	snprintf(path, sizeof(path), "%s/cthulhu.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cthulhu.db-shm", dir);
	unlink(path);
	rmdir(dir);
	strbuf_release(&err);
	strbuf_release(&blob);
	return done_testing();
}
