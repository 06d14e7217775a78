/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_MERGE_H
#define CTHULHU_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;

/*
 * The three-way merge of two commits, in memory, with the result git's
 * merge-ort gives (`git merge-tree --write-tree OURS THEIRS`).
 *
 * A merge tries the fast path first: the merge bases come from a commit
 * DAG kept in memory between merges, and the trees are merged by OID, a
 * subtree taken whole wherever two of the three sides agree, descending
 * only where both sides changed, with git_merge_file() for the files
 * both changed.  Several merge bases are merged into a virtual one the
 * way merge-ort does (the inner merges by the same fast path, conflicts
 * kept in the files with git's labels), memoised by the set of bases.
 * The fast path never guesses: a merge it cannot decide
 * exactly (a path deleted on one side and changed
 * on the other or deleted on both, where rename detection could change
 * the result, type changes, binary files, a conflict git has not already
 * found on the same three blobs, a file merge whose result depends on
 * the diff algorithm, the same of any merge inside a virtual base,
 * merge bases with the same commit date) goes to the fallback,
 * which is `git merge-tree --write-tree` itself, or libgit2's
 * git_merge_trees()/git_merge_commits() when git is not there.
 *
 * All object names cross this interface as 40-digit hex strings.
 * A struct merge is not thread-safe; one thread uses it at a time.
 */
struct merge;

#define MERGE_HEXSZ 40

enum merge_fallback {
	MERGE_FALLBACK_GIT,	/* git merge-tree, libgit2 without git */
	MERGE_FALLBACK_LIBGIT2, /* libgit2's merge only */
	MERGE_FALLBACK_NONE,	/* fail with ERR_UNPROCESSABLE (tests) */
};

enum merge_method {
	MERGE_METHOD_FAST,    /* decided by the fast path */
	MERGE_METHOD_CACHED,  /* the same three trees were merged before */
	MERGE_METHOD_GIT,     /* git merge-tree */
	MERGE_METHOD_LIBGIT2, /* git_merge_trees() or git_merge_commits() */
	/*
	 * The fast path from an earlier merge of the same base and theirs
	 * into another ours: that merge's result wherever ours is the same,
	 * merged again only where ours changed and theirs changed too.
	 */
	MERGE_METHOD_INCREMENTAL,
};

struct merge_result {
	bool clean;
	/*
	 * The merged tree when clean; with conflicts, git's tree with
	 * conflict markers in the conflicted files (the git fallback only,
	 * "" otherwise), which resolve.c works from.
	 */
	char tree[MERGE_HEXSZ + 1];
	char base[MERGE_HEXSZ + 1]; /* first merge base, "" if none */
	unsigned int nr_bases;
	enum merge_method method; /* CACHED also: the same two commits */
	/*
	 * Why the fast path left the merge to the fallback (a CACHED one:
	 * the merge found before), NULL when it decided; a static string
	 * or one the struct merge keeps until merge_free().
	 */
	const char *fallback_reason;
	/* Conflicted paths, sorted; owned by the result. */
	char **conflicts;
	size_t nr_conflicts;
};

void merge_result_release(struct merge_result *res);
const char *merge_method_name(enum merge_method method);

/*
 * Open the repository at path (git dir or work tree) for merging; the
 * struct keeps the repository, its object caches and the commit DAG
 * between merges.  Caller frees with merge_free().
 */
int merge_open(const char *path, struct merge **out, struct strbuf *err);
void merge_free(struct merge *m);
void merge_set_fallback(struct merge *m, enum merge_fallback fallback);
/*
 * Whether a conflicted result must carry git's tree with conflict markers
 * (for recorded resolutions).  Off by default: a conflict the fast path
 * knows (git found the same three blobs conflicting before) is then
 * reported without asking git again, with an empty tree.
 */
void merge_set_conflict_tree(struct merge *m, bool want);
/* The git program for the fallback ("git" from PATH by default). */
void merge_set_git(struct merge *m, const char *git_path);

