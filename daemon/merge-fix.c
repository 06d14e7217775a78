/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Merge-fixes (see merge-fix.h): which fixes a topic's merge into next
 * takes, applying them to the merge's tree, and recording and dropping
 * them.
 *
 * Order of writes, for crash safety: a pair's keep-alive ref first
 * (harmless when orphaned: it only keeps a commit), then its row, then
 * the keep-alive ref of the commit the row no longer names; a topic's
 * own fix is its ref alone, moved compare-and-swap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/bus.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/gate-lift.h"
#include "daemon/jobs.h"
#include "daemon/merge-fix.h"
#include "daemon/merge-handle.h"
#include "daemon/merge.h"
#include "daemon/repo.h"
#include "daemon/store/merge-fixes.h"
#include "daemon/store/row.h"
#include "daemon/store/topics.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

void merge_fix_set_release(struct merge_fix_set *set)
{
	size_t i;

	for (i = 0; i < set->nr; i++) {
		free(set->v[i].topic);
		free(set->v[i].with);
	}
	free(set->v);
	set->v = NULL;
	set->nr = 0;
}

static void set_add(struct merge_fix_set *set, const char *topic,
		    const char *with, const char *commit)
{
	struct merge_fix *f;

	set->v = xrealloc(set->v, (set->nr + 1) * sizeof(*set->v));
	f = &set->v[set->nr++];
	f->topic = xstrdup(topic);
	f->with = xstrdup_or_null(with);
	snprintf(f->commit, sizeof(f->commit), "%s", commit);
}

static void own_ref(struct strbuf *ref, const char *topic)
{
	strbuf_reset(ref);
	strbuf_addf(ref, MERGE_FIX_REF_PREFIX "%s", topic);
}

static void keep_ref(struct strbuf *ref, const char *commit)
{
	strbuf_reset(ref);
	strbuf_addf(ref, MERGE_FIX_KEEP_PREFIX "%s", commit);
}

int merge_fix_load(struct db *db, struct merge *m, const char *const *names,
		   size_t nr, struct merge_fix_set *out, struct strbuf *err)
{
	struct store_merge_fix_list pairs = { 0 };
	struct strbuf ref = STRBUF_INIT;
	char hex[MERGE_HEXSZ + 1];
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < nr; i++) {
		own_ref(&ref, names[i]);
		if (merge_resolve_commit(m, ref.buf, hex, NULL) < 0)
			continue;
		set_add(out, names[i], NULL, hex);
	}
	ret = store_merge_fixes_list(db, &pairs, err);
	for (i = 0; !ret && i < pairs.nr; i++)
		if (pairs.v[i].topic && pairs.v[i].other && pairs.v[i].commit)
			set_add(out, pairs.v[i].topic, pairs.v[i].other,
				pairs.v[i].commit);
	if (ret < 0)
		merge_fix_set_release(out);
	store_merge_fix_list_release(&pairs);
	strbuf_release(&ref);
	return ret;
}

