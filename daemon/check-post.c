/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checks posted by an outside CI (check-post.h).
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "daemon/check-json.h"
#include "daemon/check-notify.h"
#include "daemon/check-post.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/store/checks.h"
#include "daemon/store/series.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* cthulhu's own checks (the speculative ones); no CI may post them. */
static const char *const reserved_contexts[] = { "apply", "merge", "gate" };

static bool context_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Whether s has a control character (newline and tab too unless text). */
static bool has_control(const char *s, bool text)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (text && (c == '\n' || c == '\t' || c == '\r'))
			continue;
		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

/*
 * The string field key of in into *out (NULL when absent or null);
 * ERR_INVALID when it is something else or longer than max.
 */
static int field(json_t *in, const char *key, size_t max, const char **out,
		 struct strbuf *err)
{
	json_t *v = json_object_get(in, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return error_set(err, ERR_INVALID, "'%s' must be a string",
				 key);
	if (json_string_length(v) > max)
		return error_set(err, ERR_INVALID,
				 "'%s' is too long: %zu bytes, at most %zu",
				 key, json_string_length(v), max);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return error_set(err, ERR_INVALID, "'%s' holds a NUL byte",
				 key);
	*out = json_string_value(v);
	return 0;
}

static int check_context(const char *context, struct strbuf *err)
{
	const char *p;
	size_t i;

	if (!context || !*context)
		return error_set(err, ERR_INVALID,
				 "'context' is missing: name the check "
				 "([a-zA-Z0-9._-], at most %d characters)",
				 CHECK_CONTEXT_MAX);
	for (p = context; *p; p++)
		if (!context_char(*p))
			return error_set(err, ERR_INVALID,
					 "bad 'context' '%s': only letters, "
					 "digits, '.', '_' and '-' may name a "
					 "check",
					 context);
	for (i = 0; i < ARRAY_SIZE(reserved_contexts); i++)
		if (!strcmp(context, reserved_contexts[i]))
			return error_set(err, ERR_INVALID,
					 "context '%s' is reserved: cthulhu "
					 "records its own '%s' check; name "
					 "yours otherwise (e.g. 'ci-%s')",
					 context, context, context);
	return 0;
}

static int check_url(const char *url, struct strbuf *err)
{
	const char *rest;

	if (!url || !*url)
		return 0;
	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
		return error_set(err, ERR_INVALID,
				 "bad 'target_url' '%s': only http:// and "
				 "https:// URLs are taken",
				 url);
	rest = url + (url[4] == ':' ? 7 : 8);
	if (!*rest || *rest == '/' || strpbrk(url, " <>\"'\\`") ||
	    has_control(url, false))
		return error_set(err, ERR_INVALID,
				 "bad 'target_url' '%s': not a URL with a host",
				 url);
	return 0;
}

int check_post_parse(json_t *in, struct store_check *out, struct strbuf *err)
{
	const char *state, *context, *description, *url, *log;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(in))
		return error_set(err, ERR_INVALID,
				 "a check is a JSON object {state, context, "
				 "description, target_url}");
	ret = field(in, "state", 16, &state, err);
	if (!ret)
		ret = field(in, "context", CHECK_CONTEXT_MAX, &context, err);
	if (!ret)
		ret = field(in, "description", CHECK_DESCRIPTION_MAX,
			    &description, err);
	if (!ret)
		ret = field(in, "target_url", CHECK_URL_MAX, &url, err);
	if (!ret)
		ret = field(in, "log", CHECK_LOG_MAX, &log, err);
	if (ret < 0)
		return ret;
	if (!state)
		return error_set(err, ERR_INVALID,
				 "'state' is missing: pending, success, "
				 "warning or fail");
	if (!store_check_state_valid(state))
		return error_set(err, ERR_INVALID,
				 "bad 'state' '%s': pending, success, warning "
				 "or fail",
				 state);
	ret = check_context(context, err);
	if (!ret)
		ret = check_url(url, err);
	if (ret < 0)
		return ret;
	if (description && has_control(description, true))
		return error_set(err, ERR_INVALID,
				 "bad 'description': it holds control "
				 "characters");
	out->state = xstrdup(state);
	out->context = xstrdup(context);
	out->description = xstrdup(description ? description : "");
	out->target_url = url && *url ? xstrdup(url) : NULL;
	out->log = log && *log ? xstrdup(log) : NULL;
	return 0;
}

int check_job_post(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	json_int_t id = json_integer_value(json_object_get(args, "series"));
	struct store_check c, got = { 0 };
	bool exists = false, found = false;
	int ret;

	ret = check_post_parse(args, &c, err);
	if (ret < 0)
		return ret;
	ret = store_series_exists(ctx->db, id, &exists, err);
	if (ret < 0)
		goto out;
	if (!exists) {
		ret = error_set(err, ERR_NOT_FOUND, "no series '%lld'",
				(long long)id);
		goto out;
	}
	c.series_id = id;
	c.origin = xstrdup("api");
	c.updated_at = time(NULL);
	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out;
	ret = store_check_put(ctx->db, &c, err);
	if (!ret)
		ret = check_recorded(ctx->db, ctx->config, &c, err);
	if (!ret)
		ret = store_check_get(ctx->db, id, c.context, &got, &found,
				      err);
	if (!ret)
		ret = db_commit(ctx->db, err);
	if (ret < 0) {
		db_rollback(ctx->db);
		goto out;
	}
	*result = check_json(&got);
	json_object_set_new(*result, "series", json_integer(id));
out:
	store_check_release(&got);
	store_check_release(&c);
	return ret;
}
