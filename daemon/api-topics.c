/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /api/v1/topics and /api/v1/poke.  Reads go to the database from the
 * request's thread; adding, removing and scanning run as engine jobs
 * (daemon/topic.c), so the answer is what the engine did.
 */
#include <errno.h>

#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/error.h"
#include "daemon/http.h"
#include "daemon/strbuf.h"
#include "daemon/topic.h"

/* How many of a topic's latest events GET /api/v1/topics/NAME shows. */
#define TOPIC_RECENT_EVENTS 20

/* GET /api/v1/topics: {"topics": [topic...]} by order. */
static int topics_list(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	struct db *db = db_thread();
	json_t *topics;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	topics = topic_list(db, err);
	if (!topics)
		return -EIO;
	*out = json_pack("{s:o}", "topics", topics);
	return 0;
}

/* GET /api/v1/topics/NAME: the topic and its latest events, newest first. */
static int topics_show(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	struct db *db = db_thread();
	json_t *topic, *events;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = topic_get(db, req->param, &topic, err);
	if (ret < 0)
		return ret;
	events = topic_events(db, req->param, 0, TOPIC_RECENT_EVENTS, true,
			      err);
	if (!events) {
		json_decref(topic);
		return -EIO;
	}
	json_object_set_new(topic, "events", events);
	*out = topic;
	return 0;
}

/* POST /api/v1/topics {name, branch, order?, into_next?}: 201 and the topic. */
static int topics_add(struct http_request *req, json_t **out,
		      struct strbuf *err)
{
	json_t *args;
	int ret;

	args = http_json_body(req, err);
	if (!args)
		return ERR_INVALID;
	ret = engine_run("topic-add", args, out, err);
	if (ret < 0)
		return ret;
	return HTTP_CREATED;
}

/* DELETE /api/v1/topics/NAME: the removed topic. */
static int topics_remove(struct http_request *req, json_t **out,
			 struct strbuf *err)
{
	return engine_run("topic-remove",
			  json_pack("{s:s}", "name", req->param), out, err);
}

/* POST /api/v1/poke: scan now; {"moves": [event...]}. */
static int poke(struct http_request *req, json_t **out, struct strbuf *err)
{
	return engine_run("topic-scan", json_pack("{s:s}", "source", "poke"),
			  out, err);
}

const struct route api_topics_routes[] = {
	{ "GET", "/api/v1/topics", topics_list },
	{ "POST", "/api/v1/topics", topics_add },
	{ "GET", "/api/v1/topics/*", topics_show },
	{ "DELETE", "/api/v1/topics/*", topics_remove },
	{ "POST", "/api/v1/poke", poke },
	{ 0 }
};
