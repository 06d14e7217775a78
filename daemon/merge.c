/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The three-way merge of two commits, exact to git's merge-ort, with a
 * fast path that costs what the two sides changed where they overlap.
 *
 * Merge bases come from a commit DAG kept in memory (parents and commit
 * dates, read once per commit from the object database), walked with
 * git's own paint_down_to_common() and remove_redundant(), so that the
 * thousands of commits between an old topic's base and next are parsed
 * once per process instead of once per merge.
 *
 * The tree merge walks the three trees together and takes an entry by
 * OID whenever two sides agree; it reads a subtree only when both sides
 * changed it.  It gives up ("undecided", not "conflict") wherever git's
 * rename or directory-rename detection could make the result differ
 * from a plain three-way merge: a path deleted on one side and changed
 * on the other, a path deleted on both sides, type changes.  A path that
 * one side deleted and the other left alone cannot be a rename source
 * that changes the result (merge-ort treats it as irrelevant), so the
 * many deletions on next's side of an old topic cost nothing.
 *
 * Content merges use git_merge_file(), which has no histogram diff while
 * merge-ort uses histogram: a file merge counts only when the Myers and
 * the patience diff give the same clean result, which they do wherever
 * the alignment of lines is not in doubt.  Conflicts go to the fallback,
 * so conflicts and conflicted paths are git's own; a file git found
 * conflicting is remembered by its three blobs (a content conflict
 * depends on nothing else), so that a later merge meeting the same
 * three blobs, and nothing else undecided, is reported without git.
 *
 * Several merge bases (criss-cross histories) are merged into a virtual
 * merge base as merge-ort's merge_ort_internal() does: the bases in the
 * order get_merge_bases() returns them (newest first by commit date),
 * reversed, the virtual commit made so far merged with the next base,
 * each inner merge one call depth deeper with its own merge bases (those
 * of the real commits the virtual one is made of), the labels "Temporary
 * merge branch 1" and "2", and content conflicts kept in the files with
 * markers two longer per depth.  Each inner merge is the fast path
 * above, which gives up on the same things there.  Virtual bases are
 * pure functions of their set of bases and depth, and memoised so; so
 * is every prefix (the oldest k bases), and whole merges by the ours and
 * theirs commits.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "daemon/testhook.h"
#include "lib/xalloc.h"

extern char **environ;

/* Paint flags of paint_down(), as git's commit-reach.c names them. */
#define PARENT1 (1u << 0)
#define PARENT2 (1u << 1)
#define STALE (1u << 2)
#define RESULT (1u << 3)
#define ALL_FLAGS (PARENT1 | PARENT2 | STALE | RESULT)

/* git's buffer_is_binary() looks at this many bytes for a NUL. */
#define FIRST_FEW_BYTES 8000
/* Forget memoised merges beyond this many (a plain reset, no LRU). */
#define MEMO_MAX 4096
/* Slots for virtual bases and their prefixes (forgotten when half full). */
#define VBASES_SIZE 65536
/* Bytes of virtual bases' objects kept in memory before starting afresh. */
#define MEMPACK_MAX (128u << 20)

struct dag_node {
	git_oid oid;
	git_oid tree;
	int64_t date;
	uint32_t parents; /* offset into dag.parent_pool */
	uint32_t nr_parents;
	unsigned int flags;
	uint32_t inq; /* entries in paint_down()'s queue */
	bool loaded;
};

struct dag {
	struct dag_node *nodes;
	uint32_t nr, alloc;
	uint32_t *table;     /* open addressing: node index + 1, 0 free */
	uint32_t table_size; /* a power of two */
	uint32_t *parent_pool;
	uint32_t pool_nr, pool_alloc;
	uint32_t *touched; /* nodes whose flags a walk set */
	uint32_t nr_touched, touched_alloc;
};

struct memo_entry {
	git_oid key[3]; /* base, ours and theirs trees; or commits */
	bool used;
	bool clean;
	git_oid tree;
	char **conflicts;
	size_t nr_conflicts;
	/* the commit memo's: the first merge base and how many */
	git_oid base;
	unsigned int nr_bases;
};

/* Memoised merges, keyed by three object names (a plain reset, no LRU). */
struct memo_table {
	struct memo_entry *v;
	size_t size, nr;
};

/*
 * A virtual merge base: the tree merge-ort makes of a set of merge
 * bases at a call depth, or why the fast path could not make it.
 */
struct vbase_entry {
	git_oid key; /* hash of the depth and the sorted bases */
	git_oid tree;
	const char *undecided; /* static string, NULL when tree is set */
	bool used;
};

struct merge {
	git_repository *repo;
	git_odb *odb;
	/*
	 * The objects made inside virtual merge bases go to an in-memory
	 * backend (the odb's last), not to loose files: thousands of trees
	 * a build that no ref will reach.  Those of the virtual bases handed
	 * to merge_vbases_take() are written to the repository then.  NULL
	 * with alternates (the default odb, whose backends are not ours).
	 */
	git_odb_backend *pack_be, *loose_be, *mempack;
	uint64_t mempack_bytes, mempack_max;
	char *gitdir;
	char *git;
	char *ident_name, *ident_email;
	enum merge_fallback fallback;
	struct dag dag;
	struct memo_table memo;	       /* by the three trees */
	struct memo_table commit_memo; /* by ours and theirs commits */
	struct vbase_entry *vbases;
	size_t vbases_size, vbases_nr;
	git_oid (*new_vbases)[2]; /* made since merge_vbases_take() */
	size_t nr_new_vbases, new_vbases_alloc;
	bool conflict_style_other; /* merge.conflictStyle is not merge */
	/*
	 * File merges git found conflicting: base, ours and theirs blobs
	 * (base zero for an add/add).  A content conflict is a function of
	 * the three blobs, so the fast path may report these itself.
	 */
	git_oid (*known)[3];
	size_t known_size, known_nr;
	bool conflict_tree; /* conflicts need git's tree (resolve.c) */
	struct merge_stats stats;
};

/* An entry of one of the three trees. */
struct tentry {
	const char *name;
	unsigned int mode;
	const git_oid *oid;
};

/* A level of the tree merge being written. */
struct tree_out {
	struct tentry *v;
	size_t nr, alloc;
	git_oid *oids; /* storage for merged subtrees and blobs */
	size_t nr_oids;
};

static int parse_hex(const char *hex, git_oid *oid, struct strbuf *err)
{
	if (!hex || strlen(hex) != MERGE_HEXSZ || git_oid_fromstr(oid, hex) < 0)
		return error_set(err, ERR_INVALID, "'%s' is not an object name",
				 hex ? hex : "(null)");
	return 0;
}

/* --- the commit DAG ------------------------------------------------------ */

static uint32_t oid_hash(const git_oid *oid)
{
	uint32_t h;

	memcpy(&h, oid->id, sizeof(h));
	return h;
}

static void dag_rehash(struct dag *dag)
{
	uint32_t size = dag->table_size ? dag->table_size * 2 : 1024;
	uint32_t i, mask = size - 1;

	free(dag->table);
	dag->table = xcalloc(size, sizeof(*dag->table));
	dag->table_size = size;
	for (i = 0; i < dag->nr; i++) {
		uint32_t pos = oid_hash(&dag->nodes[i].oid) & mask;

		while (dag->table[pos])
			pos = (pos + 1) & mask;
		dag->table[pos] = i + 1;
	}
}

/* The node of oid, created (not loaded) when new. */
static uint32_t dag_get(struct dag *dag, const git_oid *oid)
{
	uint32_t pos, mask;
	struct dag_node *n;

	if ((dag->nr + 1) * 2 > dag->table_size)
		dag_rehash(dag);
	mask = dag->table_size - 1;
	pos = oid_hash(oid) & mask;
	while (dag->table[pos]) {
		uint32_t i = dag->table[pos] - 1;

		if (git_oid_equal(&dag->nodes[i].oid, oid))
			return i;
		pos = (pos + 1) & mask;
	}
	if (dag->nr == dag->alloc) {
		dag->alloc = dag->alloc ? dag->alloc * 2 : 1024;
		dag->nodes =
			xrealloc(dag->nodes, dag->alloc * sizeof(*dag->nodes));
	}
	n = &dag->nodes[dag->nr];
	memset(n, 0, sizeof(*n));
	git_oid_cpy(&n->oid, oid);
	dag->table[pos] = dag->nr + 1;
	return dag->nr++;
}

static void dag_add_parent(struct dag *dag, uint32_t idx)
{
	if (dag->pool_nr == dag->pool_alloc) {
		dag->pool_alloc = dag->pool_alloc ? dag->pool_alloc * 2 : 1024;
		dag->parent_pool =
			xrealloc(dag->parent_pool,
				 dag->pool_alloc * sizeof(*dag->parent_pool));
	}
	dag->parent_pool[dag->pool_nr++] = idx;
}

static void dag_release(struct dag *dag)
{
	free(dag->nodes);
	free(dag->table);
	free(dag->parent_pool);
	free(dag->touched);
	memset(dag, 0, sizeof(*dag));
}

/*
 * Read a commit's tree, parents and committer date from its raw object;
 * cheaper than git_commit_lookup(), which parses and keeps everything.
 */
