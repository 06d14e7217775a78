/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The author's mail about a failing check (check-notify.h).
 */
#include <string.h>
#include <time.h>

#include "daemon/check-notify.h"
#include "daemon/config.h"
#include "daemon/notify.h"
#include "daemon/store/check-mails.h"
#include "daemon/store/checks.h"
#include "lib/log.h"
#include "lib/strbuf.h"

#define CHECK_MAIL_LOG_BYTES 8192

/* The last CHECK_MAIL_LOG_LINES lines of log, at most a few KiB of them. */
static void log_tail(struct strbuf *out, const char *log)
{
	size_t len = strlen(log), start, lines = 0;

	while (len && (log[len - 1] == '\n' || log[len - 1] == '\r'))
		len--;
	for (start = len; start > 0; start--) {
		if (log[start - 1] == '\n' && ++lines == CHECK_MAIL_LOG_LINES)
			break;
		if (len - start >= CHECK_MAIL_LOG_BYTES)
			break;
	}
	strbuf_add(out, log + start, len - start);
}

int check_recorded(struct db *db, const struct config *cfg,
		   const struct store_check *c, struct strbuf *err)
{
	struct strbuf tail = STRBUF_INIT;
	json_t *info, *reply;
	bool on = false, seen = false;
	int64_t nid = 0;
	int ret;

	if (!c->state || strcmp(c->state, "fail"))
		return 0;
	config_get_bool(cfg, "check.notify-author", false, &on, NULL);
	if (!on)
		return 0;
	ret = store_check_mail_seen(db, c, &seen, err);
	if (ret < 0 || seen)
		return ret;
	reply = notify_series_reply(db, c->series_id);
	if (!json_string_value(json_object_get(reply, "from_email"))) {
		log_warn("check '%s' of series %lld failed: no mail of the "
			 "series to answer, so its author is not told",
			 c->context, (long long)c->series_id);
		json_decref(reply);
		return 0;
	}
	if (c->log)
		log_tail(&tail, c->log);
	info = json_pack("{s:I, s:o, s:s, s:s, s:s, s:s?, s:s}", "series_id",
			 (json_int_t)c->series_id, "reply", reply, "context",
			 c->context, "state", c->state, "description",
			 c->description ? c->description : "", "target_url",
			 c->target_url, "log", tail.buf);
	ret = notify_check_failed(db, cfg, info, &nid, err);
	if (!ret)
		ret = store_check_mail_add(db, c, nid, (int64_t)time(NULL),
					   err);
	json_decref(info);
	strbuf_release(&tail);
	return ret;
}
