/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/transport.h"
#include "lib/xalloc.h"

/*
 * Plain HTTP/1.1 over the daemon's Unix socket: one connection per
 * request ("Connection: close"), the request written at once, the answer
 * read as RFC 9112 frames it.  It is all the CLI needs of HTTP, and it
 * costs no shared library: a local "cthulhu status" starts, asks and
 * prints in about a millisecond.
 */

#define LINE_MAX_BYTES 8192	     /* one status, header or chunk line */
#define HEADERS_MAX_BYTES (64 << 10) /* all header lines of an answer */

struct reader {
	int fd;
	size_t pos, len;
	char buf[16384];
};

/* Have bytes in the buffer: 1, 0 at the end of the stream, or -errno. */
static int reader_fill(struct reader *r)
{
	ssize_t n;

	if (r->pos < r->len)
		return 1;
	do
		n = read(r->fd, r->buf, sizeof(r->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	r->pos = 0;
	r->len = n;
	return n > 0;
}

/*
 * Read a line into line without its LF or CRLF.  Returns 1; 0 when the
 * stream ends first (line holds what came); -E2BIG past max bytes; -errno.
 */
static int reader_line(struct reader *r, struct strbuf *line, size_t max)
{
	const char *p, *nl;
	size_t n;
	int ret;

	strbuf_reset(line);
	for (;;) {
		ret = reader_fill(r);
		if (ret <= 0)
			return ret;
		p = r->buf + r->pos;
		nl = memchr(p, '\n', r->len - r->pos);
		n = nl ? (size_t)(nl - p) : r->len - r->pos;
		if (line->len + n > max) {
			strbuf_add(line, p, max - line->len);
			return -E2BIG;
		}
		strbuf_add(line, p, n);
		r->pos += n;
		if (nl) {
			r->pos++;
			if (line->len && line->buf[line->len - 1] == '\r')
				strbuf_setlen(line, line->len - 1);
			return 1;
		}
	}
}

/* Append n bytes to out: 1, 0 when the stream ends first, or -errno. */
static int reader_take(struct reader *r, struct strbuf *out, size_t n)
{
	size_t k;
	int ret;

	while (n) {
		ret = reader_fill(r);
		if (ret <= 0)
			return ret;
		k = r->len - r->pos < n ? r->len - r->pos : n;
		strbuf_add(out, r->buf + r->pos, k);
		r->pos += k;
		n -= k;
	}
	return 1;
}

/* Append at most 60 bytes of s for a message, '?' for unprintable ones. */
static void add_excerpt(struct strbuf *sb, const struct strbuf *s)
{
	size_t i;

	strbuf_addch(sb, '\'');
	for (i = 0; i < s->len && i < 60; i++)
		strbuf_addch(sb, isprint((unsigned char)s->buf[i]) ? s->buf[i] :
								     '?');
	if (s->len > 60)
		strbuf_addstr(sb, "...");
	strbuf_addch(sb, '\'');
}

static int malformed(struct strbuf *err, const char *what,
		     const struct strbuf *line)
{
	struct strbuf sb = STRBUF_INIT;

	add_excerpt(&sb, line);
	error_set(err, CLI_UNREACHABLE, "malformed %s %s in the answer", what,
		  sb.buf);
	strbuf_release(&sb);
	return CLI_UNREACHABLE;
}

/* The failure of a read in the middle of part ("headers", "body"). */
static int read_failed(struct strbuf *err, int ret, const char *part)
{
	if (ret == -E2BIG)
		return error_set(
			err, CLI_UNREACHABLE,
			"the answer has a line longer than %d bytes in its %s",
			LINE_MAX_BYTES, part);
	if (ret < 0)
		return error_set(err, CLI_UNREACHABLE,
				 "cannot read the answer: %s", strerror(-ret));
	return error_set(err, CLI_UNREACHABLE,
			 "the answer was cut short in its %s", part);
}

static int too_large(struct strbuf *err, size_t limit)
{
	if (limit % (1 << 20))
		return error_set(err, CLI_REFUSED,
				 "the answer is larger than the limit of %zu bytes",
				 limit);
	return error_set(err, CLI_REFUSED,
			 "the answer is larger than the limit of %zu MiB",
			 limit >> 20);
}

/* "HTTP/1.1 200 OK": the status, or -1 for anything else. */
static long parse_status_line(const struct strbuf *line)
{
	const char *s = line->buf;

	if (strlen(s) != line->len || !skip_prefix(s, "HTTP/1.", &s) ||
	    !isdigit((unsigned char)s[0]) || s[1] != ' ')
		return -1;
	s += 2;
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]) || (s[3] && s[3] != ' ') ||
	    s[0] < '1' || s[0] > '5')
		return -1;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* A decimal size with nothing around it; false on overflow or junk. */
