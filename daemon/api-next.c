/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Cthulhu merge over HTTP:
 *   GET  /api/v1/next               {"ref", "commit", "build": latest|null}
 *   GET  /api/v1/next/builds?limit=N  the latest builds, newest first
 *   GET  /api/v1/next/builds/ID       one build with its topics
 *   POST /api/v1/next/rebuild       {"full"?, "wait"?}: with wait, the
 *        build (200); without, 202 {"job": id} and the build follows
 *   GET  /api/v1/next/conflicts/TOPIC   the conflicted files of TOPIC's
 *        merge in the latest build where it conflicted (resolve.h)
 *   GET  /api/v1/next/resolutions       the recorded resolutions
 *   POST /api/v1/next/resolutions/TOPIC {"files": [{"path", "content"}]}
 *        records the resolution of TOPIC's conflict (201)
 *   DELETE /api/v1/next/resolutions/ID  forgets one
 */
#include <errno.h>
#include <pthread.h>
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
#include "daemon/next.h"
#include "daemon/repo.h"
#include "daemon/resolve.h"
#include "daemon/store/builds.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define BUILDS_LIMIT_DEFAULT 20
#define BUILDS_LIMIT_MAX 1000

/*
 * The answers of GET /api/v1/next/conflicts/TOPIC.  Each is a merge on
 * the engine thread, and anyone who reaches the TCP port may send the
 * GET: keep each answer under the build and the two commits it merged,
 * which merge the same way every time, so that a repeated GET runs no
 * merge and queues no job.  A later build that conflicts on the topic
 * gives another key.
 */
#define CONFLICTS_CACHED 16

static struct {
	char *key;
	json_t *answer;
} conflicts_cache[CONFLICTS_CACHED];
static unsigned int conflicts_evict; /* the entry to reuse next */
static pthread_mutex_t conflicts_lock = PTHREAD_MUTEX_INITIALIZER;
/* Held around a merge, so that concurrent first GETs run only one. */
static pthread_mutex_t conflicts_fill_lock = PTHREAD_MUTEX_INITIALIZER;

static int next_get(struct http_request *req, json_t **out, struct strbuf *err)
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
	*out = json_pack("{s:s, s:s*, s:o}", "ref", cfg->next, "commit",
			 *hex ? hex : NULL, "build", build);
	/* the published next is "commit"; a gated build is a candidate */
	if (gate_enabled(cfg)) {
		json_t *gate = NULL;

		ret = gate_state(db, cfg, hex, &gate, err);
		if (ret < 0) {
			json_decref(*out);
			daemon_config_put();
			return ret;
		}
		json_object_set_new(*out, "gate", gate);
	} else {
		json_object_set_new(*out, "gate", json_null());
	}
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
			return error_set(
				err, ERR_INVALID,
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

static int rebuild(struct http_request *req, json_t **out, struct strbuf *err)
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
		ret = engine_run(JOB_NEXT_REBUILD, args, out, err);
		return ret < 0 ? ret : 0;
	}
	job = engine_submit(JOB_NEXT_REBUILD, args, err);
	if (job < 0)
		return (int)job;
	*out = json_pack("{s:I}", "job", (json_int_t)job);
	return HTTP_ACCEPTED;
}

/* The key of topic's conflict as row ({"build", "ours", "theirs"}) has it. */
static void conflicts_key(struct strbuf *key, const char *topic, json_t *row)
{
	const char *ours = json_string_value(json_object_get(row, "ours"));
	const char *theirs = json_string_value(json_object_get(row, "theirs"));

	strbuf_addf(key, "%" JSON_INTEGER_FORMAT " %s %s %s",
		    json_integer_value(json_object_get(row, "build")),
		    ours ? ours : "", theirs ? theirs : "", topic);
}

/* A copy of the answer kept under key, or NULL. */
static json_t *conflicts_lookup(const char *key)
{
	json_t *answer = NULL;
	size_t i;

	pthread_mutex_lock(&conflicts_lock);
	for (i = 0; i < CONFLICTS_CACHED; i++)
		if (conflicts_cache[i].key &&
		    !strcmp(conflicts_cache[i].key, key))
			answer = json_deep_copy(conflicts_cache[i].answer);
	pthread_mutex_unlock(&conflicts_lock);
	return answer;
}

