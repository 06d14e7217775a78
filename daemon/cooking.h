/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_COOKING_H
#define CTHULHU_COOKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/queue.h"
#include "daemon/repo.h"

struct config;
struct db;
struct repo;
struct strbuf;

/*
 * The "What's cooking" report, in the spirit of git's (Meta's cook
 * script) and of linux-next's mails: per topic what it is (its branch
 * description, `git config branch.<name>.description`), its commits
 * over the base (git log base..topic), where it stands (in next,
 * conflicting, ejected by the gate, held back, not built yet), its gate
 * state and since when it has cooked, and the review queue's lanes.
 *
 * This file builds the report as a struct from the store and the
 * repository; the text (cooking-text.c), the JSON and the Atom feed
 * (api-cooking.c) are made from it at the edges, and the mail is sent
 * by cooking-mail.c.
 *
 * A topic's standing comes from the latest build of next that is done
 * or stopped (a candidate the gate holds counts: it is what next is
 * made of), and the gate's ejections that still hold.  "Cooking since"
 * is the committer date of the topic's oldest commit over the base:
 * when its first patch went into the tree.  (git's cook uses the day
 * the topic first appeared in seen; the date of its first commit is
 * what the tree itself can tell.)
 */

/* Where a topic stands (the "state" of the JSON). */
#define COOKING_IN_NEXT "in-next"
#define COOKING_CONFLICT "conflict"
#define COOKING_EJECTED "ejected"
#define COOKING_HELD "held"
#define COOKING_PENDING "pending" /* no build of next has looked at it */
#define COOKING_MISSING "missing" /* its branch does not exist */

/* At most this many subjects per topic; nr_commits counts them all. */
#define COOKING_SHORTLOG_MAX 100

struct cooking_commit {
	char hex[REPO_HEXSZ + 1];
	char *subject;
	int64_t time; /* committer date, unix seconds */
	bool in_next; /* reachable from the topic's merge in next */
};

struct cooking_topic {
	char *name;
	char *branch;	   /* full ref */
	char *description; /* branch.<name>.description, NULL for none */
	int64_t order;
	bool into_next;
	char *tip;	/* hex, NULL when the branch does not exist */
	char *next_tip; /* its tip in the build, NULL when not merged */
	int64_t moved_at;
	const char *state; /* one of COOKING_* */
	char *why;	   /* the state line, a sentence */
	char *gate;	   /* the gate's ejection state, NULL for none */
	char **conflicts;  /* paths, nr_conflicts of them */
	size_t nr_conflicts;
	struct cooking_commit *commits; /* newest first, nr_shown */
	size_t nr_shown;
	size_t nr_commits;
	int64_t since; /* committer date of the oldest commit, 0: none */
};

/* How many topics stand in each state. */
struct cooking_counts {
	size_t in_next, conflict, ejected, held, pending, missing;
};

struct cooking {
	char *tree;
	int64_t generated_at;
	char *base_name; /* [tree] base as configured */
	char *base;	 /* the commit the shortlogs start from, or NULL */
	char *next;	 /* next's commit now, NULL when it does not exist */
	/* The build the standing comes from (build_id 0: none yet). */
	int64_t build_id;
	char *build_state; /* done, stopped */
	char *build_gate;  /* NULL, pending, passed, failed, stale */
	char *build_result;
	int64_t build_at; /* when it started */
	char *stopped_at; /* the topic an on-conflict = stop build ended at */
	struct cooking_topic *topics; /* in the topics' order */
	size_t nr_topics;
	struct cooking_counts counts;
	struct queue_lane lanes[QUEUE_LANES + 1];
};

/*
 * Build the report at time now from db and repo (the caller's thread's,
 * repo_thread()).  Caller releases with cooking_release(), also on error.
 */
int cooking_build(struct db *db, const struct config *cfg, struct repo *repo,
		  int64_t now, struct cooking *out, struct strbuf *err);
void cooking_release(struct cooking *c);

/* The name of lane l (1..QUEUE_LANES) as the dashboard shows it. */
const char *cooking_lane_name(int lane);

/* Days a topic has cooked at now, 0 for one without commits. */
int64_t cooking_days(const struct cooking_topic *t, int64_t now);

#endif
