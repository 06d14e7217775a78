/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check-notify.c on its own: check_recorded() after a check of
 * cthulhu's own (origin "cthulhu", with inputs and a gate's log, as the
 * speculative checks record them) mails the author of the series under
 * its cover letter with the last 20 lines of the log, kept to a few KiB;
 * the same failure (the same inputs, or the same description) is mailed
 * once, a different one again; nothing for a success or with [check]
 * notify-author off.  t0541 sees the same through the API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/check-notify.h"
#include "daemon/config.h"
#include "daemon/db.h"
#include "daemon/mail.h"
#include "daemon/repo.h"
#include "daemon/series.h"
#include "daemon/store/checks.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"
#include "tests/unit/git-cli.h"
#include "tests/unit/state.h"

static const char mbox[] = "From nobody Mon Sep 17 00:00:00 2001\n"
			   "From: Pat Author <pat@example.org>\n"
			   "Date: Tue, 1 Oct 2024 10:00:00 +0000\n"
			   "Subject: [PATCH 0/1] KVM: x86/pmu: Count more\n"
			   "Message-Id: <cover-1@example.org>\n"
			   "\n"
			   "The cover.\n"
			   "\n"
			   "From nobody Mon Sep 17 00:00:00 2001\n"
			   "From: Pat Author <pat@example.org>\n"
			   "Date: Tue, 1 Oct 2024 10:00:01 +0000\n"
			   "Subject: [PATCH 1/1] KVM: x86/pmu: Count more\n"
			   "Message-Id: <patch-1@example.org>\n"
			   "In-Reply-To: <cover-1@example.org>\n"
			   "References: <cover-1@example.org>\n"
			   "\n"
			   "More.\n"
			   "\n"
			   "Signed-off-by: Pat Author <pat@example.org>\n"
			   "---\n"
			   "diff --git a/README b/README\n"
			   "--- a/README\n"
			   "+++ b/README\n"
			   "@@ -1 +1,2 @@\n"
			   " base\n"
			   "+more\n";

static struct db *db;

static int64_t count(const char *sql)
{
	struct strbuf err = STRBUF_INIT;
	int64_t n = -1;

	db_query_int(db, &n, &err, sql, NULL);
	strbuf_release(&err);
	return n;
}

/* The raw mail of the latest check-failed notification. */
static void last_mail(struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;

	strbuf_reset(out);
	db_query_blob(db, out, &err,
		      "SELECT raw FROM notifications WHERE kind = "
		      "'check-failed' ORDER BY id DESC LIMIT 1",
		      NULL);
	strbuf_release(&err);
}

/* Record a check as the speculative checks do, then check_recorded(). */
static int record(const struct config *cfg, int64_t series, const char *ctx,
		  const char *state, const char *desc, const char *inputs,
		  const char *log)
{
	struct strbuf err = STRBUF_INIT;
	struct store_check c = { 0 };
	int ret;

	c.series_id = series;
	c.context = (char *)ctx;
	c.state = (char *)state;
	c.description = (char *)desc;
	c.origin = (char *)"cthulhu";
	c.inputs = (char *)inputs;
	c.log = (char *)log;
	c.updated_at = 1;
	ret = db_begin(db, &err);
	if (!ret)
		ret = store_check_put(db, &c, &err);
	if (!ret)
		ret = check_recorded(db, cfg, &c, &err);
	if (!ret)
		ret = db_commit(db, &err);
	if (ret) {
		printf("# %s\n", err.buf);
		db_rollback(db);
	}
	strbuf_release(&err);
	return ret;
}

#define MAILS "SELECT count(*) FROM notifications WHERE kind = 'check-failed'"