static bool among(const char *name, const char *const *names, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

size_t merge_fix_wanted(const struct merge_fix_set *set, const char *topic,
			const char *const *merged, size_t nr_merged,
			const struct merge_fix ***out)
{
	size_t i, n = 0;

	*out = xcalloc(set->nr + 1, sizeof(**out));
	for (i = 0; i < set->nr; i++)
		if (!set->v[i].with && !strcmp(set->v[i].topic, topic))
			(*out)[n++] = &set->v[i];
	for (i = 0; i < set->nr; i++) {
		const struct merge_fix *f = &set->v[i];

		if (!f->with)
			continue;
		if ((!strcmp(f->topic, topic) &&
		     among(f->with, merged, nr_merged)) ||
		    (!strcmp(f->with, topic) &&
		     among(f->topic, merged, nr_merged)))
			(*out)[n++] = f;
	}
	return n;
}

/* The trees of fix and of its first parent: its change. */
static int fix_trees(struct merge *m, const char *commit, char *tree,
		     char *parent_tree, struct strbuf *err)
{
	char(*parents)[MERGE_HEXSZ + 1] = NULL,
				     (*grand)[MERGE_HEXSZ + 1] = NULL;
	size_t nr = 0, nr_grand = 0;
	int ret;

	ret = merge_commit_info(m, commit, tree, &parents, &nr, err);
	if (ret < 0)
		return ret;
	if (!nr) {
		ret = error_set(err, ERR_INVALID,
				"merge-fix '%s' is a root commit: it has no change",
				commit);
		goto out;
	}
	ret = merge_commit_info(m, parents[0], parent_tree, &grand, &nr_grand,
				err);
out:
	free(parents);
	free(grand);
	return ret;
}

int merge_fix_apply(struct merge *m, const char *tree,
		    const struct merge_fix *const *fixes, size_t nr, char *out,
		    size_t *failed, char ***conflicts, size_t *nr_conflicts,
		    struct strbuf *err)
{
	char fix_tree[MERGE_HEXSZ + 1], parent_tree[MERGE_HEXSZ + 1];
	struct merge_result res;
	size_t i;
	int ret;

	snprintf(out, MERGE_HEXSZ + 1, "%s", tree);
	for (i = 0; i < nr; i++) {
		ret = fix_trees(m, fixes[i]->commit, fix_tree, parent_tree,
				err);
		if (ret < 0)
			return ret;
		ret = merge_trees(m, parent_tree, out, fix_tree, &res, err);
		if (ret < 0)
			return ret;
		if (!res.clean) {
			*failed = i;
			*conflicts = res.conflicts;
			*nr_conflicts = res.nr_conflicts;
			res.conflicts = NULL;
			res.nr_conflicts = 0;
			merge_result_release(&res);
			return 1;
		}
		memcpy(out, res.tree, MERGE_HEXSZ + 1);
		merge_result_release(&res);
	}
	return 0;
}

void merge_fix_trailers(struct strbuf *msg, const char *topic,
			const struct merge_fix *const *fixes, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct merge_fix *f = fixes[i];

		strbuf_addf(msg, "%sMerge-fix: %s", i ? "" : "\n", f->commit);
		if (f->with)
			strbuf_addf(msg, " (with '%s')",
				    strcmp(f->topic, topic) ? f->topic :
							      f->with);
		strbuf_addch(msg, '\n');
	}
}

/* --- reads ------------------------------------------------------------- */

int merge_fix_list(struct db *db, json_t **out, struct strbuf *err)
{
	struct store_merge_fix_list pairs = { 0 };
	struct store_topic_list topics = { 0 };
	struct strbuf ref = STRBUF_INIT;
	char hex[REPO_HEXSZ + 1];
	struct repo *repo;
	size_t i;
	int ret;

	repo = repo_thread(err);
	if (!repo)
		return -EIO;
	ret = store_topics_list(db, false, &topics, err);
	if (!ret)
		ret = store_merge_fixes_list(db, &pairs, err);
	if (ret < 0)
		goto out;
	*out = json_array();
	for (i = 0; i < topics.nr; i++) {
		own_ref(&ref, topics.v[i].name);
		if (repo_ref_oid(repo, ref.buf, hex, NULL) < 0)
			continue;
		json_array_append_new(*out,
				      json_pack("{s:s, s:n, s:s, s:s, s:n}",
						"topic", topics.v[i].name,
						"with", "commit", hex, "ref",
						ref.buf, "recorded_at"));
	}
	for (i = 0; i < pairs.nr; i++) {
		const struct store_merge_fix *f = &pairs.v[i];

		keep_ref(&ref, f->commit ? f->commit : "");
		json_array_append_new(*out,
				      json_pack("{s:o, s:o, s:o, s:s, s:I}",
						"topic",
						store_json_str(f->topic),
						"with",
						store_json_str(f->other),
						"commit",
						store_json_str(f->commit),
						"ref", ref.buf, "recorded_at",
						(json_int_t)f->recorded_at));
	}
out:
	store_topic_list_release(&topics);
	store_merge_fix_list_release(&pairs);
	strbuf_release(&ref);
	return ret;
}

/* --- jobs -------------------------------------------------------------- */

