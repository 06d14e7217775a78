/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds.h"

/* The Cthulhu merge: the latest build of next (next) and asking for one. */

/*
 * The columns of a build's topics; GATE (the gate's word on the topic:
 * "-", "ejected" (left out), "fallback" (merged at its last good tip) or
 * "lifted" (ejected, and merged at its tip again since a merge-fix was
 * recorded)) comes after NEXT for a build where the gate marked some
 * topic.
 */
static const char *const build_cols[] = {
	"#", "TOPIC", "OUTCOME", "TIP", "NEXT", "CONFLICTS",
};

/* The merge-fixes of a topic's merge; the one that did not apply marked. */
static void fmt_fixes(struct strbuf *sb, json_t *t)
{
	json_t *failed = json_object_get(t, "merge_fix_failed");
	json_t *fixes = json_object_get(t, "merge_fixes");
	json_t *f;
	size_t i;

	if (json_is_string(failed)) {
		fmt_sha(sb, failed);
		strbuf_addstr(sb, " (does not apply)");
		return;
	}
	if (!json_is_array(fixes) || !json_array_size(fixes)) {
		strbuf_addch(sb, '-');
		return;
	}
	json_array_foreach(fixes, i, f) {
		if (i)
			strbuf_addch(sb, ' ');
		fmt_sha(sb, f);
	}
}

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

/* Whether any topic of the build took a merge-fix, or failed one. */
static bool any_fixes(json_t *topics)
{
	json_t *t;
	size_t i;

	json_array_foreach(topics, i, t)
		if (json_array_size(json_object_get(t, "merge_fixes")) ||
		    json_is_string(json_object_get(t, "merge_fix_failed")))
			return true;
	return false;
}

/* Whether the gate marked any topic of the build. */
static bool any_gate_words(json_t *topics)
{
	json_t *t;
	size_t i;

	json_array_foreach(topics, i, t)
		if (json_str(t, "gate"))
			return true;
	return false;
}

/* Below the table: why the gate marked each topic it marked. */
static void print_gate_words(json_t *topics)
{
	json_t *t;
	size_t i;

	json_array_foreach(topics, i, t) {
		if (!json_str(t, "gate"))
			continue;
		printf("%s: %s: %s\n", json_str(t, "topic"),
		       json_str(t, "gate"),
		       json_str(t, "gate_reason") ? json_str(t, "gate_reason") :
						    "(no reason recorded)");
	}
}

/*
 * A build: its line, and a line per topic; with why, also how each merge
 * was made and why the fast path left it to git ("-" when it did not).
 */
static void print_build(json_t *build, bool why)
{
	struct strbuf line = STRBUF_INIT;
	json_t *topics, *t;
	const char *cols[10];
	struct table *tab;
	size_t i, ncols = 0;
	bool fixes, gate;

	if (!json_is_object(build)) {
		printf("no build of next yet\n");
		return;
	}
	strbuf_addf(&line, "build %lld (%s%s): %s", json_int(build, "id", 0),
		    json_str(build, "trigger") ? json_str(build, "trigger") :
						 "?",
		    json_is_true(json_object_get(build, "full")) ? ", full" :
								   "",
		    json_str(build, "state") ? json_str(build, "state") : "?");
	if (json_str(build, "result")) {
		strbuf_addstr(&line, " ");
		fmt_sha(&line, json_object_get(build, "result"));
	}
	strbuf_addf(&line,
		    ", %lld merged, %lld reused, %lld conflicting, %lld ms",
		    json_int(build, "merges_done", 0),
		    json_int(build, "merges_reused", 0),
		    json_int(build, "conflicts", 0),
		    json_int(build, "duration_ms", 0));
	printf("%s\n", line.buf);
	if (json_str(build, "error"))
		printf("error: %s\n", json_str(build, "error"));
	strbuf_release(&line);

	topics = json_object_get(build, "topics");
	/* the GATE and MERGE-FIX columns only for a build that has some */
	gate = any_gate_words(topics);
	fixes = any_fixes(topics);
	for (i = 0; i < ARRAY_SIZE(build_cols); i++) {
		if (gate && !strcmp(build_cols[i], "CONFLICTS"))
			cols[ncols++] = "GATE";
		cols[ncols++] = build_cols[i];
	}
	if (fixes)
		cols[ncols++] = "MERGE-FIX";
	if (why) {
		cols[ncols++] = "METHOD";
		cols[ncols++] = "WHY";
	}
	tab = table_new(ncols, cols);
	json_array_foreach(topics, i, t) {
		table_addf(tab, "%lld", json_int(t, "pos", 0) + 1);
		table_add(tab, json_str(t, "topic"));
		table_add(tab, json_str(t, "outcome"));
		table_add_fmt(tab, fmt_sha, json_object_get(t, "tip"));
		table_add_fmt(tab, fmt_sha, json_object_get(t, "merge_commit"));
		if (gate)
			table_add(tab, json_str(t, "gate") ?
					       json_str(t, "gate") :
					       "-");
		table_add_fmt(tab, fmt_paths, json_object_get(t, "conflicts"));
		if (fixes)
			table_add_fmt(tab, fmt_fixes, t);
		if (!why)
			continue;
		table_add(tab,
			  json_str(t, "method") ? json_str(t, "method") : "-");
		table_add(tab, json_str(t, "fallback_reason") ?
				       json_str(t, "fallback_reason") :
				       "-");
	}
	table_print(tab, stdout, true);
	table_free(tab);
	print_gate_words(topics);
}

