/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of next's builds (see builds.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/builds.h"
#include "daemon/store/row.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define BUILD_COLUMNS                                                       \
	"id, trigger, full, state, base_rev, base, old_next, result, "      \
	"merges_reused, merges_done, conflicts, fallbacks, pushed, error, " \
	"started_at, finished_at, duration_ms, virtual_merges, "            \
	"virtual_bases_reused, gate"

/* STORE_NONE as SQL, so that NULLIF(?, NONE_SQL) writes it as NULL. */
#define NONE_SQL "-9223372036854775808"

void store_build_release(struct store_build *b)
{
	free(b->trigger);
	free(b->state);
	free(b->base_rev);
	free(b->base);
	free(b->old_next);
	free(b->result);
	free(b->pushed);
	free(b->error);
	free(b->gate);
	memset(b, 0, sizeof(*b));
}

void store_build_list_release(struct store_build_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_build_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

bool store_build_outcome_in_next(const char *outcome)
{
	return outcome &&
	       (!strcmp(outcome, "merged") || !strcmp(outcome, "reused") ||
		!strcmp(outcome, "resolved") || !strcmp(outcome, "nothing"));
}

void store_build_topic_list_release(struct store_build_topic_list *list)
{
	size_t i, j;

	for (i = 0; i < list->nr; i++) {
		struct store_build_topic *t = &list->v[i];

		free(t->topic);
		free(t->branch);
		free(t->tip);
		free(t->outcome);
		free(t->merge_commit);
		for (j = 0; j < t->nr_conflicts; j++)
			free(t->conflicts[j]);
		free(t->conflicts);
		free(t->method);
		free(t->fallback_reason);
		free(t->gate);
		for (j = 0; j < t->nr_merge_fixes; j++)
			free(t->merge_fixes[j]);
		free(t->merge_fixes);
		free(t->merge_fix_failed);
	}
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void build_from_row(json_t *row, void *elem)
{
	struct store_build *b = elem;

	b->id = row_int(row, "id");
	b->trigger = row_strdup(row, "trigger");
	b->full = row_int(row, "full") != 0;
	b->state = row_strdup(row, "state");
	b->base_rev = row_strdup(row, "base_rev");
	b->base = row_strdup(row, "base");
	b->old_next = row_strdup(row, "old_next");
	b->result = row_strdup(row, "result");
	b->merges_reused = row_int(row, "merges_reused");
	b->merges_done = row_int(row, "merges_done");
	b->conflicts = row_int(row, "conflicts");
	b->fallbacks = row_int(row, "fallbacks");
	b->pushed = row_strdup(row, "pushed");
	b->error = row_strdup(row, "error");
	b->started_at = row_int(row, "started_at");
	b->finished_at = row_int_or_none(row, "finished_at");
	b->duration_ms = row_int_or_none(row, "duration_ms");
	b->virtual_merges = row_int(row, "virtual_merges");
	b->virtual_bases_reused = row_int(row, "virtual_bases_reused");
	b->gate = row_strdup(row, "gate");
}

/* The row db_query_row() gave (ret, row) into *out, *found if any. */
static int one_build(int ret, json_t *row, struct store_build *out, bool *found)
{
	*found = false;
	if (ret < 0 || !row)
		return ret;
	build_from_row(row, out);
	*found = true;
	json_decref(row);
	return 0;
}

int store_build_get(struct db *db, int64_t id, struct store_build *out,
		    struct strbuf *err)
{
	json_t *row = NULL;
	bool found;
	int ret;

	ret = db_query_row(db, &row, err,
			   "SELECT " BUILD_COLUMNS " FROM builds WHERE id = ?",
			   "i", id);
	ret = one_build(ret, row, out, &found);
	if (!ret && !found)
		return error_set(err, ERR_NOT_FOUND,
				 "unknown build '%" PRId64 "'", id);
	return ret;
}

int store_builds_latest_id(struct db *db, int64_t *id, struct strbuf *err)
{
	int ret;

	ret = db_query_int(db, id, err,
			   "SELECT max(id) FROM builds WHERE id IS NOT NULL",
			   NULL);
	if (ret == -ENOENT || (!ret && *id <= 0)) {
		*id = 0;
		return 0;
	}
	return ret;
}

int store_builds_list(struct db *db, int64_t limit,
		      struct store_build_list *out, struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err,
			"SELECT " BUILD_COLUMNS
			" FROM builds ORDER BY id DESC LIMIT ?",
			"i", limit);
	out->v = row_list(rows, sizeof(*out->v), build_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_build_latest_settled(struct db *db, struct store_build *out,
			       bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   "SELECT " BUILD_COLUMNS " FROM builds"
			   " WHERE state IN ('done', 'stopped')"
			   " ORDER BY id DESC LIMIT 1",
			   NULL);
	return one_build(ret, row, out, found);
}

int store_build_latest_done_at(struct db *db, const char *result,
			       struct store_build *out, bool *found,
			       struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   "SELECT " BUILD_COLUMNS " FROM builds"
			   " WHERE state = 'done' AND result = ?"
			   " ORDER BY id DESC LIMIT 1",
			   "t", result);
	return one_build(ret, row, out, found);
}

int store_build_latest_failed_since(struct db *db, int64_t since, bool *failed,
				    struct strbuf *err)
{
	int64_t n = 0;
	int ret;

	ret = db_query_int(db, &n, err,
			   "SELECT count(*) FROM builds"
			   " WHERE id = (SELECT max(id) FROM builds)"
			   " AND state = 'failed' AND started_at > ?",
			   "i", since);
	*failed = !ret && n > 0;
	return ret;
}

int store_builds_latest_base(struct db *db, char base[REPO_HEXSZ + 1],
			     struct strbuf *err)
{
	json_t *row = NULL;
	const char *hex;
	int ret;

	*base = '\0';
	ret = db_query_row(db, &row, err,
			   "SELECT base FROM builds WHERE "
			   "base IS NOT NULL ORDER BY id DESC LIMIT 1",
			   NULL);
	if (ret < 0)
		return ret;
	hex = json_string_value(json_object_get(row, "base"));
	if (hex && strlen(hex) == REPO_HEXSZ)
		memcpy(base, hex, REPO_HEXSZ + 1);
	json_decref(row);
	return 0;
}

int store_build_topics(struct db *db, int64_t build,
		       struct store_build_topic_list *out, struct strbuf *err)
{
	json_t *rows, *row;
	size_t i;

	rows = db_query(db, err,
			"SELECT pos, topic, branch, tip, outcome, merge_commit,"
			" conflicts, method, resolution, duration_ms, gate,"
			" merge_fixes, merge_fix_failed, fallback_reason"
			" FROM build_topics WHERE build = ? ORDER BY pos",
			"i", build);
	if (!rows)
		return -EIO;
	out->nr = json_array_size(rows);
	out->v = xcalloc(out->nr ? out->nr : 1, sizeof(*out->v));
	json_array_foreach(rows, i, row) {
		struct store_build_topic *t = &out->v[i];

		t->pos = row_int(row, "pos");
		t->topic = row_strdup(row, "topic");
		t->branch = row_strdup(row, "branch");
		t->tip = row_strdup(row, "tip");
		t->outcome = row_strdup(row, "outcome");
		t->merge_commit = row_strdup(row, "merge_commit");
		row_strv(json_string_value(json_object_get(row, "conflicts")),
			 &t->conflicts, &t->nr_conflicts);
		t->method = row_strdup(row, "method");
		t->resolution = row_int_or_none(row, "resolution");
		t->duration_ms = row_int_or_none(row, "duration_ms");
		t->gate = row_strdup(row, "gate");
		row_strv(json_string_value(json_object_get(row, "merge_fixes")),
			 &t->merge_fixes, &t->nr_merge_fixes);
		t->merge_fix_failed = row_strdup(row, "merge_fix_failed");
		t->fallback_reason = row_strdup(row, "fallback_reason");
	}
	json_decref(rows);
	return 0;
}

void store_conflict_release(struct store_conflict *c)
{
	free(c->ours);
	free(c->theirs);
	memset(c, 0, sizeof(*c));
}

int store_build_last_conflict(struct db *db, const char *topic,
			      struct store_conflict *out, bool *found,
			      struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*found = false;
	ret = db_query_row(db, &row, err,
			   "SELECT build, merge_commit AS ours, tip AS theirs "
			   "FROM build_topics WHERE topic = ? AND outcome = 'conflict' "
			   "ORDER BY build DESC LIMIT 1",
			   "t", topic);
	if (ret < 0 || !row)
		return ret;
	out->build = row_int(row, "build");
	out->ours = row_strdup(row, "ours");
	out->theirs = row_strdup(row, "theirs");
	*found = true;
	json_decref(row);
	return 0;
}

int store_topic_in_builds(struct db *db, const char *topic, int64_t limit,
			  struct store_build_topic_list *out, int64_t **builds,
			  int64_t **started, struct strbuf *err)
{
	json_t *rows, *row;
	size_t i;

	rows = db_query(db, err,
			"SELECT b.id AS build, b.started_at AS at, t.pos, "
			"t.tip, t.outcome, t.conflicts FROM build_topics t "
			"JOIN builds b ON b.id = t.build "
			"WHERE t.topic = ? AND b.state <> 'running' "
			"ORDER BY b.id DESC LIMIT ?",
			"ti", topic, limit);
	if (!rows)
		return -EIO;
	out->nr = json_array_size(rows);
	out->v = xcalloc(out->nr ? out->nr : 1, sizeof(*out->v));
	*builds = xcalloc(out->nr ? out->nr : 1, sizeof(**builds));
	*started = xcalloc(out->nr ? out->nr : 1, sizeof(**started));
	json_array_foreach(rows, i, row) {
		struct store_build_topic *t = &out->v[i];

		(*builds)[i] = row_int(row, "build");
		(*started)[i] = row_int(row, "at");
		t->pos = row_int(row, "pos");
		t->tip = row_strdup(row, "tip");
		t->outcome = row_strdup(row, "outcome");
		row_strv(json_string_value(json_object_get(row, "conflicts")),
			 &t->conflicts, &t->nr_conflicts);
		t->resolution = STORE_NONE;
		t->duration_ms = STORE_NONE;
	}
	json_decref(rows);
	return 0;
}

int store_build_merged_before(struct db *db, int64_t build, int64_t pos,
			      char ***names, size_t *nr, struct strbuf *err)
{
	json_t *rows, *row;
	size_t i;

	*names = NULL;
	*nr = 0;
	rows = db_query(db, err,
			"SELECT topic FROM build_topics "
			"WHERE build = ? AND pos < ? "
			"AND outcome IN ('merged', 'reused', 'resolved') "
			"ORDER BY pos",
			"ii", build, pos);
	if (!rows)
		return -EIO;
	*names = xcalloc(json_array_size(rows) + 1, sizeof(**names));
	json_array_foreach(rows, i, row) {
		char *name = row_strdup(row, "topic");

		if (name)
			(*names)[(*nr)++] = name;
	}
	json_decref(rows);
	return 0;
}

int store_build_begin(struct db *db, const char *trigger, bool full,
		      const char *base_rev, const char *old_next,
		      int64_t started_at, int64_t *id, struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO builds (trigger, full, state, base_rev,"
		      " old_next, started_at)"
		      " VALUES (?, ?, 'running', ?, ?, ?)",
		      "tdtti", trigger, (int)full, base_rev, old_next,
		      started_at);
	if (!ret)
		*id = db_last_insert_id(db);
	return ret;
}

int store_builds_settle(struct db *db, const char *next_now, struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "UPDATE builds SET state = 'done'"
		      " WHERE state = 'updating' AND result = ?",
		      "t", next_now);
	if (!ret)
		ret = db_exec(db, err,
			      "UPDATE builds SET state = 'interrupted', "
			      "error = 'cut short before next moved' "
			      "WHERE state IN ('running', 'updating')",
			      NULL);
	return ret;
}

