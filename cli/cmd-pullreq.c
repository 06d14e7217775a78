/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cthulhu pull-request TOPIC [--tag NAME] [--message TEXT]
 *
 * The request text goes to standard output as it is, ready to mail;
 * what was done (the tag, the file it was saved to, warnings) goes to
 * standard error.
 */
#include "build-config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "cli/cmds.h"

int cmd_pullreq(struct cli *cli, int argc, const char **argv)
{
	const char *tag = NULL, *message = NULL;
	bool json = false;
	struct cli_opt opts[] = {
		OPT_STRING("tag", &tag, "NAME",
			   "the tag to make (default from [pull] tag-format)"),
		OPT_STRING("message", &message, "TEXT",
			   "the tag's message (default: a line per commit)"),
		OPT_JSON(&json),
		OPT_END(),
	};
	const char *text;
	json_t *body, *res, *w;
	size_t i;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (argc != 1)
		cli_usage_error(cli, "'pull-request' takes one topic");
	if (tag && !*tag)
		cli_usage_error(cli, "'--tag' needs a name");
	body = json_pack("{s:s}", "topic", argv[0]);
	if (tag)
		json_object_set_new(body, "tag", json_string(tag));
	if (message)
		json_object_set_new(body, "message", json_string(message));
	ret = cli_post(cli, "/api/v1/pull-request", body, &res);
	if (ret || json)
		return ret ? ret : cli_print_reply(cli);
	json_array_foreach(json_object_get(res, "warnings"), i, w)
		fprintf(stderr, "warning: %s\n", json_string_value(w));
	fprintf(stderr, "tagged %.12s of '%s' as '%s'%s",
		json_str(res, "commit"), json_str(res, "topic"),
		json_str(res, "tag"),
		json_is_true(json_object_get(res, "signed")) ? " (signed)" :
							       "");
	if (json_str(res, "file"))
		fprintf(stderr, "; request saved as %s", json_str(res, "file"));
	fputc('\n', stderr);
	text = json_str(res, "text");
	fputs(text ? text : "", stdout);
	return CLI_OK;
}
