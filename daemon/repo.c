/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's way into git: libgit2 with the process-wide tuning set
 * once, and one git_repository per thread, since libgit2's repository
 * objects (and their caches) must not be shared between threads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

struct repo {
	git_repository *git;
	char *opened_as; /* the path given to repo_open() */
};

/*
 * Object cache tuning.  libgit2 caches commits, trees and tags up to 4 KiB
 * each and 256 MiB in all by default; the trees of a kernel tree's big
 * folders and merge commits' walks of thousands of commits want more.
 */
#define CACHE_COMMIT_LIMIT (64 * 1024)
#define CACHE_TREE_LIMIT (256 * 1024)
#define CACHE_TAG_LIMIT (16 * 1024)
#define CACHE_MAX_SIZE ((ssize_t)512 * 1024 * 1024)
/* Above the loose backend's priority (2): look in packs first. */
#define ODB_PACKED_PRIORITY 3

static pthread_key_t repo_key;
static pthread_once_t repo_key_once = PTHREAD_ONCE_INIT;
static __thread struct repo *thread_repo;

int repo_error(struct strbuf *err, int code, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	va_list ap;

	if (!err)
		return code;
	strbuf_reset(err);
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	if (e && e->message && *e->message)
		strbuf_addf(err, ": %s", e->message);
	strbuf_rtrim(err);
	return code;
}

int repo_global_init(struct strbuf *err)
{
	int ret;

	ret = git_libgit2_init();
	if (ret < 0)
		return repo_error(err, -EIO, "cannot initialise libgit2");

	/*
	 * A maintainer's repository is mostly packed (fetches, pushes and
	 * gc all make packs); asking the packs first spares a failed stat()
	 * of a loose object file per lookup.
	 */
	if (git_libgit2_opts(GIT_OPT_SET_ODB_PACKED_PRIORITY,
			     ODB_PACKED_PRIORITY) < 0)
		goto out_opt;
	if (git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT,
			     (size_t)CACHE_COMMIT_LIMIT) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
			     (size_t)CACHE_TREE_LIMIT) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TAG,
			     (size_t)CACHE_TAG_LIMIT) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, CACHE_MAX_SIZE) < 0)
		goto out_opt;
	/*
	 * Objects come from git itself, which checked them; hashing every
	 * object read again costs more than a merge of the whole tree.
	 */
	if (git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0) < 0)
		goto out_opt;
	return 0;

out_opt:
	repo_error(err, -EIO, "cannot set libgit2 options");
	git_libgit2_shutdown();
	return -EIO;
}

void repo_global_shutdown(void)
{
	repo_thread_exit();
	git_libgit2_shutdown();
}

static int open_git(const char *path, git_repository **out, struct strbuf *err)
{
	struct stat st;
	int ret;

	if (stat(path, &st) < 0)
		return error_set(err, ERR_INVALID,
				 "repository '%s' does not exist", path);
	if (!S_ISDIR(st.st_mode))
		return error_set(err, ERR_INVALID,
				 "repository '%s' is not a folder", path);
	ret = git_repository_open_ext(out, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
				      NULL);
	if (ret == GIT_ENOTFOUND)
		return error_set(err, ERR_INVALID,
				 "'%s' is not a git repository", path);
	if (ret < 0)
		return repo_error(err, ERR_INVALID,
				  "cannot open repository '%s'", path);
	return 0;
}

int repo_check(const char *path, struct strbuf *err)
{
	git_repository *git;
	int ret;

	ret = open_git(path, &git, err);
	if (ret < 0)
		return ret;
	git_repository_free(git);
	return 0;
}

int repo_open(const char *path, struct repo **out, struct strbuf *err)
{
	git_repository *git;
	struct repo *repo;
	int ret;

	ret = open_git(path, &git, err);
	if (ret < 0)
		return ret;
	repo = xcalloc(1, sizeof(*repo));
	repo->git = git;
	repo->opened_as = xstrdup(path);
	*out = repo;
	return 0;
}