static bool show_why;

static int print_next(struct cli *cli, json_t *res)
{
	json_t *gate = json_object_get(res, "gate");

	/* gated: the published next, then the candidate and its gate */
	if (json_is_object(gate)) {
		struct strbuf line = STRBUF_INIT;

		strbuf_addstr(&line, "published next: ");
		fmt_sha(&line, json_object_get(res, "commit"));
		printf("%s\n", line.buf);
		strbuf_release(&line);
		gate_print_summary(gate);
	}
	print_build(json_object_get(res, "build"), show_why);
	return CLI_OK;
}

int cmd_next(struct cli *cli, int argc, const char **argv)
{
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_FLAG("why", &show_why,
			 "show how each merge was made and why git made it"),
		OPT_END(),
	};

	argc = cli_parse(cli, argc, argv, opts);
	if (argc)
		cli_usage_error(cli, "'next' takes no arguments");
	return cli_show(cli, "/api/v1/next", json, print_next);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The id of the latest build, 0 when there is none. */
static long long latest_build(struct cli *cli, const char **state)
{
	json_t *res;

	if (cli_get(cli, "/api/v1/next/builds?limit=1", &res) ||
	    !json_array_size(res))
		return 0;
	if (state)
		*state = json_str(json_array_get(res, 0), "state");
	return json_int(json_array_get(res, 0), "id", 0);
}

/*
 * rebuild --wait on a terminal: queue the job, show its progress ("topic
 * 3 of 7") on stderr while it runs, then the build it made.
 */
static int rebuild_progress(struct cli *cli, bool full)
{
	struct strbuf path = STRBUF_INIT;
	long long before, job, id;
	const char *state;
	json_t *res, *cur;
	int ret, shown = 0, idle = 0;

	before = latest_build(cli, NULL);
	ret = cli_post(cli, "/api/v1/next/rebuild",
		       json_pack("{s:b, s:b}", "full", full, "wait", 0), &res);
	if (ret)
		return ret;
	job = json_int(res, "job", 0);
	for (;;) {
		nap_ms(100);
		if (cli_get(cli, "/api/v1/status", &res))
			continue;
		cur = json_object_get(res, "job");
		if (json_int(cur, "id", 0) == job) {
			cli_write_raw(stderr, "\r", 1);
			fprintf(stderr, "rebuilding next: %s   ",
				json_str(cur, "progress") ?
					json_str(cur, "progress") :
					"starting");
			shown = 1;
			continue;
		}
		id = latest_build(cli, &state);
		if (id > before && state && strcmp(state, "running") &&
		    strcmp(state, "updating"))
			break;
		/* queued behind other jobs, or failed before any build */
		if (++idle > 600) {
			cli_error(
				"no build after a minute; see the daemon's log");
			return CLI_REFUSED;
		}
	}
	if (shown) {
		char blank[42];

		memset(blank, ' ', sizeof(blank));
		blank[0] = blank[41] = '\r';
		cli_write_raw(stderr, blank, sizeof(blank));
	}
	strbuf_addf(&path, "/api/v1/next/builds/%lld", id);
	ret = cli_get(cli, path.buf, &res);
	strbuf_release(&path);
	if (ret)
		return ret;
	print_build(res, false);
	return CLI_OK;
}

int cmd_rebuild(struct cli *cli, int argc, const char **argv)
{
	bool json = false, full = false, wait = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_FLAG("full", &full,
			 "merge every topic again, reuse nothing"),
		OPT_FLAG("wait", &wait, "wait for the build and show it"),
		OPT_END(),
	};
	json_t *res;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (argc)
		cli_usage_error(cli, "'rebuild' takes no arguments");
	if (wait && !json && isatty(STDERR_FILENO) && isatty(STDOUT_FILENO))
		return rebuild_progress(cli, full);
	ret = cli_post(cli, "/api/v1/next/rebuild",
		       json_pack("{s:b, s:b}", "full", full, "wait", wait),
		       &res);
	if (ret)
		return ret;
	if (json)
		return cli_print_reply(cli);
	if (wait)
		print_build(res, false);
	else
		printf("rebuild queued as job %lld\n", json_int(res, "job", 0));
	return CLI_OK;
}
