/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fallbacks of the merge module, for the merges the fast path
 * cannot decide exactly: `git merge-tree --write-tree` itself, whose
 * answer is git's by definition, or libgit2's own merge when git is not
 * there.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <git2.h>

#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/merge-internal.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

extern char **environ;

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
int fallback_git(struct merge *m, const char *ours, const char *theirs,
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
int fallback_libgit2(struct merge *m, const git_oid *base_tree,
		     const git_oid *ours, const git_oid *theirs,
		     const git_oid *ours_tree, const git_oid *theirs_tree,
		     bool several, struct merge_result *res, struct strbuf *err)
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