void repo_free(struct repo *repo)
{
	if (!repo)
		return;
	git_repository_free(repo->git);
	free(repo->opened_as);
	free(repo);
}

static void repo_key_destroy(void *p)
{
	repo_free(p);
}

static void repo_key_create(void)
{
	if (pthread_key_create(&repo_key, repo_key_destroy))
		die("cannot create a thread key");
}

struct repo *repo_thread(struct strbuf *err)
{
	const struct config *cfg;
	char *path = NULL;
	struct repo *repo;

	cfg = daemon_config_get();
	if (cfg && cfg->repo)
		path = xstrdup(cfg->repo);
	daemon_config_put();
	if (!path) {
		error_set(err, ERR_INVALID, "no repository configured");
		return NULL;
	}

	if (thread_repo && !strcmp(thread_repo->opened_as, path)) {
		free(path);
		return thread_repo;
	}
	repo_thread_exit();
	if (repo_open(path, &repo, err) < 0) {
		free(path);
		return NULL;
	}
	free(path);
	pthread_once(&repo_key_once, repo_key_create);
	pthread_setspecific(repo_key, repo);
	thread_repo = repo;
	return repo;
}

void repo_thread_exit(void)
{
	if (!thread_repo)
		return;
	pthread_setspecific(repo_key, NULL);
	repo_free(thread_repo);
	thread_repo = NULL;
}

struct git_repository *repo_git(struct repo *repo)
{
	return repo->git;
}

const char *repo_path(const struct repo *repo)
{
	return git_repository_path(repo->git);
}

char *repo_gitdir(const char *path, struct strbuf *err)
{
	git_repository *git;
	struct strbuf sb = STRBUF_INIT;

	if (open_git(path, &git, err) < 0)
		return NULL;
	strbuf_addstr(&sb, git_repository_path(git));
	while (sb.len > 1 && sb.buf[sb.len - 1] == '/')
		strbuf_setlen(&sb, sb.len - 1);
	git_repository_free(git);
	return strbuf_detach(&sb, NULL);
}

int repo_remove_stale_lock(const char *gitdir, const char *refname,
			   struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	int ret = 0;

	strbuf_addf(&path, "%s/%s.lock", gitdir, refname);
	if (unlink(path.buf) == 0)
		ret = 1;
	else if (errno != ENOENT)
		ret = error_set(err, -errno, "cannot remove '%s': %s", path.buf,
				strerror(errno));
	strbuf_release(&path);
	return ret;
}

int repo_ref_oid(struct repo *repo, const char *refname, char *hex,
		 struct strbuf *err)
{
	git_oid oid;
	int ret;

	ret = git_reference_name_to_id(&oid, repo->git, refname);
	if (ret == GIT_ENOTFOUND)
		return error_set(err, ERR_NOT_FOUND, "no ref '%s'", refname);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot read ref '%s'", refname);
	git_oid_tostr(hex, REPO_HEXSZ + 1, &oid);
	return 0;
}

bool repo_is_ancestor(struct repo *repo, const char *ancestor,
		      const char *descendant)
{
	git_oid a, d;

	if (git_oid_fromstr(&a, ancestor) < 0 ||
	    git_oid_fromstr(&d, descendant) < 0)
		return false;
	if (git_oid_equal(&a, &d))
		return true;
	/* 1: descends, 0: does not, < 0: a commit is missing. */
	return git_graph_descendant_of(repo->git, &d, &a) == 1;
}

