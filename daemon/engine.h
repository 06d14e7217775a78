/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_ENGINE_H
#define CTHULHU_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct strbuf;
struct db;
struct config;

/*
 * The engine: one thread that runs every mutation as a job, in order, so
 * that no two jobs race on a ref or a row.  Each job is a row of the jobs
 * table (queued, running, done, failed); a job found running at start-up
 * was cut short by a crash and is run again when its type says that is
 * safe, failed otherwise.
 */
struct job_ctx {
	int64_t id;
	struct db *db;		     /* the engine's connection */
	const struct config *config; /* current for the job's whole run */
	/* Set by a job to report progress ("topic 3 of 7"); may be NULL. */
	void (*progress)(struct job_ctx *ctx, const char *fmt, ...);
};

/*
 * A job's work.  args is borrowed; *result (a new reference, may stay
 * NULL) becomes the job's answer; a negative return fails the job with
 * err's text.
 */
typedef int (*job_fn)(struct job_ctx *ctx, json_t *args, json_t **result,
		      struct strbuf *err);

struct job_type {
	const char *name;
	job_fn run;
	bool rerun; /* safe to run again after a crash */
	bool quiet; /* do not keep a row once done (internal scans) */
	/*
	 * Fold the args of an engine_kick() into those of the queued job it
	 * joins, so the job carries the reasons of every kick it absorbed;
	 * NULL keeps the queued job's args and drops the kick's.  Called
	 * with the engine's lock held: it must only edit queued.
	 */
	void (*merge_args)(json_t *queued, json_t *kicked);
	/* Run every every_ms from engine_start() on (0: only when asked). */
	unsigned int every_ms;
};

/* Make a job type known; call before engine_start(). */
void engine_register(const struct job_type *type);

int engine_start(struct strbuf *err);
/* Stop taking jobs, let the running one finish, join the thread. */
void engine_stop(void);
bool engine_on_engine_thread(void);
/*
 * Whether engine_stop() was called: a long job checks it between steps
 * and ends early (leaving the rest for the next start), so that SIGTERM
 * does not wait for it.
 */
bool engine_stopping(void);

/*
 * Whether a job is queued that may start now: background work (the
 * speculative checks) gives way to it between steps.
 */
bool engine_others_waiting(void);

/*
 * Queue a job and wait for its end.  args is stolen.  Returns the job's
 * code; *result gets the job's answer (new reference) when result is not
 * NULL.  From the engine thread itself the job runs inline.
 */
int engine_run(const char *type, json_t *args, json_t **result,
	       struct strbuf *err);
/* Queue a job without waiting; its id, or a negative code. */
int64_t engine_submit(const char *type, json_t *args, struct strbuf *err);
/*
 * Queue a job unless one of the same type is already queued and not yet
 * started (used for scans and rebuilds that a burst of triggers asks for).
 * delay_ms postpones its start, so a burst inside the delay is one job.
 * A kick that joins a queued job hands its args to the type's merge_args.
 */
void engine_kick(const char *type, json_t *args, unsigned int delay_ms);

/* The running job as JSON {id, type, started}, or NULL; new reference. */
json_t *engine_current(void);

/*
 * How many jobs of each type ran since start, {"TYPE": N} for the types
 * that ran at all; new reference.
 */
json_t *engine_runs(void);

/* Run fn on the engine thread every interval_ms (0 removes it). */
void engine_every(const char *type, unsigned int interval_ms);

#endif
