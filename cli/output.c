/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "daemon/xalloc.h"

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
	if (!cell)
		cell = "-";
	if (t->nr == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 16;
		t->cells = xrealloc(t->cells, t->alloc * sizeof(*t->cells));
	}
	table_fit(t, t->nr % t->ncols, cell);
	t->cells[t->nr++] = xstrdup(cell);
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
