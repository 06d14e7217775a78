/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_HTTP_H
#define CTHULHU_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct strbuf;

/*
 * The HTTP server: one libmicrohttpd instance on the Unix socket (whole
 * API) and one on TCP (GET for anyone, other methods with the bearer
 * token).  Only http.c includes <microhttpd.h>; handlers see this.
 */
struct http_request {
	const char *method;
	const char *path;  /* without the query string */
	const char *param; /* what a route's trailing '*' matched, decoded */
	const char *body;  /* NUL-terminated; may hold NULs before body_len */
	size_t body_len;
	bool over_tcp;
	void *priv; /* http.c's own */
};

/* A query-string argument or NULL; borrowed. */
const char *http_query(const struct http_request *req, const char *name);
/* A request header or NULL; borrowed. */
const char *http_header(const struct http_request *req, const char *name);
/*
 * Parse the body as a JSON object; a new reference, or NULL with err set
 * to say what is wrong and where (ERR_INVALID).
 */
json_t *http_json_body(const struct http_request *req, struct strbuf *err);

/*
 * A JSON API handler: set *out (new reference) and return 0 for
 * 200 OK, or HTTP_CREATED for 201, or a negative ERR_* code with err set.
 */
#define HTTP_CREATED 201
#define HTTP_ACCEPTED 202
typedef int (*api_handler)(struct http_request *req, json_t **out,
			   struct strbuf *err);

/*
 * A raw handler for what is not JSON (pages, event streams): fill
 * content_type and body (body is then owned by http.c).  Same codes.
 */
typedef int (*raw_handler)(struct http_request *req, const char **content_type,
			   struct strbuf *body, struct strbuf *err);

/*
 * A JSON API handler that serializes its answer itself (a long list
 * assembled from cached text): append the JSON text to body and return
 * as an api_handler does; http.c sends it as application/json.
 */
typedef int (*json_text_handler)(struct http_request *req, struct strbuf *body,
				 struct strbuf *err);

/*
 * A streaming answer of unknown length (Server-Sent Events): http.c
 * answers 200 with the content type, then, from the connection's thread,
 * calls fill() whenever the client has taken all that was given so far.
 * fill() may block (a thread serves each connection) until it has text,
 * appends it to out and returns 0, or returns a negative code to end
 * the stream; it must give something at least every minute, or the idle
 * timeout cuts the connection.  free(cookie) runs when the connection
 * ends.
 */
struct http_stream {
	int (*fill)(void *cookie, struct strbuf *out);
	void (*free)(void *cookie);
	void *cookie;
};
typedef int (*stream_handler)(struct http_request *req,
			      const char **content_type,
			      struct http_stream *stream, struct strbuf *err);

/*
 * A route: method and path; a path ending in '*' matches any rest, given
 * to the handler as req->param ("/api/v1/topics/ *" for "x86/pmu").  A
 * '*' followed by more of the path matches one segment there, and
 * req->param is then the rest from that segment on
 * ("/api/v1/series/ * /checks" gives "12/checks").  A table before
 * another is tried first (http.c's route_tables).
 */
struct route {
	const char *method;
	const char *path;
	api_handler handler;
	raw_handler raw;
	stream_handler stream;
	json_text_handler json_text;
};

/* Route tables of the api-*.c files, each ended by an empty entry. */
extern const struct route api_checks_routes[];
extern const struct route api_status_routes[];
extern const struct route api_topics_routes[];
extern const struct route api_events_routes[];
extern const struct route api_queue_routes[];
extern const struct route api_stream_routes[];
extern const struct route api_next_routes[];
extern const struct route api_series_routes[];
extern const struct route api_apply_routes[];
extern const struct route api_pullreq_routes[];
extern const struct route api_gate_routes[];
extern const struct route api_merge_fix_routes[];
extern const struct route api_inbox_routes[];
extern const struct route api_cooking_routes[];
extern const struct route web_routes[];

/*
 * Answer one request as the Unix socket would, without a connection
 * (tests and fuzz targets): the route's status and body, appended to
 * out.  No query string or headers; an event stream is refused.
 */
int http_handle(const char *method, const char *path, const char *body,
		size_t len, unsigned int *status, struct strbuf *out);
/* Call fn on every route of every table, in the order they are tried. */
void http_route_each(void (*fn)(const struct route *route, void *data),
		     void *data);

int http_start(struct strbuf *err);
/* Stop accepting connections; answered requests are finished. */
void http_stop_accepting(void);
void http_stop(void);

#endif