static int dag_load(struct merge *m, uint32_t idx, struct strbuf *err)
{
	struct dag *dag = &m->dag;
	git_oid oid, parent;
	git_odb_object *obj;
	const char *p, *end;
	uint32_t first;
	int ret;

	if (dag->nodes[idx].loaded)
		return 0;
	git_oid_cpy(&oid, &dag->nodes[idx].oid);
	ret = git_odb_read(&obj, m->odb, &oid);
	if (ret < 0)
		return repo_error(err,
				  ret == GIT_ENOTFOUND ? ERR_NOT_FOUND : -EIO,
				  "cannot read commit '%s'",
				  git_oid_tostr_s(&oid));
	if (git_odb_object_type(obj) != GIT_OBJECT_COMMIT) {
		git_odb_object_free(obj);
		return error_set(err, ERR_INVALID, "'%s' is not a commit",
				 git_oid_tostr_s(&oid));
	}
	p = git_odb_object_data(obj);
	end = p + git_odb_object_size(obj);
	first = dag->pool_nr;
	while (p < end && *p != '\n') {
		const char *eol = memchr(p, '\n', end - p);

		if (!eol)
			eol = end;
		if (eol - p >= 45 && !memcmp(p, "tree ", 5)) {
			git_oid_fromstrn(&dag->nodes[idx].tree, p + 5,
					 MERGE_HEXSZ);
		} else if (eol - p >= 47 && !memcmp(p, "parent ", 7)) {
			git_oid_fromstrn(&parent, p + 7, MERGE_HEXSZ);
			/* dag_get() may move nodes: no pointers across it */
			dag_add_parent(dag, dag_get(dag, &parent));
		} else if (eol - p > 10 && !memcmp(p, "committer ", 10)) {
			const char *gt = eol;

			while (gt > p && gt[-1] != '>')
				gt--;
			dag->nodes[idx].date = strtoll(gt, NULL, 10);
		}
		p = eol + 1;
	}
	git_odb_object_free(obj);
	dag->nodes[idx].parents = first;
	dag->nodes[idx].nr_parents = dag->pool_nr - first;
	dag->nodes[idx].loaded = true;
	m->stats.dag_commits++;
	return 0;
}

static void dag_touch(struct dag *dag, uint32_t idx)
{
	if (dag->nodes[idx].flags)
		return;
	if (dag->nr_touched == dag->touched_alloc) {
		dag->touched_alloc =
			dag->touched_alloc ? dag->touched_alloc * 2 : 256;
		dag->touched =
			xrealloc(dag->touched,
				 dag->touched_alloc * sizeof(*dag->touched));
	}
	dag->touched[dag->nr_touched++] = idx;
}

static void dag_clear_flags(struct dag *dag)
{
	uint32_t i;

	for (i = 0; i < dag->nr_touched; i++)
		dag->nodes[dag->touched[i]].flags = 0;
	dag->nr_touched = 0;
}

/* git's prio_queue ordered by commit date, newest first, then FIFO. */
struct pq_item {
	uint32_t idx;
	int64_t date;
	uint64_t seq;
};

struct pq {
	struct pq_item *v;
	size_t nr, alloc;
	uint64_t seq;
	size_t nonstale; /* entries whose commit is not STALE */
};

static bool pq_before(const struct pq_item *a, const struct pq_item *b)
{
	if (a->date != b->date)
		return a->date > b->date;
	return a->seq < b->seq;
}

static void pq_put(struct pq *q, uint32_t idx, int64_t date)
{
	size_t i;

	if (q->nr == q->alloc) {
		q->alloc = q->alloc ? q->alloc * 2 : 64;
		q->v = xrealloc(q->v, q->alloc * sizeof(*q->v));
	}
	i = q->nr++;
	q->v[i].idx = idx;
	q->v[i].date = date;
	q->v[i].seq = q->seq++;
	while (i) {
		size_t parent = (i - 1) / 2;
		struct pq_item tmp;

		if (!pq_before(&q->v[i], &q->v[parent]))
			break;
		tmp = q->v[i];
		q->v[i] = q->v[parent];
		q->v[parent] = tmp;
		i = parent;
	}
}

static uint32_t pq_get(struct pq *q)
{
	uint32_t idx = q->v[0].idx;
	size_t i = 0;

	q->v[0] = q->v[--q->nr];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, best = i;
		struct pq_item tmp;

		if (l < q->nr && pq_before(&q->v[l], &q->v[best]))
			best = l;
		if (r < q->nr && pq_before(&q->v[r], &q->v[best]))
			best = r;
		if (best == i)
			break;
		tmp = q->v[i];
		q->v[i] = q->v[best];
		q->v[best] = tmp;
		i = best;
	}
	return idx;
}

/*
 * The queue of paint_down() keeps count of its entries whose commit is
 * not STALE, for git's queue_has_nonstale() without a scan per commit.
 */
static void paint_put(struct pq *q, struct dag *dag, uint32_t idx)
{
	pq_put(q, idx, dag->nodes[idx].date);
	dag->nodes[idx].inq++;
	if (!(dag->nodes[idx].flags & STALE))
		q->nonstale++;
}

static uint32_t paint_get(struct pq *q, struct dag *dag)
{
	uint32_t idx = pq_get(q);

	dag->nodes[idx].inq--;
	if (!(dag->nodes[idx].flags & STALE))
		q->nonstale--;
	return idx;
}

static void set_flags(struct dag *dag, uint32_t idx, unsigned int flags)
{
	dag_touch(dag, idx);
	dag->nodes[idx].flags |= flags;
}

/*
 * git's paint_down_to_common() without generation numbers: the commits
 * reachable from both one and some of twos, newest first, in *out (caller
 * frees).  Leaves the flags set for the caller; dag_clear_flags() clears.
 */
static int paint_down(struct merge *m, uint32_t one, const uint32_t *twos,
		      size_t nr_twos, uint32_t **out, size_t *nr_out,
		      struct strbuf *err)
{
	struct dag *dag = &m->dag;
	struct pq q = { 0 };
	uint32_t *res = NULL;
	size_t nr = 0, i;
	int ret = 0;

	*out = NULL;
	*nr_out = 0;
	for (i = 0; i < nr_twos; i++) {
		if (twos[i] == one) {
			*out = xmalloc(sizeof(**out));
			(*out)[0] = one;
			*nr_out = 1;
			return 0;
		}
	}
	ret = dag_load(m, one, err);
	if (ret < 0)
		return ret;
	set_flags(dag, one, PARENT1);
	paint_put(&q, dag, one);
	for (i = 0; i < nr_twos; i++) {
		ret = dag_load(m, twos[i], err);
		if (ret < 0)
			goto out;
		set_flags(dag, twos[i], PARENT2);
		paint_put(&q, dag, twos[i]);
	}
	while (q.nonstale) {
		uint32_t idx = paint_get(&q, dag), k;
		unsigned int flags;

		flags = dag->nodes[idx].flags & (PARENT1 | PARENT2 | STALE);
		if (flags == (PARENT1 | PARENT2)) {
			if (!(dag->nodes[idx].flags & RESULT)) {
				set_flags(dag, idx, RESULT);
				res = xrealloc(res, (nr + 1) * sizeof(*res));
				res[nr++] = idx;
			}
			flags |= STALE;
		}
		for (k = 0; k < dag->nodes[idx].nr_parents; k++) {
			uint32_t p =
				dag->parent_pool[dag->nodes[idx].parents + k];

			if ((dag->nodes[p].flags & flags) == flags)
				continue;
			ret = dag_load(m, p, err);
			if (ret < 0)
				goto out;
			if ((flags & STALE) && !(dag->nodes[p].flags & STALE))
				q.nonstale -= dag->nodes[p].inq;
			set_flags(dag, p, flags);
			paint_put(&q, dag, p);
		}
	}
	*out = res;
	*nr_out = nr;
	res = NULL;
out:
	for (i = 0; i < q.nr; i++)
		dag->nodes[q.v[i].idx].inq--;
	free(res);
	free(q.v);
	return ret;
}

/* git's remove_redundant() before generation numbers. */
static int remove_redundant(struct merge *m, uint32_t *v, size_t *nr,
			    struct strbuf *err)
{
	struct dag *dag = &m->dag;
	size_t n = *nr, i, j, filled, kept;
	uint32_t *work = xcalloc(n, sizeof(*work));
	size_t *filled_index = xcalloc(n, sizeof(*filled_index));
	bool *redundant = xcalloc(n, sizeof(*redundant));
	int ret = 0;

	for (i = 0; i < n; i++) {
		uint32_t *common;
		size_t nr_common;

		if (redundant[i])
			continue;
		for (j = filled = 0; j < n; j++) {
			if (i == j || redundant[j])
				continue;
			filled_index[filled] = j;
			work[filled++] = v[j];
		}
		ret = paint_down(m, v[i], work, filled, &common, &nr_common,
				 err);
		if (ret < 0) {
			dag_clear_flags(dag);
			goto out;
		}
		free(common);
		if (dag->nodes[v[i]].flags & PARENT2)
			redundant[i] = true;
		for (j = 0; j < filled; j++)
			if (dag->nodes[work[j]].flags & PARENT1)
				redundant[filled_index[j]] = true;
		dag_clear_flags(dag);
	}
	for (i = kept = 0; i < n; i++)
		if (!redundant[i])
			v[kept++] = v[i];
	*nr = kept;
out:
	free(work);
	free(filled_index);
	free(redundant);
	return ret;
}

/*
 * get_merge_bases_many(): the best common ancestors of one and the
 * commits twos (of a merge of them all), in the order paint_down()
 * found them.
 */
static int dag_merge_bases_many(struct merge *m, uint32_t one,
				const uint32_t *twos, size_t nr_twos,
				uint32_t **out, size_t *nr_out,
				struct strbuf *err)
{
	struct dag *dag = &m->dag;
	uint32_t *list, *res;
	size_t nr, i, n = 0;
	int ret;

