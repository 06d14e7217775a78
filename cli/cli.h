/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CLI_H
#define CTHULHU_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "cli/client.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/*
 * What a verb of the cthulhu CLI sees.  A verb is a function in
 * cli/cmd-<verb>.c listed in the table of cli/cthulhu.c; it parses its
 * options with cli_parse(), asks the daemon with cli_get()/cli_post()/
 * cli_delete(), prints the answer (cli_print_reply() for --json, a
 * struct table otherwise) and returns an exit code
 * (enum cli_exit).  Usage errors and --help end the process from inside
 * cli_parse() and cli_usage_error(); request errors are printed by the
 * request helpers, which return the exit code to pass on.
 */

/* The default state dir's socket, used when no option or env names one. */
#define CTHULHU_DEFAULT_SOCKET "/var/lib/cthulhu/cthulhud.sock"

struct cli;

struct cmd {
	const char *name;
	int (*run)(struct cli *cli, int argc, const char **argv);
	/* One line per form, without "cthulhu ": "topics remove NAME" */
	const char *usage;
	/* One line, lower case, no full stop, shown by cthulhu --help. */
	const char *summary;
};

struct cli {
	const struct cmd *cmd; /* the verb running */
	/* Connection options, from the command line or the environment. */
	const char *socket_path;
	const char *url;
	const char *token_file;
	struct client client; /* set up by the first request */
	bool connected;
	struct client_reply reply; /* the last answer */
};

/* --- options -------------------------------------------------------- */

enum cli_opt_type {
	CLI_OPT_END,
	CLI_OPT_FLAG,	/* bool *; --no-NAME is its own option */
	CLI_OPT_STRING, /* const char ** */
	CLI_OPT_INT,	/* long * */
};

struct cli_opt {
	enum cli_opt_type type;
	const char *name; /* long name without "--" */
	void *value;
	const char *arg; /* placeholder in help: "N", "BRANCH" */
	const char *help;
};

#define OPT_FLAG(n, v, h)                         \
	{                                         \
		CLI_OPT_FLAG, (n), (v), NULL, (h) \
	}
#define OPT_STRING(n, v, a, h)                     \
	{                                          \
		CLI_OPT_STRING, (n), (v), (a), (h) \
	}
#define OPT_INT(n, v, a, h)                     \
	{                                       \
		CLI_OPT_INT, (n), (v), (a), (h) \
	}
#define OPT_JSON(v) OPT_FLAG("json", (v), "print the API's JSON as received")
#define OPT_END()                                   \
	{                                           \
		CLI_OPT_END, NULL, NULL, NULL, NULL \
	}

/*
 * Parse argv, argv[0] being the verb, against opts and the connection
 * options (--socket, --url, --token-file), which every verb accepts.
 * Options and arguments may come in any order; "--" ends the options and
 * "-" is an argument.  Moves the arguments to argv[0..n) and returns n.
 * --help prints the verb's help and exits 0; a bad option exits 2.
 */
int cli_parse(struct cli *cli, int argc, const char **argv,
	      const struct cli_opt *opts);

/* Print "error: <message>" and the verb's usage to stderr; exit 2. */
__attribute__((format(printf, 2, 3), noreturn)) void
cli_usage_error(struct cli *cli, const char *fmt, ...);

/* Print "error: <message>" to stderr. */
__attribute__((format(printf, 1, 2))) void cli_error(const char *fmt, ...);

/* The usage lines of cmd ("usage: cthulhu ...", "   or: ...") to f. */
void cli_print_usage(const struct cmd *cmd, FILE *f);
/* The full help of cmd (usage, summary, options) to stdout. */
void cli_print_help(const struct cmd *cmd, const struct cli_opt *opts);

/*
 * Read the file at path, or standard input for "-", into sb (for submit
 * FILE|-).  Returns CLI_OK, or prints "error: cannot read ..." and returns
 * CLI_USAGE.
 */
int cli_read_input(const char *path, struct strbuf *sb);

/*
 * Parse a list of positive numbers and ranges, "1,3-5", into a new JSON
 * array [1, 3, 4, 5] (caller owns the reference); a malformed list is a
 * usage error naming option (exit 2).
 */
