/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"

static int print_topics(struct cli *cli, json_t *res)
{
	static const char *const cols[] = {
		"NAME", "BRANCH", "ORDER", "NEXT", "TIP", "MOVED", "AHEAD",
	};
	struct table *t;
	json_t *topic;
	size_t i;

	t = table_new(ARRAY_SIZE(cols), cols);
	json_array_foreach(json_object_get(res, "topics"), i, topic) {
		table_add(t, json_str(topic, "name"));
		table_add(t, short_ref(json_str(topic, "branch")));
		table_add_json(t, json_object_get(topic, "order"));
		table_add(t,
			  json_is_false(json_object_get(topic, "into_next")) ?
				  "no" :
				  "yes");
		table_add_fmt(t, fmt_sha, json_object_get(topic, "tip"));
		table_add_fmt(t, fmt_time, json_object_get(topic, "moved_at"));
		table_add_json(t, json_object_get(topic, "ahead"));
	}
	table_print(t, stdout, true);
	table_free(t);
	return CLI_OK;
}

static int print_topic(struct cli *cli, json_t *topic)
{
	struct table *t = table_new(2, NULL);
	json_t *events, *ev;
	size_t i;

	table_add(t, "name:");
	table_add(t, json_str(topic, "name"));
	table_add(t, "branch:");
	table_add(t, short_ref(json_str(topic, "branch")));
	table_add(t, "order:");
	table_add_json(t, json_object_get(topic, "order"));
	table_add(t, "in next:");
	table_add(t, json_is_false(json_object_get(topic, "into_next")) ?
			     "no" :
			     "yes");
	table_add(t, "source:");
	table_add_json(t, json_object_get(topic, "source"));
	table_add(t, "tip:");
	table_add_json(t, json_object_get(topic, "tip"));
	table_add(t, "ahead:");
	table_add_json(t, json_object_get(topic, "ahead"));
	table_add(t, "moved:");
	table_add_fmt(t, fmt_time, json_object_get(topic, "moved_at"));
	table_print(t, stdout, false);
	table_free(t);

	events = json_object_get(topic, "events");
	if (!json_array_size(events))
		return CLI_OK;
	printf("\nrecent moves:\n");
	t = table_new(EVENT_COLS, event_cols);
	json_array_foreach(events, i, ev)
		event_table_add(t, ev);
	table_print(t, stdout, true);
	table_free(t);
	return CLI_OK;
}

static int topics_show(struct cli *cli, int argc, const char **argv, bool json)
{
	struct strbuf path = STRBUF_INIT;
	int ret;

	if (argc != 1)
		cli_usage_error(cli, "'topics show' takes one topic name");
	strbuf_addstr(&path, "/api/v1/topics/");
	url_escape(&path, argv[0], true);
	ret = cli_show(cli, path.buf, json, print_topic);
	strbuf_release(&path);
	return ret;
}

static int topics_add(struct cli *cli, int argc, const char **argv,
		      const char *branch, long order, bool no_next, bool json)
{
	json_t *body, *res;
	int ret;

	if (argc != 1)
		cli_usage_error(cli, "'topics add' takes one topic name");
	if (!branch)
		cli_usage_error(cli, "'topics add' needs '--branch'");

	body = json_pack("{s:s, s:s, s:b}", "name", argv[0], "branch", branch,
			 "into_next", !no_next);
	/* Without --order the daemon puts the topic last. */
	if (order != LONG_MIN)
		json_object_set_new(body, "order", json_integer(order));
	ret = cli_post(cli, "/api/v1/topics", body, &res);
	if (ret || json)
		return ret ? ret : cli_print_reply(cli);
	printf("added topic '%s' (branch %s, order %lld%s)\n", argv[0],
	       short_ref(json_str(res, "branch") ? json_str(res, "branch") :
						   branch),
	       json_int(res, "order", order),
	       json_is_false(json_object_get(res, "into_next")) ?
		       ", not in next" :
		       "");
	return CLI_OK;
}

static int topics_remove(struct cli *cli, int argc, const char **argv,
			 bool json)
{
	struct strbuf path = STRBUF_INIT;
	int ret;

	if (argc != 1)
		cli_usage_error(cli, "'topics remove' takes one topic name");
	strbuf_addstr(&path, "/api/v1/topics/");
	url_escape(&path, argv[0], true);
	ret = cli_delete(cli, path.buf, NULL);
	strbuf_release(&path);
	if (ret || json)
		return ret ? ret : cli_print_reply(cli);
	printf("removed topic '%s'\n", argv[0]);
	return CLI_OK;
}

int cmd_topics(struct cli *cli, int argc, const char **argv)
{
	const char *branch = NULL;
	long order = LONG_MIN;
	bool json = false, no_next = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_STRING("branch", &branch, "BRANCH",
			   "add: the topic's branch"),
		OPT_INT("order", &order, "N",
			"add: its place in next, lowest first (default: last)"),
		OPT_FLAG("no-next", &no_next, "add: keep it out of next"),
		OPT_END(),
	};

	argc = cli_parse(cli, argc, argv, opts);
	if (argc && !strcmp(argv[0], "add"))
		return topics_add(cli, argc - 1, argv + 1, branch, order,
				  no_next, json);
	if (branch || order != LONG_MIN || no_next)
		cli_usage_error(
			cli,
			"options '--branch', '--order' and '--no-next' are for 'topics add'");
	if (argc && !strcmp(argv[0], "remove"))
		return topics_remove(cli, argc - 1, argv + 1, json);
	if (argc && !strcmp(argv[0], "show"))
		return topics_show(cli, argc - 1, argv + 1, json);
	if (argc)
		cli_usage_error(cli, "unknown 'topics' action '%s'", argv[0]);
	return cli_show(cli, "/api/v1/topics", json, print_topics);
}