/* Tell the stream, and rebuild next with the fixes as they are now. */
static void fix_changed(const char *state, const char *topic, const char *with,
			const char *commit)
{
	bus_publish("merge-fix",
		    json_pack("{s:s, s:s, s:s?, s:s?}", "state", state, "topic",
			      topic, "with", with, "commit", commit));
	engine_kick(JOB_NEXT_REBUILD,
		    json_pack("{s:s}", "trigger", "merge-fix"), 0);
}

/* Forget the keep-alive ref of commit when no pair names it now. */
static void unkeep(struct db *db, struct merge *m, const char *commit)
{
	struct strbuf ref = STRBUF_INIT, err = STRBUF_INIT;
	char hex[MERGE_HEXSZ + 1];
	int64_t n = 1;

	if (store_merge_fixes_using(db, commit, &n, &err) < 0 || n)
		goto out;
	keep_ref(&ref, commit);
	if (merge_resolve_commit(m, ref.buf, hex, NULL) < 0)
		goto out;
	if (merge_delete_ref(m, ref.buf, hex, &err) < 0)
		log_warn("merge-fix: %s", err.buf);
out:
	strbuf_release(&ref);
	strbuf_release(&err);
}

/* The names of args: topic (an existing topic) and with (or NULL). */
static int fix_names(struct job_ctx *ctx, json_t *args, bool known,
		     const char **topic, const char **with, struct strbuf *err)
{
	struct store_topic t = { 0 };
	int ret;

	*topic = json_string_value(json_object_get(args, "topic"));
	*with = json_string_value(json_object_get(args, "with"));
	if (!*topic || !**topic)
		return error_set(err, ERR_INVALID, "no topic given");
	if (json_object_get(args, "with") &&
	    !json_is_null(json_object_get(args, "with")) && (!*with || !**with))
		return error_set(err, ERR_INVALID, "'with' must name a topic");
	if (*with && !strcmp(*topic, *with))
		return error_set(err, ERR_INVALID,
				 "a merge-fix of '%s' with itself is its own: "
				 "leave out 'with'",
				 *topic);
	if (!known)
		return 0;
	ret = store_topic_get(ctx->db, *topic, &t, err);
	store_topic_release(&t);
	if (!ret && *with) {
		ret = store_topic_get(ctx->db, *with, &t, err);
		store_topic_release(&t);
	}
	return ret;
}

static int record_own(struct merge *m, const char *topic, const char *commit,
		      char *previous, struct strbuf *ref, struct strbuf *err)
{
	own_ref(ref, topic);
	if (!repo_refname_valid(ref->buf))
		return error_set(err, ERR_INVALID,
				 "'%s' is no valid ref name for a merge-fix",
				 ref->buf);
	if (merge_resolve_commit(m, ref->buf, previous, NULL) < 0)
		previous[0] = 0;
	if (!strcmp(previous, commit))
		return 0;
	return merge_update_ref(m, ref->buf, commit, previous,
				"cthulhu: merge-fix record", err);
}

static int record_pair(struct job_ctx *ctx, struct merge *m, const char *topic,
		       const char *with, const char *commit, char *previous,
		       struct strbuf *ref, struct strbuf *err)
{
	struct store_merge_fix was = { 0 };
	char hex[MERGE_HEXSZ + 1];
	bool found;
	int ret;

	keep_ref(ref, commit);
	if (merge_resolve_commit(m, ref->buf, hex, NULL) < 0) {
		ret = merge_update_ref(m, ref->buf, commit, NULL,
				       "cthulhu: merge-fix record", err);
		if (ret < 0)
			return ret;
	}
	ret = store_merge_fix_get(ctx->db, topic, with, &was, &found, err);
	if (ret < 0)
		return ret;
	snprintf(previous, MERGE_HEXSZ + 1, "%s",
		 found && was.commit ? was.commit : "");
	ret = store_merge_fix_put(ctx->db, topic, with, commit,
				  (int64_t)time(NULL), err);
	if (!ret && *previous && strcmp(previous, commit))
		unkeep(ctx->db, m, previous);
	store_merge_fix_release(&was);
	return ret;
}

