/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pull requests over HTTP:
 *   POST /api/v1/pull-request {"topic", "tag"?, "message"?}: tag the
 *        topic's tip and answer 201 with the request (see pullreq.h)
 *
 * Not under /api/v1/topics/, whose trailing '*' takes any topic name,
 * slashes and all.
 */
#include "daemon/engine.h"
#include "lib/error.h"
#include "daemon/http.h"
#include "daemon/jobs.h"
#include "lib/strbuf.h"

static int pull_request_post(struct http_request *req, json_t **out,
			     struct strbuf *err)
{
	json_t *args = http_json_body(req, err), *v;
	int ret;

	if (!args)
		return ERR_INVALID;
	if (!json_is_string(json_object_get(args, "topic")) ||
	    !*json_string_value(json_object_get(args, "topic"))) {
		json_decref(args);
		return error_set(err, ERR_INVALID,
				 "pull-request needs 'topic' (a topic name)");
	}
	v = json_object_get(args, "tag");
	if (v && !json_is_null(v) && !json_is_string(v)) {
		json_decref(args);
		return error_set(err, ERR_INVALID, "'tag' must be a string");
	}
	v = json_object_get(args, "message");
	if (v && !json_is_null(v) && !json_is_string(v)) {
		json_decref(args);
		return error_set(err, ERR_INVALID,
				 "'message' must be a string");
	}
	ret = engine_run(JOB_PULL_REQUEST, args, out, err);
	return ret < 0 ? ret : HTTP_CREATED;
}

const struct route api_pullreq_routes[] = { { "POST", "/api/v1/pull-request",
					      pull_request_post },
					    { 0 } };
