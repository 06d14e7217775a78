/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_QUEUE_H
#define CTHULHU_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct config;
struct db;
struct job_ctx;
struct strbuf;

/*
 * The review queue (schema/0005-queue.sql).  Every series that is not
 * applied, dropped, rejected or superseded is queued, ordered by lane,
 * then by when its first version arrived, unless bumped by hand:
 *
 *   1  fixes for the current release: Fixes: a commit of the rc range,
 *      or aimed at the fixes topic ([PATCH fixes], queue.fixes-topic)
 *   2  other fixes, stable first: Cc: stable or Fixes: an older release
 *      come before Fixes: of commits not on mainline
 *   3  series another tree takes or depends on (a prefix tag of
 *      queue.other-trees) or with Acked-by/Reviewed-by of one of
 *      queue.other-maintainers
 *   4  everything else
 *
 * Triggers on the series, patches and trailers tables note every series
 * that changed; the "queue-scan" job looks at each again (lint, lane,
 * queued or not) and keeps an in-memory copy of the order, so that a
 * series' position is a binary search, not a count over the table.
 */

/* The states `cthulhu state` sets; "new" puts a series back as received. */
bool queue_state_valid(const char *state);

/*
 * Where series id stands: *position (1-based) in the whole queue, 0 when
 * it is not queued.  Reads the in-memory order (loaded from db on first
 * use).  0 or a negative code with err set.
 */
int queue_position(struct db *db, int64_t id, int64_t *position,
		   struct strbuf *err);

/*
 * The queue entry of series id for GET /api/v1/series/ID: {"position",
 * "queued", "lane", "reason", "state", "arrival", "age", "bump",
 * "wait": {"days", "estimate": true, "basis"}, "lint": {"errors",
 * "warnings", "infos"}}.  *out is a new object, or NULL when the queue has
 * not seen the series yet.
 */
int queue_series_json(struct db *db, int64_t id, json_t **out,
		      struct strbuf *err);

/*
 * The lint findings of series id: {"series": [finding...], "patches":
 * {"<patches.id>": [finding...]}}, each finding {rule, severity,
 * message}.  New reference or NULL with err set.
 */
json_t *queue_lint_json(struct db *db, int64_t id, struct strbuf *err);

/*
 * The lane of series id (1..4; 0 when the queue has not seen it).  For
 * apply: lanes 1 and 2 are fixes, 3 and 4 features, so a feature for a
 * topic of next after cycle_feature_closed() (and a fix after
 * cycle_fixes_closed()) can ask for --force.
 */
int queue_series_lane(struct db *db, int64_t id);

/*
 * Classify now every series the queue has not looked at yet (what the
 * "queue-scan" job does in batches); on the engine thread.  For a caller
 * that needs a lane at once, such as apply right after intake.
 */
int queue_scan_pending(struct db *db, const struct config *cfg,
		       struct strbuf *err);

/*
 * Set "position" (null when not queued) on each series object of the
 * array list (matched by "id").  Errors leave list as it was.
 */
void queue_positions_decorate(struct db *db, json_t *list);

/*
 * Add the queue's view to a series object of series_get(): "position"
 * (null when not queued or not yet seen), "queue" (queue_series_json()),
 * "lint" (series-wide findings) and a "lint" array on each element of
 * its "patches" (matched by "id").  Errors leave series as it was.
 */
void queue_series_decorate(struct db *db, int64_t id, json_t *series);

/*
 * The queue in order: {"queue": [entry...], "total", "lanes": [{"lane",
 * "count", "per_week"}]}; lane 0 for all lanes; limit 0 for all.  Each
 * entry has the series' id, subject, author, version, patches and the
 * fields of queue_series_json().  New reference or NULL with err set.
 */
json_t *queue_list(struct db *db, int lane, int64_t offset, int64_t limit,
		   struct strbuf *err);

/*
 * The lanes of the queue for a summary (the "What's cooking" report):
 * lanes[l] for l = 1..QUEUE_LANES, the series queued in lane l and the
 * series of that lane closed per week recently, as queue_list()'s
 * "lanes" gives them; lanes[0] is the whole queue.  0 or a negative code
 * with err set.
 */
#define QUEUE_LANES 4
struct queue_lane {
	int64_t count;
	double per_week;
};
int queue_lanes(struct db *db, struct queue_lane lanes[QUEUE_LANES + 1],
		struct strbuf *err);

/*
 * queue_list()'s answer as JSON text appended to out, the members of
 * extra (may be NULL) after "lanes".  Built from serialized entries kept
 * in memory (read from db when missing), so that a queue of 10,000 costs
 * a copy, not 10,000 JSON objects.  0 or a negative code with err set.
 */
int queue_list_text(struct db *db, int lane, int64_t offset, int64_t limit,
		    const json_t *extra, struct strbuf *out,
		    struct strbuf *err);

/*
 * The jobs (daemon/job-table.c registers them): "queue-scan" (every second:
 * the series the triggers noted), "queue-bump" {"series", "to"?,
 * "reason"} and "queue-state" {"series", "state"}.  Their functions are
 * declared at the end.
 */

/* --- the in-memory order, exposed for bench/queue --------------------- */

/* Load the order from db now (drops what was loaded).  0 or -errno. */
int queue_index_load(struct db *db, struct strbuf *err);
/*
 * Put series id at (olane, rank), or take it out when !queued; lane is
 * the lane its rules gave it (1..4), counted for GET /api/v1/queue.
 */
void queue_index_set(int64_t id, bool queued, int lane, int olane,
		     int64_t rank);
/* Forget the loaded order; the next reader loads it again. */
void queue_index_reset(void);

/* Jobs, registered by daemon/job-table.c's table. */
int queue_job_scan(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err);
int queue_job_bump(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err);
int queue_job_state(struct job_ctx *ctx, json_t *args, json_t **result,
		    struct strbuf *err);

#endif
