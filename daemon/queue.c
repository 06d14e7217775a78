/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The review queue: which series wait, in which lane and why, in what
 * order, and how long the wait may be.  The tables are schema/0005's;
 * the order is also kept in memory (a sorted array of sort keys and the
 * key of every series by id) so that GET /api/v1/series/ID can tell a
 * series' position among 100,000 with a binary search.
 *
 * Writers run on the engine thread: "queue-scan" looks at the series the
 * triggers noted (lint, lane, queued or not: queue-scan.c), "queue-bump"
 * and "queue-state" do what the maintainer asked.  Each updates the
 * in-memory order only after its transaction committed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/types.h>

#include "daemon/bus.h"
#include "daemon/check-json.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/jobs.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/queue-scan.h"
#include "daemon/queue.h"
#include "daemon/store/queue.h"
#include "daemon/store/row.h"
#include "daemon/store/series.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define NR_LANES 4
#define WEEK 604800
#define THROUGHPUT_WEEKS 8 /* recent throughput: the last 8 weeks */
#define SCAN_BATCH 64	   /* series per queue-scan transaction */

static const char *const review_states[] = {
	"new", "reviewing", "changes-requested", "deferred", "rejected",
};

bool queue_state_valid(const char *state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(review_states); i++)
		if (!strcmp(state, review_states[i]))
			return true;
	return false;
}

/* --- the in-memory order ---------------------------------------------- */

/*
 * The serialized part of a queue entry that neither the clock nor the
 * order changes, for GET /api/v1/queue: text holds the members from "id"
 * to "patches", a NUL, then "lint" and "bump" (no braces).  Dropped by
 * queue_index_set() and on every load, i.e. whenever a queue-scan, bump
 * or state change writes the series' queue row.
 */
struct qfrag {
	char *text;
	size_t head_len, tail_len;
	int64_t arrival;
};

static struct {
	pthread_mutex_t lock;
	bool loaded;
	struct queue_key *v; /* queued series, sorted */
	size_t nr, alloc;
	struct queue_key *by_id; /* by_id[id]: its key; id 0 when not queued */
	size_t nr_ids;
	int64_t lane_count[NR_LANES + 1]; /* queued series per lane */
	struct qfrag *frag;		  /* frag[id], same size as by_id */
} qi = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void frag_drop_locked(int64_t id)
{
	if (id <= 0 || (size_t)id >= qi.nr_ids || !qi.frag[id].text)
		return;
	free(qi.frag[id].text);
	qi.frag[id].text = NULL;
}

static void frags_free_locked(void)
{
	size_t i;

	for (i = 0; i < qi.nr_ids; i++)
		free(qi.frag[i].text);
	free(qi.frag);
	qi.frag = NULL;
}

