// SPDX-License-Identifier: GPL-2.0
/*
 * Patch application input: the input is the diff part of a patch mail
 * (what `git mailinfo` writes to its patch file), applied with
 * apply_onto() -- git_diff_from_buffer(), apply.c's own hunk matching,
 * libgit2's and the three-way fallback -- on a small tree made once in a
 * private repository.  Besides the sanitizers, the oracle is the security
 * boundary: a tree apply writes must not name ".", "..", ".git" (in any
 * spelling HFS+ or NTFS reads as ".git") or an empty component, nor hold
 * a gitlink, a symbolic link that points out of the tree or into
 * ".git", or a .gitmodules, .gitattributes, .gitignore or .mailmap that
 * is a link.  The spellings are worked out here, apart from
 * daemon/pathcheck.c, so that a bug there does not hide itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <git2.h>

#include "daemon/apply.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "tests/fuzz/fuzz.h"

static struct repo *repo;
static char base[REPO_HEXSZ + 1];

static const char setup[] =
	"set -e; cd '%s'; git init -q tree; cd tree;"
	"mkdir -p arch/x86/kvm include/linux scripts Documentation;"
	"seq 1 40 | sed 's/^/line /' > arch/x86/kvm/x86.c;"
	"printf '#ifndef KVM_H\\n#define KVM_H\\nint kvm;\\n#endif\\n' > include/linux/kvm.h;"
	"printf 'obj-y += x86.o\\n' > arch/x86/kvm/Makefile;"
	"printf 'Read me.\\n' > README;"
	"printf '#!/bin/sh\\necho hi\\n' > scripts/run.sh; chmod +x scripts/run.sh;"
	"ln -s ../README Documentation/README;"
	"ln -s ../include scripts/inc;"
	"git add -A; GIT_AUTHOR_DATE='1000000000 +0000' GIT_COMMITTER_DATE='1000000000 +0000' "
	"git -c user.name=T -c user.email=t@example.org commit -q -m base";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;

	strbuf_addf(&sb, setup, fuzz_tmpdir());
	if (system(sb.buf)) {
		fprintf(stderr, "fuzz-apply: cannot make the tree\n");
		exit(1);
	}
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/tree", fuzz_tmpdir());
	if (repo_global_init(&err) || repo_open(sb.buf, &repo, &err) ||
	    repo_resolve_commit(repo, "HEAD", base, &err)) {
		fprintf(stderr, "fuzz-apply: %s\n", err.buf);
		exit(1);
	}
	strbuf_release(&sb);
	strbuf_release(&err);
	return 0;
}

/* Whether the UTF-8 at s is a code point HFS+ ignores; its length. */
static size_t hfs_ignored(const unsigned char *s)
{
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		return 3; /* U+FEFF */
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x8c && s[2] <= 0x8f) || (s[2] >= 0xaa && s[2] <= 0xae)))
		return 3; /* U+200C..U+200F, U+202A..U+202E */
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xaa && s[2] <= 0xaf)
		return 3; /* U+206A..U+206F */
	return 0;
}

/* ".git" as HFS+ (ignorables dropped, any case) or NTFS reads it. */
static bool is_dotgit(const char *name, size_t len)
{
	char plain[8];
	size_t i, n = 0, k;

	for (i = 0; i < len && n < sizeof(plain);) {
		k = hfs_ignored((const unsigned char *)name + i);
		if (k) {
			i += k;
			continue;
		}
		plain[n++] = name[i++];
	}
	if (i == len && n == 4 && !strncasecmp(plain, ".git", 4))
		return true;
	/* NTFS: a stream after ':' and trailing dots and spaces go. */
	for (k = 0; k < len && name[k] != ':'; k++)
		;
	while (k && (name[k - 1] == '.' || name[k - 1] == ' '))
		k--;
	return (k == 4 && !strncasecmp(name, ".git", 4)) ||
	       (k == 5 && !strncasecmp(name, "git~1", 5));
}

