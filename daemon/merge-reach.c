/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The merge bases of next and a topic without walking next each time.
 *
 * git's merge-base walks both commits down together until only common
 * ancestors are left: for a topic merged into next, that is every commit
 * of the topics merged before it, so that a build of n topics walks the
 * square of n topics' commits.  Here the ancestry of one commit, the
 * anchor (next as the build makes it), is kept across merges as a set
 * of commits known to be its ancestors and a queue of those whose
 * parents are not in the set yet, by generation number (merge-graph.c),
 * highest first.  Whether a commit is an ancestor of the anchor is then
 * known by taking from the queue down to that commit's generation:
 * every path from the anchor to it goes through higher generations.
 * When next gains a merge (a child of the anchor by its first parent),
 * the anchor moves to it and the queue gets its other parents: the set
 * grows by what the merged topic brings, once.
 *
 * The merge bases of the anchor and a topic are then the topic's
 * ancestors that are the anchor's and that no other such is a
 * descendant of, found by walking the topic alone, highest generation
 * first, down to where every commit left is below one found: git's
 * paint_down_to_common() with one of its two sides a lookup.  Walking
 * by generation, each commit is met after all its descendants, so the
 * answer is exact without git's remove_redundant(); it is the answer git
 * gives with a commit-graph, and the one git gives without when commit
 * dates do not go back in time along the history.
 */
#include <stdlib.h>
#include <string.h>
#include <git2.h>

#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/merge-internal.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* Steps down next's first parents to find where the anchor was. */
#define CHAIN_MAX 4096

/* Flags of a walk of the topic's side (dag_node.wflags). */
#define W_TOPIC (1u << 0)  /* an ancestor of the topic */
#define W_STALE (1u << 1)  /* below a merge base found */
#define W_QUEUED (1u << 2) /* in the walk's queue */

#define NONE UINT32_MAX

static bool is_in(struct merge *m, uint32_t idx)
{
	return m->dag.nodes[idx].in_epoch == m->reach.epoch;
}

/* Put idx (its generation known) in the anchor's ancestry and queue. */
static void mark_in(struct merge *m, uint32_t idx)
{
	struct dag_node *n = &m->dag.nodes[idx];

	n->in_epoch = m->reach.epoch;
	pq_put(&m->reach.queue, idx, n->gen);
}

/*
 * Take from the anchor's queue every commit of generation gen or more:
 * afterwards each ancestor of the anchor of that generation or more is
 * in.  0, 1 when generation numbers are not to be had, or an error.
 */
static int extend(struct merge *m, uint32_t gen, struct strbuf *err)
{
	struct dag *dag = &m->dag;
	struct pq *q = &m->reach.queue;
	int ret;

	while (q->nr && (uint64_t)q->v[0].date >= gen) {
		uint32_t y = pq_get(q), k;

		ret = dag_load(m, y, err);
		if (ret < 0)
			return ret;
		for (k = 0; k < dag->nodes[y].nr_parents; k++) {
			uint32_t p =
				dag->parent_pool[dag->nodes[y].parents + k];

			if (is_in(m, p))
				continue;
			ret = dag_generation(m, p, err);
			if (ret)
				return ret;
			mark_in(m, p);
		}
	}
	return 0;
}

/* Whether idx (its generation known) is an ancestor of the anchor. */
static int anchor_has(struct merge *m, uint32_t idx, bool *has,
		      struct strbuf *err)
{
	struct dag_node *n = &m->dag.nodes[idx];
	int ret;

	*has = is_in(m, idx);
	if (*has || n->gen >= m->dag.nodes[m->reach.anchor].gen)
		return 0;
	ret = extend(m, n->gen, err);
	if (!ret)
		*has = is_in(m, idx);
	return ret;
}

static void reach_reset(struct merge *m, uint32_t anchor)
{
	struct reach *r = &m->reach;
	uint32_t i;

	if (++r->epoch == 0) {
		for (i = 0; i < m->dag.nr; i++)
			m->dag.nodes[i].in_epoch = 0;
		r->epoch = 1;
	}
	r->queue.nr = 0;
	r->anchor = anchor;
	mark_in(m, anchor);
}

/*
 * Make one the anchor: from the old one when it is down one's first
 * parents (next gained merges since), else afresh.
 */
