/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cthulhu apply SERIES TOPIC [--patches 1,3-5] [--force]
 * cthulhu apply --update-trailers TOPIC
 * cthulhu drop COMMIT --reason TEXT
 * cthulhu outbox [--limit N]
 * cthulhu am SERIES [--patches LIST] [-s] [-o FILE]
 */
#include "build-config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"

static int parse_id(const char *s, long long *out)
{
	char *end;

	*out = strtoll(s, &end, 10);
	return *s && !*end && *out > 0 ? 0 : -1;
}

/* cthulhu apply --update-trailers TOPIC */
static int update_trailers(struct cli *cli, const char *topic, bool json)
{
	json_t *res, *v, *t;
	size_t i, k;
	int ret;

	ret = cli_post(cli, "/api/v1/update-trailers",
		       json_pack("{s:s}", "topic", topic), &res);
	if (ret || json)
		return ret ? ret : cli_print_reply(cli);
	if (!json_array_size(json_object_get(res, "updated"))) {
		printf("no new trailers for the commits of '%s'\n", topic);
		return CLI_OK;
	}
	printf("updated trailers on '%s' (%s), %.12s..%.12s:\n",
	       json_str(res, "topic"), short_ref(json_str(res, "branch")),
	       json_str(res, "old"), json_str(res, "new"));
	json_array_foreach(json_object_get(res, "updated"), i, v) {
		printf("  %.12s -> %.12s ", json_str(v, "old"),
		       json_str(v, "new"));
		if (json_int(v, "total", 1) > 1)
			printf("[%lld/%lld] ", json_int(v, "number", 0),
			       json_int(v, "total", 0));
		printf("%s\n", json_str(v, "subject"));
		json_array_foreach(json_object_get(v, "trailers"), k, t)
			printf("      + %s\n", json_string_value(t));
	}
	printf("%zu commit(s) rewritten\n",
	       json_array_size(json_object_get(res, "replayed")));
	return CLI_OK;
}

int cmd_apply(struct cli *cli, int argc, const char **argv)
{
	const char *patches = NULL, *topic = NULL;
	bool json = false, force = false;
	struct cli_opt opts[] = {
		OPT_STRING("patches", &patches, "LIST",
			   "apply only these patches, e.g. 1,3-5"),
		OPT_FLAG("force", &force,
			 "apply even after the soft close of the release cycle"),
		OPT_STRING("update-trailers", &topic, "TOPIC",
			   "give the commits of TOPIC the trailers sent since"),
		OPT_JSON(&json),
		OPT_END(),
	};
	json_t *body, *res, *v;
	long long series;
	size_t i;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (topic) {
		if (argc || patches || force)
			cli_usage_error(
				cli,
				"'apply --update-trailers' takes only a topic");
		return update_trailers(cli, topic, json);
	}
	if (argc != 2)
		cli_usage_error(cli, "'apply' takes a series and a topic");
	if (parse_id(argv[0], &series))
		cli_usage_error(cli, "'%s' is not a series number", argv[0]);
	body = json_pack("{s:I, s:s}", "series", (json_int_t)series, "topic",
			 argv[1]);
	if (patches)
		json_object_set_new(body, "patches",
				    cli_parse_numbers(cli, "--patches",
						      patches));
	if (force)
		json_object_set_new(body, "force", json_true());
	ret = cli_post(cli, "/api/v1/apply", body, &res);
	if (ret || json)
		return ret ? ret : cli_print_reply(cli);
	json_array_foreach(json_object_get(res, "warnings"), i, v)
		fprintf(stderr, "warning: %s\n", json_string_value(v));
	printf("applied to '%s' (%s), %.12s..%.12s:\n", json_str(res, "topic"),
	       short_ref(json_str(res, "branch")), json_str(res, "old"),
	       json_str(res, "new"));
	json_array_foreach(json_object_get(res, "applied"), i, v) {
		printf("  %.12s ", json_str(v, "commit"));
		if (json_int(v, "total", 1) > 1)
			printf("[%lld/%lld] ", json_int(v, "number", 0),
			       json_int(v, "total", 0));
		printf("%s%s\n", json_str(v, "subject"),
		       !strcmp(json_str(v, "method") ? json_str(v, "method") :
						       "",
			       "3way") ?
			       " (three-way)" :
			       "");
	}
	if (json_array_size(json_object_get(res, "not_applied"))) {
		printf("not applied:");
		json_array_foreach(json_object_get(res, "not_applied"), i, v)
			printf(" %lld", (long long)json_integer_value(v));
		printf("\n");
	}
	return CLI_OK;
}

int cmd_drop(struct cli *cli, int argc, const char **argv)
{
	const char *reason = NULL;
	bool json = false;
	struct cli_opt opts[] = {
		OPT_STRING("reason", &reason, "TEXT",
			   "why, for the author (required)"),
		OPT_JSON(&json),
		OPT_END(),
	};
	json_t *res;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (argc != 1)
		cli_usage_error(cli, "'drop' takes one commit");
	if (!reason || !*reason)
		cli_usage_error(cli, "'drop' needs '--reason'");
	ret = cli_post(cli, "/api/v1/drop",
		       json_pack("{s:s, s:s}", "commit", argv[0], "reason",
				 reason),
		       &res);
	if (ret || json)
		return ret ? ret : cli_print_reply(cli);
	printf("dropped %.12s from '%s' (%s), now at %.12s; %zu commit(s) replayed\n",
	       json_str(res, "commit"), json_str(res, "topic"),
	       short_ref(json_str(res, "branch")), json_str(res, "new"),
	       json_array_size(json_object_get(res, "replayed")));
	return CLI_OK;
}

