/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The git side of a public-inbox inbox: its epochs' mirrors, fetched and
 * walked with libgit2 (see inbox-git.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <git2.h>

#include "daemon/inbox-git.h"
#include "daemon/repo.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* The branch public-inbox writes to in each epoch. */
#define INBOX_GIT_BRANCH "refs/heads/master"

static int open_mirror(const char *path, git_repository **repo,
		       struct strbuf *err)
{
	if (!git_repository_open_bare(repo, path))
		return 0;
	if (git_repository_init(repo, path, 1) < 0)
		return repo_error(err, -EIO, "cannot make the mirror '%s'",
				  path);
	return 0;
}

struct fetch_state {
	bool (*stop)(void);
};

static int fetch_progress(const git_indexer_progress *stats, void *payload)
{
	struct fetch_state *fs = payload;

	(void)stats;
	return fs->stop && fs->stop() ? GIT_EUSER : 0;
}

static int fetch_sideband(const char *str, int len, void *payload)
{
	(void)str;
	(void)len;
	return fetch_progress(NULL, payload);
}

/* Whether libgit2's last error says the remote has no repository there. */
static bool remote_missing(void)
{
	const git_error *e = git_error_last();

	return e && e->message &&
	       (strstr(e->message, "status code: 404") ||
		strstr(e->message, "status code: 410"));
}

int inbox_git_fetch(const char *path, const char *url, bool (*stop)(void),
		    struct strbuf *err)
{
	static char *refspec = "+refs/heads/*:refs/heads/*";
	git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
	git_strarray specs = { &refspec, 1 };
	struct fetch_state fs = { stop };
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	struct stat st;
	int ret;

	/* A directory that is not there is an epoch not started yet. */
	if (url[0] == '/' && stat(url, &st) < 0)
		return error_set(err, ERR_NOT_FOUND, "'%s': %s", url,
				 strerror(errno));
	ret = open_mirror(path, &repo, err);
	if (ret < 0)
		return ret;
	if (git_remote_create_anonymous(&remote, repo, url) < 0) {
		ret = repo_error(err, ERR_INVALID, "'%s' is no git remote",
				 url);
		goto out;
	}
	opts.callbacks.transfer_progress = fetch_progress;
	opts.callbacks.sideband_progress = fetch_sideband;
	opts.callbacks.payload = &fs;
	opts.prune = GIT_FETCH_NO_PRUNE;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	opts.update_fetchhead = 0;
	if (git_remote_fetch(remote, &specs, &opts, NULL) < 0) {
		if (stop && stop())
			ret = error_set(err, ERR_UNAVAILABLE,
					"fetch of '%s' cut short: cthulhud "
					"stops",
					url);
		else if (remote_missing())
			ret = repo_error(err, ERR_NOT_FOUND,
					 "cannot fetch '%s'", url);
		else
			ret = repo_error(err, -EIO, "cannot fetch '%s'", url);
	}
out:
	git_remote_free(remote);
	git_repository_free(repo);
	return ret;
}

/* The blob "m" at the root of commit's tree; false when there is none. */
static bool commit_message_blob(git_repository *repo, const git_oid *commit,
				git_oid *blob)
{
	const git_tree_entry *e;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	bool found = false;

	if (git_commit_lookup(&c, repo, commit) < 0 ||
	    git_commit_tree(&tree, c) < 0)
		goto out;
	e = git_tree_entry_byname(tree, "m");
	if (e && git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		git_oid_cpy(blob, git_tree_entry_id(e));
		found = true;
	}
out:
	git_tree_free(tree);
	git_commit_free(c);
	return found;
}

int inbox_git_new_commits(const char *path, const char *since, char **hexes,
			  char **blobs, size_t *nr, struct strbuf *err)
{
	git_repository *repo = NULL;
	git_revwalk *walk = NULL;
	git_oid tip, oid, base, blob;
	bool have_base;
	size_t alloc = 0;
	int ret;

	*hexes = *blobs = NULL;
	*nr = 0;
	if (git_repository_open_bare(&repo, path) < 0)
		return repo_error(err, -EIO, "cannot open the mirror '%s'",
				  path);
	ret = git_reference_name_to_id(&tip, repo, INBOX_GIT_BRANCH);
	if (ret == GIT_ENOTFOUND) {
		ret = 0; /* nothing delivered to this epoch yet */
		goto out;
	}
	if (ret < 0) {
		ret = repo_error(err, -EIO, "'%s' in '%s'", INBOX_GIT_BRANCH,
				 path);
		goto out;
	}
	if (git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) <
		    0 ||
	    git_revwalk_push(walk, &tip) < 0) {
		ret = repo_error(err, -EIO, "cannot walk '%s'", path);
		goto out;
	}
	have_base = since && *since && !git_oid_fromstr(&base, since);
	if (have_base && git_oid_equal(&base, &tip))
		goto out;
	if (have_base && git_graph_descendant_of(repo, &tip, &base) == 1 &&
	    git_revwalk_hide(walk, &base) < 0) {
		ret = repo_error(err, -EIO, "cannot walk '%s'", path);
		goto out;
	}
	while (!(ret = git_revwalk_next(&oid, walk))) {
		if (!commit_message_blob(repo, &oid, &blob))
			continue;
		if (*nr == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			*hexes = xrealloc(*hexes, alloc * (REPO_HEXSZ + 1));
			*blobs = xrealloc(*blobs, alloc * (REPO_HEXSZ + 1));
		}
		git_oid_tostr(*hexes + *nr * (REPO_HEXSZ + 1), REPO_HEXSZ + 1,
			      &oid);
		git_oid_tostr(*blobs + *nr * (REPO_HEXSZ + 1), REPO_HEXSZ + 1,
			      &blob);
		(*nr)++;
	}
	if (ret == GIT_ITEROVER)
		ret = 0;
	else
		ret = repo_error(err, -EIO, "cannot walk '%s'", path);
out:
	if (ret < 0) {
		free(*hexes);
		free(*blobs);
		*hexes = *blobs = NULL;
		*nr = 0;
	}
	git_revwalk_free(walk);
	git_repository_free(repo);
	return ret;
}

int inbox_git_blob(const char *path, const char *hex, struct strbuf *out,
		   struct strbuf *err)
{
	git_repository *repo = NULL;
	git_blob *blob = NULL;
	git_oid oid;
	int ret = 0;

	if (git_oid_fromstr(&oid, hex) < 0)
		return error_set(err, ERR_INVALID, "'%s' is no object id", hex);
	if (git_repository_open_bare(&repo, path) < 0)
		return repo_error(err, -EIO, "cannot open the mirror '%s'",
				  path);
	if (git_blob_lookup(&blob, repo, &oid) < 0) {
		ret = repo_error(err, ERR_NOT_FOUND, "no blob %s in '%s'", hex,
				 path);
		goto out;
	}
	strbuf_add(out, git_blob_rawcontent(blob),
		   (size_t)git_blob_rawsize(blob));
out:
	git_blob_free(blob);
	git_repository_free(repo);
	return ret;
}
