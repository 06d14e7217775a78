/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/xalloc.h"

/* --- escaping what reaches the terminal ----------------------------- */

/*
 * Code points a terminal acts on or that hide or reorder text: the bidi
 * embeddings, overrides and isolates, zero-width and direction marks,
 * the line and paragraph separators and the BOM.  Server-supplied text
 * (a mail's subject, a topic, a commit subject, an error) must not
 * rewrite the screen or read differently from what it is.
 */
static bool invisible(unsigned int cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x180e ||
	       (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffb);
}

/*
 * The length of the valid UTF-8 sequence at s (at most n bytes) and its
 * code point; 0 if it is not one, -1 if it may be one cut short at n.
 */
static int utf8_seq(const unsigned char *s, size_t n, unsigned int *cp)
{
	int len, i;
	unsigned int c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * Append buf to out with every control and invisible character as a
 * visible escape ("\x1b", "\r", "\u202e"), bytes that are not UTF-8
 * as "\xNN"; a newline and a tab stay when lines is set.  Returns how
 * many bytes it took: fewer than len when buf ends inside a character
 * and partial is set.
 */
static size_t escape_text(struct strbuf *out, const char *buf, size_t len,
			  bool lines, bool partial)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;

	while (i < len) {
		unsigned int cp;
		int n = utf8_seq(s + i, len - i, &cp);

		if (n < 0 && partial)
			break;
		if (n <= 0) {
			strbuf_addf(out, "\\x%02x", s[i++]);
			continue;
		}
		if (cp == '\n' || cp == '\t') {
			if (lines)
				strbuf_addch(out, cp);
			else
				strbuf_addstr(out, cp == '\n' ? "\\n" : "\\t");
		} else if (cp == '\r') {
			strbuf_addstr(out, "\\r");
		} else if (cp < 0x20 || cp == 0x7f) {
			strbuf_addf(out, "\\x%02x", cp);
		} else if (invisible(cp)) {
			strbuf_addf(out, "\\u%04x", cp);
		} else {
			strbuf_add(out, s + i, n);
		}
		i += n;
	}
	return i;
}

/* A stdio stream that escapes what it writes to fd (see cli_escape_output()). */
struct escaper {
	int fd;
	bool raw;
	char held[4]; /* a character cut short by the last write */
	size_t nr_held;
};

static struct escaper escapers[2];

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

static ssize_t escaper_write(void *cookie, const char *buf, size_t len)
{
	struct escaper *e = cookie;
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	size_t took;
	int ret;

	if (e->raw)
		return write_all(e->fd, buf, len) ? -1 : (ssize_t)len;
	strbuf_add(&in, e->held, e->nr_held);
	strbuf_add(&in, buf, len);
	took = escape_text(&out, in.buf, in.len, true, true);
	e->nr_held = in.len - took;
	memcpy(e->held, in.buf + took, e->nr_held);
	ret = write_all(e->fd, out.buf, out.len);
	strbuf_release(&in);
	strbuf_release(&out);
	return ret ? -1 : (ssize_t)len;
}

static int escaper_close(void *cookie)
{
	struct escaper *e = cookie;
	struct strbuf out = STRBUF_INIT;
	int ret;

	escape_text(&out, e->held, e->nr_held, true, false);
	e->nr_held = 0;
	ret = write_all(e->fd, out.buf, out.len);
	strbuf_release(&out);
	return ret;
}

void cli_escape_output(void)
{
	cookie_io_functions_t io = { .write = escaper_write,
				     .close = escaper_close };
	FILE **std[2] = { &stdout, &stderr };
	int i;

	for (i = 0; i < 2; i++) {
		FILE *f;

		escapers[i].fd = fileno(*std[i]);
		f = fopencookie(&escapers[i], "w", io);
		if (!f)
			continue;
		/* As stdio buffers them: stderr not, stdout by line on a tty. */
		setvbuf(f, NULL,
			i		       ? _IONBF :
			isatty(escapers[i].fd) ? _IOLBF :
						 _IOFBF,
			i ? 0 : BUFSIZ);
		*std[i] = f;
	}
}

void cli_write_raw(FILE *f, const void *buf, size_t len)
{
	struct escaper *e = f == stdout ? &escapers[0] :
			    f == stderr ? &escapers[1] :
					  NULL;
	bool was;

	fflush(f);
	if (!e) {
		fwrite(buf, 1, len, f);
		return;
	}
	was = e->raw;
	e->raw = true;
	fwrite(buf, 1, len, f);
	fflush(f);
	e->raw = was;
}

struct table {
	size_t ncols;
	char **headers; /* ncols, or NULL */
	size_t *width;	/* ncols */
	char **cells;	/* row-major */
	size_t nr, alloc;
};

