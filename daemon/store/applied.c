/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of applied patches (see applied.h).
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/applied.h"
#include "daemon/store/row.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define APPLIED_SELECT                                                      \
	"SELECT id, patch_id, series_id, number, total, topic, commit_sha," \
	" patchid, subject, author_name, author_email, method, state,"      \
	" reason, notification_id, applied_at, changed_at FROM applied"

void store_applied_release(struct store_applied *a)
{
	free(a->topic);
	free(a->commit);
	free(a->patch_id);
	free(a->subject);
	free(a->author_name);
	free(a->author_email);
	free(a->method);
	free(a->state);
	free(a->reason);
	memset(a, 0, sizeof(*a));
}

void store_applied_list_release(struct store_applied_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_applied_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void applied_from_row(json_t *row, void *elem)
{
	struct store_applied *a = elem;

	a->id = row_int(row, "id");
	a->patch = row_int(row, "patch_id");
	a->series_id = row_int(row, "series_id");
	a->number = row_int(row, "number");
	a->total = row_int(row, "total");
	a->topic = row_strdup(row, "topic");
	a->commit = row_strdup(row, "commit_sha");
	a->patch_id = row_strdup(row, "patchid");
	a->subject = row_strdup(row, "subject");
	a->author_name = row_strdup(row, "author_name");
	a->author_email = row_strdup(row, "author_email");
	a->method = row_strdup(row, "method");
	a->state = row_strdup(row, "state");
	a->reason = row_strdup(row, "reason");
	a->notification_id = row_int(row, "notification_id");
	a->applied_at = row_int(row, "applied_at");
	a->changed_at = row_int(row, "changed_at");
}

/* The rows of a query of APPLIED_SELECT into out; rows is taken. */
static int applied_from_rows(json_t *rows, struct store_applied_list *out)
{
	out->v = row_list(rows, sizeof(*out->v), applied_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

/* The first row of a query of APPLIED_SELECT into out (id 0 for none). */
static int applied_first(int ret, json_t *row, struct store_applied *out)
{
	memset(out, 0, sizeof(*out));
	if (ret < 0)
		return ret;
	if (row)
		applied_from_row(row, out);
	json_decref(row);
	return 0;
}

int store_applied_add(struct db *db, struct store_applied *a,
		      struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO applied (patch_id, series_id, number, total,"
		      " topic, commit_sha, patchid, subject, author_name,"
		      " author_email, method, applied_at)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		      "iiiittttttti", a->patch, a->series_id, a->number,
		      a->total, a->topic, a->commit, a->patch_id, a->subject,
		      a->author_name, a->author_email, a->method,
		      a->applied_at);
	if (ret == 0)
		a->id = db_last_insert_id(db);
	return ret;
}

int store_applied_of_patch(struct db *db, int64_t patch,
			   struct store_applied *out, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   APPLIED_SELECT
			   " WHERE patch_id = ? AND state = 'applied'",
			   "i", patch);
	return applied_first(ret, row, out);
}

int store_applied_on_commit(struct db *db, const char *commit,
			    struct store_applied *out, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   APPLIED_SELECT
			   " WHERE state = 'applied' AND commit_sha = ?",
			   "t", commit);
	return applied_first(ret, row, out);
}

int store_applied_by_prefix(struct db *db, const char *prefix,
			    struct store_applied_list *out, struct strbuf *err)
{
	return applied_from_rows(db_query(db, err,
					  APPLIED_SELECT
					  " WHERE state = 'applied'"
					  " AND substr(commit_sha, 1, ?) = ?",
					  "it", (int64_t)strlen(prefix),
					  prefix),
				 out);
}

int store_applied_on_topic(struct db *db, const char *topic,
			   struct store_applied_list *out, struct strbuf *err)
{
	return applied_from_rows(db_query(db, err,
					  APPLIED_SELECT
					  " WHERE topic = ? AND state = 'applied'"
					  " ORDER BY id",
					  "t", topic),
				 out);
}

int store_applied_list(struct db *db, const char *topic, const char *series,
		       struct store_applied_list *out, struct strbuf *err)
{
	json_t *rows;

	/* Two statements, so that a topic's can use the index on topic. */
	if (topic)
		rows = db_query(db, err,
				APPLIED_SELECT
				" WHERE topic = ?"
				" AND (? IS NULL OR series_id = ?)"
				" ORDER BY id",
				"ttt", topic, series, series);
	else
		rows = db_query(db, err,
				APPLIED_SELECT
				" WHERE ? IS NULL OR series_id = ?"
				" ORDER BY id",
				"tt", series, series);
	return applied_from_rows(rows, out);
}

int store_applied_set_notification(struct db *db, int64_t series_id,
				   const char *topic, int64_t notification,
				   struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE applied SET notification_id = ?"
		       " WHERE series_id = ? AND topic = ?"
		       " AND notification_id IS NULL",
		       "iit", notification, series_id, topic);
}