static int set_anchor(struct merge *m, uint32_t one, struct strbuf *err)
{
	struct reach *r = &m->reach;
	struct dag *dag = &m->dag;
	uint32_t *v = NULL, c = one;
	size_t nr = 0, alloc = 0, i;
	int ret;

	if (r->epoch && r->anchor == one)
		return 0;
	ret = dag_generation(m, one, err);
	if (ret)
		return ret;
	if (!r->epoch || r->anchor == NONE) {
		reach_reset(m, one);
		return 0;
	}
	while (c != r->anchor && nr < CHAIN_MAX &&
	       dag->nodes[c].gen > dag->nodes[r->anchor].gen) {
		if (nr == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		v[nr++] = c;
		ret = dag_load(m, c, err);
		if (ret < 0)
			goto out;
		if (!dag->nodes[c].nr_parents)
			break;
		c = dag->parent_pool[dag->nodes[c].parents];
		ret = dag_generation(m, c, err);
		if (ret)
			goto out;
	}
	if (c != r->anchor) {
		reach_reset(m, one);
		goto out;
	}
	for (i = 0; i < nr; i++)
		mark_in(m, v[i]);
	r->anchor = one;
out:
	free(v);
	return ret;
}

/* Put p in the walk with flags (W_TOPIC or W_STALE). */
static void walk_put(struct merge *m, struct pq *q, uint32_t p,
		     unsigned int flags)
{
	struct dag_node *n = &m->dag.nodes[p];

	if (n->walk_epoch != m->reach.walk) {
		n->walk_epoch = m->reach.walk;
		n->wflags = 0;
	}
	if (n->wflags & W_STALE || (n->wflags & flags) == flags)
		return;
	if (n->wflags & W_QUEUED) {
		/* flags is W_STALE here: a queued topic commit goes stale */
		n->wflags |= flags;
		q->nonstale--;
		return;
	}
	n->wflags |= flags | W_QUEUED;
	if (!(flags & W_STALE))
		q->nonstale++;
	pq_put(q, p, n->gen);
}

int reach_merge_bases(struct merge *m, uint32_t one, uint32_t two,
		      uint32_t **out, size_t *nr_out, struct strbuf *err)
{
	struct reach *r = &m->reach;
	struct dag *dag = &m->dag;
	struct pq *q = &r->walk_queue;
	uint32_t *res = NULL;
	size_t nr = 0;
	bool has;
	int ret;

	*out = NULL;
	*nr_out = 0;
	if (m->gens_off)
		return 1;
	ret = set_anchor(m, one, err);
	if (!ret)
		ret = dag_generation(m, two, err);
	if (!ret)
		ret = anchor_has(m, two, &has, err);
	if (ret)
		goto fail;
	if (has) {
		*out = xmalloc(sizeof(**out));
		(*out)[0] = two;
		*nr_out = 1;
		return 0;
	}
	if (++r->walk == 0) {
		uint32_t i;

		for (i = 0; i < dag->nr; i++)
			dag->nodes[i].walk_epoch = 0;
		r->walk = 1;
	}
	q->nr = 0;
	q->nonstale = 0;
	walk_put(m, q, two, W_TOPIC);
	while (q->nonstale) {
		uint32_t x = pq_get(q), k;
		struct dag_node *n = &dag->nodes[x];
		unsigned int flags = W_STALE;

		n->wflags &= ~W_QUEUED;
		if (!(n->wflags & W_STALE)) {
			q->nonstale--;
			ret = anchor_has(m, x, &has, err);
			if (ret)
				goto fail;
			if (has) {
				res = xrealloc(res, (nr + 1) * sizeof(*res));
				res[nr++] = x;
			} else {
				flags = W_TOPIC;
			}
		}
		ret = dag_load(m, x, err);
		if (ret < 0)
			goto fail;
		for (k = 0; k < dag->nodes[x].nr_parents; k++) {
			uint32_t p =
				dag->parent_pool[dag->nodes[x].parents + k];

			ret = dag_generation(m, p, err);
			if (ret)
				goto fail;
			walk_put(m, q, p, flags);
		}
	}
	/* newest first by commit date, ties in the order found */
	(void)sort_bases(dag, res, nr);
	*out = res ? res : xcalloc(1, sizeof(**out));
	*nr_out = nr;
	m->stats.reach_walks++;
	return 0;
fail:
	free(res);
	/* a half-made ancestry is of no use: start afresh next time */
	r->anchor = NONE;
	return ret;
}

void reach_release(struct reach *r)
{
	free(r->queue.v);
	free(r->walk_queue.v);
	memset(r, 0, sizeof(*r));
}
