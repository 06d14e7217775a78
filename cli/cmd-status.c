/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"

static void fmt_job(struct strbuf *sb, json_t *job)
{
	if (!json_is_object(job)) {
		strbuf_addstr(sb, json_is_null(job) ? "none" : "-");
		return;
	}
	strbuf_addf(sb, "#%lld %s", json_int(job, "id", 0),
		    json_str(job, "type") ? json_str(job, "type") : "?");
	if (json_object_get(job, "started")) {
		strbuf_addstr(sb, ", started ");
		fmt_time(sb, json_object_get(job, "started"));
	}
}

static void fmt_uptime(struct strbuf *sb, json_t *v)
{
	if (json_is_integer(v))
		fmt_duration(sb, json_integer_value(v));
	else
		json_text(sb, v);
}

static void fmt_ref(struct strbuf *sb, json_t *v)
{
	if (json_is_string(v))
		strbuf_addstr(sb, short_ref(json_string_value(v)));
	else
		json_text(sb, v);
}

static void fmt_listen(struct strbuf *sb, json_t *v)
{
	if (json_is_null(v))
		strbuf_addstr(sb, "off");
	else
		json_text(sb, v);
}

/* The release cycle: its summary, or why it is not known. */
static void fmt_cycle(struct strbuf *sb, json_t *v)
{
	if (json_is_object(v))
		strbuf_addstr(sb, json_str(v, "summary"));
	else
		strbuf_addstr(
			sb,
			"unknown (no [tree] mainline or no version tag on it)");
}

/*
 * The members of GET /api/v1/status that get a label and a format of
 * their own, in the order shown; any other member follows under its own
 * name, so that a member added to the API shows up without a change here.
 */
static const struct {
	const char *key;
	const char *label;
	void (*fmt)(struct strbuf *sb, json_t *v);
} status_fields[] = {
	{ "tree", "tree", json_text },
	{ "repository", "repository", json_text },
	{ "version", "version", json_text },
	{ "next", "next", fmt_ref },
	{ "cycle", "cycle", fmt_cycle },
	{ "topics", "topics", json_text },
	{ "job", "job", fmt_job },
	{ "uptime", "uptime", fmt_uptime },
	{ "started", "started", fmt_time },
	{ "state_dir", "state dir", json_text },
	{ "listen", "listen", fmt_listen },
};

static void add_field(struct table *t, const char *label,
		      void (*fmt)(struct strbuf *sb, json_t *v), json_t *v)
{
	struct strbuf sb = STRBUF_INIT;

	fmt(&sb, v);
	table_addf(t, "%s:", label);
	table_add(t, sb.buf);
	strbuf_release(&sb);
}

static int print_status(struct cli *cli, json_t *res)
{
	struct table *t = table_new(2, NULL);
	const char *key;
	json_t *v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(status_fields); i++) {
		v = json_object_get(res, status_fields[i].key);
		if (v)
			add_field(t, status_fields[i].label,
				  status_fields[i].fmt, v);
	}
	json_object_foreach(res, key, v) {
		for (i = 0; i < ARRAY_SIZE(status_fields); i++)
			if (!strcmp(status_fields[i].key, key))
				break;
		if (i == ARRAY_SIZE(status_fields))
			add_field(t, key, json_text, v);
	}
	table_print(t, stdout, false);
	table_free(t);
	return CLI_OK;
}

int cmd_status(struct cli *cli, int argc, const char **argv)
{
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_END(),
	};

	argc = cli_parse(cli, argc, argv, opts);
	if (argc)
		cli_usage_error(cli, "'status' takes no arguments");
	return cli_show(cli, "/api/v1/status", json, print_status);
}