/* Columns a UTF-8 string takes: its characters, not its bytes. */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void table_fit(struct table *t, size_t col, const char *s)
{
	size_t w = text_width(s);

	if (w > t->width[col])
		t->width[col] = w;
}

struct table *table_new(size_t ncols, const char *const *headers)
{
	struct table *t = xcalloc(1, sizeof(*t));
	size_t i;

	t->ncols = ncols;
	ALLOC_ARRAY(t->width, ncols);
	if (headers) {
		ALLOC_ARRAY(t->headers, ncols);
		for (i = 0; i < ncols; i++) {
			t->headers[i] = xstrdup(headers[i]);
			table_fit(t, i, headers[i]);
		}
	}
	return t;
}

void table_add(struct table *t, const char *cell)
{
	struct strbuf sb = STRBUF_INIT;

	if (!cell)
		cell = "-";
	if (t->nr == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 16;
		t->cells = xrealloc(t->cells, t->alloc * sizeof(*t->cells));
	}
	strbuf_reset(&sb);
	escape_text(&sb, cell, strlen(cell), false, false);
	table_fit(t, t->nr % t->ncols, sb.buf);
	t->cells[t->nr++] = strbuf_detach(&sb, NULL);
}

void table_addf(struct table *t, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	table_add(t, sb.buf);
	strbuf_release(&sb);
}

void table_add_fmt(struct table *t, void (*fmt)(struct strbuf *, json_t *),
		   json_t *v)
{
	struct strbuf sb = STRBUF_INIT;

	fmt(&sb, v);
	table_add(t, sb.buf);
	strbuf_release(&sb);
}

void table_add_json(struct table *t, json_t *v)
{
	table_add_fmt(t, json_text, v);
}

void table_min_width(struct table *t, size_t col, size_t width)
{
	if (col < t->ncols && t->width[col] < width)
		t->width[col] = width;
}

/* One row, padded to the column widths, without trailing blanks. */
static void table_print_row(struct table *t, FILE *f, char **row)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, pad;

	for (i = 0; i < t->ncols; i++) {
		strbuf_addstr(&sb, row[i]);
		if (i + 1 == t->ncols)
			break;
		pad = t->width[i] - text_width(row[i]) + 2;
		while (pad--)
			strbuf_addch(&sb, ' ');
	}
	strbuf_rtrim(&sb);
	strbuf_addch(&sb, '\n');
	fwrite(sb.buf, 1, sb.len, f);
	strbuf_release(&sb);
}

void table_print(struct table *t, FILE *f, bool header)
{
	size_t i;

	/* A short last row is padded so that every row has ncols cells. */
	while (t->nr % t->ncols)
		table_add(t, "");
	if (header && t->headers)
		table_print_row(t, f, t->headers);
	for (i = 0; i < t->nr; i += t->ncols)
		table_print_row(t, f, t->cells + i);
	for (i = 0; i < t->nr; i++)
		free(t->cells[i]);
	t->nr = 0;
	fflush(f);
}

void table_free(struct table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nr; i++)
		free(t->cells[i]);
	if (t->headers)
		for (i = 0; i < t->ncols; i++)
			free(t->headers[i]);
	free(t->headers);
	free(t->cells);
	free(t->width);
	free(t);
}

void json_text(struct strbuf *sb, json_t *v)
{
	char *s;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		strbuf_add(sb, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		strbuf_addf(sb, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		strbuf_addstr(sb, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(sb, "false");
		break;
	case JSON_NULL:
		strbuf_addstr(sb, "-");
		break;
	default:
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!s)
			die_oom();
		strbuf_addstr(sb, s);
		free(s);
	}
}

const char *json_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

long long json_int(json_t *obj, const char *key, long long def)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? json_integer_value(v) : def;
}

void fmt_sha(struct strbuf *sb, json_t *v)
{
	if (json_is_string(v))
		strbuf_addf(sb, "%.12s", json_string_value(v));
	else
		json_text(sb, v);
}

void fmt_time(struct strbuf *sb, json_t *v)
{
	char buf[64];
	struct tm tm;
	time_t t;

	if (!json_is_integer(v)) {
		json_text(sb, v);
		return;
	}
	t = (time_t)json_integer_value(v);
	if (!localtime_r(&t, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm)) {
		strbuf_addf(sb, "%lld", (long long)t);
		return;
	}
	strbuf_addstr(sb, buf);
}

void fmt_duration(struct strbuf *sb, long long s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		strbuf_addf(sb, "%lldd %lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		strbuf_addf(sb, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		strbuf_addf(sb, "%lldm %llds", s / 60, s % 60);
	else
		strbuf_addf(sb, "%llds", s);
}

const char *short_ref(const char *ref)
{
	const char *rest;

	if (ref && skip_prefix(ref, "refs/heads/", &rest))
		return rest;
	return ref;
}
