/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_MEMO_H
#define CTHULHU_STORE_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of memoised merges: the table merge_memo
 * (schema/0018-merge-memo.sql), merge.h's struct merge_memo_item kept
 * for the next process.  See store/topics.h for the store layer.
 */
struct store_memo {
	char *key;
	bool clean;
	char *tree, *base; /* NULL when none */
	int64_t nr_bases;
	char *fallback_reason;
	char **conflicts; /* nr_conflicts paths */
	size_t nr_conflicts;
};

struct store_memo_list {
	struct store_memo *v;
	size_t nr;
};

void store_memo_list_release(struct store_memo_list *list);
/* The newest limit memoised merges, newest first. */
int store_memos_newest(struct db *db, int64_t limit,
		       struct store_memo_list *out, struct strbuf *err);
/* Keep one (a new key, or the same key again). */
int store_memo_put(struct db *db, const struct store_memo *m, int64_t made_at,
		   struct strbuf *err);
/* Forget all but the newest keep (and those as old as the oldest kept). */
int store_memos_trim(struct db *db, int64_t keep, struct strbuf *err);

#endif
