/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GET /api/v1/events/stream: the change bus (daemon/bus.h) as Server-Sent
 * Events, for the dashboard.  The stream opens with "hello" and then
 * carries "topic" (a topic moved: the events row), "job" (a job ended),
 * "change" (some other commit), "resync" (messages were missed: reload
 * everything) and whatever kinds modules publish, each with an id; a
 * follower that reconnects sends the last id it saw as Last-Event-ID (or
 * ?last_id=N) and gets what it missed.
 */
#include <errno.h>
#include <stdlib.h>

#include "daemon/bus.h"
#include "lib/error.h"
#include "daemon/http.h"
#include "lib/strbuf.h"

static int stream_fill(void *cookie, struct strbuf *out)
{
	return bus_reader_next(cookie, out, BUS_KEEPALIVE_MS);
}

static void stream_free(void *cookie)
{
	bus_reader_free(cookie);
}

static int events_stream(struct http_request *req, const char **content_type,
			 struct http_stream *stream, struct strbuf *err)
{
	const char *last = http_header(req, "Last-Event-ID");
	unsigned long long id = 0;
	char *end;

	if (!last || !*last)
		last = http_query(req, "last_id");
	if (last && *last) {
		errno = 0;
		id = strtoull(last, &end, 10);
		if (*end || errno || *last == '-' || *last == '+')
			return error_set(err, ERR_INVALID,
					 "'last_id' must be an event id, not '%s'",
					 last);
	}
	stream->cookie = bus_reader_new(id);
	stream->fill = stream_fill;
	stream->free = stream_free;
	*content_type = "text/event-stream; charset=utf-8";
	return 0;
}

const struct route api_stream_routes[] = { { "GET", "/api/v1/events/stream",
					     NULL, NULL, events_stream },
					   { 0 } };
