/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_BUILDS_H
#define CTHULHU_STORE_BUILDS_H

#include "daemon/repo.h"

struct db;
struct strbuf;

/*
 * The store of next's builds (the tables builds and build_topics,
 * schema/0002-next.sql); see store/topics.h for the store layer.  Only
 * what the readers outside next.c need is here yet; next.c's own
 * statements are still in next.c.
 */

/*
 * The base the latest build that resolved one used, into base (empty
 * when no build has).
 */
int store_builds_latest_base(struct db *db, char base[REPO_HEXSZ + 1],
			     struct strbuf *err);

#endif
