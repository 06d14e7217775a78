/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_QUEUE_H
#define CTHULHU_STORE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of the review queue: the tables queue, queue_bumps,
 * queue_dirty and lint_findings (schema/0005-queue.sql); see
 * store/topics.h for the store layer.  Integer columns that may be NULL
 * are STORE_NONE (store/row.h) when they are.
 */

/* A series' key in the queue's order (the in-memory index's row). */
struct store_queue_key {
	int64_t series_id;
	int64_t lane, olane, rank;
};

/*
 * A series as the queue shows it: its queue row, the series' summary
 * and its bump, if any.
 */
struct store_queue_entry {
	int64_t id; /* the series */
	int64_t queued, lane;
	char *reason;
	int64_t arrival, olane, rank;
	int64_t lint_errors, lint_warnings, lint_infos;
	int64_t left_at;
	char *left_state;
	char *state, *subject, *name, *author_name, *author_email;
	int64_t version, total, patches, supersede_held;
	char *bump_reason; /* NULL when not bumped */
	int64_t bump_position, bump_at;
	char *target, *target_source, *target_detail; /* NULL for none */
};

struct store_queue_entry_list {
	struct store_queue_entry *v;
	size_t nr;
};

/* A lint finding; patch_id STORE_NONE for one on the whole series. */
struct store_lint_finding {
	int64_t patch_id;
	char *rule, *severity, *message;
};

struct store_lint_finding_list {
	struct store_lint_finding *v;
	size_t nr;
};

void store_queue_entry_list_release(struct store_queue_entry_list *list);
void store_lint_finding_list_release(struct store_lint_finding_list *list);

/* The queued series' keys, in queue order; *keys (free it), *nr. */
int store_queue_keys(struct db *db, struct store_queue_key **keys, size_t *nr,
		     struct strbuf *err);
/* When the first series entered the queue, 0 when none did. */
int store_queue_first_entered(struct db *db, int64_t *at, struct strbuf *err);
/*
 * How many series left each lane (not superseded) since since: counts
 * [0..nr_lanes] by lane (lanes outside 1..nr_lanes not counted).
 */
int store_queue_closed_since(struct db *db, int64_t since, int64_t *counts,
			     int nr_lanes, struct strbuf *err);
/* The entry of one series; *found whether it has one. */
int store_queue_entry(struct db *db, int64_t id, struct store_queue_entry *out,
		      bool *found, struct strbuf *err);
/*
 * The queued entries of lane (0: every lane) in queue order, limit of
 * them (< 0: all) from offset.
 */
int store_queue_entries(struct db *db, int lane, int64_t offset, int64_t limit,
			struct store_queue_entry_list *out, struct strbuf *err);
/* The entries of the series in ids (JSON text of an array of ids). */
int store_queue_entries_of(struct db *db, const char *ids,
			   struct store_queue_entry_list *out,
			   struct strbuf *err);
void store_queue_entry_release(struct store_queue_entry *e);
/* The lane of a series, 0 when it is not in the queue. */
int store_queue_lane(struct db *db, int64_t id, int64_t *lane,
		     struct strbuf *err);
/* A series' lint findings, as found. */
int store_lint_findings(struct db *db, int64_t series_id,
			struct store_lint_finding_list *out,
			struct strbuf *err);

/* The series waiting for a scan, lowest id first, at most max. */
int store_queue_dirty(struct db *db, int64_t max, int64_t **ids, size_t *nr,
		      struct strbuf *err);
int store_queue_dirty_done(struct db *db, int64_t id, struct strbuf *err);

/* A series' queue row: root (its first version), queued, lane. */
struct store_queue_row {
	int64_t root_id;
	bool queued;
	int64_t lane;
};
/* *found whether the series has a row. */
int store_queue_row(struct db *db, int64_t id, struct store_queue_row *out,
		    bool *found, struct strbuf *err);
/* The queued series that are bumped: ids and roots (free both). */
int store_queue_bumped(struct db *db, int64_t **ids, int64_t **roots,
		       size_t *nr, struct strbuf *err);
/* Bump the versions of root to (olane, rank), at position for reason. */
int store_queue_bump(struct db *db, int64_t root, int64_t olane, int64_t rank,
		     const char *reason, int64_t position, int64_t at,
		     struct strbuf *err);
/* Move a bump's key, or a series' key. */
int store_queue_bump_move(struct db *db, int64_t root, int64_t olane,
			  int64_t rank, struct strbuf *err);
int store_queue_move(struct db *db, int64_t id, int64_t olane, int64_t rank,
		     struct strbuf *err);

/* What a scan of one series found: its queue row, as written. */
struct store_queue_scan {
	int64_t series_id, root_id;
	bool queued;
	int lane, sublane;
	const char *reason;
	int64_t arrival;
	int olane;
	int64_t rank;
	int64_t lint_errors, lint_warnings, lint_infos;
	int64_t at;
	const char *left_state; /* why it left, when not queued */
	/* its target topic (target.h), source and detail; NULL for none */
	const char *target, *target_source, *target_detail;
};

/*
 * Write the series' queue row: entered_at set when it (re)enters the
 * queue, left_at and left_state when it leaves.
 */
int store_queue_put(struct db *db, const struct store_queue_scan *q,
		    struct strbuf *err);
/* Have the next scan look at every queued series again. */
int store_queue_dirty_all(struct db *db, struct strbuf *err);
/* A series that is gone leaves the queue. */
int store_queue_drop(struct db *db, int64_t id, struct strbuf *err);
/* The key a bump gave the versions of root; *found whether one did. */
int store_queue_bump_key(struct db *db, int64_t root, int64_t *olane,
			 int64_t *rank, bool *found, struct strbuf *err);
/* Whether the mail msgid is in a queued version of root. */
int store_queue_root_has_mail(struct db *db, int64_t root, const char *msgid,
			      bool *has, struct strbuf *err);
/* Forget a series' lint findings, to find them again. */
int store_lint_clear(struct db *db, int64_t series_id, struct strbuf *err);
/* Record a finding; patch_id 0 for one on the whole series. */
int store_lint_add(struct db *db, int64_t series_id, int64_t patch_id,
		   const char *rule, const char *severity, const char *message,
		   struct strbuf *err);

/*
 * A text that changes when the queued series, their order or their
 * targets change (rows queued, their ids and update times), appended to
 * out: the speculative checks skip a scan while it and the rest they
 * depend on hold.
 */
int store_queue_fingerprint(struct db *db, struct strbuf *out,
			    struct strbuf *err);

#endif
