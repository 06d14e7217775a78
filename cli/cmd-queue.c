/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"

/* The release cycle (cycle) and the review queue (queue, bump, state). */

static void fmt_mark(struct strbuf *sb, json_t *mark)
{
	json_t *date = json_object_get(mark, "date");

	strbuf_addf(sb, "%s ", json_str(mark, "tag") ? json_str(mark, "tag") : "-");
	fmt_time(sb, date);
	if (json_is_true(json_object_get(mark, "estimate")))
		strbuf_addf(sb, " (estimate, in ~%lld days)",
			    json_int(mark, "days_left", 0));
}

static int print_cycle(struct cli *cli, json_t *res)
{
	static const struct {
		const char *key, *label;
	} marks[] = {
		{ "rc1", "rc1" },
		{ "features_close", "features close" },
		{ "fixes_close", "fixes close" },
		{ "pull_requests", "pull requests" },
	};
	struct table *t = table_new(2, NULL);
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	table_add(t, "cycle:");
	table_add(t, json_str(res, "summary"));
	table_add(t, "phase:");
	table_add(t, json_str(res, "phase"));
	table_add(t, "tag:");
	fmt_time(&sb, json_object_get(res, "tag_date"));
	table_addf(t, "%s (%s)", json_str(res, "tag"), sb.buf);
	table_add(t, "cadence:");
	table_addf(t, "%.1f days", json_real_value(json_object_get(res, "cadence_days")));
	for (i = 0; i < ARRAY_SIZE(marks); i++) {
		strbuf_reset(&sb);
		fmt_mark(&sb, json_object_get(res, marks[i].key));
		table_addf(t, "%s:", marks[i].label);
		table_add(t, sb.buf);
	}
	table_print(t, stdout, false);
	table_free(t);
	strbuf_release(&sb);
	return CLI_OK;
}

int cmd_cycle(struct cli *cli, int argc, const char **argv)
{
	const char *now = NULL;
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_STRING("now", &now, "SECONDS", "as of this Unix time"),
		OPT_END(),
	};
	struct strbuf path = STRBUF_INIT;
	int ret;

	if (cli_parse(cli, argc, argv, opts))
		cli_usage_error(cli, "'cycle' takes no arguments");
	strbuf_addstr(&path, "/api/v1/cycle");
	if (now)
		url_add_query(&path, "now", now);
	ret = cli_show(cli, path.buf, json, print_cycle);
	strbuf_release(&path);
	return ret;
}
