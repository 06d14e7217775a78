// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the target topic of a series (target.h) until the real
 * one lands: the first topic of the config that goes into next.
 */
#include <stddef.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/target.h"
#include "lib/xalloc.h"

int target_of(struct daemon *d, int64_t series_id, char **topic,
	      struct strbuf *err)
{
	const struct config *cfg = daemon_config_engine();
	size_t i;

	(void)d;
	(void)series_id;
	(void)err;
	*topic = NULL;
	for (i = 0; cfg && i < cfg->nr_topics; i++) {
		if (cfg->topics[i].into_next) {
			*topic = xstrdup(cfg->topics[i].name);
			break;
		}
	}
	return 0;
}
