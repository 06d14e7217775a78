/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checks of a series in the API's shape (check-json.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/check-json.h"
#include "daemon/db.h"
#include "daemon/store/checks.h"
#include "daemon/store/row.h"
#include "daemon/store/series.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

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

#define NO_CHECKS                                                       \
	"{\"state\":\"pending\",\"total\":0,\"success\":0,\"fail\":[]," \
	"\"warning\":[],\"pending\":[]}"

/* s as a JSON string; bytes from 0x80 on go as they are (UTF-8). */
static void json_quote(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			strbuf_addf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			strbuf_addf(out, "\\u%04x", c);
		else
			strbuf_addch(out, c);
	}
	strbuf_addch(out, '"');
}

/* What the summary of one series gathers while its checks are read. */
struct summary_acc {
	struct checks_summaries *out;
	int64_t id; /* 0: none yet */
	size_t total, success, nr_fail, nr_warning, nr_pending;
	struct strbuf fail, warning, pending;
};

static void acc_list(struct strbuf *out, const char *key,
		     const struct strbuf *list)
{
	strbuf_addf(out, ",\"%s\":[", key);
	strbuf_addbuf(out, list);
	strbuf_addch(out, ']');
}

/* Write the summary gathered and start afresh. */
static void acc_flush(struct summary_acc *a)
{
	struct checks_summaries *s = a->out;
	const char *state = a->nr_fail	  ? "fail" :
			    a->nr_warning ? "warning" :
			    a->nr_pending ? "pending" :
					    "success";

	if (!a->id)
		return;
	if (s->nr == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 64;
		s->ids = xrealloc(s->ids, s->alloc * sizeof(*s->ids));
		s->start = xrealloc(s->start, s->alloc * sizeof(*s->start));
		s->len = xrealloc(s->len, s->alloc * sizeof(*s->len));
	}
	s->ids[s->nr] = a->id;
	s->start[s->nr] = s->text.len;
	strbuf_addf(&s->text, "{\"state\":\"%s\",\"total\":%zu,\"success\":%zu",
		    state, a->total, a->success);
	acc_list(&s->text, "fail", &a->fail);
	acc_list(&s->text, "warning", &a->warning);
	acc_list(&s->text, "pending", &a->pending);
	strbuf_addch(&s->text, '}');
	s->len[s->nr] = s->text.len - s->start[s->nr];
	s->nr++;
	a->id = 0;
	a->total = a->success = a->nr_fail = a->nr_warning = a->nr_pending = 0;
	strbuf_reset(&a->fail);
	strbuf_reset(&a->warning);
	strbuf_reset(&a->pending);
}

static int acc_check(const struct store_check *c, void *data)
{
	struct summary_acc *a = data;
	struct strbuf *list;
	size_t *nr;

	if (c->series_id != a->id) {
		acc_flush(a);
		a->id = c->series_id;
	}
	a->total++;
	if (!strcmp(c->state, "success")) {
		a->success++;
		return 0;
	}
	if (!strcmp(c->state, "fail")) {
		list = &a->fail;
		nr = &a->nr_fail;
	} else if (!strcmp(c->state, "warning")) {
		list = &a->warning;
		nr = &a->nr_warning;
	} else {
		list = &a->pending;
		nr = &a->nr_pending;
	}
	if ((*nr)++)
		strbuf_addch(list, ',');
	json_quote(list, c->context);
	return 0;
}

int checks_summaries_load(struct db *db, const char *ids,
			  struct checks_summaries *out, struct strbuf *err)
{
	struct summary_acc a = { .out = out };
	int ret;

	memset(out, 0, sizeof(*out));
	strbuf_init(&out->text, 0);
	strbuf_init(&a.fail, 0);
	strbuf_init(&a.warning, 0);
	strbuf_init(&a.pending, 0);
	ret = store_check_states_each(db, ids, acc_check, &a, err);
	acc_flush(&a);
	strbuf_release(&a.fail);
	strbuf_release(&a.warning);
	strbuf_release(&a.pending);
	if (ret) {
		checks_summaries_release(out);
		return ret < 0 ? ret : -EIO;
	}
	return 0;
}

void checks_summaries_release(struct checks_summaries *s)
{
	free(s->ids);
	free(s->start);
	free(s->len);
	strbuf_release(&s->text);
	memset(s, 0, sizeof(*s));
	strbuf_init(&s->text, 0);
}

void checks_summary_text(struct strbuf *out, const struct checks_summaries *s,
			 int64_t id)
{
	size_t lo = 0, hi = s->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nr && s->ids[lo] == id)
		strbuf_add(out, s->text.buf + s->start[lo], s->len[lo]);
	else
		strbuf_addstr(out, NO_CHECKS);
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
