/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_SERIES_RANGE_H
#define CTHULHU_SERIES_RANGE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/range-diff.h"
#include "lib/strbuf.h"

struct db;

/*
 * What changed between two versions of a series (daemon/range-diff.c on
 * both applied in memory): each version is applied as `git am` would,
 * through apply_onto(), onto its base in a repository whose writes go
 * to an in-memory object store, so no object, ref or work tree of the
 * tree changes.  A version's base is the commit its base-commit: names
 * when the tree has it, else the tip of the topic asked for, else the
 * first topic (in order) that both versions apply to.
 */

/* One version: its series, base and commits. */
struct series_range_side {
	int64_t series_id;
	int64_t version;
	char base[41];
	const char *base_from; /* "base-commit" or the topic's name */
	struct range_diff_commit *commits;
	size_t nr;
};

struct series_range {
	struct series_range_side old, new;
	char *topic; /* the topic tried last, NULL when base-commit served */
	struct range_diff rd;
	struct strbuf text; /* range_diff_format() of rd */
};

/*
 * The range-diff of series id against its other version: the one it
 * supersedes, else the one that supersedes it.  topic (NULL for none)
 * names the topic whose tip is the base of a version without a usable
 * base-commit.  ERR_NOT_FOUND for an unknown series or one with no other
 * version, ERR_UNPROCESSABLE when a version does not apply (err names
 * it).  Release out with series_range_release() (also after an error).
 */
int series_range_diff(struct db *db, int64_t id, const char *topic,
		      struct series_range *out, struct strbuf *err);
void series_range_release(struct series_range *r);

#endif
