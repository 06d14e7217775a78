/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generation numbers of commits, from git's commit-graph when the
 * repository has one (git gc writes it; git commit-graph write), else
 * counted from the parents: a commit's topological level is one more
 * than its parents' highest, its roots' 1.  A commit's level is higher
 * than every ancestor's, so that a walk taking the highest first meets
 * each commit after all its descendants, whatever the commit dates say;
 * merge-reach.c walks so.
 *
 * The file format is git's Documentation/gitformat-commit-graph.txt:
 * a header "CGPH", version 1, hash version 1 (SHA-1), the number of
 * chunks; a table of chunk ids and offsets; the chunks OIDF (fan-out),
 * OIDL (the sorted object names) and CDAT (per commit its tree, two
 * parent positions and 8 bytes of which the top 30 bits are the
 * topological level).  A split graph (commit-graphs/commit-graph-chain)
 * is a list of such files, each read on its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2.h>

#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/merge-internal.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/*
 * Commits counted from their parents (not in a commit-graph) before
 * giving up on generation numbers: without a commit-graph, a kernel
 * tree's first count would read its million commits.
 */
#define GEN_COUNT_MAX (1u << 17)

#define GRAPH_HEADER 8
#define CHUNK_ENTRY 12
#define CDAT_ENTRY (GIT_OID_RAWSZ + 16)

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Map one graph file and find its chunks; false when it is not one. */
static bool layer_open(struct graph_layer *l, const char *path)
{
	const unsigned char *p, *fanout = NULL, *oids = NULL, *cdat = NULL;
	uint64_t off_fanout = 0, off_oids = 0, off_cdat = 0, end_oids = 0;
	uint64_t end_cdat = 0;
	unsigned int nr_chunks, i;
	struct stat st;
	void *map;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || st.st_size < GRAPH_HEADER + CHUNK_ENTRY) {
		close(fd);
		return false;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return false;
	p = map;
	nr_chunks = p[6];
	if (memcmp(p, "CGPH", 4) || p[4] != 1 || p[5] != 1 ||
	    GRAPH_HEADER + (uint64_t)(nr_chunks + 1) * CHUNK_ENTRY >
		    (uint64_t)st.st_size)
		goto bad;
	for (i = 0; i < nr_chunks; i++) {
		const unsigned char *c = p + GRAPH_HEADER + i * CHUNK_ENTRY;
		uint64_t off = be64(c + 4), next = be64(c + 4 + CHUNK_ENTRY);

		if (off > next || next > (uint64_t)st.st_size)
			goto bad;
		if (!memcmp(c, "OIDF", 4))
			off_fanout = off;
		else if (!memcmp(c, "OIDL", 4))
			off_oids = off, end_oids = next;
		else if (!memcmp(c, "CDAT", 4))
			off_cdat = off, end_cdat = next;
	}
	if (!off_fanout || !off_oids || !off_cdat ||
	    off_fanout + 256 * 4 > (uint64_t)st.st_size)
		goto bad;
	fanout = p + off_fanout;
	oids = p + off_oids;
	cdat = p + off_cdat;
	l->nr = be32(fanout + 255 * 4);
	if (end_oids - off_oids < (uint64_t)l->nr * GIT_OID_RAWSZ ||
	    end_cdat - off_cdat < (uint64_t)l->nr * CDAT_ENTRY)
		goto bad;
	l->map = map;
	l->size = st.st_size;
	l->fanout = fanout;
	l->oids = oids;
	l->cdat = cdat;
	return true;
bad:
	munmap(map, st.st_size);
	return false;
}

static void graph_add(struct commit_graph *g, const char *path)
{
	struct graph_layer l = { 0 };

	if (!layer_open(&l, path)) {
		log_debug("merge: '%s' is not a commit-graph I can read", path);
		return;
	}
	g->layers = xrealloc(g->layers, (g->nr + 1) * sizeof(*g->layers));
	g->layers[g->nr++] = l;
}

