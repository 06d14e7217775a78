/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/xalloc.h"

/* Every verb takes these; their values go to struct cli. */
static const struct {
	const char *name;
	const char *arg;
	size_t offset;
} conn_opts[] = {
	{ "socket", "PATH", offsetof(struct cli, socket_path) },
	{ "url", "URL", offsetof(struct cli, url) },
	{ "token-file", "FILE", offsetof(struct cli, token_file) },
};

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_print_usage(const struct cmd *cmd, FILE *f)
{
	const char *line = cmd->usage, *end;
	bool first = true;

	while (*line) {
		end = strchrnul(line, '\n');
		fprintf(f, "%s cthulhu %.*s\n",
			first ? "usage:" : "   or:", (int)(end - line), line);
		first = false;
		line = *end ? end + 1 : end;
	}
}

void cli_usage_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_print_usage(cli->cmd, stderr);
	exit(CLI_USAGE);
}

void cli_print_help(const struct cmd *cmd, const struct cli_opt *opts)
{
	struct strbuf sb = STRBUF_INIT;
	const struct cli_opt *o;
	size_t i;

	cli_print_usage(cmd, stdout);
	printf("\n%s\n", cmd->summary);
	if (opts && opts->type != CLI_OPT_END)
		printf("\noptions:\n");
	for (o = opts; o && o->type != CLI_OPT_END; o++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "--%s", o->name);
		if (o->arg)
			strbuf_addf(&sb, " %s", o->arg);
		printf("    %-22s %s\n", sb.buf, o->help);
	}
	printf("\nconnection (see cthulhu --help):\n    ");
	for (i = 0; i < ARRAY_SIZE(conn_opts); i++)
		printf("%s--%s %s", i ? ", " : "", conn_opts[i].name,
		       conn_opts[i].arg);
	printf("\n");
	strbuf_release(&sb);
}

/* Store the option's value; val is NULL for a flag. */
static void set_option(struct cli *cli, const struct cli_opt *o,
		       const char *val)
{
	char *end;
	long n;

	switch (o->type) {
	case CLI_OPT_FLAG:
		*(bool *)o->value = true;
		break;
	case CLI_OPT_STRING:
		*(const char **)o->value = val;
		break;
	case CLI_OPT_INT:
		errno = 0;
		n = strtol(val, &end, 10);
		if (!*val || *end || errno)
			cli_usage_error(cli,
					"option '--%s' expects an integer, not '%s'",
					o->name, val);
		*(long *)o->value = n;
		break;
	case CLI_OPT_END:
		break;
	}
}

/* Whether "--NAME[=...]" of length len names the option called want. */
static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && !strncmp(name, want, len);
}

/*
 * The value of option name: the text after '=' if given, else the next
 * argument, moving *i past it.
 */
static const char *option_value(struct cli *cli, const char *name,
				const char *joined, int argc, const char **argv,
				int *i)
{
	if (joined)
		return joined;
	if (*i + 1 >= argc)
		cli_usage_error(cli, "option '--%s' needs a value", name);
	return argv[++*i];
}

int cli_parse(struct cli *cli, int argc, const char **argv,
	      const struct cli_opt *opts)
{
	const char *arg, *name, *val;
	const struct cli_opt *o;
	bool no_more = false;
	int i, nr = 0;
	size_t len, k;

	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (no_more || arg[0] != '-' || !arg[1]) {
			argv[nr++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			no_more = true;
			continue;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			cli_print_help(cli->cmd, opts);
			exit(CLI_OK);
		}
		if (!skip_prefix(arg, "--", &name))
			cli_usage_error(cli, "unknown option '%s' for '%s'",
					arg, cli->cmd->name);
		val = strchr(name, '=');
		len = val ? (size_t)(val++ - name) : strlen(name);

		for (o = opts; o && o->type != CLI_OPT_END; o++)
			if (name_is(name, len, o->name))
				break;
		if (o && o->type == CLI_OPT_FLAG) {
			if (val)
				cli_usage_error(cli,
						"option '--%s' takes no value",
						o->name);
			set_option(cli, o, NULL);
			continue;
		}
		if (o && o->type != CLI_OPT_END) {
			set_option(cli, o,
				   option_value(cli, o->name, val, argc, argv,
						&i));
			continue;
		}

		for (k = 0; k < ARRAY_SIZE(conn_opts); k++)
			if (name_is(name, len, conn_opts[k].name))
				break;
		if (k == ARRAY_SIZE(conn_opts))
			cli_usage_error(cli, "unknown option '--%.*s' for '%s'",
					(int)len, name, cli->cmd->name);
		*(const char **)((char *)cli + conn_opts[k].offset) =
			option_value(cli, conn_opts[k].name, val, argc, argv,
				     &i);
	}
	return nr;
}