static int qkey_cmp(const struct queue_key *a, const struct queue_key *b)
{
	if (a->olane != b->olane)
		return a->olane < b->olane ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

/* The index of the first key not less than k. */
static size_t lower_bound(const struct queue_key *k)
{
	size_t lo = 0, hi = qi.nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (qkey_cmp(&qi.v[mid], k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The number of queued series whose olane is below olane. */
static size_t count_below_olane(int olane)
{
	struct queue_key k = { olane, INT64_MIN, INT64_MIN };

	return lower_bound(&k);
}

static void index_remove_locked(int64_t id)
{
	size_t i;

	if (id <= 0 || (size_t)id >= qi.nr_ids || !qi.by_id[id].id)
		return;
	i = lower_bound(&qi.by_id[id]);
	if (i < qi.nr && qi.v[i].id == id) {
		memmove(&qi.v[i], &qi.v[i + 1],
			(qi.nr - i - 1) * sizeof(*qi.v));
		qi.nr--;
		if (qi.by_id[id].lane >= 1 && qi.by_id[id].lane <= NR_LANES)
			qi.lane_count[qi.by_id[id].lane]--;
	}
	qi.by_id[id].id = 0;
}

static void index_insert_locked(const struct queue_key *k)
{
	size_t i, n;

	if ((size_t)k->id >= qi.nr_ids) {
		n = qi.nr_ids ? qi.nr_ids : 1024;
		while (n <= (size_t)k->id)
			n *= 2;
		qi.by_id = xrealloc(qi.by_id, n * sizeof(*qi.by_id));
		memset(qi.by_id + qi.nr_ids, 0,
		       (n - qi.nr_ids) * sizeof(*qi.by_id));
		qi.frag = xrealloc(qi.frag, n * sizeof(*qi.frag));
		memset(qi.frag + qi.nr_ids, 0,
		       (n - qi.nr_ids) * sizeof(*qi.frag));
		qi.nr_ids = n;
	}
	if (qi.nr == qi.alloc) {
		qi.alloc = qi.alloc ? 2 * qi.alloc : 1024;
		qi.v = xrealloc(qi.v, qi.alloc * sizeof(*qi.v));
	}
	i = lower_bound(k);
	memmove(&qi.v[i + 1], &qi.v[i], (qi.nr - i) * sizeof(*qi.v));
	qi.v[i] = *k;
	qi.nr++;
	qi.by_id[k->id] = *k;
	if (k->lane >= 1 && k->lane <= NR_LANES)
		qi.lane_count[k->lane]++;
}

void queue_index_set(int64_t id, bool queued, int lane, int olane, int64_t rank)
{
	struct queue_key k = { olane, rank, id, lane };

	if (id <= 0)
		return;
	pthread_mutex_lock(&qi.lock);
	if (qi.loaded) {
		frag_drop_locked(id);
		index_remove_locked(id);
		if (queued)
			index_insert_locked(&k);
	}
	pthread_mutex_unlock(&qi.lock);
}

void queue_index_reset(void)
{
	pthread_mutex_lock(&qi.lock);
	frags_free_locked();
	free(qi.v);
	free(qi.by_id);
	qi.v = qi.by_id = NULL;
	qi.nr = qi.alloc = qi.nr_ids = 0;
	memset(qi.lane_count, 0, sizeof(qi.lane_count));
	qi.loaded = false;
	pthread_mutex_unlock(&qi.lock);
}

static int index_load_locked(struct db *db, struct strbuf *err)
{
	struct store_queue_key *keys;
	struct queue_key k;
	size_t i, nr;
	int ret;

	ret = store_queue_keys(db, &keys, &nr, err);
	if (ret < 0)
		return ret;
	frags_free_locked();
	free(qi.v);
	free(qi.by_id);
	qi.v = qi.by_id = NULL;
	qi.nr = qi.alloc = qi.nr_ids = 0;
	memset(qi.lane_count, 0, sizeof(qi.lane_count));
	for (i = 0; i < nr; i++) {
		k.id = keys[i].series_id;
		k.lane = keys[i].lane;
		k.olane = keys[i].olane;
		k.rank = keys[i].rank;
		index_insert_locked(&k);
	}
	free(keys);
	qi.loaded = true;
	return 0;
}

int queue_index_load(struct db *db, struct strbuf *err)
{
	int ret;

	pthread_mutex_lock(&qi.lock);
	ret = index_load_locked(db, err);
	pthread_mutex_unlock(&qi.lock);
	return ret;
}

/* Take the lock with the order loaded; 0 or -errno (lock not held). */
static int index_lock(struct db *db, struct strbuf *err)
{
	int ret = 0;

	pthread_mutex_lock(&qi.lock);
	if (!qi.loaded)
		ret = index_load_locked(db, err);
	if (ret < 0)
		pthread_mutex_unlock(&qi.lock);
	return ret;
}

/* Position of id (1-based) or 0; with the lock held. */
static int64_t position_locked(int64_t id)
{
	size_t i;

	if (id <= 0 || (size_t)id >= qi.nr_ids || !qi.by_id[id].id)
		return 0;
	i = lower_bound(&qi.by_id[id]);
	return i < qi.nr && qi.v[i].id == id ? (int64_t)i + 1 : 0;
}

int queue_position(struct db *db, int64_t id, int64_t *position,
		   struct strbuf *err)
{
	int ret = index_lock(db, err);

	if (ret < 0)
		return ret;
	*position = position_locked(id);
	pthread_mutex_unlock(&qi.lock);
	return 0;
}

/* --- expected wait ---------------------------------------------------- */

/* Series closed per week in each lane over the recent weeks. */
struct throughput {
	double per_week[NR_LANES + 1]; /* [0]: all lanes */
	double weeks;
};

static int throughput_get(struct db *db, time_t now, struct throughput *tp,
			  struct strbuf *err)
{
	int64_t first = now, closed[NR_LANES + 1];
	double weeks;
	int lane, ret;

	memset(tp, 0, sizeof(*tp));
	if (store_queue_first_entered(db, &first, NULL) < 0 || !first)
		first = now;
	weeks = (double)(now - first) / WEEK;
	if (weeks > THROUGHPUT_WEEKS)
		weeks = THROUGHPUT_WEEKS;
	if (weeks < 1)
		weeks = 1;
	tp->weeks = weeks;
	ret = store_queue_closed_since(db,
				       (int64_t)(now - (time_t)(weeks * WEEK)),
				       closed, NR_LANES, err);
	if (ret < 0)
		return ret;
	for (lane = 1; lane <= NR_LANES; lane++) {
		if (!closed[lane])
			continue;
		tp->per_week[lane] = closed[lane] / weeks;
		tp->per_week[0] += tp->per_week[lane];
	}
	return 0;
}

/*
 * The expected wait of the series at position pos (1-based) whose sort
 * key is in lane olane / 10: for each lane up to its own, the series
 * ahead of it in that lane divided by that lane's throughput (the whole
 * queue's when the lane closed none).  With the lock held.
 */
static json_t *wait_locked(int64_t pos, int olane, const struct throughput *tp)
{
	struct strbuf basis = STRBUF_INIT;
	double weeks = 0, rate;
	size_t start, end, ahead;
	int lane, own = olane / 10;
	json_t *o;

	for (lane = 1; lane <= own && lane <= NR_LANES; lane++) {
		start = count_below_olane(lane * 10);
		end = count_below_olane((lane + 1) * 10);
		if (end > (size_t)pos - 1)
			end = pos - 1;
		ahead = end > start ? end - start : 0;
		if (!ahead)
			continue;
		rate = tp->per_week[lane] > 0 ? tp->per_week[lane] :
						tp->per_week[0];
		if (rate <= 0) {
			o = json_pack("{s:n, s:b, s:s}", "days", "estimate", 1,
				      "basis",
				      "no series closed recently: no estimate");
			return o;
		}
		weeks += ahead / rate;
		strbuf_addf(&basis, "%s%zu ahead in lane %d at %.1f/week",
			    basis.len ? ", " : "", ahead, lane, rate);
	}
	if (!basis.len)
		strbuf_addstr(&basis, "first in line");
	strbuf_addf(&basis, " (series closed over the last %.0f weeks)",
		    tp->weeks);
	o = json_pack("{s:I, s:b, s:s}", "days", (json_int_t)(weeks * 7 + 0.5),
		      "estimate", 1, "basis", basis.buf);
	strbuf_release(&basis);
	return o;
}

/* --- reading ---------------------------------------------------------- */

/*
 * The store's entry (store/queue.h) as the row entry_finish_locked() and
 * frag_fill_locked() turn into the API's entry: a new object.
 */
static json_t *entry_row(const struct store_queue_entry *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "queued", store_json_int(e->queued));
	json_object_set_new(o, "lane", store_json_int(e->lane));
	json_object_set_new(o, "reason", store_json_str(e->reason));
	json_object_set_new(o, "arrival", store_json_int(e->arrival));
	json_object_set_new(o, "olane", json_integer(e->olane));
	json_object_set_new(o, "rank", json_integer(e->rank));
	json_object_set_new(o, "lint_errors", store_json_int(e->lint_errors));
	json_object_set_new(o, "lint_warnings",
			    store_json_int(e->lint_warnings));
	json_object_set_new(o, "lint_infos", store_json_int(e->lint_infos));
	json_object_set_new(o, "left_at", store_json_int(e->left_at));
	json_object_set_new(o, "left_state", store_json_str(e->left_state));
	json_object_set_new(o, "state", store_json_str(e->state));
	json_object_set_new(o, "subject", store_json_str(e->subject));
	json_object_set_new(o, "name", store_json_str(e->name));
	json_object_set_new(o, "author_name", store_json_str(e->author_name));
	json_object_set_new(o, "author_email", store_json_str(e->author_email));
	json_object_set_new(o, "version", store_json_int(e->version));
	json_object_set_new(o, "total", store_json_int(e->total));
	json_object_set_new(o, "patches", store_json_int(e->patches));
	json_object_set_new(o, "supersede_held",
			    store_json_int(e->supersede_held));
	json_object_set_new(o, "bump_reason", store_json_str(e->bump_reason));
	json_object_set_new(o, "bump_position",
			    store_json_int(e->bump_position));
	json_object_set_new(o, "bump_at", store_json_int(e->bump_at));
	json_object_set_new(o, "target", store_json_str(e->target));
	json_object_set_new(o, "target_source",
			    store_json_str(e->target_source));
	json_object_set_new(o, "target_detail",
			    store_json_str(e->target_detail));
	return o;
}

/* The entries' rows (entry_row()), a new array. */
static json_t *entry_rows(const struct store_queue_entry_list *list)
{
	json_t *rows = json_array();
	size_t i;

	for (i = 0; i < list->nr; i++)
		json_array_append_new(rows, entry_row(&list->v[i]));
	return rows;
}

/* An entry_row()'s target: {topic, source, detail} or null. */
static json_t *target_json(const json_t *row)
{
	json_t *v = json_object_get(row, "target");

	if (!json_is_string(v))
		return json_null();
	return json_pack("{s:O, s:O, s:O}", "topic", v, "source",
			 json_object_get(row, "target_source"), "detail",
			 json_object_get(row, "target_detail"));
}

/* Turn an entry_row() into the API's entry; with the lock held. */
static void entry_finish_locked(json_t *row, time_t now,
				const struct throughput *tp)
{
	int64_t id = json_integer_value(json_object_get(row, "id"));
	int64_t pos = position_locked(id);
	int olane = json_integer_value(json_object_get(row, "olane"));
	json_t *v;

	json_object_set_new(row, "position", json_integer(pos));
	json_object_set_new(row, "queued", json_boolean(pos > 0));
	json_object_set_new(row, "age",
			    json_integer(
				    now -
				    json_integer_value(
					    json_object_get(row, "arrival"))));
	json_object_set_new(row, "lint",
			    json_pack("{s:O, s:O, s:O}", "errors",
				      json_object_get(row, "lint_errors"),
				      "warnings",
				      json_object_get(row, "lint_warnings"),
				      "infos",
				      json_object_get(row, "lint_infos")));
	json_object_del(row, "lint_errors");
	json_object_del(row, "lint_warnings");
	json_object_del(row, "lint_infos");
	v = json_object_get(row, "bump_reason");
	if (json_is_string(v))
		json_object_set_new(row, "bump",
				    json_pack("{s:O, s:O, s:O}", "reason", v,
					      "to",
					      json_object_get(row,
							      "bump_position"),
					      "at",
					      json_object_get(row, "bump_at")));
	else
		json_object_set_new(row, "bump", json_null());
	json_object_del(row, "bump_reason");
	json_object_del(row, "bump_position");
	json_object_del(row, "bump_at");
	json_object_del(row, "olane");
	json_object_del(row, "rank");
	json_object_set_new(row, "target", target_json(row));
	json_object_del(row, "target_source");
	json_object_del(row, "target_detail");
	json_object_set_new(row, "wait",
			    pos ? wait_locked(pos, olane, tp) : json_null());
}

int queue_series_json(struct db *db, int64_t id, json_t **out,
		      struct strbuf *err)
{
	struct store_queue_entry e;
	struct throughput tp;
	time_t now = time(NULL);
	json_t *row = NULL;
	bool found;
	int ret;

	*out = NULL;
	ret = store_queue_entry(db, id, &e, &found, err);
	if (ret < 0 || !found)
		return ret;
	row = entry_row(&e);
	store_queue_entry_release(&e);
	ret = throughput_get(db, now, &tp, err);
	if (ret < 0)
		goto out;
	ret = index_lock(db, err);
	if (ret < 0)
		goto out;
	entry_finish_locked(row, now, &tp);
	pthread_mutex_unlock(&qi.lock);
	*out = row;
	row = NULL;
out:
	json_decref(row);
	return ret;
}

json_t *queue_lint_json(struct db *db, int64_t id, struct strbuf *err)
{
	struct store_lint_finding_list found;
	json_t *res, *patches, *arr;
	char key[32];
	size_t i;

	if (store_lint_findings(db, id, &found, err) < 0)
		return NULL;
	res = json_pack("{s:[], s:{}}", "series", "patches");
	patches = json_object_get(res, "patches");
	for (i = 0; i < found.nr; i++) {
		const struct store_lint_finding *lf = &found.v[i];
		json_t *f = json_pack("{s:o, s:o, s:o}", "rule",
				      store_json_str(lf->rule), "severity",
				      store_json_str(lf->severity), "message",
				      store_json_str(lf->message));

		if (lf->patch_id == STORE_NONE) {
			json_array_append_new(json_object_get(res, "series"),
					      f);
			continue;
		}
		snprintf(key, sizeof(key), "%lld", (long long)lf->patch_id);
		arr = json_object_get(patches, key);
		if (!arr) {
			arr = json_array();
			json_object_set_new(patches, key, arr);
		}
		json_array_append_new(arr, f);
	}
	store_lint_finding_list_release(&found);
	return res;
}

int queue_series_lane(struct db *db, int64_t id)
{
	int64_t lane = 0;

	if (store_queue_lane(db, id, &lane, NULL) < 0)
		return 0;
	return lane;
}

void queue_positions_decorate(struct db *db, json_t *list)
{
	struct strbuf err = STRBUF_INIT;
	json_t *s;
	int64_t pos;
	size_t i;

	if (index_lock(db, &err) < 0) {
		strbuf_release(&err);
		return;
	}
	json_array_foreach(list, i, s) {
		pos = position_locked(
			json_integer_value(json_object_get(s, "id")));
		json_object_set_new(s, "position",
				    pos ? json_integer(pos) : json_null());
	}
	pthread_mutex_unlock(&qi.lock);
}

void queue_series_decorate(struct db *db, int64_t id, json_t *series)
{
	struct strbuf err = STRBUF_INIT;
	json_t *entry = NULL, *lint, *p, *f;
	char key[32];
	size_t i;

	if (queue_series_json(db, id, &entry, &err) < 0)
		goto out;
	lint = queue_lint_json(db, id, &err);
	if (!lint)
		goto out;
	json_object_set_new(series, "position",
			    entry && json_integer_value(
					     json_object_get(entry,
							     "position")) ?
				    json_incref(json_object_get(entry,
								"position")) :
				    json_null());
	json_object_set(series, "lint", json_object_get(lint, "series"));
	json_array_foreach(json_object_get(series, "patches"), i, p) {
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(
				 json_object_get(p, "id")));
		f = json_object_get(json_object_get(lint, "patches"), key);
		json_object_set_new(p, "lint",
				    f ? json_incref(f) : json_array());
	}
	json_decref(lint);
	json_object_set_new(series, "queue", entry ? entry : json_null());
	entry = NULL;
out:
	json_decref(entry);
	strbuf_release(&err);
}

json_t *queue_list(struct db *db, int lane, int64_t offset, int64_t limit,
		   struct strbuf *err)
{
	struct throughput tp;
	time_t now = time(NULL);
	struct store_queue_entry_list entries;
	json_t *rows, *row, *lanes;
	int64_t total = 0;
	size_t i;
	int l;

	if (throughput_get(db, now, &tp, err) < 0)
		return NULL;
	if (store_queue_entries(db, lane, offset, limit > 0 ? limit : -1,
				&entries, err) < 0)
		return NULL;
	rows = entry_rows(&entries);
	store_queue_entry_list_release(&entries);
	if (index_lock(db, err) < 0) {
		json_decref(rows);
		return NULL;
	}
	/* The counts come from the in-memory order: no scan of the table. */
	lanes = json_array();
	for (l = 1; l <= NR_LANES; l++) {
		total += qi.lane_count[l];
		json_array_append_new(lanes,
				      json_pack("{s:i, s:I, s:f}", "lane", l,
						"count",
						(json_int_t)qi.lane_count[l],
						"per_week",
						(double)(long)(tp.per_week[l] *
								       10 +
							       0.5) /
							10));
	}
	json_array_foreach(rows, i, row)
		entry_finish_locked(row, now, &tp);
	pthread_mutex_unlock(&qi.lock);
	return json_pack("{s:o, s:I, s:o}", "queue", rows, "total",
			 (json_int_t)total, "lanes", lanes);
}

int queue_lanes(struct db *db, struct queue_lane lanes[QUEUE_LANES + 1],
		struct strbuf *err)
{
	struct throughput tp;
	int l, ret;

	_Static_assert(QUEUE_LANES == NR_LANES, "one count per lane");
	memset(lanes, 0, (QUEUE_LANES + 1) * sizeof(*lanes));
	ret = throughput_get(db, time(NULL), &tp, err);
	if (ret < 0)
		return ret;
	ret = index_lock(db, err);
	if (ret < 0)
		return ret;
	for (l = 1; l <= NR_LANES; l++) {
		lanes[l].count = qi.lane_count[l];
		lanes[l].per_week =
			(double)(long)(tp.per_week[l] * 10 + 0.5) / 10;
		lanes[0].count += lanes[l].count;
		lanes[0].per_week += lanes[l].per_week;
	}
	pthread_mutex_unlock(&qi.lock);
	return 0;
}

/*
 * wait_locked()'s object as JSON text, appended to out; starts[lane] is
 * count_below_olane(lane * 10) for lanes 1 to NR_LANES + 1, basis a
 * scratch buffer.  With the lock held.
 */
static void wait_text_locked(struct strbuf *out, int64_t pos, int olane,
			     const size_t *starts, const struct throughput *tp,
			     struct strbuf *basis)
{
	size_t end, ahead;
	double weeks = 0, rate;
	int lane, own = olane / 10;

	strbuf_reset(basis);
	for (lane = 1; lane <= own && lane <= NR_LANES; lane++) {
		end = starts[lane + 1];
		if (end > (size_t)pos - 1)
			end = pos - 1;
		ahead = end > starts[lane] ? end - starts[lane] : 0;
		if (!ahead)
			continue;
		rate = tp->per_week[lane] > 0 ? tp->per_week[lane] :
						tp->per_week[0];
		if (rate <= 0) {
			strbuf_addstr(out,
				      "{\"days\":null,\"estimate\":true,"
				      "\"basis\":\"no series closed recently: "
				      "no estimate\"}");
			return;
		}
		weeks += ahead / rate;
		strbuf_addf(basis, "%s%zu ahead in lane %d at %.1f/week",
			    basis->len ? ", " : "", ahead, lane, rate);
	}
	if (!basis->len)
		strbuf_addstr(basis, "first in line");
	/* The basis is digits and words only: nothing to escape. */
	strbuf_addf(out,
		    "{\"days\":%lld,\"estimate\":true,\"basis\":\"%s "
		    "(series closed over the last %.0f weeks)\"}",
		    (long long)(weeks * 7 + 0.5), basis->buf, tp->weeks);
}

/* The members of a JSON object as text, without the braces; caller frees. */
static char *json_members(const json_t *o, size_t *len)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t n;

	if (!text)
		die_oom();
	n = strlen(text);
	memmove(text, text + 1, n - 2);
	text[n - 2] = '\0';
	*len = n - 2;
	return text;
}

/* Serialize and keep a row of ENTRY_COLUMNS as qfrag; with the lock held. */
static void frag_fill_locked(const json_t *row)
{
	static const char *const head_keys[] = {
		"id",	   "queued",  "lane",	     "reason",
		"arrival", "left_at", "left_state",  "state",
		"subject", "name",    "author_name", "author_email",
		"version", "total",   "patches",     "supersede_held",
	};
	int64_t id = json_integer_value(json_object_get(row, "id"));
	json_t *head, *tail, *v;
	struct qfrag *f;
	char *h, *t;
	size_t i;

	if (id <= 0 || (size_t)id >= qi.nr_ids)
		return;
	f = &qi.frag[id];
	head = json_object();
	for (i = 0; i < ARRAY_SIZE(head_keys); i++) {
		v = strcmp(head_keys[i], "queued") ?
			    json_object_get(row, head_keys[i]) :
			    json_true();
		json_object_set(head, head_keys[i], v);
	}
	v = json_object_get(row, "bump_reason");
	tail = json_pack("{s:{s:O, s:O, s:O}, s:o, s:o}", "lint", "errors",
			 json_object_get(row, "lint_errors"), "warnings",
			 json_object_get(row, "lint_warnings"), "infos",
			 json_object_get(row, "lint_infos"), "bump",
			 json_is_string(v) ?
				 json_pack("{s:O, s:O, s:O}", "reason", v, "to",
					   json_object_get(row,
							   "bump_position"),
					   "at",
					   json_object_get(row, "bump_at")) :
				 json_null(),
			 "target", target_json(row));
	h = json_members(head, &f->head_len);
	t = json_members(tail, &f->tail_len);
	free(f->text);
	f->text = xmalloc(f->head_len + f->tail_len + 2);
	memcpy(f->text, h, f->head_len + 1);
	memcpy(f->text + f->head_len + 1, t, f->tail_len + 1);
	f->arrival = json_integer_value(json_object_get(row, "arrival"));
	free(h);
	free(t);
	json_decref(head);
	json_decref(tail);
}

/* Serialize the queued series in sel that have no qfrag; with the lock. */
static int frags_load_locked(struct db *db, const size_t *sel, size_t nr,
			     struct strbuf *err)
{
	struct strbuf ids = STRBUF_INIT;
	struct store_queue_entry_list entries;
	json_t *row;
	int ret;
	int64_t id;
	size_t i;

	for (i = 0; i < nr; i++) {
		id = qi.v[sel[i]].id;
		if (!qi.frag[id].text)
			strbuf_addf(&ids, "%c%lld", ids.len ? ',' : '[',
				    (long long)id);
	}
	if (!ids.len)
		return 0;
	strbuf_addch(&ids, ']');
	ret = store_queue_entries_of(db, ids.buf, &entries, err);
	strbuf_release(&ids);
	if (ret < 0)
		return ret;
	for (i = 0; i < entries.nr; i++) {
		row = entry_row(&entries.v[i]);
		frag_fill_locked(row);
		json_decref(row);
	}
	store_queue_entry_list_release(&entries);
	return 0;
}

/*
 * The states of the checks of the queued series in sel (check-json.h's
 * summaries); read with the lock held, as frags_load_locked() does.
 */
static int checks_load(struct db *db, const size_t *sel, size_t nr,
		       struct checks_summaries *out, struct strbuf *err)
{
	struct strbuf ids = STRBUF_INIT;
	size_t i;
	int ret;

	strbuf_addch(&ids, '[');
	for (i = 0; i < nr; i++)
		strbuf_addf(&ids, "%s%lld", i ? "," : "",
			    (long long)qi.v[sel[i]].id);
	strbuf_addch(&ids, ']');
	ret = checks_summaries_load(db, ids.buf, out, err);
	strbuf_release(&ids);
	return ret;
}

int queue_list_text(struct db *db, int lane, int64_t offset, int64_t limit,
		    const json_t *extra, struct strbuf *out, struct strbuf *err)
{
	struct checks_summaries checks = { .text = STRBUF_INIT };
	struct strbuf basis = STRBUF_INIT;
	size_t starts[NR_LANES + 2], *sel = NULL, nr = 0, i, size = 0;
	time_t now = time(NULL);
	struct throughput tp;
	int64_t total = 0, skipped = 0;
	double per_week;
	json_t *rest;
	struct qfrag *f;
	char *text;
	size_t len;
	int ret, l;

	ret = throughput_get(db, now, &tp, err);
	if (ret < 0)
		return ret;
	ret = index_lock(db, err);
	if (ret < 0)
		return ret;
	/* The entries asked for, by the in-memory order. */
	ALLOC_ARRAY(sel, qi.nr + 1);
	for (i = 0; i < qi.nr && (!limit || (int64_t)nr < limit); i++) {
		if (lane && qi.v[i].lane != lane)
			continue;
		if (skipped < offset) {
			skipped++;
			continue;
		}
		sel[nr++] = i;
	}
	/*
	 * Read what is not cached with the lock held, so that a writer's
	 * queue_index_set() after its commit drops what this read kept.
	 */
	ret = frags_load_locked(db, sel, nr, err);
	if (!ret)
		ret = checks_load(db, sel, nr, &checks, err);
	if (ret < 0)
		goto out_unlock;
	for (l = 1; l <= NR_LANES + 1; l++)
		starts[l] = count_below_olane(l * 10);
	for (i = 0; i < nr; i++) {
		f = &qi.frag[qi.v[sel[i]].id];
		if (f->text)
			size += f->head_len + f->tail_len + 192;
	}
	strbuf_grow(out, size + 1024);
	strbuf_addstr(out, "{\"queue\":[");
	for (i = 0; i < nr; i++) {
		f = &qi.frag[qi.v[sel[i]].id];
		if (!f->text)
			continue; /* no row: the queue has not seen it */
		if (out->buf[out->len - 1] == '}')
			strbuf_addch(out, ',');
		strbuf_addch(out, '{');
		strbuf_add(out, f->text, f->head_len);
		strbuf_addf(out, ",\"position\":%zu,\"age\":%lld,", sel[i] + 1,
			    (long long)(now - f->arrival));
		strbuf_add(out, f->text + f->head_len + 1, f->tail_len);
		strbuf_addstr(out, ",\"wait\":");
		wait_text_locked(out, sel[i] + 1, qi.v[sel[i]].olane, starts,
				 &tp, &basis);
		strbuf_addstr(out, ",\"checks\":");
		checks_summary_text(out, &checks, qi.v[sel[i]].id);
		strbuf_addch(out, '}');
	}
	rest = json_object();
	for (l = 1; l <= NR_LANES; l++)
		total += qi.lane_count[l];
	json_object_set_new(rest, "total", json_integer(total));
	json_object_set_new(rest, "lanes", json_array());
	for (l = 1; l <= NR_LANES; l++) {
		per_week = (double)(long)(tp.per_week[l] * 10 + 0.5) / 10;
		json_array_append_new(json_object_get(rest, "lanes"),
				      json_pack("{s:i, s:I, s:f}", "lane", l,
						"count",
						(json_int_t)qi.lane_count[l],
						"per_week", per_week));
	}
	pthread_mutex_unlock(&qi.lock);
	if (extra)
		json_object_update(rest, (json_t *)extra);
	text = json_members(rest, &len);
	strbuf_addstr(out, "],");
	strbuf_add(out, text, len);
	strbuf_addch(out, '}');
	free(text);
	json_decref(rest);
	goto out;
out_unlock:
	pthread_mutex_unlock(&qi.lock);
out:
	checks_summaries_release(&checks);
	strbuf_release(&basis);
	free(sel);
	return ret;
}

/* --- the queue-scan job ---------------------------------------------- */

/*
 * Look at up to max noted series in one transaction, then update the
 * in-memory order.  *done gets how many were looked at.
 */
static int scan_batch(struct db *db, const struct config *cfg, size_t max,
		      size_t *done, struct strbuf *err)
{
	struct queue_scan sc;
	struct queue_key *keys = NULL;
	bool *queued = NULL;
	int64_t *ids = NULL;
	json_t *changed;
	size_t i, n = 0, nr_ids;
	int ret;

	*done = 0;
	ret = store_queue_dirty(db, (int64_t)max, &ids, &nr_ids, err);
	if (ret < 0)
		return ret;
	if (!nr_ids) {
		free(ids);
		return 0;
	}
	ret = queue_scan_init(&sc, db, cfg, err);
	if (ret < 0)
		goto out;
	ALLOC_ARRAY(keys, nr_ids);
	ALLOC_ARRAY(queued, nr_ids);
	ret = db_begin(db, err);
	if (ret < 0)
		goto out;
	for (i = 0; i < nr_ids; i++) {
		int64_t id = ids[i];

		ret = queue_scan_series(&sc, id, &keys[n], &queued[n], err);
		if (ret < 0)
			break;
		ret = store_queue_dirty_done(db, id, err);
		if (ret < 0)
			break;
		n++;
	}
	if (ret < 0) {
		db_rollback(db);
		goto out;
	}
	ret = db_commit(db, err);
	if (ret < 0)
		goto out;
	changed = json_array();
	for (i = 0; i < n; i++) {
		queue_index_set(keys[i].id, queued[i], keys[i].lane,
				keys[i].olane, keys[i].rank);
		json_array_append_new(changed, json_integer(keys[i].id));
	}
	bus_publish("queue", json_pack("{s:o}", "series", changed));
	*done = n;
out:
	queue_scan_release(&sc);
	free(keys);
	free(queued);
	free(ids);
	return ret;
}

/* Look at every noted series. */
static int scan_all(struct db *db, const struct config *cfg, struct strbuf *err)
{
	size_t done;
	int ret;

	do {
		ret = scan_batch(db, cfg, SCAN_BATCH, &done, err);
	} while (!ret && done == SCAN_BATCH);
	return ret;
}

int queue_scan_pending(struct db *db, const struct config *cfg,
		       struct strbuf *err)
{
	return scan_all(db, cfg, err);
}

/*
 * Serialize the queued series that have no entry cached (all of them after
 * a start, those a scan changed later), so that a request for the whole
 * queue finds them ready instead of building thousands at once.
 */
static int frags_warm(struct db *db, struct strbuf *err)
{
	size_t *sel, i;
	int ret = index_lock(db, err);

	if (ret < 0)
		return ret;
	ALLOC_ARRAY(sel, qi.nr + 1);
	for (i = 0; i < qi.nr; i++)
		sel[i] = i;
	ret = frags_load_locked(db, sel, qi.nr, err);
	pthread_mutex_unlock(&qi.lock);
	free(sel);
	return ret;
}

int queue_job_scan(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	static bool warmed;
	size_t done;
	int ret;

	/* One batch a run keeps the engine free for other jobs. */
	ret = scan_batch(ctx->db, ctx->config, SCAN_BATCH, &done, err);
	if (ret < 0) {
		log_warn("queue: %s", err->buf);
		return ret;
	}
	if (done == SCAN_BATCH)
		engine_kick(JOB_QUEUE_SCAN, NULL, 0);
	if (done || !warmed) {
		warmed = true;
		if (frags_warm(ctx->db, err) < 0)
			log_warn("queue: %s", err->buf);
		strbuf_reset(err);
	}
	return ret;
}

/* --- bump and state --------------------------------------------------- */

static int series_arg(json_t *args, int64_t *id, struct strbuf *err)
{
	json_t *v = json_object_get(args, "series");

	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return error_set(err, ERR_INVALID,
				 "'series' must be a series id");
	*id = json_integer_value(v);
	return 0;
}

/* A bumped series: its id and the first version its bump is kept by. */
struct bumped {
	int64_t id, root;
};

static int bumped_cmp(const void *a, const void *b)
{
	const struct bumped *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static const struct bumped *bumped_find(const struct bumped *v, size_t nr,
					int64_t id)
{
	struct bumped k = { id, 0 };

	return bsearch(&k, v, nr, sizeof(*v), bumped_cmp);
}

/*
 * The new places of a bump: the series id (moving to position to, 1-based,
 * among the queued series other than itself) and any bumped series whose
 * ranks must make room for it.  keys gets them (id first), *nr their
 * number; bumped lists the bumped queued series, sorted by id.  With the
 * lock held.
 *
 * A bump lands half-way between its neighbours.  When two neighbours of
 * the same lane are too close for that (repeated bumps into one place
 * halve the gap each time), the run of bumped series around the gap is
 * spaced out again between the nearest series that no bump placed:
 * those keep their ranks, which a queue-scan recomputes from arrival.
 */
static void bump_keys_locked(int64_t id, int64_t to,
			     const struct bumped *bumped, size_t nr_bumped,
			     struct queue_key *keys, size_t *nr)
{
	struct queue_key *others, *prev = NULL, *next = NULL;
	size_t n = 0, i, m, k;
	int64_t lo, hi, step;
	ssize_t first, last;
	int olane;

	*nr = 1;
	keys[0].id = id;
	others = xcalloc(qi.nr + 1, sizeof(*others));
	for (i = 0; i < qi.nr; i++)
		if (qi.v[i].id != id)
			others[n++] = qi.v[i];
	if (to >= 2 && (size_t)to - 2 < n)
		prev = &others[to - 2];
	if (to >= 1 && (size_t)to - 1 < n)
		next = &others[to - 1];
	if (!next && !prev) {
		keys[0].olane = 10;
		keys[0].rank = 0;
	} else if (!next) {
		keys[0].olane = prev->olane;
		keys[0].rank = prev->rank + QUEUE_RANK_SECOND;
	} else if (!prev || prev->olane != next->olane) {
		keys[0].olane = next->olane;
		keys[0].rank = next->rank - 1;
	} else if (next->rank - prev->rank >= 2) {
		keys[0].olane = next->olane;
		keys[0].rank = prev->rank + (next->rank - prev->rank) / 2;
	} else {
		/* No room: the bumped run is others[first + 1 .. last - 1]. */
		olane = next->olane;
		for (first = to - 2;
		     first >= 0 && others[first].olane == olane &&
		     bumped_find(bumped, nr_bumped, others[first].id);
		     first--)
			;
		for (last = to - 1;
		     (size_t)last < n && others[last].olane == olane &&
		     bumped_find(bumped, nr_bumped, others[last].id);
		     last++)
			;
		m = last - first; /* the run and the series itself */
		if (first >= 0 && others[first].olane == olane)
			lo = others[first].rank;
		else
			lo = INT64_MIN;
		if ((size_t)last < n && others[last].olane == olane)
			hi = others[last].rank;
		else
			hi = INT64_MIN;
		if (lo == INT64_MIN && hi == INT64_MIN) {
			lo = 0;
			step = QUEUE_RANK_SECOND;
		} else if (lo == INT64_MIN) {
			step = QUEUE_RANK_SECOND;
			lo = hi - (int64_t)(m + 1) * step;
		} else if (hi == INT64_MIN) {
			step = QUEUE_RANK_SECOND;
		} else {
			step = (hi - lo) / (int64_t)(m + 1);
		}
		if (step < 1) {
			/* Two arrivals of the same rank: nothing fits. */
			log_warn("queue: no room to bump series %lld to %lld",
				 (long long)id, (long long)to);
			keys[0].olane = olane;
			keys[0].rank = prev->rank;
			goto out;
		}
		for (i = 1, k = first + 1; (ssize_t)k < last; k++) {
			if ((ssize_t)k == to - 1) {
				keys[0].olane = olane;
				keys[0].rank = lo + (int64_t)i++ * step;
			}
			keys[*nr] = others[k];
			keys[*nr].rank = lo + (int64_t)i++ * step;
			(*nr)++;
		}
		if (last == to - 1) {
			keys[0].olane = olane;
			keys[0].rank = lo + (int64_t)i * step;
		}
	}
out:
	free(others);
}

/* The bumped series still queued, sorted by id; caller frees *out. */
static int bumped_list(struct db *db, struct bumped **out, size_t *nr,
		       struct strbuf *err)
{
	int64_t *ids, *roots;
	size_t i;
	int ret;

	ret = store_queue_bumped(db, &ids, &roots, nr, err);
	if (ret < 0)
		return ret;
	ALLOC_ARRAY(*out, *nr + 1);
	for (i = 0; i < *nr; i++) {
		(*out)[i].id = ids[i];
		(*out)[i].root = roots[i];
	}
	free(ids);
	free(roots);
	return 0;
}

int queue_job_bump(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	struct bumped *bumped = NULL;
	const struct bumped *b;
	struct queue_key *keys = NULL;
	struct store_queue_row row;
	json_t *v, *changed;
	const char *reason;
	bool found;
	size_t nr_bumped = 0, nr = 0, i;
	int64_t id, to = 1, root;
	int ret, lane;

	ret = series_arg(args, &id, err);
	if (ret < 0)
		return ret;
	v = json_object_get(args, "to");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return error_set(err, ERR_INVALID,
					 "'to' must be a position from 1");
		to = json_integer_value(v);
	}
	reason = json_string_value(json_object_get(args, "reason"));
	if (!reason || !*reason)
		return error_set(err, ERR_INVALID, "a bump needs a 'reason'");

	/* Make sure the queue has seen everything first. */
	ret = scan_all(ctx->db, ctx->config, err);
	if (ret < 0)
		return ret;
	ret = store_queue_row(ctx->db, id, &row, &found, err);
	if (ret < 0)
		return ret;
	if (!found || !row.queued) {
		ret = error_set(err, found ? ERR_CONFLICT : ERR_NOT_FOUND,
				found ? "series %lld is not in the queue" :
					"unknown series %lld",
				(long long)id);
		goto out;
	}
	root = row.root_id;
	lane = row.lane;
	ret = bumped_list(ctx->db, &bumped, &nr_bumped, err);
	if (ret < 0)
		goto out;

	ret = index_lock(ctx->db, err);
	if (ret < 0)
		goto out;
	if (to > (int64_t)qi.nr)
		to = qi.nr ? qi.nr : 1;
	ALLOC_ARRAY(keys, nr_bumped + 2);
	bump_keys_locked(id, to, bumped, nr_bumped, keys, &nr);
	for (i = 1; i < nr; i++)
		keys[i].lane = qi.by_id[keys[i].id].lane;
	pthread_mutex_unlock(&qi.lock);
	keys[0].lane = lane;

	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out;
	ret = store_queue_bump(ctx->db, root, keys[0].olane, keys[0].rank,
			       reason, to, (int64_t)time(NULL), err);
	for (i = 0; !ret && i < nr; i++) {
		b = i ? bumped_find(bumped, nr_bumped, keys[i].id) : NULL;
		if (b)
			ret = store_queue_bump_move(ctx->db, b->root,
						    keys[i].olane, keys[i].rank,
						    err);
		if (!ret)
			ret = store_queue_move(ctx->db, keys[i].id,
					       keys[i].olane, keys[i].rank,
					       err);
	}
	if (ret < 0) {
		db_rollback(ctx->db);
		goto out;
	}
	ret = db_commit(ctx->db, err);
	if (ret < 0)
		goto out;
	changed = json_array();
	for (i = 0; i < nr; i++) {
		queue_index_set(keys[i].id, true, keys[i].lane, keys[i].olane,
				keys[i].rank);
		json_array_append_new(changed, json_integer(keys[i].id));
	}
	bus_publish("queue", json_pack("{s:o}", "series", changed));
	ret = queue_series_json(ctx->db, id, result, err);
out:
	free(keys);
	free(bumped);
	return ret;
}

int queue_job_state(struct job_ctx *ctx, json_t *args, json_t **result,
		    struct strbuf *err)
{
	const char *state;
	bool changed;
	int64_t id;
	int ret;

	ret = series_arg(args, &id, err);
	if (ret < 0)
		return ret;
	state = json_string_value(json_object_get(args, "state"));
	if (!state || !queue_state_valid(state))
		return error_set(
			err, ERR_INVALID,
			"bad state '%s': expected new, reviewing, changes-requested, deferred or rejected",
			state ? state : "");
	ret = store_series_set_state(ctx->db, id, state, (int64_t)time(NULL),
				     &changed, err);
	if (ret < 0)
		return ret;
	if (!changed)
		return error_set(err, ERR_NOT_FOUND, "unknown series %lld",
				 (long long)id);
	ret = scan_all(ctx->db, ctx->config, err);
	if (ret < 0)
		return ret;
	ret = queue_series_json(ctx->db, id, result, err);
	if (!ret && *result)
		json_object_set_new(*result, "state", json_string(state));
	return ret;
}
