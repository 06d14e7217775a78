/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memoised merges across restarts (see next-memo.h).
 */
#include <stdbool.h>
#include <stdlib.h>

#include "daemon/merge.h"
#include "daemon/next-memo.h"
#include "daemon/store/memo.h"
#include "lib/log.h"
#include "lib/strbuf.h"

/*
 * Memoised merges kept in the database: the newest this many, and as
 * many given to a new handle (merge.c's memo forgets beyond 4096 a
 * table, and a build of n topics makes 2n).
 */
#define MEMOS_KEPT 20000
#define MEMOS_LOADED 4000

void next_memo_load(struct db *db, struct merge *m)
{
	struct strbuf err = STRBUF_INIT;
	struct store_memo_list list = { 0 };
	size_t i;

	if (store_memos_newest(db, MEMOS_LOADED, &list, &err) < 0) {
		log_warn("next: cannot read the memoised merges: %s", err.buf);
		strbuf_release(&err);
		return;
	}
	/* oldest first: the newest win when the memo has no room */
	for (i = list.nr; i-- > 0;) {
		const struct store_memo *s = &list.v[i];
		struct merge_memo_item item = {
			.key = s->key,
			.clean = s->clean,
			.tree = s->tree ? s->tree : "",
			.base = s->base ? s->base : "",
			.nr_bases = (unsigned int)s->nr_bases,
			.reason = s->fallback_reason,
			.conflicts = (const char *const *)s->conflicts,
			.nr_conflicts = s->nr_conflicts,
		};

		merge_memo_add(m, &item);
	}
	log_debug("next: %zu memoised merges from the database", list.nr);
	store_memo_list_release(&list);
	strbuf_release(&err);
}

struct memo_save {
	struct db *db;
	struct strbuf *err;
	int64_t when;
	unsigned int n;
};

static int save_memo(const struct merge_memo_item *item, void *data)
{
	struct memo_save *ms = data;
	struct store_memo s = {
		.key = (char *)item->key,
		.clean = item->clean,
		.tree = *item->tree ? (char *)item->tree : NULL,
		.base = *item->base ? (char *)item->base : NULL,
		.nr_bases = item->nr_bases,
		.fallback_reason = (char *)item->reason,
		.conflicts = (char **)item->conflicts,
		.nr_conflicts = item->nr_conflicts,
	};

	ms->n++;
	return store_memo_put(ms->db, &s, ms->when, ms->err);
}

int next_memo_save(struct db *db, struct merge *m, int64_t when,
		   struct strbuf *err)
{
	struct memo_save ms = { db, err, when, 0 };
	int ret;

	ret = merge_memo_take(m, save_memo, &ms);
	if (!ret && ms.n)
		ret = store_memos_trim(db, MEMOS_KEPT, err);
	return ret;
}
