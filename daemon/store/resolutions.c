/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of recorded conflict resolutions (see resolutions.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/resolutions.h"
#include "daemon/store/row.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define RESOLUTION_SELECT                                              \
	"SELECT id, topic, path, key, created_at, used_at, uses FROM " \
	"resolutions"

void store_resolution_release(struct store_resolution *r)
{
	free(r->topic);
	free(r->path);
	free(r->key);
	memset(r, 0, sizeof(*r));
}

void store_resolution_list_release(struct store_resolution_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_resolution_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void resolution_from_row(json_t *row, void *elem)
{
	struct store_resolution *r = elem;

	r->id = row_int(row, "id");
	r->topic = row_strdup(row, "topic");
	r->path = row_strdup(row, "path");
	r->key = row_strdup(row, "key");
	r->created_at = row_int(row, "created_at");
	r->used_at = row_int_or_none(row, "used_at");
	r->uses = row_int(row, "uses");
}

int store_resolution_by_key(struct db *db, const char *key,
			    struct store_resolution *out, bool *found,
			    struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*found = false;
	ret = db_query_row(db, &row, err, RESOLUTION_SELECT " WHERE key = ?",
			   "t", key);
	if (ret < 0 || !row)
		return ret;
	resolution_from_row(row, out);
	*found = true;
	json_decref(row);
	return 0;
}

int store_resolution_hunks(struct db *db, int64_t id, struct strbuf *conflict,
			   struct strbuf *resolution, struct strbuf *err)
{
	int ret;

	ret = db_query_blob(db, conflict, err,
			    "SELECT conflict FROM resolutions WHERE id = ?",
			    "i", id);
	if (!ret)
		ret = db_query_blob(
			db, resolution, err,
			"SELECT resolution FROM resolutions WHERE id = ?", "i",
			id);
	return ret;
}

int store_resolutions_list(struct db *db, struct store_resolution_list *out,
			   struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err, RESOLUTION_SELECT " ORDER BY id DESC", NULL);
	out->v = row_list(rows, sizeof(*out->v), resolution_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_resolutions_count(struct db *db, const char *topic, int64_t *n,
			    struct strbuf *err)
{
	return db_query_int(db, n, err,
			    "SELECT count(*) FROM resolutions WHERE topic = ?",
			    "t", topic);
}

int store_resolution_put(struct db *db, const char *topic, const char *path,
			 const char *key, const struct strbuf *conflict,
			 const char *resolution, size_t resolution_len,
			 int64_t created_at, struct strbuf *err)
{
	return db_exec(
		db, err,
		"INSERT INTO resolutions (topic, path, key, conflict, resolution, created_at) "
		"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
		"topic = excluded.topic, path = excluded.path, "
		"resolution = excluded.resolution, created_at = excluded.created_at",
		"tttbbi", topic, path, key, conflict->buf, conflict->len,
		resolution, resolution_len, created_at);
}

int store_resolution_used(struct db *db, int64_t id, int64_t at,
			  struct strbuf *err)
{
	return db_exec(
		db, err,
		"UPDATE resolutions SET uses = uses + 1, used_at = ? WHERE id = ?",
		"ii", at, id);
}

int store_resolution_forget(struct db *db, int64_t id, struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err, "DELETE FROM resolutions WHERE id = ?", "i", id);
	if (ret < 0)
		return ret;
	if (!db_changes(db))
		return error_set(err, ERR_NOT_FOUND,
				 "unknown resolution '%" PRId64 "'", id);
	return 0;
}
