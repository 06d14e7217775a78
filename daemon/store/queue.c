/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of the review queue (see queue.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/queue.h"
#include "daemon/store/row.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define ENTRY_COLUMNS                                                             \
	"q.series_id AS id, q.queued, q.lane, q.reason, q.arrival, "              \
	"q.olane, q.rank, q.lint_errors, q.lint_warnings, q.lint_infos, "         \
	"q.left_at, q.left_state, s.state, s.subject, s.name, "                   \
	"s.author_name, s.author_email, s.version, s.total, "                     \
	"(SELECT count(*) FROM patches p WHERE p.series_id = s.id) AS patches, "  \
	"s.supersede_held, "                                                      \
	"b.reason AS bump_reason, b.position AS bump_position, b.at AS bump_at, " \
	"q.target, q.target_source, q.target_detail "
#define ENTRY_FROM                                          \
	"FROM queue q JOIN series s ON s.id = q.series_id " \
	"LEFT JOIN queue_bumps b ON b.root_id = q.root_id "

void store_queue_entry_release(struct store_queue_entry *e)
{
	free(e->reason);
	free(e->left_state);
	free(e->state);
	free(e->subject);
	free(e->name);
	free(e->author_name);
	free(e->author_email);
	free(e->bump_reason);
	free(e->target);
	free(e->target_source);
	free(e->target_detail);
	memset(e, 0, sizeof(*e));
}

void store_queue_entry_list_release(struct store_queue_entry_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_queue_entry_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

void store_lint_finding_list_release(struct store_lint_finding_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		free(list->v[i].rule);
		free(list->v[i].severity);
		free(list->v[i].message);
	}
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

struct keys_read {
	struct store_queue_key *v;
	size_t nr, alloc;
};

static int key_row(struct db_row *row, void *data)
{
	struct keys_read *kr = data;
	struct store_queue_key *k;

	if (kr->nr == kr->alloc) {
		kr->alloc = kr->alloc ? 2 * kr->alloc : 1024;
		kr->v = xrealloc(kr->v, kr->alloc * sizeof(*kr->v));
	}
	k = &kr->v[kr->nr++];
	k->series_id = db_col_int(row, 0);
	k->lane = db_col_int(row, 1);
	k->olane = db_col_int(row, 2);
	k->rank = db_col_int(row, 3);
	return 0;
}

int store_queue_keys(struct db *db, struct store_queue_key **keys, size_t *nr,
		     struct strbuf *err)
{
	struct keys_read kr = { 0 };
	int ret;

	ret = db_query_each(db, err, key_row, &kr,
			    "SELECT series_id, lane, olane, rank FROM "
			    "queue WHERE queued ORDER BY olane, rank, series_id",
			    NULL);
	if (ret) {
		free(kr.v);
		return ret < 0 ? ret : -EIO;
	}
	*keys = kr.v ? kr.v : xcalloc(1, sizeof(**keys));
	*nr = kr.nr;
	return 0;
}

int store_queue_first_entered(struct db *db, int64_t *at, struct strbuf *err)
{
	return db_query_int(db, at, err, "SELECT min(entered_at) FROM queue",
			    NULL);
}

int store_queue_closed_since(struct db *db, int64_t since, int64_t *counts,
			     int nr_lanes, struct strbuf *err)
{
	json_t *rows, *row;
	int64_t lane;
	size_t i;

	memset(counts, 0, (nr_lanes + 1) * sizeof(*counts));
	rows = db_query(db, err,
			"SELECT lane, count(*) AS n FROM queue "
			"WHERE left_at >= ? AND left_state <> 'superseded' "
			"GROUP BY lane",
			"i", since);
	if (!rows)
		return -EIO;
	json_array_foreach(rows, i, row) {
		lane = row_int(row, "lane");
		if (lane >= 1 && lane <= nr_lanes)
			counts[lane] = row_int(row, "n");
	}
	json_decref(rows);
	return 0;
}

/* A column that may be NULL, as an integer or STORE_NONE. */
static int64_t col_int(struct db_row *row, int col)
{
	return db_col_null(row, col) ? STORE_NONE : db_col_int(row, col);
}

/* A row of ENTRY_COLUMNS, in their order. */
static void entry_from_row(struct db_row *row, struct store_queue_entry *e)
{
	e->id = db_col_int(row, 0);
	e->queued = col_int(row, 1);
	e->lane = col_int(row, 2);
	e->reason = db_col_strdup(row, 3);
	e->arrival = col_int(row, 4);
	e->olane = db_col_int(row, 5);
	e->rank = db_col_int(row, 6);
	e->lint_errors = col_int(row, 7);
	e->lint_warnings = col_int(row, 8);
	e->lint_infos = col_int(row, 9);
	e->left_at = col_int(row, 10);
	e->left_state = db_col_strdup(row, 11);
	e->state = db_col_strdup(row, 12);
	e->subject = db_col_strdup(row, 13);
	e->name = db_col_strdup(row, 14);
	e->author_name = db_col_strdup(row, 15);
	e->author_email = db_col_strdup(row, 16);
	e->version = col_int(row, 17);
	e->total = col_int(row, 18);
	e->patches = col_int(row, 19);
	e->supersede_held = col_int(row, 20);
	e->bump_reason = db_col_strdup(row, 21);
	e->bump_position = col_int(row, 22);
	e->bump_at = col_int(row, 23);
	e->target = db_col_strdup(row, 24);
	e->target_source = db_col_strdup(row, 25);
	e->target_detail = db_col_strdup(row, 26);
}

struct entries_read {
	struct store_queue_entry_list *out;
	size_t alloc;
};

static int entry_row(struct db_row *row, void *data)
{
	struct entries_read *er = data;
	struct store_queue_entry_list *out = er->out;

	if (out->nr == er->alloc) {
		er->alloc = er->alloc ? 2 * er->alloc : 16;
		out->v = xrealloc(out->v, er->alloc * sizeof(*out->v));
	}
	memset(&out->v[out->nr], 0, sizeof(out->v[out->nr]));
	entry_from_row(row, &out->v[out->nr++]);
	return 0;
}

/* Finish a read of entries: ret from db_query_each(). */
static int entries_done(int ret, struct store_queue_entry_list *out)
{
	if (ret) {
		store_queue_entry_list_release(out);
		return ret < 0 ? ret : -EIO;
	}
	if (!out->v)
		out->v = xcalloc(1, sizeof(*out->v));
	return 0;
}

int store_queue_entry(struct db *db, int64_t id, struct store_queue_entry *out,
		      bool *found, struct strbuf *err)
{
	struct store_queue_entry_list list = { 0 };
	struct entries_read er = { &list, 0 };
	int ret;

	*found = false;
	ret = entries_done(db_query_each(db, err, entry_row, &er,
					 "SELECT " ENTRY_COLUMNS ENTRY_FROM
					 "WHERE q.series_id = ?",
					 "i", id),
			   &list);
	if (ret < 0)
		return ret;
	if (list.nr) {
		*out = list.v[0];
		list.nr = 0;
		*found = true;
	}
	store_queue_entry_list_release(&list);
	return 0;
}

int store_queue_entries(struct db *db, int lane, int64_t offset, int64_t limit,
			struct store_queue_entry_list *out, struct strbuf *err)
{
	struct entries_read er = { out, 0 };

	out->v = NULL;
	out->nr = 0;
	return entries_done(db_query_each(db, err, entry_row, &er,
					  "SELECT " ENTRY_COLUMNS ENTRY_FROM
					  "WHERE q.queued AND (?1 = 0 OR q.lane = ?1) "
					  "ORDER BY q.olane, q.rank, q.series_id "
					  "LIMIT ?2 OFFSET ?3",
					  "dii", lane,
					  limit >= 0 ? limit : (int64_t)-1,
					  offset),
			    out);
}

int store_queue_entries_of(struct db *db, const char *ids,
			   struct store_queue_entry_list *out,
			   struct strbuf *err)
{
	struct entries_read er = { out, 0 };

	out->v = NULL;
	out->nr = 0;
	return entries_done(
		db_query_each(
			db, err, entry_row, &er,
			"SELECT " ENTRY_COLUMNS ENTRY_FROM
			"WHERE q.series_id IN (SELECT value FROM json_each(?))",
			"t", ids),
		out);
}

int store_queue_lane(struct db *db, int64_t id, int64_t *lane,
		     struct strbuf *err)
{
	*lane = 0;
	return db_query_int(db, lane, err,
			    "SELECT lane FROM queue WHERE series_id = ?", "i",
			    id);
}

int store_lint_findings(struct db *db, int64_t series_id,
			struct store_lint_finding_list *out, struct strbuf *err)
{
	json_t *rows, *row;
	size_t i;

	rows = db_query(db, err,
			"SELECT patch_id, rule, severity, message "
			"FROM lint_findings WHERE series_id = ? ORDER BY id",
			"i", series_id);
	if (!rows)
		return -EIO;
	out->nr = json_array_size(rows);
	out->v = xcalloc(out->nr ? out->nr : 1, sizeof(*out->v));
	json_array_foreach(rows, i, row) {
		out->v[i].patch_id = row_int_or_none(row, "patch_id");
		out->v[i].rule = row_strdup(row, "rule");
		out->v[i].severity = row_strdup(row, "severity");
		out->v[i].message = row_strdup(row, "message");
	}
	json_decref(rows);
	return 0;
}

int store_queue_dirty(struct db *db, int64_t max, int64_t **ids, size_t *nr,
		      struct strbuf *err)
{
	json_t *rows, *row;
	size_t i;

	rows = db_query(db, err,
			"SELECT series_id FROM queue_dirty "
			"ORDER BY series_id LIMIT ?",
			"i", max);
	if (!rows)
		return -EIO;
	*nr = json_array_size(rows);
	*ids = xcalloc(*nr + 1, sizeof(**ids));
	json_array_foreach(rows, i, row)
		(*ids)[i] = row_int(row, "series_id");
	json_decref(rows);
	return 0;
}

int store_queue_dirty_done(struct db *db, int64_t id, struct strbuf *err)
{
	return db_exec(db, err, "DELETE FROM queue_dirty WHERE series_id = ?",
		       "i", id);
}

int store_queue_row(struct db *db, int64_t id, struct store_queue_row *out,
		    bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*found = false;
	ret = db_query_row(db, &row, err,
			   "SELECT root_id, queued, lane "
			   "FROM queue WHERE series_id = ?",
			   "i", id);
	if (ret < 0 || !row)
		return ret;
	out->root_id = row_int(row, "root_id");
	out->queued = row_int(row, "queued") != 0;
	out->lane = row_int(row, "lane");
	*found = true;
	json_decref(row);
	return 0;
}

int store_queue_bumped(struct db *db, int64_t **ids, int64_t **roots,
		       size_t *nr, struct strbuf *err)
{
	json_t *rows, *row;
	size_t i;

	rows = db_query(db, err,
			"SELECT q.series_id, q.root_id FROM queue q "
			"JOIN queue_bumps b ON b.root_id = q.root_id "
			"WHERE q.queued ORDER BY q.series_id",
			NULL);
	if (!rows)
		return -EIO;
	*nr = json_array_size(rows);
	*ids = xcalloc(*nr + 1, sizeof(**ids));
	*roots = xcalloc(*nr + 1, sizeof(**roots));
	json_array_foreach(rows, i, row) {
		(*ids)[i] = row_int(row, "series_id");
		(*roots)[i] = row_int(row, "root_id");
	}
	json_decref(rows);
	return 0;
}

int store_queue_bump(struct db *db, int64_t root, int64_t olane, int64_t rank,
		     const char *reason, int64_t position, int64_t at,
		     struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT OR REPLACE INTO queue_bumps "
		       "(root_id, olane, rank, reason, position, at) "
		       "VALUES (?, ?, ?, ?, ?, ?)",
		       "iiitii", root, olane, rank, reason, position, at);
}

int store_queue_bump_move(struct db *db, int64_t root, int64_t olane,
			  int64_t rank, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE queue_bumps SET olane = ?, rank = ? "
		       "WHERE root_id = ?",
		       "iii", olane, rank, root);
}

