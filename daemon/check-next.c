// SPDX-License-Identifier: GPL-2.0
/*
 * next with a queued series in it, for the speculative checks (see
 * check-next.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/check-next.h"
#include "daemon/merge-fix.h"
#include "daemon/merge.h"
#include "daemon/resolve.h"
#include "daemon/store/builds.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

void check_next_release(struct check_next *cn)
{
	size_t i;

	for (i = 0; i < cn->nr_paths; i++)
		free(cn->paths[i]);
	free(cn->paths);
	free(cn->with);
	memset(cn, 0, sizeof(*cn));
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* Whether path differs between trees t1 and t2. */
static bool path_changed(struct merge *m, const char *t1, const char *t2,
			 const char *path)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	int r1, r2;
	bool changed;

	r1 = merge_read_path(m, t1, path, &a, NULL);
	r2 = merge_read_path(m, t2, path, &b, NULL);
	changed = r1 != r2 || a.len != b.len || memcmp(a.buf, b.buf, a.len);
	strbuf_release(&a);
	strbuf_release(&b);
	return changed;
}

/*
 * The topic merged before position k whose merge changed one of the
 * conflicting paths last; NULL when none did (the base did).
 */
static char *conflicting_topic(struct merge *m, const char *base,
			       const struct store_build_topic_list *topics,
			       size_t k, char **paths, size_t nr)
{
	char t1[MERGE_HEXSZ + 1], t2[MERGE_HEXSZ + 1];
	const char *after, *before;
	size_t i, j, p;

	for (i = k; i-- > 0;) {
		const struct store_build_topic *t = &topics->v[i];

		after = or_empty(t->merge_commit);
		before = base;
		for (j = i; j-- > 0;)
			if (topics->v[j].merge_commit &&
			    *topics->v[j].merge_commit) {
				before = topics->v[j].merge_commit;
				break;
			}
		if (!*after || !strcmp(after, before))
			continue;
		/* the trees once per merge, not once per path */
		if (merge_commit_info(m, before, t1, NULL, NULL, NULL) < 0 ||
		    merge_commit_info(m, after, t2, NULL, NULL, NULL) < 0)
			continue;
		for (p = 0; p < nr; p++)
			if (path_changed(m, t1, t2, paths[p]))
				return xstrdup(or_empty(t->topic));
	}
	return NULL;
}

/*
 * Apply the merge-fixes the build applied at topic t's merge to tree (in
 * place), and add their trailers to msg.  1 when one no longer applies,
 * with out's paths set; 0, or a negative error.
 */
static int apply_build_fixes(struct merge *m, const struct store_build_topic *t,
			     char *tree, struct strbuf *msg,
			     struct check_next *out, struct strbuf *err)
{
	struct merge_fix *fixes;
	const struct merge_fix **ptrs;
	char fixed[MERGE_HEXSZ + 1];
	size_t i, failed = 0;
	int ret;

	if (!t->nr_merge_fixes)
		return 0;
	fixes = xcalloc(t->nr_merge_fixes, sizeof(*fixes));
	ptrs = xcalloc(t->nr_merge_fixes, sizeof(*ptrs));
	for (i = 0; i < t->nr_merge_fixes; i++) {
		fixes[i].topic = t->topic;
		snprintf(fixes[i].commit, sizeof(fixes[i].commit), "%s",
			 t->merge_fixes[i]);
		ptrs[i] = &fixes[i];
	}
	ret = merge_fix_apply(m, tree, ptrs, t->nr_merge_fixes, fixed, &failed,
			      &out->paths, &out->nr_paths, err);
	if (!ret) {
		memcpy(tree, fixed, sizeof(fixed));
		merge_fix_trailers(msg, t->topic, ptrs, t->nr_merge_fixes);
	}
	free(ptrs);
	free(fixes);
	return ret;
}

static void take_conflicts(struct check_next *out, struct merge_result *res)
{
	out->paths = res->conflicts;
	out->nr_paths = res->nr_conflicts;
	res->conflicts = NULL;
	res->nr_conflicts = 0;
}