int repo_git_resolve_commit(struct git_repository *git, const char *rev,
			    char *hex, struct strbuf *err)
{
	git_object *obj = NULL, *commit = NULL;
	git_oid oid;
	int ret;

	/*
	 * A full ref name, which is what the config's branches and next's
	 * merge-fix refs are: read the ref alone.  git_revparse_single()
	 * tries half a dozen names for it (refs/, refs/tags/, refs/heads/
	 * ...), which for a build of hundreds of topics, most without a
	 * merge-fix, is thousands of failed lookups.
	 */
	if (starts_with(rev, "refs/") && repo_refname_valid(rev)) {
		ret = git_reference_name_to_id(&oid, git, rev);
		if (ret == GIT_ENOTFOUND)
			return error_set(err, ERR_NOT_FOUND,
					 "unknown revision '%s'", rev);
		if (!ret)
			ret = git_object_lookup(&obj, git, &oid,
						GIT_OBJECT_ANY);
	} else {
		ret = git_revparse_single(&obj, git, rev);
	}
	if (ret == GIT_ENOTFOUND || ret == GIT_EAMBIGUOUS ||
	    ret == GIT_EINVALIDSPEC)
		return error_set(err, ERR_NOT_FOUND, "unknown revision '%s'",
				 rev);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot resolve '%s'", rev);
	ret = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (ret < 0)
		return error_set(err, ERR_INVALID, "'%s' is not a commit", rev);
	git_oid_tostr(hex, REPO_HEXSZ + 1, git_object_id(commit));
	git_object_free(commit);
	return 0;
}

int repo_resolve_commit(struct repo *repo, const char *rev, char *hex,
			struct strbuf *err)
{
	return repo_git_resolve_commit(repo->git, rev, hex, err);
}

/*
 * Counts of repo_ahead(), shared by the threads (a topic's count does not
 * depend on which thread asks): a small table, the oldest entry replaced.
 */
#define AHEAD_CACHE 256

static struct {
	pthread_mutex_t lock;
	struct {
		git_oid tip, base;
		size_t ahead;
		bool used;
	} v[AHEAD_CACHE];
	size_t next;
} ahead_cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

int repo_ahead(struct repo *repo, const char *tip, const char *base,
	       size_t *ahead, struct strbuf *err)
{
	git_oid t, b;
	size_t behind, i;
	int ret;

	if (git_oid_fromstr(&t, tip) < 0 || git_oid_fromstr(&b, base) < 0)
		return error_set(err, ERR_INVALID, "bad commit '%s..%s'", base,
				 tip);
	pthread_mutex_lock(&ahead_cache.lock);
	for (i = 0; i < AHEAD_CACHE; i++) {
		if (ahead_cache.v[i].used &&
		    git_oid_equal(&ahead_cache.v[i].tip, &t) &&
		    git_oid_equal(&ahead_cache.v[i].base, &b)) {
			*ahead = ahead_cache.v[i].ahead;
			pthread_mutex_unlock(&ahead_cache.lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&ahead_cache.lock);

	/* Walk without the lock: two threads may both count, harmlessly. */
	ret = git_graph_ahead_behind(ahead, &behind, repo->git, &t, &b);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot count '%s..%s'", base,
				  tip);
	pthread_mutex_lock(&ahead_cache.lock);
	i = ahead_cache.next++ % AHEAD_CACHE;
	ahead_cache.v[i].tip = t;
	ahead_cache.v[i].base = b;
	ahead_cache.v[i].ahead = *ahead;
	ahead_cache.v[i].used = true;
	pthread_mutex_unlock(&ahead_cache.lock);
	return 0;
}

int repo_log_oneline(struct repo *repo, const char *base, const char *tip,
		     int max, struct strbuf *out, struct strbuf *err)
{
	git_revwalk *walk = NULL;
	git_commit *commit;
	git_buf abbrev = { 0 };
	git_oid t, b, oid;
	int n = 0, ret = 0;

	if (git_oid_fromstr(&t, tip) < 0 || git_oid_fromstr(&b, base) < 0)
		return error_set(err, ERR_INVALID, "bad commit '%s..%s'", base,
				 tip);
	if (git_revwalk_new(&walk, repo->git) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TIME) < 0 ||
	    git_revwalk_push(walk, &t) < 0 || git_revwalk_hide(walk, &b) < 0) {
		ret = repo_error(err, -EIO, "cannot walk '%s..%s'", base, tip);
		goto out;
	}
	while (n < max && !git_revwalk_next(&oid, walk)) {
		if (git_commit_lookup(&commit, repo->git, &oid) < 0) {
			ret = repo_error(err, -EIO, "cannot read commit '%s'",
					 git_oid_tostr_s(&oid));
			goto out;
		}
		if (git_object_short_id(&abbrev, (git_object *)commit) < 0)
			strbuf_addf(out, "%.12s", git_oid_tostr_s(&oid));
		else
			strbuf_addstr(out, abbrev.ptr);
		git_buf_dispose(&abbrev);
		strbuf_addf(out, " %s\n",
			    git_commit_summary(commit) ?
				    git_commit_summary(commit) :
				    "");
		git_commit_free(commit);
		n++;
	}
out:
	git_buf_dispose(&abbrev);
	git_revwalk_free(walk);
	return ret;
}

