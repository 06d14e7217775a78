/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CHECK_JSON_H
#define CTHULHU_CHECK_JSON_H

#include <stdint.h>
#include <jansson.h>

#include "lib/strbuf.h"

struct db;
struct store_check;
struct store_check_list;
struct strbuf;

/*
 * The API's shape of the checks of a series (store/checks.h), as
 * patchwork's Checks API has them: {id, context, state, description,
 * target_url, origin, created_at, updated_at}; new objects.
 */
json_t *check_json(const struct store_check *c);
/* An array of check_json() of each check. */
json_t *checks_json(const struct store_check_list *list);

/*
 * The combined state of a series' checks, as patchwork computes it:
 * "fail" when one fails, else "warning" when one warns, else "pending"
 * when one is pending or there are none, else "success".  Borrowed.
 */
const char *checks_combined(const struct store_check_list *list);

/*
 * The summaries of the checks of many series, for the queue: each
 * {"state" (checks_combined()), "total", "success", "fail", "warning",
 * "pending"}, the last three the contexts in that state, as JSON text.
 */
struct checks_summaries {
	int64_t *ids; /* ascending */
	size_t *start, *len;
	size_t nr, alloc;
	struct strbuf text;
};

/* Read the summaries of the series in ids (a JSON array, "[1,2]"). */
int checks_summaries_load(struct db *db, const char *ids,
			  struct checks_summaries *out, struct strbuf *err);
void checks_summaries_release(struct checks_summaries *s);
/* Append the summary of series id (one of no checks when it has none). */
void checks_summary_text(struct strbuf *out, const struct checks_summaries *s,
			 int64_t id);

/*
 * Add "checks" (checks_json()) and "check" (checks_combined()) of series
 * id to the object series.
 */
int checks_decorate(struct db *db, int64_t id, json_t *series,
		    struct strbuf *err);

/*
 * The checks of series id as GET /api/v1/series/ID/checks answers:
 * {"series", "check", "checks"}; ERR_NOT_FOUND when there is no such
 * series.
 */
int checks_of_series_json(struct db *db, int64_t id, json_t **out,
			  struct strbuf *err);

#endif
