/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of the merge-fixes of pairs of topics (see merge-fixes.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/merge-fixes.h"
#include "daemon/store/row.h"
#include "lib/error.h"
#include "lib/strbuf.h"

#define MERGE_FIX_SELECT \
	"SELECT id, topic, other, commit_id, recorded_at FROM merge_fixes"

void store_merge_fix_release(struct store_merge_fix *f)
{
	free(f->topic);
	free(f->other);
	free(f->commit);
	memset(f, 0, sizeof(*f));
}

void store_merge_fix_list_release(struct store_merge_fix_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_merge_fix_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void merge_fix_from_row(json_t *row, void *elem)
{
	struct store_merge_fix *f = elem;

	f->id = row_int(row, "id");
	f->topic = row_strdup(row, "topic");
	f->other = row_strdup(row, "other");
	f->commit = row_strdup(row, "commit_id");
	f->recorded_at = row_int(row, "recorded_at");
}

int store_merge_fixes_list(struct db *db, struct store_merge_fix_list *out,
			   struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err, MERGE_FIX_SELECT " ORDER BY topic, other",
			NULL);
	out->v = row_list(rows, sizeof(*out->v), merge_fix_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_merge_fix_get(struct db *db, const char *topic, const char *other,
			struct store_merge_fix *out, bool *found,
			struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*found = false;
	ret = db_query_row(db, &row, err,
			   MERGE_FIX_SELECT " WHERE topic = ? AND other = ?",
			   "tt", topic, other);
	if (ret < 0 || !row)
		return ret;
	merge_fix_from_row(row, out);
	*found = true;
	json_decref(row);
	return 0;
}

int store_merge_fixes_using(struct db *db, const char *commit, int64_t *n,
			    struct strbuf *err)
{
	return db_query_int(db, n, err,
			    "SELECT count(*) FROM merge_fixes WHERE commit_id = ?",
			    "t", commit);
}

int store_merge_fix_put(struct db *db, const char *topic, const char *other,
			const char *commit, int64_t recorded_at,
			struct strbuf *err)
{
	return db_exec(
		db, err,
		"INSERT INTO merge_fixes (topic, other, commit_id, recorded_at) "
		"VALUES (?, ?, ?, ?) ON CONFLICT (topic, other) DO UPDATE SET "
		"commit_id = excluded.commit_id, "
		"recorded_at = excluded.recorded_at",
		"ttti", topic, other, commit, recorded_at);
}

int store_merge_fix_forget(struct db *db, const char *topic, const char *other,
			   struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "DELETE FROM merge_fixes WHERE topic = ? AND other = ?",
		      "tt", topic, other);
	if (ret < 0)
		return ret;
	if (!db_changes(db))
		return error_set(err, ERR_NOT_FOUND,
				 "no merge-fix of '%s' with '%s'", topic,
				 other);
	return 0;
}
