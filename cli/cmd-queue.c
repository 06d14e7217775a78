/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"

/* The release cycle (cycle) and the review queue (queue, bump, state). */

static void fmt_mark(struct strbuf *sb, json_t *mark)
{
	json_t *date = json_object_get(mark, "date");

	strbuf_addf(sb, "%s ",
		    json_str(mark, "tag") ? json_str(mark, "tag") : "-");
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
	table_addf(t, "%.1f days",
		   json_real_value(json_object_get(res, "cadence_days")));
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

/* --- the queue -------------------------------------------------------- */

static void fmt_age(struct strbuf *sb, json_t *v)
{
	if (json_is_integer(v))
		fmt_duration(sb, json_integer_value(v));
	else
		json_text(sb, v);
}

static void fmt_wait(struct strbuf *sb, json_t *wait)
{
	json_t *days = json_object_get(wait, "days");

	if (json_is_integer(days))
		strbuf_addf(sb, "~%lldd", (long long)json_integer_value(days));
	else
		strbuf_addstr(sb, "?");
}

static void fmt_lint(struct strbuf *sb, json_t *lint)
{
	long long e = json_int(lint, "errors", 0),
		  w = json_int(lint, "warnings", 0);

	if (!e && !w)
		strbuf_addstr(sb, "ok");
	else if (!w)
		strbuf_addf(sb, "%lldE", e);
	else if (!e)
		strbuf_addf(sb, "%lldW", w);
	else
		strbuf_addf(sb, "%lldE %lldW", e, w);
}

static void fmt_author(struct strbuf *sb, json_t *entry)
{
	const char *name = json_str(entry, "author_name");

	strbuf_addstr(sb,
		      name && *name ? name : json_str(entry, "author_email"));
}

/*
 * The CHECKS column: "-" for none, "fail:CONTEXT,..." when some fail,
 * "warn:CONTEXT,..." when some warn, else "S/N ok" (S of N succeeded,
 * the rest pending).
 */
static void fmt_checks(struct strbuf *sb, json_t *checks)
{
	static const struct {
		const char *key, *label;
	} bad[] = { { "fail", "fail" }, { "warning", "warn" } };
	long long total = json_int(checks, "total", 0);
	json_t *list, *v;
	size_t i, k;

	if (!total) {
		strbuf_addstr(sb, "-");
		return;
	}
	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		list = json_object_get(checks, bad[k].key);
		if (!json_array_size(list))
			continue;
		strbuf_addf(sb, "%s:", bad[k].label);
		json_array_foreach(list, i, v)
			strbuf_addf(sb, "%s%s", i ? "," : "",
				    json_string_value(v));
		return;
	}
	strbuf_addf(sb, "%lld/%lld ok", json_int(checks, "success", 0), total);
}

static bool show_reasons;

static int print_queue(struct cli *cli, json_t *res)
{
	static const char *const cols[] = {
		"POS",	  "ID",	     "LANE",	"AGE",	  "WAIT",
		"VER",	  "PATCHES", "LINT",	"CHECKS", "STATE",
		"TARGET", "AUTHOR",  "SUBJECT",
	};
	struct table *t = table_new(ARRAY_SIZE(cols), cols);
	json_t *queue = json_object_get(res, "queue"), *e, *lane;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	json_array_foreach(queue, i, e) {
		table_add_json(t, json_object_get(e, "position"));
		table_add_json(t, json_object_get(e, "id"));
		table_add_json(t, json_object_get(e, "lane"));
		table_add_fmt(t, fmt_age, json_object_get(e, "age"));
		table_add_fmt(t, fmt_wait, json_object_get(e, "wait"));
		table_addf(t, "v%lld", json_int(e, "version", 1));
		table_add_json(t, json_object_get(e, "patches"));
		table_add_fmt(t, fmt_lint, json_object_get(e, "lint"));
		table_add_fmt(t, fmt_checks, json_object_get(e, "checks"));
		table_add(t, json_str(e, "state"));
		table_add(t, json_str(json_object_get(e, "target"), "topic") ?
				     json_str(json_object_get(e, "target"),
					      "topic") :
				     "-");
		strbuf_reset(&sb);
		fmt_author(&sb, e);
		table_add(t, sb.buf);
		strbuf_reset(&sb);
		strbuf_addstr(&sb, json_str(e, "subject") ?
					   json_str(e, "subject") :
					   "-");
		if (json_is_integer(json_object_get(e, "supersede_held")))
			strbuf_addf(&sb, " (held: other sender than %lld)",
				    json_int(e, "supersede_held", 0));
		table_add(t, sb.buf);
	}
	table_print(t, stdout, true);
	table_free(t);
	if (show_reasons) {
		printf("\n");
		json_array_foreach(queue, i, e) {
			printf("%lld: lane %lld: %s",
			       json_int(e, "position", 0),
			       json_int(e, "lane", 0), json_str(e, "reason"));
			if (json_is_object(json_object_get(e, "bump")))
				printf("; bumped: %s",
				       json_str(json_object_get(e, "bump"),
						"reason"));
			printf("\n");
		}
	}
	strbuf_reset(&sb);
	json_array_foreach(json_object_get(res, "lanes"), i, lane)
		strbuf_addf(&sb, "%slane %lld: %lld", i ? ", " : "",
			    json_int(lane, "lane", 0),
			    json_int(lane, "count", 0));
	printf("\n%lld queued (%s); waits are estimates from the last weeks' throughput\n",
	       json_int(res, "total", 0), sb.buf);
	strbuf_release(&sb);
	return CLI_OK;
}