	ret = paint_down(m, one, twos, nr_twos, &list, &nr, err);
	if (ret < 0) {
		dag_clear_flags(dag);
		return ret;
	}
	res = xcalloc(nr ? nr : 1, sizeof(*res));
	for (i = 0; i < nr; i++)
		if (!(dag->nodes[list[i]].flags & STALE))
			res[n++] = list[i];
	free(list);
	dag_clear_flags(dag);
	if (n > 1) {
		ret = remove_redundant(m, res, &n, err);
		if (ret < 0) {
			free(res);
			return ret;
		}
	}
	*out = res;
	*nr_out = n;
	return 0;
}

/* get_merge_bases(): the best common ancestors of one and two. */
static int dag_merge_bases(struct merge *m, uint32_t one, uint32_t two,
			   uint32_t **out, size_t *nr_out, struct strbuf *err)
{
	return dag_merge_bases_many(m, one, &two, 1, out, nr_out, err);
}

/*
 * Sort merge bases newest first by commit date, as get_merge_bases()
 * returns them (commit_list_insert_by_date()).  Returns 1 when two have
 * the same date: git's order of those depends on its walk (commit dates
 * or generation numbers from a commit-graph), and the order decides the
 * conflict markers inside a virtual merge base.
 */
static int sort_bases(struct dag *dag, uint32_t *v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		uint32_t x = v[i];

		for (j = i;
		     j > 0 && dag->nodes[v[j - 1]].date < dag->nodes[x].date;
		     j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	for (i = 1; i < n; i++)
		if (dag->nodes[v[i - 1]].date == dag->nodes[v[i]].date)
			return 1;
	return 0;
}

static int lookup_commit_node(struct merge *m, const char *hex, uint32_t *idx,
			      struct strbuf *err)
{
	git_oid oid;
	int ret;

	ret = parse_hex(hex, &oid, err);
	if (ret < 0)
		return ret;
	*idx = dag_get(&m->dag, &oid);
	return dag_load(m, *idx, err);
}

int merge_bases(struct merge *m, const char *one, const char *two,
		char (**bases)[MERGE_HEXSZ + 1], size_t *nr, struct strbuf *err)
{
	uint32_t a, b, *res;
	size_t n, i;
	int ret;

	ret = lookup_commit_node(m, one, &a, err);
	if (!ret)
		ret = lookup_commit_node(m, two, &b, err);
	if (!ret)
		ret = dag_merge_bases(m, a, b, &res, &n, err);
	if (ret < 0)
		return ret;
	*bases = xcalloc(n ? n : 1, sizeof(**bases));
	for (i = 0; i < n; i++)
		git_oid_tostr((*bases)[i], MERGE_HEXSZ + 1,
			      &m->dag.nodes[res[i]].oid);
	*nr = n;
	free(res);
	return 0;
}

int merge_is_ancestor(struct merge *m, const char *ancestor,
		      const char *descendant, bool *result, struct strbuf *err)
{
	uint32_t a, d, *common;
	size_t nr;
	int ret;

	ret = lookup_commit_node(m, ancestor, &a, err);
	if (!ret)
		ret = lookup_commit_node(m, descendant, &d, err);
	if (ret < 0)
		return ret;
	if (a == d) {
		*result = true;
		return 0;
	}
	ret = paint_down(m, a, &d, 1, &common, &nr, err);
	if (!ret)
		*result = !!(m->dag.nodes[a].flags & PARENT2);
	free(common);
	dag_clear_flags(&m->dag);
	return ret;
}

/* --- the fast tree merge ------------------------------------------------- */

/* Why the fast path gave up; reported as the result's fallback_reason. */
struct fast_state {
	const char *undecided;
	struct strbuf path;
	/*
	 * merge-ort's call depth: 0 for the merge asked for, 1 and more for
	 * the merges that make a virtual merge base, whose content
	 * conflicts stay in the files, with the labels "Temporary merge
	 * branch 1" and "2" and markers 2 longer at each level.
	 */
	int depth;
	/* paths of known content conflicts met on the way */
	char **conflicts;
	size_t nr_conflicts;
};

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

static bool known_conflict(struct merge *m, const struct tentry *b,
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

static bool entry_eq(const struct tentry *a, const struct tentry *b)
{
	if (!a || !b)
		return a == b;
	return a->mode == b->mode && git_oid_equal(a->oid, b->oid);
}

static int cmp_tentry_name(const void *a, const void *b)
{
	return strcmp(((const struct tentry *)a)->name,
		      ((const struct tentry *)b)->name);
}

/* git's tree order: a folder sorts as if its name ended in '/'. */
static int cmp_tentry_git(const void *va, const void *vb)
{
	const struct tentry *a = va, *b = vb;
	size_t la = strlen(a->name), lb = strlen(b->name);
	size_t len = la < lb ? la : lb;
	unsigned char ca, cb;
	int c = memcmp(a->name, b->name, len);

	if (c)
		return c;
	ca = la > len ? (unsigned char)a->name[len] :
			(a->mode == GIT_FILEMODE_TREE ? '/' : 0);
	cb = lb > len ? (unsigned char)b->name[len] :
			(b->mode == GIT_FILEMODE_TREE ? '/' : 0);
	return ca < cb ? -1 : ca > cb;
}

static int read_tree_entries(struct merge *m, const git_oid *oid,
			     git_tree **tree, struct tentry **v, size_t *nr,
			     struct strbuf *err)
{
	size_t i, n;
	int ret;

	*tree = NULL;
	*v = NULL;
	*nr = 0;
	if (!oid)
		return 0;
	ret = git_tree_lookup(tree, m->repo, oid);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot read tree '%s'",
				  git_oid_tostr_s(oid));
	n = git_tree_entrycount(*tree);
	*v = xcalloc(n ? n : 1, sizeof(**v));
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(*tree, i);

		(*v)[i].name = git_tree_entry_name(e);
		(*v)[i].mode = git_tree_entry_filemode_raw(e);
		(*v)[i].oid = git_tree_entry_id(e);
	}
	/* git's order is strcmp()'s but where a folder is a prefix */
	for (i = 1; i < n; i++)
		if (strcmp((*v)[i - 1].name, (*v)[i].name) > 0)
			break;
	if (i < n)
		qsort(*v, n, sizeof(**v), cmp_tentry_name);
	*nr = n;
	return 0;
}

static void out_push(struct tree_out *out, const char *name, unsigned int mode,
		     const git_oid *oid)
{
	if (out->nr == out->alloc) {
		out->alloc = out->alloc ? out->alloc * 2 : 16;
		out->v = xrealloc(out->v, out->alloc * sizeof(*out->v));
	}
	out->v[out->nr].name = name;
	out->v[out->nr].mode = mode;
	out->v[out->nr].oid = oid;
	out->nr++;
}

/* Room for a merged object name that lives as long as the level. */
static git_oid *out_oid(struct tree_out *out, size_t max)
{
	if (!out->oids)
		out->oids = xcalloc(max ? max : 1, sizeof(*out->oids));
	return &out->oids[out->nr_oids++];
}

/* Whether oid is in the repository itself (not only in memory). */
static bool on_disk(struct merge *m, const git_oid *oid)
{
	return m->pack_be->exists(m->pack_be, oid) ||
	       m->loose_be->exists(m->loose_be, oid);
}

/*
 * Write an object the merge made: inside a virtual merge base (depth > 0)
 * to memory, else to the repository.
 */
static int odb_write(struct merge *m, int depth, git_oid *oid, const void *data,
		     size_t len, git_object_t type)
{
	int ret;

	if (!depth || !m->mempack)
		return git_odb_write(oid, m->odb, data, len, type);
	ret = git_odb_hash(oid, data, len, type);
	if (ret < 0 || on_disk(m, oid))
		return ret;
	ret = m->mempack->write(m->mempack, oid, data, len, type);
	if (!ret)
		m->mempack_bytes += len;
	return ret;
}

/*
 * Copy oid and what it refers to from memory to the repository, the
 * objects it refers to first.
 */
static int copy_to_disk(struct merge *m, const git_oid *oid)
{
	git_object_t type;
	size_t len;
	void *data;
	int ret;

	if (!m->mempack || on_disk(m, oid))
		return 0;
	ret = m->mempack->read(&data, &len, &type, m->mempack, oid);
	if (ret < 0)
		return ret;
	if (type == GIT_OBJECT_TREE) {
		const char *p = data, *end = p + len;

		while (!ret && p < end) {
			const char *nul = memchr(p, 0, end - p);
			git_oid child;

			if (!nul || end - nul < 1 + GIT_OID_RAWSZ) {
				ret = -1;
				break;
			}
			git_oid_fromraw(&child, (const unsigned char *)nul + 1);
			/* submodules (mode 160000) are commits elsewhere */
			if (strncmp(p, "160000 ", 7))
				ret = copy_to_disk(m, &child);
			p = nul + 1 + GIT_OID_RAWSZ;
		}
	}
	if (!ret)
		ret = m->loose_be->write(m->loose_be, oid, data, len, type);
	git_odb_backend_data_free(m->mempack, data);
	return ret;
}

