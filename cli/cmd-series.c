// SPDX-License-Identifier: GPL-2.0
/*
 * cthulhu submit, supersede and series: hand mail to the daemon's intake
 * and look at the series it made.
 */
#include "build-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"

static void series_row(struct table *t, json_t *s)
{
	struct strbuf sb = STRBUF_INIT;

	table_addf(t, "%lld", json_int(s, "id", 0));
	table_addf(t, "v%lld", json_int(s, "version", 1));
	table_addf(t, "%lld/%lld%s", json_int(s, "patches", 0),
		   json_int(s, "total", 0),
		   json_is_true(json_object_get(s, "cover")) ? "+c" : "");
	table_add(t,
		  json_is_true(json_object_get(s, "complete")) ? "yes" : "no");
	table_add(t, json_str(s, "state"));
	table_add(t, json_str(s, "author_email"));
	strbuf_addstr(&sb, json_str(s, "name") ? json_str(s, "name") : "");
	if (json_is_integer(json_object_get(s, "supersedes")))
		strbuf_addf(&sb, " (supersedes %lld)",
			    json_int(s, "supersedes", 0));
	if (json_is_integer(json_object_get(s, "supersede_held")))
		strbuf_addf(&sb, " (held: other sender than %lld)",
			    json_int(s, "supersede_held", 0));
	table_add(t, sb.buf);
	strbuf_release(&sb);
}

static const char *const series_cols[] = {
	"ID", "VER", "PATCHES", "COMPLETE", "STATE", "AUTHOR", "NAME",
};

static int print_submit(struct cli *cli, json_t *res)
{
	json_t *msgs = json_object_get(res, "messages"), *s, *e;
	struct table *t;
	size_t i;

	printf("%lld ingested, %lld duplicate%s, %zu refused\n",
	       json_int(msgs, "ingested", 0), json_int(msgs, "duplicates", 0),
	       json_int(msgs, "duplicates", 0) == 1 ? "" : "s",
	       json_array_size(json_object_get(msgs, "errors")));
	json_array_foreach(json_object_get(msgs, "errors"), i, e)
		printf("message %lld: %s\n", json_int(e, "index", 0),
		       json_str(e, "error"));
	if (!json_array_size(json_object_get(res, "series")))
		return CLI_OK;
	t = table_new(ARRAY_SIZE(series_cols) + 1, NULL);
	json_array_foreach(json_object_get(res, "series"), i, s) {
		table_add(t, json_str(s, "action"));
		series_row(t, s);
	}
	table_print(t, stdout, false);
	table_free(t);
	return CLI_OK;
}

/* submit --msgid: the daemon fetches the thread from its [inbox]es. */
static int submit_msgid(struct cli *cli, const char *msgid, bool json)
{
	json_t *res, *th;
	int ret;

	ret = cli_post(cli, "/api/v1/inboxes/fetch",
		       json_pack("{s:s}", "msgid", msgid), &res);
	if (ret)
		return ret;
	if (json)
		return cli_print_reply(cli);
	th = json_object_get(res, "thread");
	printf("thread of <%s>: %lld message%s\n", json_str(res, "msgid"),
	       json_int(th, "messages", 0),
	       json_int(th, "messages", 0) == 1 ? "" : "s");
	return print_submit(cli, res);
}

