/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_SERIES_CONFLICTS_H
#define CTHULHU_STORE_SERIES_CONFLICTS_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of the conflicts between queued series: the table
 * series_conflicts (schema/0023-check-runs.sql); see store/topics.h for
 * the store layer.  A conflict is kept on both series, one row each way.
 */
struct store_series_conflict {
	int64_t series_id, other_id;
	char *how; /* lines, apply */
	char *path, *detail;
	int64_t created_at;
	/* of the other series, for the API */
	char *other_author, *other_subject;
	int64_t other_version;
};

struct store_series_conflict_list {
	struct store_series_conflict *v;
	size_t nr;
};

void store_series_conflict_list_release(struct store_series_conflict_list *l);

/* Record c on both series (c->series_id and c->other_id), replacing. */
int store_series_conflict_put(struct db *db,
			      const struct store_series_conflict *c,
			      struct strbuf *err);
/* Forget every conflict series_id has, both ways. */
int store_series_conflicts_forget(struct db *db, int64_t series_id,
				  struct strbuf *err);
/*
 * Forget the conflicts of series not in ids (the JSON text of an array
 * of the queued series' ids).
 */
int store_series_conflicts_keep(struct db *db, const char *ids,
				struct strbuf *err);
/* The conflicts of series_id, by the other's id, with its author. */
int store_series_conflicts_of(struct db *db, int64_t series_id,
			      struct store_series_conflict_list *out,
			      struct strbuf *err);

#endif