int cmd_queue(struct cli *cli, int argc, const char **argv)
{
	long lane = 0, limit = 0, offset = 0;
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_INT("lane", &lane, "L", "only lane L (1 to 4)"),
		OPT_INT("limit", &limit, "N", "at most N series"),
		OPT_INT("offset", &offset, "N", "skip the first N series"),
		OPT_FLAG("why", &show_reasons,
			 "say why each series is in its lane"),
		OPT_END(),
	};
	struct strbuf path = STRBUF_INIT;
	char buf[32];
	int ret;

	if (cli_parse(cli, argc, argv, opts))
		cli_usage_error(cli, "'queue' takes no arguments");
	if (lane < 0 || lane > 4)
		cli_usage_error(cli, "'--lane' must be 1, 2, 3 or 4");
	strbuf_addstr(&path, "/api/v1/queue");
	if (lane) {
		snprintf(buf, sizeof(buf), "%ld", lane);
		url_add_query(&path, "lane", buf);
	}
	if (limit > 0) {
		snprintf(buf, sizeof(buf), "%ld", limit);
		url_add_query(&path, "limit", buf);
	}
	if (offset > 0) {
		snprintf(buf, sizeof(buf), "%ld", offset);
		url_add_query(&path, "offset", buf);
	}
	ret = cli_show(cli, path.buf, json, print_queue);
	strbuf_release(&path);
	return ret;
}

/* A series id argument, checked; exits 2 on a bad one. */
static long series_id_arg(struct cli *cli, const char *s)
{
	char *end;
	long id = strtol(s, &end, 10);

	if (!*s || *end || id <= 0)
		cli_usage_error(cli, "'%s' is not a series id", s);
	return id;
}

static void print_entry(json_t *e)
{
	printf("series %lld: position %lld, lane %lld (%s), state %s\n",
	       json_int(e, "id", 0), json_int(e, "position", 0),
	       json_int(e, "lane", 0), json_str(e, "reason"),
	       json_str(e, "state"));
}

static int post_series(struct cli *cli, long id, const char *action,
		       json_t *body, bool json)
{
	struct strbuf path = STRBUF_INIT;
	json_t *res;
	int ret;

	strbuf_addf(&path, "/api/v1/series/%ld/%s", id, action);
	ret = cli_post(cli, path.buf, body, &res);
	strbuf_release(&path);
	if (ret != CLI_OK)
		return ret;
	if (json)
		return cli_print_reply(cli);
	print_entry(res);
	return CLI_OK;
}

int cmd_bump(struct cli *cli, int argc, const char **argv)
{
	const char *reason = NULL;
	long to = 1;
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_INT("to", &to, "N", "the position to move to (default 1)"),
		OPT_STRING("reason", &reason, "TEXT",
			   "why (cache hot, size, ...)"),
		OPT_END(),
	};
	int n = cli_parse(cli, argc, argv, opts);

	if (n != 1)
		cli_usage_error(cli, "'bump' takes one series id");
	if (!reason || !*reason)
		cli_usage_error(cli, "'bump' needs '--reason'");
	if (to < 1)
		cli_usage_error(cli, "'--to' must be a position from 1");
	return post_series(cli, series_id_arg(cli, argv[0]), "bump",
			   json_pack("{s:i, s:s}", "to", (int)to, "reason",
				     reason),
			   json);
}

