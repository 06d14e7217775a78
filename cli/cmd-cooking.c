/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cthulhu cooking [--mail] [--json]
 *
 * The "What's cooking" report: its text, as the mail has it, goes to
 * standard output (the daemon writes it: GET /api/v1/cooking's "text").
 * With --mail the daemon mails it to [report] to now, and what was sent
 * is said on standard output.
 */
#include "build-config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "cli/cmds.h"

static int print_report(struct cli *cli, json_t *res)
{
	const char *text = json_str(res, "text");

	fputs(text ? text : "", stdout);
	return CLI_OK;
}

int cmd_cooking(struct cli *cli, int argc, const char **argv)
{
	bool json = false, mail = false;
	struct cli_opt opts[] = {
		OPT_FLAG("mail", &mail, "mail the report to [report] to now"),
		OPT_JSON(&json),
		OPT_END(),
	};
	json_t *res;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (argc)
		cli_usage_error(cli, "'cooking' takes no arguments");
	if (!mail)
		return cli_show(cli, "/api/v1/cooking", json, print_report);
	ret = cli_post(cli, "/api/v1/cooking/mail", NULL, &res);
	if (ret || json)
		return ret ? ret : cli_print_reply(cli);
	printf("mailed '%s' to %s (notification %lld, %lld topics)\n",
	       json_str(res, "subject"), json_str(res, "to"),
	       json_int(res, "notification", 0), json_int(res, "topics", 0));
	return CLI_OK;
}
