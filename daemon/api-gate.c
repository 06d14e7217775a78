/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gate of next over HTTP:
 *   GET /api/v1/next/gate               the gate: published next, the
 *       latest candidate with its runs and progress, the ejections
 *   GET /api/v1/next/gate/candidates?limit=N  the latest candidates
 *   GET /api/v1/next/gate/runs/ID[?log=1]     one run; with log=1 its
 *       log's text as "text"
 *   GET /api/v1/next/gate/logs/ID       one run's log as text/plain
 *   POST /api/v1/next/gate/ID {"result": "pass"|"fail", "log_url"?}
 *       mode = external: the CI's result for run ID (or for the commit
 *       ID, 40 hex digits); over TCP it needs the bearer token
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "daemon/gate.h"
#include "daemon/http.h"
#include "daemon/jobs.h"
#include "daemon/repo.h"
#include "daemon/store/gate.h"
#include "lib/strbuf.h"

#define CANDIDATES_LIMIT_DEFAULT 10
#define CANDIDATES_LIMIT_MAX 1000

static int gate_get(struct http_request *req, json_t **out, struct strbuf *err)
{
	const struct config *cfg;
	struct db *db = db_thread();
	char hex[41] = "";
	struct repo *repo;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	cfg = daemon_config_get();
	repo = repo_thread(err);
	if (!repo || repo_ref_oid(repo, cfg->next, hex, NULL) < 0)
		hex[0] = 0;
	ret = gate_state(db, cfg, hex, out, err);
	daemon_config_put();
	return ret;
}

static int run_id(const char *s, int64_t *id, struct strbuf *err)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (!*s || *end || v < 1)
		return error_set(err, ERR_NOT_FOUND, "unknown gate run '%s'",
				 s);
	*id = v;
	return 0;
}

static int candidates_list(struct http_request *req, json_t **out,
			   struct strbuf *err)
{
	const char *s = http_query(req, "limit");
	long long limit = CANDIDATES_LIMIT_DEFAULT;
	struct db *db = db_thread();
	char *end;

	if (s) {
		limit = strtoll(s, &end, 10);
		if (!*s || *end || limit < 1 || limit > CANDIDATES_LIMIT_MAX)
			return error_set(
				err, ERR_INVALID,
				"'limit' must be an integer from 1 to %d, not '%s'",
				CANDIDATES_LIMIT_MAX, s);
	}
	if (!db)
		return error_set(err, -EIO, "no database connection");
	*out = gate_candidate_list(db, limit, err);
	return *out ? 0 : -EIO;
}

static int run_show(struct http_request *req, json_t **out, struct strbuf *err)
{
	const char *log = http_query(req, "log");
	struct db *db = db_thread();
	int64_t id;
	int ret;

	ret = run_id(req->param, &id, err);
	if (ret < 0)
		return ret;
	if (log && strcmp(log, "0") && strcmp(log, "1"))
		return error_set(err, ERR_INVALID,
				 "'log' must be 0 or 1, not '%s'", log);
	if (!db)
		return error_set(err, -EIO, "no database connection");
	return gate_run_get(db, id, log && !strcmp(log, "1"), out, err);
}

static int log_show(struct http_request *req, const char **content_type,
		    struct strbuf *body, struct strbuf *err)
{
	struct db *db = db_thread();
	struct store_gate_run run;
	int64_t id;
	int ret;

	ret = run_id(req->param, &id, err);
	if (ret < 0)
		return ret;
	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = store_gate_run_get(db, id, &run, err);
	if (ret < 0)
		return ret;
	if (!run.log || strbuf_read_file(body, run.log) < 0)
		ret = error_set(err, ERR_NOT_FOUND, "gate run '%s' has no log",
				req->param);
	store_gate_run_release(&run);
	*content_type = "text/plain; charset=utf-8";
	return ret;
}

static int result_post(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	struct db *db = db_thread();
	const char *result, *log_url = NULL;
	json_t *body, *v, *res = NULL;
	int64_t id;
	bool pass;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = gate_run_find(db, req->param, &id, err);
	if (ret < 0)
		return ret;
	body = http_json_body(req, err);
	if (!body)
		return ERR_INVALID;
	result = json_string_value(json_object_get(body, "result"));
	if (!result || (strcmp(result, "pass") && strcmp(result, "fail"))) {
		json_decref(body);
		return error_set(err, ERR_INVALID,
				 "'result' must be \"pass\" or \"fail\"");
	}
	pass = !strcmp(result, "pass");
	v = json_object_get(body, "log_url");
	if (v && !json_is_null(v)) {
		log_url = json_string_value(v);
		if (!log_url || !*log_url) {
			json_decref(body);
			return error_set(err, ERR_INVALID,
					 "'log_url' must be a non-empty string");
		}
	}
	ret = engine_run(JOB_GATE_RESULT,
			 json_pack("{s:I, s:s, s:i, s:s*, s:b}", "run",
				   (json_int_t)id, "state",
				   pass ? "passed" : "failed", "exit_code",
				   pass ? 0 : 1, "log_url", log_url, "ci", 1),
			 &res, err);
	json_decref(body);
	json_decref(res);
	if (ret < 0)
		return ret;
	return gate_run_get(db, id, false, out, err);
}

const struct route api_gate_routes[] = {
	{ "GET", "/api/v1/next/gate", gate_get },
	{ "GET", "/api/v1/next/gate/candidates", candidates_list },
	{ "GET", "/api/v1/next/gate/runs/*", run_show },
	{ "GET", "/api/v1/next/gate/logs/*", .raw = log_show },
	{ "POST", "/api/v1/next/gate/*", result_post },
	{ 0 }
};
