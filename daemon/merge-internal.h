/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_MERGE_INTERNAL_H
#define CTHULHU_MERGE_INTERNAL_H

/*
 * What the files of the merge module share, and nothing else includes:
 * struct merge, and the functions each file gives the others.
 *
 *   merge.c          merge_commits(): the memo, then the fast path, then
 *                    the fallback; opening and closing a struct merge
 *   merge-dag.c      the commit DAG in memory and the merge bases
 *   merge-graph.c    generation numbers, from git's commit-graph
 *   merge-reach.c    next's ancestry kept across merges, for its bases
 *   merge-fast.c     the fast tree merge, by OID, and writing its objects
 *   merge-vbase.c    virtual merge bases of criss-cross histories
 *   merge-memo.c     merges and content conflicts remembered
 *   merge-fallback.c handing a merge to git merge-tree or libgit2
 *   merge-objects.c  the object and ref access next.c and the gate need
 *
 * Include daemon/merge.h first: this header does not, so that the
 * module does not include its way back to itself (t0003-layers.sh).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <git2.h>

#include "lib/strbuf.h"

/* Forget memoised merges beyond this many (a plain reset, no LRU). */
#define MEMO_MAX 4096
/* Slots for virtual bases and their prefixes (forgotten when half full). */
#define VBASES_SIZE 65536

