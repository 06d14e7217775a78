/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_GATE_H
#define CTHULHU_STORE_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/store/row.h"

struct db;
struct strbuf;

/*
 * The store of the gate of next: the tables gate_candidates, gate_runs
 * and gate_ejections and the gate's columns of builds and build_topics
 * (schema/0009-gate.sql), and the only place that holds their SQL; see
 * store/topics.h for the store layer.  The few reads of builds and
 * build_topics that only the gate makes (a topic's last good tip,
 * whether a build merged a topic at it) are gate queries and live here
 * too; the builds themselves are read through store/builds.h.
 *
 * An integer column that may be null is STORE_NONE when it is; times
 * are unix seconds, 0 for none.  *found (for the reads that have it)
 * says whether there was a row; out is zeroed when there was none.
 */

/*
 * One probe of a candidate: next after topic merged at tip, commit; the
 * first probe is the base alone (topic and tip NULL).
 */
struct store_gate_probe {
	char *topic;
	char *tip;
	char *commit;
};

struct store_gate_probe_list {
	struct store_gate_probe *v;
	size_t nr;
};

void store_gate_probe_list_release(struct store_gate_probe_list *list);

/* A row of gate_candidates: a build of next being gated, or that was. */
struct store_gate_candidate {
	int64_t id;
	int64_t build;
	char *commit;	 /* the candidate next (commit_sha) */
	char *tree;	 /* its tree */
	char *published; /* next when the gate began, NULL for none */
	/* gating, bisecting, passed, failed, base-failed, stale, error */
	char *state;
	char *publish; /* "gated" or "always" */
	int64_t round; /* of the bisection, 0: the whole candidate */
	int64_t lo;    /* the highest probe known to pass, -1 for none */
	int64_t hi;    /* the lowest probe known to fail (or STORE_NONE) */
	struct store_gate_probe_list probes;
	bool probes_unreadable; /* the column holds no array of probes */
	char *culprit;		/* the topic found, NULL for none */
	char *reason;
	int64_t created_at;
	int64_t finished_at;
	/*
	 * While the culprit is paired (0013-conflict-mail.sql): the first
	 * failing probe of the bisection (or STORE_NONE before); lo and hi
	 * then bound the probes the culprit is merged onto.
	 */
	int64_t culprit_probe;
	char *partner; /* the topic the culprit fails with, NULL for none */
	/*
	 * Why the candidate is flaky (0020-gate-flakes.sql): a run of it
	 * passed on a retry, or a re-probe did not repeat the failure its
	 * bisection found; NULL for not flaky.
	 */
	char *flaky;
};

struct store_gate_candidate_list {
	struct store_gate_candidate *v;
	size_t nr;
};

void store_gate_candidate_release(struct store_gate_candidate *c);
void store_gate_candidate_list_release(struct store_gate_candidate_list *list);

/* A row of gate_runs: one run of the gate command. */
struct store_gate_run {
	int64_t id;
	int64_t candidate;
	int64_t build; /* its candidate's build */
	int64_t round;
	int64_t probe; /* index in the candidate's probes (or STORE_NONE) */
	char *topic;   /* the last topic merged in commit, NULL for none */
	char *commit;
	char *tree;
	/*
	 * queued, running, passed, failed, timeout, cancelled, interrupted,
	 * cached, error
	 */
	char *state;
	char *command;
	int64_t slot; /* its work tree, -1: the CI has it (or STORE_NONE) */
	int64_t exit_code; /* or STORE_NONE */
	char *log;	   /* the log file's path */
	char *log_url;	   /* mode = external: the CI's log */
	char *error;
	int64_t created_at;
	int64_t started_at;
	int64_t finished_at;
	int64_t duration_ms; /* or STORE_NONE */
	bool pair; /* the culprit merged onto probe, not probe itself */
	/* 1, then one more for each failed attempt of its probe before it */
	int64_t attempt;
	bool flaky; /* passed after an earlier attempt failed */
	/*
	 * NULL for a run of the bisection; "reprobe": the culprit's probe
	 * or the one before it run once more before an ejection; "rerun":
	 * the whole candidate run again after a re-probe did not repeat
	 * the failure.
	 */
	char *recheck;
};

struct store_gate_run_list {
	struct store_gate_run *v;
	size_t nr;
};

