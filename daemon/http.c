/* SPDX-License-Identifier: GPL-2.0 */
#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>

#include "daemon/bus.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "lib/error.h"
#include "daemon/http.h"
#include "lib/log.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* Every route table; a new api-*.c adds its table here. */
static const struct route *const route_tables[] = {
	api_checks_routes, api_status_routes,
	api_topics_routes, api_events_routes,
	api_queue_routes,  api_stream_routes,
	api_next_routes,   api_series_routes,
	api_apply_routes,  api_pullreq_routes,
	api_gate_routes,   api_merge_fix_routes,
	api_inbox_routes,  api_cooking_routes,
	web_routes,	   NULL
};

/* What each error code becomes at the HTTP boundary (see error.h). */
static const struct {
	int code;
	unsigned int status;
	const char *name;
} error_map[] = {
	{ ERR_INVALID, MHD_HTTP_BAD_REQUEST, "invalid" },
	{ ERR_UNAUTHORIZED, MHD_HTTP_UNAUTHORIZED, "unauthorized" },
	{ ERR_NOT_FOUND, MHD_HTTP_NOT_FOUND, "not_found" },
	{ ERR_METHOD, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed" },
	{ ERR_EXISTS, MHD_HTTP_CONFLICT, "exists" },
	{ ERR_CONFLICT, MHD_HTTP_CONFLICT, "conflict" },
	{ ERR_STALE, MHD_HTTP_CONFLICT, "ref_moved" },
	{ ERR_MISDIRECTED, MHD_HTTP_MISDIRECTED_REQUEST, "misdirected" },
	{ ERR_TOO_LARGE, MHD_HTTP_CONTENT_TOO_LARGE, "too_large" },
	{ ERR_UNPROCESSABLE, MHD_HTTP_UNPROCESSABLE_CONTENT, "unprocessable" },
	{ ERR_UNAVAILABLE, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable" },
};

struct listener {
	struct MHD_Daemon *mhd;
	bool over_tcp;
	int fd;
	unsigned int active;  /* connections open now (atomic) */
	unsigned int streams; /* event streams open now (atomic) */
};

struct conn_state {
	struct strbuf body;
	struct listener *l;
	bool too_large;
	bool over_tcp;
};

/*
 * The socket context of each connection on_connection() saw start and
 * counted in its listener's active.  libmicrohttpd can report a
 * connection closed that it never reported started (one it refused
 * with 431 or 414): that one has no slot and is not counted down.
 */
struct conn_slot {
	bool over_limit; /* beyond max_connections: 503 to every request */
	bool reserved;	 /* in the last reserved_slots: the token only */
	/* On header_slots while deadline is set (TCP, header_timeout). */
	struct conn_slot *prev, *next;
	bool listed;
	int64_t deadline; /* CLOCK_MONOTONIC ms; 0 while a request runs */
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
};

static struct listener unix_listener = { .fd = -1 };
static struct listener tcp_listener = { .over_tcp = true, .fd = -1 };
static size_t body_limit = 64 * 1024 * 1024;
/* The host part of http.listen, and http.allowed-hosts: see host_allowed(). */
static char *listen_host;
static char *allowed_hosts;
static unsigned int max_connections = 256;
static unsigned int max_per_client = 32;
static unsigned int max_streams = 64;
/*
 * Seconds a TCP connection has for its request line and headers, from
 * its start or from the end of its previous request (see
 * header_sweep()); 0 for no deadline.
 */
static unsigned int header_timeout = 10;
static struct conn_slot *header_slots;
static pthread_mutex_t header_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t header_thread;
static bool header_thread_running, header_thread_stop;
/*
 * What a connection may hold of request line and headers (the body is
 * read apart, up to body_limit): libmicrohttpd answers 431 to headers
 * over it, 414 to a longer request line.
 */
#define HEADER_LIMIT ((size_t)32 * 1024)

/*
 * The last connections of max_connections on TCP serve only requests
 * with the token, so that connections without it (event streams, slow
 * clients from many addresses) cannot keep the maintainer out.
 */
static unsigned int reserved_slots(void)
{
	unsigned int n = max_connections / 8;

	return n ? n : max_connections > 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *http_query(const struct http_request *req, const char *name)
{
	if (!req->priv)
		return NULL;
	return MHD_lookup_connection_value(req->priv, MHD_GET_ARGUMENT_KIND,
					   name);
}

const char *http_header(const struct http_request *req, const char *name)
{
	if (!req->priv)
		return NULL;
	return MHD_lookup_connection_value(req->priv, MHD_HEADER_KIND, name);
}

json_t *http_json_body(const struct http_request *req, struct strbuf *err)
{
	json_error_t jerr;
	json_t *obj;

	if (!req->body_len) {
		error_set(err, ERR_INVALID,
			  "request body is empty: expected a "
			  "JSON object");
		return NULL;
	}
	obj = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES,
			 &jerr);
	if (!obj) {
		error_set(err, ERR_INVALID,
			  "invalid JSON at line %d, column "
			  "%d: %s",
			  jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		error_set(err, ERR_INVALID,
			  "request body must be a JSON object");
		return NULL;
	}
	return obj;
}

static void error_lookup(int code, unsigned int *status, const char **name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(error_map); i++) {
		if (error_map[i].code == code) {
			*status = error_map[i].status;
			*name = error_map[i].name;
			return;
		}
	}
	*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	*name = "internal";
}

static enum MHD_Result queue_buffer(struct MHD_Connection *conn,
				    unsigned int status,
				    const char *content_type, char *data,
				    size_t len, const char *extra_header,
				    const char *extra_value)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, data,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (extra_header)
		MHD_add_response_header(resp, extra_header, extra_value);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* What a route answers, before it goes out on a connection. */
struct answer {
	unsigned int status;
	const char *content_type;
	struct strbuf body;
	bool no_store;
};

static void answer_json_text(struct answer *a, unsigned int status)
{
	strbuf_addch(&a->body, '\n');
	a->status = status;
	a->content_type = "application/json";
	a->no_store = true;
}

static void answer_json(struct answer *a, unsigned int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);

	strbuf_reset(&a->body);
	strbuf_addstr(&a->body, text ? text : "null");
	free(text);
	answer_json_text(a, status);
}

static void answer_error(struct answer *a, int code, const char *message)
{
	unsigned int status;
	const char *name;
	json_t *body;

	error_lookup(code, &status, &name);
	body = json_pack("{s:{s:s, s:s}}", "error", "code", name, "message",
			 message && *message ? message : "error");
	answer_json(a, status, body);
	json_decref(body);
}

static enum MHD_Result queue_answer(struct MHD_Connection *conn,
				    struct answer *a)
{
	size_t len;
	char *data = strbuf_detach(&a->body, &len);

	return queue_buffer(conn, a->status, a->content_type, data, len,
			    a->no_store ? "Cache-Control" : NULL,
			    a->no_store ? "no-store" : NULL);
}

static enum MHD_Result queue_error(struct MHD_Connection *conn, int code,
				   const char *message)
{
	struct answer a = { .body = STRBUF_INIT };
	enum MHD_Result ret;

	answer_error(&a, code, message);
	ret = queue_answer(conn, &a);
	strbuf_release(&a.body);
	return ret;
}

/* A streaming answer: what is left of the last fill to hand to MHD. */
struct stream_state {
	struct http_stream s;
	struct strbuf buf;
	size_t off;
	unsigned int *streams; /* the listener's count, taken for this one */
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream_state *st = cls;
	size_t n;

	while (st->off >= st->buf.len) {
		strbuf_reset(&st->buf);
		st->off = 0;
		if (st->s.fill(st->s.cookie, &st->buf) < 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	n = st->buf.len - st->off;
	if (n > max)
		n = max;
	memcpy(out, st->buf.buf + st->off, n);
	st->off += n;
	return n;
}

static void stream_done(void *cls)
{
	struct stream_state *st = cls;

	if (st->s.free)
		st->s.free(st->s.cookie);
	if (st->streams)
		__atomic_sub_fetch(st->streams, 1, __ATOMIC_SEQ_CST);
	strbuf_release(&st->buf);
	free(st);
}

static enum MHD_Result queue_stream(struct MHD_Connection *conn,
				    struct listener *l,
				    const struct route *route,
				    struct http_request *req,
				    struct strbuf *err)
{
	const char *content_type = "text/plain";
	struct stream_state *st;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	bool was;
	int code;

	/* A stream holds a connection and a thread for as long as it likes. */
	if (__atomic_add_fetch(&l->streams, 1, __ATOMIC_SEQ_CST) >
	    max_streams) {
		__atomic_sub_fetch(&l->streams, 1, __ATOMIC_SEQ_CST);
		return queue_error(conn, ERR_UNAVAILABLE,
				   "too many event streams: this listener "
				   "serves at most http.max-streams at once; "
				   "try again later");
	}
	st = xcalloc(1, sizeof(*st));
	st->streams = &l->streams;
	strbuf_init(&st->buf, 0);
	was = db_query_only(db_thread(), true);
	code = route->stream(req, &content_type, &st->s, err);
	db_query_only(db_thread(), was);
	if (code < 0) {
		__atomic_sub_fetch(&l->streams, 1, __ATOMIC_SEQ_CST);
		strbuf_release(&st->buf);
		free(st);
		return queue_error(conn, code, err->buf);
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
						 stream_read, st, stream_done);
	if (!resp) {
		stream_done(st);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * Whether path matches a route's pattern: the same text, or with a '*'
 * (at star) any rest, or, when text follows the '*', one path segment
 * then that text ("/api/v1/series/ * /checks" matches
 * "/api/v1/series/12/checks").
 */
static bool route_match(const char *pattern, const char *star, const char *path)
{
	size_t pre, post, n = strlen(path);

	if (!star)
		return !strcmp(path, pattern);
	pre = star - pattern;
	post = strlen(star + 1);
	if (strncmp(path, pattern, pre) || n <= pre + post)
		return false;
	if (!post)
		return true;
	return !strcmp(path + n - post, star + 1) &&
	       !memchr(path + pre, '/', n - post - pre);
}

/*
 * Find the route for method and path.  *param gets what a trailing '*'
 * matched.  ERR_METHOD when the path is known under another method.
 */
static int route_find(const char *method, const char *path,
		      const struct route **out, const char **param)
{
	const struct route *const *table;
	const struct route *r;
	bool path_known = false;

	if (!strcmp(method, "HEAD"))
		method = "GET";
	for (table = route_tables; *table; table++) {
		for (r = *table; r->path; r++) {
			const char *star = strchr(r->path, '*');

			if (!route_match(r->path, star, path))
				continue;
			path_known = true;
			if (strcmp(r->method, method))
				continue;
			*out = r;
			*param = star ? path + (star - r->path) : NULL;
			return 0;
		}
	}
	return path_known ? ERR_METHOD : ERR_NOT_FOUND;
}

/* Compare in time that does not depend on where the strings differ. */
static bool token_equal(const char *given, const char *token)
{
	size_t n = strlen(given), m = strlen(token), i;
	unsigned char diff = n != m;

	for (i = 0; i < m; i++)
		diff |= (unsigned char)token[i] ^
			(unsigned char)(i < n ? given[i] : 0);
	return !diff;
}

static bool request_authorized(struct MHD_Connection *conn)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       "Authorization");
	const char *given;

	if (!auth || !the_daemon.token)
		return false;
	if (!skip_prefix(auth, "Bearer ", &given))
		return false;
	return token_equal(given, the_daemon.token);
}

/* Is the host part of a Host value (no port) len bytes of word? */
static bool host_is(const char *host, size_t len, const char *word)
{
	return word && strlen(word) == len && !strncasecmp(host, word, len);
}

/*
 * Is the host an address literal (1.2.3.4 or [::1])?  A browser sends one
 * only when the page's own origin is that address, so it is never a
 * rebinding.
 */
static bool host_is_address(const char *host, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 2];
	unsigned char addr[sizeof(struct in6_addr)];

	if (len < 2 || len >= sizeof(buf))
		return false;
	if (*host == '[') {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		return inet_pton(AF_INET6, buf, addr) == 1;
	}
	memcpy(buf, host, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, addr) == 1;
}

/*
 * Against DNS rebinding: a page of some website whose name now resolves
 * to 127.0.0.1 reaches the TCP listener with that name as its Host.
 * Serve only the names this daemon goes by: an address, the listen
 * host, localhost and http.allowed-hosts (words split by space or comma).
 * No Host at all (HTTP/1.0) is no browser's request and is served.
 */
static bool host_allowed(struct MHD_Connection *conn)
{
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_HOST);
	const char *end, *p;
	size_t len;

	if (!host)
		return true;
	if (*host == '[') {
		end = strchr(host, ']');
		if (!end)
			return false;
		end++;
	} else {
		end = strchr(host, ':');
		if (!end)
			end = host + strlen(host);
	}
	if (*end &&
	    (*end != ':' || strspn(end + 1, "0123456789") != strlen(end + 1)))
		return false;
	len = end - host;
	if (!len)
		return false;
	if (host_is(host, len, "localhost") ||
	    host_is(host, len, listen_host) || host_is_address(host, len))
		return true;
	for (p = allowed_hosts; p && *p;) {
		size_t n = strcspn(p, " ,\t");

		if (n && n == len && !strncasecmp(p, host, len))
			return true;
		p += n;
		p += strspn(p, " ,\t");
	}
	return false;
}

/* Does the request announce a body (a length above 0, or chunks)? */
static bool request_has_body(struct MHD_Connection *conn)
{
	const char *clen =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return true;
	return clen && strspn(clen, "0 \t") != strlen(clen);
}

/* Call a route that is not a stream; its answer goes into a. */
static void route_answer(const struct route *route, struct http_request *req,
			 struct answer *a)
{
	struct strbuf err = STRBUF_INIT;
	json_t *out = NULL;
	bool was;
	int code;

	/* A route reads; it changes things only by handing the engine a job. */
	was = db_query_only(db_thread(), true);
	a->content_type = "text/plain";
	if (route->raw) {
		code = route->raw(req, &a->content_type, &a->body, &err);
		if (code < 0)
			answer_error(a, code, err.buf);
		else
			a->status = code > 0 ? (unsigned int)code : MHD_HTTP_OK;
	} else if (route->json_text) {
		code = route->json_text(req, &a->body, &err);
		if (code < 0)
			answer_error(a, code, err.buf);
		else
			answer_json_text(a, code > 0 ? (unsigned int)code :
						       MHD_HTTP_OK);
	} else {
		code = route->handler(req, &out, &err);
		if (code < 0) {
			answer_error(a, code, err.buf);
		} else {
			if (!out)
				out = json_object();
			answer_json(a,
				    code > 0 ? (unsigned int)code : MHD_HTTP_OK,
				    out);
		}
	}
	db_query_only(db_thread(), was);
	json_decref(out);
	strbuf_release(&err);
}

/* The answer when no route matches; 0 when one does. */
static int route_lookup(const char *method, const char *url,
			const struct route **route, struct http_request *req,
			struct answer *a)
{
	struct strbuf err = STRBUF_INIT;
	int code = route_find(method, url, route, &req->param);

	if (!code)
		return 0;
	if (code == ERR_METHOD)
		strbuf_addf(&err, "method %s not allowed on '%s'", method, url);
	else
		strbuf_addf(&err, "no such route: %s %s", method, url);
	answer_error(a, code, err.buf);
	strbuf_release(&err);
	return code;
}

static enum MHD_Result dispatch(struct MHD_Connection *conn,
				struct conn_state *cs, const char *method,
				const char *url)
{
	struct answer a = { .body = STRBUF_INIT };
	struct strbuf err = STRBUF_INIT;
	struct http_request req = { 0 };
	const struct route *route = NULL;
	enum MHD_Result ret;

	if (route_lookup(method, url, &route, &req, &a)) {
		ret = queue_answer(conn, &a);
		goto out;
	}
	req.method = method;
	req.path = url;
	req.body = cs->body.buf;
	req.body_len = cs->body.len;
	req.over_tcp = cs->over_tcp;
	req.priv = conn;

	if (route->stream) {
		ret = queue_stream(conn, cs->l, route, &req, &err);
		goto out;
	}
	route_answer(route, &req, &a);
	ret = queue_answer(conn, &a);
out:
	strbuf_release(&a.body);
	strbuf_release(&err);
	return ret;
}

int http_handle(const char *method, const char *path, const char *body,
		size_t len, unsigned int *status, struct strbuf *out)
{
	struct answer a = { .body = STRBUF_INIT };
	struct http_request req = { 0 };
	const struct route *route = NULL;
	struct strbuf copy = STRBUF_INIT;

	if (!route_lookup(method, path, &route, &req, &a)) {
		if (route->stream) {
			answer_error(&a, ERR_METHOD,
				     "an event stream needs a "
				     "connection");
		} else {
			/* A body as http.c hands it on: NUL-terminated. */
			strbuf_add(&copy, body, len);
			req.method = method;
			req.path = path;
			req.body = copy.buf;
			req.body_len = copy.len;
			route_answer(route, &req, &a);
		}
	}
	*status = a.status;
	strbuf_addbuf(out, &a.body);
	strbuf_release(&a.body);
	strbuf_release(&copy);
	return 0;
}

void http_route_each(void (*fn)(const struct route *route, void *data),
		     void *data)
{
	const struct route *const *table;
	const struct route *r;

	for (table = route_tables; *table; table++)
		for (r = *table; r->path; r++)
			fn(r, data);
}

static struct conn_slot *connection_slot(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* Set (or with 0 clear) the time by which the next request must be in. */
static void slot_set_deadline(struct conn_slot *slot, int64_t deadline)
{
	if (!slot || !slot->listed)
		return;
	pthread_mutex_lock(&header_lock);
	slot->deadline = deadline;
	pthread_mutex_unlock(&header_lock);
}

/* Is fd still the connection slot was made for (not a reused number)? */
static bool slot_fd_is_peer(const struct conn_slot *slot)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);

	if (getpeername(slot->fd, (struct sockaddr *)&peer, &len) < 0)
		return false;
	return len == slot->peer_len && !memcmp(&peer, &slot->peer, len);
}

