/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_MERGE_HANDLE_H
#define CTHULHU_MERGE_HANDLE_H

struct config;
struct merge;
struct strbuf;

/*
 * The engine thread's merge handle (merge.h), shared by the Cthulhu
 * merge (next.c) and the gate, and kept between jobs for its caches.  It
 * is opened on cfg's repository, and opened again when a reload changed
 * [tree] repo.
 *
 * merge_handle() sets *out to it (borrowed) and returns 0, or returns
 * merge_open()'s error with err set (err may be NULL).  *generation
 * (may be NULL) gets a number that changes each time
 * the handle is opened anew, so that a user that gives it state (next's
 * virtual merge bases) knows when to give it again.  Engine thread only.
 */
int merge_handle(const struct config *cfg, struct merge **out,
		 unsigned int *generation, struct strbuf *err);

#endif
