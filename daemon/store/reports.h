/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_REPORTS_H
#define CTHULHU_STORE_REPORTS_H

#include <stdbool.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of the "What's cooking" reports mailed: the table reports
 * (schema/0014-report.sql), and the only place that holds its SQL; see
 * store/topics.h for the store layer.  A report is a notification (the
 * mail, store/notifications.h) and a row here that says why it went
 * out: the period of a periodic report, or a report asked for by hand.
 */

/* A row of reports. */
struct store_report {
	int64_t id;
	char *trigger;	      /* "periodic" or "demand" */
	char *period;	      /* "2026-12-07", "2026-W49"; NULL on demand */
	int64_t notification; /* notifications.id */
	int64_t topics;	      /* how many topics it covered */
	int64_t created_at;
};

void store_report_release(struct store_report *r);

/* Record r (r->id set), in the caller's transaction. */
int store_report_add(struct db *db, struct store_report *r, struct strbuf *err);
/* Whether a periodic report for period was recorded. */
int store_report_period_done(struct db *db, const char *period, bool *done,
			     struct strbuf *err);
/*
 * The latest report of trigger (NULL: of any trigger) into *out; *found
 * says whether there is one (out zeroed when not).
 */
int store_report_latest(struct db *db, const char *trigger,
			struct store_report *out, bool *found,
			struct strbuf *err);

#endif