void store_gate_run_release(struct store_gate_run *r);
void store_gate_run_list_release(struct store_gate_run_list *list);

/* A row of gate_ejections: a topic the gate left out of next. */
struct store_gate_ejection {
	int64_t id;
	int64_t candidate;
	char *topic;
	char *bad_tip;	/* the tip that broke the gate */
	char *good_tip; /* its tip in the last passing next, NULL for none */
	/* ejected, trying, fallback, dropped, reported, lifted, cleared */
	char *state;
	int64_t fail_run; /* the merge that fails (or STORE_NONE) */
	int64_t pass_run; /* the one before it (or STORE_NONE) */
	char *reason;
	int64_t notification; /* notifications.id (or STORE_NONE) */
	int64_t created_at;
	int64_t updated_at;
	char *partner;	 /* the topic it fails together with, NULL for none */
	char *merge_fix; /* the merge-fix that lifted it, NULL for none */
};

struct store_gate_ejection_list {
	struct store_gate_ejection *v;
	size_t nr;
};

void store_gate_ejection_release(struct store_gate_ejection *e);
void store_gate_ejection_list_release(struct store_gate_ejection_list *list);

/* An ejected topic that has a last good tip to be tried at. */
struct store_gate_waiting {
	int64_t ejection;
	char *topic;
	char *bad_tip;
	char *branch; /* the topic's branch */
};

struct store_gate_waiting_list {
	struct store_gate_waiting *v;
	size_t nr;
};

void store_gate_waiting_list_release(struct store_gate_waiting_list *list);

/* --- the gate's reads of builds -------------------------------------- */

/*
 * The tip topic had in the finished build whose result is published
 * (next now), into *tip (NULL for none; free it).
 */
int store_gate_last_good_tip(struct db *db, const char *published,
			     const char *topic, char **tip, struct strbuf *err);
/* Whether build merged topic at its last good tip (gate 'fallback'). */
bool store_gate_build_fell_back(struct db *db, int64_t build,
				const char *topic);

/* --- candidates -------------------------------------------------------- */

/* Candidate id; ERR_NOT_FOUND ("unknown gate candidate 'ID'"). */
int store_gate_candidate_get(struct db *db, int64_t id,
			     struct store_gate_candidate *out,
			     struct strbuf *err);
/* The newest candidate, whatever its state. */
int store_gate_candidate_newest(struct db *db, struct store_gate_candidate *out,
				bool *found, struct strbuf *err);
/* The newest candidate still being gated (gating or bisecting). */
int store_gate_candidate_gating(struct db *db, struct store_gate_candidate *out,
				bool *found, struct strbuf *err);
/* The newest candidate that did not go stale. */
int store_gate_candidate_newest_live(struct db *db,
				     struct store_gate_candidate *out,
				     bool *found, struct strbuf *err);
/* The latest limit candidates, newest first. */
int store_gate_candidates_list(struct db *db, int64_t limit,
			       struct store_gate_candidate_list *out,
			       struct strbuf *err);

/*
 * Record candidate c (c->build, c->commit, c->tree, c->published,
 * c->publish, c->hi, c->probes and c->created_at) as being gated and
 * set c->id; c->build's row goes from 'updating' to 'done' with gate
 * 'pending'.
 */
int store_gate_candidate_add(struct db *db, struct store_gate_candidate *c,
			     struct strbuf *err);
/*
 * Every candidate still being gated but keep goes stale, its build too;
 * its runs the CI has are cancelled (the others are the caller's to
 * cancel first, store_gate_runs_to_cancel()).
 */
int store_gate_candidates_stale(struct db *db, int64_t keep, int64_t at,
				struct strbuf *err);
/* Start round of the bisection of candidate id over (lo, hi). */
int store_gate_candidate_bisect(struct db *db, int64_t id, int64_t round,
				int64_t lo, int64_t hi, struct strbuf *err);
/*
 * Pair the culprit of candidate id, the topic of probe culprit_probe:
 * round of the bisection of the merges it is tried on over (lo, hi).
 */
int store_gate_candidate_pair(struct db *db, int64_t id, int64_t culprit_probe,
			      int64_t round, int64_t lo, int64_t hi,
			      struct strbuf *err);
/* Candidate c passed, its build too. */
int store_gate_candidate_pass(struct db *db,
			      const struct store_gate_candidate *c,
			      const char *reason, int64_t at,
			      struct strbuf *err);
