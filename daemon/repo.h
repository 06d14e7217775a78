/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_REPO_H
#define CTHULHU_REPO_H

#include <stdbool.h>

struct strbuf;
struct git_repository;
struct git_tree;

/*
 * The git repository, through libgit2.  Each thread gets its own
 * git_repository (libgit2 objects are not shared across threads), opened
 * with the daemon's tuning: packs looked up before loose objects, larger
 * object caches.
 */
struct repo;

#define REPO_HEXSZ 40 /* a SHA1 in hex, without the NUL */

/* Check that path is a git repository (bare or not); err says why not. */
int repo_check(const char *path, struct strbuf *err);

/*
 * libgit2 set-up for the process; once, before any other repo_*() and
 * before any thread opens a repository (the tuning applies to
 * repositories opened afterwards).
 */
int repo_global_init(struct strbuf *err);
void repo_global_shutdown(void);

/*
 * Open the repository at path (a work tree or a git dir, no discovery
 * upwards).  Caller frees with repo_free().  Use from one thread only.
 */
int repo_open(const char *path, struct repo **out, struct strbuf *err);
void repo_free(struct repo *repo);

/*
 * The calling thread's repository of the current config (tree.repo),
 * opened on first use and again when the config names another path.
 * Borrowed: valid until repo_thread_exit() or the thread's end.
 */
struct repo *repo_thread(struct strbuf *err);
void repo_thread_exit(void);

/* The libgit2 handle, for the git-facing files (merge.c, apply.c ...);
 * borrowed from repo. */
struct git_repository *repo_git(struct repo *repo);
/* The git dir, ending in '/'; borrowed from repo. */
const char *repo_path(const struct repo *repo);

/* The git directory of path (".git" of a work tree, or path if bare),
 * without a trailing '/'; caller frees. */
char *repo_gitdir(const char *path, struct strbuf *err);

/*
 * Remove the lock file of refname in gitdir ("<gitdir>/<refname>.lock"),
 * if there is one: for a ref only this process writes, whose lock can
 * only be left by an earlier run killed inside the update.  1 when a
 * lock was removed, 0 when there was none, negative (err set) when it
 * cannot be removed.
 */
int repo_remove_stale_lock(const char *gitdir, const char *refname,
			   struct strbuf *err);

/*
 * Resolve a full ref name (symbolic refs followed) to a hex SHA1; hex
 * must hold REPO_HEXSZ + 1 bytes.  -ENOENT (err set) if the ref does not
 * exist.
 */
int repo_ref_oid(struct repo *repo, const char *refname, char *hex,
		 struct strbuf *err);
/*
 * Whether commit 'ancestor' is reachable from 'descendant' (or equal);
 * both hex SHA1s.  False when either object is missing.
 */
bool repo_is_ancestor(struct repo *repo, const char *ancestor,
		      const char *descendant);

/*
 * Resolve rev (a ref, a tag, a hex SHA1, anything git rev-parse takes) to
 * the hex SHA1 of the commit it names; hex must hold REPO_HEXSZ + 1 bytes.
 * ERR_NOT_FOUND for an unknown revision, ERR_INVALID when it is no commit.
 */
int repo_resolve_commit(struct repo *repo, const char *rev, char *hex,
			struct strbuf *err);
/* The same on a git_repository of the caller's own (merge.c keeps one). */
int repo_git_resolve_commit(struct git_repository *git, const char *rev,
			    char *hex, struct strbuf *err);
/*
 * The commits on tip that base does not have (git rev-list --count
 * base..tip); both hex SHA1s of commits.  Kept in memory by (tip, base),
 * so asking again walks no history.  0 or a negative code with err set.
 */
int repo_ahead(struct repo *repo, const char *tip, const char *base,
	       size_t *ahead, struct strbuf *err);

/*
 * The commits on tip that base does not have, newest first, at most max,
 * one "ABBREV SUBJECT\n" line each (git log --oneline base..tip), added
 * to out; both hex SHA1s of commits.  0 or a negative code with err set.
 */
int repo_log_oneline(struct repo *repo, const char *base, const char *tip,
		     int max, struct strbuf *out, struct strbuf *err);

/*
 * The commits on tip that base does not have, without merges, as git log
 * --no-merges base..tip lists them (newest first), each with the paths
 * it changes against its first parent (git diff-tree -r --name-only:
 * files, symlinks and submodules, no folders), sorted by strcmp().
 * Caller releases with repo_change_list_release().
 */
struct repo_change {
	char commit[REPO_HEXSZ + 1];
	char *subject;
	char **paths;
	size_t nr_paths;
};

struct repo_change_list {
	struct repo_change *v;
	size_t nr;
};

int repo_log_changes(struct repo *repo, const char *base, const char *tip,
		     struct repo_change_list *out, struct strbuf *err);
/*
 * The paths that differ between trees a and b (either NULL: empty), as
 * git diff-tree -r --name-only lists them, sorted; folders equal on both
 * sides are not read.  *paths (caller frees with repo_paths_free()) gets
 * *nr.  0, or -1 when a tree cannot be read (libgit2's error set).
 */
int repo_tree_changes(struct git_repository *git, const struct git_tree *a,
		      const struct git_tree *b, char ***paths, size_t *nr);
/* Free the nr paths of repo_tree_changes() and their array. */
void repo_paths_free(char **paths, size_t nr);
void repo_change_list_release(struct repo_change_list *list);

/* Whether refname is a well-formed full ref name ("refs/heads/x86/pmu"). */
bool repo_refname_valid(const char *refname);

/*
 * Set err to the message made from fmt, followed by ": " and libgit2's
 * last error message when there is one; return code.  For the git-facing
 * files, which must copy libgit2's message before the next call.
 */
__attribute__((format(printf, 3, 4))) int
repo_error(struct strbuf *err, int code, const char *fmt, ...);

#endif
