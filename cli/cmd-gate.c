/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"

/* The gate of next: its state (gate), a run's log (gate log RUN). */

static const char *const run_cols[] = {
	"RUN", "ROUND", "PROBE", "TOPIC", "COMMIT", "STATE", "TRY", "MS",
};

static const char *const ejection_cols[] = {
	"TOPIC", "STATE", "BAD", "GOOD", "FAILING RUN", "WITH",
};

void gate_print_summary(json_t *gate)
{
	json_t *cand = json_object_get(gate, "candidate");
	struct strbuf line = STRBUF_INIT;

	if (!json_is_object(gate) ||
	    !json_is_true(json_object_get(gate, "enabled")))
		return;
	if (!json_is_object(cand)) {
		printf("gate: no candidate yet\n");
		return;
	}
	strbuf_addf(&line, "gate: candidate %lld %s (build %lld, ",
		    json_int(cand, "id", 0),
		    json_str(cand, "state") ? json_str(cand, "state") : "?",
		    json_int(cand, "build", 0));
	fmt_sha(&line, json_object_get(cand, "commit"));
	strbuf_addf(&line, "): %s",
		    json_str(cand, "progress") ? json_str(cand, "progress") :
						 "");
	printf("%s\n", line.buf);
	if (json_str(cand, "reason"))
		printf("gate: %s\n", json_str(cand, "reason"));
	if (json_str(cand, "flaky"))
		printf("gate: flaky: %s\n", json_str(cand, "flaky"));
	strbuf_release(&line);
}

static int print_gate(struct cli *cli, json_t *gate)
{
	json_t *cand = json_object_get(gate, "candidate"), *r;
	struct strbuf line = STRBUF_INIT;
	struct table *tab;
	size_t i;

	if (!json_is_true(json_object_get(gate, "enabled"))) {
		printf("no gate: [gate] command is not set, next moves at once\n");
		return CLI_OK;
	}
	strbuf_addf(&line,
		    "gate: '%s', %lld at once, timeout %lld s, publish %s",
		    json_str(gate, "command"), json_int(gate, "jobs", 1),
		    json_int(gate, "timeout", 0), json_str(gate, "publish"));
	if (json_int(gate, "retries", 0))
		strbuf_addf(&line, ", %lld retr%s",
			    json_int(gate, "retries", 0),
			    json_int(gate, "retries", 0) == 1 ? "y" : "ies");
	if (json_is_true(json_object_get(gate, "reprobe")))
		strbuf_addstr(&line, ", re-probe before ejecting");
	printf("%s\n", line.buf);
	strbuf_reset(&line);
	strbuf_addstr(&line, "published next: ");
	fmt_sha(&line,
		json_object_get(json_object_get(gate, "published"), "commit"));
	printf("%s\n", line.buf);
	strbuf_release(&line);
	gate_print_summary(gate);
	if (json_array_size(json_object_get(cand, "runs"))) {
		tab = table_new(8, run_cols);
		json_array_foreach(json_object_get(cand, "runs"), i, r) {
			json_t *probe = json_object_get(r, "probe");

			table_addf(tab, "%lld", json_int(r, "id", 0));
			table_addf(tab, "%lld", json_int(r, "round", 0));
			if (json_is_integer(probe))
				table_addf(tab, "%lld",
					   (long long)json_integer_value(
						   probe));
			else
				table_add(tab, "-");
			table_add(tab, json_str(r, "topic") ?
					       json_str(r, "topic") :
					       "(whole)");
			table_add_fmt(tab, fmt_sha,
				      json_object_get(r, "commit"));
			if (json_is_true(json_object_get(r, "flaky")))
				table_addf(tab, "%s (flaky)",
					   json_str(r, "state"));
			else
				table_add(tab, json_str(r, "state"));
			/* the attempt, and why the probe is run once more */
			table_addf(tab, "%lld%s%s", json_int(r, "attempt", 1),
				   json_str(r, "recheck") ? " " : "",
				   json_str(r, "recheck") ?
					   json_str(r, "recheck") :
					   "");
			table_addf(tab, "%lld", json_int(r, "duration_ms", 0));
		}
		printf("\n");
		table_print(tab, stdout, true);
		table_free(tab);
	}
	if (json_array_size(json_object_get(gate, "ejections"))) {
		tab = table_new(6, ejection_cols);
		json_array_foreach(json_object_get(gate, "ejections"), i, r) {
			table_add(tab, json_str(r, "topic"));
			table_add(tab, json_str(r, "state"));
			table_add_fmt(tab, fmt_sha,
				      json_object_get(r, "bad_tip"));
			table_add_fmt(tab, fmt_sha,
				      json_object_get(r, "good_tip"));
			table_addf(tab, "%lld", json_int(r, "fail_run", 0));
			table_add(tab, json_str(r, "with") ?
					       json_str(r, "with") :
					       "-");
		}
		printf("\n");
		table_print(tab, stdout, true);
		table_free(tab);
		/*
		 * A pair: say so, and how to record its merge-fix, or the
		 * merge-fix that lifted it.
		 */
		json_array_foreach(json_object_get(gate, "ejections"), i, r) {
			if (json_str(r, "merge_fix")) {
				printf("%s: lifted by merge-fix %.12s: %s\n",
				       json_str(r, "topic"),
				       json_str(r, "merge_fix"),
				       json_str(r, "state") &&
						       !strcmp(json_str(r,
									"state"),
							       "cleared") ?
					       "the gate passes with it" :
					       "tried again with it");
				continue;
			}
			if (!json_str(r, "says"))
				continue;
			printf("%s: %s; record a merge-fix once one is committed:\n"
			       "    %s\n",
			       json_str(r, "topic"), json_str(r, "says"),
			       json_str(r, "suggest") ? json_str(r, "suggest") :
							"");
		}
	}
	return CLI_OK;
}

static int gate_log(struct cli *cli, int argc, const char **argv, bool json)
{
	struct strbuf path = STRBUF_INIT;
	const char *text;
	json_t *res;
	char *end;
	int ret;

	if (argc != 1)
		cli_usage_error(cli, "'gate log' takes one gate run id");
	if (!*argv[0] || (strtol(argv[0], &end, 10), *end))
		cli_usage_error(cli, "'%s' is not a gate run id", argv[0]);
	strbuf_addf(&path, "/api/v1/next/gate/runs/%s?log=1", argv[0]);
	ret = cli_get(cli, path.buf, &res);
	strbuf_release(&path);
	if (ret)
		return ret;
	if (json)
		return cli_print_reply(cli);
	text = json_str(res, "text");
	if (!text) {
		cli_error("gate run '%s' has no log", argv[0]);
		return CLI_REFUSED;
	}
	fputs(text, stdout);
	if (*text && text[strlen(text) - 1] != '\n')
		putchar('\n');
	return CLI_OK;
}

int cmd_gate(struct cli *cli, int argc, const char **argv)
{
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_END(),
	};

	argc = cli_parse(cli, argc, argv, opts);
	if (argc && !strcmp(argv[0], "log"))
		return gate_log(cli, argc - 1, argv + 1, json);
	if (argc)
		cli_usage_error(cli, "unknown 'gate' action '%s'", argv[0]);
	return cli_show(cli, "/api/v1/next/gate", json, print_gate);
}
