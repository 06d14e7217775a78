/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_NEXT_MEMO_H
#define CTHULHU_NEXT_MEMO_H

#include <stdint.h>

struct db;
struct merge;
struct strbuf;

/*
 * The merges the merge handle memoised (merge.h's merge_memo_take()),
 * kept in the database (store/memo.h) so that a restarted daemon
 * merges no conflict or fallback again that an earlier one made.
 */
/* Give a new merge handle the memoised merges earlier processes kept. */
void next_memo_load(struct db *db, struct merge *m);
/* Keep the merges memoised since the last call, in db's transaction. */
int next_memo_save(struct db *db, struct merge *m, int64_t when,
		   struct strbuf *err);

#endif
