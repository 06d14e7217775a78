/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_DB_H
#define CTHULHU_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct strbuf;

/*
 * The state database: SQLite in WAL mode with foreign keys on.  Only db.c
 * includes <sqlite3.h>; the rest of the daemon uses these calls.
 *
 * Statements take their parameters as a type string and varargs:
 *   'i' int64_t    'd' int    't' const char * (NULL binds NULL)
 *   'b' const void *, size_t (blob)    'n' NULL
 * Prepared statements are cached per connection by SQL text.
 */
struct db;

/* Open (creating) the database at path, set the pragmas.  Caller closes. */
int db_open(const char *path, struct db **out, struct strbuf *err);
void db_close(struct db *db);

/*
 * Apply the embedded migrations (schema/NNNN-*.sql) that are not yet
 * recorded, each in one transaction.  A database that records a migration
 * this binary does not have is refused.
 */
int db_migrate(struct db *db, struct strbuf *err);

/*
 * The calling thread's connection to the daemon's database (the path set
 * with db_set_path()), opened on first use and closed by db_thread_exit()
 * or at thread exit.  Borrowed.
 */
void db_set_path(const char *path);
struct db *db_thread(void);
void db_thread_exit(void);

/* Run one statement; 0 or a negative code with err set. */
int db_exec(struct db *db, struct strbuf *err, const char *sql,
	    const char *types, ...);
/* Run several statements without parameters. */
int db_exec_script(struct db *db, const char *sql, struct strbuf *err);

/*
 * Run a query; return a new JSON array of objects, one per row, keyed by
 * column name (integers, reals, text as strings, NULL as null; blobs that
 * are valid UTF-8 as strings, others as null).  NULL on error, err set.
 */
json_t *db_query(struct db *db, struct strbuf *err, const char *sql,
		 const char *types, ...);
/*
 * Run a query and call fn with each row, in order, for the store's typed
 * reads without JSON in between: read the row's columns (numbered from 0
 * as in the SELECT) with the db_col_*() functions, valid until fn
 * returns.  A non-zero return of fn stops the query and is returned.
 */
struct db_row;
typedef int (*db_row_fn)(struct db_row *row, void *data);
int db_query_each(struct db *db, struct strbuf *err, db_row_fn fn, void *data,
		  const char *sql, const char *types, ...);
bool db_col_null(struct db_row *row, int col);
int64_t db_col_int(struct db_row *row, int col);
/* The column as a new string (NULL for NULL). */
char *db_col_strdup(struct db_row *row, int col);

/*
 * As db_query() for at most one row: *row is a new object, or NULL when
 * the query gave no row (return 0 either way).
 */
int db_query_row(struct db *db, json_t **row, struct strbuf *err,
		 const char *sql, const char *types, ...);
/* First column of the first row as an integer; -ENOENT for no row. */
int db_query_int(struct db *db, int64_t *out, struct strbuf *err,
		 const char *sql, const char *types, ...);
/* First column of the first row appended to out as bytes; -ENOENT for no row. */
int db_query_blob(struct db *db, struct strbuf *out, struct strbuf *err,
		  const char *sql, const char *types, ...);

/*
 * SQLite's PRAGMA data_version: a number that changes when another
 * connection commits.
 */
int db_data_version(struct db *db, int64_t *version, struct strbuf *err);

/*
 * Whether db may only read (SQLite's PRAGMA query_only: a write fails
 * with "attempt to write a readonly database"); the HTTP routes run so,
 * and only handing the engine a job writes.  The old setting returned.
 */
bool db_query_only(struct db *db, bool on);

int64_t db_last_insert_id(struct db *db);
int db_changes(struct db *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  Transactions do not nest. */
int db_begin(struct db *db, struct strbuf *err);
int db_commit(struct db *db, struct strbuf *err);
void db_rollback(struct db *db);

#endif
