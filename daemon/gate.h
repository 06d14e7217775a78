/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_GATE_H
#define CTHULHU_GATE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct config;
struct db;
struct job_ctx;
struct strbuf;

/*
 * The gate of next: [gate] command is run on every build of next (a
 * candidate) in a worktree of its own (gate-run.h); with [gate] publish
 * = gated (the default) next moves only when it passes, and the last
 * gated next stays published meanwhile.  With publish = always next
 * moves at once and the gate only reports.
 *
 * A failing candidate is bisected over its ordered merges (the probes:
 * the base, then next after each topic that changed it) for the first
 * one that fails, [gate] jobs probes at once; that topic is ejected and
 * next built again without it and gated; once that passes, the topic is
 * tried at its last good tip (its tip in the last passing next), as
 * linux-next does.  A failure of the base alone stops, publishing
 * nothing.  Every candidate, run and ejection is a row (0009-gate.sql),
 * every change a "gate" message on the bus, and every ejection a
 * notification to the maintainer ([notify] maintainer, by default
 * [tree] committer).
 *
 * The gate runs off the engine thread; each run's end comes back as a
 * "gate-result" job, so the state machine below runs on the engine
 * thread only.  A newer build makes the candidate being gated stale:
 * its runs are killed and it is never published.
 */

/* Whether [gate] command is set. */
bool gate_enabled(const struct config *cfg);
/* Whether next waits for the gate (enabled, publish = gated). */
bool gate_holds_next(const struct config *cfg);

/*
 * What of topic goes into next when its branch is at tip: *use gets tip,
 * its last good tip (*how = "fallback") or "" to leave it out (*how =
 * "ejected"); *how is NULL when the gate changes nothing.
 */
void gate_topic_tip(struct db *db, const struct config *cfg, const char *topic,
		    const char *tip, char *use, const char **how);

/*
 * The gate's word on a topic it marked in a build (ejected, fallback),
 * for the API: the reason of its latest ejection and the topic it fails
 * together with, into *reason and *with (new strings, NULL for none).
 */
void gate_topic_word(struct db *db, const char *topic, char **reason,
		     char **with);

/*
 * The build (engine thread, from the rebuild job) made a candidate:
 * record it, make older candidates stale and start gating it.  Under
 * publish = gated the build's row goes from 'updating' to 'done' with
 * gate 'pending' here; next is not moved.
 */
int gate_candidate(struct job_ctx *ctx, int64_t build, struct strbuf *err);

/*
 * How the gate publishes a candidate that passed: move next to the
 * build's result (compare-and-swap) and push it, nothing when next is
 * that already.  The Cthulhu merge provides it (next_init() sets it),
 * so the gate stands below next and never calls into it.  Before
 * engine_start().
 */
typedef int (*gate_publish_fn)(struct job_ctx *ctx, int64_t build,
			       struct strbuf *err);
void gate_set_publisher(gate_publish_fn fn);

/*
 * After engine_start(): resume the gate a stop or a crash cut short
 * (nothing when cfg has no gate).
 */
void gate_start(const struct config *cfg);
/* Kill the runs (they resume at the next start); before engine_stop(). */
void gate_stop(void);

/*
 * Reads for the API, from any thread; new references.
 * The gate: {enabled, mode, publish, command, jobs, timeout, published:
 * {commit}, candidate: CANDIDATE|null, running: [...], ejections: [...]}
 * CANDIDATE: {id, build, commit, state, round, lo, hi, probes, culprit,
 * reason, progress, runs: [RUN]}.
 */
int gate_state(struct db *db, const struct config *cfg, const char *next_commit,
	       json_t **out, struct strbuf *err);
/* One run; with_log adds "log", the whole text. ERR_NOT_FOUND. */
int gate_run_get(struct db *db, int64_t id, bool with_log, json_t **out,
		 struct strbuf *err);
/*
 * The run key names: a run id, or a commit (40 hex digits: its latest
 * run, a running one first).  ERR_NOT_FOUND.
 */
int gate_run_find(struct db *db, const char *key, int64_t *id,
		  struct strbuf *err);
/* The latest candidates, newest first, with their runs. */
json_t *gate_candidate_list(struct db *db, int64_t limit, struct strbuf *err);

/* Jobs, registered by daemon/job-table.c's table. */
int gate_job_result(struct job_ctx *ctx, json_t *args, json_t **result,
		    struct strbuf *err);
int gate_job_resume(struct job_ctx *ctx, json_t *args, json_t **result,
		    struct strbuf *err);
int gate_job_check(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err);

#endif