/*
 * libmicrohttpd's connection timeout is an idle timeout: a client that
 * sends a header line now and then is never closed, and holds its
 * connection and thread for good.  Close the socket under a connection
 * whose request line and headers are not in by its deadline, however
 * slowly its bytes come; its thread then sees the end of the stream.
 * A slot leaves the list (on_connection()) before libmicrohttpd closes
 * its descriptor, and the lock is held from that check to shutdown().
 */
static void *header_sweep(void *arg)
{
	struct timespec tick = { 0, 200 * 1000 * 1000 };
	struct conn_slot *slot;
	int64_t now;

	while (!__atomic_load_n(&header_thread_stop, __ATOMIC_SEQ_CST)) {
		nanosleep(&tick, NULL);
		now = now_ms();
		pthread_mutex_lock(&header_lock);
		for (slot = header_slots; slot; slot = slot->next) {
			if (!slot->deadline || slot->deadline > now)
				continue;
			slot->deadline = 0;
			if (!slot_fd_is_peer(slot))
				continue;
			log_debug("http: closing a connection whose request "
				  "headers took over http.header-timeout "
				  "(%u s)",
				  header_timeout);
			shutdown(slot->fd, SHUT_RDWR);
		}
		pthread_mutex_unlock(&header_lock);
	}
	return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct listener *l = cls;
	struct conn_state *cs = *con_cls;

	if (!cs) {
		struct conn_slot *slot = connection_slot(conn);
		const char *clen;

		cs = xcalloc(1, sizeof(*cs));
		strbuf_init(&cs->body, 0);
		cs->l = l;
		cs->over_tcp = l->over_tcp;
		*con_cls = cs;
		/* The headers are in: the deadline is met. */
		slot_set_deadline(slot, 0);
		if (slot && slot->over_limit)
			return queue_error(conn, ERR_UNAVAILABLE,
					   "too many connections: this listener "
					   "serves at most http.max-connections "
					   "at once; try again later");
		if (l->over_tcp && !host_allowed(conn))
			return queue_error(conn, ERR_MISDIRECTED,
					   "this daemon does not serve that "
					   "Host: it answers to an address, "
					   "its listen host, localhost and "
					   "http.allowed-hosts");
		if (slot && slot->reserved && !request_authorized(conn))
			return queue_error(conn, ERR_UNAVAILABLE,
					   "too many connections: the last of "
					   "http.max-connections are kept for "
					   "requests with 'Authorization: Bearer "
					   "<token>'; try again later");
		/*
		 * Refuse before reading the body: an unauthorised or
		 * oversized upload is not worth receiving, and GET or
		 * HEAD takes none, token or not.
		 */
		if ((!strcmp(method, "GET") || !strcmp(method, "HEAD")) &&
		    request_has_body(conn))
			return queue_error(conn, ERR_INVALID,
					   "a GET or HEAD request takes no "
					   "body");
		if (l->over_tcp && strcmp(method, "GET") &&
		    strcmp(method, "HEAD") && !request_authorized(conn))
			return queue_error(conn, ERR_UNAUTHORIZED,
					   "this method needs 'Authorization: "
					   "Bearer <token>' over TCP (the token "
					   "is in the state dir's 'token' file)");
		clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						   MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (clen && strtoull(clen, NULL, 10) > body_limit) {
			cs->too_large = true;
			return queue_error(conn, ERR_TOO_LARGE,
					   "request body is larger than the "
					   "limit (http.body-limit)");
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!cs->too_large &&
		    cs->body.len + *upload_data_size > body_limit) {
			cs->too_large = true;
			strbuf_release(&cs->body);
		}
		if (!cs->too_large)
			strbuf_add(&cs->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cs->too_large)
		return queue_error(conn, ERR_TOO_LARGE,
				   "request body is larger than the limit "
				   "(http.body-limit)");
	return dispatch(conn, cs, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;

	/* A kept-alive connection has as long again for its next request. */
	slot_set_deadline(connection_slot(conn),
			  now_ms() + (int64_t)header_timeout * 1000);
	if (!cs)
		return;
	strbuf_release(&cs->body);
	free(cs);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct listener *l = cls;
	struct conn_slot *slot;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci;
		unsigned int n =
			__atomic_add_fetch(&l->active, 1, __ATOMIC_SEQ_CST);

		slot = xcalloc(1, sizeof(*slot));
		/* Answered 503 at its requests (see on_request()). */
		slot->over_limit = n > max_connections;
		slot->reserved = l->over_tcp &&
				 n > max_connections - reserved_slots();
		ci = MHD_get_connection_info(conn,
					     MHD_CONNECTION_INFO_CONNECTION_FD);
		slot->peer_len = sizeof(slot->peer);
		if (l->over_tcp && header_timeout && ci &&
		    !getpeername(ci->connect_fd, (struct sockaddr *)&slot->peer,
				 &slot->peer_len)) {
			slot->fd = ci->connect_fd;
			slot->deadline =
				now_ms() + (int64_t)header_timeout * 1000;
			slot->listed = true;
			pthread_mutex_lock(&header_lock);
			slot->next = header_slots;
			if (header_slots)
				header_slots->prev = slot;
			header_slots = slot;
			pthread_mutex_unlock(&header_lock);
		}
		*socket_context = slot;
		return;
	}
	/*
	 * With a thread per connection, the thread ends with its
	 * connection: close its database and repository handles.
	 */
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		slot = *socket_context;
		if (slot) {
			__atomic_sub_fetch(&l->active, 1, __ATOMIC_SEQ_CST);
			if (slot->listed) {
				pthread_mutex_lock(&header_lock);
				if (slot->prev)
					slot->prev->next = slot->next;
				else
					header_slots = slot->next;
				if (slot->next)
					slot->next->prev = slot->prev;
				pthread_mutex_unlock(&header_lock);
			}
			free(slot);
			*socket_context = NULL;
		}
		db_thread_exit();
		repo_thread_exit();
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_vaddf(&sb, fmt, ap);
	strbuf_rtrim(&sb);
	log_warn("http: %s", sb.buf);
	strbuf_release(&sb);
}

static struct MHD_Daemon *start_mhd(struct listener *l, unsigned int flags,
				    const struct sockaddr *addr)
{
	/*
	 * Past max_connections, connections are still taken so that they
	 * can be told 503; past twice that, libmicrohttpd refuses them.
	 */
	unsigned int hard_limit = 2 * max_connections;
	/*
	 * Connections from one address past max_per_client are closed at
	 * accept (0: no limit); the Unix socket has one peer, its owner.
	 */
	unsigned int per_client = l->over_tcp ? max_per_client : 0;

	flags |= MHD_USE_THREAD_PER_CONNECTION |
		 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
		 MHD_USE_ERROR_LOG | MHD_USE_ITC;
	if (l->fd >= 0)
		return MHD_start_daemon(flags, 0, NULL, NULL, on_request, l,
					MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
					NULL, MHD_OPTION_LISTEN_SOCKET, l->fd,
					MHD_OPTION_NOTIFY_COMPLETED,
					on_completed, NULL,
					MHD_OPTION_NOTIFY_CONNECTION,
					on_connection, l,
					MHD_OPTION_CONNECTION_LIMIT, hard_limit,
					MHD_OPTION_PER_IP_CONNECTION_LIMIT,
					per_client,
					MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					HEADER_LIMIT,
					MHD_OPTION_CONNECTION_TIMEOUT, 600,
					MHD_OPTION_END);
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, l,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_SOCK_ADDR, addr,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
				MHD_OPTION_CONNECTION_LIMIT, hard_limit,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_client,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				HEADER_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, 60,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, 256,
				MHD_OPTION_END);
}

