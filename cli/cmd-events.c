/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmds.h"

/* Topic moves: the event log (events) and asking for a scan (poke). */

const char *const event_cols[EVENT_COLS] = {
	"ID", "AT", "TOPIC", "KIND", "OLD", "NEW", "SOURCE",
};

void event_table_add(struct table *t, json_t *ev)
{
	table_add_json(t, json_object_get(ev, "id"));
	table_add_fmt(t, fmt_time, json_object_get(ev, "at"));
	table_add(t, json_str(ev, "topic"));
	table_add(t, json_str(ev, "kind"));
	table_add_fmt(t, fmt_sha, json_object_get(ev, "old"));
	table_add_fmt(t, fmt_sha, json_object_get(ev, "new"));
	table_add(t, json_str(ev, "source"));
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = 1;
}

/* Sleep for ms milliseconds or until interrupted. */
static void nap(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	while (!interrupted && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void events_path(struct strbuf *path, const char *topic, long long since,
			long limit)
{
	char buf[32];

	strbuf_reset(path);
	strbuf_addstr(path, "/api/v1/events");
	if (topic)
		url_add_query(path, "topic", topic);
	if (since != LLONG_MIN) {
		snprintf(buf, sizeof(buf), "%lld", since);
		url_add_query(path, "since", buf);
	}
	if (limit != LONG_MIN) {
		snprintf(buf, sizeof(buf), "%ld", limit);
		url_add_query(path, "limit", buf);
	}
}

int cmd_events(struct cli *cli, int argc, const char **argv)
{
	long since_opt = LONG_MIN, limit = LONG_MIN;
	const char *topic = NULL;
	bool json = false, follow = false, first = true;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_INT("since", &since_opt, "ID",
			"only events after event ID"),
		OPT_INT("limit", &limit, "N", "at most N events an answer"),
		OPT_STRING("topic", &topic, "NAME",
			   "only the moves of topic NAME"),
		OPT_FLAG("follow", &follow,
			 "keep polling and print new events until interrupted"),
		OPT_END(),
	};
	struct strbuf path = STRBUF_INIT;
	struct sigaction sa;
	long long since;
	struct table *t;
	json_t *res, *events, *ev;
	size_t i;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (argc)
		cli_usage_error(cli, "'events' takes no arguments");
	since = since_opt == LONG_MIN ? LLONG_MIN : since_opt;

	t = table_new(EVENT_COLS, event_cols);
	if (follow) {
		/* Rows come batch by batch: keep the columns steady. */
		table_min_width(t, 0, 4);
		table_min_width(t, 1, 19);
		table_min_width(t, 2, 12);
		table_min_width(t, 3, 12);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_interrupt;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}

	for (;;) {
		events_path(&path, topic, since, limit);
		ret = cli_get(cli, path.buf, &res);
		if (ret)
			break;
		events = json_object_get(res, "events");
		if (json && (first || json_array_size(events)))
			cli_print_reply(cli);
		json_array_foreach(events, i, ev) {
			if (!json)
				event_table_add(t, ev);
			if (json_int(ev, "id", LLONG_MIN) > since)
				since = json_int(ev, "id", LLONG_MIN);
		}
		if (!json_array_size(events) &&
		    json_int(res, "last_id", LLONG_MIN) > since)
			since = json_int(res, "last_id", LLONG_MIN);
		if (!json)
			table_print(t, stdout, first);
		fflush(stdout);
		first = false;
		if (!follow)
			break;
		/* Catch up at once on a long log; wait when nothing is new. */
		if (!json_array_size(events))
			nap(500);
		if (interrupted)
			break;
	}
	table_free(t);
	strbuf_release(&path);
	return ret;
}

static int print_moves(struct cli *cli, json_t *res)
{
	static const char *const cols[] = { "TOPIC", "KIND", "OLD", "NEW" };
	json_t *moves = json_object_get(res, "moves"), *mv;
	struct table *t;
	size_t i;

	if (!json_array_size(moves)) {
		printf("no topic moved\n");
		return CLI_OK;
	}
	t = table_new(ARRAY_SIZE(cols), cols);
	json_array_foreach(moves, i, mv) {
		table_add(t, json_str(mv, "topic"));
		table_add(t, json_str(mv, "kind"));
		table_add_fmt(t, fmt_sha, json_object_get(mv, "old"));
		table_add_fmt(t, fmt_sha, json_object_get(mv, "new"));
	}
	table_print(t, stdout, true);
	table_free(t);
	return CLI_OK;
}

int cmd_poke(struct cli *cli, int argc, const char **argv)
{
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_END(),
	};
	json_t *res;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (argc)
		cli_usage_error(cli, "'poke' takes no arguments");
	ret = cli_post(cli, "/api/v1/poke", json_object(), &res);
	if (ret)
		return ret;
	return json ? cli_print_reply(cli) : print_moves(cli, res);
}
