/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the merge module remembers of merges made: whole merges by their
 * three trees and by their two commits (struct memo_table), and the
 * files git found conflicting by their three blobs (a content conflict
 * depends on nothing else), so that a later merge meeting the same
 * three blobs, and nothing else undecided, is reported without git.
 */
#include <stdlib.h>
#include <string.h>
#include <git2.h>

#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/merge-internal.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static size_t known_slot(struct merge *m, const git_oid key[3])
{
	uint32_t h = oid_hash(&key[0]) ^ (oid_hash(&key[1]) * 31) ^
		     (oid_hash(&key[2]) * 131);
	size_t pos = h & (m->known_size - 1);

	while (!git_oid_is_zero(&m->known[pos][1]) &&
	       memcmp(m->known[pos], key, sizeof(m->known[pos])))
		pos = (pos + 1) & (m->known_size - 1);
	return pos;
}

bool known_conflict(struct merge *m, const struct tentry *b,
		    const struct tentry *o, const struct tentry *t)
{
	git_oid key[3];

	memset(key, 0, sizeof(key));
	if (b)
		git_oid_cpy(&key[0], b->oid);
	git_oid_cpy(&key[1], o->oid);
	git_oid_cpy(&key[2], t->oid);
	return !git_oid_is_zero(&m->known[known_slot(m, key)][1]);
}

static void known_add(struct merge *m, const git_oid key[3])
{
	size_t pos;

	if (m->known_nr * 2 >= m->known_size) {
		memset(m->known, 0, m->known_size * sizeof(*m->known));
		m->known_nr = 0;
	}
	pos = known_slot(m, key);
	if (git_oid_is_zero(&m->known[pos][1])) {
		memcpy(m->known[pos], key, sizeof(m->known[pos]));
		m->known_nr++;
	}
}

static size_t memo_slot(struct memo_table *t, const git_oid key[3])
{
	uint32_t h = oid_hash(&key[0]) ^ (oid_hash(&key[1]) * 31) ^
		     (oid_hash(&key[2]) * 131);
	size_t pos = h & (t->size - 1);

	while (t->v[pos].used && !(git_oid_equal(&t->v[pos].key[0], &key[0]) &&
				   git_oid_equal(&t->v[pos].key[1], &key[1]) &&
				   git_oid_equal(&t->v[pos].key[2], &key[2])))
		pos = (pos + 1) & (t->size - 1);
	return pos;
}

static void memo_clear(struct memo_table *t)
{
	size_t i, j;

	for (i = 0; i < t->size; i++) {
		for (j = 0; j < t->v[i].nr_conflicts; j++)
			free(t->v[i].conflicts[j]);
		free(t->v[i].conflicts);
		memset(&t->v[i], 0, sizeof(t->v[i]));
	}
	t->nr = 0;
}

bool memo_get(struct merge *m, struct memo_table *t, const git_oid key[3],
	      struct merge_result *res)
{
	struct memo_entry *e = &t->v[memo_slot(t, key)];
	size_t i;

	if (!e->used ||
	    (!e->clean && git_oid_is_zero(&e->tree) && m->conflict_tree))
		return false;
	res->clean = e->clean;
	if (!git_oid_is_zero(&e->tree))
		git_oid_tostr(res->tree, sizeof(res->tree), &e->tree);
	res->nr_conflicts = e->nr_conflicts;
	res->conflicts = xcalloc(e->nr_conflicts + 1, sizeof(char *));
	for (i = 0; i < e->nr_conflicts; i++)
		res->conflicts[i] = xstrdup(e->conflicts[i]);
	res->fallback_reason = e->reason;
	/* the commit memo's, looked up before the bases are known */
	if (e->nr_bases && !res->nr_bases) {
		res->nr_bases = e->nr_bases;
		git_oid_tostr(res->base, sizeof(res->base), &e->base);
	}
	return true;
}

