// SPDX-License-Identifier: GPL-2.0
/*
 * The store of the gate runs of speculative checks (see check-runs.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/check-runs.h"
#include "daemon/store/row.h"
#include "lib/strbuf.h"

#define RUN_SELECT                                                     \
	"SELECT id, tree, commit_id, command, state, exit_code, log, " \
	"duration_ms, created_at, finished_at FROM check_runs"

void store_check_run_release(struct store_check_run *r)
{
	free(r->tree);
	free(r->commit);
	free(r->command);
	free(r->state);
	free(r->log);
	memset(r, 0, sizeof(*r));
}

void store_check_run_list_release(struct store_check_run_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_check_run_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void run_from_row(json_t *row, void *elem)
{
	struct store_check_run *r = elem;

	r->id = row_int(row, "id");
	r->tree = row_strdup(row, "tree");
	r->commit = row_strdup(row, "commit_id");
	r->command = row_strdup(row, "command");
	r->state = row_strdup(row, "state");
	r->exit_code = row_int_or_none(row, "exit_code");
	r->log = row_strdup(row, "log");
	r->duration_ms = row_int_or_none(row, "duration_ms");
	r->created_at = row_int(row, "created_at");
	r->finished_at = row_int_or_none(row, "finished_at");
}

int store_check_run_add(struct db *db, struct store_check_run *r,
			struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO check_runs (tree, commit_id, command, "
		      "state, created_at) VALUES (?, ?, ?, 'running', ?)",
		      "ttti", r->tree, r->commit, r->command, r->created_at);
	if (!ret)
		r->id = db_last_insert_id(db);
	return ret;
}

int store_check_run_set_log(struct db *db, int64_t id, const char *log,
			    struct strbuf *err)
{
	return db_exec(db, err, "UPDATE check_runs SET log = ? WHERE id = ?",
		       "ti", log, id);
}

int store_check_run_end(struct db *db, int64_t id, const char *state,
			int64_t exit_code, int64_t duration_ms,
			int64_t finished_at, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE check_runs SET state = ?, exit_code = ?, "
		       "duration_ms = ?, finished_at = ? WHERE id = ? "
		       "AND state = 'running'",
		       "tiiii", state, exit_code, duration_ms, finished_at, id);
}

int store_check_run_forget(struct db *db, int64_t id, struct strbuf *err)
{
	return db_exec(db, err, "DELETE FROM check_runs WHERE id = ?", "i", id);
}

static int run_one(struct db *db, json_t *row, int ret,
		   struct store_check_run *out, bool *found)
{
	*found = false;
	if (ret < 0 || !row)
		return ret;
	run_from_row(row, out);
	*found = true;
	json_decref(row);
	return 0;
}

int store_check_run_of_tree(struct db *db, const char *tree,
			    const char *command, struct store_check_run *out,
			    bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   RUN_SELECT " WHERE tree = ? AND command = ? "
				      "ORDER BY id DESC LIMIT 1",
			   "tt", tree, command);
	return run_one(db, row, ret, out, found);
}

int store_check_run_get(struct db *db, int64_t id, struct store_check_run *out,
			bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err, RUN_SELECT " WHERE id = ?", "i", id);
	return run_one(db, row, ret, out, found);
}

int store_check_runs_running(struct db *db, struct store_check_run_list *out,
			     struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err,
			RUN_SELECT " WHERE state = 'running' ORDER BY id",
			NULL);
	out->v = row_list(rows, sizeof(*out->v), run_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}