/* Whether any '/' or '\' separated part of name (len bytes) is ".git". */
static bool has_dotgit(const char *name, size_t len)
{
	const char *p = name, *end = name + len;

	while (p <= end) {
		const char *e = p;

		while (e < end && *e != '/' && *e != '\\')
			e++;
		if (is_dotgit(p, e - p))
			return true;
		p = e + 1;
	}
	return false;
}

static bool name_ok(const char *name)
{
	return *name && strcmp(name, ".") && strcmp(name, "..") &&
	       !has_dotgit(name, strlen(name)) && !strchr(name, '/');
}

/* Where a link at dir/ (depth components deep) pointing to target ends. */
static bool link_inside(const char *root, const char *target)
{
	int depth = 0;
	const char *p;

	for (p = root; *p; p++)
		depth += *p == '/';
	if (*target == '/')
		return false;
	for (p = target; *p;) {
		const char *e = strchrnul(p, '/');

		if (e - p == 2 && !strncmp(p, "..", 2)) {
			if (--depth < 0)
				return false;
		} else if (e - p && !(e - p == 1 && *p == '.')) {
			depth++;
		}
		p = *e ? e + 1 : e;
	}
	return true;
}

static int check_entry(const char *root, const git_tree_entry *entry,
		       void *payload)
{
	git_repository *git = payload;
	const char *name = git_tree_entry_name(entry);
	git_blob *blob = NULL;
	struct strbuf target = STRBUF_INIT;

	if (!name_ok(name)) {
		fprintf(stderr, "fuzz-apply: tree entry '%s%s'\n", root, name);
		abort();
	}
	if (git_tree_entry_filemode(entry) == GIT_FILEMODE_COMMIT) {
		fprintf(stderr, "fuzz-apply: gitlink '%s%s'\n", root, name);
		abort();
	}
	if (git_tree_entry_filemode(entry) != GIT_FILEMODE_LINK)
		return 0;
	if (!strcasecmp(name, ".gitmodules") ||
	    !strcasecmp(name, ".gitattributes") ||
	    !strcasecmp(name, ".gitignore") || !strcasecmp(name, ".mailmap")) {
		fprintf(stderr, "fuzz-apply: '%s%s' is a link\n", root, name);
		abort();
	}
	if (git_blob_lookup(&blob, git, git_tree_entry_id(entry)) < 0)
		abort();
	strbuf_add(&target, git_blob_rawcontent(blob), git_blob_rawsize(blob));
	if (strlen(target.buf) != target.len ||
	    !link_inside(root, target.buf) ||
	    has_dotgit(target.buf, target.len)) {
		fprintf(stderr,
			"fuzz-apply: link '%s%s' -> '%s' leaves the tree or enters .git\n",
			root, name, target.buf);
		abort();
	}
	strbuf_release(&target);
	git_blob_free(blob);
	return 0;
}

static void check_commit(const char *hex)
{
	git_repository *git = repo_git(repo);
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_oid oid;

	if (git_oid_fromstr(&oid, hex) < 0 ||
	    git_commit_lookup(&commit, git, &oid) < 0 ||
	    git_commit_tree(&tree, commit) < 0)
		abort();
	git_tree_walk(tree, GIT_TREEWALK_PRE, check_entry, git);
	git_tree_free(tree);
	git_commit_free(commit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct apply_opts opts = {
		.committer_name = "C O Mitter",
		.committer_email = "c@example.org",
		.committer_time = 1700000000,
		.link = "https://lore.kernel.org/r/%s",
		.signoff = true,
		.three_way = true,
	};
	struct apply_patch p = {
		.name = "patch 1/1",
		.author_name = "A U Thor",
		.author_email = "a@example.org",
		.author_time = 1600000000,
		.message = "x86: Fuzz\n\nA body.\n",
		.diff = (const char *)data,
		.diff_len = size,
		.message_id = "fuzz@example.org",
	};
	struct apply_done done;

	if (!repo)
		LLVMFuzzerInitialize(NULL, NULL);
	if (!apply_onto(repo, base, &p, 1, &opts, &done, &err))
		check_commit(done.commit);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz-apply: %s\n",
			err.len ? err.buf : done.commit);
	strbuf_release(&err);
	return 0;
}