struct path_vec {
	char **v;
	size_t nr, alloc;
};

static void path_add(struct path_vec *pv, const struct strbuf *dir,
		     const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addbuf(&sb, dir);
	strbuf_addstr(&sb, name);
	if (pv->nr == pv->alloc) {
		pv->alloc = pv->alloc ? 2 * pv->alloc : 8;
		pv->v = xrealloc(pv->v, pv->alloc * sizeof(*pv->v));
	}
	pv->v[pv->nr++] = strbuf_detach(&sb, NULL);
}

static int tree_changes(git_repository *git, const git_tree *a,
			const git_tree *b, struct strbuf *dir,
			struct path_vec *out);

/*
 * What the entries ea and eb (either may be NULL) of the same name in
 * dir change: a file (blob, symlink, submodule) on either side is a
 * changed path; a folder's files are, against what the other side has.
 */
static int entry_changes(git_repository *git, const git_tree_entry *ea,
			 const git_tree_entry *eb, struct strbuf *dir,
			 struct path_vec *out)
{
	const git_tree_entry *e = ea ? ea : eb;
	git_tree *ta = NULL, *tb = NULL;
	bool tree_a = ea && git_tree_entry_type(ea) == GIT_OBJECT_TREE;
	bool tree_b = eb && git_tree_entry_type(eb) == GIT_OBJECT_TREE;
	size_t len = dir->len;
	int ret = 0;

	if ((ea && !tree_a) || (eb && !tree_b))
		path_add(out, dir, git_tree_entry_name(e));
	if (!tree_a && !tree_b)
		return 0;
	if ((tree_a && git_tree_lookup(&ta, git, git_tree_entry_id(ea)) < 0) ||
	    (tree_b && git_tree_lookup(&tb, git, git_tree_entry_id(eb)) < 0)) {
		ret = -1;
		goto out;
	}
	strbuf_addstr(dir, git_tree_entry_name(e));
	strbuf_addch(dir, '/');
	ret = tree_changes(git, ta, tb, dir, out);
	strbuf_setlen(dir, len);
out:
	git_tree_free(ta);
	git_tree_free(tb);
	return ret;
}

/* The paths that differ between trees a and b (NULL: empty), under dir. */
static int tree_changes(git_repository *git, const git_tree *a,
			const git_tree *b, struct strbuf *dir,
			struct path_vec *out)
{
	size_t na = a ? git_tree_entrycount(a) : 0;
	size_t nb = b ? git_tree_entrycount(b) : 0;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < na; i++) {
		const git_tree_entry *ea = git_tree_entry_byindex(a, i);
		const git_tree_entry *eb =
			b ? git_tree_entry_byname(b, git_tree_entry_name(ea)) :
			    NULL;

		if (eb &&
		    git_oid_equal(git_tree_entry_id(ea),
				  git_tree_entry_id(eb)) &&
		    git_tree_entry_filemode(ea) == git_tree_entry_filemode(eb))
			continue;
		ret = entry_changes(git, ea, eb, dir, out);
	}
	for (i = 0; !ret && i < nb; i++) {
		const git_tree_entry *eb = git_tree_entry_byindex(b, i);

		if (a && git_tree_entry_byname(a, git_tree_entry_name(eb)))
			continue;
		ret = entry_changes(git, NULL, eb, dir, out);
	}
	return ret;
}

