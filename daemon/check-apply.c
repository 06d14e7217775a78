// SPDX-License-Identifier: GPL-2.0
/*
 * Applying a queued series for the speculative checks (check-apply.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/am.h"
#include "daemon/apply.h"
#include "daemon/check-apply.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

int check_apply(struct repo *repo, const struct config *cfg,
		const struct am_series *as, const char *base, int64_t when,
		char *new_tip, struct strbuf *err)
{
	struct apply_patch *ps;
	struct apply_done *done;
	struct apply_opts opts;
	size_t i;
	int ret;

	am_apply_opts(&opts, cfg);
	opts.committer_time = when > 0 ? when : 1;
	ps = xcalloc(as->nr + 1, sizeof(*ps));
	done = xcalloc(as->nr + 1, sizeof(*done));
	for (i = 0; i < as->nr; i++)
		ps[i] = as->v[i].patch;
	ret = apply_onto(repo, base, ps, as->nr, &opts, done, err);
	if (!ret)
		snprintf(new_tip, APPLY_HEXSZ + 1, "%s",
			 as->nr ? done[as->nr - 1].commit : base);
	free(ps);
	free(done);
	return ret;
}
