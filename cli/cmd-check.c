/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"

/*
 * check: record an outside check of a series, as a CI posts it to
 * POST /api/v1/series/ID/checks (patchwork's Checks API).
 */

int cmd_check(struct cli *cli, int argc, const char **argv)
{
	const char *description = NULL, *url = NULL;
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_STRING("description", &description, "TEXT",
			   "what the check found"),
		OPT_STRING("url", &url, "URL",
			   "where its details are (http or https)"),
		OPT_JSON(&json),
		OPT_END(),
	};
	struct strbuf path = STRBUF_INIT;
	int n = cli_parse(cli, argc, argv, opts), ret;
	json_t *res = NULL;
	char *end;
	long id;

	if (n != 3)
		cli_usage_error(cli,
				"'check' takes a series id, a context and a state");
	id = strtol(argv[0], &end, 10);
	if (!*argv[0] || *end || id <= 0)
		cli_usage_error(cli, "'%s' is not a series id", argv[0]);
	strbuf_addf(&path, "/api/v1/series/%ld/checks", id);
	ret = cli_post(cli, path.buf,
		       json_pack("{s:s, s:s, s:s?, s:s?}", "context", argv[1],
				 "state", argv[2], "description", description,
				 "target_url", url),
		       &res);
	strbuf_release(&path);
	if (ret != CLI_OK)
		return ret;
	if (json)
		return cli_print_reply(cli);
	printf("series %ld: check '%s' is %s\n", id, json_str(res, "context"),
	       json_str(res, "state"));
	return CLI_OK;
}
