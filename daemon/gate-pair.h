/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_GATE_PAIR_H
#define CTHULHU_GATE_PAIR_H

#include <stdint.h>

#include "daemon/merge.h"

struct config;
struct db;
struct strbuf;

/*
 * The gate names the pair.  The bisection (gate.c) finds the first merge
 * of a candidate that fails, its culprit; a culprit can be broken on its
 * own, or only together with a topic merged before it (a semantic
 * conflict: both merge cleanly, and the result does not build).  So the
 * culprit is tried on the base alone, and when that passes, bisected
 * again over the merges before it: merged onto next up to merge k for
 * the lowest k that fails, whose topic is the one it fails together
 * with.  Those probes are commits of their own, made here: the culprit
 * merged onto probe k, a two-parent merge like next's, written to the
 * repository (harmless when orphaned) and run like any other probe.
 */

/*
 * Merge tip (the culprit topic's) onto commit onto, next of build up to
 * the merge of topic upto (NULL: onto is the base), into out; when
 * (seconds) dates it, so that the same probe makes the same commit.
 * The merge takes the merge-fixes the build would give it there
 * (merge-fix.h): topic's own, and those of its pairs with the topics
 * merged up to upto, so that a pair that has a fix is not blamed.
 * ERR_CONFLICT when the merge conflicts, or a fix does not apply: that
 * probe cannot be run.
 */
int gate_pair_commit(struct db *db, const struct config *cfg, int64_t build,
		     const char *upto, const char *onto, const char *topic,
		     const char *tip, int64_t when, char out[MERGE_HEXSZ + 1],
		     struct strbuf *err);

/*
 * The words for the pair: "x86/b builds alone and fails together with
 * x86/a", appended to out.
 */
void gate_pair_says(const char *culprit, const char *partner,
		    struct strbuf *out);
/*
 * The command suggested to record a merge-fix for the pair, appended to
 * out: "cthulhu merge-fix record x86/b COMMIT --with x86/a".
 */
void gate_pair_suggest(const char *culprit, const char *partner,
		       struct strbuf *out);

#endif
