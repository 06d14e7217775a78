/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The commit DAG of the merge module: parents and commit dates, read
 * once per commit from the object database and kept in memory, walked
 * with git's own paint_down_to_common() and remove_redundant() for the
 * merge bases, so that the thousands of commits between an old topic's
 * base and next are parsed once per process instead of once per merge.
 */
#include <errno.h>
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

/* Paint flags of paint_down(), as git's commit-reach.c names them. */
#define PARENT1 (1u << 0)
#define PARENT2 (1u << 1)
#define STALE (1u << 2)
#define RESULT (1u << 3)
#define ALL_FLAGS (PARENT1 | PARENT2 | STALE | RESULT)

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

void dag_release(struct dag *dag)
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
int dag_load(struct merge *m, uint32_t idx, struct strbuf *err)
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

static bool pq_before(const struct pq_item *a, const struct pq_item *b)
{
	if (a->date != b->date)
		return a->date > b->date;
	return a->seq < b->seq;
}

void pq_put(struct pq *q, uint32_t idx, int64_t date)
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

uint32_t pq_get(struct pq *q)
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
int dag_merge_bases_many(struct merge *m, uint32_t one, const uint32_t *twos,
			 size_t nr_twos, uint32_t **out, size_t *nr_out,
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
int dag_merge_bases(struct merge *m, uint32_t one, uint32_t two, uint32_t **out,
		    size_t *nr_out, struct strbuf *err)
{
	int ret;

	if (!m->last_bases.used || m->last_bases.one != one ||
	    m->last_bases.two != two) {
		ret = reach_merge_bases(m, one, two, out, nr_out, err);
		if (ret > 0)
			ret = dag_merge_bases_many(m, one, &two, 1, out, nr_out,
						   err);
		if (ret < 0)
			return ret;
		free(m->last_bases.v);
		m->last_bases.v = xcalloc(*nr_out ? *nr_out : 1,
					  sizeof(*m->last_bases.v));
		memcpy(m->last_bases.v, *out, *nr_out * sizeof(**out));
		m->last_bases.nr = *nr_out;
		m->last_bases.one = one;
		m->last_bases.two = two;
		m->last_bases.used = true;
		return 0;
	}
	*out = xcalloc(m->last_bases.nr ? m->last_bases.nr : 1, sizeof(**out));
	memcpy(*out, m->last_bases.v, m->last_bases.nr * sizeof(**out));
	*nr_out = m->last_bases.nr;
	return 0;
}

/*
 * Sort merge bases newest first by commit date, as get_merge_bases()
 * returns them (commit_list_insert_by_date()).  Returns 1 when two have
 * the same date: git's order of those depends on its walk (commit dates
 * or generation numbers from a commit-graph), and the order decides the
 * conflict markers inside a virtual merge base.
 */
int sort_bases(struct dag *dag, uint32_t *v, size_t n)
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

int lookup_commit_node(struct merge *m, const char *hex, uint32_t *idx,
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
	uint32_t a = 0, d = 0, *bases = NULL;
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
	/*
	 * ancestor is one of descendant exactly when it is their one merge
	 * base; merge_commits() of the two, which the Cthulhu merge asks
	 * next, then finds them made.
	 */
	ret = dag_merge_bases(m, d, a, &bases, &nr, err);
	if (!ret)
		*result = nr == 1 && bases[0] == a;
	free(bases);
	return ret;
}
