/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cmds.h"

/*
 * Recorded resolutions: write a topic's conflicted files with their
 * markers into a folder (--checkout), record the maintainer's resolution
 * of them (--record), list and forget resolutions.
 */

static const char *const resolution_cols[] = {
	"ID", "TOPIC", "PATH", "USES", "CREATED",
};

static int print_resolutions(struct cli *cli, json_t *res)
{
	struct table *t = table_new(5, resolution_cols);
	json_t *r;
	size_t i;

	json_array_foreach(res, i, r) {
		table_add_json(t, json_object_get(r, "id"));
		table_add(t, json_str(r, "topic"));
		table_add(t, json_str(r, "path"));
		table_add_json(t, json_object_get(r, "uses"));
		table_add_fmt(t, fmt_time, json_object_get(r, "created_at"));
	}
	table_print(t, stdout, true);
	table_free(t);
	return CLI_OK;
}

/* dir/path, with the folders on the way made. */
static int write_file(const char *dir, const char *path, const char *data,
		      size_t len)
{
	struct strbuf full = STRBUF_INIT;
	size_t i;
	FILE *f;
	int ret = 0;

	if (!path || !*path || path[0] == '/' || strstr(path, "..")) {
		cli_error("refusing to write '%s'", path ? path : "(null)");
		return CLI_REFUSED;
	}
	strbuf_addf(&full, "%s/%s", dir, path);
	for (i = strlen(dir) + 1; i < full.len; i++) {
		if (full.buf[i] != '/')
			continue;
		full.buf[i] = 0;
		mkdir(full.buf, 0777);
		full.buf[i] = '/';
	}
	f = fopen(full.buf, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		cli_error("cannot write '%s': %s", full.buf, strerror(errno));
		ret = CLI_REFUSED;
	}
	strbuf_release(&full);
	return ret;
}

static int checkout(struct cli *cli, const char *topic, const char *dir,
		    bool json)
{
	struct strbuf path = STRBUF_INIT;
	json_t *res, *f;
	size_t i;
	int ret;

	strbuf_addstr(&path, "/api/v1/next/conflicts/");
	url_escape(&path, topic, true);
	ret = cli_get(cli, path.buf, &res);
	strbuf_release(&path);
	if (ret)
		return ret;
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		cli_error("cannot make '%s': %s", dir, strerror(errno));
		return CLI_REFUSED;
	}
	json_array_foreach(json_object_get(res, "files"), i, f) {
		json_t *c = json_object_get(f, "content");

		ret = write_file(dir, json_str(f, "path"),
				 json_string_value(c) ? json_string_value(c) :
							"",
				 json_string_length(c));
		if (ret)
			return ret;
		if (!json)
			printf("%s/%s\n", dir, json_str(f, "path"));
	}
	return json ? cli_print_reply(cli) : CLI_OK;
}

static int record(struct cli *cli, const char *topic, const char *dir,
		  bool json)
{
	struct strbuf path = STRBUF_INIT, file = STRBUF_INIT;
	struct strbuf data = STRBUF_INIT;
	json_t *res, *f, *files, *r;
	size_t i;
	int ret;

	strbuf_addstr(&path, "/api/v1/next/conflicts/");
	url_escape(&path, topic, true);
	ret = cli_get(cli, path.buf, &res);
	if (ret)
		goto out;
	files = json_array();
	json_array_foreach(json_object_get(res, "files"), i, f) {
		strbuf_reset(&file);
		strbuf_reset(&data);
		strbuf_addf(&file, "%s/%s", dir, json_str(f, "path"));
		ret = cli_read_input(file.buf, &data);
		if (ret) {
			json_decref(files);
			goto out;
		}
		json_array_append_new(files,
				      json_pack("{s:s, s:s%}", "path",
						json_str(f, "path"), "content",
						data.buf, data.len));
	}
	strbuf_reset(&path);
	strbuf_addstr(&path, "/api/v1/next/resolutions/");
	url_escape(&path, topic, true);
	ret = cli_post(cli, path.buf, json_pack("{s:o}", "files", files), &res);
	if (ret)
		goto out;
	if (json) {
		ret = cli_print_reply(cli);
		goto out;
	}
	json_array_foreach(json_object_get(res, "recorded"), i, r)
		printf("recorded resolution %lld of '%s'\n",
		       json_int(r, "id", 0), json_str(r, "path"));
out:
	strbuf_release(&path);
	strbuf_release(&file);
	strbuf_release(&data);
	return ret;
}

int cmd_resolve(struct cli *cli, int argc, const char **argv)
{
	const char *checkout_dir = NULL, *record_dir = NULL;
	bool json = false, list = false;
	long forget = 0;
	const struct cli_opt opts[] = {
		OPT_JSON(&json),
		OPT_STRING("checkout", &checkout_dir, "DIR",
			   "write TOPIC's conflicted files, with markers, into DIR"),
		OPT_STRING("record", &record_dir, "DIR",
			   "record the resolved files in DIR as TOPIC's resolution"),
		OPT_FLAG("list", &list, "list the recorded resolutions"),
		OPT_INT("forget", &forget, "ID", "forget resolution ID"),
		OPT_END(),
	};
	struct strbuf path = STRBUF_INIT;
	json_t *res;
	int ret;

	argc = cli_parse(cli, argc, argv, opts);
	if (list + !!forget + !!checkout_dir + !!record_dir != 1)
		cli_usage_error(
			cli,
			"'resolve' needs one of --checkout, --record, --list, --forget");
	if ((list || forget) && argc)
		cli_usage_error(cli,
				"'resolve --list' and '--forget' take no topic");
	if ((checkout_dir || record_dir) && argc != 1)
		cli_usage_error(cli, "'resolve' needs a topic");
	if (list)
		return cli_show(cli, "/api/v1/next/resolutions", json,
				print_resolutions);
	if (forget) {
		strbuf_addf(&path, "/api/v1/next/resolutions/%ld", forget);
		ret = cli_delete(cli, path.buf, &res);
		strbuf_release(&path);
		if (ret)
			return ret;
		if (json)
			return cli_print_reply(cli);
		printf("forgot resolution %ld\n", forget);
		return CLI_OK;
	}
	if (checkout_dir)
		return checkout(cli, argv[0], checkout_dir, json);
	return record(cli, argv[0], record_dir, json);
}
