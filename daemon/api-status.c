/* SPDX-License-Identifier: GPL-2.0 */
#include <time.h>

#include "build-config.h"
#include "daemon/config.h"
#include "daemon/cycle.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/store/topics.h"
#include "lib/error.h"
#include "daemon/http.h"
#include "lib/strbuf.h"

/* GET /api/v1/status: what the daemon runs and what it is doing. */
static int status_get(struct http_request *req, json_t **out,
		      struct strbuf *err)
{
	const struct config *cfg;
	struct db *db = db_thread();
	int64_t topics = 0;
	json_t *job;
	int rc;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	rc = store_topics_count(db, &topics, err);
	if (rc)
		return rc;
	job = engine_current();
	cfg = daemon_config_get();
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:s*}",
			 "tree", cfg->tree_name, "repository", cfg->repo,
			 "version", PACKAGE_VERSION, "state_dir",
			 the_daemon.state_dir, "next", cfg->next, "topics",
			 (json_int_t)topics, "uptime",
			 (json_int_t)(time(NULL) - the_daemon.started),
			 "started", (json_int_t)the_daemon.started, "job",
			 job ? job : json_null(), "listen", cfg->http_listen);
	daemon_config_put();
	json_object_set_new(*out, "cycle", cycle_current_json());
	json_object_set_new(*out, "jobs_run", engine_runs());
	return 0;
}

const struct route api_status_routes[] = { { "GET", "/api/v1/status",
					     status_get },
					   { 0 } };
