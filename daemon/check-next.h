/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CHECK_NEXT_H
#define CTHULHU_CHECK_NEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct merge;
struct store_build;
struct strbuf;

/*
 * next as it would be with a queued series applied: the build's merges
 * before the series' topic kept as they are, the topic merged at its tip
 * plus the series, and every later topic merged again onto that, as the
 * Cthulhu merge does (next.c): the build's tips (the gate's fallback
 * tips among them), its recorded resolutions and the merge-fixes it
 * applied, topics that conflicted in the build left out.  Merge commits are written as objects only, with
 * the build's time, so that the same inputs give the same commits and
 * trees; no ref moves.
 */
struct check_next {
	bool in_next; /* the build merges the topic */
	bool clean;
	/* next with the series (the tip itself when !in_next), its tree */
	char commit[41], tree[41];
	/* a conflict: with which topic (NULL: the base), in which files */
	char *with;
	char **paths;
	size_t nr_paths;
};

void check_next_release(struct check_next *cn);

/*
 * Make next of build b with topic at tip; committer_* name the merges'
 * author and committer.  0 with out filled (a conflict too), or a
 * negative code with err set.  Engine thread (m is merge_handle()'s).
 */
int check_next_with(struct merge *m, struct db *db, const struct store_build *b,
		    const char *topic, const char *tip,
		    const char *committer_name, const char *committer_email,
		    struct check_next *out, struct strbuf *err);

#endif
