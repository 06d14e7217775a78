/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_PATHCHECK_H
#define CTHULHU_PATHCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"

/*
 * What git's fsck (fsck_tree(), fsck_gitmodules_fn()) refuses in a tree,
 * as plain string checks: apply.c asks these about every path a patch
 * names and every link and .gitmodules of the tree it writes, so that no
 * commit cthulhu makes is one `git fsck --strict` or a checkout on a
 * case-folding (HFS+, NTFS) file system would take as writing into .git.
 */

/* The dot files git treats specially, for pathcheck_is_dotfile(). */
enum pathcheck_dotfile {
	PATHCHECK_GITMODULES,
	PATHCHECK_GITATTRIBUTES,
	PATHCHECK_GITIGNORE,
	PATHCHECK_MAILMAP,
};

/*
 * Whether the path component name (NUL-terminated, without '/') is ".git"
 * to HFS+ or NTFS: git's is_hfs_dotgit() (any case, with the code points
 * HFS+ ignores anywhere) or is_ntfs_dotgit() (any case, "git~1", trailing
 * spaces and dots, an ":$INDEX_ALLOCATION" stream).
 */
bool pathcheck_is_dotgit(const char *name);

/* Whether name is the dot file which to HFS+ or NTFS, as above. */
bool pathcheck_is_dotfile(const char *name, enum pathcheck_dotfile which);

/*
 * What is wrong with path, a path a patch names: NULL when git takes it,
 * else a phrase to follow "names a path " ("outside the tree" for an
 * absolute path or a ".", "..", empty or ".git" component).  Static.
 */
const char *pathcheck_path(const char *path);

/*
 * What is wrong with a symbolic link at path (from the tree's root)
 * pointing to the len bytes of target: NULL when fine, else a phrase to
 * follow "makes the symbolic link 'path' " ("point outside the tree").
 * Static.
 */
const char *pathcheck_link(const char *path, const char *target, size_t len);

/*
 * Check the len bytes of a .gitmodules as git's fsck does (a subset):
 * 0 when fine, else -1 with the reason added to why.
 */
int pathcheck_gitmodules(const char *buf, size_t len, struct strbuf *why);

#endif
