/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Cthulhu merge over HTTP:
 *   GET  /api/v1/next               {"ref", "commit", "build": latest|null}
 *   GET  /api/v1/next/builds?limit=N  the latest builds, newest first
 *   GET  /api/v1/next/builds/ID       one build with its topics
 *   POST /api/v1/next/rebuild       {"full"?, "wait"?}: with wait, the
 *        build (200); without, 202 {"job": id} and the build follows
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/error.h"
#include "daemon/http.h"
#include "daemon/next.h"
#include "daemon/repo.h"
#include "daemon/strbuf.h"

#define BUILDS_LIMIT_DEFAULT 20
#define BUILDS_LIMIT_MAX 1000

static int next_get(struct http_request *req, json_t **out,
		    struct strbuf *err)
{
	const struct config *cfg;
	struct db *db = db_thread();
	char hex[41] = "";
	struct repo *repo;
	json_t *build;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = next_latest_build(db, &build, err);
	if (ret < 0)
		return ret;
	cfg = daemon_config_get();
	repo = repo_thread(err);
	if (!repo || repo_ref_oid(repo, cfg->next, hex, NULL) < 0)
		hex[0] = 0;
	*out = json_pack("{s:s, s:s*, s:o}", "ref", cfg->next,
			 "commit", *hex ? hex : NULL, "build", build);
	daemon_config_put();
	return 0;
}

static int builds_list(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	const char *s = http_query(req, "limit");
	long long limit = BUILDS_LIMIT_DEFAULT;
	struct db *db = db_thread();
	char *end;

	if (s) {
		limit = strtoll(s, &end, 10);
		if (!*s || *end || limit < 1 || limit > BUILDS_LIMIT_MAX)
			return error_set(err, ERR_INVALID,
					 "'limit' must be an integer from 1 to %d, not '%s'",
					 BUILDS_LIMIT_MAX, s);
	}
	if (!db)
		return error_set(err, -EIO, "no database connection");
	*out = next_build_list(db, limit, err);
	return *out ? 0 : -EIO;
}

static int build_show(struct http_request *req, json_t **out,
		      struct strbuf *err)
{
	struct db *db = db_thread();
	char *end;
	long long id;

	id = strtoll(req->param, &end, 10);
	if (!*req->param || *end || id < 1)
		return error_set(err, ERR_NOT_FOUND, "unknown build '%s'",
				 req->param);
	if (!db)
		return error_set(err, -EIO, "no database connection");
	return next_build_get(db, id, out, err);
}

static int rebuild(struct http_request *req, json_t **out,
		   struct strbuf *err)
{
	json_t *body = NULL, *args;
	bool full = false, wait = false;
	int64_t job;
	int ret;

	if (req->body_len) {
		body = http_json_body(req, err);
		if (!body)
			return ERR_INVALID;
		full = json_is_true(json_object_get(body, "full"));
		wait = json_is_true(json_object_get(body, "wait"));
		json_decref(body);
	}
	args = json_pack("{s:s, s:b}", "trigger", "api", "full", full);
	if (wait) {
		ret = engine_run("next-rebuild", args, out, err);
		return ret < 0 ? ret : 0;
	}
	job = engine_submit("next-rebuild", args, err);
	if (job < 0)
		return (int)job;
	*out = json_pack("{s:I}", "job", (json_int_t)job);
	return HTTP_ACCEPTED;
}

const struct route api_next_routes[] = {
	{ "GET", "/api/v1/next", next_get },
	{ "GET", "/api/v1/next/builds", builds_list },
	{ "GET", "/api/v1/next/builds/*", build_show },
	{ "POST", "/api/v1/next/rebuild", rebuild },
	{ 0 }
};