int cmd_submit(struct cli *cli, int argc, const char **argv)
{
	bool json = false, mboxrd = false;
	const char *msgid = NULL;
	const struct cli_opt opts[] = {
		OPT_FLAG("mboxrd", &mboxrd, "unescape >From lines (mboxrd)"),
		OPT_STRING("msgid", &msgid, "ID",
			   "fetch the thread of Message-ID ID (or of its "
			   "lore URL) from the [inbox]es"),
		OPT_JSON(&json),
		OPT_END(),
	};
	struct strbuf in = STRBUF_INIT;
	json_t *res;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (msgid && argc)
		cli_usage_error(cli, "'submit --msgid ID' takes no FILE");
	if (msgid)
		return submit_msgid(cli, msgid, json);
	if (argc != 1)
		cli_usage_error(cli, "'submit' takes one FILE, or - for "
				     "standard input");
	ret = cli_read_input(argv[0], &in);
	if (ret)
		return ret;
	ret = cli_post_raw(cli,
			   mboxrd ? "/api/v1/submit?format=mboxrd" :
				    "/api/v1/submit",
			   "application/mbox", in.buf, in.len, &res);
	strbuf_release(&in);
	if (ret)
		return ret;
	return json ? cli_print_reply(cli) : print_submit(cli, res);
}

static int parse_series_id(struct cli *cli, const char *s, long long *id)
{
	char *end;

	*id = strtoll(s, &end, 10);
	if (*end || *id <= 0)
		cli_usage_error(cli, "'%s' is not a series id", s);
	return 0;
}

static int print_one(struct cli *cli, json_t *s)
{
	struct table *t = table_new(ARRAY_SIZE(series_cols), series_cols);
	json_t *p, *x;
	size_t i, j;

	series_row(t, s);
	table_print(t, stdout, true);
	table_free(t);
	if (json_str(s, "base_commit"))
		printf("base-commit: %s\n", json_str(s, "base_commit"));
	json_array_foreach(json_object_get(s, "patches"), i, p) {
		printf("[%lld/%lld] %s <%s>\n", json_int(p, "number", 0),
		       json_int(s, "total", 0), json_str(p, "subject"),
		       json_str(p, "msgid"));
		json_array_foreach(json_object_get(p, "trailers"), j, x)
			printf("\t%s\n", json_string_value(x));
	}
	return CLI_OK;
}

static int print_list(struct cli *cli, json_t *res)
{
	struct table *t = table_new(ARRAY_SIZE(series_cols), series_cols);
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(res, "series"), i, s)
		series_row(t, s);
	table_print(t, stdout, true);
	table_free(t);
	return CLI_OK;
}

int cmd_supersede(struct cli *cli, int argc, const char **argv)
{
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_END(),
	};
	long long new_id, old_id;
	json_t *res;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (argc != 2)
		cli_usage_error(cli,
				"'supersede' takes NEW and OLD series ids");
	parse_series_id(cli, argv[0], &new_id);
	parse_series_id(cli, argv[1], &old_id);
	ret = cli_post(cli, "/api/v1/supersede",
		       json_pack("{s:I, s:I}", "new", (json_int_t)new_id, "old",
				 (json_int_t)old_id),
		       &res);
	if (ret)
		return ret;
	if (json)
		return cli_print_reply(cli);
	printf("series %lld supersedes %lld\n", new_id, old_id);
	return CLI_OK;
}

int cmd_series(struct cli *cli, int argc, const char **argv)
{
	bool json = false;
	const char *author = NULL, *msgid = NULL;
	const struct cli_opt opts[] = {
		OPT_STRING("author", &author, "WHO",
			   "only series by this author"),
		OPT_STRING("msgid", &msgid, "ID",
			   "the series holding this message"),
		OPT_JSON(&json),
		OPT_END(),
	};
	struct strbuf path = STRBUF_INIT;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (argc > 1 || (argc && (author || msgid)))
		cli_usage_error(cli, "give one series id, or --author/--msgid");
	if (argc) {
		long long id;

		parse_series_id(cli, argv[0], &id);
		strbuf_addf(&path, "/api/v1/series/%lld", id);
		ret = cli_show(cli, path.buf, json, print_one);
		strbuf_release(&path);
		return ret;
	}
	strbuf_addstr(&path, "/api/v1/series");
	if (author)
		url_add_query(&path, "author", author);
	if (msgid)
		url_add_query(&path, "msgid", msgid);
	ret = cli_show(cli, path.buf, json, print_list);
	strbuf_release(&path);
	return ret;
}
