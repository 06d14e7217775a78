// SPDX-License-Identifier: GPL-2.0
/*
 * The table of every job type (daemon/jobs.h has their names).  rerun:
 * safe to run again when a crash cut it short (each function's comment
 * says why); quiet: no row kept once done (scans); every_ms: run
 * periodically; merge_args: how a kick folds into a queued job.
 */
#include "daemon/applied.h"
#include "daemon/applied-outside.h"
#include "daemon/check.h"
#include "daemon/check-post.h"
#include "daemon/cooking-mail.h"
#include "daemon/engine.h"
#include "daemon/gate.h"
#include "daemon/inbox.h"
#include "daemon/job-table.h"
#include "daemon/jobs.h"
#include "daemon/merge-fix.h"
#include "daemon/target-job.h"
#include "daemon/next.h"
#include "daemon/notify.h"
#include "daemon/pullreq.h"
#include "daemon/queue.h"
#include "daemon/reload.h"
#include "daemon/series.h"
#include "daemon/topic.h"
#include "lib/xalloc.h"

static const struct job_type job_table[] = {
	{ .name = JOB_RELOAD, .run = reload_job_reload, .rerun = true },
	{ .name = JOB_TOPIC_SCAN,
	  .run = topic_job_scan,
	  .rerun = true,
	  .quiet = true,
	  .merge_args = topic_scan_merge_args },
	{ .name = JOB_TOPIC_SYNC, .run = topic_job_sync, .rerun = true },
	{ .name = JOB_TOPIC_ADD, .run = topic_job_add },
	{ .name = JOB_TOPIC_REMOVE, .run = topic_job_remove },
	/* Run again after a crash: topic_ends_with() finds a move done. */
	{ .name = JOB_APPLY, .run = apply_job_apply, .rerun = true },
	/* Run again after a crash: a commit off the topic is dropped. */
	{ .name = JOB_DROP, .run = apply_job_drop, .rerun = true },
	/*
	 * Not run again after a crash: applied-follow finds the rewritten
	 * commits by patch-id, and a new run finds what is still missing.
	 */
	{ .name = JOB_UPDATE_TRAILERS, .run = apply_job_update_trailers },
	{ .name = JOB_APPLIED_FOLLOW,
	  .run = apply_job_follow,
	  .rerun = true,
	  .quiet = true },
	/* Run again after a crash: what is recorded already is left. */
	{ .name = JOB_APPLIED_OUTSIDE,
	  .run = applied_outside_job,
	  .rerun = true,
	  .quiet = true },
	{ .name = JOB_NOTIFY_DELIVER,
	  .run = notify_job_deliver,
	  .rerun = true,
	  .quiet = true,
	  .every_ms = 1000 },
	{ .name = JOB_NEXT_REBUILD,
	  .run = next_job_rebuild,
	  .rerun = true,
	  .merge_args = next_merge_reasons },
	{ .name = JOB_NEXT_CONFLICTS,
	  .run = next_job_conflicts,
	  .rerun = true,
	  .quiet = true },
	{ .name = JOB_NEXT_RESOLVE_RECORD, .run = next_job_resolve_record },
	{ .name = JOB_NEXT_RESOLVE_FORGET, .run = next_job_resolve_forget },
	{ .name = JOB_NEXT_CHECK,
	  .run = next_job_check,
	  .rerun = true,
	  .quiet = true,
	  .merge_args = next_merge_reasons },
	{ .name = JOB_MERGE_FIX_RECORD, .run = merge_fix_job_record },
	{ .name = JOB_MERGE_FIX_DROP, .run = merge_fix_job_drop },
	{ .name = JOB_SUBMIT, .run = series_job_submit },
	{ .name = JOB_SUPERSEDE, .run = series_job_supersede },
	/* Run again after a crash: the same rows and cursor once more. */
	{ .name = JOB_INBOX_ADVANCE,
	  .run = inbox_job_advance,
	  .rerun = true,
	  .quiet = true },
	{ .name = JOB_QUEUE_SCAN,
	  .run = queue_job_scan,
	  .rerun = true,
	  .quiet = true,
	  .every_ms = 1000 },
	{ .name = JOB_QUEUE_BUMP, .run = queue_job_bump },
	{ .name = JOB_QUEUE_STATE, .run = queue_job_state },
	{ .name = JOB_SERIES_TARGET, .run = target_job_set },
	{ .name = JOB_PULL_REQUEST, .run = pullreq_job_pull_request },
	{ .name = JOB_GATE_RESULT, .run = gate_job_result, .rerun = true },
	{ .name = JOB_GATE_RESUME,
	  .run = gate_job_resume,
	  .rerun = true,
	  .quiet = true },
	{ .name = JOB_GATE_CHECK,
	  .run = gate_job_check,
	  .rerun = true,
	  .quiet = true },
	/* Not run again: the mail may have been recorded before the crash. */
	{ .name = JOB_COOKING_MAIL, .run = cooking_job_mail },
	/* Run again after a crash: the period's row says what went out. */
	{ .name = JOB_COOKING_CHECK,
	  .run = cooking_job_check,
	  .rerun = true,
	  .quiet = true,
	  .every_ms = 60000 },
	/* Run again after a crash: a check is made from what it finds. */
	{ .name = JOB_CHECK_SCAN,
	  .run = check_job_scan,
	  .rerun = true,
	  .quiet = true,
	  .every_ms = 2000 },
	/* Run again after a crash: a run told twice keeps the first end. */
	{ .name = JOB_CHECK_RESULT,
	  .run = check_job_result,
	  .rerun = true,
	  .quiet = true },
	/*
	 * Run again after a crash: one transaction, and a failure mailed
	 * already is not mailed again.
	 */
	{ .name = JOB_CHECK_POST, .run = check_job_post, .rerun = true },
};

void jobs_register(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(job_table); i++)
		engine_register(&job_table[i]);
}