/* Why a target is the series' target, as show and target print it. */
static void print_target(const char *label, json_t *t)
{
	const char *source = json_str(t, "source");
	const char *detail = json_str(t, "detail");

	if (!json_is_object(t)) {
		printf("%snone (no [topic] prefixes or paths match, no [tree] default-topic)\n",
		       label);
		return;
	}
	printf("%s%s", label, json_str(t, "topic"));
	if (source && !strcmp(source, "maintainer"))
		printf(" (chosen with 'cthulhu target')\n");
	else if (source && !strcmp(source, "prefix"))
		printf(" (prefix '%s')\n", detail ? detail : "");
	else if (source && !strcmp(source, "paths"))
		printf(" (touches '%s')\n", detail ? detail : "");
	else
		printf(" ([tree] default-topic)\n");
}

int cmd_target(struct cli *cli, int argc, const char **argv)
{
	struct strbuf path = STRBUF_INIT;
	bool json = false, clear = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_FLAG("auto", &clear,
			 "forget the choice: go by the config's prefixes, paths and default-topic"),
		OPT_END(),
	};
	int n = cli_parse(cli, argc, argv, opts);
	json_t *res;
	long id;
	int ret;

	if (n != (clear ? 1 : 2))
		cli_usage_error(
			cli,
			"'target' takes a series id and a topic, or a series id and --auto");
	id = series_id_arg(cli, argv[0]);
	strbuf_addf(&path, "/api/v1/series/%ld/target", id);
	ret = cli_post(cli, path.buf,
		       json_pack("{s:s?}", "topic", clear ? NULL : argv[1]),
		       &res);
	strbuf_release(&path);
	if (ret != CLI_OK)
		return ret;
	if (json)
		return cli_print_reply(cli);
	printf("series %ld: ", id);
	print_target("target ", json_object_get(res, "target"));
	return CLI_OK;
}

int cmd_state(struct cli *cli, int argc, const char **argv)
{
	static const char *const states[] = {
		"reviewing", "changes-requested", "deferred", "rejected", "new",
	};
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_END(),
	};
	int n = cli_parse(cli, argc, argv, opts);
	size_t i;

	if (n != 2)
		cli_usage_error(cli, "'state' takes a series id and a state");
	for (i = 0; i < ARRAY_SIZE(states); i++)
		if (!strcmp(argv[1], states[i]))
			break;
	if (i == ARRAY_SIZE(states))
		cli_usage_error(cli, "unknown state '%s'", argv[1]);
	return post_series(cli, series_id_arg(cli, argv[0]), "state",
			   json_pack("{s:s}", "state", argv[1]), json);
}

/* --- show: a series as the reviewer sees it --------------------------- */

static void print_findings(json_t *findings, const char *indent)
{
	json_t *f;
	size_t i;

	json_array_foreach(findings, i, f)
		printf("%s%s: %s [%s]\n", indent, json_str(f, "severity"),
		       json_str(f, "message"), json_str(f, "rule"));
}

/* Why each mail of the series is in it, in the order they came. */
static void print_grouping(json_t *grouping)
{
	json_t *g;
	size_t i;

	if (!json_array_size(grouping))
		return;
	printf("grouping (in the order the mails came):\n");
	json_array_foreach(grouping, i, g) {
		const char *kind = json_str(g, "kind");

		if (!strcmp(kind, "patch"))
			printf("  [%lld] ", json_int(g, "number", 0));
		else if (!strcmp(kind, "cover"))
			printf("  [0] ");
		else
			printf("  %s ", kind);
		printf("<%s> %s: %s\n", json_str(g, "msgid"),
		       json_str(g, "reason") ? json_str(g, "reason") :
					       "unknown",
		       json_str(g, "detail") ? json_str(g, "detail") :
					       "came before reasons were kept");
	}
}

/* The queued series this one conflicts with, a line each. */
static void print_conflicts(json_t *conflicts)
{
	json_t *c;
	size_t i;

	if (!json_array_size(conflicts))
		return;
	printf("conflicts:\n");
	json_array_foreach(conflicts, i, c)
		printf("    %s\n", json_str(c, "says"));
}

/* The checks of the series, as patchwork lists them, and their sum. */
static void print_checks(json_t *res)
{
	json_t *checks = json_object_get(res, "checks"), *c;
	struct table *t;
	size_t i;

	if (!json_array_size(checks)) {
		printf("checks:   none\n");
		return;
	}
	printf("checks:   %s (%zu)\n",
	       json_str(res, "check") ? json_str(res, "check") : "?",
	       json_array_size(checks));
	t = table_new(4, NULL);
	json_array_foreach(checks, i, c) {
		const char *d = json_str(c, "description");
		const char *url = json_str(c, "target_url");

		table_addf(t, "    %s", json_str(c, "context"));
		table_add(t, json_str(c, "state"));
		table_add(t, d && *d ? d : "-");
		table_add(t, url ? url : "");
	}
	table_print(t, stdout, false);
	table_free(t);
}

