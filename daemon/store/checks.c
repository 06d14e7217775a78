/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of the checks of queued series (see checks.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/checks.h"
#include "daemon/store/row.h"
#include "lib/strbuf.h"

#define CHECK_SELECT                                                      \
	"SELECT id, series_id, context, state, description, target_url, " \
	"origin, inputs, log, created_at, updated_at FROM checks"
#define CHECK_ORDER " ORDER BY origin <> 'cthulhu', context"

void store_check_release(struct store_check *c)
{
	free(c->context);
	free(c->state);
	free(c->description);
	free(c->target_url);
	free(c->origin);
	free(c->inputs);
	free(c->log);
	memset(c, 0, sizeof(*c));
}

void store_check_list_release(struct store_check_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_check_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

bool store_check_state_valid(const char *state)
{
	static const char *const states[] = { "pending", "success", "warning",
					      "fail" };
	size_t i;

	for (i = 0; state && i < sizeof(states) / sizeof(*states); i++)
		if (!strcmp(state, states[i]))
			return true;
	return false;
}

static void check_from_row(json_t *row, void *elem)
{
	struct store_check *c = elem;

	c->id = row_int(row, "id");
	c->series_id = row_int(row, "series_id");
	c->context = row_strdup(row, "context");
	c->state = row_strdup(row, "state");
	c->description = row_strdup(row, "description");
	c->target_url = row_strdup(row, "target_url");
	c->origin = row_strdup(row, "origin");
	c->inputs = row_strdup(row, "inputs");
	c->log = row_strdup(row, "log");
	c->created_at = row_int(row, "created_at");
	c->updated_at = row_int(row, "updated_at");
}

int store_check_put(struct db *db, const struct store_check *c,
		    struct strbuf *err)
{
	return db_exec(
		db, err,
		"INSERT INTO checks (series_id, context, state, description, "
		"target_url, origin, inputs, log, created_at, updated_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT (series_id, context) DO UPDATE SET "
		"created_at = CASE WHEN state = excluded.state "
		"THEN created_at ELSE excluded.created_at END, "
		"state = excluded.state, description = excluded.description, "
		"target_url = excluded.target_url, origin = excluded.origin, "
		"inputs = excluded.inputs, log = excluded.log, "
		"updated_at = excluded.updated_at",
		"itttttttii", c->series_id, c->context, c->state,
		c->description ? c->description : "", c->target_url,
		c->origin ? c->origin : "cthulhu", c->inputs, c->log,
		c->updated_at, c->updated_at);
}

int store_check_get(struct db *db, int64_t series_id, const char *context,
		    struct store_check *out, bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*found = false;
	ret = db_query_row(db, &row, err,
			   CHECK_SELECT " WHERE series_id = ? AND context = ?",
			   "it", series_id, context);
	if (ret < 0 || !row)
		return ret;
	check_from_row(row, out);
	*found = true;
	json_decref(row);
	return 0;
}

int store_checks_of(struct db *db, int64_t series_id,
		    struct store_check_list *out, struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err,
			CHECK_SELECT " WHERE series_id = ?" CHECK_ORDER, "i",
			series_id);
	out->v = row_list(rows, sizeof(*out->v), check_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_check_forget(struct db *db, int64_t series_id, const char *context,
		       struct strbuf *err)
{
	return db_exec(db, err,
		       "DELETE FROM checks WHERE series_id = ? AND context = ?",
		       "it", series_id, context);
}

struct states_read {
	int (*fn)(const struct store_check *c, void *data);
	void *data;
};

static int state_row(struct db_row *row, void *data)
{
	struct states_read *sr = data;
	struct store_check c = { 0 };
	int ret;

	c.series_id = db_col_int(row, 0);
	c.context = db_col_strdup(row, 1);
	c.state = db_col_strdup(row, 2);
	ret = sr->fn(&c, sr->data);
	store_check_release(&c);
	return ret;
}

int store_check_states_each(struct db *db, const char *ids,
			    int (*fn)(const struct store_check *c, void *data),
			    void *data, struct strbuf *err)
{
	struct states_read sr = { fn, data };

	return db_query_each(db, err, state_row, &sr,
			     "SELECT series_id, context, state FROM checks "
			     "WHERE series_id IN "
			     "(SELECT value FROM json_each(?)) "
			     "ORDER BY series_id, context",
			     "t", ids);
}
