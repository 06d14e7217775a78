/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of the conflict mails of next (see conflict-mails.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/conflict-mails.h"
#include "daemon/store/row.h"
#include "lib/strbuf.h"

#define CONFLICT_SELECT                                                   \
	"SELECT id, topic, files, others, state, build, notification,"    \
	" resolved_build, resolved_notification, created_at, resolved_at" \
	" FROM conflict_mails"

void store_conflict_mail_release(struct store_conflict_mail *c)
{
	free(c->topic);
	free(c->files);
	free(c->others);
	free(c->state);
	memset(c, 0, sizeof(*c));
}

void store_conflict_mail_list_release(struct store_conflict_mail_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_conflict_mail_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void conflict_from_row(json_t *row, void *out)
{
	struct store_conflict_mail *c = out;

	c->id = row_int(row, "id");
	c->topic = row_strdup(row, "topic");
	c->files = row_strdup(row, "files");
	c->others = row_strdup(row, "others");
	c->state = row_strdup(row, "state");
	c->build = row_int(row, "build");
	c->notification = row_int(row, "notification");
	c->resolved_build = row_int(row, "resolved_build");
	c->resolved_notification = row_int(row, "resolved_notification");
	c->created_at = row_int(row, "created_at");
	c->resolved_at = row_int(row, "resolved_at");
}

static int conflicts_from_rows(json_t *rows,
			       struct store_conflict_mail_list *out)
{
	out->v = row_list(rows, sizeof(*out->v), conflict_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_conflict_mails_open(struct db *db,
			      struct store_conflict_mail_list *out,
			      struct strbuf *err)
{
	return conflicts_from_rows(db_query(db, err,
					    CONFLICT_SELECT
					    " WHERE state = 'open' ORDER BY id",
					    NULL),
				   out);
}

int store_conflict_mail_add(struct db *db, struct store_conflict_mail *c,
			    struct strbuf *err)
{
	int ret;

	ret = db_exec(
		db, err,
		"INSERT INTO conflict_mails (topic, files, others, build, "
		"notification, created_at) VALUES (?, ?, ?, ?, nullif(?, 0), ?)",
		"tttiii", c->topic, c->files, c->others, c->build,
		c->notification, c->created_at);
	if (!ret)
		c->id = db_last_insert_id(db);
	return ret;
}

int store_conflict_mail_resolve(struct db *db, int64_t id, int64_t build,
				int64_t notification, int64_t at,
				struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE conflict_mails SET state = 'resolved', "
		       "resolved_build = ?, resolved_notification = nullif(?, 0), "
		       "resolved_at = ? WHERE id = ?",
		       "iiii", build, notification, at, id);
}
