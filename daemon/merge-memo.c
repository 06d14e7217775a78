/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the merge module remembers of merges made: whole merges by their
 * three trees and by their two commits (struct memo_table), and the
 * files git found conflicting by their three blobs (a content conflict
 * depends on nothing else), so that a later merge meeting the same
 * three blobs, and nothing else undecided, is reported without git.
 */
#include <stdio.h>
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

	if (!e->used)
		return false;
	/* kept from before: git gc may have pruned its tree since */
	if (e->unchecked) {
		e->unchecked = false;
		if (!git_oid_is_zero(&e->tree) &&
		    !git_odb_exists(m->odb, &e->tree))
			memset(&e->tree, 0, sizeof(e->tree));
	}
	/* a clean merge without its tree is one to make again */
	if (git_oid_is_zero(&e->tree) && (e->clean || m->conflict_tree))
		return false;
	res->method = e->libgit2 ? MERGE_METHOD_LIBGIT2 : MERGE_METHOD_CACHED;
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

/* Note a new memo for merge_memo_take(). */
static void memo_new(struct merge *m, struct memo_table *t,
		     const git_oid key[3])
{
	if (m->nr_new_memos >= 2 * MEMO_MAX)
		return;
	if (m->nr_new_memos == m->new_memos_alloc) {
		m->new_memos_alloc =
			m->new_memos_alloc ? 2 * m->new_memos_alloc : 64;
		m->new_memos =
			xrealloc(m->new_memos,
				 m->new_memos_alloc * sizeof(*m->new_memos));
	}
	m->new_memos[m->nr_new_memos].t = t;
	memcpy(m->new_memos[m->nr_new_memos].key, key,
	       sizeof(m->new_memos[0].key));
	m->nr_new_memos++;
}

void memo_put(struct merge *m, struct memo_table *t, const git_oid key[3],
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
	e->libgit2 = res->method == MERGE_METHOD_LIBGIT2;
	if (*res->base)
		git_oid_fromstr(&e->base, res->base);
	t->nr++;
	if (m && !e->libgit2)
		memo_new(m, t, key);
}

void memo_init(struct memo_table *t, const char *kind)
{
	t->size = 2 * MEMO_MAX;
	t->v = xcalloc(t->size, sizeof(*t->v));
	t->nr = 0;
	t->kind = kind;
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

/* --- memoised merges kept beyond the process ------------------------------ */

/* "trees <base> <ours> <theirs>" or "commits <ours> <theirs>". */
static void memo_key_text(const struct memo_table *t, const git_oid key[3],
			  struct strbuf *out)
{
	char hex[GIT_OID_HEXSZ + 1];
	int i, n = git_oid_is_zero(&key[2]) ? 2 : 3;

	strbuf_addstr(out, t->kind);
	for (i = 0; i < n; i++) {
		git_oid_tostr(hex, sizeof(hex), &key[i]);
		strbuf_addf(out, " %s", hex);
	}
}

static int memo_key_parse(struct merge *m, const char *text,
			  struct memo_table **t, git_oid key[3])
{
	const char *p;
	int i, n;

	memset(key, 0, 3 * sizeof(*key));
	if (starts_with(text, "trees ")) {
		*t = &m->memo;
		n = 3;
	} else if (starts_with(text, "commits ")) {
		*t = &m->commit_memo;
		n = 2;
	} else {
		return -1;
	}
	p = strchr(text, ' ');
	for (i = 0; i < n; i++) {
		if (*p != ' ' || strlen(p + 1) < GIT_OID_HEXSZ ||
		    git_oid_fromstrn(&key[i], p + 1, GIT_OID_HEXSZ) < 0)
			return -1;
		p += 1 + GIT_OID_HEXSZ;
	}
	return *p ? -1 : 0;
}

int merge_memo_take(struct merge *m, merge_memo_fn fn, void *data)
{
	struct strbuf key = STRBUF_INIT;
	char tree[GIT_OID_HEXSZ + 1], base[GIT_OID_HEXSZ + 1];
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < m->nr_new_memos; i++) {
		struct memo_table *t = m->new_memos[i].t;
		const git_oid *k = m->new_memos[i].key;
		struct memo_entry *e = &t->v[memo_slot(t, k)];
		struct merge_memo_item item = { 0 };

		/* forgotten since (the table was full) */
		if (!e->used || e->libgit2)
			continue;
		strbuf_reset(&key);
		memo_key_text(t, k, &key);
		git_oid_tostr(tree, sizeof(tree), &e->tree);
		git_oid_tostr(base, sizeof(base), &e->base);
		item.key = key.buf;
		item.clean = e->clean;
		item.tree = git_oid_is_zero(&e->tree) ? "" : tree;
		item.base = e->nr_bases ? base : "";
		item.nr_bases = e->nr_bases;
		item.reason = e->reason;
		item.conflicts = (const char *const *)e->conflicts;
		item.nr_conflicts = e->nr_conflicts;
		ret = fn(&item, data);
	}
	m->nr_new_memos = 0;
	strbuf_release(&key);
	return ret;
}

