/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Cthulhu merge: rebuild next from the base and every topic, as a
 * job on the engine thread.
 *
 * Order of writes, for crash safety: git objects first (harmless when
 * orphaned), then the build's row moves to 'updating' with the result it
 * is about to publish, then next moves (compare-and-swap against the
 * value the build began from), then the row becomes 'done'.  A build
 * found 'running' at the next build was cut short before next moved
 * ('interrupted'); one found 'updating' is 'done' when next is its
 * result, 'interrupted' otherwise.  The job type reruns after a crash.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "daemon/gate.h"
#include "daemon/jobs.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/next.h"
#include "daemon/resolve.h"
#include "lib/strbuf.h"
#include "daemon/testhook.h"
#include "daemon/topic.h"
#include "lib/xalloc.h"

#define DEFAULT_DEBOUNCE_MS 2000
#define CHECK_INTERVAL_MS (5 * 60 * 1000)

/* The engine thread's merge handle, kept between builds for its caches. */
static struct merge *the_merge;
static char *the_merge_repo;
/* Whether the virtual merge bases kept in the database were given to it. */
static bool the_merge_has_vbases;

/* Virtual merge bases kept in the database: the newest this many. */
#define VBASES_KEPT 30000

struct build_topic {
	const char *name; /* borrowed from the topics query */
	const char *branch;
	char tip[MERGE_HEXSZ + 1]; /* "" when the branch is missing */
	const char *outcome;
	char commit[MERGE_HEXSZ + 1]; /* next after this topic, or "" */
	json_t *conflicts;	      /* array of paths, or NULL */
	const char *method;
	int64_t resolution; /* resolutions.id when resolved */
	int64_t ms;
	const char *gate; /* NULL, "ejected" or "fallback" */
};

/*
 * Test points (testhook.h): a crash at "merged" (merge commits written,
 * nothing recorded), "updating" (the row says what next will be, next not
 * moved) or "moved" (next moved, the row not done); the "next" hook runs
 * at each point.
 */