static bool parse_size(const char *s, int base, size_t *out)
{
	size_t v = 0;
	int d;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			return false;
		if (v > (SIZE_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

struct framing {
	bool chunked;
	bool has_length;
	size_t length;
};

/* Take one header line into f; CLI_OK or an error. */
static int parse_header(const struct strbuf *line, struct framing *f,
			struct strbuf *err)
{
	struct strbuf val = STRBUF_INIT;
	const char *colon, *tok, *end;
	size_t len;
	int ret = CLI_OK;

	colon = memchr(line->buf, ':', line->len);
	if (!colon || colon == line->buf || strlen(line->buf) != line->len ||
	    strcspn(line->buf, " \t") < (size_t)(colon - line->buf))
		return malformed(err, "header line", line);
	strbuf_addstr(&val, colon + 1);
	strbuf_trim(&val);
	len = colon - line->buf;
	if (len == strlen("Content-Length") &&
	    !strncasecmp(line->buf, "Content-Length", len)) {
		if (!parse_size(val.buf, 10, &len) ||
		    (f->has_length && f->length != len)) {
			ret = malformed(err, "header line", line);
			goto out;
		}
		f->has_length = true;
		f->length = len;
	} else if (len == strlen("Transfer-Encoding") &&
		   !strncasecmp(line->buf, "Transfer-Encoding", len)) {
		/* A list of codings; the CLI asked for none but chunked. */
		for (tok = val.buf; *tok; tok = *end ? end + 1 : end) {
			end = tok + strcspn(tok, ",");
			while (tok < end && (*tok == ' ' || *tok == '\t'))
				tok++;
			len = end - tok;
			while (len &&
			       (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
				len--;
			if (!len)
				continue;
			if (len != 7 || strncasecmp(tok, "chunked", 7) ||
			    f->chunked) {
				error_set(err, CLI_UNREACHABLE,
					  "the answer has Transfer-Encoding '%s', not 'chunked'",
					  val.buf);
				ret = CLI_UNREACHABLE;
				goto out;
			}
			f->chunked = true;
		}
	}
out:
	strbuf_release(&val);
	return ret;
}

/* The body in chunks: "SIZE[;ext]", SIZE bytes, CRLF; "0", trailers, CRLF. */
static int read_chunked(struct reader *r, size_t limit, struct strbuf *body,
			struct strbuf *err)
{
	struct strbuf line = STRBUF_INIT;
	size_t size, total = 0;
	int ret;

	for (;;) {
		ret = reader_line(r, &line, LINE_MAX_BYTES);
		if (ret <= 0) {
			ret = read_failed(err, ret, "chunked body");
			goto out;
		}
		strbuf_setlen(&line, strcspn(line.buf, "; \t"));
		if (!parse_size(line.buf, 16, &size)) {
			ret = malformed(err, "chunk size", &line);
			goto out;
		}
		if (!size)
			break;
		if (size > limit - body->len) {
			ret = too_large(err, limit);
			goto out;
		}
		ret = reader_take(r, body, size);
		if (ret > 0)
			ret = reader_line(r, &line, LINE_MAX_BYTES);
		if (ret <= 0) {
			ret = read_failed(err, ret, "chunked body");
			goto out;
		}
		if (line.len) {
			ret = malformed(err, "end of chunk", &line);
			goto out;
		}
	}
	/* The trailer section, ignored, up to its empty line. */
	do {
		ret = reader_line(r, &line, LINE_MAX_BYTES);
		if (ret <= 0) {
			ret = read_failed(err, ret, "chunked body");
			goto out;
		}
		total += line.len + 2;
		if (total > HEADERS_MAX_BYTES) {
			ret = read_failed(err, -E2BIG, "trailers");
			goto out;
		}
	} while (line.len);
	ret = CLI_OK;
out:
	strbuf_release(&line);
	return ret;
}

/* The body up to the end of the stream, no larger than limit. */
static int read_to_end(struct reader *r, size_t limit, struct strbuf *body,
		       struct strbuf *err)
{
	size_t n;
	int ret;

	for (;;) {
		ret = reader_fill(r);
		if (ret < 0)
			return read_failed(err, ret, "body");
		if (!ret)
			return CLI_OK;
		n = r->len - r->pos;
		if (n > limit - body->len)
			return too_large(err, limit);
		strbuf_add(body, r->buf + r->pos, n);
		r->pos = r->len;
	}
}

int http_read_response(int fd, size_t limit, struct client_reply *reply,
		       struct strbuf *err)
{
	struct reader *r = xmalloc(sizeof(*r));
	struct strbuf line = STRBUF_INIT;
	struct framing f;
	size_t total;
	long status;
	int ret;

	r->fd = fd;
	r->pos = r->len = 0;
	strbuf_reset(&reply->body);
	reply->status = 0;
	do {
		memset(&f, 0, sizeof(f));
		ret = reader_line(r, &line, LINE_MAX_BYTES);
		if (ret == 0 && !line.len && !reply->status) {
			ret = error_set(
				err, CLI_UNREACHABLE,
				"the daemon closed the connection without an answer");
			goto out;
		}
		/* What came is no status line, whole or cut: say what it is. */
		if (ret == -E2BIG ||
		    (ret == 0 && line.len && parse_status_line(&line) < 0 &&
		     strncmp(line.buf, "HTTP/1.",
			     line.len < 7 ? line.len : 7))) {
			ret = malformed(err, "status line", &line);
			goto out;
		}
		if (ret <= 0) {
			ret = read_failed(err, ret, "status line");
			goto out;
		}
		status = parse_status_line(&line);
		if (status < 0 || status == 101) {
			ret = malformed(err, "status line", &line);
			goto out;
		}
		reply->status = status;
		total = 0;
		for (;;) {
			ret = reader_line(r, &line, LINE_MAX_BYTES);
			if (ret <= 0) {
				ret = read_failed(err, ret, "headers");
				goto out;
			}
			if (!line.len)
				break;
			total += line.len + 2;
			if (total > HEADERS_MAX_BYTES) {
				ret = error_set(
					err, CLI_UNREACHABLE,
					"the answer's headers are larger than %d KiB",
					HEADERS_MAX_BYTES >> 10);
				goto out;
			}
			if (line.buf[0] == ' ' || line.buf[0] == '\t') {
				ret = malformed(err, "header line", &line);
				goto out;
			}
			ret = parse_header(&line, &f, err);
			if (ret)
				goto out;
		}
		/* After 100 Continue and its kind comes the answer. */
	} while (status < 200);

	if (status == 204 || status == 304)
		ret = CLI_OK;
	else if (f.chunked)
		ret = read_chunked(r, limit, &reply->body, err);
	else if (f.has_length && f.length > limit)
		ret = too_large(err, limit);
	else if (f.has_length) {
		ret = reader_take(r, &reply->body, f.length);
		if (ret <= 0) {
			if (!ret)
				ret = error_set(
					err, CLI_UNREACHABLE,
					"the answer was cut short: %zu of its %zu body bytes came",
					reply->body.len, f.length);
			else
				ret = read_failed(err, ret, "body");
		} else {
			ret = CLI_OK;
		}
	} else {
		ret = read_to_end(r, limit, &reply->body, err);
	}
out:
	strbuf_release(&line);
	free(r);
	return ret;
}

/*
 * Why connect() failed, for "cannot reach cthulhud at socket 'x': ...".
 * Linux says "Connection refused" for a path that is no socket, and for a
 * socket left behind by a daemon that is gone.
 */
static int connect_failed(const char *path, int e, struct strbuf *err)
{
	struct stat st;

	if (e == ECONNREFUSED && !stat(path, &st) && !S_ISSOCK(st.st_mode))
		return error_set(err, CLI_UNREACHABLE, "%s is not a socket",
				 S_ISDIR(st.st_mode) ? "a directory" :
						       "the file");
	if (e == ENOENT || e == ECONNREFUSED)
		return error_set(err, CLI_UNREACHABLE,
				 "%s (is cthulhud running?)", strerror(e));
	return error_set(err, CLI_UNREACHABLE, "%s", strerror(e));
}

/*
 * Write the request.  The daemon may answer before it has read a body it
 * refuses (413) and close: stop writing then, and read the answer.
 * Returns 0 when all was sent, 1 when the daemon answered or closed
 * first, or -errno.
 */
static int send_request(int fd, struct strbuf *head, const void *body,
			size_t len)
{
	struct iovec iov[2] = {
		{ head->buf, head->len },
		{ (void *)body, body ? len : 0 },
	};
	struct pollfd pfd = { fd, POLLIN | POLLOUT, 0 };
	struct msghdr msg = { 0 };
	size_t i = 0;
	ssize_t n;

	while (i < 2) {
		if (!iov[i].iov_len) {
			i++;
			continue;
		}
		msg.msg_iov = iov + i;
		msg.msg_iovlen = 2 - i;
		n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN) {
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -errno;
			if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
				return 1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return 1;
		if (n < 0)
			return -errno;
		for (; i < 2 && (size_t)n >= iov[i].iov_len; i++)
			n -= iov[i].iov_len;
		if (i < 2) {
			iov[i].iov_base = (char *)iov[i].iov_base + n;
			iov[i].iov_len -= n;
		}
	}
	return 0;
}

int unix_transport_request(const char *socket_path,
			   const struct transport_request *req,
			   struct client_reply *reply, struct strbuf *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct strbuf head = STRBUF_INIT;
	int fd = -1, ret;

	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return error_set(err, CLI_UNREACHABLE,
				 "the path is longer than %zu bytes",
				 sizeof(sa.sun_path) - 1);
	if (strpbrk(req->path, " \r\n"))
		return error_set(err, CLI_USAGE, "unescaped request path '%s'",
				 req->path);
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = error_set(err, CLI_UNREACHABLE,
				"cannot make a socket: %s", strerror(errno));
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = connect_failed(socket_path, errno, err);
		goto out;
	}

	strbuf_addf(&head,
		    "%s %s HTTP/1.1\r\n"
		    "Host: localhost\r\n"
		    "User-Agent: cthulhu/" PACKAGE_VERSION "\r\n"
		    "Accept: application/json\r\n"
		    "Connection: close\r\n",
		    req->method, req->path);
	if (req->content_type)
		strbuf_addf(&head, "Content-Type: %s\r\n", req->content_type);
	if (req->body || strcmp(req->method, "GET"))
		strbuf_addf(&head, "Content-Length: %zu\r\n",
			    req->body ? req->len : 0);
	strbuf_addstr(&head, "\r\n");

	ret = send_request(fd, &head, req->body, req->len);
	if (ret < 0) {
		ret = error_set(err, CLI_UNREACHABLE,
				"cannot send the request: %s", strerror(-ret));
		goto out;
	}
	if (ret > 0) {
		/* Cut off while sending: only a refusal explains that. */
		ret = http_read_response(fd, CLIENT_REPLY_LIMIT, reply, err);
		if (ret == CLI_OK && reply->status < 400)
			ret = error_set(
				err, CLI_UNREACHABLE,
				"the daemon closed the connection before it had the request");
		goto out;
	}
	ret = http_read_response(fd, CLIENT_REPLY_LIMIT, reply, err);
out:
	if (fd >= 0)
		close(fd);
	strbuf_release(&head);
	return ret;
}
