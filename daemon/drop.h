/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_DROP_H
#define CTHULHU_DROP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "daemon/apply.h"

struct repo;
struct strbuf;

/*
 * Dropping one commit from a topic branch, in memory: the commits after
 * it are replayed onto its parent with cherry-pick semantics
 * (git_cherrypick_commit()), so the commits before it keep their SHA1s
 * and no other branch changes.  The branch moves by compare-and-swap.
 * Rewording commits (new trailers) rewrites the topic the same way.
 */

/* A replayed commit: its SHA1 before and after. */
struct drop_map {
	char old[APPLY_HEXSZ + 1];
	char new[APPLY_HEXSZ + 1];
};

struct drop_result {
	char old_tip[APPLY_HEXSZ + 1];
	char new_tip[APPLY_HEXSZ + 1];
	struct drop_map *map; /* oldest first; free() it */
	size_t nr;
};

/*
 * Drop commit hex (full SHA1) from refname's first-parent history.  The
 * replayed commits keep author and message; the committer is
 * committer_name/email, now.  ERR_NOT_FOUND if hex is not on the branch,
 * ERR_CONFLICT (nothing changed) naming the first later commit that
 * depends on it, ERR_UNPROCESSABLE for merges in the way, ERR_STALE if
 * the branch moved meanwhile.  Caller frees res->map.
 */
int drop_commit(struct repo *repo, const char *refname, const char *hex,
		const char *committer_name, const char *committer_email,
		struct drop_result *res, struct strbuf *err);

/* A commit to give a new message, for drop_reword(). */
struct drop_reword {
	const char *commit;  /* full SHA1 */
	const char *message; /* the whole new message, UTF-8 */
};

/*
 * Give the commits v[0..nr) of refname's first-parent history their new
 * messages, and write the commits after the oldest of them again on the
 * new parents: trees, authors and the other messages kept, the committer
 * committer_name/email, now.  res->map has every commit rewritten,
 * oldest first.  ERR_NOT_FOUND when one is not on the branch,
 * ERR_UNPROCESSABLE for merges in the way, ERR_STALE if the branch moved
 * meanwhile (nothing changed).  Caller frees res->map.
 */
int drop_reword(struct repo *repo, const char *refname,
		const struct drop_reword *v, size_t nr,
		const char *committer_name, const char *committer_email,
		struct drop_result *res, struct strbuf *err);

/* The raw message of commit hex, appended to out. */
int drop_commit_message(struct repo *repo, const char *hex, struct strbuf *out,
			struct strbuf *err);

/*
 * Whether commit hex is on refname's first-parent history, within limit
 * commits of the tip: 1 yes, 0 no, negative on error.
 */
int drop_on_branch(struct repo *repo, const char *refname, const char *hex,
		   size_t limit);

/*
 * The commits of refname's first-parent history that are not reachable
 * from since_hex (NULL: at most limit commits), newest first: each one's
 * SHA1, `git patch-id --stable` of its diff, subject and author email,
 * appended as JSON objects {commit, patch_id, subject, author_email} to
 * out (a JSON array, borrowed).
 */
int drop_list_commits(struct repo *repo, const char *tip_hex,
		      const char *since_hex, size_t limit, json_t *out,
		      struct strbuf *err);

/* A commit's patch-id, subject and author email (see drop_list_commits()). */
int drop_commit_info(struct repo *repo, const char *hex, json_t *out_obj,
		     struct strbuf *err);

#endif