static void crash_point(const char *point)
{
	testhook_crash(point);
	testhook_run("next", point);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static const char *jstr_or_null(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int open_merge(const struct config *cfg, struct strbuf *err)
{
	int ret;

	if (the_merge && the_merge_repo && !strcmp(the_merge_repo, cfg->repo))
		return 0;
	merge_free(the_merge);
	the_merge = NULL;
	free(the_merge_repo);
	the_merge_repo = NULL;
	ret = merge_open(cfg->repo, &the_merge, err);
	if (ret < 0)
		return ret;
	the_merge_repo = xstrdup(cfg->repo);
	the_merge_has_vbases = false;
	return 0;
}

/*
 * Give a new merge handle the virtual merge bases earlier processes
 * made, so that the first build after a start need not make them again.
 */
static void load_vbases(struct db *db)
{
	struct strbuf err = STRBUF_INIT;
	json_t *rows, *row;
	size_t i;

	if (the_merge_has_vbases)
		return;
	the_merge_has_vbases = true;
	rows = db_query(db, &err,
			"SELECT key, tree FROM virtual_bases "
			"ORDER BY made_at DESC LIMIT ?",
			"i", (int64_t)VBASES_KEPT);
	if (!rows) {
		log_warn("next: cannot read the virtual merge bases: %s",
			 err.buf);
		strbuf_release(&err);
		return;
	}
	/* oldest first: the newest win when the memo has no room */
	for (i = json_array_size(rows); i-- > 0;) {
		row = json_array_get(rows, i);
		merge_vbase_add(the_merge, jstr_or_null(row, "key"),
				jstr_or_null(row, "tree"));
	}
	log_debug("next: %zu virtual merge bases from the database",
		  json_array_size(rows));
	json_decref(rows);
	strbuf_release(&err);
}

struct vbase_save {
	struct db *db;
	struct strbuf *err;
	int64_t when;
	unsigned int n;
};

static int save_vbase(const char *key, const char *tree, void *data)
{
	struct vbase_save *vs = data;

	vs->n++;
	return db_exec(vs->db, vs->err,
		       "INSERT OR REPLACE INTO virtual_bases (key, tree, made_at) "
		       "VALUES (?, ?, ?)",
		       "tti", key, tree, vs->when);
}

/* Keep the virtual merge bases the build made, in its transaction. */
static int save_vbases(struct db *db, int64_t when, struct strbuf *err)
{
	struct vbase_save vs = { db, err, when, 0 };
	int ret;

	ret = merge_vbases_take(the_merge, save_vbase, &vs);
	if (!ret && vs.n)
		ret = db_exec(db, err,
			      "DELETE FROM virtual_bases WHERE key NOT IN "
			      "(SELECT key FROM virtual_bases ORDER BY made_at DESC "
			      "LIMIT ?)",
			      "i", (int64_t)VBASES_KEPT);
	return ret;
}

struct merge *next_merge_handle(const struct config *cfg, struct strbuf *err)
{
	struct strbuf e = STRBUF_INIT;

	if (open_merge(cfg, err ? err : &e) < 0) {
		strbuf_release(&e);
		return NULL;
	}
	return the_merge;
}

/* [tree] base as a commit: a commit-ish, or "auto", the newest v* tag. */
static int resolve_base(const struct config *cfg, char *hex, struct strbuf *err)
{
	char *name = NULL;
	int ret;

	if (!cfg->base || !*cfg->base)
		return error_set(err, ERR_INVALID, "no [tree] base configured");
	if (strcmp(cfg->base, "auto"))
		return merge_resolve_commit(the_merge, cfg->base, hex, err);
	ret = merge_newest_tag(the_merge, "v*", cfg->mainline, hex, &name, err);
	if (!ret)
		log_debug("next: base auto is '%s'", name);
	free(name);
	return ret;
}

/*
 * Settle the builds a crash cut short: the engine is serial, so any
 * build still 'running' or 'updating' when a build starts is one.
 */
static int reconcile(struct db *db, const char *next_now, struct strbuf *err)
{
	int ret;

	ret = db_exec(
		db, err,
		"UPDATE builds SET state = 'done' WHERE state = 'updating' AND result = ?",
		"t", next_now);
	if (!ret)
		ret = db_exec(db, err,
			      "UPDATE builds SET state = 'interrupted', "
			      "error = 'cut short before next moved' "
			      "WHERE state IN ('running', 'updating')",
			      NULL);
	return ret;
}

/*
 * The previous build whose result next still is: its topics (new
 * reference) in *prev, and its base in prev_base.  *prev stays NULL when
 * there is none.
 */
static int previous_build(struct db *db, const char *next_now, json_t **prev,
			  char *prev_base, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*prev = NULL;
	if (!*next_now)
		return 0;
	ret = db_query_row(db, &row, err,
			   "SELECT id, base FROM builds WHERE state = 'done' "
			   "AND result = ? ORDER BY id DESC LIMIT 1",
			   "t", next_now);
	if (ret < 0 || !row)
		return ret;
	snprintf(prev_base, MERGE_HEXSZ + 1, "%s",
		 json_string_value(json_object_get(row, "base")) ?: "");
	*prev = db_query(db, err,
			 "SELECT pos, topic, tip, outcome, merge_commit, conflicts FROM build_topics "
			 "WHERE build = ? ORDER BY pos",
			 "i",
			 (int64_t)json_integer_value(
				 json_object_get(row, "id")));
	json_decref(row);
	return *prev ? 0 : -EIO;
}

/*
 * Whether a resolution is recorded for topic: a conflict of the previous
 * build is then merged again rather than kept, so the resolution can
 * apply.
 */
static bool has_resolutions(struct db *db, const char *topic)
{
	int64_t n = 1;

	db_query_int(db, &n, NULL,
		     "SELECT count(*) FROM resolutions WHERE topic = ?", "t",
		     topic);
	return n > 0;
}

/* Merge one topic into head; head moves when the topic merges. */
static int merge_topic(struct db *db, const struct config *cfg,
		       struct build_topic *bt, char *head, int64_t when,
		       unsigned int *fallbacks, struct strbuf *err)
{
	struct merge_result res;
	struct strbuf msg = STRBUF_INIT;
	const char *parents[2];
	bool in;
	size_t i;
	int ret;

	ret = merge_is_ancestor(the_merge, bt->tip, head, &in, err);
	if (ret < 0)
		return ret;
	if (in) {
		bt->outcome = "nothing";
		memcpy(bt->commit, head, MERGE_HEXSZ + 1);
		return 0;
	}
	/* a recorded resolution works from git's conflicted tree */
	merge_set_conflict_tree(the_merge, has_resolutions(db, bt->name));
	ret = merge_commits(the_merge, head, bt->tip, &res, err);
	merge_set_conflict_tree(the_merge, false);
	if (ret < 0)
		return ret;
	bt->method = merge_method_name(res.method);
	if (res.method == MERGE_METHOD_GIT ||
	    res.method == MERGE_METHOD_LIBGIT2)
		(*fallbacks)++;
	if (!res.clean) {
		char tree[MERGE_HEXSZ + 1];

		ret = resolve_try(db, the_merge, res.tree, res.conflicts,
				  res.nr_conflicts, tree, &bt->resolution, err);
		if (ret < 0) {
			merge_result_release(&res);
			return ret;
		}
		if (ret > 0) {
			memcpy(res.tree, tree, sizeof(tree));
			res.clean = true;
		}
	}
	if (!res.clean) {
		bt->outcome = "conflict";
		bt->conflicts = json_array();
		for (i = 0; i < res.nr_conflicts; i++)
			json_array_append_new(bt->conflicts,
					      json_string(res.conflicts[i]));
		memcpy(bt->commit, head, MERGE_HEXSZ + 1);
		merge_result_release(&res);
		return 0;
	}
	strbuf_addf(&msg, "Merge branch '%s' into next\n", bt->name);
	parents[0] = head;
	parents[1] = bt->tip;
	ret = merge_write_commit(the_merge, res.tree, parents, 2, msg.buf,
				 cfg->committer_name ? cfg->committer_name :
						       "Cthulhu",
				 cfg->committer_email ? cfg->committer_email :
							"cthulhu@localhost",
				 when, bt->commit, err);
	merge_result_release(&res);
	strbuf_release(&msg);
	if (ret < 0)
		return ret;
	bt->outcome = bt->resolution ? "resolved" : "merged";
	memcpy(head, bt->commit, MERGE_HEXSZ + 1);
	return 0;
}

static int record_topics(struct db *db, int64_t id, struct build_topic *bt,
			 size_t nr, struct strbuf *err)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < nr; i++) {
		char *conflicts = bt[i].conflicts ? json_dumps(bt[i].conflicts,
							       JSON_COMPACT) :
						    NULL;

		ret = db_exec(
			db, err,
			"INSERT INTO build_topics (build, pos, topic, branch, tip, "
			"outcome, merge_commit, conflicts, method, resolution, "
			"duration_ms, gate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			"iitttttttiit", id, (int64_t)i, bt[i].name,
			bt[i].branch, *bt[i].tip ? bt[i].tip : NULL,
			bt[i].outcome, *bt[i].commit ? bt[i].commit : NULL,
			conflicts, bt[i].method, bt[i].resolution, bt[i].ms,
			bt[i].gate);
		free(conflicts);
	}
	return ret;
}

