// SPDX-License-Identifier: GPL-2.0
/*
 * /api/v1/submit, /api/v1/series and /api/v1/supersede.  Reads go to the
 * database from the request's thread; submitting mail and superseding
 * run as engine jobs (daemon/series.c), so the answer is what the engine
 * did.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/am.h"
#include "daemon/check-overlap.h"
#include "daemon/check-json.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "daemon/http.h"
#include "daemon/jobs.h"
#include "daemon/queue.h"
#include "daemon/series.h"
#include "daemon/series-range.h"
#include "daemon/store/applied.h"
#include "daemon/store/series.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/*
 * POST /api/v1/submit[?format=mbox|mboxrd]: the body is an mbox or one
 * RFC 5322 message, as is (any Content-Type).  The answer is the one of
 * series_ingest_mbox(); 201 when a series was created.
 */
static int submit(struct http_request *req, json_t **out, struct strbuf *err)
{
	const char *fmt = http_query(req, "format");
	enum mbox_format format = MBOX_AUTO;
	json_t *result = NULL, *s;
	size_t i;
	int ret;

	if (fmt && !strcmp(fmt, "mbox"))
		format = MBOX_MBOXO;
	else if (fmt && !strcmp(fmt, "mboxrd"))
		format = MBOX_MBOXRD;
	else if (fmt && strcmp(fmt, "auto"))
		return error_set(err, ERR_INVALID,
				 "unknown format '%s' (mbox, mboxrd or auto)",
				 fmt);
	if (!req->body_len)
		return error_set(err, ERR_INVALID,
				 "no mail in the request body");
	ret = series_submit(req->body, req->body_len, format, &result, err);
	if (ret < 0) {
		json_decref(result);
		return ret;
	}
	*out = result ? result : json_object();
	json_array_foreach(json_object_get(*out, "series"), i, s)
		if (json_is_true(json_object_get(s, "created")))
			return HTTP_CREATED;
	return 0;
}

static int parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	v = strtoll(s, &end, 10);
	if (*end || v <= 0)
		return -1;
	*id = v;
	return 0;
}

/* GET /api/v1/series[?msgid=ID|author=WHO][&limit=N]: {"series": [...]} */
static int series_index(struct http_request *req, json_t **out,
			struct strbuf *err)
{
	const char *limit = http_query(req, "limit");
	struct db *db = db_thread();
	json_t *list;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	list = series_list(db, http_query(req, "msgid"),
			   http_query(req, "author"), limit ? atoi(limit) : 100,
			   err);
	if (!list)
		return -EIO;
	queue_positions_decorate(db, list);
	*out = json_pack("{s:o}", "series", list);
	return 0;
}

static json_t *side_json(const struct series_range_side *side)
{
	json_t *commits = json_array();
	size_t i;

	for (i = 0; i < side->nr; i++)
		json_array_append_new(commits,
				      json_pack("{s:I, s:s, s:s}", "number",
						(json_int_t)(i + 1), "commit",
						side->commits[i].commit,
						"subject",
						side->commits[i].subject));
	return json_pack("{s:I, s:I, s:s, s:s, s:o}", "series",
			 (json_int_t)side->series_id, "version",
			 (json_int_t)side->version, "base", side->base,
			 "base_from", side->base_from ? side->base_from : "",
			 "commits", commits);
}

static json_t *pair_side_json(const struct series_range_side *side, int i)
{
	if (i < 0)
		return json_null();
	return json_pack("{s:I, s:s, s:s}", "number", (json_int_t)(i + 1),
			 "commit", side->commits[i].commit, "subject",
			 side->commits[i].subject);
}

/*
 * GET /api/v1/series/ID/range-diff[?topic=NAME]: `git range-diff` of the
 * series and its other version, both applied in memory
 * (daemon/series-range.h): {"old", "new", "topic", "pairs", "text"}.
 */
static int series_range(struct http_request *req, int64_t id, json_t **out,
			struct strbuf *err)
{
	struct db *db = db_thread();
	struct series_range r;
	json_t *pairs;
	size_t i;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = series_range_diff(db, id, http_query(req, "topic"), &r, err);
	if (ret < 0)
		goto out;
	pairs = json_array();
	for (i = 0; i < r.rd.nr; i++) {
		const struct range_diff_pair *p = &r.rd.pairs[i];
		char status[2] = { p->status, '\0' };

		json_array_append_new(pairs,
				      json_pack("{s:s, s:o, s:o}", "status",
						status, "old",
						pair_side_json(&r.old, p->old),
						"new",
						pair_side_json(&r.new,
							       p->new)));
	}
	*out = json_pack("{s:o, s:o, s:s?, s:o, s:s}", "old", side_json(&r.old),
			 "new", side_json(&r.new), "topic", r.topic, "pairs",
			 pairs, "text", r.text.buf);
out:
	series_range_release(&r);
	return ret;
}

