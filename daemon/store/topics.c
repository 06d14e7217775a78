/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of topics and their moves (see topics.h).
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/row.h"
#include "daemon/store/topics.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define TOPIC_COLUMNS "name, branch, ord, into_next, source, tip, moved_at"
#define EVENT_SELECT "SELECT id, topic, old, new, kind, source, at FROM events"

void store_topic_release(struct store_topic *t)
{
	free(t->name);
	free(t->branch);
	free(t->source);
	free(t->tip);
	memset(t, 0, sizeof(*t));
}

void store_topic_list_release(struct store_topic_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_topic_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void topic_from_row(json_t *row, void *elem)
{
	struct store_topic *t = elem;

	t->name = row_strdup(row, "name");
	t->branch = row_strdup(row, "branch");
	t->order = row_int(row, "ord");
	t->into_next = row_int(row, "into_next") != 0;
	t->source = row_strdup(row, "source");
	t->tip = row_strdup(row, "tip");
	t->moved_at = row_int(row, "moved_at");
}

int store_topics_list(struct db *db, bool into_next_only,
		      struct store_topic_list *out, struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err,
			"SELECT " TOPIC_COLUMNS " FROM topics"
			" WHERE ? = 0 OR into_next = 1 ORDER BY ord, name",
			"i", (int64_t)into_next_only);
	out->v = row_list(rows, sizeof(*out->v), topic_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_topic_get(struct db *db, const char *name, struct store_topic *out,
		    struct strbuf *err)
{
	json_t *row;
	int ret;

	ret = db_query_row(db, &row, err,
			   "SELECT " TOPIC_COLUMNS
			   " FROM topics WHERE name = ?",
			   "t", name);
	if (ret < 0)
		return ret;
	if (!row)
		return error_set(err, ERR_NOT_FOUND, "unknown topic '%s'",
				 name);
	topic_from_row(row, out);
	json_decref(row);
	return 0;
}

int store_topic_on_branch(struct db *db, const char *branch, char **name,
			  struct strbuf *err)
{
	json_t *row;
	int ret;

	*name = NULL;
	ret = db_query_row(db, &row, err,
			   "SELECT name FROM topics WHERE branch = ?", "t",
			   branch);
	if (ret < 0)
		return ret;
	*name = row_strdup(row, "name");
	json_decref(row);
	return 0;
}

int store_topics_count(struct db *db, int64_t *count, struct strbuf *err)
{
	return db_query_int(db, count, err, "SELECT count(*) FROM topics", "");
}

int store_topics_max_order(struct db *db, int64_t *order, struct strbuf *err)
{
	return db_query_int(db, order, err,
			    "SELECT coalesce(max(ord), 0) FROM topics", "");
}

int store_topic_add(struct db *db, const struct store_topic *t,
		    int64_t created_at, struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT INTO topics (name, branch, ord,"
		       " into_next, source, tip, created_at)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?)",
		       "ttidtti", t->name, t->branch, t->order,
		       (int)t->into_next, t->source, t->tip, created_at);
}

int store_topic_put_config(struct db *db, const struct store_topic *t,
			   int64_t created_at, struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT INTO topics (name, branch, ord, into_next,"
		       " source, tip, created_at)"
		       " VALUES (?, ?, ?, ?, 'config', ?, ?)"
		       " ON CONFLICT (name) DO UPDATE SET"
		       " branch = excluded.branch, ord = excluded.ord,"
		       " into_next = excluded.into_next,"
		       " source = 'config'",
		       "ttidti", t->name, t->branch, t->order,
		       (int)t->into_next, t->tip, created_at);
}

int store_topic_remove(struct db *db, const char *name, struct strbuf *err)
{
	return db_exec(db, err, "DELETE FROM topics WHERE name = ?", "t", name);
}

void store_event_release(struct store_event *ev)
{
	free(ev->topic);
	free(ev->old);
	free(ev->new);
	free(ev->kind);
	free(ev->source);
	memset(ev, 0, sizeof(*ev));
}

void store_event_list_release(struct store_event_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_event_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

int store_event_record(struct db *db, struct store_event *ev,
		       struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO events (topic, old, new,"
		      " kind, source, at) VALUES (?, ?, ?, ?, ?, ?)",
		      "ttttti", ev->topic, ev->old, ev->new, ev->kind,
		      ev->source, ev->at);
	if (ret < 0)
		return ret;
	ev->id = db_last_insert_id(db);
	return db_exec(db, err,
		       "UPDATE topics SET tip = ?, moved_at = ? WHERE name = ?",
		       "tit", ev->new, ev->at, ev->topic);
}

int store_events_list(struct db *db, const char *topic, int64_t since,
		      int64_t limit, bool newest, struct store_event_list *out,
		      struct strbuf *err)
{
	json_t *rows, *row;
	size_t i;

	/* Four statements, so that each can use the index on topic. */
	if (newest && topic)
		rows = db_query(db, err,
				EVENT_SELECT " WHERE topic = ?"
					     " ORDER BY id DESC LIMIT ?",
				"ti", topic, limit);
	else if (newest)
		rows = db_query(db, err,
				EVENT_SELECT " ORDER BY id DESC LIMIT ?", "i",
				limit);
	else if (topic)
		rows = db_query(db, err,
				EVENT_SELECT " WHERE topic = ? AND id > ?"
					     " ORDER BY id LIMIT ?",
				"tii", topic, since, limit);
	else
		rows = db_query(db, err,
				EVENT_SELECT
				" WHERE id > ? ORDER BY id LIMIT ?",
				"ii", since, limit);
	if (!rows)
		return -EIO;
	out->nr = json_array_size(rows);
	out->v = xcalloc(out->nr ? out->nr : 1, sizeof(*out->v));
	json_array_foreach(rows, i, row) {
		struct store_event *ev = &out->v[i];

		ev->id = row_int(row, "id");
		ev->topic = row_strdup(row, "topic");
		ev->old = row_strdup(row, "old");
		ev->new = row_strdup(row, "new");
		ev->kind = row_strdup(row, "kind");
		ev->source = row_strdup(row, "source");
		ev->at = row_int(row, "at");
	}
	json_decref(rows);
	return 0;
}

int store_events_last_id(struct db *db, int64_t *id, struct strbuf *err)
{
	return db_query_int(db, id, err,
			    "SELECT coalesce(max(id), 0) FROM events", NULL);
}
