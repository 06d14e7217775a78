/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The writes behind the target topics of target.c: the maintainer's
 * choice (`cthulhu target`) and a new look at the queue after a reload
 * changed the config's prefixes, paths or default-topic.
 */
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/jobs.h"
#include "daemon/queue.h"
#include "daemon/store/queue.h"
#include "daemon/store/series.h"
#include "daemon/target.h"
#include "daemon/target-job.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strbuf.h"

int target_job_set(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	json_int_t id = json_integer_value(json_object_get(args, "series"));
	json_t *jtopic = json_object_get(args, "topic");
	const char *topic = json_string_value(jtopic);
	struct target t = { 0 };
	int ret;

	if (id <= 0 || (jtopic && !json_is_null(jtopic) && !topic))
		return error_set(
			err, ERR_INVALID,
			"target needs 'series' and 'topic' (a name or null)");
	if (topic && !config_topic(ctx->config, topic))
		return error_set(err, ERR_INVALID,
				 "'%s' is not a topic of the tree", topic);
	ret = store_series_set_target(ctx->db, id, topic, time(NULL), err);
	if (ret < 0)
		return ret;
	/* Show the queue's view at once, not after the next scan. */
	ret = queue_scan_pending(ctx->db, ctx->config, err);
	if (ret < 0)
		return ret;
	ret = target_guess(ctx->db, ctx->config, id, &t, err);
	if (ret < 0)
		return ret;
	log_info("series %lld: target %s (%s)", (long long)id,
		 t.topic ? t.topic : "none", target_source_name(t.source));
	*result = json_pack("{s:I, s:o}", "series", id, "target",
			    t.topic ? json_pack("{s:s, s:s, s:s?}", "topic",
						t.topic, "source",
						target_source_name(t.source),
						"detail", t.detail) :
				      json_null());
	target_release(&t);
	return 0;
}

void target_config_reloaded(struct db *db, const char *old_key,
			    const struct config *new)
{
	struct strbuf b = STRBUF_INIT, err = STRBUF_INIT;

	target_config_key(new, &b);
	if (strcmp(old_key, b.buf)) {
		if (store_queue_dirty_all(db, &err) < 0)
			log_warn("queue: cannot look at the targets again: %s",
				 err.buf);
		else
			engine_kick(JOB_QUEUE_SCAN, NULL, 0);
	}
	strbuf_release(&b);
	strbuf_release(&err);
}