static int print_show(struct cli *cli, json_t *res)
{
	json_t *q = json_object_get(res, "queue"), *p, *bump;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	printf("series %lld: %s\n", json_int(res, "id", 0),
	       json_str(res, "subject") ? json_str(res, "subject") : "");
	printf("author:   %s <%s>\n", json_str(res, "author_name"),
	       json_str(res, "author_email"));
	printf("version:  v%lld, %lld patch%s, state %s\n",
	       json_int(res, "version", 1), json_int(res, "total", 0),
	       json_int(res, "total", 0) == 1 ? "" : "es",
	       json_str(res, "state"));
	if (json_is_integer(json_object_get(res, "supersede_held")))
		printf("held:     has the name of series %lld from another address; not superseding it\n",
		       json_int(res, "supersede_held", 0));
	if (json_is_object(q) && json_is_true(json_object_get(q, "queued"))) {
		fmt_wait(&sb, json_object_get(q, "wait"));
		print_target("target:   ", json_object_get(q, "target"));
		printf("queue:    position %lld, lane %lld: %s\n",
		       json_int(q, "position", 0), json_int(q, "lane", 0),
		       json_str(q, "reason"));
		printf("wait:     %s (estimate: %s)\n", sb.buf,
		       json_str(json_object_get(q, "wait"), "basis"));
		bump = json_object_get(q, "bump");
		if (json_is_object(bump))
			printf("bumped:   to %lld: %s\n",
			       json_int(bump, "to", 0),
			       json_str(bump, "reason"));
	} else {
		printf("queue:    not queued\n");
	}
	if (json_array_size(json_object_get(res, "lint"))) {
		printf("lint (series):\n");
		print_findings(json_object_get(res, "lint"), "    ");
	}
	if (json_int(res, "nr_new_trailers", 0))
		printf("trailers: %lld new trailer%s since applied (cthulhu apply --update-trailers TOPIC)\n",
		       json_int(res, "nr_new_trailers", 0),
		       json_int(res, "nr_new_trailers", 0) == 1 ? "" : "s");
	print_conflicts(json_object_get(res, "conflicts"));
	json_array_foreach(json_object_get(res, "patches"), i, p) {
		json_t *t;
		size_t k;

		printf("[%lld] %s\n", json_int(p, "number", 0),
		       json_str(p, "subject"));
		print_findings(json_object_get(p, "lint"), "    ");
		json_array_foreach(json_object_get(p, "new_trailers"), k, t)
			printf("    new since applied: %s\n",
			       json_string_value(t));
		json_array_foreach(json_object_get(p, "trailers_left_out"), k,
				   t)
			printf("    left out, names someone else than its sender: %s\n",
			       json_string_value(t));
	}
	print_checks(res);
	print_grouping(json_object_get(res, "grouping"));
	strbuf_release(&sb);
	return CLI_OK;
}

/* The text of GET /api/v1/series/ID/range-diff, as git range-diff prints. */
static int print_range_diff(struct cli *cli, json_t *res)
{
	const char *text = json_string_value(json_object_get(res, "text"));

	(void)cli;
	fputs(text ? text : "", stdout);
	return CLI_OK;
}

int cmd_show(struct cli *cli, int argc, const char **argv)
{
	bool json = false, range = false;
	const char *topic = NULL;
	const struct cli_opt opts[] = {
		OPT_FLAG("range-diff", &range,
			 "what changed since the other version (git range-diff)"),
		OPT_STRING("topic", &topic, "TOPIC",
			   "with --range-diff: apply onto TOPIC's tip"),
		OPT_JSON(&json),
		OPT_END(),
	};
	struct strbuf path = STRBUF_INIT;
	int n = cli_parse(cli, argc, argv, opts), ret;

	if (n != 1)
		cli_usage_error(cli,
				"'show' takes one series (an id or a Message-ID)");
	if (topic && !range)
		cli_usage_error(cli, "--topic goes with --range-diff");
	strbuf_addstr(&path, "/api/v1/series/");
	url_escape(&path, argv[0], false);
	if (range) {
		strbuf_addstr(&path, "/range-diff");
		if (topic)
			url_add_query(&path, "topic", topic);
	}
	ret = cli_show(cli, path.buf, json,
		       range ? print_range_diff : print_show);
	strbuf_release(&path);
	return ret;
}
