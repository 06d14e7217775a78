/* SPDX-License-Identifier: GPL-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "daemon/db.h"
#include "daemon/embed.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define STMT_CACHE 128

struct db {
	sqlite3 *h;
	char *path;
	struct cached_stmt {
		char *sql; /* a copy of the statement's text */
		sqlite3_stmt *stmt;
	} cache[STMT_CACHE];
	size_t nr_cache;
	bool query_only; /* PRAGMA query_only is on */
};

static int db_error(struct db *db, struct strbuf *err, int rc, const char *what)
{
	int code = -EIO;

	if (rc == SQLITE_CONSTRAINT)
		code = ERR_EXISTS;
	else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		code = -EAGAIN;
	else if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN ||
		 rc == SQLITE_PERM)
		code = -EACCES;
	error_set(err, code, "database '%s': %s: %s", db->path, what,
		  sqlite3_errmsg(db->h));
	return code;
}

int db_open(const char *path, struct db **out, struct strbuf *err)
{
	struct db *db = xcalloc(1, sizeof(*db));
	int rc;

	*out = NULL;
	db->path = xstrdup(path);
	rc = sqlite3_open_v2(path, &db->h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		rc = error_set(err, -EACCES, "cannot open database '%s': %s",
			       path,
			       db->h ? sqlite3_errmsg(db->h) :
				       sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(db->h, 10000);
	rc = db_exec_script(db,
			    "PRAGMA journal_mode = WAL;"
			    "PRAGMA synchronous = NORMAL;"
			    "PRAGMA foreign_keys = ON;"
			    "PRAGMA temp_store = MEMORY;",
			    err);
	if (rc)
		goto fail;
	*out = db;
	return 0;
fail:
	db_close(db);
	return rc;
}

void db_close(struct db *db)
{
	size_t i;

	if (!db)
		return;
	for (i = 0; i < db->nr_cache; i++) {
		sqlite3_finalize(db->cache[i].stmt);
		free(db->cache[i].sql);
	}
	sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}

int db_exec_script(struct db *db, const char *sql, struct strbuf *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		int code = db_error(db, err, rc, msg ? msg : "script failed");

		sqlite3_free(msg);
		return code;
	}
	return 0;
}

static sqlite3_stmt *db_prepare(struct db *db, const char *sql,
				struct strbuf *err)
{
	sqlite3_stmt *stmt;
	size_t i;
	int rc;

	for (i = 0; i < db->nr_cache; i++) {
		if (!strcmp(db->cache[i].sql, sql)) {
			sqlite3_reset(db->cache[i].stmt);
			sqlite3_clear_bindings(db->cache[i].stmt);
			return db->cache[i].stmt;
		}
	}
	rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
				&stmt, NULL);
	if (rc != SQLITE_OK) {
		db_error(db, err, rc, "cannot prepare statement");
		log_error("bad SQL: %s: %s", sqlite3_errmsg(db->h), sql);
		return NULL;
	}
	if (db->nr_cache == STMT_CACHE) {
		/* Full: drop the oldest; statements are cheap to prepare. */
		sqlite3_finalize(db->cache[0].stmt);
		free(db->cache[0].sql);
		memmove(db->cache, db->cache + 1,
			(STMT_CACHE - 1) * sizeof(db->cache[0]));
		db->nr_cache--;
	}
	db->cache[db->nr_cache].sql = xstrdup(sql);
	db->cache[db->nr_cache].stmt = stmt;
	db->nr_cache++;
	return stmt;
}

static int db_bind(struct db *db, sqlite3_stmt *stmt, const char *types,
		   va_list ap, struct strbuf *err)
{
	int i, rc = SQLITE_OK;

	for (i = 1; types && *types; types++, i++) {
		switch (*types) {
		case 'i':
			rc = sqlite3_bind_int64(stmt, i, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_int(stmt, i, va_arg(ap, int));
			break;
		case 't': {
			const char *s = va_arg(ap, const char *);

			rc = s ? sqlite3_bind_text(stmt, i, s, -1,
						   SQLITE_TRANSIENT) :
				 sqlite3_bind_null(stmt, i);
			break;
		}
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);

			rc = p ? sqlite3_bind_blob64(stmt, i, p, n,
						     SQLITE_TRANSIENT) :
				 sqlite3_bind_null(stmt, i);
			break;
		}
		case 'n':
			rc = sqlite3_bind_null(stmt, i);
			break;
		default:
			return error_set(err, -EINVAL,
					 "db: unknown parameter type '%c'",
					 *types);
		}
		if (rc != SQLITE_OK)
			return db_error(db, err, rc, "cannot bind parameter");
	}
	return 0;
}

