/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of the author's mails about failing checks (check-mails.h).
 */
#include "daemon/db.h"
#include "daemon/store/check-mails.h"
#include "daemon/store/checks.h"
#include "lib/strbuf.h"

int store_check_mail_seen(struct db *db, const struct store_check *c,
			  bool *seen, struct strbuf *err)
{
	int64_t n = 0;
	int ret;

	ret = db_query_int(db, &n, err,
			   "SELECT count(*) FROM check_mails "
			   "WHERE series_id = ? AND context = ? AND "
			   "((inputs IS NOT NULL AND inputs = ?) OR "
			   "description = ?)",
			   "ittt", c->series_id, c->context, c->inputs,
			   c->description ? c->description : "");
	*seen = n > 0;
	return ret;
}

int store_check_mail_add(struct db *db, const struct store_check *c,
			 int64_t notification, int64_t at, struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT INTO check_mails (series_id, context, state, "
		       "description, inputs, notification, created_at) "
		       "VALUES (?, ?, ?, ?, ?, ?, ?)",
		       "ittttii", c->series_id, c->context, c->state,
		       c->description ? c->description : "", c->inputs,
		       notification, at);
}
