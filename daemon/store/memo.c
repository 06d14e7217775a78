/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of memoised merges (see memo.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "daemon/db.h"
#include "daemon/store/memo.h"
#include "daemon/store/row.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

void store_memo_list_release(struct store_memo_list *list)
{
	size_t i, j;

	for (i = 0; i < list->nr; i++) {
		struct store_memo *m = &list->v[i];

		free(m->key);
		free(m->tree);
		free(m->base);
		free(m->fallback_reason);
		for (j = 0; j < m->nr_conflicts; j++)
			free(m->conflicts[j]);
		free(m->conflicts);
	}
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void memo_from_row(json_t *row, void *elem)
{
	struct store_memo *m = elem;

	m->key = row_strdup(row, "key");
	m->clean = row_int(row, "clean") != 0;
	m->tree = row_strdup(row, "tree");
	m->base = row_strdup(row, "base");
	m->nr_bases = row_int(row, "nr_bases");
	m->fallback_reason = row_strdup(row, "fallback_reason");
	row_strv(json_string_value(json_object_get(row, "conflicts")),
		 &m->conflicts, &m->nr_conflicts);
}

int store_memos_newest(struct db *db, int64_t limit,
		       struct store_memo_list *out, struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err,
			"SELECT key, clean, tree, base, nr_bases,"
			" fallback_reason, conflicts FROM merge_memo"
			" ORDER BY made_at DESC LIMIT ?",
			"i", limit);
	out->v = row_list(rows, sizeof(*out->v), memo_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_memo_put(struct db *db, const struct store_memo *m, int64_t made_at,
		   struct strbuf *err)
{
	json_t *paths = json_array();
	char *conflicts;
	size_t i;
	int ret;

	for (i = 0; i < m->nr_conflicts; i++)
		json_array_append_new(paths, json_string(m->conflicts[i]));
	conflicts = json_dumps(paths, JSON_COMPACT);
	json_decref(paths);
	ret = db_exec(db, err,
		      "INSERT OR REPLACE INTO merge_memo (key, clean, tree,"
		      " base, nr_bases, fallback_reason, conflicts, made_at)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		      "tittitti", m->key, (int64_t)m->clean, m->tree, m->base,
		      m->nr_bases, m->fallback_reason, conflicts, made_at);
	free(conflicts);
	return ret;
}

int store_memos_trim(struct db *db, int64_t keep, struct strbuf *err)
{
	/* by the index on made_at: no pass over the whole table */
	return db_exec(db, err,
		       "DELETE FROM merge_memo WHERE made_at < "
		       "(SELECT made_at FROM merge_memo ORDER BY made_at DESC "
		       "LIMIT 1 OFFSET ?)",
		       "i", keep);
}
