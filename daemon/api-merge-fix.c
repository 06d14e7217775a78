/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Merge-fixes over HTTP (merge-fix.h):
 *   GET    /api/v1/next/merge-fixes          every merge-fix
 *   POST   /api/v1/next/merge-fixes/TOPIC    {"commit", "with"?}: record
 *          TOPIC's merge-fix, or its fix with topic "with" (201)
 *   DELETE /api/v1/next/merge-fixes/TOPIC[?with=OTHER]  drop it
 * Recording or dropping one rebuilds next.
 */
#include <errno.h>

#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/http.h"
#include "daemon/jobs.h"
#include "daemon/merge-fix.h"
#include "lib/error.h"
#include "lib/strbuf.h"

static int fixes_list(struct http_request *req, json_t **out,
		      struct strbuf *err)
{
	struct db *db = db_thread();

	(void)req;
	if (!db)
		return error_set(err, -EIO, "no database connection");
	return merge_fix_list(db, out, err);
}

static int fix_record(struct http_request *req, json_t **out,
		      struct strbuf *err)
{
	json_t *body, *with;
	int ret;

	body = http_json_body(req, err);
	if (!body)
		return ERR_INVALID;
	with = json_object_get(body, "with");
	ret = engine_run(JOB_MERGE_FIX_RECORD,
			 json_pack("{s:s, s:O, s:O}", "topic", req->param,
				   "commit",
				   json_object_get(body, "commit") ?
					   json_object_get(body, "commit") :
					   json_null(),
				   "with", with ? with : json_null()),
			 out, err);
	json_decref(body);
	return ret < 0 ? ret : HTTP_CREATED;
}

static int fix_drop(struct http_request *req, json_t **out, struct strbuf *err)
{
	const char *with = http_query(req, "with");

	return engine_run(JOB_MERGE_FIX_DROP,
			  json_pack("{s:s, s:s?}", "topic", req->param, "with",
				    with),
			  out, err);
}

const struct route api_merge_fix_routes[] = {
	{ "GET", "/api/v1/next/merge-fixes", fixes_list },
	{ "POST", "/api/v1/next/merge-fixes/*", fix_record },
	{ "DELETE", "/api/v1/next/merge-fixes/*", fix_drop },
	{ 0 }
};