static int write_tree(struct merge *m, int depth, struct tree_out *out,
		      git_oid *oid, struct strbuf *err)
{
	struct strbuf buf = STRBUF_INIT;
	size_t i;
	int ret;

	for (i = 1; i < out->nr; i++)
		if (cmp_tentry_git(&out->v[i - 1], &out->v[i]) > 0)
			break;
	if (i < out->nr)
		qsort(out->v, out->nr, sizeof(*out->v), cmp_tentry_git);
	for (i = 0; i < out->nr; i++) {
		char mode[12];
		int len = 0;
		unsigned int x = out->v[i].mode;

		/* "%o " by hand: tree writes are many */
		do {
			mode[sizeof(mode) - 1 - len++] = '0' + (x & 7);
			x >>= 3;
		} while (x);
		strbuf_add(&buf, mode + sizeof(mode) - len, len);
		strbuf_addch(&buf, ' ');
		strbuf_addstr(&buf, out->v[i].name);
		strbuf_addch(&buf, 0);
		strbuf_add(&buf, out->v[i].oid->id, GIT_OID_RAWSZ);
	}
	ret = odb_write(m, depth, oid, buf.buf, buf.len, GIT_OBJECT_TREE);
	strbuf_release(&buf);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot write tree");
	m->stats.trees_written++;
	return 0;
}

static bool is_binary(const void *data, size_t size)
{
	return memchr(data, 0,
		      size < FIRST_FEW_BYTES ? size : FIRST_FEW_BYTES) != NULL;
}

static void fast_undecided(struct fast_state *st, const char *reason,
			   const struct strbuf *dir, const char *name)
{
	st->undecided = reason;
	strbuf_reset(&st->path);
	strbuf_addbuf(&st->path, dir);
	strbuf_addstr(&st->path, name);
}

static char *xstrfmt_path(const struct strbuf *dir, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addbuf(&sb, dir);
	strbuf_addstr(&sb, name);
	return strbuf_detach(&sb, NULL);
}

/*
 * Merge the contents of a regular file both sides changed.  Returns 1
 * with st->undecided set where the result is not certain to be git's.
 */
static int merge_file(struct merge *m, struct fast_state *st,
		      const struct strbuf *dir, const struct tentry *b,
		      const struct tentry *o, const struct tentry *t,
		      git_oid *oid, unsigned int *mode, struct strbuf *err)
{
	git_merge_file_input in[3] = { GIT_MERGE_FILE_INPUT_INIT,
				       GIT_MERGE_FILE_INPUT_INIT,
				       GIT_MERGE_FILE_INPUT_INIT };
	git_merge_file_options opts = GIT_MERGE_FILE_OPTIONS_INIT;
	git_merge_file_result r1 = { 0 }, r2 = { 0 };
	unsigned int bmode = b ? b->mode : 0;
	git_blob *blob[3] = { NULL, NULL, NULL };
	const struct tentry *e[3] = { b, o, t };
	int ret = 0, i;

	/* merge-ort's handle_content_merge() mode rule */
	if (o->mode == t->mode || o->mode == bmode) {
		*mode = t->mode;
	} else {
		*mode = o->mode;
		if (t->mode != bmode) {
			fast_undecided(st, "mode conflict", dir, o->name);
			return 1;
		}
	}
	if (git_oid_equal(o->oid, t->oid) ||
	    (b && git_oid_equal(o->oid, b->oid))) {
		git_oid_cpy(oid, t->oid);
		return 0;
	}
	if (b && git_oid_equal(t->oid, b->oid)) {
		git_oid_cpy(oid, o->oid);
		return 0;
	}
	if (!st->depth && known_conflict(m, b, o, t)) {
		st->conflicts =
			xrealloc(st->conflicts, (st->nr_conflicts + 1) *
							sizeof(*st->conflicts));
		st->conflicts[st->nr_conflicts] = xstrfmt_path(dir, o->name);
		st->nr_conflicts++;
		git_oid_cpy(oid, o->oid);
		return 0;
	}
	for (i = 0; i < 3; i++) {
		if (!e[i]) {
			in[i].ptr = "";
			in[i].size = 0;
			continue;
		}
		ret = git_blob_lookup(&blob[i], m->repo, e[i]->oid);
		if (ret < 0) {
			ret = repo_error(err, -EIO, "cannot read blob '%s'",
					 git_oid_tostr_s(e[i]->oid));
			goto out;
		}
		in[i].ptr = git_blob_rawcontent(blob[i]);
		in[i].size = git_blob_rawsize(blob[i]);
		in[i].path = e[i]->name;
		in[i].mode = e[i]->mode;
		if (is_binary(in[i].ptr, in[i].size)) {
			fast_undecided(st, "binary file", dir, o->name);
			ret = 1;
			goto out;
		}
	}
	if (st->depth) {
		/* merge-ort's merge_3way() inside a virtual merge base */
		opts.our_label = "Temporary merge branch 1";
		opts.their_label = "Temporary merge branch 2";
		opts.marker_size =
			GIT_MERGE_CONFLICT_MARKER_SIZE + 2 * st->depth;
	}
	m->stats.file_merges++;
	ret = git_merge_file(&r1, &in[0], &in[1], &in[2], &opts);
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot merge '%s%s'", dir->buf,
				 o->name);
		goto out;
	}
	if (!r1.automergeable && st->depth)
		m->stats.vbase_conflicts++;
	if (!r1.automergeable && !st->depth) {
		fast_undecided(st, "content conflict", dir, o->name);
		ret = 1;
		goto out;
	}
	/*
	 * merge-ort diffs with the histogram algorithm, which libgit2 lacks;
	 * where Myers and patience agree, the lines' alignment is not in
	 * doubt and histogram agrees with them.  Inside a virtual merge
	 * base that goes for the conflict markers too: both must give the
	 * same bytes.
	 */
	opts.flags = GIT_MERGE_FILE_DIFF_PATIENCE;
	ret = git_merge_file(&r2, &in[0], &in[1], &in[2], &opts);
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot merge '%s%s'", dir->buf,
				 o->name);
		goto out;
	}
	if (r1.automergeable != r2.automergeable || r1.len != r2.len ||
	    memcmp(r1.ptr, r2.ptr, r1.len)) {
		fast_undecided(st, "diff algorithms disagree", dir, o->name);
		ret = 1;
		goto out;
	}
	/*
	 * Conflict markers next to a last line without its newline, or in
	 * a file with CRLF line ends, are where git's xdiff has changed
	 * since the copy in libgit2: leave those to git.
	 */
	if (!r1.automergeable) {
		for (i = 0; i < 3; i++) {
			if (in[i].size &&
			    (in[i].ptr[in[i].size - 1] != '\n' ||
			     memchr(in[i].ptr, '\r', in[i].size))) {
				fast_undecided(
					st,
					"conflict at an incomplete line or CRLF",
					dir, o->name);
				ret = 1;
				goto out;
			}
		}
	}
	ret = odb_write(m, st->depth, oid, r1.ptr, r1.len, GIT_OBJECT_BLOB);
	if (ret < 0)
		ret = repo_error(err, -EIO, "cannot write blob");
out:
	git_merge_file_result_free(&r1);
	git_merge_file_result_free(&r2);
	for (i = 0; i < 3; i++)
		git_blob_free(blob[i]);
	return ret;
}

static bool is_regular(const struct tentry *e)
{
	return e->mode == GIT_FILEMODE_BLOB ||
	       e->mode == GIT_FILEMODE_BLOB_EXECUTABLE;
}

static bool is_tree(const struct tentry *e)
{
	return e->mode == GIT_FILEMODE_TREE;
}

/*
 * Merge three trees (any may be NULL: absent).  Returns 0 with *oid the
 * merged tree and *empty set when nothing is left in it, 1 when
 * undecided, or a negative error.
 */
static int merge_trees_fast(struct merge *m, struct fast_state *st,
			    struct strbuf *dir, const git_oid *base,
			    const git_oid *ours, const git_oid *theirs,
			    git_oid *oid, bool *empty, struct strbuf *err)
{
	git_tree *tree[3] = { NULL, NULL, NULL };
	struct tentry *v[3] = { NULL, NULL, NULL };
	const git_oid *ids[3] = { base, ours, theirs };
	size_t nr[3] = { 0, 0, 0 }, pos[3] = { 0, 0, 0 };
	struct tree_out out = { 0 };
	size_t dirlen = dir->len;
	int ret = 0, i;

	for (i = 0; i < 3; i++) {
		ret = read_tree_entries(m, ids[i], &tree[i], &v[i], &nr[i],
					err);
		if (ret < 0)
			goto out;
	}
	for (;;) {
		const struct tentry *e[3] = { NULL, NULL, NULL };
		const struct tentry *b, *o, *t;
		const char *name = NULL;

		/* the smallest name not yet done on any side */
		for (i = 0; i < 3; i++)
			if (pos[i] < nr[i] &&
			    (!name || strcmp(v[i][pos[i]].name, name) < 0))
				name = v[i][pos[i]].name;
		if (!name)
			break;
		for (i = 0; i < 3; i++)
			if (pos[i] < nr[i] && !strcmp(v[i][pos[i]].name, name))
				e[i] = &v[i][pos[i]++];
		b = e[0];
		o = e[1];
		t = e[2];

		if (entry_eq(o, t)) {
			if (!o) {
				fast_undecided(st, "deleted on both sides", dir,
					       name);
				ret = 1;
				goto out;
			}
			out_push(&out, o->name, o->mode, o->oid);
		} else if (entry_eq(b, o)) {
			if (t)
				out_push(&out, t->name, t->mode, t->oid);
		} else if (entry_eq(b, t)) {
			if (o)
				out_push(&out, o->name, o->mode, o->oid);
		} else if (!o || !t) {
			/* a rename or a modify/delete conflict */
			fast_undecided(st,
				       "deleted on one side, changed on the other",
				       dir, name);
			ret = 1;
			goto out;
		} else if (is_tree(o) && is_tree(t) && (!b || is_tree(b))) {
			git_oid *sub = out_oid(&out, nr[1] + nr[2]);
			bool sub_empty;

			strbuf_addstr(dir, name);
			strbuf_addch(dir, '/');
			ret = merge_trees_fast(m, st, dir, b ? b->oid : NULL,
					       o->oid, t->oid, sub, &sub_empty,
					       err);
			strbuf_setlen(dir, dirlen);
			if (ret)
				goto out;
			if (!sub_empty)
				out_push(&out, name, GIT_FILEMODE_TREE, sub);
		} else if (is_regular(o) && is_regular(t) &&
			   (!b || is_regular(b))) {
			git_oid *blob = out_oid(&out, nr[1] + nr[2]);
			unsigned int mode;

			ret = merge_file(m, st, dir, b, o, t, blob, &mode, err);
			if (ret)
				goto out;
			out_push(&out, name, mode, blob);
		} else {
			fast_undecided(
				st,
				"type changed or special file changed on both sides",
				dir, name);
			ret = 1;
			goto out;
		}
	}
	*empty = !out.nr;
	if (out.nr || !dirlen)
		ret = write_tree(m, st->depth, &out, oid, err);
out:
	free(out.v);
	free(out.oids);
	for (i = 0; i < 3; i++) {
		free(v[i]);
		git_tree_free(tree[i]);
	}
	return ret;
}

