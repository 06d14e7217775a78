/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TRANSPORT_H
#define CTHULHU_TRANSPORT_H

#include <stddef.h>

#include "cli/client.h"
#include "lib/strbuf.h"

/*
 * The two ways client_request() reaches the daemon: a plain HTTP/1.1
 * client over the Unix socket (transport-unix.c), or libcurl for --url
 * (transport-curl.c).  libcurl is loaded with dlopen() on the first --url
 * request and never otherwise: the dynamic linker's work on libcurl and
 * the thirty libraries under it was most of the wall time of a local
 * "cthulhu status".
 *
 * Each transport fills in reply->status and reply->body and leaves the
 * JSON to client.c.  It returns CLI_OK when a whole answer came, whatever
 * its status; CLI_UNREACHABLE when none did (nothing listens, the
 * connection broke, the answer was cut short or is not HTTP); CLI_REFUSED
 * when the answer is larger than CLIENT_REPLY_LIMIT.  err says why
 * without naming the daemon: client_request() adds that.
 */

/* The largest answer the CLI takes, body bytes after any chunking. */
#define CLIENT_REPLY_LIMIT ((size_t)256 << 20)

struct transport_request {
	const char *method;	  /* "GET", "POST", "DELETE" */
	const char *path;	  /* "/api/v1/topics?since=3", escaped */
	const char *content_type; /* NULL: no Content-Type header */
	const void *body;	  /* may be NULL */
	size_t len;
};

int unix_transport_request(const char *socket_path,
			   const struct transport_request *req,
			   struct client_reply *reply, struct strbuf *err);

int curl_transport_request(struct client *c,
			   const struct transport_request *req,
			   struct client_reply *reply, struct strbuf *err);
/* Free c->curl; unloads nothing (libcurl stays mapped until exit). */
void curl_transport_release(struct client *c);

/*
 * Read one HTTP/1.x answer from fd (a socket, or any stream: the unit
 * tests use a pipe) into reply: the status line, the headers, then a body
 * framed by Transfer-Encoding: chunked, by Content-Length, or by the end
 * of the stream.  An answer of 1xx is skipped.  Returns as the transports
 * do; a body larger than limit is CLI_REFUSED.
 */
int http_read_response(int fd, size_t limit, struct client_reply *reply,
		       struct strbuf *err);

#endif