/* n strings as a JSON array, for a column; NULL when v is NULL. */
static char *strv_json(char *const *v, size_t n)
{
	json_t *arr;
	char *text;
	size_t i;

	if (!v)
		return NULL;
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return text;
}

int store_build_add_topic(struct db *db, int64_t build,
			  const struct store_build_topic *t, struct strbuf *err)
{
	char *conflicts = strv_json(t->conflicts, t->nr_conflicts);
	char *fixes = strv_json(t->merge_fixes, t->nr_merge_fixes);
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO build_topics (build, pos, topic, branch, tip,"
		      " outcome, merge_commit, conflicts, method, resolution,"
		      " duration_ms, gate, merge_fixes, merge_fix_failed,"
		      " fallback_reason)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
		      " NULLIF(?, " NONE_SQL "), NULLIF(?, " NONE_SQL "), ?,"
		      " ?, ?, ?)",
		      "iitttttttiitttt", build, t->pos, t->topic, t->branch,
		      t->tip, t->outcome, t->merge_commit, conflicts, t->method,
		      t->resolution, t->duration_ms, t->gate, fixes,
		      t->merge_fix_failed, t->fallback_reason);
	free(conflicts);
	free(fixes);
	return ret;
}

int store_build_set_merged(struct db *db, const struct store_build *b,
			   struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE builds SET state = ?, base = ?, result = ?, "
		       "merges_reused = ?, merges_done = ?, conflicts = ?, "
		       "fallbacks = ?, virtual_merges = ?, "
		       "virtual_bases_reused = ? WHERE id = ?",
		       "tttiiiiiii", b->state, b->base, b->result,
		       b->merges_reused, b->merges_done, b->conflicts,
		       b->fallbacks, b->virtual_merges, b->virtual_bases_reused,
		       b->id);
}

