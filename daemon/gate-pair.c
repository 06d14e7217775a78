/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probes that pair a culprit with the topic it fails together with
 * (see gate-pair.h), and the words that name the pair.
 */
#include "daemon/config.h"
#include "daemon/gate-pair.h"
#include "daemon/merge-handle.h"
#include "daemon/merge.h"
#include "lib/error.h"
#include "lib/strbuf.h"

int gate_pair_commit(const struct config *cfg, const char *onto,
		     const char *topic, const char *tip, int64_t when,
		     char out[MERGE_HEXSZ + 1], struct strbuf *err)
{
	struct strbuf msg = STRBUF_INIT;
	struct merge_result res = { 0 };
	const char *parents[2];
	struct merge *m;
	int ret;

	ret = merge_handle(cfg, &m, NULL, err);
	if (ret < 0)
		return ret;
	ret = merge_commits(m, onto, tip, &res, err);
	if (ret < 0)
		return ret;
	if (!res.clean) {
		ret = error_set(err, ERR_CONFLICT,
				"'%s' conflicts when merged onto %.12s", topic,
				onto);
		goto out;
	}
	strbuf_addf(&msg,
		    "Merge branch '%s' into next\n\n"
		    "cthulhu gate: '%s' merged onto %.12s only, to pair it\n",
		    topic, topic, onto);
	parents[0] = onto;
	parents[1] = tip;
	ret = merge_write_commit(m, res.tree, parents, 2, msg.buf,
				 cfg->committer_name ? cfg->committer_name :
						       "Cthulhu",
				 cfg->committer_email ? cfg->committer_email :
							"cthulhu@localhost",
				 when, out, err);
out:
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
