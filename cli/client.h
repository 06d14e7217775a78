/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CLIENT_H
#define CTHULHU_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "lib/strbuf.h"

/*
 * The CLI's HTTP client: it talks to cthulhud over its Unix socket with a
 * small HTTP/1.1 client of its own, or over TCP with a bearer token through
 * libcurl, loaded only then (cli/transport.h).  It knows HTTP and JSON,
 * nothing about verbs; cli.c prints what it reports.
 */

/*
 * The exit codes of cthulhu; client_request() returns the last two, so a
 * verb can return what a request gave it.
 */
enum cli_exit {
	CLI_OK = 0,
	CLI_REFUSED = 1,     /* the daemon answered with an error */
	CLI_USAGE = 2,	     /* bad command line */
	CLI_UNREACHABLE = 3, /* no answer from the daemon */
};

struct client {
	char *socket_path; /* the Unix socket, or NULL for TCP */
	char *base_url;	   /* "http://host:port" without a trailing '/' */
	char *token;	   /* sent as "Authorization: Bearer"; may be NULL */
	void *curl;	   /* CURL *, made on the first --url request */
};

/* One answer: the raw body as received and, when it is JSON, parsed. */
struct client_reply {
	long status; /* HTTP status; 0 when nothing was received */
	struct strbuf body;
	json_t *json; /* owned by the reply; NULL if the body is not JSON */
	/* set by the caller: a 2xx body is text (an mbox), not JSON */
	bool raw;
};

#define CLIENT_REPLY_INIT                   \
	{                                   \
		0, STRBUF_INIT, NULL, false \
	}

/* Talk to the daemon at the Unix socket path. */
void client_init_socket(struct client *c, const char *path);
/*
 * Talk to the daemon at url ("http://127.0.0.1:8080"); token_file (may be
 * NULL) holds the bearer token.  Returns 0, or -errno with err saying
 * which file could not be read.
 */
int client_init_url(struct client *c, const char *url, const char *token_file,
		    struct strbuf *err);
void client_release(struct client *c);

/* Free a reply's contents; it can be used again. */
void client_reply_release(struct client_reply *r);

/*
 * Send method to path ("/api/v1/topics?since=3"), with body (may be NULL)
 * of type content_type.  The reply is filled in whatever happens.
 * Returns CLI_OK for a 2xx answer whose body is JSON or empty;
 * CLI_REFUSED for an error answer (err = the daemon's message), a body
 * that is not JSON or one over CLIENT_REPLY_LIMIT; CLI_UNREACHABLE when no
 * whole HTTP answer came: nothing listens, the connection broke, the
 * answer was cut short or malformed (err names the socket or URL and says
 * why).
 */
int client_request(struct client *c, const char *method, const char *path,
		   const char *content_type, const void *body, size_t len,
		   struct client_reply *reply, struct strbuf *err);

/* Append what the daemon is reached at, for messages: "socket '/x'". */
void client_describe(const struct client *c, struct strbuf *sb);

/*
 * Append s to a URL, percent-escaping all but RFC 3986's unreserved
 * characters; with keep_slash, '/' stays (topic names are paths:
 * "/api/v1/topics/x86/pmu").
 */
void url_escape(struct strbuf *sb, const char *s, bool keep_slash);
/* Append "?name=value" or "&name=value", value escaped. */
void url_add_query(struct strbuf *sb, const char *name, const char *value);

#endif
