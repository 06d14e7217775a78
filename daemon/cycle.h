/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CYCLE_H
#define CTHULHU_CYCLE_H

#include <stdbool.h>
#include <time.h>
#include <jansson.h>

struct strbuf;
struct repo;
struct config;

/*
 * Where mainline is in its release cycle, from the version tags (vX.Y,
 * vX.Y-rcN) reachable from the configured mainline ref ([tree] mainline):
 *
 *   merge window   after vX.Y, before vX.(Y+1)-rc1
 *   rc1 .. rc4     the review window (it runs rc1 to rc6)
 *   rc5            soft close for features (for the next release)
 *   rc6            soft close for fixes (for the next release)
 *   rc7 and later  the week for pull requests
 *
 * Dates still to come are estimated from the cycle's rc cadence (the
 * mean gap between its rc tags, else the previous cycle's, else a week).
 */
enum cycle_phase {
	CYCLE_MERGE_WINDOW,
	CYCLE_REVIEW,	       /* rc1 .. rc4 */
	CYCLE_FEATURES_CLOSED, /* rc5 */
	CYCLE_FIXES_CLOSED,    /* rc6 */
	CYCLE_PULL_REQUESTS,   /* rc7 .. */
};

/* An event of the cycle: the tag that marks it and when. */
struct cycle_mark {
	char tag[32];  /* "v6.9-rc5"; "" when not known */
	time_t date;   /* the tag's date, or the estimate */
	bool estimate; /* not tagged yet: date is a guess */
};

struct cycle {
	enum cycle_phase phase;
	char tag[32]; /* the newest version tag on mainline */
	time_t tag_date;
	char release[32];  /* "v6.9" during its rcs; "" in a merge window */
	char previous[32]; /* the last release, "v6.8" */
	time_t previous_date;
	int rc;			/* N of rcN; 0 in the merge window */
	double cadence_days;	/* days between rcs */
	bool review_window;	/* rc1 .. rc6 */
	bool features_closed;	/* rc5 until the next rc1 */
	bool fixes_closed;	/* rc6 until the next rc1 */
	bool pull_request_week; /* rc7 and later */
	struct cycle_mark rc1, features_close, fixes_close, pull_requests;
	char tip_oid[41];      /* mainline's commit */
	char previous_oid[41]; /* the last release's commit; "" if none */
};

/*
 * Work out the cycle from the tags reachable from mainline_ref in repo
 * (a full ref name).  ERR_NOT_FOUND when the ref does not exist or no
 * version tag is reachable from it.
 */
int cycle_compute(struct repo *repo, const char *mainline_ref,
		  struct cycle *out, struct strbuf *err);

/*
 * The cycle as the API shows it, days left counted from now; a new
 * reference.
 */
json_t *cycle_json(const struct cycle *c, time_t now);

/*
 * cycle_json() of cycle_current() as of now, or JSON null when the cycle
 * cannot be known; a new reference.  For GET /api/v1/status.
 */
json_t *cycle_current_json(void);

/* "merge-window", "review", "features-closed", ... ; static. */
const char *cycle_phase_name(enum cycle_phase phase);

/*
 * The cycle of the current config ([tree] mainline) from the calling
 * thread's repository.  ERR_NOT_FOUND when no mainline is configured.
 */
int cycle_current(struct cycle *out, struct strbuf *err);

/*
 * For apply: whether new features for next are past their soft close
 * (rc5 until the next rc1).  When true and why is not NULL, why gets a
 * sentence to show ("feature soft close: mainline is at v6.9-rc5").
 * False when the cycle cannot be known (no mainline, no tags).
 * cycle_fixes_closed() is the same for fixes aimed at next (rc6).
 * Both use cycle_current() and so the calling thread's repository.
 */
bool cycle_feature_closed(struct strbuf *why);
bool cycle_fixes_closed(struct strbuf *why);

/*
 * Look a commit up by a (possibly abbreviated) hex id: its full id into
 * full (41 bytes) and its subject appended to subject (may be NULL).
 * -ENOENT when it is not in repo or the abbreviation is ambiguous.
 */
int cycle_lookup_commit(struct repo *repo, const char *hex, char *full,
			struct strbuf *subject);

/* Where a commit (full hex id) is, seen from the cycle c. */
enum cycle_where {
	CYCLE_NOT_MAINLINE, /* not reachable from mainline (next, a topic) */
	CYCLE_CURRENT,	    /* since the last release: the rc range */
	CYCLE_OLDER,	    /* in the last release or an older one */
};
enum cycle_where cycle_commit_where(struct repo *repo, const struct cycle *c,
				    const char *full);

#endif
