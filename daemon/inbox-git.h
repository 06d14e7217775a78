/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_INBOX_GIT_H
#define CTHULHU_INBOX_GIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/repo.h"

struct strbuf;

/*
 * The git side of a public-inbox v2 inbox (public-inbox-v2-format(5)):
 * each epoch is a git repository whose every commit adds one message as
 * the blob "m" at the root of its tree (a commit without "m" removed
 * one).  cthulhud keeps a bare mirror of each epoch it follows and
 * fetches into it with libgit2, over git's smart HTTP for a URL
 * ("https://lore.kernel.org/kvm/0") or from the epoch's directory for
 * an inbox on this machine.  Use from one thread.
 */

/*
 * Put cthulhud's TCP stream under libgit2's HTTP (and TLS) transport,
 * once, before any thread fetches or pushes: a socket on a thread inside
 * inbox_git_fetch() gives up after its timeout without a byte and ends
 * when its stop() says so; elsewhere it waits as libgit2's own does.
 * libgit2 1.5 has no timeout of its own, and a server that takes a
 * connection and never answers would hold the inbox thread, and
 * cthulhud's stop, forever.
 */
int inbox_git_global_init(struct strbuf *err);

/*
 * Fetch the branches of url into the bare mirror at path (made when
 * missing) as they are, forced.  ERR_NOT_FOUND when url has no
 * repository (an epoch not started yet: an HTTP 404, a missing
 * directory), another negative code for any other failure (a server
 * silent for timeout_s seconds among them); err says why.  stop is
 * asked while waiting on the network: true ends the fetch early
 * (ERR_UNAVAILABLE).
 */
int inbox_git_fetch(const char *path, const char *url, unsigned int timeout_s,
		    bool (*stop)(void), struct strbuf *err);

/* A commit of an epoch that adds a message. */
struct inbox_git_commit {
	char hex[REPO_HEXSZ + 1];  /* the commit */
	char blob[REPO_HEXSZ + 1]; /* its blob "m" */
	int64_t time;		   /* committer time: when the inbox took it */
};

/*
 * The commits of the mirror at path after since (a hex id, NULL or ""
 * for all), oldest first, that hold a message: a new array of *nr in
 * *out, which the caller frees.  A mirror without a branch yet has
 * none.  When since is not an ancestor of the branch (the inbox's
 * history was rewritten, as public-inbox-purge does) every commit is
 * given again.
 */
int inbox_git_new_commits(const char *path, const char *since,
			  struct inbox_git_commit **out, size_t *nr,
			  struct strbuf *err);

/* Append the bytes of blob hex of the mirror at path to out. */
int inbox_git_blob(const char *path, const char *hex, struct strbuf *out,
		   struct strbuf *err);

#endif