int merge_fix_job_record(struct job_ctx *ctx, json_t *args, json_t **result,
			 struct strbuf *err)
{
	const char *rev = json_string_value(json_object_get(args, "commit"));
	char commit[MERGE_HEXSZ + 1], tree[MERGE_HEXSZ + 1];
	char parent_tree[MERGE_HEXSZ + 1], previous[MERGE_HEXSZ + 1] = "";
	struct strbuf ref = STRBUF_INIT;
	const char *topic, *with;
	json_t *lifted;
	struct merge *m;
	int ret;

	ret = fix_names(ctx, args, true, &topic, &with, err);
	if (ret < 0)
		return ret;
	if (!rev || !*rev)
		return error_set(err, ERR_INVALID, "no commit given");
	ret = merge_handle(ctx->config, &m, NULL, err);
	if (ret < 0)
		return ret;
	ret = merge_resolve_commit(m, rev, commit, err);
	if (ret < 0)
		return ret;
	ret = fix_trees(m, commit, tree, parent_tree, err);
	if (ret < 0)
		return ret;
	if (!strcmp(tree, parent_tree))
		return error_set(err, ERR_INVALID,
				 "merge-fix '%s' changes nothing", rev);
	lifted = json_array();
	if (with)
		ret = record_pair(ctx, m, topic, with, commit, previous, &ref,
				  err);
	else
		ret = record_own(m, topic, commit, previous, &ref, err);
	/* the topic the gate ejected for want of it is tried again */
	if (!ret)
		ret = gate_lift(ctx->db, topic, with, commit, lifted, err);
	if (ret < 0)
		goto out;
	log_info("merge-fix: '%s'%s%s%s is %s", topic, with ? " with '" : "",
		 with ? with : "", with ? "'" : "", commit);
	*result = json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:O}", "topic", topic,
			    "with", with, "commit", commit, "ref", ref.buf,
			    "previous", *previous ? previous : NULL, "lifted",
			    lifted);
	fix_changed("recorded", topic, with, commit);
out:
	json_decref(lifted);
	strbuf_release(&ref);
	return ret;
}

int merge_fix_job_drop(struct job_ctx *ctx, json_t *args, json_t **result,
		       struct strbuf *err)
{
	char commit[MERGE_HEXSZ + 1] = "";
	struct store_merge_fix was = { 0 };
	struct strbuf ref = STRBUF_INIT;
	const char *topic, *with;
	struct merge *m;
	bool found;
	int ret;

	ret = fix_names(ctx, args, false, &topic, &with, err);
	if (ret < 0)
		return ret;
	ret = merge_handle(ctx->config, &m, NULL, err);
	if (ret < 0)
		return ret;
	if (with) {
		ret = store_merge_fix_get(ctx->db, topic, with, &was, &found,
					  err);
		if (!ret && !found)
			ret = error_set(err, ERR_NOT_FOUND,
					"no merge-fix of '%s' with '%s'", topic,
					with);
		if (!ret) {
			snprintf(commit, sizeof(commit), "%s",
				 was.commit ? was.commit : "");
			ret = store_merge_fix_forget(ctx->db, topic, with, err);
		}
		if (!ret && *commit)
			unkeep(ctx->db, m, commit);
	} else {
		own_ref(&ref, topic);
		if (merge_resolve_commit(m, ref.buf, commit, NULL) < 0)
			ret = error_set(err, ERR_NOT_FOUND,
					"no merge-fix of '%s' ('%s')", topic,
					ref.buf);
		else
			ret = merge_delete_ref(m, ref.buf, commit, err);
	}
	if (ret < 0)
		goto out;
	log_info("merge-fix: '%s'%s%s%s dropped (%s)", topic,
		 with ? " with '" : "", with ? with : "", with ? "'" : "",
		 commit);
	*result = json_pack("{s:s, s:s?, s:s}", "topic", topic, "with", with,
			    "dropped", commit);
	fix_changed("dropped", topic, with, commit);
out:
	store_merge_fix_release(&was);
	strbuf_release(&ref);
	return ret;
}