static int db_vexec(struct db *db, struct strbuf *err, const char *sql,
		    const char *types, va_list ap)
{
	sqlite3_stmt *stmt = db_prepare(db, sql, err);
	int rc;

	if (!stmt)
		return -EIO;
	rc = db_bind(db, stmt, types, ap, err);
	if (rc)
		return rc;
	do
		rc = sqlite3_step(stmt);
	while (rc == SQLITE_ROW);
	if (rc != SQLITE_DONE) {
		rc = db_error(db, err, rc, "statement failed");
		sqlite3_reset(stmt);
		return rc;
	}
	sqlite3_reset(stmt);
	return 0;
}

int db_exec(struct db *db, struct strbuf *err, const char *sql,
	    const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = db_vexec(db, err, sql, types, ap);
	va_end(ap);
	return rc;
}

static json_t *db_column_json(sqlite3_stmt *stmt, int i)
{
	switch (sqlite3_column_type(stmt, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(stmt, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(stmt, i));
	case SQLITE_TEXT:
	case SQLITE_BLOB: {
		const char *p = (const char *)sqlite3_column_blob(stmt, i);
		int n = sqlite3_column_bytes(stmt, i);
		json_t *s = json_stringn(p ? p : "", n);

		return s ? s : json_null();
	}
	default:
		return json_null();
	}
}

/* Run a query, collecting at most max rows (0: all) into a new array. */
static json_t *db_vquery(struct db *db, struct strbuf *err, size_t max,
			 const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt *stmt = db_prepare(db, sql, err);
	json_t *rows;
	int rc, i, n;

	if (!stmt)
		return NULL;
	if (db_bind(db, stmt, types, ap, err))
		return NULL;
	rows = json_array();
	n = sqlite3_column_count(stmt);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_t *row = json_object();

		for (i = 0; i < n; i++)
			json_object_set_new(row, sqlite3_column_name(stmt, i),
					    db_column_json(stmt, i));
		json_array_append_new(rows, row);
		if (max && json_array_size(rows) >= max) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		db_error(db, err, rc, "query failed");
		json_decref(rows);
		rows = NULL;
	}
	sqlite3_reset(stmt);
	return rows;
}

json_t *db_query(struct db *db, struct strbuf *err, const char *sql,
		 const char *types, ...)
{
	va_list ap;
	json_t *rows;

	va_start(ap, types);
	rows = db_vquery(db, err, 0, sql, types, ap);
	va_end(ap);
	return rows;
}

int db_query_each(struct db *db, struct strbuf *err, db_row_fn fn, void *data,
		  const char *sql, const char *types, ...)
{
	sqlite3_stmt *stmt = db_prepare(db, sql, err);
	va_list ap;
	int rc, ret = 0;

	if (!stmt)
		return -EIO;
	va_start(ap, types);
	rc = db_bind(db, stmt, types, ap, err);
	va_end(ap);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		ret = fn((struct db_row *)stmt, data);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = db_error(db, err, rc, "query failed");
	sqlite3_reset(stmt);
	return ret;
}

bool db_col_null(struct db_row *row, int col)
{
	return sqlite3_column_type((sqlite3_stmt *)row, col) == SQLITE_NULL;
}

int64_t db_col_int(struct db_row *row, int col)
{
	return sqlite3_column_int64((sqlite3_stmt *)row, col);
}

char *db_col_strdup(struct db_row *row, int col)
{
	sqlite3_stmt *stmt = (sqlite3_stmt *)row;
	const char *p;

	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return NULL;
	p = (const char *)sqlite3_column_text(stmt, col);
	return xstrndup(p ? p : "", sqlite3_column_bytes(stmt, col));
}

int db_query_row(struct db *db, json_t **row, struct strbuf *err,
		 const char *sql, const char *types, ...)
{
	va_list ap;
	json_t *rows;

	*row = NULL;
	va_start(ap, types);
	rows = db_vquery(db, err, 1, sql, types, ap);
	va_end(ap);
	if (!rows)
		return -EIO;
	if (json_array_size(rows))
		*row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return 0;
}

/*
 * Prepare, bind and step once: 0 with *stmt on the first row (the caller
 * reads it, then resets), -ENOENT for no row, another code on error.
 */
static int db_vfirst_row(struct db *db, sqlite3_stmt **stmt, struct strbuf *err,
			 const char *sql, const char *types, va_list ap)
{
	int rc;

	*stmt = db_prepare(db, sql, err);
	if (!*stmt)
		return -EIO;
	rc = db_bind(db, *stmt, types, ap, err);
	if (rc)
		return rc;
	rc = sqlite3_step(*stmt);
	if (rc == SQLITE_ROW)
		return 0;
	rc = rc == SQLITE_DONE ? -ENOENT :
				 db_error(db, err, rc, "query failed");
	sqlite3_reset(*stmt);
	return rc;
}

int db_query_int(struct db *db, int64_t *out, struct strbuf *err,
		 const char *sql, const char *types, ...)
{
	sqlite3_stmt *stmt;
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = db_vfirst_row(db, &stmt, err, sql, types, ap);
	va_end(ap);
	if (rc)
		return rc;
	*out = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return 0;
}