int cli_read_input(const char *path, struct strbuf *sb)
{
	int ret;

	if (!strcmp(path, "-"))
		ret = strbuf_read_fd(sb, 0);
	else
		ret = strbuf_read_file(sb, path);
	if (ret < 0) {
		cli_error("cannot read '%s': %s",
			  strcmp(path, "-") ? path : "standard input",
			  strerror(-ret));
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* A positive decimal number at *p, moving *p past it; -1 if none. */
static long parse_number(const char **p)
{
	char *end;
	long n;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	n = strtol(*p, &end, 10);
	if (errno || n <= 0 || n > 10000)
		return -1;
	*p = end;
	return n;
}

json_t *cli_parse_numbers(struct cli *cli, const char *option, const char *list)
{
	json_t *out = json_array();
	const char *p = list;
	long from, to;

	for (;;) {
		from = to = parse_number(&p);
		if (from > 0 && *p == '-') {
			p++;
			to = parse_number(&p);
		}
		if (from <= 0 || to < from || (*p && *p != ','))
			cli_usage_error(
				cli,
				"option '--%s' expects numbers and ranges like '1,3-5', not '%s'",
				option, list);
		for (; from <= to; from++)
			json_array_append_new(out, json_integer(from));
		if (!*p)
			break;
		p++;
	}
	return out;
}

/* Set up the client from the connection options, once. */
static int cli_connect(struct cli *cli)
{
	struct strbuf err = STRBUF_INIT;
	const char *env;

	if (cli->connected)
		return CLI_OK;
	if (cli->url && cli->socket_path)
		cli_usage_error(
			cli,
			"options '--socket' and '--url' cannot be used together");
	if (cli->token_file && !cli->url)
		cli_usage_error(cli, "option '--token-file' needs '--url'");
	if (cli->url) {
		if (client_init_url(&cli->client, cli->url, cli->token_file,
				    &err) < 0) {
			cli_error("%s", err.buf);
			strbuf_release(&err);
			exit(CLI_USAGE);
		}
	} else {
		env = getenv("CTHULHU_SOCKET");
		if (!cli->socket_path)
			cli->socket_path = env && *env ? env :
							 CTHULHU_DEFAULT_SOCKET;
		client_init_socket(&cli->client, cli->socket_path);
	}
	cli->connected = true;
	return CLI_OK;
}

static int cli_send(struct cli *cli, const char *method, const char *path,
		    const char *content_type, const void *data, size_t len,
		    json_t **out)
{
	struct strbuf err = STRBUF_INIT;
	int ret;

	if (out)
		*out = NULL;
	cli_connect(cli);
	ret = client_request(&cli->client, method, path, content_type, data,
			     len, &cli->reply, &err);
	if (ret)
		cli_error("%s", err.buf);
	else if (out)
		*out = cli->reply.json;
	strbuf_release(&err);
	return ret;
}

int cli_request(struct cli *cli, const char *method, const char *path,
		json_t *body, json_t **out)
{
	char *data = NULL;
	int ret;

	if (body) {
		data = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (!data)
			die_oom();
	}
	ret = cli_send(cli, method, path, "application/json", data,
		       data ? strlen(data) : 0, out);
	free(data);
	return ret;
}

int cli_get(struct cli *cli, const char *path, json_t **out)
{
	return cli_request(cli, "GET", path, NULL, out);
}

int cli_get_raw(struct cli *cli, const char *path)
{
	int ret;

	cli->reply.raw = true;
	ret = cli_send(cli, "GET", path, NULL, NULL, 0, NULL);
	cli->reply.raw = false;
	return ret;
}

int cli_post(struct cli *cli, const char *path, json_t *body, json_t **out)
{
	return cli_request(cli, "POST", path, body, out);
}

int cli_delete(struct cli *cli, const char *path, json_t **out)
{
	return cli_request(cli, "DELETE", path, NULL, out);
}

int cli_post_raw(struct cli *cli, const char *path, const char *content_type,
		 const void *data, size_t len, json_t **out)
{
	return cli_send(cli, "POST", path, content_type, data, len, out);
}

int cli_print_reply(struct cli *cli)
{
	struct strbuf *body = &cli->reply.body;

	cli_write_raw(stdout, body->buf, body->len);
	if (body->len && body->buf[body->len - 1] != '\n')
		putchar('\n');
	return CLI_OK;
}

int cli_show(struct cli *cli, const char *path, bool json,
	     int (*print)(struct cli *cli, json_t *res))
{
	json_t *res;
	int ret;

	ret = cli_get(cli, path, &res);
	if (ret)
		return ret;
	if (json)
		return cli_print_reply(cli);
	return print(cli, res);
}
