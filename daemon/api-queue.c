/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /api/v1/cycle and the review queue routes.  Reads go to the database
 * and the repository from the request's thread; bumps and state changes
 * run as engine jobs (daemon/queue.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "daemon/cycle.h"
#include "daemon/error.h"
#include "daemon/http.h"
#include "daemon/strbuf.h"

/* A ?now=UNIX-SECONDS argument (to ask about another day), else now. */
static int query_now(struct http_request *req, time_t *now,
		     struct strbuf *err)
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
				 "bad value '%s' for 'now': expected Unix seconds", v);
	*now = n;
	return 0;
}

/* GET /api/v1/cycle: the release-cycle phase of mainline. */
static int cycle_get(struct http_request *req, json_t **out,
		     struct strbuf *err)
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

const struct route api_queue_routes[] = {
	{ "GET", "/api/v1/cycle", cycle_get },
	{ 0 }
};