int main(void)
{
	struct strbuf err = STRBUF_INIT, log = STRBUF_INIT, mail = STRBUF_INIT;
	struct config *on, *off;
	json_t *res = NULL;
	int64_t series;
	int i;

	if (!git_cli_init("test-check-notify"))
		return 1;
	mail_global_init();
	ok(!repo_global_init(&err), "repo_global_init(): %s", err.buf);
	ok(!sh("mkdir state"), "a state dir");
	db = state_db();
	off = state_config("");
	on = state_config("[check]\n\tnotify-author = true\n");
	ok(db && on && off, "a database and two configs");
	if (!db || !on || !off)
		return done_testing();
	is_int(series_ingest_mbox(db, mbox, strlen(mbox), MBOX_AUTO, &res,
				  &err),
	       0, "a series with a cover letter: %s", err.buf);
	series = json_integer_value(
		json_object_get(json_array_get(json_object_get(res, "series"),
					       0),
				"id"));
	json_decref(res);
	ok(series > 0, "series %lld", (long long)series);

	for (i = 1; i <= 100; i++)
		strbuf_addf(&log, "gate log line %d\n", i);

	is_int(record(off, series, "gate", "fail", "make failed", "in-1",
		      log.buf),
	       0, "a failing gate check with notify-author off");
	is_int(count(MAILS), 0, "no mail");
	is_int(record(on, series, "gate", "success", "", "in-0", NULL), 0,
	       "a passing one with it on");
	is_int(count(MAILS), 0, "no mail");

	is_int(record(on, series, "gate", "fail", "make failed", "in-1",
		      log.buf),
	       0, "the failure with notify-author on");
	is_int(count(MAILS), 1, "one mail");
	last_mail(&mail);
	ok(strstr(mail.buf, "To: Pat Author <pat@example.org>") != NULL,
	   "to the author");
	ok(strstr(mail.buf, "In-Reply-To: <cover-1@example.org>") != NULL,
	   "under the cover letter");
	ok(strstr(mail.buf, "The check 'gate' of your series failed") &&
		   strstr(mail.buf, "    make failed\n"),
	   "saying what failed");
	ok(strstr(mail.buf, "gate log line 81\n") &&
		   strstr(mail.buf, "gate log line 100\n") &&
		   !strstr(mail.buf, "gate log line 80\n"),
	   "with the last 20 lines of the log");
	is_int(count("SELECT count(*) FROM notifications WHERE kind = "
		     "'check-failed' AND series_id IS NOT NULL"),
	       1, "the notification names the series");

	is_int(record(on, series, "gate", "fail", "make failed again", "in-1",
		      log.buf),
	       0, "the same inputs, another description");
	is_int(count(MAILS), 1, "the same failure: no mail");
	is_int(record(on, series, "gate", "fail", "make failed", "in-2",
		      log.buf),
	       0, "other inputs, the same description");
	is_int(count(MAILS), 1, "the same failure: no mail");
	is_int(record(on, series, "gate", "fail", "ld failed", "in-3",
		      "one line, no newline"),
	       0, "other inputs and another description");
	is_int(count(MAILS), 2, "a different failure: a second mail");
	last_mail(&mail);
	ok(strstr(mail.buf, "one line, no newline\n") != NULL,
	   "a log of one line is quoted whole");
	is_int(record(on, series, "apply", "fail", "make failed", "in-1", NULL),
	       0, "another check, the text and inputs of the first");
	is_int(count(MAILS), 3, "another check: a third mail");
	last_mail(&mail);
	ok(!strstr(mail.buf, "The end of its log"), "no log, no log quoted");

	strbuf_reset(&log);
	for (i = 1; i <= 30; i++) {
		strbuf_addf(&log, "%d:%01000d\n", i, 0);
	}
	is_int(record(on, series, "merge", "fail", "conflict", "in-9", log.buf),
	       0, "a log of long lines");
	last_mail(&mail);
	ok(strstr(mail.buf, "30:0000") && !strstr(mail.buf, "20:0000"),
	   "its tail is cut to a few KiB, the last lines kept");
	ok(mail.len < 12000, "the mail stays small (%zu bytes)", mail.len);

	strbuf_release(&mail);
	strbuf_release(&log);
	strbuf_release(&err);
	config_free(on);
	config_free(off);
	db_close(db);
	git_cli_cleanup();
	return done_testing();
}