int check_next_with(struct merge *m, struct db *db, const struct store_build *b,
		    const char *topic, const char *tip,
		    const char *committer_name, const char *committer_email,
		    struct check_next *out, struct strbuf *err)
{
	struct store_build_topic_list topics = { 0 };
	char head[MERGE_HEXSZ + 1];
	struct strbuf msg = STRBUF_INIT;
	size_t i, k;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = store_build_topics(db, b->id, &topics, err);
	if (ret < 0)
		return ret;
	for (k = 0; k < topics.nr; k++)
		if (!strcmp(or_empty(topics.v[k].topic), topic))
			break;
	if (k == topics.nr) {
		/* not in next: the topic with the series is all there is */
		out->clean = true;
		snprintf(out->commit, sizeof(out->commit), "%s", tip);
		ret = merge_commit_info(m, tip, out->tree, NULL, NULL, err);
		goto out;
	}
	out->in_next = true;
	snprintf(head, sizeof(head), "%s", or_empty(b->base));
	for (i = 0; i < k; i++)
		if (topics.v[i].merge_commit && *topics.v[i].merge_commit)
			snprintf(head, sizeof(head), "%s",
				 topics.v[i].merge_commit);
	for (i = k; i < topics.nr; i++) {
		const struct store_build_topic *t = &topics.v[i];
		const char *theirs = i == k ? tip : or_empty(t->tip);
		const char *outcome = or_empty(t->outcome);
		struct merge_result res;
		const char *parents[2];
		char made[MERGE_HEXSZ + 1];
		bool in, resolved = false;

		/* what the build left out stays out */
		if (i > k && (!*theirs || !strcmp(outcome, "conflict") ||
			      !strcmp(outcome, "missing")))
			continue;
		ret = merge_is_ancestor(m, theirs, head, &in, err);
		if (ret < 0)
			goto out;
		if (in)
			continue;
		merge_set_conflict_tree(m, resolve_has(db, t->topic));
		ret = merge_commits(m, head, theirs, &res, err);
		merge_set_conflict_tree(m, false);
		if (ret < 0)
			goto out;
		if (!res.clean && resolve_has(db, t->topic)) {
			char tree[MERGE_HEXSZ + 1];
			int64_t resolution;

			ret = resolve_try(db, m, res.tree, res.conflicts,
					  res.nr_conflicts, tree, &resolution,
					  err);
			if (ret < 0) {
				merge_result_release(&res);
				goto out;
			}
			if (ret > 0) {
				memcpy(res.tree, tree, sizeof(tree));
				resolved = true;
			}
			ret = 0;
		}
		if (!res.clean && !resolved) {
			out->with =
				i == k ? conflicting_topic(m, or_empty(b->base),
							   &topics, k,
							   res.conflicts,
							   res.nr_conflicts) :
					 xstrdup(or_empty(t->topic));
			take_conflicts(out, &res);
			merge_result_release(&res);
			goto out;
		}
		strbuf_reset(&msg);
		strbuf_addf(&msg, "Merge branch '%s' into next\n",
			    or_empty(t->topic));
		/* the build's merge-fixes of the topic, as next has them */
		ret = apply_build_fixes(m, t, res.tree, &msg, out, err);
		if (ret) {
			merge_result_release(&res);
			if (ret > 0) {
				out->with = xstrdup(or_empty(t->topic));
				ret = 0;
			}
			goto out;
		}
		parents[0] = head;
		parents[1] = theirs;
		ret = merge_write_commit(m, res.tree, parents, 2, msg.buf,
					 committer_name, committer_email,
					 b->started_at, made, err);
		merge_result_release(&res);
		if (ret < 0)
			goto out;
		memcpy(head, made, sizeof(made));
	}
	out->clean = true;
	memcpy(out->commit, head, sizeof(head));
	ret = merge_commit_info(m, head, out->tree, NULL, NULL, err);
out:
	strbuf_release(&msg);
	store_build_topic_list_release(&topics);
	return ret;
}
