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

#include "daemon/bus.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "daemon/conflict-mail.h"
#include "daemon/gate-lift.h"
#include "daemon/gate-pair.h"
#include "daemon/gate.h"
#include "daemon/jobs.h"
#include "lib/log.h"
#include "daemon/merge-fix.h"
#include "daemon/merge-handle.h"
#include "daemon/merge.h"
#include "daemon/next.h"
#include "daemon/next-memo.h"
#include "daemon/resolve.h"
#include "daemon/store/row.h"
#include "daemon/store/builds.h"
#include "daemon/store/topics.h"
#include "lib/strbuf.h"
#include "daemon/testhook.h"
#include "daemon/topic.h"
#include "lib/xalloc.h"

#define DEFAULT_DEBOUNCE_MS 2000
#define CHECK_INTERVAL_MS (5 * 60 * 1000)

/* The engine thread's merge handle (merge-handle.h), set by open_merge(). */
static struct merge *the_merge;
/* The handle's generation the kept virtual merge bases were given to. */
static unsigned int the_merge_generation;
static bool the_merge_has_vbases;

/* Virtual merge bases kept in the database: the newest this many. */
#define VBASES_KEPT 30000

struct build_topic {
	const char *name; /* borrowed from the store's topic list */
	const char *branch;
	char tip[MERGE_HEXSZ + 1]; /* "" when the branch is missing */
	const char *outcome;
	char commit[MERGE_HEXSZ + 1]; /* next after this topic, or "" */
	char **conflicts;	      /* paths (nr_conflicts), or NULL */
	size_t nr_conflicts;
	const char *method;
	const char *fallback_reason; /* merge.h's, or the previous build's */
	int64_t resolution;	     /* resolutions.id when resolved */
	int64_t ms;
	const char *gate; /* NULL, "ejected", "fallback" or "lifted" */
	/* the merge-fixes its merge takes (borrowed from the build's set) */
	const struct merge_fix **fixes;
	size_t nr_fixes;
	char fix_failed[MERGE_HEXSZ + 1]; /* the one that did not apply */
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

static int open_merge(const struct config *cfg, struct strbuf *err)
{
	unsigned int generation;
	int ret;

	ret = merge_handle(cfg, &the_merge, &generation, err);
	if (ret < 0)
		return ret;
	if (generation != the_merge_generation) {
		the_merge_generation = generation;
		the_merge_has_vbases = false;
	}
	return 0;
}

/*
 * Give a new merge handle the virtual merge bases earlier processes
 * made, so that the first build after a start need not make them again.
 */
static void load_vbases(struct db *db)
{
	struct strbuf err = STRBUF_INIT;
	struct store_vbase_list vbases;
	size_t i;

	if (the_merge_has_vbases)
		return;
	the_merge_has_vbases = true;
	next_memo_load(db, the_merge);
	if (store_vbases_newest(db, VBASES_KEPT, &vbases, &err) < 0) {
		log_warn("next: cannot read the virtual merge bases: %s",
			 err.buf);
		strbuf_release(&err);
		return;
	}
	/* oldest first: the newest win when the memo has no room */
	for (i = vbases.nr; i-- > 0;)
		merge_vbase_add(the_merge, vbases.v[i].key, vbases.v[i].tree);
	log_debug("next: %zu virtual merge bases from the database", vbases.nr);
	store_vbase_list_release(&vbases);
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
	return store_vbase_put(vs->db, key, tree, vs->when, vs->err);
}

/* Keep the virtual merge bases the build made, in its transaction. */
static int save_vbases(struct db *db, int64_t when, struct strbuf *err)
{
	struct vbase_save vs = { db, err, when, 0 };
	int ret;

	ret = merge_vbases_take(the_merge, save_vbase, &vs);
	if (!ret && vs.n)
		ret = store_vbases_trim(db, VBASES_KEPT, err);
	if (!ret)
		ret = next_memo_save(db, the_merge, when, err);
	return ret;
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
 * The previous build whose result next still is: its topics in *prev
 * (empty when there is none), and its base in prev_base.
 */
static int previous_build(struct db *db, const char *next_now,
			  struct store_build_topic_list *prev, char *prev_base,
			  struct strbuf *err)
{
	struct store_build b;
	bool found;
	int ret;

	if (!*next_now)
		return 0;
	ret = store_build_latest_done_at(db, next_now, &b, &found, err);
	if (ret < 0 || !found)
		return ret;
	snprintf(prev_base, MERGE_HEXSZ + 1, "%s", b.base ? b.base : "");
	ret = store_build_topics(db, b.id, prev, err);
	store_build_release(&b);
	return ret;
}

/* Give bt a copy of the n conflicting paths. */
static void copy_conflicts(struct build_topic *bt, const char *const *paths,
			   size_t n)
{
	size_t i;

	bt->conflicts = xcalloc(n + 1, sizeof(*bt->conflicts));
	for (i = 0; i < n; i++)
		bt->conflicts[i] = xstrdup(paths[i]);
	bt->nr_conflicts = n;
}

static void free_conflicts(struct build_topic *bt)
{
	size_t i;

	for (i = 0; i < bt->nr_conflicts; i++)
		free(bt->conflicts[i]);
	free(bt->conflicts);
	bt->conflicts = NULL;
	bt->nr_conflicts = 0;
}

static void free_bt(struct build_topic *bt)
{
	free_conflicts(bt);
	free(bt->fixes);
	bt->fixes = NULL;
	bt->nr_fixes = 0;
}

/*
 * Apply bt's merge-fixes to tree (its merge's result, changed in place).
 * A fix that does not apply, or cannot be read, makes the merge a
 * conflict on the paths where it conflicts: false, with bt's conflicts
 * and fix_failed set.
 */
static bool apply_fixes(struct build_topic *bt, char *tree)
{
	struct strbuf err = STRBUF_INIT;
	char fixed[MERGE_HEXSZ + 1];
	char **paths = NULL;
	size_t failed = 0, n = 0, i;
	int ret;

	ret = merge_fix_apply(the_merge, tree, bt->fixes, bt->nr_fixes, fixed,
			      &failed, &paths, &n, &err);
	if (!ret) {
		memcpy(tree, fixed, sizeof(fixed));
		strbuf_release(&err);
		return true;
	}
	if (ret < 0)
		log_warn("next: merge-fix of '%s': %s", bt->name, err.buf);
	else
		log_info("next: merge-fix %s of '%s' no longer applies",
			 bt->fixes[failed]->commit, bt->name);
	memcpy(bt->fix_failed, bt->fixes[failed]->commit, MERGE_HEXSZ + 1);
	copy_conflicts(bt, (const char *const *)paths, n);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	strbuf_release(&err);
	return false;
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
	int ret;

	ret = merge_is_ancestor(the_merge, bt->tip, head, &in, err);
	if (ret < 0)
		return ret;
	if (in) {
		bt->nr_fixes = 0;
		bt->outcome = "nothing";
		memcpy(bt->commit, head, MERGE_HEXSZ + 1);
		return 0;
	}
	/* a recorded resolution works from git's conflicted tree */
	merge_set_conflict_tree(the_merge, resolve_has(db, bt->name));
	ret = merge_commits(the_merge, head, bt->tip, &res, err);
	merge_set_conflict_tree(the_merge, false);
	if (ret < 0)
		return ret;
	bt->method = merge_method_name(res.method);
	bt->fallback_reason = res.fallback_reason;
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
		copy_conflicts(bt, (const char *const *)res.conflicts,
			       res.nr_conflicts);
		memcpy(bt->commit, head, MERGE_HEXSZ + 1);
		merge_result_release(&res);
		return 0;
	}
	if (bt->nr_fixes && !apply_fixes(bt, res.tree)) {
		bt->outcome = "conflict";
		memcpy(bt->commit, head, MERGE_HEXSZ + 1);
		merge_result_release(&res);
		return 0;
	}
	strbuf_addf(&msg, "Merge branch '%s' into next\n", bt->name);
	merge_fix_trailers(&msg, bt->name, bt->fixes, bt->nr_fixes);
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

/* The commits of bt's merge-fixes (borrowed), NULL for none; free it. */
static char **fix_commits(const struct build_topic *bt)
{
	char **v;
	size_t k;

	if (!bt->nr_fixes)
		return NULL;
	v = xcalloc(bt->nr_fixes + 1, sizeof(*v));
	for (k = 0; k < bt->nr_fixes; k++)
		v[k] = (char *)bt->fixes[k]->commit;
	return v;
}

static int record_topics(struct db *db, int64_t id, struct build_topic *bt,
			 size_t nr, struct strbuf *err)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < nr; i++) {
		char **fixes = fix_commits(&bt[i]);
		struct store_build_topic t = {
			.pos = (int64_t)i,
			.topic = (char *)bt[i].name,
			.branch = (char *)bt[i].branch,
			.tip = *bt[i].tip ? bt[i].tip : NULL,
			.outcome = (char *)bt[i].outcome,
			.merge_commit = *bt[i].commit ? bt[i].commit : NULL,
			.conflicts = bt[i].conflicts,
			.nr_conflicts = bt[i].nr_conflicts,
			.method = (char *)bt[i].method,
			.fallback_reason = (char *)bt[i].fallback_reason,
			.resolution = bt[i].resolution,
			.duration_ms = bt[i].ms,
			.gate = (char *)bt[i].gate,
			.merge_fixes = fixes,
			.nr_merge_fixes = bt[i].nr_fixes,
			.merge_fix_failed =
				*bt[i].fix_failed ? bt[i].fix_failed : NULL,
		};

		ret = store_build_add_topic(db, id, &t, err);
		free(fixes);
	}
	return ret;
}

