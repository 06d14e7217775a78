/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_AM_H
#define CTHULHU_AM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/apply.h"
#include "lib/strbuf.h"

struct config;
struct db;
struct store_applied;

/*
 * The am-ready patches of a series, as `b4 am` makes them: each patch's
 * mail with the trailers its replies gave (and, with [apply]
 * cover-trailers, those given to the cover letter) after its own trailer
 * block, in the order they arrived, then Link: and the maintainer's
 * Signed-off-by.  `cthulhu apply` commits exactly these (apply_onto()),
 * and `cthulhu am` writes them as an mbox (am_mbox()): one code path.
 *
 * Which trailers of a reply count is b4's rule (am_trailer_counts()), and
 * a trailer that names someone else than the reply's sender is left out
 * and reported, as `b4 am` does without -S (am_trailer_from_sender()).
 */

/* [apply] cover-trailers and followup-trailers, both true by default. */
struct am_opts {
	bool cover_trailers;
	bool followup_trailers;
};

void am_opts_from_config(struct am_opts *opts, const struct config *cfg);

/*
 * Whether "key: value" in a reply is a trailer b4 takes for the patch:
 * a value naming a person (an address) or a known non-person trailer
 * (Fixes:), no web link, and not From:, Author:, To:, Cc:, Phone: or
 * Email:.
 */
bool am_trailer_counts(const char *key, const char *value);

/*
 * Whether the person "key: value" names is the sender of the reply
 * (from_name, from_email) as b4 compares them: the same address (also
 * without a +tag or with one domain level more or less), or the same
 * name.  A trailer that names no person is always the sender's.
 */
bool am_trailer_from_sender(const char *key, const char *value,
			    const char *from_name, const char *from_email);

/* One patch made am-ready. */
struct am_patch {
	struct apply_patch patch; /* ready for apply_onto(); borrows below */
	struct mail *mail;
	struct strbuf msg;
	int64_t id;	/* patches.id */
	int64_t number; /* M of M/T */
	char name[64];	/* "patch 3/7" */
	/* the trailers to add, "Key: value", patch.trailers points here */
	char **trailers;
	size_t nr_trailers;
	/* left out: "Key: value (from Name <addr>)", naming someone else */
	char **skipped;
	size_t nr_skipped;
};

/*
 * Load patch id (patches.id) of series_id, its mail of row message_id:
 * out's patch is filled and its trailers collected by opts.  name as
 * "patch 3/7" from number and total.  Caller releases out with
 * am_patch_release().
 */
int am_patch_load(struct db *db, const struct am_opts *opts, int64_t id,
		  int64_t message_id, int64_t number, int64_t total,
		  struct am_patch *out, struct strbuf *err);
void am_patch_release(struct am_patch *p);

/*
 * The trailers of p that its commit gets (those apply_message() adds,
 * not those the message has already), as a new string array of *nr
 * entries (caller frees each and the array; NULL when none).
 */
char **am_patch_added(const struct am_patch *p, const struct apply_opts *opts,
		      size_t *nr);
/* The same for any patch p: those of p->trailers its commit gets. */
char **am_added_trailers(const struct apply_patch *p,
			 const struct apply_opts *opts, size_t *nr);

/*
 * The trailers that replies gave applied patch a since it was applied
 * (its row's trailers): those its commit would get now, as
 * am_patch_added() gives them, that a->trailers does not list.  *p is
 * the patch loaded (caller releases it with am_patch_release()); *late
 * as am_patch_added().  A row without a patch gets none.
 */
int am_applied_late(struct db *db, const struct config *cfg,
		    const struct store_applied *a, struct am_patch *p,
		    char ***late, size_t *nr_late, struct strbuf *err);

/* The commit options of [tree] committer and [apply] (link, signoff). */
void am_apply_opts(struct apply_opts *opts, const struct config *cfg);

/* A series made am-ready: its patches (those wanted) in order. */
struct am_series {
	int64_t id, total, version;
	struct am_patch *v;
	size_t nr;
};

/*
 * Load the patches of series id with a diff; only those numbered in
 * numbers[0..nr_numbers) unless nr_numbers is 0 (then the series must be
 * complete).  ERR_NOT_FOUND for an unknown series or patch number,
 * ERR_UNPROCESSABLE for an incomplete series or one without patches.
 * Caller releases out with am_series_release().
 */
int am_series_load(struct db *db, const struct config *cfg, int64_t id,
		   const int64_t *numbers, size_t nr_numbers,
		   struct am_series *out, struct strbuf *err);
void am_series_release(struct am_series *s);

/*
 * Append s as the mbox `git am` applies to make the commits apply makes
 * with opts (`b4 am -o`'s .mbx): per patch a "From git@z" line, Subject
 * "[PATCH vN M/T] subject", From, Date and Message-Id of its author and
 * mail, and the commit message's body, "---" and the diff.
 */
void am_mbox(const struct am_series *s, const struct apply_opts *opts,
	     struct strbuf *out);

#endif
