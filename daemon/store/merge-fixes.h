/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_MERGE_FIXES_H
#define CTHULHU_STORE_MERGE_FIXES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of the merge-fixes of pairs of topics: the table merge_fixes
 * (schema/0012-merge-fix.sql); see store/topics.h for the store layer.
 * A topic's own merge-fix is a ref (merge-fix.h), not a row.
 */
struct store_merge_fix {
	int64_t id;
	char *topic, *other;
	char *commit; /* 40 hex */
	int64_t recorded_at;
};

struct store_merge_fix_list {
	struct store_merge_fix *v;
	size_t nr;
};

void store_merge_fix_release(struct store_merge_fix *f);
void store_merge_fix_list_release(struct store_merge_fix_list *list);

/* All, by topic and other. */
int store_merge_fixes_list(struct db *db, struct store_merge_fix_list *out,
			   struct strbuf *err);
/* The fix of topic with other, *found whether there is one. */
int store_merge_fix_get(struct db *db, const char *topic, const char *other,
			struct store_merge_fix *out, bool *found,
			struct strbuf *err);
/* How many fixes use commit. */
int store_merge_fixes_using(struct db *db, const char *commit, int64_t *n,
			    struct strbuf *err);

/* Record (or replace) the fix of topic with other. */
int store_merge_fix_put(struct db *db, const char *topic, const char *other,
			const char *commit, int64_t recorded_at,
			struct strbuf *err);
/* Forget it; ERR_NOT_FOUND when there is none. */
int store_merge_fix_forget(struct db *db, const char *topic, const char *other,
			   struct strbuf *err);

#endif
