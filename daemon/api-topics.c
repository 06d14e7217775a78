/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /api/v1/topics and /api/v1/poke.  Reads go to the database from the
 * request's thread; adding, removing and scanning run as engine jobs
 * (daemon/topic.c), so the answer is what the engine did.
 */
#include <errno.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "daemon/http.h"
#include "daemon/jobs.h"
#include "daemon/repo.h"
#include "daemon/store/builds.h"
#include "daemon/store/topics.h"
#include "lib/strbuf.h"
#include "daemon/topic-json.h"
#include "daemon/topic.h"

/* How many of a topic's latest events GET /api/v1/topics/NAME shows. */
#define TOPIC_RECENT_EVENTS 20

/*
 * [tree] base as a commit into base (empty when unset or unresolvable);
 * "auto" is the base the latest next build resolved.
 */
static void resolve_base(struct db *db, struct repo *repo,
			 char base[REPO_HEXSZ + 1])
{
	struct strbuf ignore = STRBUF_INIT;
	const struct config *cfg = daemon_config_get();

	*base = '\0';
	if (!repo || !cfg->base || !*cfg->base)
		goto out;
	if (strcmp(cfg->base, "auto")) {
		if (repo_resolve_commit(repo, cfg->base, base, &ignore) < 0)
			*base = '\0';
		goto out;
	}
	store_builds_latest_base(db, base, &ignore);
out:
	daemon_config_put();
	strbuf_release(&ignore);
}

/*
 * Set "ahead" on each topic object of the array topics: its commits
 * over the base (git rev-list --count base..tip), or null without a
 * base or a tip.  Counts are kept by (tip, base) in repo_ahead(), so a
 * dashboard's poll walks no history.
 */
static void topics_add_ahead(struct db *db, json_t *topics)
{
	struct strbuf ignore = STRBUF_INIT;
	char base[REPO_HEXSZ + 1];
	struct repo *repo;
	const char *tip;
	size_t i, ahead;
	json_t *t;

	repo = repo_thread(&ignore);
	resolve_base(db, repo, base);
	json_array_foreach(topics, i, t) {
		tip = json_string_value(json_object_get(t, "tip"));
		if (*base && tip &&
		    !repo_ahead(repo, tip, base, &ahead, &ignore))
			json_object_set_new(t, "ahead", json_integer(ahead));
		else
			json_object_set_new(t, "ahead", json_null());
	}
	strbuf_release(&ignore);
}

/* GET /api/v1/topics: {"topics": [topic...]} by order. */
static int topics_list(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	struct db *db = db_thread();
	struct store_topic_list list;
	json_t *topics;
	size_t i;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = store_topics_list(db, false, &list, err);
	if (ret < 0)
		return ret;
	topics = json_array();
	for (i = 0; i < list.nr; i++)
		json_array_append_new(topics, topic_json(&list.v[i]));
	store_topic_list_release(&list);
	topics_add_ahead(db, topics);
	*out = json_pack("{s:o}", "topics", topics);
	return 0;
}

/* GET /api/v1/topics/NAME: the topic and its latest events, newest first. */
static int topics_show(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	struct db *db = db_thread();
	struct store_event_list events;
	struct store_topic t;
	json_t *topic, *arr;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = store_topic_get(db, req->param, &t, err);
	if (ret < 0)
		return ret;
	topic = topic_json(&t);
	store_topic_release(&t);
	arr = json_pack("[O]", topic);
	topics_add_ahead(db, arr);
	json_decref(arr);
	ret = store_events_list(db, req->param, 0, TOPIC_RECENT_EVENTS, true,
				&events, err);
	if (ret < 0) {
		json_decref(topic);
		return ret;
	}
	json_object_set_new(topic, "events", topic_events_json(&events));
	store_event_list_release(&events);
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
	ret = engine_run(JOB_TOPIC_ADD, args, out, err);
	if (ret < 0)
		return ret;
	return HTTP_CREATED;
}

/* DELETE /api/v1/topics/NAME: the removed topic. */
static int topics_remove(struct http_request *req, json_t **out,
			 struct strbuf *err)
{
	return engine_run(JOB_TOPIC_REMOVE,
			  json_pack("{s:s}", "name", req->param), out, err);
}

/* POST /api/v1/poke: scan now; {"moves": [event...]}. */
static int poke(struct http_request *req, json_t **out, struct strbuf *err)
{
	return engine_run(JOB_TOPIC_SCAN, json_pack("{s:s}", "source", "poke"),
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
