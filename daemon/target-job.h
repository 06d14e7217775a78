/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TARGET_JOB_H
#define CTHULHU_TARGET_JOB_H

#include <jansson.h>

struct config;
struct db;
struct job_ctx;
struct strbuf;

/*
 * "series-target" {series, topic}: the maintainer's choice of target
 * topic for a series (topic null: back to the config's guess), and the
 * queue's look at it again -> {series, target: {topic, source, detail}}.
 */
int target_job_set(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err);

/*
 * After a reload to new: when what the targets depend on changed since
 * old_key (target_config_key() of the config before), have the queue
 * look at every queued series again.
 */
void target_config_reloaded(struct db *db, const char *old_key,
			    const struct config *new);

#endif