int store_queue_move(struct db *db, int64_t id, int64_t olane, int64_t rank,
		     struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE queue SET olane = ?, rank = ? WHERE series_id = ?",
		       "iii", olane, rank, id);
}

int store_queue_put(struct db *db, const struct store_queue_scan *q,
		    struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT INTO queue (series_id, root_id, queued, lane, "
		       "sublane, reason, arrival, olane, rank, lint_errors, "
		       "lint_warnings, lint_infos, entered_at, left_at, "
		       "left_state, updated_at, target, target_source, "
		       "target_detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		       "?7, ?8, ?9, ?10, ?11, ?12, ?13, CASE WHEN ?3 THEN NULL "
		       "ELSE ?13 END, CASE WHEN ?3 THEN NULL ELSE ?14 END, ?13, "
		       "?15, ?16, ?17) "
		       "ON CONFLICT (series_id) DO UPDATE SET root_id = ?2, "
		       "queued = ?3, lane = ?4, sublane = ?5, reason = ?6, "
		       "arrival = ?7, olane = ?8, rank = ?9, lint_errors = ?10, "
		       "lint_warnings = ?11, lint_infos = ?12, "
		       "entered_at = CASE WHEN ?3 AND NOT queued THEN ?13 "
		       "ELSE entered_at END, "
		       "left_at = CASE WHEN ?3 THEN NULL WHEN queued THEN ?13 "
		       "ELSE left_at END, "
		       "left_state = CASE WHEN ?3 THEN NULL ELSE ?14 END, "
		       "updated_at = ?13, target = ?15, target_source = ?16, "
		       "target_detail = ?17",
		       "iidddtidiiiiitttt", q->series_id, q->root_id,
		       (int)q->queued, q->lane, q->sublane, q->reason,
		       q->arrival, q->olane, q->rank, q->lint_errors,
		       q->lint_warnings, q->lint_infos, q->at, q->left_state,
		       q->target, q->target_source, q->target_detail);
}