static void push_next(const struct config *cfg, json_t *topics,
		      struct strbuf *pushed)
{
	const char *remote = config_get(cfg, "next.push");
	struct strbuf err = STRBUF_INIT;
	struct strbuf spec = STRBUF_INIT;
	const char **specs;
	size_t n = 0, i;
	json_t *t;

	if (!remote || !*remote)
		return;
	specs = xcalloc(json_array_size(topics) + 1, sizeof(*specs));
	strbuf_addf(&spec, "+%s:%s", cfg->next, cfg->next);
	specs[n++] = strbuf_detach(&spec, NULL);
	json_array_foreach(topics, i, t) {
		strbuf_addf(&spec, "+%s:%s", jstr(t, "branch"),
			    jstr(t, "branch"));
		specs[n++] = strbuf_detach(&spec, NULL);
	}
	if (merge_push(the_merge, remote, specs, n, &err) < 0)
		log_warn("next: %s", err.buf);
	else
		strbuf_addstr(pushed, remote);
	for (i = 0; i < n; i++)
		free((char *)specs[i]);
	free(specs);
	strbuf_release(&err);
}

static int next_is_stale(struct job_ctx *ctx, bool *stale, const char **why,
			 struct strbuf *err);

int next_publish(struct job_ctx *ctx, int64_t build, struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	char next_now[MERGE_HEXSZ + 1] = "";
	struct strbuf reflog = STRBUF_INIT, pushed = STRBUF_INIT;
	json_t *row = NULL, *topics = NULL;
	const char *result;
	int ret;

	ret = open_merge(cfg, err);
	if (ret < 0)
		return ret;
	ret = db_query_row(ctx->db, &row, err,
			   "SELECT result, trigger FROM builds WHERE id = ?",
			   "i", build);
	if (ret < 0)
		return ret;
	result = jstr(row, "result");
	if (!row || !*result) {
		ret = error_set(err, ERR_NOT_FOUND,
				"build '%" PRId64 "' has no result", build);
		goto out;
	}
	if (merge_resolve_commit(the_merge, cfg->next, next_now, NULL) < 0)
		next_now[0] = 0;
	if (!strcmp(result, next_now))
		goto out;
	strbuf_addf(&reflog, "cthulhu: build %" PRId64 " (%s), gate passed",
		    build, jstr(row, "trigger"));
	ret = merge_update_ref(the_merge, cfg->next, result, next_now,
			       reflog.buf, err);
	if (ret < 0)
		goto out;
	log_info("next: build %" PRId64 " published: %s", build, result);
	topics = db_query(ctx->db, err,
			  "SELECT name, branch FROM topics WHERE into_next = 1 "
			  "ORDER BY ord, name",
			  NULL);
	if (topics)
		push_next(cfg, topics, &pushed);
	db_exec(ctx->db, NULL, "UPDATE builds SET pushed = ? WHERE id = ?",
		"ti", pushed.len ? pushed.buf : NULL, build);
out:
	json_decref(row);
	json_decref(topics);
	strbuf_release(&reflog);
	strbuf_release(&pushed);
	return ret;
}