void repo_paths_free(char **paths, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(paths[i]);
	free(paths);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int repo_tree_changes(git_repository *git, const git_tree *a, const git_tree *b,
		      char ***paths, size_t *nr)
{
	struct strbuf dir = STRBUF_INIT;
	struct path_vec pv = { 0 };
	size_t i, n;
	int ret;

	ret = tree_changes(git, a, b, &dir, &pv);
	strbuf_release(&dir);
	if (ret < 0) {
		repo_paths_free(pv.v, pv.nr);
		return -1;
	}
	/* qsort() wants a non-NULL array even for no elements */
	if (pv.nr)
		qsort(pv.v, pv.nr, sizeof(*pv.v), cmp_path);
	for (i = n = 0; i < pv.nr; i++) {
		if (n && !strcmp(pv.v[n - 1], pv.v[i])) {
			free(pv.v[i]);
			continue;
		}
		pv.v[n++] = pv.v[i];
	}
	*paths = pv.v;
	*nr = n;
	return 0;
}

/* The paths commit changes against its first parent, sorted. */
static int commit_changes(git_repository *git, git_commit *commit,
			  struct repo_change *out)
{
	git_tree *tree = NULL, *parent_tree = NULL;
	git_commit *parent = NULL;
	int ret = -1;

	if (git_commit_tree(&tree, commit) < 0)
		goto out;
	if (git_commit_parentcount(commit) &&
	    (git_commit_parent(&parent, commit, 0) < 0 ||
	     git_commit_tree(&parent_tree, parent) < 0))
		goto out;
	ret = repo_tree_changes(git, parent_tree, tree, &out->paths,
				&out->nr_paths);
out:
	git_tree_free(parent_tree);
	git_commit_free(parent);
	git_tree_free(tree);
	return ret;
}

void repo_change_list_release(struct repo_change_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		free(list->v[i].subject);
		repo_paths_free(list->v[i].paths, list->v[i].nr_paths);
	}
	free(list->v);
	memset(list, 0, sizeof(*list));
}

int repo_log_changes(struct repo *repo, const char *base, const char *tip,
		     struct repo_change_list *out, struct strbuf *err)
{
	git_revwalk *walk = NULL;
	git_commit *commit;
	git_oid t, b, oid;
	size_t alloc = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (git_oid_fromstr(&t, tip) < 0 || git_oid_fromstr(&b, base) < 0)
		return error_set(err, ERR_INVALID, "bad commit '%s..%s'", base,
				 tip);
	if (git_revwalk_new(&walk, repo->git) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) <
		    0 ||
	    git_revwalk_push(walk, &t) < 0 || git_revwalk_hide(walk, &b) < 0) {
		ret = repo_error(err, -EIO, "cannot walk '%s..%s'", base, tip);
		goto out;
	}
	while (!git_revwalk_next(&oid, walk)) {
		struct repo_change *c;

		if (git_commit_lookup(&commit, repo->git, &oid) < 0) {
			ret = repo_error(err, -EIO, "cannot read commit '%s'",
					 git_oid_tostr_s(&oid));
			goto out;
		}
		if (git_commit_parentcount(commit) > 1) {
			git_commit_free(commit);
			continue;
		}
		if (out->nr == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			out->v = xrealloc(out->v, alloc * sizeof(*out->v));
		}
		c = &out->v[out->nr];
		memset(c, 0, sizeof(*c));
		git_oid_tostr(c->commit, sizeof(c->commit), &oid);
		c->subject = xstrdup(git_commit_summary(commit) ?
					     git_commit_summary(commit) :
					     "");
		out->nr++;
		ret = commit_changes(repo->git, commit, c);
		git_commit_free(commit);
		if (ret < 0) {
			ret = repo_error(err, -EIO, "cannot diff commit '%s'",
					 git_oid_tostr_s(&oid));
			goto out;
		}
	}
out:
	git_revwalk_free(walk);
	if (ret < 0)
		repo_change_list_release(out);
	return ret;
}

bool repo_refname_valid(const char *refname)
{
	int valid = 0;

	if (!starts_with(refname, "refs/"))
		return false;
	if (git_reference_name_is_valid(&valid, refname) < 0)
		return false;
	return valid;
}