/*
 * Candidate c failed between probes lo and hi, its build too: culprit
 * breaks it (together with partner, NULL for none), or with culprit
 * NULL the base alone fails ('base-failed').
 */
int store_gate_candidate_fail(struct db *db,
			      const struct store_gate_candidate *c,
			      const char *culprit, const char *partner,
			      const char *reason, int64_t lo, int64_t hi,
			      int64_t at, struct strbuf *err);
/* A run of candidate c could not run: c ends in 'error', failing its build. */
int store_gate_candidate_error(struct db *db,
			       const struct store_gate_candidate *c, int64_t at,
			       struct strbuf *err);

/* --- runs -------------------------------------------------------------- */

/* Run id; ERR_NOT_FOUND ("unknown gate run 'ID'"). */
int store_gate_run_get(struct db *db, int64_t id, struct store_gate_run *out,
		       struct strbuf *err);
/*
 * The run of commit, a running one first, else the latest, into *id;
 * ERR_NOT_FOUND ("no gate run of commit 'COMMIT'").
 */
int store_gate_run_of_commit(struct db *db, const char *commit, int64_t *id,
			     struct strbuf *err);
/*
 * The latest run of probe of candidate that has a verdict; with pair,
 * of the culprit merged onto the probe.
 */
int store_gate_run_of_probe(struct db *db, int64_t candidate, int64_t probe,
			    bool pair, struct store_gate_run *out, bool *found,
			    struct strbuf *err);
/* The runs of candidate, oldest first. */
int store_gate_runs_of_candidate(struct db *db, int64_t candidate,
				 struct store_gate_run_list *out,
				 struct strbuf *err);
/* The runs of round of candidate, oldest first. */
int store_gate_runs_of_round(struct db *db, int64_t candidate, int64_t round,
			     struct store_gate_run_list *out,
			     struct strbuf *err);
/* How many runs of round of candidate are queued or running. */
int store_gate_runs_outstanding(struct db *db, int64_t candidate, int64_t round,
				int64_t *count, struct strbuf *err);
/* Whether a run of tree and command passed before (false on errors). */
bool store_gate_tree_passed(struct db *db, const char *tree,
			    const char *command);
/*
 * The runs queued or running of every candidate still being gated but
 * keep: those store_gate_candidates_stale() leaves to the caller.
 */
int store_gate_runs_to_cancel(struct db *db, int64_t keep,
			      struct store_gate_run_list *out,
			      struct strbuf *err);
/* The runs the CI has (running in slot -1) that started before before. */
int store_gate_runs_ci_overdue(struct db *db, int64_t before,
			       struct store_gate_run_list *out,
			       struct strbuf *err);
/*
 * The runs a stop or a crash cut short: queued or running, but with
 * keep_ci not those the CI has.
 */
int store_gate_runs_cut_short(struct db *db, bool keep_ci,
			      struct store_gate_run_list *out,
			      struct strbuf *err);
/*
 * Mark the runs store_gate_runs_cut_short() finds 'interrupted'
 * ("cthulhud stopped while it ran").
 */
int store_gate_runs_interrupt(struct db *db, bool keep_ci, int64_t at,
			      struct strbuf *err);
/*
 * One interrupted run of each probe of round of candidate that has no
 * other run in the round: those to run again.
 */
int store_gate_runs_to_rerun(struct db *db, int64_t candidate, int64_t round,
			     struct store_gate_run_list *out,
			     struct strbuf *err);

/*
 * Add run r of r->candidate (r->round, r->probe, r->topic, r->commit,
 * r->tree, r->command, r->created_at, r->pair, r->attempt (0 for 1),
 * r->recheck), queued to run; set r->id.
 */
int store_gate_run_add_queued(struct db *db, struct store_gate_run *r,
			      struct strbuf *err);
/*
 * Add run r as store_gate_run_add_queued() does, but 'cached' (a run of
 * its tree passed before): finished at r->created_at in no time.
 */
int store_gate_run_add_cached(struct db *db, struct store_gate_run *r,
			      struct strbuf *err);
int store_gate_run_set_log(struct db *db, int64_t id, const char *log,
			   struct strbuf *err);
/* Queued run id started at at in slot (-1: pushed to the CI). */
int store_gate_run_started(struct db *db, int64_t id, int64_t slot, int64_t at,
			   struct strbuf *err);