static int start_unix(const char *path, struct strbuf *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return error_set(err, ERR_INVALID,
				 "socket path '%s' is too "
				 "long for a Unix socket (%zu bytes at most)",
				 path, sizeof(sun.sun_path) - 1);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(err, -errno, "cannot create socket: %s",
				 strerror(errno));
	/* The state dir lock is held, so a leftover socket is stale. */
	unlink(path);
	old = umask(0077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		umask(old);
		close(fd);
		return error_set(err, -e, "cannot bind '%s': %s", path,
				 strerror(e));
	}
	umask(old);
	chmod(path, 0600);
	if (listen(fd, 64) < 0) {
		int e = errno;

		close(fd);
		return error_set(err, -e, "cannot listen on '%s': %s", path,
				 strerror(e));
	}
	unix_listener.fd = fd;
	unix_listener.mhd = start_mhd(&unix_listener, 0, NULL);
	if (!unix_listener.mhd) {
		close(fd);
		unix_listener.fd = -1;
		return error_set(err, -EIO, "cannot serve on '%s'", path);
	}
	return 0;
}

static int start_tcp(const char *listen, struct strbuf *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	const char *colon = strrchr(listen, ':');
	struct addrinfo *ai = NULL;
	char *host;
	int rc;

	host = xstrndup(listen, colon - listen);
	free(listen_host);
	listen_host = xstrdup(host);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc) {
		rc = error_set(err, ERR_INVALID, "http.listen '%s': %s", listen,
			       gai_strerror(rc));
		goto out;
	}
	tcp_listener.mhd =
		start_mhd(&tcp_listener,
			  ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0,
			  ai->ai_addr);
	if (!tcp_listener.mhd) {
		rc = error_set(err, -EADDRINUSE,
			       "cannot listen on %s (address "
			       "in use or not available)",
			       listen);
		goto out;
	}
	rc = 0;