void memo_put(struct memo_table *t, const git_oid key[3],
	      const struct merge_result *res)
{
	struct memo_entry *e;
	size_t i;

	if (t->nr >= MEMO_MAX)
		memo_clear(t);
	e = &t->v[memo_slot(t, key)];
	if (e->used && (!git_oid_is_zero(&e->tree) || !*res->tree))
		return;
	if (e->used) {
		for (i = 0; i < e->nr_conflicts; i++)
			free(e->conflicts[i]);
		free(e->conflicts);
		t->nr--;
	}
	memset(e, 0, sizeof(*e));
	e->used = true;
	memcpy(e->key, key, sizeof(e->key));
	e->clean = res->clean;
	if (*res->tree)
		git_oid_fromstr(&e->tree, res->tree);
	e->nr_conflicts = res->nr_conflicts;
	e->conflicts = xcalloc(res->nr_conflicts + 1, sizeof(char *));
	for (i = 0; i < res->nr_conflicts; i++)
		e->conflicts[i] = xstrdup(res->conflicts[i]);
	e->nr_bases = res->nr_bases;
	e->reason = res->fallback_reason;
	if (*res->base)
		git_oid_fromstr(&e->base, res->base);
	t->nr++;
}

void memo_init(struct memo_table *t)
{
	t->size = 2 * MEMO_MAX;
	t->v = xcalloc(t->size, sizeof(*t->v));
	t->nr = 0;
}

void memo_release(struct memo_table *t)
{
	if (!t->v)
		return;
	memo_clear(t);
	free(t->v);
	t->v = NULL;
}

/* The entry at path in tree into e; false when none. */
static bool entry_at(struct merge *m, const git_oid *tree, const char *path,
		     git_oid *oid, unsigned int *mode)
{
	git_tree_entry *e = NULL;
	git_tree *t = NULL;
	bool found = false;

	if (git_tree_lookup(&t, m->repo, tree) < 0)
		return false;
	if (!git_tree_entry_bypath(&e, t, path)) {
		git_oid_cpy(oid, git_tree_entry_id(e));
		*mode = git_tree_entry_filemode_raw(e);
		found = true;
	}
	git_tree_entry_free(e);
	git_tree_free(t);
	return found;
}

/*
 * Remember the blobs of the files git found conflicting where that is a
 * plain content conflict: a regular file on both sides (and in the base,
 * or in neither: add/add), with modes that merge cleanly.
 */
void learn_conflicts(struct merge *m, const git_oid trees[3],
		     const struct merge_result *res)
{
	unsigned int mode[3];
	git_oid key[3];
	size_t i;
	bool has_base;

	for (i = 0; i < res->nr_conflicts; i++) {
		const char *path = res->conflicts[i];

		memset(key, 0, sizeof(key));
		has_base = entry_at(m, &trees[0], path, &key[0], &mode[0]);
		if (!entry_at(m, &trees[1], path, &key[1], &mode[1]) ||
		    !entry_at(m, &trees[2], path, &key[2], &mode[2]))
			continue;
		if (!has_base) {
			memset(&key[0], 0, sizeof(key[0]));
			mode[0] = 0;
		}
		if ((has_base && mode[0] != GIT_FILEMODE_BLOB &&
		     mode[0] != GIT_FILEMODE_BLOB_EXECUTABLE) ||
		    (mode[1] != GIT_FILEMODE_BLOB &&
		     mode[1] != GIT_FILEMODE_BLOB_EXECUTABLE) ||
		    (mode[2] != GIT_FILEMODE_BLOB &&
		     mode[2] != GIT_FILEMODE_BLOB_EXECUTABLE))
			continue;
		if (!(mode[1] == mode[2] || mode[1] == mode[0] ||
		      mode[2] == mode[0]))
			continue;
		if (git_oid_equal(&key[1], &key[2]) ||
		    (has_base && (git_oid_equal(&key[0], &key[1]) ||
				  git_oid_equal(&key[0], &key[2]))))
			continue;
		known_add(m, key);
	}
}