struct dag_node {
	git_oid oid;
	git_oid tree;
	int64_t date;
	uint32_t parents; /* offset into dag.parent_pool */
	uint32_t nr_parents;
	unsigned int flags;
	uint32_t inq; /* entries in paint_down()'s queue */
	bool loaded;
	unsigned char wflags; /* merge-reach.c's walk, when walk_epoch is */
	uint32_t gen;	      /* generation number, 0 until known */
	uint32_t in_epoch;    /* an ancestor of the reach anchor when its */
	uint32_t walk_epoch;
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

/* git's prio_queue: by date (or generation), highest first, then FIFO. */
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

/* One file of git's commit-graph, mapped (merge-graph.c). */
struct graph_layer {
	const unsigned char *map;
	size_t size;
	const unsigned char *fanout, *oids, *cdat;
	uint32_t nr;
};

struct commit_graph {
	struct graph_layer *layers;
	size_t nr;
};

/*
 * The ancestry of the anchor commit (merge-reach.c): the nodes whose
 * in_epoch is epoch, and the queue of those whose parents are not yet.
 */
struct reach {
	uint32_t anchor; /* UINT32_MAX: none */
	uint32_t epoch;	 /* 0: never set */
	struct pq queue;
	uint32_t walk; /* the epoch of the topic side's walk */
	struct pq walk_queue;
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
	const char *reason; /* the result's fallback_reason */
	bool libgit2;	    /* libgit2's answer: neither kept nor handed out */
	bool unchecked; /* from merge_memo_add(): is its tree still there? */
};

/* Memoised merges, keyed by three object names (a plain reset, no LRU). */
struct memo_table {
	struct memo_entry *v;
	size_t size, nr;
	const char *kind; /* "trees" or "commits", in merge_memo_item.key */
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
	/*
	 * Between merge_batch_begin() and merge_batch_end(), the objects
	 * merges make go to this in-memory backend (the odb's too), and
	 * to the repository at the end, as one pack (merge-objects.c).
	 */
	git_odb_backend *batch;
	bool batching;
	git_oid *batch_oids;
	size_t batch_nr, batch_alloc;
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
	 * git finds no submodule's repository here (bare, no modules/):
	 * merge-ort's merge_submodule() then keeps the base's commit
	 * inside a virtual merge base.
	 */
	bool no_submodule_repos;
	/*
	 * File merges git found conflicting: base, ours and theirs blobs
	 * (base zero for an add/add).  A content conflict is a function of
	 * the three blobs, so the fast path may report these itself.
	 */
	git_oid (*known)[3];
	size_t known_size, known_nr;
	bool conflict_tree; /* conflicts need git's tree (resolve.c) */
	/* merges memoised since merge_memo_take(): their table and key */
	struct memo_new {
		struct memo_table *t;
		git_oid key[3];
	} * new_memos;
	size_t nr_new_memos, new_memos_alloc;
	char **reasons; /* fallback_reasons from merge_memo_add(), one each */
	/*
	 * The last dag_merge_bases() answer: next asks merge_is_ancestor()
	 * of a topic, then merge_commits() of it, of the same two commits.
	 */
	struct {
		uint32_t one, two;
		uint32_t *v;
		size_t nr;
		bool used;
	} last_bases;
	/* the last clean fast merge of each base and theirs (memo_last_*) */
	struct memo_last {
		git_oid base, theirs, ours, result;
		bool used;
	} * last;
	size_t last_size, last_nr;
	size_t nr_reasons;
	struct commit_graph graph;
	uint32_t gens_counted; /* generation numbers not from the graph */
	bool gens_off;	       /* too costly without a commit-graph */
	struct reach reach;
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
	/*
	 * Inside a virtual merge base, the sides (1 ours, 2 theirs) that
	 * deleted a path the merge kept the base's version of or left
	 * deleted: exact only when that side adds no file, which would be
	 * a rename's target (tree_has_additions()).
	 */
	unsigned int deleted_sides;
};

/* The hash of a table slot: an object name's first bytes. */
static inline uint32_t oid_hash(const git_oid *oid)
{
	uint32_t h;

	memcpy(&h, oid->id, sizeof(h));
	return h;
}

/* merge.c */
int parse_hex(const char *hex, git_oid *oid, struct strbuf *err);

/* merge-dag.c: the commit DAG */
void dag_release(struct dag *dag);
/* Read node idx's tree, parents and date (once). */
int dag_load(struct merge *m, uint32_t idx, struct strbuf *err);
void pq_put(struct pq *q, uint32_t idx, int64_t date);
uint32_t pq_get(struct pq *q);
/* The DAG node of commit hex, loaded. */
int lookup_commit_node(struct merge *m, const char *hex, uint32_t *idx,
		       struct strbuf *err);
/*
 * get_merge_bases_many() and get_merge_bases(): *out (caller frees)
 * gets *nr_out node indexes.
 */
int dag_merge_bases_many(struct merge *m, uint32_t one, const uint32_t *twos,
			 size_t nr_twos, uint32_t **out, size_t *nr_out,
			 struct strbuf *err);
int dag_merge_bases(struct merge *m, uint32_t one, uint32_t two, uint32_t **out,
		    size_t *nr_out, struct strbuf *err);
/* Newest first by commit date; 1 when two have the same date. */
int sort_bases(struct dag *dag, uint32_t *v, size_t n);

/* merge-graph.c: generation numbers */
/* Map the repository's commit-graph files, if any (none is no error). */
void graph_open(struct commit_graph *g, const char *gitdir);
void graph_close(struct commit_graph *g);
/*
 * Set node idx's generation number (loading it and its ancestors as
 * needed): 0, 1 when there is none to be had cheaply, or an error.
 */
int dag_generation(struct merge *m, uint32_t idx, struct strbuf *err);

/* merge-reach.c: merge bases of next and a topic */
/*
 * get_merge_bases() of one (next, the anchor kept from the last call
 * when one descends from it by first parents) and two, newest first by
 * commit date.  *out (caller frees) gets *nr_out node indexes.  1 when
 * generation numbers are not to be had (ask paint_down()).
 */
int reach_merge_bases(struct merge *m, uint32_t one, uint32_t two,
		      uint32_t **out, size_t *nr_out, struct strbuf *err);
void reach_release(struct reach *r);

/* merge-objects.c: writing objects */
/*
 * Write an object merges made at depth 0 to the repository: to the batch
 * while there is one, else as a loose object.
 */
int merge_odb_write(struct merge *m, git_oid *oid, const void *data, size_t len,
		    git_object_t type);
/* Write the batch's objects so far to the repository (git reads them). */
int batch_flush(struct merge *m, struct strbuf *err);

/* merge-fast.c: the fast tree merge */
/*
 * Merge three trees (any may be NULL: absent) at st->depth.  Returns 0
 * with *oid the merged tree and *empty set when nothing is left in it,
 * 1 when undecided (st->undecided says why, st->path where), or a
 * negative error.  With was_ours and was_result (both or neither, depth
 * 0 only): an earlier merge of the same base and theirs into was_ours,
 * made by this fast path, gave was_result; wherever ours is as
 * was_ours, the result is taken from was_result unread.
 */
int merge_trees_fast(struct merge *m, struct fast_state *st, struct strbuf *dir,
		     const git_oid *base, const git_oid *ours,
		     const git_oid *theirs, const git_oid *was_ours,
		     const git_oid *was_result, git_oid *oid, bool *empty,
		     struct strbuf *err);
/* Whether tree side has a file where tree base has none. */
int tree_has_additions(struct merge *m, const git_oid *base,
		       const git_oid *side, bool *found, struct strbuf *err);
/* Copy an object made in memory, and those it refers to, to the disk. */
int copy_to_disk(struct merge *m, const git_oid *oid);

/* merge-memo.c: memoised merges and known content conflicts */
void memo_init(struct memo_table *t, const char *kind);
void memo_release(struct memo_table *t);
/*
 * Fill res from the memo of key (method CACHED, or LIBGIT2 for libgit2's
 * answer); false when not there.
 */
bool memo_get(struct merge *m, struct memo_table *t, const git_oid key[3],
	      struct merge_result *res);
void memo_put(struct merge *m, struct memo_table *t, const git_oid key[3],
	      const struct merge_result *res);
/* Free what merge_memo_take() and merge_memo_add() keep in m. */
void memo_release_kept(struct merge *m);
/* Whether git found the three blobs (b may be NULL) conflicting. */
bool known_conflict(struct merge *m, const struct tentry *b,
		    const struct tentry *o, const struct tentry *t);
/*
 * The last clean merge the fast path made of base and theirs (trees):
 * into *ours, giving *result.  memo_last_put() remembers one.
 */
bool memo_last_get(struct merge *m, const git_oid *base, const git_oid *theirs,
		   git_oid *ours, git_oid *result);
void memo_last_put(struct merge *m, const git_oid *base, const git_oid *ours,
		   const git_oid *theirs, const git_oid *result);
/* Remember the plain content conflicts of git's result res on trees. */
void learn_conflicts(struct merge *m, const git_oid trees[3],
		     const struct merge_result *res);

/* merge-vbase.c: virtual merge bases */
#define VBASE_LOST "virtual merge base: cannot read an object"
/*
 * The merge base tree of a merge of nr bases (DAG nodes): the one
 * base's tree, or merge-ort's virtual merge base of several.  Returns 1
 * with *why set when only git can say.
 */
int base_tree(struct merge *m, const uint32_t *bases, size_t nr, git_oid *tree,
	      const char **why, struct strbuf *err);
/* Empty the in-memory objects and forget the virtual bases made of them. */
void mempack_restart(struct merge *m);
/* An object of a virtual base is gone: forget them all (err logged). */
void vbases_lost(struct merge *m, struct strbuf *err);

/* merge-fallback.c: git or libgit2 decides */
int fallback_git(struct merge *m, const char *ours, const char *theirs,
		 struct merge_result *res, struct strbuf *err);
int fallback_libgit2(struct merge *m, const git_oid *base_tree,
		     const git_oid *ours, const git_oid *theirs,
		     const git_oid *ours_tree, const git_oid *theirs_tree,
		     bool several, struct merge_result *res,
		     struct strbuf *err);

#endif