static void add_reason(json_t *list, json_t *why)
{
	size_t i;
	json_t *v;

	if (!json_is_string(why))
		return;
	json_array_foreach(list, i, v)
		if (!strcmp(json_string_value(v), json_string_value(why)))
			return;
	json_array_append_new(list, json_string(json_string_value(why)));
}

void next_merge_reasons(json_t *queued, json_t *kicked)
{
	json_t *list = json_object_get(queued, "triggers");
	json_t *why = json_object_get(kicked, "trigger");
	json_t *more = json_object_get(kicked, "triggers");
	size_t i;
	json_t *v;

	if (!json_is_array(list)) {
		list = json_array();
		add_reason(list, json_object_get(queued, "trigger"));
		json_object_set_new(queued, "triggers", list);
	}
	if (json_is_array(more))
		json_array_foreach(more, i, v)
			add_reason(list, v);
	else
		add_reason(list, why);
	/* copies: kicked is the kicker's, on another thread */
	if (json_is_string(why))
		json_object_set_new(queued, "trigger",
				    json_string(json_string_value(why)));
	if (json_is_true(json_object_get(kicked, "full")))
		json_object_set_new(queued, "full", json_true());
	if (json_is_true(json_object_get(kicked, "startup")))
		json_object_set_new(queued, "startup", json_true());
}

/* Was the build asked for by topic moves only (no other reason)? */
static bool moves_only(json_t *args, const char *trigger)
{
	json_t *list = json_object_get(args, "triggers");
	size_t i;
	json_t *v;

	if (!json_is_array(list) || !json_array_size(list))
		return !strcmp(trigger, "topic");
	json_array_foreach(list, i, v)
		if (!json_is_string(v) || strcmp(json_string_value(v), "topic"))
			return false;
	return true;
}

