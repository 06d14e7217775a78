/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_COOKING_MAIL_H
#define CTHULHU_COOKING_MAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct config;
struct job_ctx;
struct strbuf;

/*
 * The "What's cooking" report by mail: to [report] to, through the
 * outbox (notify.h, kind "report"), each mail a row of reports
 * (store/reports.h) in the same transaction as its notification.
 *
 * The jobs (daemon/job-table.c registers them):
 *   "cooking-mail"  {} -> {"report", "notification", "to", "subject",
 *                   "topics", "period": null}: mail the report now
 *                   (cthulhu cooking --mail); ERR_INVALID without
 *                   [report] to.  A report on demand changes no schedule.
 *   "cooking-check" {} -> {"period", "sent"}: with [report] every =
 *                   daily or weekly, mail the report once for the UTC
 *                   day ("2026-12-07") or ISO week ("2026-W49") of now,
 *                   unless a row says it went out already, so that a
 *                   restart sends no second mail; every minute and at
 *                   start-up (cooking_start()).
 */
int cooking_job_mail(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err);
int cooking_job_check(struct job_ctx *ctx, json_t *args, json_t **result,
		      struct strbuf *err);

/* After engine_start(): check at once whether a report is due. */
void cooking_start(void);

/* The period of now for every ("daily", "weekly") into out; false for none. */
bool cooking_period(const char *every, int64_t now, struct strbuf *out);

#endif