static int print_outbox(struct cli *cli, json_t *res)
{
	static const char *const cols[] = {
		"ID", "KIND", "STATE", "TO", "SUBJECT", "CREATED",
	};
	struct table *t = table_new(ARRAY_SIZE(cols), cols);
	json_t *n;
	size_t i;

	json_array_foreach(json_object_get(res, "notifications"), i, n) {
		table_add_json(t, json_object_get(n, "id"));
		table_add(t, json_str(n, "kind"));
		table_add(t, json_str(n, "state"));
		table_add(t, json_str(n, "to"));
		table_add(t, json_str(n, "subject"));
		table_add_fmt(t, fmt_time, json_object_get(n, "created_at"));
	}
	table_print(t, stdout, true);
	table_free(t);
	return CLI_OK;
}

int cmd_outbox(struct cli *cli, int argc, const char **argv)
{
	long limit = LONG_MIN;
	bool json = false;
	struct cli_opt opts[] = {
		OPT_INT("limit", &limit, "N", "show the N latest (50)"),
		OPT_JSON(&json),
		OPT_END(),
	};
	struct strbuf path = STRBUF_INIT;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (argc)
		cli_usage_error(cli, "'outbox' takes no arguments");
	strbuf_addstr(&path, "/api/v1/outbox");
	if (limit != LONG_MIN)
		strbuf_addf(&path, "?limit=%ld", limit);
	ret = cli_show(cli, path.buf, json, print_outbox);
	strbuf_release(&path);
	return ret;
}

/*
 * cthulhu am SERIES [--patches LIST] [-s|--signoff] [-o|--output FILE]:
 * the series as the mbox `git am` takes to make the commits that apply
 * makes, as `b4 am -o` writes it; -s adds the committer's Signed-off-by.
 */
int cmd_am(struct cli *cli, int argc, const char **argv)
{
	const char *patches = NULL, *output = NULL;
	bool signoff = false;
	struct cli_opt opts[] = {
		OPT_STRING("patches", &patches, "LIST",
			   "only these patches, e.g. 1,3-5"),
		OPT_FLAG("signoff", &signoff,
			 "add the committer's Signed-off-by (also -s)"),
		OPT_STRING("output", &output, "FILE",
			   "write the mbox to FILE, not stdout (also -o)"),
		OPT_END(),
	};
	struct strbuf path = STRBUF_INIT;
	struct strbuf *body;
	long long series;
	json_t *nums, *v, *res, *t;
	FILE *f = stdout;
	size_t i, k;
	int a, ret;

	/* b4's short options */
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--"))
			break;
		if (!strcmp(argv[a], "-s"))
			argv[a] = "--signoff";
		else if (!strcmp(argv[a], "-o"))
			argv[a] = "--output";
	}
	argc = cli_parse(cli, argc, argv, opts);
	if (argc != 1)
		cli_usage_error(cli, "'am' takes one series");
	if (parse_id(argv[0], &series))
		cli_usage_error(cli, "'%s' is not a series number", argv[0]);
	strbuf_addf(&path, "/api/v1/am/%lld?signoff=%d", series,
		    signoff ? 1 : 0);
	if (patches) {
		nums = cli_parse_numbers(cli, "--patches", patches);
		strbuf_addstr(&path, "&patches=");
		json_array_foreach(nums, i, v)
			strbuf_addf(&path, "%s%lld", i ? "," : "",
				    (long long)json_integer_value(v));
		json_decref(nums);
	}
	ret = cli_get_raw(cli, path.buf);
	strbuf_release(&path);
	if (ret)
		return ret;
	body = &cli->reply.body;
	if (output) {
		f = fopen(output, "w");
		if (!f) {
			cli_error("cannot write '%s': %s", output,
				  strerror(errno));
			return CLI_REFUSED;
		}
	}
	cli_write_raw(f, body->buf, body->len);
	if (output && fclose(f)) {
		cli_error("cannot write '%s': %s", output, strerror(errno));
		return CLI_REFUSED;
	}
	/* b4 am: "NOTE: some trailers ignored due to from/email mismatches" */
	strbuf_addf(&path, "/api/v1/series/%lld", series);
	ret = cli_get(cli, path.buf, &res);
	strbuf_release(&path);
	json_array_foreach(ret ? NULL : json_object_get(res, "patches"), i, v)
		json_array_foreach(json_object_get(v, "trailers_left_out"), k,
				   t)
			fprintf(stderr,
				"warning: [%lld] trailer left out, it names someone else than the reply's sender: %s\n",
				json_int(v, "number", 0), json_string_value(t));
	return CLI_OK;
}