int next_job_rebuild(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	const char *trigger =
		json_string_value(json_object_get(args, "trigger"));
	bool full = json_is_true(json_object_get(args, "full"));
	char base[MERGE_HEXSZ + 1], head[MERGE_HEXSZ + 1];
	char next_now[MERGE_HEXSZ + 1] = "", prev_base[MERGE_HEXSZ + 1] = "";
	char gate_tip[MERGE_HEXSZ + 1];
	const char *policy = config_get(cfg, "next.on-conflict");
	struct strbuf reflog = STRBUF_INIT, pushed = STRBUF_INIT;
	struct build_topic *bt = NULL;
	json_t *topics = NULL, *prev = NULL, *t;
	unsigned int reused = 0, done = 0, conflicts = 0, fallbacks = 0;
	int64_t start = now_ms(), when = time(NULL), id = 0;
	bool stop = policy && !strcmp(policy, "stop"), stopped = false;
	struct merge_stats stats0, stats1;
	bool reusing;
	size_t nr, i;
	int ret;

	if (!trigger)
		trigger = "job";
	if (policy && strcmp(policy, "stop") && strcmp(policy, "skip"))
		return error_set(err, ERR_INVALID,
				 "bad [next] on-conflict '%s': skip or stop",
				 policy);
	ret = open_merge(cfg, err);
	if (ret < 0)
		return ret;
	load_vbases(ctx->db);
	merge_get_stats(the_merge, &stats0);
	if (cfg->committer_name)
		merge_set_ident(the_merge, cfg->committer_name,
				cfg->committer_email);
	ret = merge_resolve_commit(the_merge, cfg->next, next_now, NULL);
	if (ret == ERR_NOT_FOUND)
		next_now[0] = 0;
	ret = reconcile(ctx->db, next_now, err);
	if (ret < 0)
		return ret;
	/*
	 * A move kicks a build, and so does the job that made the move
	 * (apply, drop): whichever runs second finds next already made of
	 * the same tips, and needs no build of its own.
	 */
	if (!full && moves_only(args, trigger)) {
		const char *why;
		bool stale;

		ret = next_is_stale(ctx, &stale, &why, err);
		if (ret < 0)
			return ret;
		if (!stale) {
			*result = json_pack("{s:b, s:s}", "skipped", 1, "why",
					    "next is up to date");
			return 0;
		}
	}
	ret = db_exec(ctx->db, err,
		      "INSERT INTO builds (trigger, full, state, base_rev, old_next, started_at) "
		      "VALUES (?, ?, 'running', ?, ?, ?)",
		      "tdtti", trigger, (int)full, cfg->base,
		      *next_now ? next_now : NULL, (int64_t)when);
	if (ret < 0)
		return ret;
	id = db_last_insert_id(ctx->db);

	ret = resolve_base(cfg, base, err);
	if (ret < 0)
		goto out_fail;
	topics = db_query(ctx->db, err,
			  "SELECT name, branch FROM topics WHERE into_next = 1 "
			  "ORDER BY ord, name",
			  NULL);
	if (!topics) {
		ret = -EIO;
		goto out_fail;
	}
	nr = json_array_size(topics);
	bt = xcalloc(nr ? nr : 1, sizeof(*bt));
	if (!full) {
		ret = previous_build(ctx->db, next_now, &prev, prev_base, err);
		if (ret < 0)
			goto out_fail;
	}
	reusing = prev && !strcmp(prev_base, base);
	memcpy(head, base, sizeof(head));

	json_array_foreach(topics, i, t) {
		json_t *p = reusing ? json_array_get(prev, i) : NULL;
		int64_t t0 = now_ms();

		bt[i].name = jstr(t, "name");
		bt[i].branch = jstr(t, "branch");
		if (ctx->progress)
			ctx->progress(ctx, "topic %zu of %zu", i + 1, nr);
		if (merge_resolve_commit(the_merge, bt[i].branch, bt[i].tip,
					 NULL) < 0)
			bt[i].tip[0] = 0;
		/* an ejected topic is left out, or merged at its good tip */
		gate_topic_tip(ctx->db, cfg, bt[i].name, bt[i].tip, gate_tip,
			       &bt[i].gate);
		memcpy(bt[i].tip, gate_tip, sizeof(gate_tip));
		/*
		 * Keep the previous next's merge for this topic while
		 * everything before it is as it was.  A conflict is kept
		 * too, unless the topic has recorded resolutions, one of
		 * which may be new.
		 */
		if (reusing && p && !strcmp(jstr(p, "topic"), bt[i].name) &&
		    !strcmp(jstr(p, "tip"), bt[i].tip) &&
		    *jstr(p, "merge_commit") &&
		    (strcmp(jstr(p, "outcome"), "conflict") ||
		     !has_resolutions(ctx->db, bt[i].name))) {
			memcpy(head, jstr(p, "merge_commit"), MERGE_HEXSZ);
			head[MERGE_HEXSZ] = 0;
			memcpy(bt[i].commit, head, sizeof(head));
			/* static strings: prev goes before bt is recorded */
			if (!strcmp(jstr(p, "outcome"), "missing"))
				bt[i].outcome = "missing";
			else if (!strcmp(jstr(p, "outcome"), "nothing"))
				bt[i].outcome = "nothing";
			else if (!strcmp(jstr(p, "outcome"), "conflict"))
				bt[i].outcome = "conflict";
			else
				bt[i].outcome = "reused";
			if (!strcmp(bt[i].outcome, "reused"))
				reused++;
			if (!strcmp(bt[i].outcome, "conflict")) {
				const char *c = jstr(p, "conflicts");

				bt[i].conflicts = json_loads(c, 0, NULL);
				bt[i].method = "reused";
				conflicts++;
				if (stop) {
					stopped = true;
					nr = i + 1;
					break;
				}
			}
			continue;
		}
		reusing = false;
		if (!*bt[i].tip) {
			bt[i].outcome = "missing";
			memcpy(bt[i].commit, head, sizeof(head));
			continue;
		}
		ret = merge_topic(ctx->db, cfg, &bt[i], head, when, &fallbacks,
				  err);
		bt[i].ms = now_ms() - t0;
		if (ret < 0)
			goto out_fail;
		if (!strcmp(bt[i].outcome, "merged") ||
		    !strcmp(bt[i].outcome, "resolved"))
			done++;
		if (!strcmp(bt[i].outcome, "conflict")) {
			conflicts++;
			log_info("next: '%s' conflicts", bt[i].name);
			if (stop) {
				stopped = true;
				nr = i + 1;
				break;
			}
		}
	}

	crash_point("merged");
	merge_get_stats(the_merge, &stats1);
	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out_fail;
	ret = record_topics(ctx->db, id, bt, nr, err);
	if (!ret)
		ret = save_vbases(ctx->db, when, err);
	if (!ret)
		ret = db_exec(ctx->db, err,
			      "UPDATE builds SET state = ?, base = ?, result = ?, "
			      "merges_reused = ?, merges_done = ?, conflicts = ?, "
			      "fallbacks = ?, virtual_merges = ?, "
			      "virtual_bases_reused = ? WHERE id = ?",
			      "tttddddiii", stopped ? "stopped" : "updating",
			      base, stopped ? NULL : head, reused, done,
			      conflicts, fallbacks,
			      (int64_t)(stats1.vbase_merges -
					stats0.vbase_merges),
			      (int64_t)(stats1.vbases_cached -
					stats0.vbases_cached),
			      id);
	if (ret < 0) {
		db_rollback(ctx->db);
		goto out_fail;
	}
	ret = db_commit(ctx->db, err);
	if (ret < 0)
		goto out_fail;

	crash_point("updating");
	/* Gated: the build is a candidate, and next waits for the gate. */
	if (!stopped && gate_holds_next(cfg)) {
		db_exec(ctx->db, NULL,
			"UPDATE builds SET finished_at = ?, duration_ms = ? WHERE id = ?",
			"iii", (int64_t)time(NULL), now_ms() - start, id);
		ret = gate_candidate(ctx, id, err);
		if (ret < 0)
			goto out_fail;
		log_info("next: build %" PRId64
			 " is a candidate %s: %u merged, %u reused, %u conflicts",
			 id, head, done, reused, conflicts);
		ret = next_build_get(ctx->db, id, result, err);
		goto out;
	}
	if (!stopped && strcmp(head, next_now)) {
		strbuf_addf(&reflog, "cthulhu: build %" PRId64 " (%s)%s", id,
			    trigger, full ? ", full" : "");
		ret = merge_update_ref(the_merge, cfg->next, head, next_now,
				       reflog.buf, err);
		/* next moved under the build: build again from its new value */
		if (ret == ERR_STALE)
			engine_kick(JOB_NEXT_REBUILD,
				    json_pack("{s:s}", "trigger", "stale"),
				    DEFAULT_DEBOUNCE_MS);
		if (ret < 0)
			goto out_fail;
	}
	crash_point("moved");
	if (!stopped)
		push_next(cfg, topics, &pushed);
	ret = db_exec(ctx->db, err,
		      "UPDATE builds SET state = ?, pushed = ?, finished_at = ?, "
		      "duration_ms = ? WHERE id = ?",
		      "ttiii", stopped ? "stopped" : "done",
		      pushed.len ? pushed.buf : NULL, (int64_t)time(NULL),
		      now_ms() - start, id);
	if (ret < 0)
		goto out;
	log_info("next: build %" PRId64
		 " %s: %u merged, %u reused, %u conflicts, %" PRId64 " ms",
		 id, stopped ? "stopped" : head, done, reused, conflicts,
		 now_ms() - start);
	/* publish = always: the gate reports on what next now is */
	if (!stopped && gate_enabled(cfg)) {
		struct strbuf e2 = STRBUF_INIT;

		if (gate_candidate(ctx, id, &e2) < 0)
			log_warn("gate: %s", e2.buf);
		strbuf_release(&e2);
	}
	ret = next_build_get(ctx->db, id, result, err);
	goto out;

out_fail : {
	struct strbuf e2 = STRBUF_INIT;

	db_exec(ctx->db, &e2,
		"UPDATE builds SET state = 'failed', error = ?, finished_at = ?, "
		"duration_ms = ? WHERE id = ?",
		"tiii", err->buf, (int64_t)time(NULL), now_ms() - start, id);
	strbuf_release(&e2);
}
out:
	if (bt)
		for (i = 0; i < json_array_size(topics); i++)
			json_decref(bt[i].conflicts);
	free(bt);
	json_decref(topics);
	json_decref(prev);
	strbuf_release(&reflog);
	strbuf_release(&pushed);
	return ret;
}

