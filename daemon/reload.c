// SPDX-License-Identifier: GPL-2.0
/*
 * The "reload" job (SIGHUP, `cthulhu reload`): cthulhu.conf read again and
 * made current, the topics synced with it and next told.  A config that
 * does not load leaves the running one in place.
 */
#include <string.h>

#include "daemon/bus.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/engine.h"
#include "daemon/reload.h"
#include "daemon/target.h"
#include "daemon/target-job.h"
#include "daemon/topic.h"
#include "lib/log.h"
#include "lib/strbuf.h"

/* The "reload" job: read the config again (SIGHUP). */
int reload_job_reload(struct job_ctx *ctx, json_t *args, json_t **result,
		      struct strbuf *err)
{
	struct strbuf targets = STRBUF_INIT;
	struct config *cfg;
	int rc;

	rc = config_load(the_daemon.config_path, &cfg, err);
	if (rc) {
		log_error("reload failed, keeping the running config: %s",
			  err->buf);
		return rc;
	}
	if (strcmp(cfg->state_dir, the_daemon.state_dir))
		log_warn("state.dir changed to '%s': takes effect only at the "
			 "next start",
			 cfg->state_dir);
	if (strcmp(cfg->repo, ctx->config->repo))
		log_warn("tree.repo changed to '%s': takes effect only at the "
			 "next start",
			 cfg->repo);
	target_config_key(ctx->config, &targets);
	daemon_config_replace(cfg);
	ctx->config = daemon_config_engine();
	target_config_reloaded(ctx->db, targets.buf, ctx->config);
	strbuf_release(&targets);
	rc = topic_sync(ctx, "reload", err);
	if (!rc) {
		log_info("reloaded %s", the_daemon.config_path);
		bus_tell(BUS_TOPICS, json_pack("{s:s}", "trigger", "config"));
	}
	return rc;
}