static void push_next(const struct config *cfg,
		      const struct store_topic_list *topics,
		      struct strbuf *pushed)
{
	const char *remote = config_get(cfg, "next.push");
	struct strbuf err = STRBUF_INIT;
	struct strbuf spec = STRBUF_INIT;
	const char **specs;
	size_t n = 0, i;

	if (!remote || !*remote)
		return;
	specs = xcalloc(topics->nr + 1, sizeof(*specs));
	strbuf_addf(&spec, "+%s:%s", cfg->next, cfg->next);
	specs[n++] = strbuf_detach(&spec, NULL);
	for (i = 0; i < topics->nr; i++) {
		strbuf_addf(&spec, "+%s:%s", topics->v[i].branch,
			    topics->v[i].branch);
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

/*
 * The gate's publisher (gate_set_publisher()): move next to the result of
 * build (compare-and-swap against its value now) and push it as a build
 * does; nothing when next is that already.  Engine thread.
 */
static int next_publish(struct job_ctx *ctx, int64_t build, struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	char next_now[MERGE_HEXSZ + 1] = "";
	struct strbuf reflog = STRBUF_INIT, pushed = STRBUF_INIT;
	struct store_topic_list topics = { 0 };
	struct store_build b = { 0 };
	const char *result;
	int ret;

	ret = open_merge(cfg, err);
	if (ret < 0)
		return ret;
	ret = store_build_get(ctx->db, build, &b, err);
	if (ret < 0 && ret != ERR_NOT_FOUND)
		return ret;
	result = b.result ? b.result : "";
	if (ret == ERR_NOT_FOUND || !*result) {
		ret = error_set(err, ERR_NOT_FOUND,
				"build '%" PRId64 "' has no result", build);
		goto out;
	}
	if (merge_resolve_commit(the_merge, cfg->next, next_now, NULL) < 0)
		next_now[0] = 0;
	if (!strcmp(result, next_now))
		goto out;
	strbuf_addf(&reflog, "cthulhu: build %" PRId64 " (%s), gate passed",
		    build, b.trigger);
	ret = merge_update_ref(the_merge, cfg->next, result, next_now,
			       reflog.buf, err);
	if (ret < 0)
		goto out;
	log_info("next: build %" PRId64 " published: %s", build, result);
	if (!store_topics_list(ctx->db, true, &topics, err))
		push_next(cfg, &topics, &pushed);
	store_build_set_pushed(ctx->db, build, pushed.len ? pushed.buf : NULL,
			       NULL);
out:
	store_build_release(&b);
	store_topic_list_release(&topics);
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

/* The merge-fixes of the topics of a build. */
static int load_fixes(struct db *db, const struct store_topic_list *topics,
		      struct merge_fix_set *fixes, struct strbuf *err)
{
	const char **names = xcalloc(topics->nr + 1, sizeof(*names));
	size_t i;
	int ret;

	for (i = 0; i < topics->nr; i++)
		names[i] = topics->v[i].name;
	ret = merge_fix_load(db, the_merge, names, topics->nr, fixes, err);
	free(names);
	return ret;
}

/*
 * Under a gate that holds next, lift the ejections the merge-fixes mend
 * that the candidates ejecting them did not have (a fix moved with git,
 * or a crash between recording a fix and lifting: gate-lift.h); *any
 * says whether one was lifted.
 */
static int lift_new_fixes(struct job_ctx *ctx,
			  const struct merge_fix_set *fixes, bool *any,
			  struct strbuf *err)
{
	bool lifted;
	size_t i;
	int ret = 0;

	*any = false;
	if (!gate_holds_next(ctx->config))
		return 0;
	for (i = 0; !ret && i < fixes->nr; i++) {
		ret = gate_lift_new_fix(ctx->db, fixes->v[i].topic,
					fixes->v[i].with, fixes->v[i].commit,
					&lifted, err);
		if (lifted)
			*any = true;
	}
	return ret;
}

/*
 * Whether the merge-fixes bt's merge takes are those of p's, the same
 * topic's place in an earlier build.  A missing topic, or one that was
 * in next already, has none to take.
 */
static bool same_fixes(const struct build_topic *bt,
		       const struct store_build_topic *p)
{
	size_t k;

	if (p->outcome &&
	    (!strcmp(p->outcome, "missing") || !strcmp(p->outcome, "nothing")))
		return true;
	if (bt->nr_fixes != p->nr_merge_fixes)
		return false;
	for (k = 0; k < bt->nr_fixes; k++)
		if (strcmp(bt->fixes[k]->commit, p->merge_fixes[k]))
			return false;
	return true;
}

/* Tell the stream of each merge-fix that no longer applied. */
static void publish_fix_conflicts(int64_t id, const struct build_topic *bt,
				  size_t nr)
{
	size_t i, k;

	for (i = 0; i < nr; i++) {
		json_t *paths;

		if (!*bt[i].fix_failed || strcmp(bt[i].outcome, "conflict"))
			continue;
		paths = json_array();
		for (k = 0; k < bt[i].nr_conflicts; k++)
			json_array_append_new(paths,
					      json_string(bt[i].conflicts[k]));
		bus_publish("merge-fix",
			    json_pack("{s:s, s:I, s:s, s:s, s:o}", "state",
				      "conflict", "build", (json_int_t)id,
				      "topic", bt[i].name, "commit",
				      bt[i].fix_failed, "conflicts", paths));
	}
}

/*
 * Tell the owners of the topics build found conflicting, once a
 * conflict, and that a conflict is gone.  The build stands either way:
 * a conflict not mailed now is mailed by the next build.
 */
static void mail_conflicts(struct job_ctx *ctx, int64_t build, const char *base)
{
	struct strbuf err = STRBUF_INIT;

	if (conflict_mail_build(ctx->db, ctx->config, build, base, &err) < 0)
		log_warn("next: cannot mail the conflicts of build %" PRId64
			 ": %s",
			 build, err.buf);
	strbuf_release(&err);
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
	struct merge_fix_set fixes = { 0 };
	const char **merged = NULL;
	size_t nr_merged = 0;
	struct store_topic_list topics = { 0 };
	struct store_build_topic_list prev = { 0 };
	unsigned int reused = 0, done = 0, conflicts = 0, fallbacks = 0;
	int64_t start = now_ms(), when = time(NULL), id = 0;
	bool stop = policy && !strcmp(policy, "stop"), stopped = false;
	struct merge_stats stats0, stats1;
	bool reusing, lifted;
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
	/* Settle the builds a crash cut short: the engine is serial. */
	ret = store_builds_settle(ctx->db, next_now, err);
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
	ret = store_build_begin(ctx->db, trigger, full, cfg->base,
				*next_now ? next_now : NULL, when, &id, err);
	if (ret < 0)
		return ret;

	ret = resolve_base(cfg, base, err);
	if (ret < 0)
		goto out_fail;
	ret = store_topics_list(ctx->db, true, &topics, err);
	if (ret < 0)
		goto out_fail;
	nr = topics.nr;
	bt = xcalloc(nr ? nr : 1, sizeof(*bt));
	merged = xcalloc(nr + 1, sizeof(*merged));
	ret = load_fixes(ctx->db, &topics, &fixes, err);
	if (!ret)
		ret = lift_new_fixes(ctx, &fixes, &lifted, err);
	if (ret < 0)
		goto out_fail;
	if (!full) {
		ret = previous_build(ctx->db, next_now, &prev, prev_base, err);
		if (ret < 0)
			goto out_fail;
	}
	reusing = prev.nr && !strcmp(prev_base, base);
	memcpy(head, base, sizeof(head));
	/* the build's commits and trees: one pack at the end */
	merge_batch_begin(the_merge);

	for (i = 0; i < nr; i++) {
		const struct store_build_topic *p =
			reusing && i < prev.nr ? &prev.v[i] : NULL;
		int64_t t0 = now_ms();

		if (i && store_build_outcome_in_next(bt[i - 1].outcome))
			merged[nr_merged++] = bt[i - 1].name;
		bt[i].name = topics.v[i].name;
		bt[i].branch = topics.v[i].branch;
		bt[i].nr_fixes = merge_fix_wanted(&fixes, bt[i].name, merged,
						  nr_merged, &bt[i].fixes);
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
		 * which may be new.  Either needs the same merge-fixes.
		 */
		if (reusing && p && p->topic && !strcmp(p->topic, bt[i].name) &&
		    !strcmp(p->tip ? p->tip : "", bt[i].tip) &&
		    p->merge_commit && *p->merge_commit && p->outcome &&
		    same_fixes(&bt[i], p) &&
		    (strcmp(p->outcome, "conflict") ||
		     !resolve_has(ctx->db, bt[i].name))) {
			memcpy(head, p->merge_commit, MERGE_HEXSZ);
			head[MERGE_HEXSZ] = 0;
			memcpy(bt[i].commit, head, sizeof(head));
			/* borrowed from prev, released after bt is recorded */
			bt[i].fallback_reason = p->fallback_reason;
			/* static strings: prev goes before bt is recorded */
			if (!strcmp(p->outcome, "missing"))
				bt[i].outcome = "missing";
			else if (!strcmp(p->outcome, "nothing"))
				bt[i].outcome = "nothing";
			else if (!strcmp(p->outcome, "conflict"))
				bt[i].outcome = "conflict";
			else
				bt[i].outcome = "reused";
			if (!strcmp(bt[i].outcome, "reused"))
				reused++;
			else if (strcmp(bt[i].outcome, "conflict"))
				bt[i].nr_fixes = 0; /* missing, nothing */
			if (p->merge_fix_failed)
				snprintf(bt[i].fix_failed,
					 sizeof(bt[i].fix_failed), "%s",
					 p->merge_fix_failed);
			if (!strcmp(bt[i].outcome, "conflict")) {
				copy_conflicts(&bt[i],
					       (const char *const *)p->conflicts,
					       p->nr_conflicts);
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
			bt[i].nr_fixes = 0;
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

	ret = merge_batch_end(the_merge, err);
	if (ret < 0)
		goto out_fail;
	crash_point("merged");
	merge_get_stats(the_merge, &stats1);
	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out_fail;
	ret = record_topics(ctx->db, id, bt, nr, err);
	if (!ret)
		ret = save_vbases(ctx->db, when, err);
	if (!ret) {
		struct store_build merged = {
			.id = id,
			.state = stopped ? "stopped" : "updating",
			.base = base,
			.result = stopped ? NULL : head,
			.merges_reused = reused,
			.merges_done = done,
			.conflicts = conflicts,
			.fallbacks = fallbacks,
			.virtual_merges = (int64_t)(stats1.vbase_merges -
						    stats0.vbase_merges),
			.virtual_bases_reused = (int64_t)(stats1.vbases_cached -
							  stats0.vbases_cached),
		};

		ret = store_build_set_merged(ctx->db, &merged, err);
	}
	if (ret < 0) {
		db_rollback(ctx->db);
		goto out_fail;
	}
	ret = db_commit(ctx->db, err);
	if (ret < 0)
		goto out_fail;
	publish_fix_conflicts(id, bt, nr);
	mail_conflicts(ctx, id, base);

	crash_point("updating");
	/* Gated: the build is a candidate, and next waits for the gate. */
	if (!stopped && gate_holds_next(cfg)) {
		store_build_finish(ctx->db, id, NULL, NULL, (int64_t)time(NULL),
				   now_ms() - start, NULL);
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
		push_next(cfg, &topics, &pushed);
	ret = store_build_finish(ctx->db, id, stopped ? "stopped" : "done",
				 pushed.len ? pushed.buf : NULL,
				 (int64_t)time(NULL), now_ms() - start, err);
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

	if (merge_batch_end(the_merge, &e2) < 0)
		log_warn("next: %s", e2.buf);
	strbuf_reset(&e2);

	store_build_fail(ctx->db, id, err->buf, (int64_t)time(NULL),
			 now_ms() - start, &e2);
	strbuf_release(&e2);
}
out:
	if (bt)
		for (i = 0; i < topics.nr; i++)
			free_bt(&bt[i]);
	free(bt);
	free(merged);
	merge_fix_set_release(&fixes);
	store_topic_list_release(&topics);
	store_build_topic_list_release(&prev);
	strbuf_release(&reflog);
	strbuf_release(&pushed);
	return ret;
}

/* BUS_MOVES: topics moved (engine thread). */
static void on_moves(const char *kind, json_t *data)
{
	int64_t delay = DEFAULT_DEBOUNCE_MS;

	(void)kind;
	(void)data;
	config_get_int(daemon_config_engine(), "next.debounce",
		       DEFAULT_DEBOUNCE_MS, &delay, NULL);
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
	struct store_topic_list topics = { 0 };
	struct store_build_topic_list was = { 0 };
	struct store_build last = { 0 };
	struct merge_fix_set fixes = { 0 };
	const char **merged = NULL;
	size_t nr_merged = 0;
	bool found;
	char use[MERGE_HEXSZ + 1];
	const char *state, *how;
	bool gated, lifted;
	size_t i;
	int ret;

	*stale = true;
	*why = "stale";
	ret = resolve_base(cfg, base, err);
	if (ret < 0)
		return ret;
	if (merge_resolve_commit(the_merge, cfg->next, next_now, NULL) < 0)
		next_now[0] = 0;
	ret = store_build_latest_settled(ctx->db, &last, &found, err);
	if (ret < 0 || !found)
		goto out;
	if (strcmp(last.base ? last.base : "", base)) {
		*why = "base";
		goto out;
	}
	state = last.state ? last.state : "";
	/*
	 * A candidate the gate is on, or one it failed, is not next and
	 * need not be: the gate builds again when that is needed.
	 */
	gated = gate_enabled(cfg) && last.gate &&
		(!strcmp(last.gate, "pending") || !strcmp(last.gate, "failed"));
	if (!strcmp(state, "done") && !gated &&
	    strcmp(last.result ? last.result : "", next_now))
		goto out;
	ret = store_build_topics(ctx->db, last.id, &was, err);
	if (ret < 0)
		goto out;
	ret = store_topics_list(ctx->db, true, &topics, err);
	if (ret < 0)
		goto out;
	/* a stopped build records the topics up to the conflict only */
	if (was.nr > topics.nr ||
	    (!strcmp(state, "done") && was.nr != topics.nr))
		goto out;
	ret = load_fixes(ctx->db, &topics, &fixes, err);
	if (!ret)
		ret = lift_new_fixes(ctx, &fixes, &lifted, err);
	if (ret < 0)
		goto out;
	/* an ejected topic is tried again with its new fix */
	if (lifted) {
		*why = "merge-fix";
		goto out;
	}
	merged = xcalloc(was.nr + 1, sizeof(*merged));
	for (i = 0; i < was.nr; i++) {
		const struct store_build_topic *t = &was.v[i];
		const struct store_topic *now = &topics.v[i];
		struct build_topic want = { 0 };
		bool same;

		if (merge_resolve_commit(the_merge, now->branch, tip, NULL) < 0)
			tip[0] = 0;
		gate_topic_tip(ctx->db, cfg, now->name, tip, use, &how);
		if (strcmp(t->topic ? t->topic : "", now->name) ||
		    strcmp(t->tip ? t->tip : "", use))
			goto out;
		/* a merge-fix recorded, dropped or moved with git */
		want.nr_fixes = merge_fix_wanted(&fixes, now->name, merged,
						 nr_merged, &want.fixes);
		same = same_fixes(&want, t);
		free(want.fixes);
		if (!same) {
			*why = "merge-fix";
			goto out;
		}
		if (store_build_outcome_in_next(t->outcome))
			merged[nr_merged++] = now->name;
	}
	*stale = false;
out:
	free(merged);
	merge_fix_set_release(&fixes);
	store_build_release(&last);
	store_build_topic_list_release(&was);
	store_topic_list_release(&topics);
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
	bool recent = false;
	bool stale;
	int ret;

	ret = open_merge(ctx->config, err);
	if (ret < 0)
		return ret;
	ret = next_is_stale(ctx, &stale, &why, err);
	if (ret < 0)
		return ret;
	/* do not retry a failing build more than every few minutes */
	store_build_latest_failed_since(ctx->db,
					(int64_t)time(NULL) -
						CHECK_INTERVAL_MS / 1000,
					&recent, NULL);
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

/*
 * BUS_TOPICS: the config was reloaded or a topic was added or removed:
 * check next now and rebuild it, with the trigger ("config", "topics"),
 * when that made it stale.
 */
static void on_topics(const char *kind, json_t *data)
{
	const char *trigger =
		json_string_value(json_object_get(data, "trigger"));

	(void)kind;
	engine_kick(JOB_NEXT_CHECK,
		    json_pack("{s:s}", "trigger", trigger ? trigger : "topics"),
		    0);
}

void next_start(void)
{
	engine_kick(JOB_NEXT_CHECK, json_pack("{s:b}", "startup", 1), 0);
	engine_every(JOB_NEXT_CHECK, CHECK_INTERVAL_MS);
}

void next_init(void)
{
	gate_set_publisher(next_publish);
	bus_subscribe(BUS_MOVES, on_moves);
	bus_subscribe(BUS_TOPICS, on_topics);
}

/* --- reads ------------------------------------------------------------- */

/* The API's shape of a build (see next.h), without its topics. */
static json_t *build_json(const struct store_build *b)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(b->id));
	json_object_set_new(o, "trigger", store_json_str(b->trigger));
	json_object_set_new(o, "full", json_boolean(b->full));
	json_object_set_new(o, "state", store_json_str(b->state));
	json_object_set_new(o, "base_rev", store_json_str(b->base_rev));
	json_object_set_new(o, "base", store_json_str(b->base));
	json_object_set_new(o, "old_next", store_json_str(b->old_next));
	json_object_set_new(o, "result", store_json_str(b->result));
	json_object_set_new(o, "merges_reused", json_integer(b->merges_reused));
	json_object_set_new(o, "merges_done", json_integer(b->merges_done));
	json_object_set_new(o, "conflicts", json_integer(b->conflicts));
	json_object_set_new(o, "fallbacks", json_integer(b->fallbacks));
	json_object_set_new(o, "pushed", store_json_str(b->pushed));
	json_object_set_new(o, "error", store_json_str(b->error));
	json_object_set_new(o, "started_at", json_integer(b->started_at));
	json_object_set_new(o, "finished_at", store_json_int(b->finished_at));
	json_object_set_new(o, "duration_ms", store_json_int(b->duration_ms));
	json_object_set_new(o, "virtual_merges",
			    json_integer(b->virtual_merges));
	json_object_set_new(o, "virtual_bases_reused",
			    json_integer(b->virtual_bases_reused));
	json_object_set_new(o, "gate", store_json_str(b->gate));
	return o;
}

/* The API's shape of a build's topic. */
static json_t *build_topic_json(const struct store_build_topic *t)
{
	json_t *o = json_object(), *paths = json_array();
	size_t i;

	for (i = 0; i < t->nr_conflicts; i++)
		json_array_append_new(paths, json_string(t->conflicts[i]));
	json_object_set_new(o, "pos", json_integer(t->pos));
	json_object_set_new(o, "topic", store_json_str(t->topic));
	json_object_set_new(o, "branch", store_json_str(t->branch));
	json_object_set_new(o, "tip", store_json_str(t->tip));
	json_object_set_new(o, "outcome", store_json_str(t->outcome));
	json_object_set_new(o, "merge_commit", store_json_str(t->merge_commit));
	json_object_set_new(o, "conflicts", paths);
	json_object_set_new(o, "method", store_json_str(t->method));
	json_object_set_new(o, "fallback_reason",
			    store_json_str(t->fallback_reason));
	json_object_set_new(o, "resolution", store_json_int(t->resolution));
	json_object_set_new(o, "duration_ms", store_json_int(t->duration_ms));
	json_object_set_new(o, "gate", store_json_str(t->gate));
	paths = json_array();
	for (i = 0; i < t->nr_merge_fixes; i++)
		json_array_append_new(paths, json_string(t->merge_fixes[i]));
	json_object_set_new(o, "merge_fixes", paths);
	json_object_set_new(o, "merge_fix_failed",
			    store_json_str(t->merge_fix_failed));
	return o;
}

/*
 * The gate's words on a topic it paired with another, with: "gate_says"
 * (gate-pair.h's) and "gate_suggest" (the merge-fix to record), null
 * without a pair.
 */
static void pair_words(json_t *o, const char *topic, const char *with)
{
	struct strbuf sb = STRBUF_INIT;

	if (!topic || !with) {
		json_object_set_new(o, "gate_says", json_null());
		json_object_set_new(o, "gate_suggest", json_null());
		return;
	}
	gate_pair_says(topic, with, &sb);
	json_object_set_new(o, "gate_says", json_string(sb.buf));
	strbuf_reset(&sb);
	gate_pair_suggest(topic, with, &sb);
	json_object_set_new(o, "gate_suggest", json_string(sb.buf));
	strbuf_release(&sb);
}

int next_build_get(struct db *db, int64_t id, json_t **out, struct strbuf *err)
{
	struct store_build_topic_list topics;
	struct store_build b;
	json_t *arr;
	size_t i;
	int ret;

	ret = store_build_get(db, id, &b, err);
	if (ret < 0)
		return ret;
	ret = store_build_topics(db, id, &topics, err);
	if (ret < 0) {
		store_build_release(&b);
		return ret;
	}
	*out = build_json(&b);
	arr = json_array();
	for (i = 0; i < topics.nr; i++) {
		const struct store_build_topic *t = &topics.v[i];
		json_t *o = build_topic_json(t);
		char *reason = NULL, *with = NULL;

		/* the gate's word on a topic it marked */
		if (t->gate && t->topic)
			gate_topic_word(db, t->topic, &reason, &with);
		json_object_set_new(o, "gate_reason", store_json_str(reason));
		json_object_set_new(o, "gate_with", store_json_str(with));
		pair_words(o, t->topic, with);
		json_array_append_new(arr, o);
		free(reason);
		free(with);
	}
	json_object_set_new(*out, "topics", arr);
	store_build_topic_list_release(&topics);
	store_build_release(&b);
	return 0;
}

int next_latest_build(struct db *db, json_t **out, struct strbuf *err)
{
	int64_t id;
	int ret;

	ret = store_builds_latest_id(db, &id, err);
	if (ret < 0)
		return ret;
	if (!id) {
		*out = json_null();
		return 0;
	}
	return next_build_get(db, id, out, err);
}

json_t *next_build_list(struct db *db, int64_t limit, struct strbuf *err)
{
	struct store_build_list list;
	json_t *out;
	size_t i;

	if (store_builds_list(db, limit, &list, err) < 0)
		return NULL;
	out = json_array();
	for (i = 0; i < list.nr; i++)
		json_array_append_new(out, build_json(&list.v[i]));
	store_build_list_release(&list);
	return out;
}
