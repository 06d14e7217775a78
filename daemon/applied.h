/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_APPLIED_H
#define CTHULHU_APPLIED_H

#include <jansson.h>

struct job_ctx;
struct strbuf;

/*
 * Applied series (daemon/applied.c): the jobs that apply a series to a
 * topic ("apply"), drop a commit from one ("drop") and follow topics
 * rewritten outside cthulhud to the commits that carry each applied patch
 * ("applied-follow"), with the notices each sends.
 */

/* Follow every topic move a topic scan reports; before engine_start(). */
void apply_init(void);
/* At start-up, with the engine running: follow the moves not followed. */
void apply_start(void);

/* Jobs, registered by daemon/job-table.c's table. */
int apply_job_apply(struct job_ctx *ctx, json_t *args, json_t **result,
		    struct strbuf *err);
int apply_job_drop(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err);
int apply_job_follow(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err);

#endif