int store_queue_dirty_all(struct db *db, struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT OR IGNORE INTO queue_dirty (series_id) "
		       "SELECT series_id FROM queue WHERE queued",
		       NULL);
}

int store_queue_drop(struct db *db, int64_t id, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE queue SET queued = 0 WHERE series_id = ?", "i",
		       id);
}

int store_queue_bump_key(struct db *db, int64_t root, int64_t *olane,
			 int64_t *rank, bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*found = false;
	ret = db_query_row(db, &row, err,
			   "SELECT olane, rank FROM queue_bumps WHERE root_id = ?",
			   "i", root);
	if (ret < 0 || !row)
		return ret;
	*olane = row_int(row, "olane");
	*rank = row_int(row, "rank");
	*found = true;
	json_decref(row);
	return 0;
}

int store_queue_root_has_mail(struct db *db, int64_t root, const char *msgid,
			      bool *has, struct strbuf *err)
{
	int64_t n = 0;
	int ret;

	ret = db_query_int(db, &n, err,
			   "SELECT count(*) FROM messages m "
			   "JOIN queue q ON q.series_id = m.series_id "
			   "WHERE m.msgid = ? AND q.root_id = ?",
			   "ti", msgid, root);
	*has = !ret && n > 0;
	return ret;
}

int store_lint_clear(struct db *db, int64_t series_id, struct strbuf *err)
{
	return db_exec(db, err, "DELETE FROM lint_findings WHERE series_id = ?",
		       "i", series_id);
}

int store_lint_add(struct db *db, int64_t series_id, int64_t patch_id,
		   const char *rule, const char *severity, const char *message,
		   struct strbuf *err)
{
	if (patch_id)
		return db_exec(db, err,
			       "INSERT INTO lint_findings "
			       "(series_id, patch_id, rule, severity, "
			       "message) VALUES (?, ?, ?, ?, ?)",
			       "iittt", series_id, patch_id, rule, severity,
			       message);
	return db_exec(db, err,
		       "INSERT INTO lint_findings "
		       "(series_id, patch_id, rule, severity, "
		       "message) VALUES (?, NULL, ?, ?, ?)",
		       "ittt", series_id, rule, severity, message);
}

int store_queue_fingerprint(struct db *db, struct strbuf *out,
			    struct strbuf *err)
{
	return db_query_blob(
		db, out, err,
		"SELECT count(*) || ':' || total(series_id) || ':' || "
		"total(updated_at) || ':' || total(olane * 7 + rank) || ':' || "
		"total(length(coalesce(target, ''))) FROM queue WHERE queued",
		NULL);
}
