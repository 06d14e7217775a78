/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of the reports mailed (see reports.h).
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/reports.h"
#include "daemon/store/row.h"
#include "lib/error.h"
#include "lib/strbuf.h"

void store_report_release(struct store_report *r)
{
	free(r->trigger);
	free(r->period);
	memset(r, 0, sizeof(*r));
}

int store_report_add(struct db *db, struct store_report *r, struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO reports (trigger, period, notification,"
		      " topics, created_at) VALUES (?, ?, ?, ?, ?)",
		      "ttiii", r->trigger, r->period, r->notification,
		      r->topics, r->created_at);
	if (!ret)
		r->id = db_last_insert_id(db);
	return ret;
}

int store_report_period_done(struct db *db, const char *period, bool *done,
			     struct strbuf *err)
{
	int64_t n = 0;
	int ret;

	ret = db_query_int(db, &n, err,
			   "SELECT count(*) FROM reports WHERE period = ?", "t",
			   period);
	*done = !ret && n > 0;
	return ret;
}

int store_report_latest(struct db *db, const char *trigger,
			struct store_report *out, bool *found,
			struct strbuf *err)
{
	json_t *row;
	int ret;

	memset(out, 0, sizeof(*out));
	*found = false;
	ret = db_query_row(db, &row, err,
			   "SELECT id, trigger, period, notification, topics,"
			   " created_at FROM reports"
			   " WHERE ?1 IS NULL OR trigger = ?1"
			   " ORDER BY id DESC LIMIT 1",
			   "t", trigger);
	if (ret < 0 || !row)
		return ret;
	out->id = row_int(row, "id");
	out->trigger = row_strdup(row, "trigger");
	out->period = row_strdup(row, "period");
	out->notification = row_int(row, "notification");
	out->topics = row_int(row, "topics");
	out->created_at = row_int(row, "created_at");
	*found = true;
	json_decref(row);
	return 0;
}
