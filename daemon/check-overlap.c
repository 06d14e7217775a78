// SPDX-License-Identifier: GPL-2.0
/*
 * Conflicts between queued series (check-overlap.h).  The lines a
 * series changes are the preimage ranges of its hunks ("@@ -a,b"), per
 * file; two series that share a file are also applied one after the
 * other when they go to the same topic.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/am.h"
#include "daemon/check-apply.h"
#include "daemon/check-overlap.h"
#include "daemon/store/series-conflicts.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* Room for n elements in *v (*alloc of them). */
#define GROW(v, n, alloc)                                            \
	do {                                                         \
		if ((n) > (alloc)) {                                 \
			(alloc) = (n)*2;                             \
			(v) = xrealloc((v), (alloc) * sizeof(*(v))); \
		}                                                    \
	} while (0)

struct range {
	long lo, hi; /* [lo, hi) */
};

struct file_lines {
	char *path;
	struct range *v;
	size_t nr, alloc;
};

struct series_lines {
	struct file_lines *files;
	size_t nr, alloc;
};

static void series_lines_release(struct series_lines *sl)
{
	size_t i;

	for (i = 0; i < sl->nr; i++) {
		free(sl->files[i].path);
		free(sl->files[i].v);
	}
	free(sl->files);
	memset(sl, 0, sizeof(*sl));
}

static struct file_lines *file_of(struct series_lines *sl, const char *path,
				  size_t len)
{
	size_t i;

	for (i = 0; i < sl->nr; i++)
		if (strlen(sl->files[i].path) == len &&
		    !memcmp(sl->files[i].path, path, len))
			return &sl->files[i];
	GROW(sl->files, sl->nr + 1, sl->alloc);
	memset(&sl->files[sl->nr], 0, sizeof(*sl->files));
	sl->files[sl->nr].path = xstrndup(path, len);
	return &sl->files[sl->nr++];
}

/* The files and preimage lines of a diff text, added to sl. */
static void lines_of_diff(const char *diff, size_t len, struct series_lines *sl)
{
	const char *p = diff, *end = diff + len, *eol;
	struct file_lines *cur = NULL;

	for (; p < end; p = eol + 1) {
		eol = memchr(p, '\n', end - p);
		if (!eol)
			eol = end;
		if (eol - p > 11 && !strncmp(p, "diff --git ", 11)) {
			/* "diff --git a/X b/X": the b/ side */
			const char *b = NULL, *q;

			for (q = eol - 1; q > p + 11; q--)
				if (q[0] == ' ' && q[1] == 'b' && q[2] == '/') {
					b = q + 3;
					break;
				}
			cur = b ? file_of(sl, b, eol - b) : NULL;
		} else if (cur && eol - p > 4 && !strncmp(p, "@@ -", 4)) {
			long a = 0, n = 1;
			struct range *r;

			if (sscanf(p + 4, "%ld,%ld", &a, &n) < 1)
				continue;
			if (n < 1)
				n = 1;
			GROW(cur->v, cur->nr + 1, cur->alloc);
			r = &cur->v[cur->nr++];
			r->lo = a;
			r->hi = a + n;
		}
	}
}

static void lines_of_series(const struct am_series *as, struct series_lines *sl)
{
	size_t i;

	memset(sl, 0, sizeof(*sl));
	for (i = 0; i < as->nr; i++)
		lines_of_diff(as->v[i].patch.diff, as->v[i].patch.diff_len, sl);
}

/*
 * The first file both change into *shared (borrowed from one), and
 * whether they change the same lines of one (then *shared names it).
 */
static bool overlap(const struct series_lines *one,
		    const struct series_lines *two, const char **shared)
{
	size_t i, j, a, b;

	*shared = NULL;
	for (i = 0; i < one->nr; i++) {
		for (j = 0; j < two->nr; j++) {
			const struct file_lines *f = &one->files[i];
			const struct file_lines *g = &two->files[j];

			if (strcmp(f->path, g->path))
				continue;
			if (!*shared)
				*shared = f->path;
			for (a = 0; a < f->nr; a++)
				for (b = 0; b < g->nr; b++)
					if (f->v[a].lo < g->v[b].hi &&
					    g->v[b].lo < f->v[a].hi) {
						*shared = f->path;
						return true;
					}
		}
	}
	return false;
}

/* The first file of sl that text names, else fallback. */
static const char *file_named(const struct series_lines *sl, const char *text,
			      const char *fallback)
{
	size_t i;

	for (i = 0; i < sl->nr; i++)
		if (strstr(text, sl->files[i].path))
			return sl->files[i].path;
	return fallback;
}

/*
 * The lines of each queued series seen, by series id: a series' patches
 * do not change once it is complete, and a long queue is compared with
 * each series checked.  Engine thread only.
 */
static struct lines_memo {
	int64_t id;
	struct series_lines sl;
	bool loadable; /* false: it could not be loaded (incomplete) */
} * memo;
static size_t memo_nr, memo_alloc;