/* --- memoised merges ----------------------------------------------------- */

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

static bool memo_get(struct merge *m, struct memo_table *t,
		     const git_oid key[3], struct merge_result *res)
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
	/* the commit memo's, looked up before the bases are known */
	if (e->nr_bases && !res->nr_bases) {
		res->nr_bases = e->nr_bases;
		git_oid_tostr(res->base, sizeof(res->base), &e->base);
	}
	return true;
}

static void memo_put(struct memo_table *t, const git_oid key[3],
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
	if (*res->base)
		git_oid_fromstr(&e->base, res->base);
	t->nr++;
}

static void memo_init(struct memo_table *t)
{
	t->size = 2 * MEMO_MAX;
	t->v = xcalloc(t->size, sizeof(*t->v));
	t->nr = 0;
}

static void memo_release(struct memo_table *t)
{
	if (!t->v)
		return;
	memo_clear(t);
	free(t->v);
	t->v = NULL;
}

/* --- virtual merge bases ------------------------------------------------ */

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
				       &next_tree, &merged, &empty, err);
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

/* --- the fallbacks ------------------------------------------------------- */

static void add_conflict(struct merge_result *res, const char *path)
{
	size_t i;

	for (i = 0; i < res->nr_conflicts; i++)
		if (!strcmp(res->conflicts[i], path))
			return;
	res->conflicts = xrealloc(res->conflicts,
				  (res->nr_conflicts + 2) * sizeof(char *));
	res->conflicts[res->nr_conflicts++] = xstrdup(path);
	res->conflicts[res->nr_conflicts] = NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Run argv with stdout and stderr captured; *status gets the exit code
 * (or -1 when killed).
 */
static int run_capture(char *const *argv, struct strbuf *out,
		       struct strbuf *errout, int *status, struct strbuf *err)
{
	posix_spawn_file_actions_t fa;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	char **envp = NULL;
	size_t n = 0, i;
	int ret = 0, wstatus;
	pid_t pid;

	/* git must find its repository from --git-dir alone */
	for (i = 0; environ[i]; i++)
		;
	envp = xcalloc(i + 1, sizeof(*envp));
	for (i = 0; environ[i]; i++)
		if (!starts_with(environ[i], "GIT_DIR=") &&
		    !starts_with(environ[i], "GIT_WORK_TREE=") &&
		    !starts_with(environ[i], "GIT_INDEX_FILE=") &&
		    !starts_with(environ[i], "GIT_OBJECT_DIRECTORY=") &&
		    !starts_with(environ[i],
				 "GIT_ALTERNATE_OBJECT_DIRECTORIES="))
			envp[n++] = environ[i];
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		ret = error_set(err, -errno, "cannot make a pipe: %s",
				strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	if (ret) {
		ret = error_set(err, -ret, "cannot run '%s': %s", argv[0],
				strerror(ret));
		goto out;
	}
	for (;;) {
		struct pollfd pfd[2] = { { outp[0], POLLIN, 0 },
					 { errp[0], POLLIN, 0 } };
		char buf[65536];
		ssize_t got;

		if (outp[0] < 0 && errp[0] < 0)
			break;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			int *fd = i ? &errp[0] : &outp[0];

			if (*fd < 0 || !pfd[i].revents)
				continue;
			got = read(*fd, buf, sizeof(buf));
			if (got > 0) {
				strbuf_add(i ? errout : out, buf, got);
			} else if (got == 0 || errno != EINTR) {
				close(*fd);
				*fd = -1;
			}
		}
	}
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	*status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
out:
	for (i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	free(envp);
	return ret;
}

/* `git merge-tree --write-tree`: git's answer, conflicts included. */
static int fallback_git(struct merge *m, const char *ours, const char *theirs,
			struct merge_result *res, struct strbuf *err)
{
	struct strbuf gitdir = STRBUF_INIT, out = STRBUF_INIT;
	struct strbuf errout = STRBUF_INIT;
	char *argv[] = { m->git,	 NULL, "merge-tree",	"--write-tree",
			 "--name-only",	 "-z", "--no-messages", (char *)ours,
			 (char *)theirs, NULL };
	const char *p, *end;
	int status, ret;

	strbuf_addf(&gitdir, "--git-dir=%s", m->gitdir);
	argv[1] = gitdir.buf;
	ret = run_capture(argv, &out, &errout, &status, err);
	if (ret < 0)
		goto out;
	if ((status != 0 && status != 1) || out.len < MERGE_HEXSZ ||
	    (out.len > MERGE_HEXSZ && out.buf[MERGE_HEXSZ])) {
		strbuf_rtrim(&errout);
		ret = error_set(err, -EIO,
				"git merge-tree failed (status %d): %s", status,
				errout.buf);
		goto out;
	}
	memcpy(res->tree, out.buf, MERGE_HEXSZ);
	res->tree[MERGE_HEXSZ] = 0;
	res->clean = status == 0;
	p = out.buf + MERGE_HEXSZ + 1;
	end = out.buf + out.len;
	while (p < end && *p) {
		add_conflict(res, p);
		p += strlen(p) + 1;
	}
	if (!res->clean && !res->nr_conflicts)
		add_conflict(res, "");
	res->method = MERGE_METHOD_GIT;
out:
	strbuf_release(&gitdir);
	strbuf_release(&out);
	strbuf_release(&errout);
	return ret;
}

/* libgit2's own merge, close to git's but not always equal to it. */
static int fallback_libgit2(struct merge *m, const git_oid *base_tree,
			    const git_oid *ours, const git_oid *theirs,
			    const git_oid *ours_tree,
			    const git_oid *theirs_tree, bool several,
			    struct merge_result *res, struct strbuf *err)
{
	git_merge_options opts = GIT_MERGE_OPTIONS_INIT;
	git_tree *t[3] = { NULL, NULL, NULL };
	git_commit *c[2] = { NULL, NULL };
	git_index *index = NULL;
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *ce[3];
	git_oid tree;
	int ret, i;

	opts.flags = GIT_MERGE_FIND_RENAMES | GIT_MERGE_SKIP_REUC;
	opts.rename_threshold = 50;
	opts.target_limit = 7000;
	if (several) {
		if ((ret = git_commit_lookup(&c[0], m->repo, ours)) < 0 ||
		    (ret = git_commit_lookup(&c[1], m->repo, theirs)) < 0 ||
		    (ret = git_merge_commits(&index, m->repo, c[0], c[1],
					     &opts)) < 0) {
			ret = repo_error(err, -EIO, "cannot merge");
			goto out;
		}
	} else {
		if ((base_tree &&
		     (ret = git_tree_lookup(&t[0], m->repo, base_tree)) < 0) ||
		    (ret = git_tree_lookup(&t[1], m->repo, ours_tree)) < 0 ||
		    (ret = git_tree_lookup(&t[2], m->repo, theirs_tree)) < 0 ||
		    (ret = git_merge_trees(&index, m->repo, t[0], t[1], t[2],
					   &opts)) < 0) {
			ret = repo_error(err, -EIO, "cannot merge");
			goto out;
		}
	}
	res->method = MERGE_METHOD_LIBGIT2;
	if (git_index_has_conflicts(index)) {
		res->clean = false;
		ret = git_index_conflict_iterator_new(&it, index);
		if (ret < 0) {
			ret = repo_error(err, -EIO, "cannot list conflicts");
			goto out;
		}
		while (!git_index_conflict_next(&ce[0], &ce[1], &ce[2], it))
			for (i = 0; i < 3; i++)
				if (ce[i]) {
					add_conflict(res, ce[i]->path);
					break;
				}
		ret = 0;
		goto out;
	}
	ret = git_index_write_tree_to(&tree, index, m->repo);
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot write merged tree");
		goto out;
	}
	res->clean = true;
	git_oid_tostr(res->tree, sizeof(res->tree), &tree);
out:
	git_index_conflict_iterator_free(it);
	git_index_free(index);
	for (i = 0; i < 3; i++)
		git_tree_free(t[i]);
	git_commit_free(c[0]);
	git_commit_free(c[1]);
	return ret;
}

/* --- merging two commits ------------------------------------------------- */

const char *merge_method_name(enum merge_method method)
{
	switch (method) {
	case MERGE_METHOD_FAST:
		return "fast";
	case MERGE_METHOD_CACHED:
		return "cached";
	case MERGE_METHOD_GIT:
		return "git";
	case MERGE_METHOD_LIBGIT2:
		return "libgit2";
	}
	return "?";
}

void merge_result_release(struct merge_result *res)
{
	size_t i;

	for (i = 0; i < res->nr_conflicts; i++)
		free(res->conflicts[i]);
	free(res->conflicts);
	memset(res, 0, sizeof(*res));
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
static void learn_conflicts(struct merge *m, const git_oid trees[3],
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

/*
 * Empty the in-memory objects, and forget the virtual bases made of
 * them; those not handed out yet are written to the repository first.
 */
static void mempack_restart(struct merge *m)
{
	size_t i;

	for (i = 0; i < m->nr_new_vbases; i++)
		copy_to_disk(m, &m->new_vbases[i][1]);
	git_mempack_reset(m->mempack);
	m->mempack_bytes = 0;
	memset(m->vbases, 0, m->vbases_size * sizeof(*m->vbases));
	m->vbases_nr = 0;
}

#define VBASE_LOST "virtual merge base: cannot read an object"

/*
 * The trees of virtual merge bases are reachable from no ref: git gc
 * may prune some of their objects (a folder, say) and not others.  When
 * one cannot be read, forget every virtual base (they are made again)
 * and let git merge this time.
 */
static void vbases_lost(struct merge *m, struct strbuf *err)
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
static int base_tree(struct merge *m, const uint32_t *bases, size_t nr,
		     git_oid *tree, const char **why, struct strbuf *err)
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

int merge_commits(struct merge *m, const char *ours, const char *theirs,
		  struct merge_result *res, struct strbuf *err)
{
	struct fast_state st = { NULL, STRBUF_INIT };
	struct strbuf dir = STRBUF_INIT;
	git_oid key[3], ckey[3], ours_oid, theirs_oid, tree;
	uint32_t a, b, *bases = NULL;
	size_t nr_bases = 0, i;
	bool empty, have_git, have_base = false;
	const char *why;
	int ret;

	memset(res, 0, sizeof(*res));
	m->stats.merges++;
	if (m->mempack && m->mempack_bytes > m->mempack_max)
		mempack_restart(m);
	ret = lookup_commit_node(m, ours, &a, err);
	if (!ret)
		ret = lookup_commit_node(m, theirs, &b, err);
	if (ret < 0)
		goto out;
	git_oid_cpy(&ours_oid, &m->dag.nodes[a].oid);
	git_oid_cpy(&theirs_oid, &m->dag.nodes[b].oid);
	/* a merge of the same two commits: the same result, nothing to do */
	memset(ckey, 0, sizeof(ckey));
	git_oid_cpy(&ckey[0], &ours_oid);
	git_oid_cpy(&ckey[1], &theirs_oid);
	if (memo_get(m, &m->commit_memo, ckey, res)) {
		res->method = MERGE_METHOD_CACHED;
		m->stats.cached++;
		m->stats.commits_cached++;
		goto out;
	}
	ret = dag_merge_bases(m, a, b, &bases, &nr_bases, err);
	if (ret < 0)
		goto out;
	if (!nr_bases) {
		ret = error_set(err, ERR_CONFLICT,
				"'%s' and '%s' have no common history", ours,
				theirs);
		goto out;
	}
	res->nr_bases = nr_bases;
	git_oid_tostr(res->base, sizeof(res->base),
		      &m->dag.nodes[bases[0]].oid);

	ret = base_tree(m, bases, nr_bases, &key[0], &why, err);
	if (ret < 0)
		goto out;
	if (!ret) {
		have_base = true;
		git_oid_cpy(&key[1], &m->dag.nodes[a].tree);
		git_oid_cpy(&key[2], &m->dag.nodes[b].tree);
		if (memo_get(m, &m->memo, key, res)) {
			res->method = MERGE_METHOD_CACHED;
			m->stats.cached++;
			goto out_memo;
		}
		ret = merge_trees_fast(m, &st, &dir, &key[0], &key[1], &key[2],
				       &tree, &empty, err);
		if (ret < 0 && nr_bases > 1) {
			vbases_lost(m, err);
			have_base = false;
			st.undecided = VBASE_LOST;
			ret = 1;
		}
		if (ret < 0)
			goto out;
		if (!ret && st.nr_conflicts && m->conflict_tree) {
			ret = 1;
			st.undecided = "conflict tree wanted";
		}
		if (!ret && st.nr_conflicts) {
			/* only conflicts git found on the same three blobs */
			res->clean = false;
			res->method = MERGE_METHOD_FAST;
			res->conflicts = st.conflicts;
			res->nr_conflicts = st.nr_conflicts;
			st.conflicts = NULL;
			st.nr_conflicts = 0;
			qsort(res->conflicts, res->nr_conflicts, sizeof(char *),
			      cmp_str);
			m->stats.fast++;
			memo_put(&m->memo, key, res);
			goto out_memo;
		}
		if (!ret) {
			res->clean = true;
			res->method = MERGE_METHOD_FAST;
			git_oid_tostr(res->tree, sizeof(res->tree), &tree);
			m->stats.fast++;
			memo_put(&m->memo, key, res);
			goto out_memo;
		}
		res->fallback_reason = st.undecided;
		log_debug("merge %s into %s: %s at '%s', asking the fallback",
			  theirs, ours, st.undecided, st.path.buf);
	} else {
		res->fallback_reason = why ? why : "several merge bases";
		log_debug("merge %s into %s: %u merge bases: %s, asking the fallback",
			  theirs, ours, (unsigned int)nr_bases,
			  res->fallback_reason);
	}

	m->stats.fallbacks++;
	have_git = m->fallback == MERGE_FALLBACK_GIT;
	if (m->fallback == MERGE_FALLBACK_NONE) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"fast merge undecided: %s",
				res->fallback_reason);
		goto out;
	}
	ret = -1;
	if (have_git) {
		ret = fallback_git(m, ours, theirs, res, err);
		if (ret < 0)
			log_warn("%s; using libgit2's merge", err->buf);
	}
	/* libgit2's own recursive merge without a virtual base of ours */
	if (ret < 0)
		ret = fallback_libgit2(m, have_base ? &key[0] : NULL, &ours_oid,
				       &theirs_oid, &m->dag.nodes[a].tree,
				       &m->dag.nodes[b].tree, !have_base, res,
				       err);
	if (ret < 0)
		goto out;
	if (res->nr_conflicts > 1)
		qsort(res->conflicts, res->nr_conflicts, sizeof(char *),
		      cmp_str);
	if (have_base) {
		memo_put(&m->memo, key, res);
		if (!res->clean && res->method == MERGE_METHOD_GIT)
			learn_conflicts(m, key, res);
	}
out_memo:
	/* libgit2's answer may not be git's: only git's are kept */
	if (res->method != MERGE_METHOD_LIBGIT2)
		memo_put(&m->commit_memo, ckey, res);
	ret = 0;
out:
	if (ret < 0)
		merge_result_release(res);
	free(bases);
	for (i = 0; i < st.nr_conflicts; i++)
		free(st.conflicts[i]);
	free(st.conflicts);
	strbuf_release(&st.path);
	strbuf_release(&dir);
	return ret;
}

int merge_trees(struct merge *m, const char *base, const char *ours,
		const char *theirs, struct merge_result *res,
		struct strbuf *err)
{
	struct fast_state st = { NULL, STRBUF_INIT };
	struct strbuf dir = STRBUF_INIT;
	git_oid key[3], tree;
	bool empty;
	size_t i;
	int ret;

	memset(res, 0, sizeof(*res));
	m->stats.merges++;
	ret = parse_hex(base, &key[0], err);
	if (!ret)
		ret = parse_hex(ours, &key[1], err);
	if (!ret)
		ret = parse_hex(theirs, &key[2], err);
	if (ret < 0)
		goto out;
	if (memo_get(m, &m->memo, key, res)) {
		res->method = MERGE_METHOD_CACHED;
		m->stats.cached++;
		goto out;
	}
	ret = merge_trees_fast(m, &st, &dir, &key[0], &key[1], &key[2], &tree,
			       &empty, err);
	if (ret < 0)
		goto out;
	if (!ret) {
		res->method = MERGE_METHOD_FAST;
		res->clean = !st.nr_conflicts;
		if (res->clean) {
			git_oid_tostr(res->tree, sizeof(res->tree), &tree);
		} else {
			res->conflicts = st.conflicts;
			res->nr_conflicts = st.nr_conflicts;
			st.conflicts = NULL;
			st.nr_conflicts = 0;
			qsort(res->conflicts, res->nr_conflicts, sizeof(char *),
			      cmp_str);
		}
		m->stats.fast++;
		memo_put(&m->memo, key, res);
		goto out;
	}
	res->fallback_reason = st.undecided;
	m->stats.fallbacks++;
	if (m->fallback == MERGE_FALLBACK_NONE) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"fast merge undecided: %s",
				res->fallback_reason);
		goto out;
	}
	/* git merge-tree of git 2.39 takes no merge base: libgit2 only */
	ret = fallback_libgit2(m, &key[0], NULL, NULL, &key[1], &key[2], false,
			       res, err);
	if (!ret && res->nr_conflicts > 1)
		qsort(res->conflicts, res->nr_conflicts, sizeof(char *),
		      cmp_str);
