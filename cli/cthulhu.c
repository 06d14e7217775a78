/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cthulhu: the maintainer's command line client of cthulhud.
 *
 * It parses arguments, sends HTTP requests to the daemon (cli/client.c:
 * plain HTTP/1.1 over the Unix socket, libcurl over TCP) and formats the
 * answers.  No git,
 * no SQL, no mail parsing here: the daemon does the work.
 *
 * How to add a verb (say "queue"):
 *
 *  1. Write cli/cmd-queue.c with
 *	int cmd_queue(struct cli *cli, int argc, const char **argv)
 *     which declares its options (OPT_JSON, OPT_FLAG, OPT_STRING, OPT_INT,
 *     OPT_END from cli/cli.h), calls cli_parse() to get its arguments,
 *     checks them with cli_usage_error() (exit 2), asks the daemon with
 *     cli_get()/cli_post()/cli_post_raw()/cli_delete() (which print the
 *     daemon's error and return exit code 1 or 3), and prints the answer:
 *     cli_print_reply() for --json, a struct table otherwise.  A read verb
 *     is often one line: return cli_show(cli, path, json, print_queue);
 *     Escape names in paths with url_escape(), add queries with
 *     url_add_query().  For "submit FILE|-" there is cli_read_input() and
 *     cli_post_raw(); for "--patches 1,3-5" cli_parse_numbers().
 *     cmd-status.c and cmd-topics.c are short examples.
 *  2. Declare cmd_queue() in cli/cmds.h.
 *  3. Add a line to the verbs[] table below: name, function, usage (one
 *     line per form, without "cthulhu "), one-line summary.  Help and the
 *     verb list of "cthulhu --help" come from there and from the options.
 *  4. Add cli/cmd-queue.c to cli_libcthulhu_a_SOURCES in Makefile.am, the
 *     verb to doc/cthulhu.1 and its routes to doc/api.md.
 */
#include "build-config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "lib/xalloc.h"

static const struct cmd verbs[] = {
	{ "status", cmd_status, "status [--json]",
	  "show the daemon, the tree and the job running" },
	{ "topics", cmd_topics,
	  "topics [--json]\n"
	  "topics show NAME [--json]\n"
	  "topics add NAME --branch BRANCH [--order N] [--no-next] [--json]\n"
	  "topics remove NAME [--json]",
	  "list the topics, show one with its recent moves, add or remove one" },
	{ "poke", cmd_poke, "poke [--json]",
	  "look at the topic branches now and record what moved" },
	{ "events", cmd_events,
	  "events [--since ID] [--limit N] [--topic NAME] [--follow] [--json]",
	  "show topic moves, oldest first; --follow keeps printing new ones" },
	{ "next", cmd_next, "next [--json]",
	  "show the latest build of next, a line per topic" },
	{ "rebuild", cmd_rebuild, "rebuild [--full] [--wait] [--json]",
	  "rebuild next now; --wait shows the build when it is done" },
	{ "resolve", cmd_resolve,
	  "resolve TOPIC --checkout DIR [--json]\n"
	  "resolve TOPIC --record DIR [--json]\n"
	  "resolve --list [--json]\n"
	  "resolve --forget ID [--json]",
	  "record how a topic's conflict in next is resolved, for later builds" },
	{ "merge-fix", cmd_merge_fix,
	  "merge-fix record TOPIC COMMIT [--with OTHER] [--json]\n"
	  "merge-fix list [--json]\n"
	  "merge-fix drop TOPIC [--with OTHER] [--json]",
	  "keep a commit that fixes a topic's merge into next (a semantic conflict)" },
	{ "cycle", cmd_cycle, "cycle [--now SECONDS] [--json]",
	  "show where mainline is in its release cycle and the soft closes" },
	{ "queue", cmd_queue,
	  "queue [--lane L] [--limit N] [--offset N] [--why] [--json]",
	  "list the review queue in order, with lanes, waits and lint" },
	{ "bump", cmd_bump, "bump SERIES [--to N] --reason TEXT [--json]",
	  "move a series to another place in the review queue" },
	{ "state", cmd_state,
	  "state SERIES reviewing|changes-requested|deferred|rejected|new [--json]",
	  "set the review state of a series" },
	{ "target", cmd_target,
	  "target SERIES TOPIC [--json]\n"
	  "target SERIES --auto [--json]",
	  "choose the topic a queued series is meant for" },
	{ "check", cmd_check,
	  "check [--description TEXT] [--url URL] [--json] SERIES CONTEXT STATE",
	  "record an outside check of a series (pending, success, warning, fail)" },
	{ "show", cmd_show,
	  "show SERIES [--range-diff [--topic TOPIC]] [--json]",
	  "show a series with its place in the queue and its lint findings" },
	{ "submit", cmd_submit,
	  "submit [--mboxrd] [--json] FILE|-\n"
	  "submit --msgid ID|URL [--json]",
	  "hand patch mail (an mbox, or a thread from an inbox) to the intake" },
	{ "inboxes", cmd_inboxes, "inboxes [--json]",
	  "list the public-inbox inboxes followed and how far each was read" },
	{ "series", cmd_series,
	  "series [--author WHO | --msgid ID] [--json]\n"
	  "series ID [--json]",
	  "list the patch series received, or show one with its patches" },
	{ "apply", cmd_apply,
	  "apply [--patches LIST] [--force] [--json] SERIES TOPIC\n"
	  "apply --update-trailers TOPIC [--json]",
	  "apply a series, or some of its patches, to a topic as git am -s does" },
	{ "am", cmd_am, "am [--patches LIST] [-s] [-o FILE] SERIES",
	  "write a series as the mbox git am takes to commit what apply commits" },
	{ "drop", cmd_drop, "drop --reason TEXT [--json] COMMIT",
	  "remove an applied commit from its topic and tell its author why" },
	{ "outbox", cmd_outbox, "outbox [--limit N] [--json]",
	  "list the notifications sent to patch authors" },
	{ "supersede", cmd_supersede, "supersede [--json] NEW OLD",
	  "record that series NEW replaces series OLD" },
	{ "pull-request", cmd_pullreq,
	  "pull-request TOPIC [--tag NAME] [--message TEXT] [--json]",
	  "tag a topic and write its pull request as git request-pull does" },
	{ "gate", cmd_gate,
	  "gate [--json]\n"
	  "gate log RUN [--json]",
	  "show the gate of next (candidate, runs, ejections) or a run's log" },
	{ "cooking", cmd_cooking, "cooking [--mail] [--json]",
	  "show what is cooking: every topic, its commits and where it stands" },
};

static const struct cmd cmd_main = {
	"cthulhu",
	NULL,
	"[--socket PATH | --url URL [--token-file FILE]] [--json] VERB [ARGS]\n"
	"--help | --version | help VERB",
	"",
};

static void print_main_help(FILE *f)
{
	size_t i;

	cli_print_usage(&cmd_main, f);
	fprintf(f,
		"\nThe maintainer's client of cthulhud, which runs a kernel maintainer's\n"
		"git tree: topics, next, the review queue.\n\nverbs:\n");
	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(f, "    %-14s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f,
		"\nconnection (before or after the verb):\n"
		"    --socket PATH          the daemon's Unix socket (default: $CTHULHU_SOCKET,\n"
		"                           else %s)\n"
		"    --url URL              the daemon's TCP listener, http://HOST:PORT\n"
		"    --token-file FILE      the bearer token, for changes over TCP\n"
		"\n--json before the verb is the verb's --json: the API's answer as it is.\n"
		"\n'cthulhu VERB --help' describes a verb.  Exit codes: 0 done, 1 the daemon\n"
		"refused (its message is printed), 2 usage, 3 the daemon cannot be reached.\n",
		CTHULHU_DEFAULT_SOCKET);
}

static const struct cmd *find_verb(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

__attribute__((format(printf, 1, 2), noreturn)) static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_print_usage(&cmd_main, stderr);
	fprintf(stderr, "see 'cthulhu --help'\n");
	exit(CLI_USAGE);
}

/* "cthulhu help [VERB]": the same as "cthulhu VERB --help". */
static int run_help(struct cli *cli, int argc, const char **argv)
{
	const char *args[] = { NULL, "--help", NULL };

	if (argc < 2) {
		print_main_help(stdout);
		return CLI_OK;
	}
	cli->cmd = find_verb(argv[1]);
	if (!cli->cmd)
		usage_error("unknown verb '%s'", argv[1]);
	args[0] = argv[1];
	return cli->cmd->run(cli, 2, args);
}

/*
 * "cthulhu --json VERB ARGS": the verb's own "VERB --json ARGS", since
 * every verb takes it.  Returns an argv the caller frees (not its strings).
 */
static const char **json_args(int argc, const char **argv)
{
	const char **args = xcalloc(argc + 2, sizeof(*args));

	args[0] = argv[0];
	args[1] = "--json";
	memcpy(args + 2, argv + 1, (argc - 1) * sizeof(*args));
	return args;
}

int main(int argc, const char **argv)
{
	struct cli cli = { 0 };
	const char *arg, *val, **args = NULL;
	bool json = false;
	int i, ret;

	cli_escape_output();
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (arg[0] != '-')
			break;
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			print_main_help(stdout);
			return CLI_OK;
		}
		if (!strcmp(arg, "--version")) {
			printf("cthulhu %s\n", PACKAGE_VERSION);
			return CLI_OK;
		}
		if (!strcmp(arg, "--json")) {
			json = true;
			continue;
		}
		if (skip_prefix(arg, "--socket", &val) ||
		    skip_prefix(arg, "--url", &val) ||
		    skip_prefix(arg, "--token-file", &val)) {
			if (*val && *val != '=')
				usage_error("unknown option '%s'", arg);
			if (*val) {
				val++;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				usage_error("option '%s' needs a value", arg);
			}
			if (starts_with(arg, "--socket"))
				cli.socket_path = val;
			else if (starts_with(arg, "--url"))
				cli.url = val;
			else
				cli.token_file = val;
			continue;
		}
		usage_error("unknown option '%s'", arg);
	}
	if (i == argc) {
		fprintf(stderr, "error: no verb given\n");
		cli_print_usage(&cmd_main, stderr);
		fprintf(stderr, "see 'cthulhu --help'\n");
		return CLI_USAGE;
	}

	if (!strcmp(argv[i], "help")) {
		ret = run_help(&cli, argc - i, argv + i);
	} else {
		cli.cmd = find_verb(argv[i]);
		if (!cli.cmd)
			usage_error("unknown verb '%s'", argv[i]);
		if (json) {
			args = json_args(argc - i, argv + i);
			ret = cli.cmd->run(&cli, argc - i + 1, args);
		} else {
			ret = cli.cmd->run(&cli, argc - i, argv + i);
		}
	}
	free(args);

	fflush(stdout);
	client_reply_release(&cli.reply);
	if (cli.connected)
		client_release(&cli.client);
	if (ferror(stdout)) {
		fprintf(stderr, "error: cannot write the output\n");
		return CLI_REFUSED;
	}
	return ret;
}
