/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of the inboxes followed (see inbox.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "daemon/db.h"
#include "daemon/store/inbox.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

void store_inbox_msg_list_release(struct store_inbox_msg_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		free(list->v[i].inbox);
		free(list->v[i].msgid);
		free(list->v[i].root);
		free(list->v[i].blob);
	}
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

void store_inbox_epoch_list_release(struct store_inbox_epoch_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		free(list->v[i].last_commit);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static int epoch_row(struct db_row *row, void *data)
{
	struct store_inbox_epoch_list *list = data;
	struct store_inbox_epoch *e;

	list->v = xrealloc(list->v, (list->nr + 1) * sizeof(*list->v));
	e = &list->v[list->nr++];
	e->epoch = db_col_int(row, 0);
	e->last_commit = db_col_strdup(row, 1);
	e->updated_at = db_col_int(row, 2);
	return 0;
}

int store_inbox_epochs(struct db *db, const char *inbox,
		       struct store_inbox_epoch_list *out, struct strbuf *err)
{
	int ret;

	out->v = NULL;
	out->nr = 0;
	ret = db_query_each(db, err, epoch_row, out,
			    "SELECT epoch, last_commit, updated_at "
			    "FROM inbox_epochs WHERE inbox = ? ORDER BY epoch",
			    "t", inbox);
	if (ret)
		store_inbox_epoch_list_release(out);
	return ret < 0 ? ret : ret ? -EIO : 0;
}

int store_inbox_advance(struct db *db, const char *inbox, int64_t epoch,
			const char *last_commit, int64_t since,
			const struct store_inbox_msg *msgs, size_t nr,
			int64_t at, struct strbuf *err)
{
	size_t i;
	int ret;

	ret = db_begin(db, err);
	if (ret < 0)
		return ret;
	ret = db_exec(db, err,
		      "INSERT OR IGNORE INTO inbox_starts (inbox, since) "
		      "VALUES (?, ?)",
		      "ti", inbox, since);
	for (i = 0; i < nr && !ret; i++)
		ret = db_exec(db, err,
			      "INSERT OR IGNORE INTO inbox_messages "
			      "(inbox, msgid, root, epoch, blob) "
			      "VALUES (?, ?, ?, ?, ?)",
			      "tttit", inbox, msgs[i].msgid, msgs[i].root,
			      epoch, msgs[i].blob);
	if (!ret)
		ret = db_exec(db, err,
			      "INSERT INTO inbox_epochs "
			      "(inbox, epoch, last_commit, updated_at) "
			      "VALUES (?, ?, ?, ?) ON CONFLICT (inbox, epoch) "
			      "DO UPDATE SET last_commit = excluded.last_commit, "
			      "updated_at = excluded.updated_at",
			      "titi", inbox, epoch, last_commit, at);
	if (!ret)
		ret = db_commit(db, err);
	if (ret < 0)
		db_rollback(db);
	return ret;
}

static int msg_row(struct db_row *row, void *data)
{
	struct store_inbox_msg_list *list = data;
	struct store_inbox_msg *m;

	list->v = xrealloc(list->v, (list->nr + 1) * sizeof(*list->v));
	m = &list->v[list->nr++];
	m->inbox = db_col_strdup(row, 0);
	m->msgid = db_col_strdup(row, 1);
	m->root = db_col_strdup(row, 2);
	m->epoch = db_col_int(row, 3);
	m->blob = db_col_strdup(row, 4);
	return 0;
}

int store_inbox_thread(struct db *db, const char *msgid,
		       struct store_inbox_msg_list *out, struct strbuf *err)
{
	int ret;

	out->v = NULL;
	out->nr = 0;
	ret = db_query_each(db, err, msg_row, out,
			    "WITH roots AS (SELECT root FROM inbox_messages "
			    "WHERE msgid = ?1 UNION SELECT ?1) "
			    "SELECT inbox, msgid, root, epoch, blob "
			    "FROM inbox_messages "
			    "WHERE root IN roots OR msgid IN roots "
			    "ORDER BY rowid",
			    "t", msgid);
	if (ret)
		store_inbox_msg_list_release(out);
	return ret < 0 ? ret : ret ? -EIO : 0;
}

int store_inbox_since(struct db *db, const char *inbox, int64_t *since,
		      struct strbuf *err)
{
	return db_query_int(db, since, err,
			    "SELECT since FROM inbox_starts WHERE inbox = ?",
			    "t", inbox);
}

int store_inbox_count(struct db *db, const char *inbox, int64_t *n,
		      struct strbuf *err)
{
	return db_query_int(db, n, err,
			    "SELECT count(*) FROM inbox_messages WHERE inbox = ?",
			    "t", inbox);
}
