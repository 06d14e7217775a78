/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/cmds.h"

/*
 * Merge-fixes: the commits applied to a topic's merge into next for the
 * semantic conflicts a textual merge cannot see; a topic's own (the ref
 * refs/merge-fix/TOPIC), or a pair's (--with OTHER), applied only when
 * both topics are in next.
 */

static const char *const fix_cols[] = {
	"TOPIC",
	"WITH",
	"COMMIT",
	"RECORDED",
};

static int print_fixes(struct cli *cli, json_t *res)
{
	struct table *t = table_new(4, fix_cols);
	json_t *f;
	size_t i;

	(void)cli;
	json_array_foreach(res, i, f) {
		table_add(t, json_str(f, "topic"));
		table_add(t, json_str(f, "with") ? json_str(f, "with") : "-");
		table_add_fmt(t, fmt_sha, json_object_get(f, "commit"));
		if (json_is_integer(json_object_get(f, "recorded_at")))
			table_add_fmt(t, fmt_time,
				      json_object_get(f, "recorded_at"));
		else
			table_add(t, json_str(f, "ref"));
	}
	table_print(t, stdout, true);
	table_free(t);
	return CLI_OK;
}

static void fix_path(struct strbuf *path, const char *topic)
{
	strbuf_addstr(path, "/api/v1/next/merge-fixes/");
	url_escape(path, topic, true);
}

static void print_pair(const char *what, json_t *res)
{
	json_t *lifted = json_object_get(res, "lifted"), *v;
	size_t i;

	printf("%s merge-fix %.12s of '%s'", what,
	       json_str(res, "commit")	? json_str(res, "commit") :
	       json_str(res, "dropped") ? json_str(res, "dropped") :
					  "?",
	       json_str(res, "topic") ? json_str(res, "topic") : "?");
	if (json_str(res, "with"))
		printf(" with '%s'", json_str(res, "with"));
	printf("; next is rebuilt\n");
	json_array_foreach(lifted, i, v)
		printf("the gate's ejection of '%s' is lifted: "
		       "it is tried again at its tip, with the fix\n",
		       json_string_value(v) ? json_string_value(v) : "?");
}

static int fix_record(struct cli *cli, int argc, const char **argv,
		      const char *with, bool json)
{
	struct strbuf path = STRBUF_INIT;
	json_t *res;
	int ret;

	if (argc != 3)
		cli_usage_error(cli,
				"'merge-fix record' needs a topic and a commit");
	fix_path(&path, argv[1]);
	ret = cli_post(cli, path.buf,
		       json_pack("{s:s, s:s?}", "commit", argv[2], "with",
				 with),
		       &res);
	strbuf_release(&path);
	if (ret)
		return ret;
	if (json)
		return cli_print_reply(cli);
	print_pair("recorded", res);
	return CLI_OK;
}

static int fix_drop(struct cli *cli, int argc, const char **argv,
		    const char *with, bool json)
{
	struct strbuf path = STRBUF_INIT;
	json_t *res;
	int ret;

	if (argc != 2)
		cli_usage_error(cli, "'merge-fix drop' needs a topic");
	fix_path(&path, argv[1]);
	if (with)
		url_add_query(&path, "with", with);
	ret = cli_delete(cli, path.buf, &res);
	strbuf_release(&path);
	if (ret)
		return ret;
	if (json)
		return cli_print_reply(cli);
	print_pair("dropped", res);
	return CLI_OK;
}

int cmd_merge_fix(struct cli *cli, int argc, const char **argv)
{
	const char *with = NULL;
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_STRING("with", &with, "OTHER",
			   "the fix of the pair TOPIC and OTHER, applied only "
			   "when both are in next"),
		OPT_END(),
	};

	argc = cli_parse(cli, argc, argv, opts);
	if (!argc)
		cli_usage_error(cli, "'merge-fix' needs record, list or drop");
	if (!strcmp(argv[0], "list")) {
		if (argc != 1 || with)
			cli_usage_error(cli,
					"'merge-fix list' takes no arguments");
		return cli_show(cli, "/api/v1/next/merge-fixes", json,
				print_fixes);
	}
	if (!strcmp(argv[0], "record"))
		return fix_record(cli, argc, argv, with, json);
	if (!strcmp(argv[0], "drop"))
		return fix_drop(cli, argc, argv, with, json);
	cli_usage_error(cli, "unknown 'merge-fix' command '%s'", argv[0]);
}
