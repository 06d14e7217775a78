/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of notifications (see notifications.h).
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/notifications.h"
#include "daemon/store/row.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* Every column but raw, which only delivery reads. */
#define NOTIFICATION_SELECT                                               \
	"SELECT id, kind, series_id, topic, msgid, in_reply_to, to_addr," \
	" subject, state, file, error, created_at, sent_at"               \
	" FROM notifications"

void store_notification_release(struct store_notification *n)
{
	free(n->kind);
	free(n->topic);
	free(n->msgid);
	free(n->in_reply_to);
	free(n->to);
	free(n->subject);
	free(n->state);
	free(n->file);
	free(n->error);
	memset(n, 0, sizeof(*n));
}

void store_notification_list_release(struct store_notification_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_notification_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void notification_from_row(json_t *row, void *elem)
{
	struct store_notification *n = elem;

	n->id = row_int(row, "id");
	n->kind = row_strdup(row, "kind");
	n->series_id = row_int(row, "series_id");
	n->topic = row_strdup(row, "topic");
	n->msgid = row_strdup(row, "msgid");
	n->in_reply_to = row_strdup(row, "in_reply_to");
	n->to = row_strdup(row, "to_addr");
	n->subject = row_strdup(row, "subject");
	n->state = row_strdup(row, "state");
	n->file = row_strdup(row, "file");
	n->error = row_strdup(row, "error");
	n->created_at = row_int(row, "created_at");
	n->sent_at = row_int(row, "sent_at");
}

/* The rows of a query of NOTIFICATION_SELECT into out; rows is taken. */
static int notifications_from_rows(json_t *rows,
				   struct store_notification_list *out)
{
	out->v = row_list(rows, sizeof(*out->v), notification_from_row,
			  &out->nr);
	return out->v ? 0 : -EIO;
}

int store_notification_add(struct db *db, struct store_notification *n,
			   const char *raw, size_t len, struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO notifications (kind, series_id, topic,"
		      " msgid, in_reply_to, to_addr, subject, raw, created_at)"
		      " VALUES (?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?)",
		      "titttttbi", n->kind, n->series_id, n->topic, n->msgid,
		      n->in_reply_to, n->to, n->subject, raw, len,
		      n->created_at);
	if (ret == 0)
		n->id = db_last_insert_id(db);
	return ret;
}

int store_notification_get(struct db *db, int64_t id,
			   struct store_notification *out, struct strbuf *err)
{
	json_t *row;
	int ret;

	ret = db_query_row(db, &row, err, NOTIFICATION_SELECT " WHERE id = ?",
			   "i", id);
	if (ret < 0)
		return ret;
	if (!row)
		return error_set(err, ERR_NOT_FOUND,
				 "unknown notification %lld", (long long)id);
	notification_from_row(row, out);
	json_decref(row);
	return 0;
}

int store_notification_raw(struct db *db, int64_t id, struct strbuf *raw,
			   struct strbuf *err)
{
	int ret;

	ret = db_query_blob(db, raw, err,
			    "SELECT raw FROM notifications WHERE id = ?", "i",
			    id);
	if (ret == -ENOENT)
		ret = error_set(err, ERR_NOT_FOUND, "unknown notification %lld",
				(long long)id);
	return ret;
}

int store_notifications_pending(struct db *db,
				struct store_notification_list *out,
				struct strbuf *err)
{
	return notifications_from_rows(
		db_query(db, err,
			 NOTIFICATION_SELECT
			 " WHERE state = 'pending' ORDER BY id",
			 ""),
		out);
}

int store_notifications_newest(struct db *db, int64_t limit,
			       struct store_notification_list *out,
			       struct strbuf *err)
{
	return notifications_from_rows(db_query(db, err,
						NOTIFICATION_SELECT
						" ORDER BY id DESC LIMIT ?",
						"i", limit),
				       out);
}

int store_notification_mark_sending(struct db *db, int64_t id, const char *file,
				    struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE notifications SET state = 'sending', file = ?"
		       " WHERE id = ?",
		       "ti", file, id);
}

int store_notification_mark_failed(struct db *db, int64_t id, const char *error,
				   struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE notifications SET state = 'failed', error = ?"
		       " WHERE id = ?",
		       "ti", error, id);
}

int store_notification_mark_sent(struct db *db, int64_t id, const char *file,
				 int64_t at, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE notifications SET state = 'sent', file = ?,"
		       " sent_at = ? WHERE id = ?",
		       "tii", file, at, id);
}
