/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_APPLY_H
#define CTHULHU_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;
struct repo;
struct mail;

/*
 * Applying patch mail to a topic branch the way `git am` does, in memory:
 * git_apply_to_tree() on the tip's tree, no work tree and no index file,
 * then a commit object byte for byte what `git am -s` writes from the
 * same mail, then a compare-and-swap of the branch.  This header speaks
 * plain C types: its users need not include <git2.h>.
 */

#define APPLY_HEXSZ 40

/* One patch to apply: what `git mailinfo` gives, plus what intake added. */
struct apply_patch {
	const char *name; /* for messages, e.g. "patch 3/7" */
	const char *author_name;
	const char *author_email;
	int64_t author_time;
	int author_tz;	   /* minutes east of UTC */
	bool date_missing; /* no Date: commit with the current time */
	bool date_invalid; /* unparsable Date: refused, as git am does */
	/* subject_clean, a blank line, the body (as mail_commit_message()) */
	const char *message;
	const char *diff;
	size_t diff_len;
	const char *message_id; /* without <>; NULL or "" for none */
	/* Collected trailers ("Reviewed-by: A <a@b>"), added before Link. */
	const char *const *trailers;
	size_t nr_trailers;
};

struct apply_opts {
	const char *committer_name;
	const char *committer_email;
	int64_t committer_time; /* 0: now */
	int committer_tz;	/* minutes east of UTC (with a time) */
	const char *link;	/* "[apply] link", "%s" = Message-ID */
	bool signoff;		/* "[apply] signoff" */
	bool three_way;		/* fall back as `git am -3` does */
};

/* What became of one applied patch. */
struct apply_done {
	char commit[APPLY_HEXSZ + 1];
	char patch_id[APPLY_HEXSZ + 1]; /* `git patch-id --stable` of the diff */
	bool three_way;			/* applied by the three-way fallback */
};

/*
 * The commit message for p: p->message cleaned up as git's stripspace
 * does, the collected trailers and the Link: not already present, then
 * the committer's Signed-off-by unless it already is the last trailer
 * (the rule of `git am -s`).  Appended to out.
 */
void apply_message(const struct apply_patch *p, const struct apply_opts *opts,
		   struct strbuf *out);
/*
 * apply_message(), and which of p->trailers it added: added[i] is false
 * for one the message has already (name and value compared without
 * case, as b4 does).  added (p->nr_trailers entries) may be NULL.  When
 * it adds any, the trailer block is b4's: the committer's Signed-off-by
 * moves from where it was to the end, below the trailers and the Link:;
 * a patch given nothing new is committed as `git am -s` commits it.
 */
void apply_message_added(const struct apply_patch *p,
			 const struct apply_opts *opts, struct strbuf *out,
			 bool *added);

/*
 * An applied commit's message with trailers[0..nr) added as b4 trailers
 * -u adds them: after its trailer block, without those it has already,
 * then the Link: of message_id and the committer's Signed-off-by (by
 * opts) moved below them.  Appended to out; message as it is when none
 * is new.
 */
void apply_message_update(const char *message, const char *const *trailers,
			  size_t nr, const char *message_id,
			  const struct apply_opts *opts, struct strbuf *out);

/*
 * Apply patches[0..nr) one after the other on top of commit base_hex and
 * write one commit per patch; refs are not touched.  done[] (nr entries,
 * the caller's) receives the commits.  On error nothing refers to what was
 * written, err names the patch (and the file and hunk that did not
 * apply), and the code is ERR_UNPROCESSABLE (does not apply; or an
 * unusable patch: no diff, a path outside the tree, no author, a bad
 * date), ERR_INVALID (a bad base) or another negative code.
 */
int apply_onto(struct repo *repo, const char *base_hex,
	       const struct apply_patch *patches, size_t nr,
	       const struct apply_opts *opts, struct apply_done *done,
	       struct strbuf *err);

/*
 * The test point of the compare-and-swap ref updates of apply and drop:
 * the "cas" hook of testhook.h (CTHULHU_TEST_CAS_HOOK, in a build with
 * test hooks) runs as "HOOK REFNAME" just before the update (a test moves
 * the ref there, as a push would).
 */
void apply_cas_hook(const char *refname);

/*
 * apply_onto() on refname's tip, then move refname to the last commit by
 * compare-and-swap against that tip (ERR_STALE if it moved meanwhile).
 * When old_hex is not NULL, refname must point there to start with.
 * new_tip (41 bytes) gets the new tip.
 */
int apply_to_ref(struct repo *repo, const char *refname, const char *old_hex,
		 const struct apply_patch *patches, size_t nr,
		 const struct apply_opts *opts, struct apply_done *done,
		 char *new_tip, struct strbuf *err);

/*
 * Move refname from old_hex to new_hex by compare-and-swap (ERR_STALE if
 * it is not at old_hex).
 */
int apply_ref_cas(struct repo *repo, const char *refname, const char *old_hex,
		  const char *new_hex, struct strbuf *err);

/*
 * Fill p from the parsed mail m; p borrows m's strings and msg's buffer
 * (msg holds the message, caller releases it).  name is borrowed too.
 */
void apply_patch_from_mail(struct apply_patch *p, const struct mail *m,
			   const char *name, struct strbuf *msg);

/*
 * `git patch-id --stable` of a diff text (41 bytes into hex); 0, or
 * ERR_INVALID when the text is not a diff.
 */
int apply_patch_id(const char *diff, size_t len, char *hex, struct strbuf *err);

#endif
