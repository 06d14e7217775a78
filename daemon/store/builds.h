/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_BUILDS_H
#define CTHULHU_STORE_BUILDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/repo.h"
#include "daemon/store/row.h"

struct db;
struct strbuf;

/*
 * The store of next's builds: the tables builds, build_topics and
 * virtual_bases (schema/0002-next.sql, 0008, 0009, 0012); see store/topics.h
 * for the store layer.  Integers a column may leave NULL are STORE_NONE
 * when it does.
 */

/* A row of builds. */
struct store_build {
	int64_t id;
	char *trigger;
	bool full;
	char *state; /* running, updating, done, stopped, failed, interrupted */
	char *base_rev; /* [tree] base as configured */
	char *base;	/* its commit */
	char *old_next, *result;
	int64_t merges_reused, merges_done, conflicts, fallbacks;
	char *pushed, *error;
	int64_t started_at, finished_at, duration_ms;
	int64_t virtual_merges, virtual_bases_reused;
	char *gate;
};

struct store_build_list {
	struct store_build *v;
	size_t nr;
};

/* A row of build_topics: one topic's place in a build. */
struct store_build_topic {
	int64_t pos;
	char *topic, *branch;
	char *tip;     /* NULL: the branch was missing */
	char *outcome; /* merged, reused, nothing, conflict, resolved, missing */
	char *merge_commit;
	char **conflicts; /* the paths, nr_conflicts of them */
	size_t nr_conflicts;
	char *method;
	char *fallback_reason; /* NULL: the fast path decided */
	int64_t resolution;    /* resolutions.id, or STORE_NONE */
	int64_t duration_ms;
	char *gate; /* NULL, "ejected", "fallback" or "lifted" */
	/* the merge-fixes applied (or meant to be), nr_merge_fixes of them */
	char **merge_fixes;
	size_t nr_merge_fixes;
	char *merge_fix_failed; /* the one that no longer applied, or NULL */
};

struct store_build_topic_list {
	struct store_build_topic *v;
	size_t nr;
};

void store_build_release(struct store_build *b);
void store_build_list_release(struct store_build_list *list);
void store_build_topic_list_release(struct store_build_topic_list *list);
/* Whether a topic with outcome (build_topics.outcome) is in next after its merge. */
bool store_build_outcome_in_next(const char *outcome);

/* Reads. *found (for those that have it) says whether there was a row. */
/* One build; ERR_NOT_FOUND ("unknown build 'ID'") when there is none. */
int store_build_get(struct db *db, int64_t id, struct store_build *out,
		    struct strbuf *err);
/* The id of the latest build, 0 when there is none. */
int store_builds_latest_id(struct db *db, int64_t *id, struct strbuf *err);
/* The latest builds, newest first. */
int store_builds_list(struct db *db, int64_t limit,
		      struct store_build_list *out, struct strbuf *err);
/* The latest build that is done or stopped. */
int store_build_latest_settled(struct db *db, struct store_build *out,
			       bool *found, struct strbuf *err);
/* The latest build that is done with result as its result. */
int store_build_latest_done_at(struct db *db, const char *result,
			       struct store_build *out, bool *found,
			       struct strbuf *err);
/* Whether the latest build failed, having started after since. */
int store_build_latest_failed_since(struct db *db, int64_t since, bool *failed,
				    struct strbuf *err);
/*
 * The base the latest build that resolved one used, into base (empty
 * when no build has).
 */
int store_builds_latest_base(struct db *db, char base[REPO_HEXSZ + 1],
			     struct strbuf *err);
/* A build's topics, by position. */
int store_build_topics(struct db *db, int64_t build,
		       struct store_build_topic_list *out, struct strbuf *err);

/*
 * The latest build where topic's merge conflicted: the build, and the
 * commits it merged (ours: next before the topic; theirs: its tip).
 */
struct store_conflict {
	int64_t build;
	char *ours, *theirs; /* NULL when the row has none */
};

void store_conflict_release(struct store_conflict *c);
int store_build_last_conflict(struct db *db, const char *topic,
			      struct store_conflict *out, bool *found,
			      struct strbuf *err);

/*
 * A topic's place in each of the latest limit builds that are not
 * running, newest first: the build, when it started, and the topic's
 * row there (topic, branch, merge_commit, method, resolution and gate
 * are not read).  store_build_topic_list_release() releases out.
 */
int store_topic_in_builds(struct db *db, const char *topic, int64_t limit,
			  struct store_build_topic_list *out, int64_t **builds,
			  int64_t **started, struct strbuf *err);
/*
 * The topics merged into build before position pos (merged, reused or
 * resolved), in order: *names (nr of them; free each and the array).
 */
int store_build_merged_before(struct db *db, int64_t build, int64_t pos,
			      char ***names, size_t *nr, struct strbuf *err);

/* Writes, each one statement in the caller's transaction. */
/* A build begins: a 'running' row, its id into *id. */
int store_build_begin(struct db *db, const char *trigger, bool full,
		      const char *base_rev, const char *old_next,
		      int64_t started_at, int64_t *id, struct strbuf *err);
/*
 * Settle what a crash cut short: an 'updating' build whose result next
 * is became 'done', any other 'running' or 'updating' one 'interrupted'.
 */
int store_builds_settle(struct db *db, const char *next_now,
			struct strbuf *err);
int store_build_add_topic(struct db *db, int64_t build,
			  const struct store_build_topic *t,
			  struct strbuf *err);
/*
 * The merges are made: b's state, base, result and counters (merges_*,
 * conflicts, fallbacks, virtual_*) recorded for build b->id.
 */
int store_build_set_merged(struct db *db, const struct store_build *b,
			   struct strbuf *err);
/* The build ends: state (NULL: as it is), pushed, finished_at, duration. */
int store_build_finish(struct db *db, int64_t id, const char *state,
		       const char *pushed, int64_t finished_at,
		       int64_t duration_ms, struct strbuf *err);
/* The build failed with error. */
int store_build_fail(struct db *db, int64_t id, const char *error,
		     int64_t finished_at, int64_t duration_ms,
		     struct strbuf *err);
int store_build_set_pushed(struct db *db, int64_t id, const char *pushed,
			   struct strbuf *err);

/* A virtual merge base kept for the next process (merge.c's key). */
struct store_vbase {
	char *key, *tree;
};

struct store_vbase_list {
	struct store_vbase *v;
	size_t nr;
};

void store_vbase_list_release(struct store_vbase_list *list);
/* The newest limit virtual merge bases, newest first. */
int store_vbases_newest(struct db *db, int64_t limit,
			struct store_vbase_list *out, struct strbuf *err);
int store_vbase_put(struct db *db, const char *key, const char *tree,
		    int64_t made_at, struct strbuf *err);
/* Forget all but the newest keep virtual merge bases. */
int store_vbases_trim(struct db *db, int64_t keep, struct strbuf *err);

#endif