int db_query_blob(struct db *db, struct strbuf *out, struct strbuf *err,
		  const char *sql, const char *types, ...)
{
	const void *p;
	sqlite3_stmt *stmt;
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = db_vfirst_row(db, &stmt, err, sql, types, ap);
	va_end(ap);
	if (rc)
		return rc;
	p = sqlite3_column_blob(stmt, 0);
	if (p)
		strbuf_add(out, p, sqlite3_column_bytes(stmt, 0));
	sqlite3_reset(stmt);
	return 0;
}

bool db_query_only(struct db *db, bool on)
{
	bool was;

	if (!db)
		return false;
	was = db->query_only;
	if (was != on && !db_exec_script(db,
					 on ? "PRAGMA query_only = ON" :
					      "PRAGMA query_only = OFF",
					 NULL))
		db->query_only = on;
	return was;
}

int db_data_version(struct db *db, int64_t *version, struct strbuf *err)
{
	return db_query_int(db, version, err, "PRAGMA data_version", NULL);
}

int64_t db_last_insert_id(struct db *db)
{
	return sqlite3_last_insert_rowid(db->h);
}

int db_changes(struct db *db)
{
	return sqlite3_changes(db->h);
}

int db_begin(struct db *db, struct strbuf *err)
{
	return db_exec(db, err, "BEGIN IMMEDIATE", NULL);
}

int db_commit(struct db *db, struct strbuf *err)
{
	return db_exec(db, err, "COMMIT", NULL);
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		db_exec_script(db, "ROLLBACK", NULL);
}

/* --- migrations ----------------------------------------------------- */

static bool migration_known(const char *name)
{
	return embed_find(schema_files, name) != NULL;
}

int db_migrate(struct db *db, struct strbuf *err)
{
	const struct embedded_file *f;
	json_t *applied, *row;
	size_t i;
	int rc;

	rc = db_exec_script(db,
			    "CREATE TABLE IF NOT EXISTS schema_migrations ("
			    " name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
			    err);
	if (rc)
		return rc;
	applied = db_query(db, err,
			   "SELECT name FROM schema_migrations "
			   "ORDER BY name",
			   NULL);
	if (!applied)
		return -EIO;
	json_array_foreach(applied, i, row) {
		const char *name =
			json_string_value(json_object_get(row, "name"));

		if (name && !migration_known(name)) {
			rc = error_set(
				err, ERR_INVALID,
				"database '%s' is newer than this cthulhud: it "
				"has migration '%s', which this binary does not "
				"know; run a newer cthulhud",
				db->path, name);
			goto out;
		}
	}
	for (f = schema_files; f->name; f++) {
		int64_t n;

		rc = db_query_int(db, &n, err,
				  "SELECT count(*) FROM "
				  "schema_migrations WHERE name = ?",
				  "t", f->name);
		if (rc)
			goto out;
		if (n)
			continue;
		rc = db_begin(db, err);
		if (rc)
			goto out;
		rc = db_exec_script(db, (const char *)f->data, err);
		if (!rc)
			rc = db_exec(db, err,
				     "INSERT INTO schema_migrations "
				     "(name, applied_at) VALUES (?, ?)",
				     "ti", f->name, (int64_t)time(NULL));
		if (!rc)
			rc = db_commit(db, err);
		if (rc) {
			struct strbuf why = STRBUF_INIT;

			strbuf_addbuf(&why, err);
			db_rollback(db);
			error_set(err, rc, "migration '%s' failed: %s", f->name,
				  why.buf);
			strbuf_release(&why);
			goto out;
		}
		log_info("database: applied migration %s", f->name);
	}
	rc = 0;
out:
	json_decref(applied);
	return rc;
}

/* --- per-thread connections ---------------------------------------- */

static char *shared_path;
static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void thread_db_free(void *p)
{
	db_close(p);
}

static void thread_key_init(void)
{
	pthread_key_create(&thread_key, thread_db_free);
}

void db_set_path(const char *path)
{
	free(shared_path);
	shared_path = xstrdup(path);
}

struct db *db_thread(void)
{
	struct strbuf err = STRBUF_INIT;
	struct db *db;

	pthread_once(&thread_once, thread_key_init);
	db = pthread_getspecific(thread_key);
	if (db)
		return db;
	if (!shared_path || db_open(shared_path, &db, &err)) {
		log_error("%s", err.len ? err.buf : "database path not set");
		strbuf_release(&err);
		return NULL;
	}
	pthread_setspecific(thread_key, db);
	return db;
}

void db_thread_exit(void)
{
	struct db *db;

	pthread_once(&thread_once, thread_key_init);
	db = pthread_getspecific(thread_key);
	if (db) {
		pthread_setspecific(thread_key, NULL);
		db_close(db);
	}
}