json_t *cli_parse_numbers(struct cli *cli, const char *option,
			  const char *list);

/* --- requests ------------------------------------------------------- */

/*
 * Each sends one request to path (which the caller escapes with
 * url_escape() and url_add_query()).  On success *out (may be NULL) is
 * the answer's JSON, borrowed from cli->reply until the next request
 * (NULL for an empty body), and CLI_OK is returned; otherwise "error:
 * <message>" is printed and CLI_REFUSED or CLI_UNREACHABLE returned.
 */
int cli_get(struct cli *cli, const char *path, json_t **out);
/* GET of an answer that is not JSON (an mbox): it is in cli->reply.body. */
int cli_get_raw(struct cli *cli, const char *path);
/* body (may be NULL) is sent as JSON; the reference is taken. */
int cli_post(struct cli *cli, const char *path, json_t *body, json_t **out);
/* Raw bytes (an mbox for submit) of the given Content-Type. */
int cli_post_raw(struct cli *cli, const char *path, const char *content_type,
		 const void *data, size_t len, json_t **out);
int cli_delete(struct cli *cli, const char *path, json_t **out);
/* Any method; body as for cli_post(). */
int cli_request(struct cli *cli, const char *method, const char *path,
		json_t *body, json_t **out);

/* Write the last answer's body as received (adding a final newline). */
int cli_print_reply(struct cli *cli);

/*
 * The usual read verb: GET path, then with json print the body as
 * received, else call print with the parsed answer.  Returns the exit code.
 */
int cli_show(struct cli *cli, const char *path, bool json,
	     int (*print)(struct cli *cli, json_t *res));

/* --- output (output.c) ---------------------------------------------- */

/*
 * Make stdout and stderr print every control character, byte that is
 * not UTF-8 and invisible or bidi format character (U+202E, U+2066...)
 * as a visible escape ("\x1b", "\r", "\u202e"); newlines and tabs stay.
 * Text from the daemon then cannot move the cursor, retitle the window
 * or reorder what a line shows.  Call once before printing.
 */
void cli_escape_output(void);
/* Write buf to f (stdout or stderr) as it is: the API's JSON, a '\r'. */
void cli_write_raw(FILE *f, const void *buf, size_t len);

/*
 * An aligned text table: columns as wide as their widest cell, two spaces
 * between them, the last one not padded.  Cells are added row by row.
 */
struct table;

/* headers: ncols strings, or NULL for a table without a header line. */
struct table *table_new(size_t ncols, const char *const *headers);
/* Add the next cell (copied); NULL prints as "-". */
void table_add(struct table *t, const char *cell);
__attribute__((format(printf, 2, 3))) void table_addf(struct table *t,
						      const char *fmt, ...);
/* Add v as text (see json_text()). */
void table_add_json(struct table *t, json_t *v);
/* Add v as fmt writes it: table_add_fmt(t, fmt_sha, tip). */
void table_add_fmt(struct table *t, void (*fmt)(struct strbuf *, json_t *),
		   json_t *v);
/* Widen a column to at least width (for tables printed piecewise). */
void table_min_width(struct table *t, size_t col, size_t width);
/* Print the rows (and the header if header) to f and drop the rows. */
void table_print(struct table *t, FILE *f, bool header);
void table_free(struct table *t);

/*
 * Append a JSON value as a person reads it: a string as it is, a number,
 * true/false, "-" for null or absent, anything else as compact JSON.
 */
void json_text(struct strbuf *sb, json_t *v);
/* A string member of obj, or NULL; borrowed. */
const char *json_str(json_t *obj, const char *key);
/* An integer member of obj, or def. */
long long json_int(json_t *obj, const char *key, long long def);

/* Append a commit id shortened to 12 characters; "-" for null. */
void fmt_sha(struct strbuf *sb, json_t *v);
/* Append a time: Unix seconds as local "YYYY-MM-DD HH:MM:SS"; strings as is. */
void fmt_time(struct strbuf *sb, json_t *v);
/* Append a duration in seconds as "3d 4h", "2h 5m", "4m 10s" or "12s". */
void fmt_duration(struct strbuf *sb, long long seconds);
/* Strip "refs/heads/" from a ref name; borrowed from ref. */
const char *short_ref(const char *ref);

#endif
