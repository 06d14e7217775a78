/* SPDX-License-Identifier: GPL-2.0 */
/*
 * repo.c against repositories made with the git CLI: what is a repository,
 * where its git dir is, ref lookups and ancestry, checked against what
 * git rev-parse and git merge-base say.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/error.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"
#include "tests/unit/git-cli.h"

int main(void)
{
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT;
	char hex[REPO_HEXSZ + 1], a[REPO_HEXSZ + 1], b[REPO_HEXSZ + 1];
	char c[REPO_HEXSZ + 1];
	struct repo *repo = NULL;
	char *gitdir;
	int ret;

	if (!git_cli_init("test-repo"))
		return 1;
	ok(!sh("git init -q -b master work && cd work &&"
	       " echo 1 > f && git add f && git commit -q -m one &&"
	       " echo 2 > f && git commit -q -am two &&"
	       " git branch x86/pmu HEAD~1 &&"
	       " git checkout -q -b side HEAD~1 &&"
	       " echo 3 > g && git add g && git commit -q -m three &&"
	       " git checkout -q master && git clone -q --bare . ../bare.git &&"
	       " cd .. && mkdir plain && echo x > file"),
	   "make repositories with git");
	rev_parse("work", "master~1", a);
	rev_parse("work", "master", b);
	rev_parse("work", "side", c);

	ok(!repo_global_init(&err), "repo_global_init: %s", err.buf);

	strbuf_addf(&path, "%s/nowhere", git_tmp);
	ret = repo_check(path.buf, &err);
	is_int(ret, ERR_INVALID, "a path that does not exist is refused");
	ok(strstr(err.buf, "does not exist") != NULL,
	   "and the message says so: %s", err.buf);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/plain", git_tmp);
	ret = repo_check(path.buf, &err);
	is_int(ret, ERR_INVALID, "a folder that is no repository is refused");
	ok(strstr(err.buf, "not a git repository") != NULL,
	   "and the message says so: %s", err.buf);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/file", git_tmp);
	is_int(repo_check(path.buf, &err), ERR_INVALID, "a file is refused");
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/work", git_tmp);
	is_int(repo_check(path.buf, &err), 0, "a work tree is a repository");
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/bare.git", git_tmp);
	is_int(repo_check(path.buf, &err), 0, "a bare repository is one");

	gitdir = repo_gitdir(path.buf, &err);
	is_str(gitdir, path.buf, "git dir of a bare repository is itself");
	free(gitdir);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/work", git_tmp);
	gitdir = repo_gitdir(path.buf, &err);
	strbuf_addstr(&path, "/.git");
	is_str(gitdir, path.buf, "git dir of a work tree is its .git");
	free(gitdir);

	strbuf_reset(&path);
	strbuf_addf(&path, "%s/bare.git", git_tmp);
	strbuf_reset(&err);
	ret = repo_open(path.buf, &repo, &err);
	is_int(ret, 0, "repo_open: %s", err.buf);
	if (ret)
		return done_testing();

	is_int(repo_ref_oid(repo, "refs/heads/master", hex, &err), 0,
	       "master resolves");
	is_str(hex, b, "to what git rev-parse says");
	is_int(repo_ref_oid(repo, "refs/heads/x86/pmu", hex, &err), 0,
	       "a branch in a folder resolves");
	is_str(hex, a, "to what git rev-parse says");
	is_int(repo_ref_oid(repo, "HEAD", hex, &err), 0, "HEAD is followed");
	is_str(hex, b, "to master");
	is_int(repo_ref_oid(repo, "refs/heads/nope", hex, &err), ERR_NOT_FOUND,
	       "a missing branch is ERR_NOT_FOUND");

	ok(repo_is_ancestor(repo, a, b), "parent is an ancestor");
	ok(repo_is_ancestor(repo, b, b), "a commit is its own ancestor");
	ok(!repo_is_ancestor(repo, b, a), "child is no ancestor of its parent");
	ok(!repo_is_ancestor(repo, b, c), "side branches are not ancestors");
	ok(!repo_is_ancestor(repo, c, b), "in either direction");
	ok(!repo_is_ancestor(repo, "0123456789012345678901234567890123456789",
			     b),
	   "a missing commit is no ancestor");
	ok(!repo_is_ancestor(repo, "junk", b), "nor is junk");

	ok(repo_refname_valid("refs/heads/x86/pmu"), "x86/pmu is valid");
	ok(!repo_refname_valid("x86/pmu"), "a short name is no full ref");
	ok(!repo_refname_valid("refs/heads/a..b"), "'..' is invalid");
	ok(!repo_refname_valid("refs/heads/a b"), "a space is invalid");
	ok(!repo_refname_valid("refs/heads/a.lock"), "'.lock' is invalid");
	ok(!repo_refname_valid("refs/heads/"), "an empty name is invalid");

	repo_free(repo);
	repo_global_shutdown();
	git_cli_cleanup();
	strbuf_release(&err);
	strbuf_release(&path);
	return done_testing();
}
