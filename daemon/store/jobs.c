/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of the engine's jobs (see jobs.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "daemon/db.h"
#include "daemon/store/jobs.h"
#include "daemon/store/row.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

void store_job_list_release(struct store_job_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		free(list->v[i].type);
		free(list->v[i].args);
		free(list->v[i].state);
		free(list->v[i].error);
	}
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

int store_job_add(struct db *db, const char *type, const char *args,
		  int64_t created_at, int64_t *id, struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO jobs (type, args, state, created_at) "
		      "VALUES (?, ?, 'queued', ?)",
		      "tti", type, args, created_at);
	if (!ret)
		*id = db_last_insert_id(db);
	return ret;
}

int store_job_set_args(struct db *db, int64_t id, const char *args,
		       struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE jobs SET args = ? WHERE id = ? AND state = 'queued'",
		       "ti", args, id);
}

int store_job_started(struct db *db, int64_t id, int64_t at, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE jobs SET state = 'running', "
		       "started_at = ?, attempts = attempts + 1 WHERE id = ?",
		       "ii", at, id);
}

int store_job_requeue(struct db *db, int64_t id, struct strbuf *err)
{
	return db_exec(db, err, "UPDATE jobs SET state = 'queued' WHERE id = ?",
		       "i", id);
}

int store_job_done(struct db *db, int64_t id, const char *result, int64_t at,
		   struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE jobs SET state = 'done', "
		       "result = ?, finished_at = ? WHERE id = ?",
		       "tii", result, at, id);
}

int store_job_failed(struct db *db, int64_t id, const char *error, int code,
		     int64_t at, struct strbuf *err)
{
	if (!code)
		return db_exec(db, err,
			       "UPDATE jobs SET state = 'failed', "
			       "error = ?, finished_at = ? WHERE id = ?",
			       "tii", error, at, id);
	return db_exec(db, err,
		       "UPDATE jobs SET state = 'failed', "
		       "error = ?, code = ?, finished_at = ? WHERE id = ?",
		       "tdii", error, code, at, id);
}

int store_jobs_forget_before(struct db *db, int64_t id, struct strbuf *err)
{
	return db_exec(db, err,
		       "DELETE FROM jobs WHERE state IN "
		       "('done', 'failed') AND id < ?",
		       "i", id);
}

static int job_list(json_t *rows, struct store_job_list *out)
{
	json_t *row;
	size_t i;

	if (!rows)
		return -EIO;
	out->nr = json_array_size(rows);
	out->v = xcalloc(out->nr ? out->nr : 1, sizeof(*out->v));
	json_array_foreach(rows, i, row) {
		struct store_job *j = &out->v[i];

		j->id = row_int(row, "id");
		j->type = row_strdup(row, "type");
		j->args = row_strdup(row, "args");
		j->state = row_strdup(row, "state");
		j->error = row_strdup(row, "error");
		j->finished_at = row_int_or_none(row, "finished_at");
	}
	json_decref(rows);
	return 0;
}

int store_jobs_unfinished(struct db *db, struct store_job_list *out,
			  struct strbuf *err)
{
	return job_list(db_query(db, err,
				 "SELECT id, type, args, state FROM jobs "
				 "WHERE state IN ('queued', 'running') ORDER BY id",
				 NULL),
			out);
}

int store_jobs_ended_since(struct db *db, int64_t since, int64_t limit,
			   struct store_job_list *out, struct strbuf *err)
{
	return job_list(db_query(db, err,
				 "SELECT id, type, state, error, finished_at FROM jobs "
				 "WHERE id > ? AND state IN ('done', 'failed') "
				 "ORDER BY id LIMIT ?",
				 "ii", since, limit),
			out);
}

int store_jobs_last_ended(struct db *db, int64_t *id, struct strbuf *err)
{
	return db_query_int(db, id, err,
			    "SELECT coalesce(max(id), 0) FROM jobs "
			    "WHERE state IN ('done', 'failed')",
			    NULL);
}
