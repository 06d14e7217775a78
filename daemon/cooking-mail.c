/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "What's cooking" report by mail (see cooking-mail.h): the report
 * built by cooking.c, its text by cooking-text.c, the mail by notify.c.
 */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/cooking-mail.h"
#include "daemon/cooking-text.h"
#include "daemon/cooking.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/jobs.h"
#include "daemon/notify.h"
#include "daemon/repo.h"
#include "daemon/store/reports.h"
#include "daemon/testhook.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strbuf.h"

bool cooking_period(const char *every, int64_t now, struct strbuf *out)
{
	time_t t = (time_t)now;
	const char *fmt;
	struct tm tm;
	char buf[32];

	if (!every || !strcmp(every, "never"))
		return false;
	fmt = !strcmp(every, "weekly") ? "%G-W%V" : "%Y-%m-%d";
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), fmt, &tm);
	strbuf_addstr(out, buf);
	return true;
}

/*
 * Build the report at now and record its mail (the notification and
 * the reports row, one transaction); period NULL for one on demand.
 */
static int mail_report(struct job_ctx *ctx, int64_t now, const char *period,
		       json_t **result, struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	const char *to = config_get(cfg, "report.to");
	struct strbuf subject = STRBUF_INIT, body = STRBUF_INIT;
	struct store_report r = { 0 };
	struct cooking c = { 0 };
	struct repo *repo;
	int64_t nid = 0;
	int ret;

	if (!to || !*to)
		return error_set(err, ERR_INVALID,
				 "no [report] to: nobody to mail the report to");
	repo = repo_thread(err);
	if (!repo)
		return -EIO;
	ret = cooking_build(ctx->db, cfg, repo, now, &c, err);
	if (ret < 0)
		goto out;
	cooking_subject(&c, &subject);
	cooking_text(&c, &body);
	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out;
	ret = notify_report(ctx->db, cfg, to, subject.buf, body.buf, &nid, err);
	if (!ret) {
		r.trigger = (char *)(period ? "periodic" : "demand");
		r.period = (char *)period;
		r.notification = nid;
		r.topics = (int64_t)c.nr_topics;
		r.created_at = (int64_t)time(NULL);
		ret = store_report_add(ctx->db, &r, err);
	}
	if (!ret)
		ret = db_commit(ctx->db, err);
	else
		db_rollback(ctx->db);
	if (ret < 0)
		goto out;
	log_info("report: '%s' to %s (%zu topics)", subject.buf, to,
		 c.nr_topics);
	*result = json_pack("{s:I, s:I, s:s, s:s, s:I, s:s?}", "report",
			    (json_int_t)r.id, "notification", (json_int_t)nid,
			    "to", to, "subject", subject.buf, "topics",
			    (json_int_t)c.nr_topics, "period", period);
out:
	cooking_release(&c);
	strbuf_release(&subject);
	strbuf_release(&body);
	return ret;
}

int cooking_job_mail(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err)
{
	return mail_report(ctx, (int64_t)time(NULL), NULL, result, err);
}

int cooking_job_check(struct job_ctx *ctx, json_t *args, json_t **result,
		      struct strbuf *err)
{
	const char *every = config_get(ctx->config, "report.every");
	int64_t now = testhook_report_now((int64_t)time(NULL));
	struct strbuf period = STRBUF_INIT;
	bool done = false;
	int ret = 0;

	if (!cooking_period(every, now, &period))
		goto out;
	ret = store_report_period_done(ctx->db, period.buf, &done, err);
	if (ret < 0 || done)
		goto out;
	ret = mail_report(ctx, now, period.buf, result, err);
out:
	if (!ret && !*result)
		*result = json_pack("{s:s?, s:b}", "period",
				    period.len ? period.buf : NULL, "sent", 0);
	strbuf_release(&period);
	return ret;
}

void cooking_start(void)
{
	engine_kick(JOB_COOKING_CHECK, NULL, 0);
}