/*
 * Merge commit theirs into commit ours.  A clean merge or a conflict
 * returns 0 with res filled in (caller releases it); errors (unknown
 * commits, no merge base, I/O) return a negative code with err set.
 */
int merge_commits(struct merge *m, const char *ours, const char *theirs,
		  struct merge_result *res, struct strbuf *err);

/*
 * Merge tree theirs into tree ours against tree base (hex), as git
 * cherry-pick merges a commit with base its parent's tree: the fast
 * path, memoised by the three trees, then libgit2's git_merge_trees()
 * (git merge-tree of git 2.39 takes no merge base).  res as
 * merge_commits() fills it, never with a conflict tree.
 */
int merge_trees(struct merge *m, const char *base, const char *ours,
		const char *theirs, struct merge_result *res,
		struct strbuf *err);

/*
 * The merge bases of two commits as git merge-base --all finds them,
 * from the in-memory DAG.  *bases (caller frees) gets *nr hex strings
 * of MERGE_HEXSZ + 1 bytes each.
 */
int merge_bases(struct merge *m, const char *one, const char *two,
		char (**bases)[MERGE_HEXSZ + 1], size_t *nr,
		struct strbuf *err);
/* Whether commit ancestor is reachable from descendant (or equal). */
int merge_is_ancestor(struct merge *m, const char *ancestor,
		      const char *descendant, bool *result, struct strbuf *err);

/*
 * Virtual merge bases are pure functions of their set of merge bases,
 * memoised in the struct merge; the caller may keep them longer (across
 * restarts).  merge_vbases_take() calls fn with each one made since the
 * last call (its key and tree, hex) and stops at fn's first non-zero
 * return, which it returns; merge_vbase_add() gives one kept before
 * back (a tree gc pruned since is made again when needed).
 */
typedef int (*merge_vbase_fn)(const char *key, const char *tree, void *data);
int merge_vbases_take(struct merge *m, merge_vbase_fn fn, void *data);
void merge_vbase_add(struct merge *m, const char *key, const char *tree);

/*
 * Whole merges are memoised by their inputs (the three trees, and the
 * two commits), clean or not, the fast path's and git's alike: a merge
 * is a pure function of them.  The caller may keep them longer (across
 * restarts) the way it keeps virtual bases: merge_memo_take() calls fn
 * with each merge memoised since the last call and stops at fn's first
 * non-zero return, which it returns; merge_memo_add() gives one kept
 * before back (one whose tree gc pruned since is made again).  libgit2's
 * answers, which may not be git's, are not handed out.
 */
struct merge_memo_item {
	const char *key; /* merge.c's: the kind and the inputs, in hex */
	bool clean;
	const char *tree; /* "" when none (a conflict known without git) */
	const char *base; /* the first merge base, "" when not known */
	unsigned int nr_bases;
	const char *reason; /* fallback_reason, NULL when none */
	const char *const *conflicts;
	size_t nr_conflicts;
};
typedef int (*merge_memo_fn)(const struct merge_memo_item *item, void *data);
int merge_memo_take(struct merge *m, merge_memo_fn fn, void *data);
void merge_memo_add(struct merge *m, const struct merge_memo_item *item);

/* Counters since merge_open(), for logs and the benchmark. */
struct merge_stats {
	uint64_t merges, fast, cached, fallbacks;
	uint64_t dag_commits; /* commits in the in-memory DAG */
	uint64_t file_merges; /* git_merge_file() calls */
	uint64_t trees_written;
	uint64_t commits_cached;   /* merges found by ours and theirs */
	uint64_t vbase_merges;	   /* merges made for virtual bases */
	uint64_t vbases_cached;	   /* virtual bases found made before */
	uint64_t vbases_nested;	   /* inner merges with several bases */
	uint64_t vbase_conflicts;  /* conflicts kept in virtual bases */
	uint64_t incremental;	   /* merges made from an earlier one */
	uint64_t incremental_kept; /* entries taken from the earlier result */
	uint64_t reach_walks;	   /* merge bases found from next's ancestry */
};
void merge_get_stats(struct merge *m, struct merge_stats *stats);

