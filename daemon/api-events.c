/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GET /api/v1/events?since=ID&limit=N[&topic=NAME]: the topic moves after
 * event ID, oldest first, and "last_id" to pass as since next time (the
 * last id returned, or since itself when nothing is newer), so that a
 * follower polls without missing or repeating an event.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "daemon/db.h"
#include "lib/error.h"
#include "daemon/http.h"
#include "lib/strbuf.h"
#include "daemon/store/topics.h"
#include "daemon/topic-json.h"
#include "daemon/topic.h"

#define EVENTS_LIMIT_DEFAULT 100
#define EVENTS_LIMIT_MAX 1000

/* A decimal integer in [min, max], nothing else; def when absent. */
static int query_int(struct http_request *req, const char *name, long long def,
		     long long min, long long max, long long *out,
		     struct strbuf *err)
{
	const char *s = http_query(req, name);
	char *end;
	long long v;

	*out = def;
	if (!s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max || *s == '+' ||
	    *s == ' ')
		return error_set(
			err, ERR_INVALID,
			"'%s' must be an integer from %lld to %lld, not '%s'",
			name, min, max, s);
	*out = v;
	return 0;
}

static int events_list(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	const char *topic = http_query(req, "topic");
	struct db *db = db_thread();
	struct store_event_list events;
	long long since, limit;
	int64_t last;
	int ret;

	ret = query_int(req, "since", 0, 0, INT64_MAX, &since, err);
	if (ret < 0)
		return ret;
	ret = query_int(req, "limit", EVENTS_LIMIT_DEFAULT, 1, EVENTS_LIMIT_MAX,
			&limit, err);
	if (ret < 0)
		return ret;
	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = store_events_list(db, topic, since, limit, false, &events, err);
	if (ret < 0)
		return ret;
	last = events.nr ? events.v[events.nr - 1].id : since;
	*out = json_pack("{s:o, s:I}", "events", topic_events_json(&events),
			 "last_id", (json_int_t)last);
	store_event_list_release(&events);
	return 0;
}

const struct route api_events_routes[] = { { "GET", "/api/v1/events",
					     events_list },
					   { 0 } };
