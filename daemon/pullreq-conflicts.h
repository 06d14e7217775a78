/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_PULLREQ_CONFLICTS_H
#define CTHULHU_PULLREQ_CONFLICTS_H

#include <jansson.h>

struct db;
struct strbuf;

/*
 * The conflicts of the topic in the latest builds of next that merged
 * it (CONFLICT_BUILDS of them), newest first, the builds that met the
 * same conflict as one entry, returned as JSON (a new reference)
 *   [{"builds": [id...], "at" (the newest's start), "outcome"
 *     ("conflict" or "resolved"), "tip", "current_tip", "paths",
 *     "after" (the topics merged before it)}]
 * and appended to text as the section a pull request ends with.
 * "current_tip" says whether the tip was tip_hex, the topic's tip now.
 * Without the builds table there are none.
 */
json_t *pullreq_conflicts_find(struct db *db, const char *topic,
			       const char *tip_hex, struct strbuf *text);

#endif