int store_build_finish(struct db *db, int64_t id, const char *state,
		       const char *pushed, int64_t finished_at,
		       int64_t duration_ms, struct strbuf *err)
{
	if (!state)
		return db_exec(db, err,
			       "UPDATE builds SET finished_at = ?,"
			       " duration_ms = ? WHERE id = ?",
			       "iii", finished_at, duration_ms, id);
	return db_exec(db, err,
		       "UPDATE builds SET state = ?, pushed = ?,"
		       " finished_at = ?, duration_ms = ? WHERE id = ?",
		       "ttiii", state, pushed, finished_at, duration_ms, id);
}

int store_build_fail(struct db *db, int64_t id, const char *error,
		     int64_t finished_at, int64_t duration_ms,
		     struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE builds SET state = 'failed', error = ?,"
		       " finished_at = ?, duration_ms = ? WHERE id = ?",
		       "tiii", error, finished_at, duration_ms, id);
}

int store_build_set_pushed(struct db *db, int64_t id, const char *pushed,
			   struct strbuf *err)
{
	return db_exec(db, err, "UPDATE builds SET pushed = ? WHERE id = ?",
		       "ti", pushed, id);
}

void store_vbase_list_release(struct store_vbase_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		free(list->v[i].key);
		free(list->v[i].tree);
	}
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