/*
 * The trailers that replies gave the applied patches of series id since
 * they were applied (am_applied_late()): "new_trailers" of each patch of
 * series (a list, when there are any), "nr_new_trailers" of the series
 * (how many in all).
 */
static int late_decorate(struct db *db, int64_t id, json_t *series,
			 struct strbuf *err)
{
	const struct config *cfg = daemon_config_get();
	struct store_applied_list rows = { 0 };
	char idtext[32];
	size_t i, j, total = 0;
	int ret;

	snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
	ret = store_applied_list(db, NULL, idtext, &rows, err);
	for (i = 0; !ret && i < rows.nr; i++) {
		struct am_patch p;
		char **late;
		size_t nr;
		json_t *list, *pj;

		if (strcmp(rows.v[i].state, "applied"))
			continue;
		ret = am_applied_late(db, cfg, &rows.v[i], &p, &late, &nr, err);
		am_patch_release(&p);
		if (ret < 0)
			break;
		list = json_array();
		for (j = 0; j < nr; j++) {
			json_array_append_new(list, json_string(late[j]));
			free(late[j]);
		}
		free(late);
		total += nr;
		json_array_foreach(json_object_get(series, "patches"), j, pj)
			if (json_integer_value(json_object_get(pj, "number")) ==
				    rows.v[i].number &&
			    nr)
				json_object_set(pj, "new_trailers", list);
		json_decref(list);
	}
	json_object_set_new(series, "nr_new_trailers",
			    json_integer((json_int_t)total));
	store_applied_list_release(&rows);
	daemon_config_put();
	return ret;
}

/*
 * The trailers of replies that apply leaves out because they name
 * someone else than the reply's sender (as b4 am reports them):
 * "trailers_left_out" of each patch of series, when there are any.
 */
static int left_out_decorate(struct db *db, json_t *series, struct strbuf *err)
{
	const struct config *cfg = daemon_config_get();
	struct am_opts opts;
	json_t *pj;
	size_t i, k;
	int ret = 0;

	am_opts_from_config(&opts, cfg);
	json_array_foreach(json_object_get(series, "patches"), i, pj) {
		int64_t pid = json_integer_value(json_object_get(pj, "id"));
		int64_t number =
			json_integer_value(json_object_get(pj, "number"));
		int64_t message_id = 0;
		struct am_patch p;
		bool found = false;
		json_t *list;

		if (!json_is_true(json_object_get(pj, "has_diff")))
			continue;
		ret = store_patch_message(db, pid, &message_id, &found, err);
		if (ret < 0)
			break;
		if (!found)
			continue;
		ret = am_patch_load(db, &opts, pid, message_id, number, 0, &p,
				    err);
		if (ret == 0 && p.nr_skipped) {
			list = json_array();
			for (k = 0; k < p.nr_skipped; k++)
				json_array_append_new(list,
						      json_string(
							      p.skipped[k]));
			json_object_set_new(pj, "trailers_left_out", list);
		}
		am_patch_release(&p);
		if (ret < 0)
			break;
	}
	daemon_config_put();
	return ret;
}

/* "conflicts": the queued series this one conflicts with. */
static int conflicts_decorate(struct db *db, int64_t id, json_t *series,
			      struct strbuf *err)
{
	json_t *list = check_conflicts_json(db, id, err);

	if (!list)
		return -EIO;
	json_object_set_new(series, "conflicts", list);
	return 0;
}

/*
 * GET /api/v1/series/ID: the series with its cover letter, patches and
 * their trailers.  A Message-ID in place of ID names the series holding
 * that message.
 */
