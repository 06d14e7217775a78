/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probes that pair a culprit with the topic it fails together with
 * (see gate-pair.h), and the words that name the pair.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/gate-pair.h"
#include "daemon/merge-fix.h"
#include "daemon/merge-handle.h"
#include "daemon/merge.h"
#include "daemon/store/builds.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/*
 * The merge-fixes a build makes the culprit's merge take when it is
 * merged onto next up to the merge of topic upto (NULL: the base): its
 * own, and those of its pairs with the topics of build merged up to
 * there, as next.c picks them.  *fixes (caller frees the array) points
 * into set, which the caller releases.
 */
static int pair_fixes(struct db *db, struct merge *m, int64_t build,
		      const char *upto, const char *culprit,
		      struct merge_fix_set *set,
		      const struct merge_fix ***fixes, size_t *nr,
		      struct strbuf *err)
{
	struct store_build_topic_list topics = { 0 };
	const char **merged = NULL;
	size_t i, nr_merged = 0;
	int ret;

	*fixes = NULL;
	*nr = 0;
	ret = merge_fix_load(db, m, &culprit, 1, set, err);
	if (ret < 0)
		return ret;
	if (upto) {
		ret = store_build_topics(db, build, &topics, err);
		if (ret < 0)
			return ret;
	}
	merged = xcalloc(topics.nr + 1, sizeof(*merged));
	for (i = 0; i < topics.nr; i++) {
		const struct store_build_topic *t = &topics.v[i];

		if (!t->topic || !strcmp(t->topic, culprit))
			break;
		if (store_build_outcome_in_next(t->outcome))
			merged[nr_merged++] = t->topic;
		if (!strcmp(t->topic, upto))
			break;
	}
	*nr = merge_fix_wanted(set, culprit, merged, nr_merged, fixes);
	free(merged);
	store_build_topic_list_release(&topics);
	return 0;
}

int gate_pair_commit(struct db *db, const struct config *cfg, int64_t build,
		     const char *upto, const char *onto, const char *topic,
		     const char *tip, int64_t when, char out[MERGE_HEXSZ + 1],
		     struct strbuf *err)
{
	struct strbuf msg = STRBUF_INIT;
	struct merge_result res = { 0 };
	struct merge_fix_set set = { 0 };
	const struct merge_fix **fixes = NULL;
	char tree[MERGE_HEXSZ + 1];
	const char *parents[2];
	char **conflicts = NULL;
	size_t nr_fixes = 0, failed = 0, nr_conflicts = 0, i;
	struct merge *m;
	int ret;

	ret = merge_handle(cfg, &m, NULL, err);
	if (ret < 0)
		return ret;
	ret = pair_fixes(db, m, build, upto, topic, &set, &fixes, &nr_fixes,
			 err);
	if (ret < 0)
		goto out;
	ret = merge_commits(m, onto, tip, &res, err);
	if (ret < 0)
		goto out;
	if (!res.clean) {
		ret = error_set(err, ERR_CONFLICT,
				"'%s' conflicts when merged onto %.12s", topic,
				onto);
		goto out;
	}
	/* the merge-fixes, as the build applies them to the merge */
	ret = merge_fix_apply(m, res.tree, fixes, nr_fixes, tree, &failed,
			      &conflicts, &nr_conflicts, err);
	if (ret < 0)
		goto out;
	if (ret > 0) {
		ret = error_set(
			err, ERR_CONFLICT,
			"merge-fix %.12s of '%s' does not apply when it is merged onto %.12s",
			fixes[failed]->commit, topic, onto);
		goto out;
	}
	strbuf_addf(&msg,
		    "Merge branch '%s' into next\n\n"
		    "cthulhu gate: '%s' merged onto %.12s only, to pair it\n",
		    topic, topic, onto);
	merge_fix_trailers(&msg, topic, fixes, nr_fixes);
	parents[0] = onto;
	parents[1] = tip;
	ret = merge_write_commit(m, tree, parents, 2, msg.buf,
				 cfg->committer_name ? cfg->committer_name :
						       "Cthulhu",
				 cfg->committer_email ? cfg->committer_email :
							"cthulhu@localhost",
				 when, out, err);
out:
	for (i = 0; i < nr_conflicts; i++)
		free(conflicts[i]);
	free(conflicts);
	free(fixes);
	merge_fix_set_release(&set);
	merge_result_release(&res);
	strbuf_release(&msg);
	return ret;
}

void gate_pair_says(const char *culprit, const char *partner,
		    struct strbuf *out)
{
	strbuf_addf(out, "%s builds alone and fails together with %s", culprit,
		    partner);
}

void gate_pair_suggest(const char *culprit, const char *partner,
		       struct strbuf *out)
{
	strbuf_addf(out, "cthulhu merge-fix record %s COMMIT --with %s",
		    culprit, partner);
}