int store_vbases_newest(struct db *db, int64_t limit,
			struct store_vbase_list *out, struct strbuf *err)
{
	json_t *rows, *row;
	size_t i;

	rows = db_query(db, err,
			"SELECT key, tree FROM virtual_bases "
			"ORDER BY made_at DESC LIMIT ?",
			"i", limit);
	if (!rows)
		return -EIO;
	out->nr = json_array_size(rows);
	out->v = xcalloc(out->nr ? out->nr : 1, sizeof(*out->v));
	json_array_foreach(rows, i, row) {
		out->v[i].key = row_strdup(row, "key");
		out->v[i].tree = row_strdup(row, "tree");
	}
	json_decref(rows);
	return 0;
}

int store_vbase_put(struct db *db, const char *key, const char *tree,
		    int64_t made_at, struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT OR REPLACE INTO virtual_bases (key, tree, made_at) "
		       "VALUES (?, ?, ?)",
		       "tti", key, tree, made_at);
}

int store_vbases_trim(struct db *db, int64_t keep, struct strbuf *err)
{
	return db_exec(db, err,
		       "DELETE FROM virtual_bases WHERE key NOT IN "
		       "(SELECT key FROM virtual_bases ORDER BY made_at DESC "
		       "LIMIT ?)",
		       "i", keep);
}