static int series_show(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	struct db *db = db_thread();
	int64_t id;
	int ret;

	if (ends_with(req->param, "/range-diff")) {
		char *num = xstrndup(req->param, strlen(req->param) -
							 strlen("/range-diff"));

		ret = parse_id(num, &id);
		free(num);
		if (ret == 0)
			return series_range(req, id, out, err);
	}
	if (!db)
		return error_set(err, -EIO, "no database connection");
	if (parse_id(req->param, &id) < 0) {
		json_t *list = series_list(db, req->param, NULL, 1, err);

		if (!list)
			return -EIO;
		if (!json_array_size(list)) {
			json_decref(list);
			return error_set(err, ERR_NOT_FOUND, "no series '%s'",
					 req->param);
		}
		id = json_integer_value(
			json_object_get(json_array_get(list, 0), "id"));
		json_decref(list);
	}
	ret = series_get(db, id, out, err);
	if (!ret)
		queue_series_decorate(db, id, *out);
	if (!ret)
		ret = checks_decorate(db, id, *out, err);
	if (!ret)
		ret = late_decorate(db, id, *out, err);
	if (!ret)
		ret = left_out_decorate(db, *out, err);
	if (!ret)
		ret = conflicts_decorate(db, id, *out, err);
	if (ret < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return ret;
}

/* "1,3,5" into a new array of *nr numbers; -1 on anything else. */
static int parse_numbers(const char *s, int64_t **out, size_t *nr)
{
	int64_t *v = xcalloc(strlen(s) / 2 + 2, sizeof(*v));
	size_t n = 0;
	char *end;

	while (*s) {
		long long x = strtoll(s, &end, 10);

		if (end == s || x <= 0 || (*end && *end != ',')) {
			free(v);
			return -1;
		}
		v[n++] = x;
		s = *end ? end + 1 : end;
	}
	*out = v;
	*nr = n;
	return n ? 0 : -1;
}

/*
 * GET /api/v1/am/ID[?patches=1,3][&signoff=1]: series ID as the mbox
 * `git am` applies to make the commits `cthulhu apply` makes (daemon/am.h),
 * with the committer's Signed-off-by only with signoff=1, as `b4 am -o`
 * writes it without and with -s.
 */
static int series_am(struct http_request *req, const char **content_type,
		     struct strbuf *body, struct strbuf *err)
{
	const char *patches = http_query(req, "patches");
	const char *signoff = http_query(req, "signoff");
	struct db *db = db_thread();
	const struct config *cfg;
	struct am_series am;
	struct apply_opts opts;
	int64_t *nums = NULL, id;
	size_t nr = 0;
	int ret;

	if (parse_id(req->param, &id) < 0)
		return error_set(err, ERR_NOT_FOUND, "no series '%s'",
				 req->param);
	if (patches && parse_numbers(patches, &nums, &nr) < 0)
		return error_set(err, ERR_INVALID,
				 "'patches' must be a list of numbers, not '%s'",
				 patches);
	if (signoff && strcmp(signoff, "0") && strcmp(signoff, "1")) {
		free(nums);
		return error_set(err, ERR_INVALID,
				 "'signoff' must be 0 or 1, not '%s'", signoff);
	}
	if (!db) {
		free(nums);
		return error_set(err, -EIO, "no database connection");
	}
	cfg = daemon_config_get();
	ret = am_series_load(db, cfg, id, nums, nr, &am, err);
	if (ret == 0) {
		am_apply_opts(&opts, cfg);
		opts.signoff = signoff && !strcmp(signoff, "1");
		am_mbox(&am, &opts, body);
	}
	am_series_release(&am);
	daemon_config_put();
	free(nums);
	*content_type = "application/mbox";
	return ret;
}

/* POST /api/v1/supersede {"new": ID, "old": ID}: the new series. */
static int supersede(struct http_request *req, json_t **out, struct strbuf *err)
{
	json_t *body = http_json_body(req, err), *args;
	json_int_t new_id, old_id;

	if (!body)
		return ERR_INVALID;
	if (!json_is_integer(json_object_get(body, "new")) ||
	    !json_is_integer(json_object_get(body, "old"))) {
		json_decref(body);
		return error_set(err, ERR_INVALID,
				 "'new' and 'old' must be series ids");
	}
	new_id = json_integer_value(json_object_get(body, "new"));
	old_id = json_integer_value(json_object_get(body, "old"));
	json_decref(body);
	args = json_pack("{s:I, s:I}", "new", new_id, "old", old_id);
	return engine_run(JOB_SUPERSEDE, args, out, err);
}

const struct route api_series_routes[] = {
	{ "POST", "/api/v1/submit", submit },
	{ "GET", "/api/v1/series", series_index },
	{ "GET", "/api/v1/series/*", series_show },
	{ "GET", "/api/v1/am/*", .raw = series_am },
	{ "POST", "/api/v1/supersede", supersede },
	{ 0 }
};