/*
 * Object access the Cthulhu merge needs, on the same repository.
 */
/* Peel rev (a ref name, tag or hex) to a commit's hex; ERR_NOT_FOUND. */
int merge_resolve_commit(struct merge *m, const char *rev, char *hex,
			 struct strbuf *err);
/* A commit's tree and parents; *parents (caller frees) gets *nr hexes. */
int merge_commit_info(struct merge *m, const char *commit, char *tree,
		      char (**parents)[MERGE_HEXSZ + 1], size_t *nr,
		      struct strbuf *err);
/* A commit's message; caller frees. */
int merge_commit_message(struct merge *m, const char *commit, char **msg,
			 struct strbuf *err);
/*
 * Write a commit with the given tree, parents and message, author and
 * committer both name <email> at time when (seconds, UTC).
 */
int merge_write_commit(struct merge *m, const char *tree,
		       const char *const *parents, size_t nr_parents,
		       const char *message, const char *name, const char *email,
		       int64_t when, char *out, struct strbuf *err);
/*
 * Keep the objects merges make from now on in memory, and write them all
 * at merge_batch_end(): as one pack when they are many (a build of next
 * makes a commit and a few trees for each topic; a loose object is a file
 * made).  Everything that reads through the struct merge finds them
 * meanwhile; nothing else does, and a ref that merge_update_ref() moves
 * ends the batch first.  Without an object database of the struct's own
 * (alternates), objects are written at once.
 */
void merge_batch_begin(struct merge *m);
int merge_batch_end(struct merge *m, struct strbuf *err);
/* Delete ref, only when it now points at old_hex; ERR_STALE if not. */
int merge_delete_ref(struct merge *m, const char *ref, const char *old_hex,
		     struct strbuf *err);
/* The identity of the reflog entries merge_update_ref() writes. */
void merge_set_ident(struct merge *m, const char *name, const char *email);
/*
 * Compare-and-swap ref to new_hex: only when it now points at old_hex
 * (NULL or "": only when it does not exist).  ERR_STALE when it moved.
 */
int merge_update_ref(struct merge *m, const char *ref, const char *new_hex,
		     const char *old_hex, const char *reflog,
		     struct strbuf *err);
/*
 * The newest (by commit date) tag matching pattern whose commit is
 * reachable from reachable_from (NULL: any); hex gets its commit, *name
 * (caller frees) its name.  ERR_NOT_FOUND when there is none.
 */
int merge_newest_tag(struct merge *m, const char *pattern,
		     const char *reachable_from, char *hex, char **name,
		     struct strbuf *err);
/* Push refspecs to a remote (a configured name, a path or a URL). */
int merge_push(struct merge *m, const char *remote_name,
	       const char *const *refspecs, size_t nr, struct strbuf *err);

/* Append the file at path in tree to out; ERR_NOT_FOUND if none. */
int merge_read_path(struct merge *m, const char *tree, const char *path,
		    struct strbuf *out, struct strbuf *err);
/* tree with the files at paths[i] set to contents[i] (modes kept). */
int merge_replace_paths(struct merge *m, const char *tree,
			const char *const *paths, const struct strbuf *contents,
			size_t nr, char *out, struct strbuf *err);
/* A three-way file merge (git_merge_file()); *clean when no conflict. */
int merge_file_contents(const struct strbuf *base, const struct strbuf *ours,
			const struct strbuf *theirs, struct strbuf *out,
			bool *clean, struct strbuf *err);
/* The SHA1 of data as a blob, in hex (MERGE_HEXSZ + 1 bytes). */
void merge_hash_hex(const void *data, size_t len, char *hex);

#endif
