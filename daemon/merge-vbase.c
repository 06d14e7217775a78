/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual merge bases (criss-cross histories), made as merge-ort's
 * merge_ort_internal() does: the bases in the order get_merge_bases()
 * returns them (newest first by commit date), reversed, the virtual
 * commit made so far merged with the next base, each inner merge one
 * call depth deeper with its own merge bases (those of the real commits
 * the virtual one is made of), the labels "Temporary merge branch 1" and
 * "2", and content conflicts kept in the files with markers two longer
 * per depth.  Each inner merge is the fast path (merge-fast.c), which
 * gives up on the same things there.  Virtual bases are pure functions
 * of their set of bases and depth, and memoised so; so is every prefix
 * (the oldest k bases).
 */
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/merge-internal.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* Why a virtual merge base was undecided, as the merge's fallback_reason. */
static const char *vbase_reason(const char *why)
{
	static const char *const reasons[][2] = {
		{ "deleted on both sides",
		  "virtual merge base: deleted on both sides" },
		{ "deleted on one side, changed on the other",
		  "virtual merge base: deleted on one side, changed on the other" },
		{ "type changed or special file changed on both sides",
		  "virtual merge base: type changed or special file changed on both sides" },
		{ "mode conflict", "virtual merge base: mode conflict" },
		{ "binary file", "virtual merge base: binary file" },
		{ "diff algorithms disagree",
		  "virtual merge base: diff algorithms disagree" },
		{ "conflict at an incomplete line or CRLF",
		  "virtual merge base: conflict at an incomplete line or CRLF" },
	};
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (!strcmp(why, reasons[i][0]))
			return reasons[i][1];
	return why;
}

static int cmp_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/*
 * The memo key of a set of merge bases at a call depth: a hash of a
 * version line (new when what the fast path makes changes), the depth
 * and the bases, sorted.
 */
static void vbase_key(struct merge *m, const uint32_t *bases, size_t nr,
		      int depth, git_oid *key)
{
	struct strbuf buf = STRBUF_INIT;
	git_oid *v = xcalloc(nr + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < nr; i++)
		git_oid_cpy(&v[i], &m->dag.nodes[bases[i]].oid);
	qsort(v, nr, sizeof(*v), cmp_oid);
	strbuf_addf(&buf, "cthulhu virtual base 1 depth %d\n", depth);
	for (i = 0; i < nr; i++)
		strbuf_add(&buf, v[i].id, GIT_OID_RAWSZ);
	git_odb_hash(key, buf.buf, buf.len, GIT_OBJECT_BLOB);
	strbuf_release(&buf);
	free(v);
}

static struct vbase_entry *vbase_slot(struct merge *m, const git_oid *key)
{
	size_t pos = oid_hash(key) & (m->vbases_size - 1);

	while (m->vbases[pos].used && !git_oid_equal(&m->vbases[pos].key, key))
		pos = (pos + 1) & (m->vbases_size - 1);
	return &m->vbases[pos];
}

static void vbase_put(struct merge *m, const git_oid *key, const git_oid *tree,
		      const char *undecided)
{
	struct vbase_entry *e;

	if (m->vbases_nr * 2 >= m->vbases_size) {
		memset(m->vbases, 0, m->vbases_size * sizeof(*m->vbases));
		m->vbases_nr = 0;
	}
	e = vbase_slot(m, key);
	if (!e->used)
		m->vbases_nr++;
	e->used = true;
	git_oid_cpy(&e->key, key);
	if (tree)
		git_oid_cpy(&e->tree, tree);
	e->undecided = undecided;
}

/*
 * A virtual base made here; the caller keeps those of whole merges (not
 * their prefixes nor the inner ones): merge_vbases_take() hands them out.
 */
static void vbase_made(struct merge *m, const git_oid *key, const git_oid *tree,
		       bool keep)
{
	vbase_put(m, key, tree, NULL);
	if (!keep || m->nr_new_vbases >= VBASES_SIZE / 2)
		return;
	if (m->nr_new_vbases == m->new_vbases_alloc) {
		m->new_vbases_alloc =
			m->new_vbases_alloc ? 2 * m->new_vbases_alloc : 64;
		m->new_vbases =
			xrealloc(m->new_vbases,
				 m->new_vbases_alloc * sizeof(*m->new_vbases));
	}
	git_oid_cpy(&m->new_vbases[m->nr_new_vbases][0], key);
	git_oid_cpy(&m->new_vbases[m->nr_new_vbases][1], tree);
	m->nr_new_vbases++;
}