int store_applied_move(struct db *db, const struct store_applied *a,
		       const char *commit, const char *why, int64_t at,
		       struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO applied_history (applied_id, old_sha,"
		      " new_sha, why, at) VALUES (?, ?, ?, ?, ?)",
		      "ittti", a->id, a->commit, commit, why, at);
	if (ret < 0)
		return ret;
	return db_exec(db, err,
		       "UPDATE applied SET commit_sha = ?, changed_at = ?"
		       " WHERE id = ?",
		       "tii", commit, at, a->id);
}

int store_applied_mark_dropped(struct db *db, int64_t id, const char *reason,
			       int64_t at, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE applied SET state = 'dropped', reason = ?,"
		       " changed_at = ? WHERE id = ?",
		       "tii", reason, at, id);
}

int store_applied_mark_gone(struct db *db, int64_t id, int64_t at,
			    struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE applied SET state = 'gone', changed_at = ?"
		       " WHERE id = ?",
		       "ii", at, id);
}

int store_applied_followed(struct db *db, int64_t *event_id, struct strbuf *err)
{
	int ret;

	*event_id = 0;
	ret = db_query_int(db, event_id, err,
			   "SELECT CAST(value AS INTEGER) FROM meta"
			   " WHERE key = 'applied.followed'",
			   "");
	return ret == -ENOENT ? 0 : ret;
}

int store_applied_set_followed(struct db *db, int64_t event_id,
			       struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT OR REPLACE INTO meta (key, value)"
		       " VALUES ('applied.followed', ?)",
		       "i", event_id);
}

void store_applied_candidate_list_release(
	struct store_applied_candidate_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		free(list->v[i].msgid);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void candidate_from_row(json_t *row, void *elem)
{
	struct store_applied_candidate *c = elem;

	c->patch = row_int(row, "id");
	c->series_id = row_int(row, "series_id");
	c->number = row_int(row, "number");
	c->total = row_int(row, "total");
	c->msgid = row_strdup(row, "msgid");
}

int store_applied_candidates(struct db *db,
			     struct store_applied_candidate_list *out,
			     struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err,
			"SELECT p.id, p.series_id, p.number, s.total, m.msgid"
			" FROM patches p JOIN series s ON s.id = p.series_id"
			" JOIN messages m ON m.id = p.message_id"
			" WHERE p.has_diff AND s.superseded_by IS NULL"
			" AND s.state NOT IN"
			" ('applied', 'dropped', 'rejected', 'superseded')"
			" AND NOT EXISTS (SELECT 1 FROM applied a"
			" WHERE a.patch_id = p.id AND a.state = 'applied')"
			" ORDER BY p.series_id, p.number",
			"");
	out->v = row_list(rows, sizeof(*out->v), candidate_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_applied_outside_seen(struct db *db, int64_t *event_id,
			       struct strbuf *err)
{
	int ret;

	*event_id = 0;
	ret = db_query_int(db, event_id, err,
			   "SELECT CAST(value AS INTEGER) FROM meta"
			   " WHERE key = 'applied.outside'",
			   "");
	return ret == -ENOENT ? 0 : ret;
}

int store_applied_set_outside_seen(struct db *db, int64_t event_id,
				   struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT OR REPLACE INTO meta (key, value)"
		       " VALUES ('applied.outside', ?)",
		       "i", event_id);
}
