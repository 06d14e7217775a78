// SPDX-License-Identifier: GPL-2.0
/*
 * The store of the conflicts between queued series (see
 * series-conflicts.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/row.h"
#include "daemon/store/series-conflicts.h"
#include "lib/strbuf.h"

void store_series_conflict_list_release(struct store_series_conflict_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++) {
		struct store_series_conflict *c = &l->v[i];

		free(c->how);
		free(c->path);
		free(c->detail);
		free(c->other_author);
		free(c->other_subject);
	}
	free(l->v);
	l->v = NULL;
	l->nr = 0;
}

static int put_one(struct db *db, int64_t a, int64_t b,
		   const struct store_series_conflict *c, struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT OR REPLACE INTO series_conflicts (series_id, "
		       "other_id, how, path, detail, created_at) "
		       "VALUES (?, ?, ?, ?, ?, ?)",
		       "iittti", a, b, c->how, c->path,
		       c->detail ? c->detail : "", c->created_at);
}

int store_series_conflict_put(struct db *db,
			      const struct store_series_conflict *c,
			      struct strbuf *err)
{
	int ret;

	ret = put_one(db, c->series_id, c->other_id, c, err);
	if (!ret)
		ret = put_one(db, c->other_id, c->series_id, c, err);
	return ret;
}

int store_series_conflicts_forget(struct db *db, int64_t series_id,
				  struct strbuf *err)
{
	return db_exec(db, err,
		       "DELETE FROM series_conflicts WHERE series_id = ? "
		       "OR other_id = ?",
		       "ii", series_id, series_id);
}

int store_series_conflicts_keep(struct db *db, const char *ids,
				struct strbuf *err)
{
	return db_exec(db, err,
		       "DELETE FROM series_conflicts WHERE series_id NOT IN "
		       "(SELECT value FROM json_each(?1)) OR other_id NOT IN "
		       "(SELECT value FROM json_each(?1))",
		       "t", ids);
}

static void conflict_from_row(json_t *row, void *elem)
{
	struct store_series_conflict *c = elem;

	c->series_id = row_int(row, "series_id");
	c->other_id = row_int(row, "other_id");
	c->how = row_strdup(row, "how");
	c->path = row_strdup(row, "path");
	c->detail = row_strdup(row, "detail");
	c->created_at = row_int(row, "created_at");
	c->other_author = row_strdup(row, "author_name");
	c->other_subject = row_strdup(row, "subject");
	c->other_version = row_int(row, "version");
}

int store_series_conflicts_of(struct db *db, int64_t series_id,
			      struct store_series_conflict_list *out,
			      struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err,
			"SELECT c.series_id, c.other_id, c.how, c.path, "
			"c.detail, c.created_at, s.author_name, s.subject, "
			"s.version FROM series_conflicts c "
			"JOIN series s ON s.id = c.other_id "
			"WHERE c.series_id = ? ORDER BY c.other_id",
			"i", series_id);
	out->v = row_list(rows, sizeof(*out->v), conflict_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}
