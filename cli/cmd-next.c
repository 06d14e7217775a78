/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"

/* The Cthulhu merge: the latest build of next (next) and asking for one. */

static const char *const build_cols[] = {
	"#", "TOPIC", "OUTCOME", "TIP", "NEXT", "CONFLICTS",
};

static void fmt_paths(struct strbuf *sb, json_t *v)
{
	json_t *p;
	size_t i;

	if (!json_is_array(v) || !json_array_size(v)) {
		strbuf_addch(sb, '-');
		return;
	}
	json_array_foreach(v, i, p)
		strbuf_addf(sb, "%s%s", i ? " " : "",
			    json_string_value(p) ? json_string_value(p) : "?");
}

static void print_build(json_t *build)
{
	struct strbuf line = STRBUF_INIT;
	json_t *topics, *t;
	struct table *tab;
	size_t i;

	if (!json_is_object(build)) {
		printf("no build of next yet\n");
		return;
	}
	strbuf_addf(&line, "build %lld (%s%s): %s", json_int(build, "id", 0),
		    json_str(build, "trigger") ? json_str(build, "trigger") : "?",
		    json_is_true(json_object_get(build, "full")) ? ", full" : "",
		    json_str(build, "state") ? json_str(build, "state") : "?");
	if (json_str(build, "result")) {
		strbuf_addstr(&line, " ");
		fmt_sha(&line, json_object_get(build, "result"));
	}
	strbuf_addf(&line, ", %lld merged, %lld reused, %lld conflicting, %lld ms",
		    json_int(build, "merges_done", 0),
		    json_int(build, "merges_reused", 0),
		    json_int(build, "conflicts", 0),
		    json_int(build, "duration_ms", 0));
	printf("%s\n", line.buf);
	if (json_str(build, "error"))
		printf("error: %s\n", json_str(build, "error"));
	strbuf_release(&line);

	topics = json_object_get(build, "topics");
	tab = table_new(6, build_cols);
	json_array_foreach(topics, i, t) {
		table_addf(tab, "%lld", json_int(t, "pos", 0) + 1);
		table_add(tab, json_str(t, "topic"));
		table_add(tab, json_str(t, "outcome"));
		table_add_fmt(tab, fmt_sha, json_object_get(t, "tip"));
		table_add_fmt(tab, fmt_sha, json_object_get(t, "merge_commit"));
		table_add_fmt(tab, fmt_paths, json_object_get(t, "conflicts"));
	}
	table_print(tab, stdout, true);
	table_free(tab);
}

static int print_next(struct cli *cli, json_t *res)
{
	print_build(json_object_get(res, "build"));
	return CLI_OK;
}

int cmd_next(struct cli *cli, int argc, const char **argv)
{
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_END(),
	};

	argc = cli_parse(cli, argc, argv, opts);
	if (argc)
		cli_usage_error(cli, "'next' takes no arguments");
	return cli_show(cli, "/api/v1/next", json, print_next);
}

int cmd_rebuild(struct cli *cli, int argc, const char **argv)
{
	bool json = false, full = false, wait = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_FLAG("full", &full, "merge every topic again, reuse nothing"),
		OPT_FLAG("wait", &wait, "wait for the build and show it"),
		OPT_END(),
	};
	json_t *res;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (argc)
		cli_usage_error(cli, "'rebuild' takes no arguments");
	ret = cli_post(cli, "/api/v1/next/rebuild",
		       json_pack("{s:b, s:b}", "full", full, "wait", wait),
		       &res);
	if (ret)
		return ret;
	if (json)
		return cli_print_reply(cli);
	if (wait)
		print_build(res);
	else
		printf("rebuild queued as job %lld\n", json_int(res, "job", 0));
	return CLI_OK;
}
