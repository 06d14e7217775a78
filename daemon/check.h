/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CHECK_H
#define CTHULHU_CHECK_H

#include <stdbool.h>
#include <jansson.h>

struct config;
struct job_ctx;
struct strbuf;

/*
 * Speculative checks of the review queue: in the background, each queued
 * series (in queue order; superseded versions are not queued) is checked
 * against its target topic (target.h) and recorded as three checks
 * (store/checks.h):
 *
 *   apply  does it apply to the topic's tip, as `cthulhu apply` would
 *          apply it, in memory (which patch, file and hunk fails);
 *   merge  does next, with the topic at its tip plus the series, merge
 *          (check-next.h: which topic it conflicts with, in which files);
 *   gate   [gate] command on that next, in the gate's worktrees
 *          (gate-run.h), at lower priority than the gate's own runs.
 *
 * A series without a target topic gets none.  Each check keeps its
 * inputs: the series and version, the topic's tip,
 * the build of next and, for the gate, the tree.  A series is checked
 * again when they change; a tree the gate tested before (the check's own
 * runs, store/check-runs.h, or a candidate of next's) is not run again.
 * Conflicts between queued series are found on the way
 * (check-overlap.h).  Nothing is published and no ref moves: commits
 * are written as objects only.
 *
 * [check] enabled (default true) turns it on, [check] jobs (default 1)
 * is how many gate runs of checks may run at once.  The scan gives way
 * to every other job between two series.
 */

/* Whether [check] enabled. */
bool check_enabled(const struct config *cfg);

/*
 * Jobs, registered by daemon/job-table.c's table: "check-scan"
 * (periodic: check what changed), "check-result" {run, state,
 * exit_code, duration_ms} (a gate run of a check ended).
 */
int check_job_scan(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err);
int check_job_result(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err);

#endif