out:
	if (ret < 0)
		merge_result_release(res);
	for (i = 0; i < st.nr_conflicts; i++)
		free(st.conflicts[i]);
	free(st.conflicts);
	strbuf_release(&st.path);
	strbuf_release(&dir);
	return ret;
}

void merge_get_stats(struct merge *m, struct merge_stats *stats)
{
	*stats = m->stats;
}

/* --- the repository ------------------------------------------------------ */

/*
 * An object database of the packs and loose objects only: libgit2 1.5's
 * default one also opens objects/info/commit-graph, which it cannot read
 * when git >= 2.31 wrote it, and rereads it after every object written.
 * Repositories with alternates keep the default database.
 */
static int setup_odb(struct merge *m, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	git_odb_backend *pack = NULL, *loose = NULL;
	struct stat st;
	git_odb *odb;
	int ret;

	strbuf_addf(&path, "%s/objects/info/alternates", m->gitdir);
	if (!stat(path.buf, &st)) {
		strbuf_release(&path);
		ret = git_repository_odb(&m->odb, m->repo);
		if (ret < 0)
			return repo_error(err, -EIO,
					  "cannot open object database");
		return 0;
	}
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/objects", m->gitdir);
	ret = git_odb_new(&odb);
	if (ret < 0)
		goto out_err;
	if ((ret = git_odb_backend_pack(&pack, path.buf)) < 0 ||
	    (ret = git_odb_add_backend(odb, pack, 2)) < 0) {
		if (pack)
			pack->free(pack);
		goto out_odb;
	}
	if ((ret = git_odb_backend_loose(&loose, path.buf, -1, 0, 0, 0)) < 0 ||
	    (ret = git_odb_add_backend(odb, loose, 1)) < 0) {
		if (loose)
			loose->free(loose);
		goto out_odb;
	}
	m->pack_be = pack;
	m->loose_be = loose;
	if ((ret = git_mempack_new(&m->mempack)) < 0 ||
	    (ret = git_odb_add_backend(odb, m->mempack, 0)) < 0) {
		if (m->mempack)
			m->mempack->free(m->mempack);
		m->mempack = NULL;
		goto out_odb;
	}
	ret = git_repository_set_odb(m->repo, odb);
	if (ret < 0)
		goto out_odb;
	m->odb = odb;
	strbuf_release(&path);
	return 0;

out_odb:
	git_odb_free(odb);
	m->pack_be = m->loose_be = m->mempack = NULL;
out_err:
	strbuf_release(&path);
	return repo_error(err, -EIO, "cannot open object database");
}

