/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_MERGE_FIX_H
#define CTHULHU_MERGE_FIX_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "daemon/merge.h"

struct db;
struct job_ctx;
struct strbuf;

/*
 * Merge-fixes: the semantic conflicts a textual merge cannot see (topic
 * A renames a function, topic B adds a caller of the old name; each
 * builds alone, next does not).  A merge-fix is a commit whose change,
 * its tree against its first parent's, is applied to a topic's merge
 * into next as git cherry-pick --no-commit would, so that the merge
 * commit's tree has it and next keeps one merge commit per topic; the
 * merge commit's message says so with a "Merge-fix: <commit>" line.
 *
 * A topic's own fix is the commit at refs/merge-fix/<topic>, git's
 * convention (Documentation/howto/maintain-git.txt): a maintainer who
 * moves that ref with git gets the same as with "cthulhu merge-fix
 * record".  A fix of a pair (topic, with) is applied at the later of
 * the two topics' merges, and only when the other was merged in that
 * build; it is a row of the merge_fixes table (store/merge-fixes.h),
 * since one ref name cannot say which of "a+b/c" is the pair, its commit
 * kept from gc by the ref refs/cthulhu/merge-fix/<commit>.
 *
 * A fix that no longer applies (the merge changed the lines it changes)
 * is a conflict of its topic's merge, on the paths where it conflicts.
 */
#define MERGE_FIX_REF_PREFIX "refs/merge-fix/"
#define MERGE_FIX_KEEP_PREFIX "refs/cthulhu/merge-fix/"

struct merge_fix {
	char *topic;
	char *with; /* NULL: the topic's own, at refs/merge-fix/<topic> */
	char commit[MERGE_HEXSZ + 1];
};

struct merge_fix_set {
	struct merge_fix *v;
	size_t nr;
};

void merge_fix_set_release(struct merge_fix_set *set);

/*
 * Every merge-fix of the topics names[0..nr) (their own refs, read
 * through m, and the pairs of the table) into *out; engine thread.
 */
int merge_fix_load(struct db *db, struct merge *m, const char *const *names,
		   size_t nr, struct merge_fix_set *out, struct strbuf *err);

/*
 * The fixes of set to apply at topic's merge, merged[0..nr_merged) the
 * topics merged into next before it in the same build: topic's own, then
 * those of each pair of topic with a merged topic.  *out (caller frees
 * the array; its elements are borrowed from set) gets them; returns how
 * many.
 */
size_t merge_fix_wanted(const struct merge_fix_set *set, const char *topic,
			const char *const *merged, size_t nr_merged,
			const struct merge_fix ***out);

/*
 * Apply fixes[0..nr) in turn to tree (a merge's result), each merged as
 * git cherry-pick merges a commit.  Returns 0 with out (MERGE_HEXSZ + 1
 * bytes) the fixed tree; 1 when fixes[*failed] no longer applies, with
 * *conflicts (caller frees each and the array) its nr_conflicts paths;
 * a negative error (an unreadable or root commit) with err set.
 */
int merge_fix_apply(struct merge *m, const char *tree,
		    const struct merge_fix *const *fixes, size_t nr, char *out,
		    size_t *failed, char ***conflicts, size_t *nr_conflicts,
		    struct strbuf *err);

/*
 * The lines "Merge-fix: <commit>" of the fixes of topic's merge, to msg,
 * a pair's with " (with '<the other topic>')".
 */
void merge_fix_trailers(struct strbuf *msg, const char *topic,
			const struct merge_fix *const *fixes, size_t nr);

/*
 * Every merge-fix, for the API, from any thread: *out (new reference)
 * [{"topic", "with", "commit", "ref", "recorded_at"}], the topics' own
 * first ("with" and "recorded_at" null), then the pairs.
 */
int merge_fix_list(struct db *db, json_t **out, struct strbuf *err);

/*
 * The jobs (daemon/job-table.c registers them), each kicking a rebuild
 * of next (trigger "merge-fix"):
 *   "merge-fix-record" {"topic", "commit", "with"?}: commit (any
 *       revision naming a commit with a parent) becomes topic's fix (its
 *       ref moved compare-and-swap), or the fix of topic with "with";
 *       the gate's ejections it mends are lifted (gate-lift.h)
 *       -> {"topic", "with", "commit", "ref", "previous", "lifted":
 *       [the topics whose ejection it lifted]}
 *   "merge-fix-drop" {"topic", "with"?}: forget it (ERR_NOT_FOUND when
 *       there is none) -> {"topic", "with", "dropped": commit}
 */
int merge_fix_job_record(struct job_ctx *ctx, json_t *args, json_t **result,
			 struct strbuf *err);
int merge_fix_job_drop(struct job_ctx *ctx, json_t *args, json_t **result,
		       struct strbuf *err);

#endif
