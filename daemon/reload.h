/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_RELOAD_H
#define CTHULHU_RELOAD_H

#include <jansson.h>

struct job_ctx;
struct strbuf;

/* The "reload" job: read the config again, keep the old one on error. */
int reload_job_reload(struct job_ctx *ctx, json_t *args, json_t **result,
		      struct strbuf *err);

#endif