/*
 * A memoised virtual base that is still usable: its tree is unreachable
 * from any ref, so git gc may have pruned it since.
 */
static bool vbase_usable(struct merge *m, const struct vbase_entry *e)
{
	return e->used && (e->undecided || git_odb_exists(m->odb, &e->tree));
}

int merge_vbases_take(struct merge *m, merge_vbase_fn fn, void *data)
{
	char key[MERGE_HEXSZ + 1], tree[MERGE_HEXSZ + 1];
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < m->nr_new_vbases; i++) {
		git_oid_tostr(key, sizeof(key), &m->new_vbases[i][0]);
		git_oid_tostr(tree, sizeof(tree), &m->new_vbases[i][1]);
		/* kept beyond this process: its objects go to the repository */
		if (copy_to_disk(m, &m->new_vbases[i][1]) < 0) {
			log_debug("virtual merge base %s: %s", tree,
				  git_error_last() ? git_error_last()->message :
						     "cannot write it");
			continue;
		}
		ret = fn(key, tree, data);
	}
	m->nr_new_vbases = 0;
	return ret;
}

void merge_vbase_add(struct merge *m, const char *key, const char *tree)
{
	git_oid k, t;

	if (!key || !tree || strlen(key) != MERGE_HEXSZ ||
	    strlen(tree) != MERGE_HEXSZ || git_oid_fromstr(&k, key) < 0 ||
	    git_oid_fromstr(&t, tree) < 0)
		return;
	vbase_put(m, &k, &t, NULL);
}

/*
 * Whether a side that deleted paths in an inner merge (sides: 1 ours, 2
 * theirs) could have renamed them: it adds a file somewhere, which git's
 * rename detection could pair with one.  Then 1, with st->undecided.
 */
static int renamed_away(struct merge *m, const git_oid *base,
			const git_oid *ours, const git_oid *theirs,
			unsigned int sides, struct fast_state *st,
			struct strbuf *err)
{
	bool found = false;
	int ret = 0;

	if (sides & 1)
		ret = tree_has_additions(m, base, ours, &found, err);
	if (!ret && !found && (sides & 2))
		ret = tree_has_additions(m, base, theirs, &found, err);
	if (ret < 0 || !found)
		return ret;
	st->undecided = sides == 3 ?
				"deleted on both sides" :
				"deleted on one side, changed on the other";
	strbuf_reset(&st->path);
	return 1;
}

/*
 * merge-ort's merge_ort_internal() before its last merge: the tree of
 * the virtual merge base of bases (sorted newest first, as
 * get_merge_bases() gives them) for a merge at call depth depth.  The
 * bases are merged oldest first, each with the virtual commit of those
 * before it (whose parents are them: its merge bases with the next one
 * are those of the real commits it is made of), one call depth deeper.
 * Returns 0 with *tree set, 1 with *why set when the fast path cannot
 * make it exactly, or a negative error.
 */
static int virtual_base(struct merge *m, const uint32_t *bases, size_t nr,
			int depth, git_oid *tree, const char **why,
			struct strbuf *err)
{
	struct strbuf dir = STRBUF_INIT;
	uint32_t *made = NULL, *inner = NULL;
	struct vbase_entry *e;
	size_t nr_made = 0, nr_inner, i;
	git_oid key, cur, next_tree, inner_tree, merged;
	int ret = 0;

