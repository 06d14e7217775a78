/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The engine thread's merge handle (see merge-handle.h).
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/merge-handle.h"
#include "daemon/merge.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static struct merge *the_merge;
static char *the_merge_repo;
static unsigned int the_generation;

int merge_handle(const struct config *cfg, struct merge **out,
		 unsigned int *generation, struct strbuf *err)
{
	struct strbuf e = STRBUF_INIT;
	int ret;

	if (!the_merge || !the_merge_repo ||
	    strcmp(the_merge_repo, cfg->repo)) {
		merge_free(the_merge);
		the_merge = NULL;
		free(the_merge_repo);
		the_merge_repo = NULL;
		ret = merge_open(cfg->repo, &the_merge, err ? err : &e);
		strbuf_release(&e);
		if (ret < 0)
			return ret;
		the_merge_repo = xstrdup(cfg->repo);
		the_generation++;
	}
	if (generation)
		*generation = the_generation;
	*out = the_merge;
	return 0;
}