out:
	if (ai)
		freeaddrinfo(ai);
	free(host);
	return rc;
}

int http_start(struct strbuf *err)
{
	const struct config *cfg = daemon_config_get();
	char *listen = xstrdup_or_null(cfg->http_listen);
	int rc;

	body_limit = cfg->http_body_limit;
	max_connections = cfg->http_max_connections;
	max_per_client = cfg->http_max_per_client;
	max_streams = cfg->http_max_streams;
	header_timeout = cfg->http_header_timeout;
	free(allowed_hosts);
	allowed_hosts = xstrdup_or_null(config_get(cfg, "http.allowed-hosts"));
	daemon_config_put();

	rc = bus_start(err);
	if (!rc)
		rc = start_unix(the_daemon.socket_path, err);
	if (!rc && listen)
		rc = start_tcp(listen, err);
	if (!rc && listen && header_timeout) {
		header_thread_stop = false;
		rc = -pthread_create(&header_thread, NULL, header_sweep, NULL);
		if (rc)
			error_set(err, rc, "cannot start the header timer: %s",
				  strerror(-rc));
		else
			header_thread_running = true;
	}
	if (rc)
		http_stop();
	else if (listen)
		log_info("serving on %s and http://%s/", the_daemon.socket_path,
			 listen);
	else
		log_info("serving on %s (TCP off)", the_daemon.socket_path);
	free(listen);
	return rc;
}

