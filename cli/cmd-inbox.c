// SPDX-License-Identifier: GPL-2.0
/*
 * cthulhu inboxes: the public-inbox inboxes cthulhud follows ([inbox]),
 * how far it has read each and how its last poll went.
 */
#include "build-config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "cli/cmds.h"

static const char *const inbox_cols[] = {
	"NAME", "POLL", "EPOCHS", "MESSAGES", "LAST-OK", "ERROR", "URL",
};

int cmd_inboxes(struct cli *cli, int argc, const char **argv)
{
	bool json = false;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_END(),
	};
	json_t *res, *in;
	struct table *t;
	size_t i;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (argc)
		cli_usage_error(cli, "'inboxes' takes no arguments");
	ret = cli_get(cli, "/api/v1/inboxes", &res);
	if (ret)
		return ret;
	if (json)
		return cli_print_reply(cli);
	t = table_new(ARRAY_SIZE(inbox_cols), inbox_cols);
	json_array_foreach(json_object_get(res, "inboxes"), i, in) {
		table_add(t, json_str(in, "name"));
		if (json_int(in, "poll", 0))
			table_addf(t, "%llds", json_int(in, "poll", 0));
		else
			table_add(t, "off");
		table_addf(t, "%zu",
			   json_array_size(json_object_get(in, "epochs")));
		table_add_json(t, json_object_get(in, "messages"));
		table_add_fmt(t, fmt_time, json_object_get(in, "last_ok"));
		table_add(t, json_str(in, "last_error") ?
				     json_str(in, "last_error") :
				     "-");
		table_add(t, json_str(in, "url"));
	}
	table_print(t, stdout, true);
	table_free(t);
	return CLI_OK;
}
