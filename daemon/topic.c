/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topic tracking.  The topics table holds every topic with the tip last
 * seen; a scan compares each topic's branch with that tip and records a
 * move as an events row, whoever asked for the scan (the watcher's inotify
 * or poll, a poke, start-up).  Only the engine thread writes; the API and
 * the watcher's poll only read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/bus.h"
#include "daemon/config.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "daemon/topic.h"
#include "lib/xalloc.h"

#define TOPIC_NAME_MAX 200

static const char *const event_sources[] = {
	"inotify", "poll", "poke", "startup", "reload", "job",
};

/* Whether this process has synced the topics yet (start-up's sync). */
static bool synced_once;

static bool valid_source(const char *source)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(event_sources); i++)
		if (!strcmp(source, event_sources[i]))
			return true;
	return false;
}

#define TOPIC_COLUMNS "name, branch, ord, into_next, source, tip, moved_at"

/* The API's shape of a topics row (see topic.h); a new object. */
static json_t *topic_from_row(json_t *row)
{
	json_t *into_next = json_object_get(row, "into_next");

	return json_pack("{s:O, s:O, s:O, s:b, s:O, s:O, s:O}", "name",
			 json_object_get(row, "name"), "branch",
			 json_object_get(row, "branch"), "order",
			 json_object_get(row, "ord"), "into_next",
			 json_integer_value(into_next) != 0, "source",
			 json_object_get(row, "source"), "tip",
			 json_object_get(row, "tip"), "moved_at",
			 json_object_get(row, "moved_at"));
}

json_t *topic_list(struct db *db, struct strbuf *err)
{
	json_t *rows, *row, *out;
	size_t i;

	rows = db_query(db, err,
			"SELECT " TOPIC_COLUMNS
			" FROM topics ORDER BY ord, name",
			"");
	if (!rows)
		return NULL;
	out = json_array();
	json_array_foreach(rows, i, row)
		json_array_append_new(out, topic_from_row(row));
	json_decref(rows);
	return out;
}

int topic_get(struct db *db, const char *name, json_t **out, struct strbuf *err)
{
	json_t *row;
	int ret;

	ret = db_query_row(db, &row, err,
			   "SELECT " TOPIC_COLUMNS
			   " FROM topics WHERE name = ?",
			   "t", name);
	if (ret < 0)
		return ret;
	if (!row)
		return error_set(err, ERR_NOT_FOUND, "unknown topic '%s'",
				 name);
	*out = topic_from_row(row);
	json_decref(row);
	return 0;
}

json_t *topic_events(struct db *db, const char *topic, int64_t since,
		     int64_t limit, bool newest, struct strbuf *err)
{
#define EVENT_SELECT "SELECT id, topic, old, new, kind, source, at FROM events"
	if (newest && topic)
		return db_query(db, err,
				EVENT_SELECT " WHERE topic = ?"
					     " ORDER BY id DESC LIMIT ?",
				"ti", topic, limit);
	if (newest)
		return db_query(db, err,
				EVENT_SELECT " ORDER BY id DESC LIMIT ?", "i",
				limit);
	if (topic)
		return db_query(db, err,
				EVENT_SELECT " WHERE topic = ? AND id > ?"
					     " ORDER BY id LIMIT ?",
				"tii", topic, since, limit);
	return db_query(db, err,
			EVENT_SELECT " WHERE id > ? ORDER BY id LIMIT ?", "ii",
			since, limit);
#undef EVENT_SELECT
}

/*
 * The branch's tip into hex, or an empty string when the branch does not
 * exist.  Other failures (a broken ref) are errors.
 */
static int read_tip(struct repo *repo, const char *branch, char *hex,
		    struct strbuf *err)
{
	int ret;

	ret = repo_ref_oid(repo, branch, hex, err);
	if (ret == ERR_NOT_FOUND) {
		hex[0] = '\0';
		if (err)
			strbuf_reset(err);
		return 0;
	}
	return ret;
}

