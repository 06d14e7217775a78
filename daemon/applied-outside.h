/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_APPLIED_OUTSIDE_H
#define CTHULHU_APPLIED_OUTSIDE_H

#include <jansson.h>

struct job_ctx;
struct strbuf;

/*
 * Patches applied outside cthulhud (daemon/applied-outside.c), as the
 * kernel.org patchwork bot finds them: when a topic moves, each commit
 * the move brought whose `git patch-id --stable` is the one of a patch
 * still open (a series in the queue) makes that patch applied, with the
 * records and the notice of cthulhu's own apply (applied_record()).
 * The "applied-outside" job does it, for every move recorded since the
 * last it looked at.
 */

/* Look at every topic move a scan reports; before engine_start(). */
void applied_outside_init(void);
/* At start-up, with the engine running: the moves not looked at yet. */
void applied_outside_start(void);

/* The job, registered by daemon/job-table.c's table. */
int applied_outside_job(struct job_ctx *ctx, json_t *args, json_t **result,
			struct strbuf *err);

#endif