static void on_moves(struct job_ctx *ctx, json_t *moves)
{
	int64_t delay = DEFAULT_DEBOUNCE_MS;

	config_get_int(ctx->config, "next.debounce", DEFAULT_DEBOUNCE_MS,
		       &delay, NULL);
	if (delay < 0)
		delay = DEFAULT_DEBOUNCE_MS;
	engine_kick(JOB_NEXT_REBUILD, json_pack("{s:s}", "trigger", "topic"),
		    (unsigned int)delay);
}

int next_job_conflicts(struct job_ctx *ctx, json_t *args, json_t **result,
		       struct strbuf *err)
{
	const char *topic = json_string_value(json_object_get(args, "topic"));
	int ret;

	if (!topic)
		return error_set(err, ERR_INVALID, "no topic given");
	ret = open_merge(ctx->config, err);
	if (ret < 0)
		return ret;
	return resolve_conflicts(ctx->db, the_merge, topic, result, err);
}

int next_job_resolve_record(struct job_ctx *ctx, json_t *args, json_t **result,
			    struct strbuf *err)
{
	const char *topic = json_string_value(json_object_get(args, "topic"));
	int ret;

	if (!topic)
		return error_set(err, ERR_INVALID, "no topic given");
	ret = open_merge(ctx->config, err);
	if (ret < 0)
		return ret;
	return resolve_record(ctx->db, the_merge, topic,
			      json_object_get(args, "files"), result, err);
}

