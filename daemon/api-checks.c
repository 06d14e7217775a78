/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checks of a series over HTTP, in the shape of patchwork's Checks
 * API:
 *   GET  /api/v1/series/ID/checks   {"series", "check", "checks": [...]}
 *   POST /api/v1/series/ID/checks   {state, context, description?,
 *        target_url?, log?} as JSON or as a form
 *        (application/x-www-form-urlencoded, as patchwork takes it;
 *        a body that begins with '{' is JSON whatever its type):
 *        record an outside CI's check (201, the check)
 * GET /api/v1/series/ID has them too (api-series.c).  Recording runs as
 * the "check-post" job (daemon/check-post.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/check-json.h"
#include "daemon/check-post.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/http.h"
#include "daemon/jobs.h"
#include "daemon/store/checks.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* "ID/checks" into id; ERR_NOT_FOUND for anything else. */
static int checks_param(const char *param, int64_t *id, struct strbuf *err)
{
	char *end;
	long long n = strtoll(param, &end, 10);

	if (end == param || n <= 0 || strcmp(end, "/checks"))
		return error_set(err, ERR_NOT_FOUND, "no series '%.*s'",
				 (int)strcspn(param, "/"), param);
	*id = n;
	return 0;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..len) ('+' is a space) into out. */
static int form_decode(struct strbuf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			strbuf_addch(out, ' ');
		} else if (s[i] == '%') {
			if (i + 2 >= len || hex(s[i + 1]) < 0 ||
			    hex(s[i + 2]) < 0)
				return -1;
			strbuf_addch(out, hex(s[i + 1]) * 16 + hex(s[i + 2]));
			i += 2;
		} else {
			strbuf_addch(out, s[i]);
		}
	}
	return 0;
}

/*
 * A form body (a=b&c=d) as a JSON object of strings; NULL with err set
 * when it is malformed or a value is not UTF-8.
 */
static json_t *form_body(const struct http_request *req, struct strbuf *err)
{
	struct strbuf key = STRBUF_INIT, val = STRBUF_INIT;
	const char *p = req->body, *end = req->body + req->body_len;
	json_t *out = json_object(), *v;

	while (p < end) {
		const char *amp = memchr(p, '&', end - p);
		const char *eq;

		if (!amp)
			amp = end;
		eq = memchr(p, '=', amp - p);
		strbuf_reset(&key);
		strbuf_reset(&val);
		if (amp > p &&
		    (form_decode(&key, p, (eq ? eq : amp) - p) < 0 ||
		     (eq && form_decode(&val, eq + 1, amp - eq - 1) < 0))) {
			error_set(err, ERR_INVALID,
				  "bad form body: a '%%' is not followed by two "
				  "hex digits");
			goto fail;
		}
		if (key.len) {
			v = strlen(val.buf) == val.len ? json_string(val.buf) :
							 NULL;
			if (!v) {
				error_set(err, ERR_INVALID,
					  "bad form field '%s': not UTF-8 text",
					  key.buf);
				goto fail;
			}
			json_object_set_new(out, key.buf, v);
		}
		p = amp + 1;
	}
	strbuf_release(&key);
	strbuf_release(&val);
	return out;
fail:
	strbuf_release(&key);
	strbuf_release(&val);
	json_decref(out);
	return NULL;
}

/* Whether the body begins, after blanks, with a JSON object. */
static bool looks_like_json(const struct http_request *req)
{
	size_t i = 0;

	while (i < req->body_len && strchr(" \t\r\n", req->body[i]))
		i++;
	return i < req->body_len && req->body[i] == '{';
}

static int checks_get(struct http_request *req, json_t **out,
		      struct strbuf *err)
{
	struct db *db = db_thread();
	int64_t id;
	int ret;

	ret = checks_param(req->param, &id, err);
	if (ret < 0)
		return ret;
	if (!db)
		return error_set(err, -EIO, "no database connection");
	return checks_of_series_json(db, id, out, err);
}

static int checks_post(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	const char *type = http_header(req, "Content-Type");
	struct store_check c;
	json_t *body;
	int64_t id;
	int ret;

	ret = checks_param(req->param, &id, err);
	if (ret < 0)
		return ret;
	/*
	 * curl -d sends JSON as a form unless told otherwise: a form's
	 * first field never begins with '{'.
	 */
	if (type &&
	    !strncasecmp(type, "application/x-www-form-urlencoded",
			 strlen("application/x-www-form-urlencoded")) &&
	    !looks_like_json(req))
		body = form_body(req, err);
	else
		body = http_json_body(req, err);
	if (!body)
		return ERR_INVALID;
	/* Refuse a bad check here, before the engine sees it. */
	ret = check_post_parse(body, &c, err);
	store_check_release(&c);
	if (ret < 0) {
		json_decref(body);
		return ret;
	}
	json_object_set_new(body, "series", json_integer(id));
	ret = engine_run(JOB_CHECK_POST, body, out, err);
	return ret < 0 ? ret : HTTP_CREATED;
}

const struct route api_checks_routes[] = {
	{ "GET", "/api/v1/series/*/checks", checks_get },
	{ "POST", "/api/v1/series/*/checks", checks_post },
	{ 0 }
};
