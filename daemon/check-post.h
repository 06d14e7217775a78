/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CHECK_POST_H
#define CTHULHU_CHECK_POST_H

#include <jansson.h>

struct job_ctx;
struct store_check;
struct strbuf;

/*
 * The checks an outside CI posts (POST /api/v1/series/ID/checks), as
 * patchwork's Checks API takes them: {state, context, description?,
 * target_url?}, and cthulhu's "log" (the failure's output; its end goes
 * into the author's mail).
 */

/* Limits of what a posted check may hold, in bytes. */
#define CHECK_CONTEXT_MAX 255
#define CHECK_DESCRIPTION_MAX 4096
#define CHECK_URL_MAX 2048
#define CHECK_LOG_MAX (256 * 1024)

/*
 * Check the fields of a posted check (a JSON object of strings) and fill
 * out's context, state, description, target_url and log (new strings;
 * release with store_check_release()).  ERR_INVALID with err saying which
 * field is wrong and why: a state other than pending, success, warning
 * or fail, a context not of [a-zA-Z0-9._-] or longer than 255, one of
 * cthulhu's own contexts (apply, merge, gate), a URL not http(s), a field
 * over its limit.
 */
int check_post_parse(json_t *in, struct store_check *out, struct strbuf *err);

/*
 * The "check-post" job: {series, state, context, description?,
 * target_url?, log?}; records the check with origin "api", tells
 * check_recorded(), and answers with the check (check-json.h).
 * ERR_NOT_FOUND for a series that does not exist.
 */
int check_job_post(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err);

#endif