int next_job_resolve_forget(struct job_ctx *ctx, json_t *args, json_t **result,
			    struct strbuf *err)
{
	json_t *id = json_object_get(args, "id");
	int ret;

	if (!json_is_integer(id))
		return error_set(err, ERR_INVALID, "no resolution id given");
	ret = resolve_forget(ctx->db, json_integer_value(id), err);
	if (!ret)
		*result = json_pack("{s:O}", "forgotten", id);
	return ret;
}

/*
 * Whether next is what a build would make now: the latest finished build
 * (done, or stopped by a conflict) had this base and these topic tips,
 * and next is still its result.  *why says what changed.
 */
static int next_is_stale(struct job_ctx *ctx, bool *stale, const char **why,
			 struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	char base[MERGE_HEXSZ + 1], next_now[MERGE_HEXSZ + 1] = "";
	char tip[MERGE_HEXSZ + 1];
	json_t *last = NULL, *was = NULL, *topics = NULL, *t;
	char use[MERGE_HEXSZ + 1];
	const char *state, *how;
	bool gated;
	size_t i;
	int ret;

	*stale = true;
	*why = "stale";
	ret = resolve_base(cfg, base, err);
	if (ret < 0)
		return ret;
	if (merge_resolve_commit(the_merge, cfg->next, next_now, NULL) < 0)
		next_now[0] = 0;
	ret = db_query_row(
		ctx->db, &last, err,
		"SELECT id, state, base, result, gate FROM builds "
		"WHERE state IN ('done', 'stopped') ORDER BY id DESC LIMIT 1",
		NULL);
	if (ret < 0 || !last)
		goto out;
	if (strcmp(jstr(last, "base"), base)) {
		*why = "base";
		goto out;
	}
	state = jstr(last, "state");
	/*
	 * A candidate the gate is on, or one it failed, is not next and
	 * need not be: the gate builds again when that is needed.
	 */
	gated = gate_enabled(cfg) && (!strcmp(jstr(last, "gate"), "pending") ||
				      !strcmp(jstr(last, "gate"), "failed"));
	if (!strcmp(state, "done") && !gated &&
	    strcmp(jstr(last, "result"), next_now))
		goto out;
	was = db_query(
		ctx->db, err,
		"SELECT topic, tip FROM build_topics WHERE build = ? ORDER BY pos",
		"i", (int64_t)json_integer_value(json_object_get(last, "id")));
	topics = db_query(ctx->db, err,
			  "SELECT name, branch FROM topics WHERE into_next = 1 "
			  "ORDER BY ord, name",
			  NULL);
	if (!was || !topics) {
		ret = -EIO;
		goto out;
	}
	/* a stopped build records the topics up to the conflict only */
	if (json_array_size(was) > json_array_size(topics) ||
	    (!strcmp(state, "done") &&
	     json_array_size(was) != json_array_size(topics)))
		goto out;
	json_array_foreach(was, i, t) {
		json_t *now = json_array_get(topics, i);

		if (merge_resolve_commit(the_merge, jstr(now, "branch"), tip,
					 NULL) < 0)
			tip[0] = 0;
		gate_topic_tip(ctx->db, cfg, jstr(now, "name"), tip, use, &how);
		if (strcmp(jstr(t, "topic"), jstr(now, "name")) ||
		    strcmp(jstr(t, "tip"), use))
			goto out;
	}
	*stale = false;
out:
	json_decref(last);
	json_decref(was);
	json_decref(topics);
	return ret;
}