static const char *move_kind(struct repo *repo, const char *old,
			     const char *new)
{
	if (!old)
		return "created";
	if (!new)
		return "deleted";
	if (repo_is_ancestor(repo, old, new))
		return "fast-forward";
	return "forced";
}

static const char *str_or_null(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * The moves of the topics in rows: a new array of events without ids yet,
 * topics whose branch cannot be read left out (logged).
 */
static json_t *find_moves(struct repo *repo, json_t *rows, const char *source)
{
	char hex[REPO_HEXSZ + 1];
	json_t *moves, *row;
	time_t now = time(NULL);
	size_t i;

	moves = json_array();
	json_array_foreach(rows, i, row) {
		const char *name = str_or_null(json_object_get(row, "name"));
		const char *branch =
			str_or_null(json_object_get(row, "branch"));
		const char *tip = str_or_null(json_object_get(row, "tip"));
		struct strbuf err = STRBUF_INIT;
		const char *new;
		json_t *move;

		if (!name || !branch)
			continue;
		if (read_tip(repo, branch, hex, &err) < 0) {
			log_warn("topic '%s': %s", name, err.buf);
			strbuf_release(&err);
			continue;
		}
		strbuf_release(&err);
		new = hex[0] ? hex : NULL;
		if ((!tip && !new) || (tip && new && !strcmp(tip, new)))
			continue;
		move = json_pack("{s:s, s:s?, s:s?, s:s, s:s, s:I}", "topic",
				 name, "old", tip, "new", new, "kind",
				 move_kind(repo, tip, new), "source", source,
				 "at", (json_int_t)now);
		json_array_append_new(moves, move);
	}
	return moves;
}

/* Record moves (from find_moves()) in one transaction; set their ids. */
static int record_moves(struct db *db, json_t *moves, struct strbuf *err)
{
	json_t *move;
	size_t i;
	int ret;

	ret = db_begin(db, err);
	if (ret < 0)
		return ret;
	json_array_foreach(moves, i, move) {
		const char *topic = str_or_null(json_object_get(move, "topic"));
		const char *old = str_or_null(json_object_get(move, "old"));
		const char *new = str_or_null(json_object_get(move, "new"));
		const char *kind = str_or_null(json_object_get(move, "kind"));
		const char *source =
			str_or_null(json_object_get(move, "source"));
		int64_t at = json_integer_value(json_object_get(move, "at"));

		ret = db_exec(db, err,
			      "INSERT INTO events (topic, old, new,"
			      " kind, source, at) VALUES (?, ?, ?, ?, ?, ?)",
			      "ttttti", topic, old, new, kind, source, at);
		if (ret < 0)
			goto out_rollback;
		json_object_set_new(move, "id",
				    json_integer(db_last_insert_id(db)));
		ret = db_exec(db, err,
			      "UPDATE topics SET tip = ?, moved_at = ?"
			      " WHERE name = ?",
			      "tit", new, at, topic);
		if (ret < 0)
			goto out_rollback;
	}
	return db_commit(db, err);

out_rollback:
	db_rollback(db);
	return ret;
}

static void log_moves(json_t *moves)
{
	json_t *move;
	size_t i;

	json_array_foreach(moves, i, move) {
		const char *old = str_or_null(json_object_get(move, "old"));
		const char *new = str_or_null(json_object_get(move, "new"));

		log_info("topic '%s' %s %.12s..%.12s (%s)",
			 json_string_value(json_object_get(move, "topic")),
			 json_string_value(json_object_get(move, "kind")),
			 old ? old : "(none)", new ? new : "(none)",
			 json_string_value(json_object_get(move, "source")));
	}
}

int topic_scan(struct job_ctx *ctx, const char *source, json_t **moves_out,
	       struct strbuf *err)
{
	json_t *rows, *moves;
	struct repo *repo;
	int ret;

	if (!valid_source(source))
		return error_set(err, ERR_INVALID, "unknown event source '%s'",
				 source);
	repo = repo_thread(err);
	if (!repo)
		return -EIO;
	rows = db_query(ctx->db, err,
			"SELECT name, branch, tip FROM topics"
			" ORDER BY ord, name",
			"");
	if (!rows)
		return -EIO;
	moves = find_moves(repo, rows, source);
	json_decref(rows);

	if (json_array_size(moves)) {
		ret = record_moves(ctx->db, moves, err);
		if (ret < 0) {
			json_decref(moves);
			return ret;
		}
		log_moves(moves);
		bus_tell(BUS_MOVES, json_pack("{s:O}", "moves", moves));
	}
	if (moves_out)
		*moves_out = moves;
	else
		json_decref(moves);
	return 0;
}

int topic_check(bool *moved, struct strbuf *err)
{
	char hex[REPO_HEXSZ + 1];
	json_t *rows, *row;
	struct repo *repo;
	size_t i;

	*moved = false;
	repo = repo_thread(err);
	if (!repo)
		return -EIO;
	rows = db_query(db_thread(), err,
			"SELECT name, branch, tip FROM topics", "");
	if (!rows)
		return -EIO;
	json_array_foreach(rows, i, row) {
		const char *branch =
			str_or_null(json_object_get(row, "branch"));
		const char *tip = str_or_null(json_object_get(row, "tip"));

		if (!branch)
			continue;
		/* A branch that cannot be read is the scan's to report. */
		if (read_tip(repo, branch, hex, NULL) < 0)
			continue;
		if (tip ? strcmp(tip, hex) : !!hex[0]) {
			*moved = true;
			break;
		}
	}
	json_decref(rows);
	return 0;
}

/*
 * Add or update the rows of the config's topics, remove those of topics
 * no longer in it; a new topic starts at its branch's tip without an
 * event, since tracking it is not a move.
 */
static int sync_config_topics(struct job_ctx *ctx, struct repo *repo,
			      struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	char hex[REPO_HEXSZ + 1];
	json_t *rows, *row;
	time_t now = time(NULL);
	size_t i;
	int ret;

	rows = db_query(ctx->db, err,
			"SELECT name FROM topics WHERE source = 'config'", "");
	if (!rows)
		return -EIO;
	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out_rows;
	for (i = 0; i < cfg->nr_topics; i++) {
		const struct topic_conf *t = &cfg->topics[i];

		ret = read_tip(repo, t->branch, hex, err);
		if (ret < 0)
			goto out_rollback;
		ret = db_exec(ctx->db, err,
			      "INSERT INTO topics (name, branch, ord, into_next,"
			      " source, tip, created_at)"
			      " VALUES (?, ?, ?, ?, 'config', ?, ?)"
			      " ON CONFLICT (name) DO UPDATE SET"
			      " branch = excluded.branch, ord = excluded.ord,"
			      " into_next = excluded.into_next,"
			      " source = 'config'",
			      "ttddti", t->name, t->branch, t->order,
			      (int)t->into_next, hex[0] ? hex : NULL,
			      (int64_t)now);
		if (ret < 0)
			goto out_rollback;
	}
	json_array_foreach(rows, i, row) {
		const char *name = str_or_null(json_object_get(row, "name"));

		if (!name || config_topic(cfg, name))
			continue;
		ret = db_exec(ctx->db, err, "DELETE FROM topics WHERE name = ?",
			      "t", name);
		if (ret < 0)
			goto out_rollback;
		log_info("topic '%s' is no longer in the config", name);
	}
	ret = db_commit(ctx->db, err);
	goto out_rows;

out_rollback:
	db_rollback(ctx->db);
out_rows:
	json_decref(rows);
	return ret;
}

static int sync_and_scan(struct job_ctx *ctx, const char *source,
			 json_t **moves, struct strbuf *err)
{
	struct repo *repo;
	int ret;

	repo = repo_thread(err);
	if (!repo)
		return -EIO;
	ret = sync_config_topics(ctx, repo, err);
	if (ret < 0)
		return ret;
	return topic_scan(ctx, source, moves, err);
}

int topic_sync(struct job_ctx *ctx, const char *source, struct strbuf *err)
{
	return sync_and_scan(ctx, source, NULL, err);
}

/* --- jobs ---------------------------------------------------------------- */

static const char *job_source(json_t *args, const char *def, struct strbuf *err)
{
	json_t *v = args ? json_object_get(args, "source") : NULL;

	if (!v)
		return def;
	if (!json_is_string(v) || !valid_source(json_string_value(v))) {
		error_set(err, ERR_INVALID,
			  "'source' must be one of inotify, poll, poke, startup, reload, job");
		return NULL;
	}
	return json_string_value(v);
}

int topic_job_scan(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	const char *source = job_source(args, "job", err);
	json_t *moves;
	int ret;

	if (!source)
		return ERR_INVALID;
	ret = topic_scan(ctx, source, &moves, err);
	if (ret < 0)
		return ret;
	*result = json_pack("{s:o}", "moves", moves);
	return 0;
}

int topic_job_sync(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	const char *source;
	json_t *moves;
	int ret;

	source = job_source(args, synced_once ? "job" : "startup", err);
	if (!source)
		return ERR_INVALID;
	ret = sync_and_scan(ctx, source, &moves, err);
	if (ret < 0)
		return ret;
	synced_once = true;
	*result = json_pack("{s:o}", "moves", moves);
	return 0;
}

static bool valid_topic_name(const char *name)
{
	const unsigned char *p;

	if (!*name || strlen(name) > TOPIC_NAME_MAX)
		return false;
	if (name[0] == '/' || ends_with(name, "/"))
		return false;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/* args of "topic-add": check them and fill in the defaults. */
static int parse_add_args(json_t *args, const char **name,
			  struct strbuf *branch, json_int_t *order,
			  int *order_given, bool *into_next, struct strbuf *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(args))
		return error_set(err, ERR_INVALID, "expected a JSON object");
	json_object_foreach(args, key, v) {
		if (strcmp(key, "name") && strcmp(key, "branch") &&
		    strcmp(key, "order") && strcmp(key, "into_next"))
			return error_set(err, ERR_INVALID, "unknown field '%s'",
					 key);
	}

	v = json_object_get(args, "name");
	if (!v)
		return error_set(err, ERR_INVALID, "missing 'name'");
	if (!json_is_string(v) || !valid_topic_name(json_string_value(v)))
		return error_set(
			err, ERR_INVALID,
			"'name' must be a non-empty string without spaces or control characters");
	*name = json_string_value(v);

	v = json_object_get(args, "branch");
	if (!v)
		return error_set(err, ERR_INVALID, "missing 'branch'");
	if (!json_is_string(v) || !*json_string_value(v))
		return error_set(err, ERR_INVALID,
				 "'branch' must be a non-empty string");
	if (!starts_with(json_string_value(v), "refs/"))
		strbuf_addstr(branch, "refs/heads/");
	strbuf_addstr(branch, json_string_value(v));
	if (!repo_refname_valid(branch->buf))
		return error_set(err, ERR_INVALID,
				 "'%s' is not a valid branch name",
				 json_string_value(v));

	v = json_object_get(args, "order");
	*order_given = v != NULL;
	if (v && (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
		  json_integer_value(v) > INT32_MAX))
		return error_set(err, ERR_INVALID,
				 "'order' must be an integer");
	*order = v ? json_integer_value(v) : 0;

	v = json_object_get(args, "into_next");
	if (v && !json_is_boolean(v))
		return error_set(err, ERR_INVALID,
				 "'into_next' must be true or false");
	*into_next = v ? json_is_true(v) : true;
	return 0;
}

int topic_job_add(struct job_ctx *ctx, json_t *args, json_t **result,
		  struct strbuf *err)
{
	struct strbuf branch = STRBUF_INIT;
	char hex[REPO_HEXSZ + 1];
	const char *name = NULL;
	bool into_next = true;
	json_int_t order = 0;
	int order_given = 0;
	struct repo *repo;
	json_t *row = NULL;
	int64_t max_ord;
	int ret;

	ret = parse_add_args(args, &name, &branch, &order, &order_given,
			     &into_next, err);
	if (ret < 0)
		goto out;
	if (ctx->config->next && !strcmp(branch.buf, ctx->config->next)) {
		ret = error_set(
			err, ERR_INVALID,
			"'%s' is the next branch, which cthulhu rebuilds; it cannot be a topic",
			branch.buf);
		goto out;
	}

	ret = db_query_row(ctx->db, &row, err,
			   "SELECT name FROM topics WHERE name = ?", "t", name);
	if (ret < 0)
		goto out;
	if (row) {
		ret = error_set(err, ERR_EXISTS, "topic '%s' exists", name);
		goto out;
	}
	ret = db_query_row(ctx->db, &row, err,
			   "SELECT name FROM topics WHERE branch = ?", "t",
			   branch.buf);
	if (ret < 0)
		goto out;
	if (row) {
		ret = error_set(err, ERR_EXISTS,
				"branch '%s' is already topic '%s'", branch.buf,
				str_or_null(json_object_get(row, "name")));
		goto out;
	}
	if (!order_given) {
		ret = db_query_int(ctx->db, &max_ord, err,
				   "SELECT coalesce(max(ord), 0) FROM topics",
				   "");
		if (ret < 0)
			goto out;
		order = max_ord + 1;
	}

	repo = repo_thread(err);
	if (!repo) {
		ret = -EIO;
		goto out;
	}
	ret = read_tip(repo, branch.buf, hex, err);
	if (ret < 0)
		goto out;
	ret = db_exec(ctx->db, err,
		      "INSERT INTO topics (name, branch, ord,"
		      " into_next, source, tip, created_at)"
		      " VALUES (?, ?, ?, ?, 'api', ?, ?)",
		      "ttidti", name, branch.buf, (int64_t)order,
		      (int)into_next, hex[0] ? hex : NULL, (int64_t)time(NULL));
	if (ret < 0)
		goto out;
	log_info("topic '%s' added on '%s'", name, branch.buf);
	bus_tell(BUS_TOPICS, json_pack("{s:s}", "trigger", "topics"));
	ret = topic_get(ctx->db, name, result, err);
out:
	json_decref(row);
	strbuf_release(&branch);
	return ret;
}

int topic_job_remove(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err)
{
	json_t *v = json_object_get(args, "name");
	const char *name;
	json_t *topic;
	int ret;

	if (!json_is_string(v))
		return error_set(err, ERR_INVALID, "missing 'name'");
	name = json_string_value(v);
	ret = topic_get(ctx->db, name, &topic, err);
	if (ret < 0)
		return ret;
	if (!strcmp(json_string_value(json_object_get(topic, "source")),
		    "config")) {
		json_decref(topic);
		return error_set(
			err, ERR_INVALID,
			"topic '%s' is set in %s; remove its [topic] section there and reload",
			name,
			ctx->config->path ? ctx->config->path : "cthulhu.conf");
	}
	ret = db_exec(ctx->db, err, "DELETE FROM topics WHERE name = ?", "t",
		      name);
	if (ret < 0) {
		json_decref(topic);
		return ret;
	}
	log_info("topic '%s' removed", name);
	bus_tell(BUS_TOPICS, json_pack("{s:s}", "trigger", "topics"));
	*result = topic;
	return 0;
}

void topic_scan_merge_args(json_t *queued, json_t *kicked)
{
	json_t *source = json_object_get(kicked, "source");

	/* a copy: kicked is the kicker's, on another thread */
	if (json_is_string(source))
		json_object_set_new(queued, "source",
				    json_string(json_string_value(source)));
}