/* The lines of series id, from the memo or loaded into it; borrowed. */
static const struct series_lines *
lines_of_id(struct db *db, const struct config *cfg, int64_t id)
{
	struct strbuf why = STRBUF_INIT;
	struct am_series as = { 0 };
	size_t lo = 0, hi = memo_nr;
	struct lines_memo *e;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memo[mid].id == id)
			return memo[mid].loadable ? &memo[mid].sl : NULL;
		if (memo[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (am_series_load(db, cfg, id, NULL, 0, &as, &why) < 0) {
		/* incomplete now, perhaps not later: not kept */
		am_series_release(&as);
		strbuf_release(&why);
		return NULL;
	}
	GROW(memo, memo_nr + 1, memo_alloc);
	memmove(&memo[lo + 1], &memo[lo], (memo_nr - lo) * sizeof(*memo));
	memo_nr++;
	e = &memo[lo];
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->loadable = true;
	lines_of_series(&as, &e->sl);
	am_series_release(&as);
	strbuf_release(&why);
	return &e->sl;
}

/* Compare series id with one peer; record what conflicts. */
static int check_pair(struct db *db, struct repo *repo,
		      const struct config *cfg, int64_t id,
		      const struct series_lines *mine, const char *topic,
		      const char *tip, const char *new_tip, int64_t when,
		      const struct check_peer *peer, struct strbuf *err)
{
	struct store_series_conflict c = { 0 };
	const struct series_lines *theirs;
	struct strbuf why = STRBUF_INIT;
	struct am_series as = { 0 };
	char out[41];
	const char *shared;
	bool lines;
	int ret = 0;

	/* a series that cannot be loaded (incomplete) conflicts with none */
	theirs = lines_of_id(db, cfg, peer->id);
	if (!theirs)
		return 0;
	lines = overlap(mine, theirs, &shared);
	if (!shared)
		return 0;
	c.series_id = id;
	c.other_id = peer->id;
	c.created_at = time(NULL);
	if (topic && peer->topic && !strcmp(topic, peer->topic) &&
	    !strcmp(tip, peer->tip) &&
	    am_series_load(db, cfg, peer->id, NULL, 0, &as, &why) >= 0) {
		strbuf_reset(&why);
		if (check_apply(repo, cfg, &as, new_tip, when, out, &why) < 0) {
			struct strbuf alone = STRBUF_INIT;

			/* it must apply on its own for the pair to matter */
			if (!check_apply(repo, cfg, &as, tip, when, out,
					 &alone)) {
				c.how = "apply";
				c.path = (char *)file_named(theirs, why.buf,
							    shared);
				c.detail = why.buf;
			}
			strbuf_release(&alone);
		}
	}
	if (!c.how && lines) {
		c.how = "lines";
		c.path = (char *)shared;
		c.detail = "";
	}
	if (c.how)
		ret = store_series_conflict_put(db, &c, err);
	am_series_release(&as);
	strbuf_release(&why);
	return ret;
}

int check_overlap(struct db *db, struct repo *repo, const struct config *cfg,
		  int64_t id, const struct am_series *as, const char *topic,
		  const char *tip, const char *new_tip, int64_t when,
		  const struct check_peer *peers, size_t nr, struct strbuf *err)
{
	struct series_lines mine;
	size_t i;
	int ret;

	ret = store_series_conflicts_forget(db, id, err);
	if (ret < 0)
		return ret;
	lines_of_series(as, &mine);
	for (i = 0; !ret && i < nr; i++)
		if (peers[i].id != id)
			ret = check_pair(db, repo, cfg, id, &mine, topic, tip,
					 new_tip, when, &peers[i], err);
	series_lines_release(&mine);
	return ret;
}

json_t *check_conflicts_json(struct db *db, int64_t id, struct strbuf *err)
{
	struct store_series_conflict_list list = { 0 };
	struct strbuf says = STRBUF_INIT;
	json_t *out;
	size_t i;

	if (store_series_conflicts_of(db, id, &list, err) < 0)
		return NULL;
	out = json_array();
	for (i = 0; i < list.nr; i++) {
		const struct store_series_conflict *c = &list.v[i];

		strbuf_reset(&says);
		strbuf_addf(&says, "conflicts with series %lld by %s in %s",
			    (long long)c->other_id,
			    c->other_author && *c->other_author ?
				    c->other_author :
				    "(unknown)",
			    c->path ? c->path : "");
		if (c->how && !strcmp(c->how, "lines"))
			strbuf_addstr(&says, " (both change the same lines)");
		else
			strbuf_addstr(&says,
				      " (one does not apply after the other)");
		json_array_append_new(
			out,
			json_pack("{s:I, s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s}",
				  "series", (json_int_t)c->other_id, "version",
				  (json_int_t)c->other_version, "author",
				  c->other_author, "subject", c->other_subject,
				  "how", c->how, "path", c->path, "detail",
				  c->detail, "says", says.buf));
	}
	strbuf_release(&says);
	store_series_conflict_list_release(&list);
	return out;
}
