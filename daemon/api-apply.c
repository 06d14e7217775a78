/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The apply, drop and outbox routes.  Mutations go through the engine
 * ("apply" and "drop" jobs of applied.c); reads go through the store
 * (store/applied.h, store/notifications.h), and the JSON is made here.
 */
#include <errno.h>
#include <stdlib.h>

#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "daemon/http.h"
#include "daemon/jobs.h"
#include "daemon/store/applied.h"
#include "daemon/store/notifications.h"
#include "lib/strbuf.h"

/*
 * POST /api/v1/apply {series, topic, patches?: [n...], force?}: the
 * applied commits (see run_apply() in applied.c); "force" takes a series
 * past the soft close of the release cycle, with a warning.
 */
static int apply_post(struct http_request *req, json_t **out,
		      struct strbuf *err)
{
	json_t *args = http_json_body(req, err);

	if (!args)
		return ERR_INVALID;
	if (!json_is_integer(json_object_get(args, "series")) ||
	    !json_is_string(json_object_get(args, "topic"))) {
		json_decref(args);
		return error_set(err, ERR_INVALID,
				 "apply needs 'series' (a number) and 'topic'");
	}
	if (json_object_get(args, "force") &&
	    !json_is_boolean(json_object_get(args, "force"))) {
		json_decref(args);
		return error_set(err, ERR_INVALID,
				 "'force' must be true or false");
	}
	return engine_run(JOB_APPLY, args, out, err);
}

/*
 * POST /api/v1/update-trailers {topic}: the commits of topic given the
 * trailers that arrived since they were applied, and those rewritten
 * after them ("update-trailers" job of applied.c).
 */
static int update_trailers_post(struct http_request *req, json_t **out,
				struct strbuf *err)
{
	json_t *args = http_json_body(req, err);

	if (!args)
		return ERR_INVALID;
	if (!json_is_string(json_object_get(args, "topic"))) {
		json_decref(args);
		return error_set(err, ERR_INVALID,
				 "update-trailers needs 'topic'");
	}
	return engine_run(JOB_UPDATE_TRAILERS, args, out, err);
}

/* POST /api/v1/drop {commit, reason}: the new tip and replayed commits. */
static int drop_post(struct http_request *req, json_t **out, struct strbuf *err)
{
	json_t *args = http_json_body(req, err);

	if (!args)
		return ERR_INVALID;
	if (!json_is_string(json_object_get(args, "commit")) ||
	    !json_is_string(json_object_get(args, "reason"))) {
		json_decref(args);
		return error_set(err, ERR_INVALID,
				 "drop needs 'commit' and 'reason'");
	}
	return engine_run(JOB_DROP, args, out, err);
}

/*
 * A notification as the outbox lists it.  Strings are "s?" throughout:
 * a column SQLite does not hold as UTF-8 text reads as null.
 */
static json_t *notification_json(const struct store_notification *n)
{
	return json_pack("{s:I, s:s?, s:o, s:s?, s:s?, s:s?, s:s?, s:s?,"
			 " s:s?, s:s?, s:s?, s:I, s:o}",
			 "id", (json_int_t)n->id, "kind", n->kind, "series_id",
			 n->series_id ? json_integer(n->series_id) :
					json_null(),
			 "topic", n->topic, "msgid", n->msgid, "in_reply_to",
			 n->in_reply_to, "to", n->to, "subject", n->subject,
			 "state", n->state, "file", n->file, "error", n->error,
			 "created_at", (json_int_t)n->created_at, "sent_at",
			 n->sent_at ? json_integer(n->sent_at) : json_null());
}

/*
 * GET /api/v1/outbox: {"notifications": [{id, kind, series_id, topic,
 * msgid, in_reply_to, to, subject, state, file, error, created_at,
 * sent_at}...]}, newest first; ?limit=N (default 50).
 */
static int outbox_list(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	const char *limit = http_query(req, "limit");
	struct store_notification_list list;
	struct db *db = db_thread();
	long n = limit ? strtol(limit, NULL, 10) : 50;
	json_t *arr;
	size_t i;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	if (n <= 0)
		n = 50;
	ret = store_notifications_newest(db, n, &list, err);
	if (ret < 0)
		return ret;
	arr = json_array();
	for (i = 0; i < list.nr; i++)
		json_array_append_new(arr, notification_json(&list.v[i]));
	store_notification_list_release(&list);
	*out = json_pack("{s:o}", "notifications", arr);
	return 0;
}

/* An applied patch as GET /api/v1/applied lists it; "s?" as above. */
static json_t *applied_json(const struct store_applied *a)
{
	return json_pack("{s:I, s:o, s:I, s:I, s:s?, s:s?, s:s?, s:s?, s:s?,"
			 " s:s?, s:s?, s:s?, s:s?, s:I, s:o}",
			 "id", (json_int_t)a->id, "series_id",
			 a->series_id ? json_integer(a->series_id) :
					json_null(),
			 "number", (json_int_t)a->number, "total",
			 (json_int_t)a->total, "topic", a->topic, "commit",
			 a->commit, "patch_id", a->patch_id, "subject",
			 a->subject, "author_name", a->author_name,
			 "author_email", a->author_email, "method", a->method,
			 "state", a->state, "reason", a->reason, "applied_at",
			 (json_int_t)a->applied_at, "changed_at",
			 a->changed_at ? json_integer(a->changed_at) :
					 json_null());
}

/*
 * GET /api/v1/applied?topic=T&series=N: {"applied": [row...]}, the
 * patches applied (state applied, dropped or gone) in applying order.
 */
static int applied_list(struct http_request *req, json_t **out,
			struct strbuf *err)
{
	const char *topic = http_query(req, "topic");
	const char *series = http_query(req, "series");
	struct store_applied_list list;
	struct db *db = db_thread();
	json_t *arr;
	size_t i;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = store_applied_list(db, topic, series, &list, err);
	if (ret < 0)
		return ret;
	arr = json_array();
	for (i = 0; i < list.nr; i++)
		json_array_append_new(arr, applied_json(&list.v[i]));
	store_applied_list_release(&list);
	*out = json_pack("{s:o}", "applied", arr);
	return 0;
}

const struct route api_apply_routes[] = {
	{ "POST", "/api/v1/apply", apply_post },
	{ "POST", "/api/v1/drop", drop_post },
	{ "POST", "/api/v1/update-trailers", update_trailers_post },
	{ "GET", "/api/v1/outbox", outbox_list },
	{ "GET", "/api/v1/applied", applied_list },
	{ 0 }
};