/* Run id could not run: 'error', finished at at unless that is 0. */
int store_gate_run_failed_to_run(struct db *db, int64_t id, const char *error,
				 int64_t at, struct strbuf *err);

/* How a run ended; strings borrowed, NULL for none. */
struct store_gate_run_end {
	const char *state;
	int64_t exit_code;
	const char *error;
	int64_t duration_ms;
	int64_t finished_at;
	const char *log_url;
};

int store_gate_run_end(struct db *db, int64_t id,
		       const struct store_gate_run_end *end,
		       struct strbuf *err);

/* Run id passed after an earlier attempt of its probe failed. */
int store_gate_run_flaky(struct db *db, int64_t id, struct strbuf *err);
/* Candidate id is flaky, for why; the first why is kept. */
int store_gate_candidate_flaky(struct db *db, int64_t id, const char *why,
			       struct strbuf *err);

/* --- ejections --------------------------------------------------------- */

/*
 * The latest ejection of topic at bad tip tip that holds it out or back
 * (any state but 'reported').
 */
int store_gate_ejection_of_tip(struct db *db, const char *topic,
			       const char *tip, struct store_gate_ejection *out,
			       bool *found, struct strbuf *err);
/* The latest ejection of topic, at any tip, but 'reported' ones. */
int store_gate_ejection_latest(struct db *db, const char *topic,
			       struct store_gate_ejection *out, bool *found,
			       struct strbuf *err);
/*
 * The latest limit ejections that hold (ejected, trying, fallback or
 * dropped while the topic's tip is still the bad tip), newest first.
 */
int store_gate_ejections_holding(struct db *db, int64_t limit,
				 struct store_gate_ejection_list *out,
				 struct strbuf *err);
/* The ejected topics that have a last good tip to be tried at. */
int store_gate_ejections_waiting(struct db *db,
				 struct store_gate_waiting_list *out,
				 struct strbuf *err);
/*
 * Eject e->topic as e says (e->candidate, e->good_tip, e->state,
 * e->fail_run, e->pass_run, e->reason, e->created_at, e->partner); its bad tip is
 * its tip in build (e->bad_tip is not read).
 */
int store_gate_eject(struct db *db, const struct store_gate_ejection *e,
		     int64_t build, struct strbuf *err);
/* Ejection id is being tried at its last good tip. */
int store_gate_ejection_try(struct db *db, int64_t id, int64_t at,
			    struct strbuf *err);
/* The topics being tried that build merged at their last good tip are in. */
int store_gate_ejections_fall_back(struct db *db, int64_t build, int64_t at,
				   struct strbuf *err);
/* The last good tip of topic, being tried, failed too (run fail_run). */
int store_gate_ejection_drop(struct db *db, const char *topic, int64_t fail_run,
			     int64_t at, struct strbuf *err);
/*
 * The latest limit ejections the API shows, each topic's latest: those
 * that hold, and those a merge-fix lifted (lifted, cleared), while the
 * topic's tip is still the bad tip; newest first.
 */
int store_gate_ejections_shown(struct db *db, int64_t limit,
			       struct store_gate_ejection_list *out,
			       struct strbuf *err);
/*
 * A merge-fix of topic (with partner: a pair's, or NULL: its own) is
 * commit: topic's latest ejection, when it holds (ejected, trying,
 * fallback, dropped) or was lifted already, and, unless partner is
 * NULL, names partner as the topic it fails together with, is lifted.
 * With new_fix (a fix a build finds) it is lifted only when it was not
 * lifted by commit already and the candidate that ejected it did not
 * have commit on the topic's merge (the topic failed with it).
 * *lifted says whether it was.
 */
int store_gate_ejection_lift(struct db *db, const char *topic,
			     const char *partner, const char *commit,
			     bool new_fix, int64_t at, bool *lifted,
			     struct strbuf *err);
/*
 * The lifted ejections of the topics build merged as lifted (at their
 * tips, with their merge-fixes) are cleared: the build passed.
 */
int store_gate_ejections_clear(struct db *db, int64_t build, int64_t at,
			       struct strbuf *err);
/* The latest ejection of topic was told in notification. */
int store_gate_ejection_notified(struct db *db, const char *topic,
				 int64_t notification, struct strbuf *err);

#endif