void graph_open(struct commit_graph *g, const char *gitdir)
{
	struct strbuf path = STRBUF_INIT, chain = STRBUF_INIT;
	char line[128];
	FILE *f;

	memset(g, 0, sizeof(*g));
	strbuf_addf(&path, "%s/objects/info/commit-graph", gitdir);
	graph_add(g, path.buf);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/objects/info/commit-graphs/commit-graph-chain",
		    gitdir);
	f = fopen(path.buf, "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (strlen(line) != MERGE_HEXSZ)
			continue;
		strbuf_reset(&chain);
		strbuf_addf(&chain,
			    "%s/objects/info/commit-graphs/graph-%s.graph",
			    gitdir, line);
		graph_add(g, chain.buf);
	}
	if (f)
		fclose(f);
	strbuf_release(&path);
	strbuf_release(&chain);
}

void graph_close(struct commit_graph *g)
{
	size_t i;

	for (i = 0; i < g->nr; i++)
		munmap((void *)g->layers[i].map, g->layers[i].size);
	free(g->layers);
	memset(g, 0, sizeof(*g));
}

/* The topological level of oid in the graph, 0 when it has none. */
static uint32_t graph_level(const struct commit_graph *g, const git_oid *oid)
{
	size_t i;

	for (i = 0; i < g->nr; i++) {
		const struct graph_layer *l = &g->layers[i];
		uint32_t lo =
			oid->id[0] ? be32(l->fanout + (oid->id[0] - 1) * 4) : 0;
		uint32_t hi = be32(l->fanout + oid->id[0] * 4);

		if (hi > l->nr || lo > hi)
			continue;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			int c = memcmp(l->oids + (size_t)mid * GIT_OID_RAWSZ,
				       oid->id, GIT_OID_RAWSZ);

			if (!c)
				return be32(l->cdat + (size_t)mid * CDAT_ENTRY +
					    GIT_OID_RAWSZ + 8) >>
				       2;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return 0;
}

static void push(uint32_t **v, size_t *nr, size_t *alloc, uint32_t idx)
{
	if (*nr == *alloc) {
		*alloc = *alloc ? 2 * *alloc : 64;
		*v = xrealloc(*v, *alloc * sizeof(**v));
	}
	(*v)[(*nr)++] = idx;
}

/*
 * The generation number of node idx (loaded with its ancestors as far
 * as needed): 0 with it in the node, 1 when there is none to be had
 * cheaply (no commit-graph, and a long history), or a negative error.
 */
int dag_generation(struct merge *m, uint32_t idx, struct strbuf *err)
{
	struct dag *dag = &m->dag;
	uint32_t *stack = NULL;
	size_t nr = 0, alloc = 0;
	int ret = 0;

	if (dag->nodes[idx].gen)
		return 0;
	if (m->gens_off)
		return 1;
	push(&stack, &nr, &alloc, idx);
	while (nr) {
		uint32_t x = stack[nr - 1], k, level = 0;
		bool known = true;

		if (dag->nodes[x].gen) {
			nr--;
			continue;
		}
		dag->nodes[x].gen = graph_level(&m->graph, &dag->nodes[x].oid);
		if (dag->nodes[x].gen) {
			nr--;
			continue;
		}
		ret = dag_load(m, x, err);
		if (ret < 0)
			goto out;
		for (k = 0; k < dag->nodes[x].nr_parents; k++) {
			uint32_t p =
				dag->parent_pool[dag->nodes[x].parents + k];

			if (dag->nodes[p].gen) {
				if (dag->nodes[p].gen > level)
					level = dag->nodes[p].gen;
				continue;
			}
			known = false;
			push(&stack, &nr, &alloc, p);
		}
		if (!known)
			continue;
		dag->nodes[x].gen = level + 1;
		nr--;
		if (++m->gens_counted > GEN_COUNT_MAX) {
			log_info(
				"merge: no commit-graph covers the history; merge bases walk each merge's whole first side (git commit-graph write --reachable makes one)");
			m->gens_off = true;
			ret = 1;
			goto out;
		}
	}
out:
	free(stack);
	return ret;
}
