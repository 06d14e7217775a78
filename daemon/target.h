/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TARGET_H
#define CTHULHU_TARGET_H

#include <stdint.h>

struct daemon;
struct strbuf;

/*
 * The target topic of a queued series: the maintainer's override, else
 * the topic whose [topic "X"] prefixes match its shortlog, else the one
 * whose paths it touches, else [tree] default-topic.  *topic gets its
 * name (caller frees), NULL when there is none.  Engine thread.
 */
int target_of(struct daemon *d, int64_t series_id, char **topic,
	      struct strbuf *err);

#endif