void http_stop_accepting(void)
{
	MHD_socket fd;

	/* End the event streams, whose threads would hold up the stop. */
	bus_stop();
	/* The socket file goes first, so clients fail fast from now on. */
	if (unix_listener.mhd) {
		MHD_quiesce_daemon(unix_listener.mhd);
		unlink(the_daemon.socket_path);
	}
	if (tcp_listener.mhd) {
		fd = MHD_quiesce_daemon(tcp_listener.mhd);
		if (fd != MHD_INVALID_SOCKET)
			tcp_listener.fd = fd;
	}
}

void http_stop(void)
{
	bus_stop();
	if (header_thread_running) {
		__atomic_store_n(&header_thread_stop, true, __ATOMIC_SEQ_CST);
		pthread_join(header_thread, NULL);
		header_thread_running = false;
	}
	if (tcp_listener.mhd) {
		MHD_stop_daemon(tcp_listener.mhd);
		tcp_listener.mhd = NULL;
	}
	if (tcp_listener.fd >= 0) {
		close(tcp_listener.fd);
		tcp_listener.fd = -1;
	}
	if (unix_listener.mhd) {
		MHD_stop_daemon(unix_listener.mhd);
		unix_listener.mhd = NULL;
	}
	if (unix_listener.fd >= 0) {
		close(unix_listener.fd);
		unix_listener.fd = -1;
		unlink(the_daemon.socket_path);
	}
	free(listen_host);
	listen_host = NULL;
	free(allowed_hosts);
	allowed_hosts = NULL;
}
