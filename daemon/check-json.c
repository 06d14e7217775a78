/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checks of a series in the API's shape (check-json.h).
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/check-json.h"
#include "daemon/db.h"
#include "daemon/store/checks.h"
#include "daemon/store/row.h"
#include "daemon/store/series.h"
#include "lib/error.h"
#include "lib/strbuf.h"

json_t *check_json(const struct store_check *c)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:I, s:I}", "id",
			 (json_int_t)c->id, "context", c->context, "state",
			 c->state, "description",
			 c->description ? c->description : "", "target_url",
			 store_json_str(c->target_url), "origin",
			 c->origin ? c->origin : "cthulhu", "created_at",
			 (json_int_t)c->created_at, "updated_at",
			 (json_int_t)c->updated_at);
}

json_t *checks_json(const struct store_check_list *list)
{
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < list->nr; i++)
		json_array_append_new(out, check_json(&list->v[i]));
	return out;
}

const char *checks_combined(const struct store_check_list *list)
{
	static const char *const order[] = { "fail", "warning", "pending" };
	size_t i, k;

	for (k = 0; k < sizeof(order) / sizeof(*order); k++)
		for (i = 0; i < list->nr; i++)
			if (!strcmp(list->v[i].state, order[k]))
				return order[k];
	return list->nr ? "success" : "pending";
}

/* The index of the first check of series id in list, or list->nr. */
static size_t first_of(const struct store_check_list *list, int64_t id)
{
	size_t lo = 0, hi = list->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (list->v[mid].series_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void checks_summary_text(struct strbuf *out,
			 const struct store_check_list *list, int64_t id)
{
	struct store_check_list run;
	size_t i = first_of(list, id), n = 0, success = 0;
	json_t *o, *fail, *warning, *pending;
	char *text;

	while (i + n < list->nr && list->v[i + n].series_id == id)
		n++;
	if (!n) {
		strbuf_addstr(out, "{\"state\":\"pending\",\"total\":0,"
				   "\"success\":0,\"fail\":[],\"warning\":[],"
				   "\"pending\":[]}");
		return;
	}
	run.v = list->v + i;
	run.nr = n;
	fail = json_array();
	warning = json_array();
	pending = json_array();
	for (i = 0; i < n; i++) {
		const struct store_check *c = &run.v[i];

		if (!strcmp(c->state, "success"))
			success++;
		else if (!strcmp(c->state, "fail"))
			json_array_append_new(fail, json_string(c->context));
		else if (!strcmp(c->state, "warning"))
			json_array_append_new(warning, json_string(c->context));
		else
			json_array_append_new(pending, json_string(c->context));
	}
	o = json_pack("{s:s, s:I, s:I, s:o, s:o, s:o}", "state",
		      checks_combined(&run), "total", (json_int_t)n, "success",
		      (json_int_t)success, "fail", fail, "warning", warning,
		      "pending", pending);
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII |
				     JSON_PRESERVE_ORDER);
	strbuf_addstr(out, text ? text : "null");
	free(text);
	json_decref(o);
}

int checks_decorate(struct db *db, int64_t id, json_t *series,
		    struct strbuf *err)
{
	struct store_check_list list = { 0 };
	int ret;

	ret = store_checks_of(db, id, &list, err);
	if (ret < 0)
		return ret;
	json_object_set_new(series, "check",
			    json_string(checks_combined(&list)));
	json_object_set_new(series, "checks", checks_json(&list));
	store_check_list_release(&list);
	return 0;
}

int checks_of_series_json(struct db *db, int64_t id, json_t **out,
			  struct strbuf *err)
{
	bool exists = false;
	int ret;

	*out = NULL;
	ret = store_series_exists(db, id, &exists, err);
	if (ret < 0)
		return ret;
	if (!exists)
		return error_set(err, ERR_NOT_FOUND, "no series '%lld'",
				 (long long)id);
	*out = json_pack("{s:I}", "series", (json_int_t)id);
	ret = checks_decorate(db, id, *out, err);
	if (ret < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return ret;
}
