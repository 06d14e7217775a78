/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CHECK_APPLY_H
#define CTHULHU_CHECK_APPLY_H

#include <stdint.h>

struct am_series;
struct config;
struct repo;
struct strbuf;

/*
 * A queued series applied for a speculative check: apply_onto() of its
 * patches (am.c's, with their trailers) onto base, as `cthulhu apply`
 * would make them but with the time fixed at when, so that the same
 * series on the same base always gives the same commits.  Objects are
 * written, no ref moves.  new_tip (41 bytes) gets the last commit; on
 * error err names the patch, the file and the hunk (apply.h).
 */
int check_apply(struct repo *repo, const struct config *cfg,
		const struct am_series *as, const char *base, int64_t when,
		char *new_tip, struct strbuf *err);

#endif
