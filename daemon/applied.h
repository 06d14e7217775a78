/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_APPLIED_H
#define CTHULHU_APPLIED_H

#include <jansson.h>

#include <stdint.h>

struct apply_done;
struct apply_patch;
struct config;
struct db;
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

/*
 * Record patches of series_id applied to topic (on branch), in the
 * caller's transaction: rows are the series' patches ({id, number,
 * subject}, by number), those numbers names (NULL: all) became done[]
 * from ps[] (both in row order); an applied row each, the series'
 * state "applied" and the applied notification, whose id goes to *nid
 * and whose info ({applied, not_applied, ...}, new reference, also on
 * error) to *info.  The apply job and the commits applied outside
 * cthulhud (daemon/applied-outside.c) record alike.
 */
int applied_record(struct db *db, const struct config *cfg, int64_t series_id,
		   int64_t total, const char *topic, const char *branch,
		   json_t *rows, json_t *numbers, const struct apply_patch *ps,
		   const struct apply_done *done, int64_t *nid, json_t **info,
		   struct strbuf *err);

/* Jobs, registered by daemon/job-table.c's table. */
int apply_job_apply(struct job_ctx *ctx, json_t *args, json_t **result,
		    struct strbuf *err);
int apply_job_drop(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err);
int apply_job_follow(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err);

#endif