/*
 * git merge-tree reads merge.conflictStyle: with diff3 or zdiff3 the
 * conflicts inside a virtual merge base carry the ancestor's label,
 * which the fast path does not make.
 */
static void read_conflict_style(struct merge *m)
{
	git_config *cfg = NULL;
	const char *v;

	if (git_repository_config_snapshot(&cfg, m->repo) < 0)
		return;
	if (!git_config_get_string(&v, cfg, "merge.conflictstyle") &&
	    strcmp(v, "merge"))
		m->conflict_style_other = true;
	git_config_free(cfg);
}

int merge_open(const char *path, struct merge **out, struct strbuf *err)
{
	struct merge *m;
	const char *gitdir;
	int ret;

	m = xcalloc(1, sizeof(*m));
	ret = git_repository_open_ext(&m->repo, path,
				      GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (ret < 0) {
		ret = repo_error(err, ERR_INVALID,
				 "cannot open repository '%s'", path);
		free(m);
		return ret;
	}
	gitdir = git_repository_path(m->repo);
	m->gitdir = xstrdup(gitdir);
	if (m->gitdir[0] && m->gitdir[strlen(m->gitdir) - 1] == '/')
		m->gitdir[strlen(m->gitdir) - 1] = 0;
	m->git = xstrdup("git");
	m->fallback = MERGE_FALLBACK_GIT;
	memo_init(&m->memo);
	memo_init(&m->commit_memo);
	m->vbases_size = VBASES_SIZE;
	m->vbases = xcalloc(m->vbases_size, sizeof(*m->vbases));
	m->known_size = 2 * MEMO_MAX;
	m->known = xcalloc(m->known_size, sizeof(*m->known));
	ret = setup_odb(m, err);
	if (ret < 0) {
		merge_free(m);
		return ret;
	}
	read_conflict_style(m);
	m->mempack_max = testhook_merge_mempack_max(MEMPACK_MAX);
	*out = m;
	return 0;
}

void merge_free(struct merge *m)
{
	if (!m)
		return;
	memo_release(&m->memo);
	memo_release(&m->commit_memo);
	free(m->vbases);
	free(m->new_vbases);
	free(m->known);
	dag_release(&m->dag);
	git_odb_free(m->odb);
	git_repository_free(m->repo);
	free(m->gitdir);
	free(m->git);
	free(m->ident_name);
	free(m->ident_email);
	free(m);
}

void merge_set_fallback(struct merge *m, enum merge_fallback fallback)
{
	m->fallback = fallback;
}

void merge_set_conflict_tree(struct merge *m, bool want)
{
	m->conflict_tree = want;
}

void merge_set_git(struct merge *m, const char *git_path)
{
	free(m->git);
	m->git = xstrdup(git_path && *git_path ? git_path : "git");
}

int merge_resolve_commit(struct merge *m, const char *rev, char *hex,
			 struct strbuf *err)
{
	return repo_git_resolve_commit(m->repo, rev, hex, err);
}

int merge_commit_info(struct merge *m, const char *commit, char *tree,
		      char (**parents)[MERGE_HEXSZ + 1], size_t *nr,
		      struct strbuf *err)
{
	struct dag_node *n;
	uint32_t idx, i;
	int ret;

	ret = lookup_commit_node(m, commit, &idx, err);
	if (ret < 0)
		return ret;
	n = &m->dag.nodes[idx];
	if (tree)
		git_oid_tostr(tree, MERGE_HEXSZ + 1, &n->tree);
	if (parents) {
		*parents = xcalloc(n->nr_parents + 1, sizeof(**parents));
		for (i = 0; i < n->nr_parents; i++)
			git_oid_tostr((*parents)[i], MERGE_HEXSZ + 1,
				      &m->dag.nodes[m->dag.parent_pool
							    [n->parents + i]]
					       .oid);
		*nr = n->nr_parents;
	}
	return 0;
}

int merge_commit_message(struct merge *m, const char *commit, char **msg,
			 struct strbuf *err)
{
	git_commit *c;
	git_oid oid;
	int ret;

	ret = parse_hex(commit, &oid, err);
	if (ret < 0)
		return ret;
	ret = git_commit_lookup(&c, m->repo, &oid);
	if (ret < 0)
		return repo_error(err, ERR_NOT_FOUND, "cannot read commit '%s'",
				  commit);
	*msg = xstrdup(git_commit_message(c));
	git_commit_free(c);
	return 0;
}

int merge_write_commit(struct merge *m, const char *tree,
		       const char *const *parents, size_t nr_parents,
		       const char *message, const char *name, const char *email,
		       int64_t when, char *out, struct strbuf *err)
{
	struct strbuf buf = STRBUF_INIT;
	git_oid oid;
	size_t i;
	int ret;

	ret = parse_hex(tree, &oid, err);
	for (i = 0; !ret && i < nr_parents; i++)
		ret = parse_hex(parents[i], &oid, err);
	if (ret < 0)
		return ret;
	strbuf_addf(&buf, "tree %s\n", tree);
	for (i = 0; i < nr_parents; i++)
		strbuf_addf(&buf, "parent %s\n", parents[i]);
	strbuf_addf(&buf, "author %s <%s> %" PRId64 " +0000\n", name, email,
		    when);
	strbuf_addf(&buf, "committer %s <%s> %" PRId64 " +0000\n\n", name,
		    email, when);
	strbuf_addstr(&buf, message);
	if (!buf.len || buf.buf[buf.len - 1] != '\n')
		strbuf_addch(&buf, '\n');
	ret = git_odb_write(&oid, m->odb, buf.buf, buf.len, GIT_OBJECT_COMMIT);
	strbuf_release(&buf);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot write commit");
	git_oid_tostr(out, MERGE_HEXSZ + 1, &oid);
	return 0;
}

static size_t log_entries(struct merge *m, const char *ref)
{
	git_reflog *log;
	size_t n;

	if (git_reflog_read(&log, m->repo, ref) < 0)
		return 0;
	n = git_reflog_entrycount(log);
	git_reflog_free(log);
	return n;
}

/*
 * libgit2 writes no reflog in a bare repository (core.logAllRefUpdates
 * defaults to false there, as in git); the builds of next want one.
 */
static int append_reflog(struct merge *m, const char *ref, const char *new_hex,
			 const char *old_hex, const char *msg,
			 struct strbuf *err)
{
	git_signature *sig = NULL;
	git_reflog *log = NULL;
	git_oid oid;
	int ret;

	git_oid_fromstr(&oid, new_hex);
	ret = git_signature_now(&sig, m->ident_name ? m->ident_name : "cthulhu",
				m->ident_email ? m->ident_email :
						 "cthulhu@localhost");
	if (!ret)
		ret = git_reflog_read(&log, m->repo, ref);
	if (!ret)
		ret = git_reflog_append(log, &oid, sig, msg);
	if (!ret)
		ret = git_reflog_write(log);
	git_reflog_free(log);
	git_signature_free(sig);
	if (ret < 0)
		log_warn("cannot write the reflog of '%s': %s", ref,
			 git_error_last() ? git_error_last()->message : "?");
	return 0;
}

int merge_update_ref(struct merge *m, const char *ref, const char *new_hex,
		     const char *old_hex, const char *reflog,
		     struct strbuf *err)
{
	git_reference *r = NULL;
	git_oid new_oid, old_oid;
	size_t before;
	int ret;

	ret = parse_hex(new_hex, &new_oid, err);
	if (ret < 0)
		return ret;
	before = log_entries(m, ref);
	if (old_hex && *old_hex) {
		ret = parse_hex(old_hex, &old_oid, err);
		if (ret < 0)
			return ret;
		ret = git_reference_create_matching(&r, m->repo, ref, &new_oid,
						    1, &old_oid, reflog);
	} else {
		ret = git_reference_create(&r, m->repo, ref, &new_oid, 0,
					   reflog);
	}
	git_reference_free(r);
	if (!ret && log_entries(m, ref) == before)
		ret = append_reflog(m, ref, new_hex, old_hex, reflog, err);
	if (ret == GIT_EMODIFIED || ret == GIT_EEXISTS)
		return repo_error(err, ERR_STALE,
				  "'%s' moved during the update", ref);
	if (ret == GIT_ELOCKED)
		return repo_error(err, ERR_STALE, "'%s' is locked", ref);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot update '%s'", ref);
	return 0;
}

int merge_delete_ref(struct merge *m, const char *ref, const char *old_hex,
		     struct strbuf *err)
{
	git_reference *r = NULL;
	git_oid old_oid;
	int ret;

	ret = parse_hex(old_hex, &old_oid, err);
	if (ret < 0)
		return ret;
	ret = git_reference_lookup(&r, m->repo, ref);
	if (ret == GIT_ENOTFOUND)
		return error_set(err, ERR_STALE, "'%s' is gone", ref);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot read '%s'", ref);
	if (git_reference_type(r) != GIT_REFERENCE_DIRECT ||
	    !git_oid_equal(git_reference_target(r), &old_oid)) {
		git_reference_free(r);
		return error_set(err, ERR_STALE, "'%s' moved during the update",
				 ref);
	}
	/* fails with GIT_EMODIFIED when the ref moved since the lookup */
	ret = git_reference_delete(r);
	git_reference_free(r);
	if (ret == GIT_EMODIFIED)
		return repo_error(err, ERR_STALE,
				  "'%s' moved during the update", ref);
	if (ret == GIT_ELOCKED)
		return repo_error(err, ERR_STALE, "'%s' is locked", ref);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot delete '%s'", ref);
	return 0;
}

void merge_set_ident(struct merge *m, const char *name, const char *email)
{
	free(m->ident_name);
	free(m->ident_email);
	m->ident_name = xstrdup_or_null(name);
	m->ident_email = xstrdup_or_null(email);
	git_repository_set_ident(m->repo, name, email);
}

struct tag_cand {
	int64_t date;
	char hex[MERGE_HEXSZ + 1];
	const char *name; /* borrowed from the tag list */
};

static int cmp_tag_cand(const void *va, const void *vb)
{
	const struct tag_cand *a = va, *b = vb;

	return a->date > b->date ? -1 : a->date < b->date;
}

/*
 * Test the candidates newest first, so that a kernel's 1,500 v* tags cost
 * one ancestry walk rather than one walk down the whole history each.
 */
int merge_newest_tag(struct merge *m, const char *pattern,
		     const char *reachable_from, char *hex, char **name,
		     struct strbuf *err)
{
	struct tag_cand *c = NULL, *best = NULL;
	char tip[MERGE_HEXSZ + 1];
	git_strarray names = { 0 };
	struct strbuf ref = STRBUF_INIT;
	size_t i, nr = 0;
	uint32_t idx;
	bool yes;
	int ret;

	*name = NULL;
	if (reachable_from) {
		ret = merge_resolve_commit(m, reachable_from, tip, err);
		if (ret < 0)
			return ret;
	}
	ret = git_tag_list_match(&names, pattern, m->repo);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot list tags");
	c = xcalloc(names.count + 1, sizeof(*c));
	for (i = 0; i < names.count; i++) {
		strbuf_reset(&ref);
		strbuf_addf(&ref, "refs/tags/%s", names.strings[i]);
		if (merge_resolve_commit(m, ref.buf, c[nr].hex, NULL) < 0 ||
		    lookup_commit_node(m, c[nr].hex, &idx, NULL) < 0)
			continue;
		c[nr].date = m->dag.nodes[idx].date;
		c[nr].name = names.strings[i];
		nr++;
	}
	qsort(c, nr, sizeof(*c), cmp_tag_cand);
	for (i = 0; i < nr; i++) {
		if (best && c[i].date < best->date)
			break;
		if (reachable_from &&
		    (merge_is_ancestor(m, c[i].hex, tip, &yes, NULL) < 0 ||
		     !yes))
			continue;
		/* equal dates: the one that has the other in its history */
		if (best && (merge_is_ancestor(m, best->hex, c[i].hex, &yes,
					       NULL) < 0 ||
			     !yes))
			continue;
		best = &c[i];
	}
	if (best) {
		memcpy(hex, best->hex, MERGE_HEXSZ + 1);
		*name = xstrdup(best->name);
	}
	free(c);
	git_strarray_dispose(&names);
	strbuf_release(&ref);
	if (!*name)
		return error_set(err, ERR_NOT_FOUND, "no tag '%s'%s%s", pattern,
				 reachable_from ? " on " : "",
				 reachable_from ? reachable_from : "");
	return 0;
}

int merge_push(struct merge *m, const char *remote_name,
	       const char *const *refspecs, size_t nr, struct strbuf *err)
{
	git_push_options opts = GIT_PUSH_OPTIONS_INIT;
	git_strarray specs = { (char **)refspecs, nr };
	git_remote *remote = NULL;
	int ret;

	ret = git_remote_lookup(&remote, m->repo, remote_name);
	if (ret == GIT_ENOTFOUND || ret == GIT_EINVALIDSPEC)
		ret = git_remote_create_anonymous(&remote, m->repo,
						  remote_name);
	if (ret < 0)
		return repo_error(err, ERR_INVALID, "unknown remote '%s'",
				  remote_name);
	ret = git_remote_push(remote, &specs, &opts);
	git_remote_free(remote);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot push to '%s'",
				  remote_name);
	return 0;
}