	*why = NULL;
	if (nr == 1) {
		git_oid_cpy(tree, &m->dag.nodes[bases[0]].tree);
		return 0;
	}
	vbase_key(m, bases, nr, depth, &key);
	e = vbase_slot(m, &key);
	if (vbase_usable(m, e)) {
		m->stats.vbases_cached++;
		*why = e->undecided;
		if (*why)
			return 1;
		git_oid_cpy(tree, &e->tree);
		return 0;
	}
	/*
	 * The oldest k bases alone make the same merges as the first k - 1
	 * steps here: start after the longest such prefix made before.
	 */
	made = xcalloc(nr, sizeof(*made));
	for (i = 0; i < nr; i++)
		made[i] = bases[nr - 1 - i];
	nr_made = 1;
	git_oid_cpy(&cur, &m->dag.nodes[made[0]].tree);
	for (i = nr - 1; i >= 2; i--) {
		git_oid pkey;

		vbase_key(m, made, i, depth, &pkey);
		e = vbase_slot(m, &pkey);
		if (vbase_usable(m, e) && !e->undecided) {
			git_oid_cpy(&cur, &e->tree);
			nr_made = i;
			m->stats.vbases_cached++;
			break;
		}
	}
	for (i = nr - nr_made; i-- > 0;) {
		struct fast_state st = { NULL, STRBUF_INIT };
		uint32_t next = bases[i];
		bool empty;

		ret = dag_merge_bases_many(m, next, made, nr_made, &inner,
					   &nr_inner, err);
		if (ret < 0)
			goto out;
		if (!nr_inner) {
			*why = "virtual merge base: no common ancestor";
			ret = 1;
			goto out;
		}
		if (sort_bases(&m->dag, inner, nr_inner)) {
			*why = "virtual merge base: merge bases with the same commit date";
			ret = 1;
			goto out;
		}
		if (nr_inner > 1)
			m->stats.vbases_nested++;
		ret = virtual_base(m, inner, nr_inner, depth + 1, &inner_tree,
				   why, err);
		free(inner);
		inner = NULL;
		if (ret)
			goto out;
		git_oid_cpy(&next_tree, &m->dag.nodes[next].tree);
		st.depth = depth + 1;
		ret = merge_trees_fast(m, &st, &dir, &inner_tree, &cur,
				       &next_tree, NULL, NULL, &merged, &empty,
				       err);
		if (!ret && st.deleted_sides)
			ret = renamed_away(m, &inner_tree, &cur, &next_tree,
					   st.deleted_sides, &st, err);
		if (ret == 1) {
			*why = vbase_reason(st.undecided);
			log_debug("virtual merge base: %s at '%s'",
				  st.undecided, st.path.buf);
		}
		strbuf_release(&st.path);
		free(st.conflicts);
		if (ret)
			goto out;
		git_oid_cpy(&cur, &merged);
		made[nr_made++] = next;
		m->stats.vbase_merges++;
		if (nr_made < nr) {
			git_oid pkey;

			vbase_key(m, made, nr_made, depth, &pkey);
			vbase_made(m, &pkey, &cur, false);
		}
	}
	git_oid_cpy(tree, &cur);
out:
	if (ret > 0)
		vbase_put(m, &key, NULL, *why);
	else if (!ret)
		vbase_made(m, &key, tree, !depth);
	free(inner);
	free(made);
	strbuf_release(&dir);
	return ret;
}

/*
 * Empty the in-memory objects, and forget the virtual bases made of
 * them; those not handed out yet are written to the repository first.
 */
void mempack_restart(struct merge *m)
{
	size_t i;

	for (i = 0; i < m->nr_new_vbases; i++)
		copy_to_disk(m, &m->new_vbases[i][1]);
	git_mempack_reset(m->mempack);
	m->mempack_bytes = 0;
	memset(m->vbases, 0, m->vbases_size * sizeof(*m->vbases));
	m->vbases_nr = 0;
}

/*
 * The trees of virtual merge bases are reachable from no ref: git gc
 * may prune some of their objects (a folder, say) and not others.  When
 * one cannot be read, forget every virtual base (they are made again)
 * and let git merge this time.
 */
void vbases_lost(struct merge *m, struct strbuf *err)
{
	log_warn("%s; forgetting the virtual merge bases", err->buf);
	strbuf_reset(err);
	memset(m->vbases, 0, m->vbases_size * sizeof(*m->vbases));
	m->vbases_nr = 0;
}

/*
 * The merge base tree of a merge: the one base's tree, or the virtual
 * merge base merge-ort would make of several.  Returns 1 with *why set
 * when only git can say.
 */
int base_tree(struct merge *m, const uint32_t *bases, size_t nr, git_oid *tree,
	      const char **why, struct strbuf *err)
{
	uint32_t *sorted;
	int ret;

	*why = NULL;
	if (nr == 1) {
		git_oid_cpy(tree, &m->dag.nodes[bases[0]].tree);
		return 0;
	}
	/* the ancestor's label shows in the virtual base with diff3 */
	if (m->conflict_style_other) {
		*why = "several merge bases and merge.conflictStyle is not merge";
		return 1;
	}
	sorted = xcalloc(nr, sizeof(*sorted));
	memcpy(sorted, bases, nr * sizeof(*sorted));
	if (sort_bases(&m->dag, sorted, nr)) {
		*why = "merge bases with the same commit date";
		ret = 1;
	} else {
		ret = virtual_base(m, sorted, nr, 0, tree, why, err);
	}
	free(sorted);
	if (ret < 0) {
		vbases_lost(m, err);
		*why = VBASE_LOST;
		ret = 1;
	}
	return ret;
}