/* The one copy m keeps of a fallback_reason read back. */
static const char *reason_intern(struct merge *m, const char *reason)
{
	size_t i;

	if (!reason)
		return NULL;
	for (i = 0; i < m->nr_reasons; i++)
		if (!strcmp(m->reasons[i], reason))
			return m->reasons[i];
	m->reasons =
		xrealloc(m->reasons, (m->nr_reasons + 1) * sizeof(*m->reasons));
	m->reasons[m->nr_reasons] = xstrdup(reason);
	return m->reasons[m->nr_reasons++];
}

void merge_memo_add(struct merge *m, const struct merge_memo_item *item)
{
	struct merge_result res = { 0 };
	struct memo_table *t;
	struct memo_entry *e;
	git_oid key[3], oid, oid_tree;

	if (!item || !item->key || memo_key_parse(m, item->key, &t, key) < 0)
		return;
	if ((item->tree && *item->tree &&
	     (strlen(item->tree) != GIT_OID_HEXSZ ||
	      git_oid_fromstr(&oid, item->tree) < 0)) ||
	    (item->base && *item->base &&
	     (strlen(item->base) != GIT_OID_HEXSZ ||
	      git_oid_fromstr(&oid, item->base) < 0)) ||
	    (item->clean && (!item->tree || !*item->tree)))
		return;
	memset(&oid_tree, 0, sizeof(oid_tree));
	if (item->tree && *item->tree)
		git_oid_fromstr(&oid_tree, item->tree);
	res.clean = item->clean;
	snprintf(res.tree, sizeof(res.tree), "%s",
		 item->tree ? item->tree : "");
	snprintf(res.base, sizeof(res.base), "%s",
		 item->base ? item->base : "");
	res.nr_bases = *res.base ? item->nr_bases : 0;
	res.fallback_reason = reason_intern(m, item->reason);
	res.conflicts = (char **)item->conflicts;
	res.nr_conflicts = item->conflicts ? item->nr_conflicts : 0;
	res.method = MERGE_METHOD_CACHED;
	memo_put(NULL, t, key, &res);
	e = &t->v[memo_slot(t, key)];
	if (e->used)
		e->unchecked = true;
	/* a clean merge the fast path made can start an incremental one */
	if (t == &m->memo && res.clean && !res.fallback_reason)
		memo_last_put(m, &key[0], &key[1], &key[2], &oid_tree);
	/*
	 * git's conflicts teach the fast path their files' three blobs, as
	 * when git was asked in this process (trees gc pruned since: not)
	 */
	if (t == &m->memo && !res.clean && res.fallback_reason &&
	    res.nr_conflicts)
		learn_conflicts(m, key, &res);
}

/* --- the last merge of each base and theirs ------------------------------- */

static size_t last_slot(struct merge *m, const git_oid *base,
			const git_oid *theirs)
{
	uint32_t h = oid_hash(base) ^ (oid_hash(theirs) * 31);
	size_t pos = h & (m->last_size - 1);

	while (m->last[pos].used &&
	       !(git_oid_equal(&m->last[pos].base, base) &&
		 git_oid_equal(&m->last[pos].theirs, theirs)))
		pos = (pos + 1) & (m->last_size - 1);
	return pos;
}

bool memo_last_get(struct merge *m, const git_oid *base, const git_oid *theirs,
		   git_oid *ours, git_oid *result)
{
	struct memo_last *e;

	if (!m->last)
		return false;
	e = &m->last[last_slot(m, base, theirs)];
	if (!e->used)
		return false;
	git_oid_cpy(ours, &e->ours);
	git_oid_cpy(result, &e->result);
	return true;
}

void memo_last_put(struct merge *m, const git_oid *base, const git_oid *ours,
		   const git_oid *theirs, const git_oid *result)
{
	struct memo_last *e;

	if (!m->last) {
		m->last_size = 2 * MEMO_MAX;
		m->last = xcalloc(m->last_size, sizeof(*m->last));
	}
	if (m->last_nr * 2 >= m->last_size) {
		memset(m->last, 0, m->last_size * sizeof(*m->last));
		m->last_nr = 0;
	}
	e = &m->last[last_slot(m, base, theirs)];
	if (!e->used)
		m->last_nr++;
	e->used = true;
	git_oid_cpy(&e->base, base);
	git_oid_cpy(&e->theirs, theirs);
	git_oid_cpy(&e->ours, ours);
	git_oid_cpy(&e->result, result);
}

void memo_release_kept(struct merge *m)
{
	size_t i;

	free(m->last);
	for (i = 0; i < m->nr_reasons; i++)
		free(m->reasons[i]);
	free(m->reasons);
	free(m->new_memos);
}