/*
 * "next-check": rebuild when next is stale (at start-up, and every few
 * minutes for a base that moved: a new tag under base = auto).
 */
int next_job_check(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	bool startup = json_is_true(json_object_get(args, "startup"));
	const char *trigger =
		json_string_value(json_object_get(args, "trigger"));
	const char *why;
	int64_t recent = 0;
	bool stale;
	int ret;

	ret = open_merge(ctx->config, err);
	if (ret < 0)
		return ret;
	ret = next_is_stale(ctx, &stale, &why, err);
	if (ret < 0)
		return ret;
	/* do not retry a failing build more than every few minutes */
	db_query_int(ctx->db, &recent, NULL,
		     "SELECT count(*) FROM builds WHERE id = (SELECT max(id) FROM builds) "
		     "AND state = 'failed' AND started_at > ?",
		     "i", (int64_t)time(NULL) - CHECK_INTERVAL_MS / 1000);
	/* A start-up or a change of config or topics retries at once. */
	if (stale && (startup || trigger || !recent)) {
		json_t *kick = json_pack("{s:s}", "trigger",
					 trigger ? trigger :
					 startup ? "startup" :
						   why);
		json_t *list = json_object_get(args, "triggers");

		log_info("next: stale (%s), rebuilding", why);
		if (json_is_array(list))
			json_object_set_new(kick, "triggers",
					    json_deep_copy(list));
		engine_kick(JOB_NEXT_REBUILD, kick, 0);
	}
	*result = json_pack("{s:b, s:s}", "stale", stale, "why", why);
	return 0;
}

void next_topics_changed(const char *trigger)
{
	engine_kick(JOB_NEXT_CHECK, json_pack("{s:s}", "trigger", trigger), 0);
}

void next_start(void)
{
	engine_kick(JOB_NEXT_CHECK, json_pack("{s:b}", "startup", 1), 0);
	engine_every(JOB_NEXT_CHECK, CHECK_INTERVAL_MS);
}

void next_init(void)
{
	topic_on_moves(on_moves);
}

/* --- reads ------------------------------------------------------------- */

static void decode_conflicts(json_t *topics)
{
	json_t *t, *c;
	size_t i;

	json_array_foreach(topics, i, t) {
		const char *s =
			json_string_value(json_object_get(t, "conflicts"));

		c = s ? json_loads(s, 0, NULL) : NULL;
		json_object_set_new(t, "conflicts", c ? c : json_array());
	}
}

int next_build_get(struct db *db, int64_t id, json_t **out, struct strbuf *err)
{
	json_t *row = NULL, *topics;
	int ret;

	ret = db_query_row(db, &row, err, "SELECT * FROM builds WHERE id = ?",
			   "i", id);
	if (ret < 0)
		return ret;
	if (!row)
		return error_set(err, ERR_NOT_FOUND,
				 "unknown build '%" PRId64 "'", id);
	json_object_set_new(row, "full",
			    json_boolean(json_integer_value(
				    json_object_get(row, "full"))));
	topics =
		db_query(db, err,
			 "SELECT pos, topic, branch, tip, outcome, merge_commit, "
			 "conflicts, method, resolution, duration_ms, gate "
			 "FROM build_topics WHERE build = ? ORDER BY pos",
			 "i", id);
	if (!topics) {
		json_decref(row);
		return -EIO;
	}
	decode_conflicts(topics);
	json_object_set_new(row, "topics", topics);
	*out = row;
	return 0;
}

int next_latest_build(struct db *db, json_t **out, struct strbuf *err)
{
	int64_t id;
	int ret;

	ret = db_query_int(db, &id, err,
			   "SELECT max(id) FROM builds WHERE id IS NOT NULL",
			   NULL);
	if (ret == -ENOENT || (!ret && id <= 0)) {
		*out = json_null();
		return 0;
	}
	if (ret < 0)
		return ret;
	return next_build_get(db, id, out, err);
}

json_t *next_build_list(struct db *db, int64_t limit, struct strbuf *err)
{
	json_t *rows, *row;
	size_t i;

	rows = db_query(db, err,
			"SELECT * FROM builds ORDER BY id DESC LIMIT ?", "i",
			limit);
	json_array_foreach(rows, i, row)
		json_object_set_new(row, "full",
				    json_boolean(json_integer_value(
					    json_object_get(row, "full"))));
	return rows;
}
