/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_NEXT_H
#define CTHULHU_NEXT_H

#include <jansson.h>

struct config;
struct db;
struct job_ctx;
struct merge;
struct strbuf;

/*
 * The Cthulhu merge: next rebuilt from [tree] base by merging every topic
 * with into-next, in order, each as a two-parent merge commit
 * "Merge branch '<topic>' into next", in memory (merge.c), then next
 * moved compare-and-swap.  When the base and the first k-1 topics are as
 * the last build found them, their merge commits are kept as they are
 * and only merges k..n are made again.
 *
 * A build as JSON (the API's shape):
 *   {"id", "trigger", "full", "state", "base_rev", "base", "old_next",
 *    "result", "merges_reused", "merges_done", "conflicts", "fallbacks",
 *    "pushed", "error", "started_at", "finished_at", "duration_ms",
 *    "topics": [{"pos", "topic", "branch", "tip", "outcome",
 *                "merge_commit", "conflicts": [path...], "method",
 *                "resolution", "duration_ms", "gate", "gate_reason",
 *                "gate_with"}]}
 * where "gate" is the gate's mark (null, "ejected" or "fallback"),
 * "gate_reason" why (its latest ejection's reason) and "gate_with" the
 * topic it fails together with (gate.h).
 */

/*
 * The jobs ("next-rebuild" {"trigger"?, "full"?} -> build;
 * "next-conflicts" {"topic"}, "next-resolve-record" {"topic", "files"},
 * "next-resolve-forget" {"id"}, see resolve.h; daemon/job-table.c registers
 * them).  next_init() subscribes to the bus (bus.h): a rebuild is kicked,
 * debounced by [next] debounce (milliseconds, default 2000), whenever
 * topics move (BUS_MOVES), and a check with the trigger "config" or
 * "topics" when the config is reloaded or a topic added or removed
 * (BUS_TOPICS); before engine_start().
 */
void next_init(void);

/*
 * After engine_start(): check now, and every five minutes, whether next is
 * what a build would make (base, topic tips, next itself) and rebuild it
 * when not ("startup", "base" or "stale" builds).
 */
void next_start(void);

/*
 * The merge_args of "next-check" and "next-rebuild": a kick folded into
 * a queued job makes its "trigger" the kick's, adds the kick's reasons to
 * its "triggers" (every distinct one, in order) and keeps "full" and
 * "startup" when either asked for them.
 */
void next_merge_reasons(json_t *queued, json_t *kicked);

/* Reads for the API, from any thread; results are new references. */
/* The latest build with its topics, or JSON null when there is none. */
int next_latest_build(struct db *db, json_t **out, struct strbuf *err);
/* One build with its topics; ERR_NOT_FOUND for an unknown id. */
int next_build_get(struct db *db, int64_t id, json_t **out, struct strbuf *err);
/* The latest builds, newest first, without their topics. */
json_t *next_build_list(struct db *db, int64_t limit, struct strbuf *err);

/* Jobs, registered by daemon/job-table.c's table. */
int next_job_rebuild(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err);
int next_job_conflicts(struct job_ctx *ctx, json_t *args, json_t **result,
		       struct strbuf *err);
int next_job_resolve_record(struct job_ctx *ctx, json_t *args, json_t **result,
			    struct strbuf *err);
int next_job_resolve_forget(struct job_ctx *ctx, json_t *args, json_t **result,
			    struct strbuf *err);
int next_job_check(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err);

#endif