/* Keep a copy of answer under key, in place of the oldest entry. */
static void conflicts_store(const char *key, json_t *answer)
{
	unsigned int i;

	pthread_mutex_lock(&conflicts_lock);
	i = conflicts_evict++ % CONFLICTS_CACHED;
	free(conflicts_cache[i].key);
	json_decref(conflicts_cache[i].answer);
	conflicts_cache[i].key = xstrdup(key);
	conflicts_cache[i].answer = json_deep_copy(answer);
	pthread_mutex_unlock(&conflicts_lock);
}

static int conflicts_get(struct http_request *req, json_t **out,
			 struct strbuf *err)
{
	struct strbuf key = STRBUF_INIT, got = STRBUF_INIT;
	struct store_conflict c = { 0 };
	struct db *db = db_thread();
	json_t *row;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = resolve_conflict_find(db, req->param, &c, err);
	if (ret < 0)
		goto out;
	row = json_pack("{s:I, s:s, s:s}", "build", (json_int_t)c.build, "ours",
			c.ours, "theirs", c.theirs);
	conflicts_key(&key, req->param, row);
	json_decref(row);
	*out = conflicts_lookup(key.buf);
	if (*out)
		goto out;
	pthread_mutex_lock(&conflicts_fill_lock);
	*out = conflicts_lookup(key.buf);
	if (!*out) {
		ret = engine_run(JOB_NEXT_CONFLICTS,
				 json_pack("{s:s}", "topic", req->param), out,
				 err);
		/* Keep the answer under the commits the engine merged. */
		if (ret >= 0 && *out) {
			conflicts_key(&got, req->param, *out);
			conflicts_store(got.buf, *out);
		}
	}
	pthread_mutex_unlock(&conflicts_fill_lock);
out:
	store_conflict_release(&c);
	strbuf_release(&key);
	strbuf_release(&got);
	return ret;
}

static int resolutions_list(struct http_request *req, json_t **out,
			    struct strbuf *err)
{
	struct db *db = db_thread();

	if (!db)
		return error_set(err, -EIO, "no database connection");
	*out = resolve_list(db, err);
	return *out ? 0 : -EIO;
}

static int resolution_record(struct http_request *req, json_t **out,
			     struct strbuf *err)
{
	json_t *body;
	int ret;

	body = http_json_body(req, err);
	if (!body)
		return ERR_INVALID;
	ret = engine_run(JOB_NEXT_RESOLVE_RECORD,
			 json_pack("{s:s, s:O}", "topic", req->param, "files",
				   json_object_get(body, "files") ?
					   json_object_get(body, "files") :
					   json_null()),
			 out, err);
	json_decref(body);
	return ret < 0 ? ret : HTTP_CREATED;
}

static int resolution_forget(struct http_request *req, json_t **out,
			     struct strbuf *err)
{
	char *end;
	long long id;

	id = strtoll(req->param, &end, 10);
	if (!*req->param || *end || id < 1)
		return error_set(err, ERR_NOT_FOUND, "unknown resolution '%s'",
				 req->param);
	return engine_run(JOB_NEXT_RESOLVE_FORGET,
			  json_pack("{s:I}", "id", (json_int_t)id), out, err);
}

const struct route api_next_routes[] = {
	{ "GET", "/api/v1/next", next_get },
	{ "GET", "/api/v1/next/builds", builds_list },
	{ "GET", "/api/v1/next/builds/*", build_show },
	{ "POST", "/api/v1/next/rebuild", rebuild },
	{ "GET", "/api/v1/next/conflicts/*", conflicts_get },
	{ "GET", "/api/v1/next/resolutions", resolutions_list },
	{ "POST", "/api/v1/next/resolutions/*", resolution_record },
	{ "DELETE", "/api/v1/next/resolutions/*", resolution_forget },
	{ 0 }
};