int merge_read_path(struct merge *m, const char *tree, const char *path,
		    struct strbuf *out, struct strbuf *err)
{
	git_tree_entry *e = NULL;
	git_tree *t = NULL;
	git_blob *blob = NULL;
	git_oid oid;
	int ret;

	ret = parse_hex(tree, &oid, err);
	if (ret < 0)
		return ret;
	ret = git_tree_lookup(&t, m->repo, &oid);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot read tree '%s'", tree);
	ret = git_tree_entry_bypath(&e, t, path);
	if (ret < 0 || git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		ret = error_set(err, ERR_NOT_FOUND, "no file '%s' in '%s'",
				path, tree);
		goto out;
	}
	ret = git_blob_lookup(&blob, m->repo, git_tree_entry_id(e));
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot read '%s'", path);
		goto out;
	}
	strbuf_add(out, git_blob_rawcontent(blob), git_blob_rawsize(blob));
	ret = 0;
out:
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(t);
	return ret;
}

int merge_replace_paths(struct merge *m, const char *tree,
			const char *const *paths, const struct strbuf *contents,
			size_t nr, char *out, struct strbuf *err)
{
	git_tree_update *up = xcalloc(nr ? nr : 1, sizeof(*up));
	git_tree_entry *e = NULL;
	git_tree *t = NULL;
	git_oid oid;
	size_t i;
	int ret;

	ret = parse_hex(tree, &oid, err);
	if (ret < 0)
		goto out;
	ret = git_tree_lookup(&t, m->repo, &oid);
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot read tree '%s'", tree);
		goto out;
	}
	for (i = 0; i < nr; i++) {
		up[i].action = GIT_TREE_UPDATE_UPSERT;
		up[i].path = paths[i];
		up[i].filemode = GIT_FILEMODE_BLOB;
		if (!git_tree_entry_bypath(&e, t, paths[i])) {
			if (git_tree_entry_filemode(e) ==
			    GIT_FILEMODE_BLOB_EXECUTABLE)
				up[i].filemode = GIT_FILEMODE_BLOB_EXECUTABLE;
			git_tree_entry_free(e);
			e = NULL;
		}
		ret = git_odb_write(&up[i].id, m->odb, contents[i].buf,
				    contents[i].len, GIT_OBJECT_BLOB);
		if (ret < 0) {
			ret = repo_error(err, -EIO, "cannot write blob");
			goto out;
		}
	}
	ret = git_tree_create_updated(&oid, m->repo, t, nr, up);
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot write tree");
		goto out;
	}
	git_oid_tostr(out, MERGE_HEXSZ + 1, &oid);
out:
	git_tree_free(t);
	free(up);
	return ret;
}

int merge_file_contents(const struct strbuf *base, const struct strbuf *ours,
			const struct strbuf *theirs, struct strbuf *out,
			bool *clean, struct strbuf *err)
{
	git_merge_file_input in[3] = { GIT_MERGE_FILE_INPUT_INIT,
				       GIT_MERGE_FILE_INPUT_INIT,
				       GIT_MERGE_FILE_INPUT_INIT };
	const struct strbuf *sb[3] = { base, ours, theirs };
	git_merge_file_result r = { 0 };
	int ret, i;

	for (i = 0; i < 3; i++) {
		in[i].ptr = sb[i]->buf;
		in[i].size = sb[i]->len;
	}
	ret = git_merge_file(&r, &in[0], &in[1], &in[2], NULL);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot merge");
	*clean = r.automergeable;
	strbuf_add(out, r.ptr, r.len);
	git_merge_file_result_free(&r);
	return 0;
}

void merge_hash_hex(const void *data, size_t len, char *hex)
{
	git_oid oid;

	git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB);
	git_oid_tostr(hex, MERGE_HEXSZ + 1, &oid);
}
