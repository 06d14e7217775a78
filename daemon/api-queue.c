/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /api/v1/cycle and the review queue routes.  Reads go to the database
 * and the repository from the request's thread; bumps and state changes
 * run as engine jobs (daemon/queue.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/cycle.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "daemon/http.h"
#include "daemon/jobs.h"
#include "daemon/queue.h"
#include "lib/strbuf.h"

/* A ?now=UNIX-SECONDS argument (to ask about another day), else now. */
static int query_now(struct http_request *req, time_t *now, struct strbuf *err)
{
	const char *v = http_query(req, "now");
	char *end;
	long long n;

	*now = time(NULL);
	if (!v)
		return 0;
	n = strtoll(v, &end, 10);
	if (!*v || *end || n < 0)
		return error_set(err, ERR_INVALID,
				 "bad value '%s' for 'now': expected Unix seconds",
				 v);
	*now = n;
	return 0;
}

/* GET /api/v1/cycle: the release-cycle phase of mainline. */
static int cycle_get(struct http_request *req, json_t **out, struct strbuf *err)
{
	struct cycle c;
	time_t now;
	int ret;

	ret = query_now(req, &now, err);
	if (ret < 0)
		return ret;
	ret = cycle_current(&c, err);
	if (ret < 0)
		return ret;
	*out = cycle_json(&c, now);
	return 0;
}

/* A non-negative integer query argument, def when absent. */
static int query_int(struct http_request *req, const char *name, long long def,
		     long long max, long long *out, struct strbuf *err)
{
	const char *v = http_query(req, name);
	char *end;

	*out = def;
	if (!v)
		return 0;
	*out = strtoll(v, &end, 10);
	if (!*v || *end || *out < 0 || *out > max)
		return error_set(err, ERR_INVALID,
				 "bad value '%s' for '%s': expected 0 to %lld",
				 v, name, max);
	return 0;
}

/* A series id at the start of s, up to '/' or the end; *rest after it. */
static int parse_series_id(const char *s, int64_t *id, const char **rest,
			   struct strbuf *err)
{
	char *end;
	long long n;

	n = strtoll(s, &end, 10);
	if (end == s || n <= 0 || (*end && *end != '/'))
		return error_set(err, ERR_NOT_FOUND, "unknown series '%s'", s);
	*id = n;
	*rest = end;
	return 0;
}

/*
 * GET /api/v1/queue[?lane=L&limit=N&offset=M]: the queued series in
 * order, with the cycle the lanes were worked out against.  Serialized
 * by queue_list_text() from its cached entries.
 */
static int queue_get(struct http_request *req, struct strbuf *body,
		     struct strbuf *err)
{
	struct db *db = db_thread();
	struct strbuf ignore = STRBUF_INIT;
	long long lane, limit, offset;
	struct cycle c;
	json_t *extra;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = query_int(req, "lane", 0, 4, &lane, err);
	if (!ret)
		ret = query_int(req, "limit", 0, 1000000, &limit, err);
	if (!ret)
		ret = query_int(req, "offset", 0, 1LL << 40, &offset, err);
	if (ret < 0)
		return ret;
	extra = json_pack("{s:o}", "cycle",
			  cycle_current(&c, &ignore) ?
				  json_null() :
				  cycle_json(&c, time(NULL)));
	strbuf_release(&ignore);
	ret = queue_list_text(db, lane, offset, limit, extra, body, err);
	json_decref(extra);
	return ret;
}

/*
 * GET /api/v1/queue/ID: where series ID stands and its lint findings,
 * {"id", "position", "lane", "reason", ..., "findings": {"series",
 * "patches"}}.
 */
static int queue_get_one(struct http_request *req, json_t **out,
			 struct strbuf *err)
{
	struct db *db = db_thread();
	const char *rest;
	json_t *lint;
	int64_t id;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = parse_series_id(req->param, &id, &rest, err);
	if (ret < 0)
		return ret;
	if (*rest)
		return error_set(err, ERR_NOT_FOUND, "unknown path");
	ret = queue_series_json(db, id, out, err);
	if (ret < 0)
		return ret;
	if (!*out)
		return error_set(err, ERR_NOT_FOUND,
				 "series %lld is not known to the queue (yet)",
				 (long long)id);
	lint = queue_lint_json(db, id, err);
	if (!lint) {
		json_decref(*out);
		*out = NULL;
		return -EIO;
	}
	json_object_set_new(*out, "findings", lint);
	return 0;
}

/*
 * POST /api/v1/series/ID/bump {"to"?, "reason"} and POST
 * /api/v1/series/ID/state {"state"}: the series' queue entry after it;
 * POST /api/v1/series/ID/target {"topic"} (null: the config's guess):
 * the series' target topic after it (target-job.c).
 * Other POSTs under /api/v1/series/ID/ are not the queue's: 404.
 */
static int series_post(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	const char *rest, *job;
	json_t *args;
	int64_t id;
	int ret;

	ret = parse_series_id(req->param, &id, &rest, err);
	if (ret < 0)
		return ret;
	if (!strcmp(rest, "/bump"))
		job = "queue-bump";
	else if (!strcmp(rest, "/state"))
		job = "queue-state";
	else if (!strcmp(rest, "/target"))
		job = JOB_SERIES_TARGET;
	else
		return error_set(err, ERR_NOT_FOUND,
				 "unknown series action '%s'", req->param);
	args = http_json_body(req, err);
	if (!args)
		return ERR_INVALID;
	json_object_set_new(args, "series", json_integer(id));
	return engine_run(job, args, out, err);
}

const struct route api_queue_routes[] = {
	{ "GET", "/api/v1/cycle", cycle_get },
	{ "GET", "/api/v1/queue", .json_text = queue_get },
	{ "GET", "/api/v1/queue/*", queue_get_one },
	{ "POST", "/api/v1/series/*", series_post },
	{ 0 }
};
