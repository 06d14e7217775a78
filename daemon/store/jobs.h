/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_JOBS_H
#define CTHULHU_STORE_JOBS_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of the engine's jobs: the table jobs (schema/0001-init.sql);
 * see store/topics.h for the store layer.  A job's args and result are
 * the engine's JSON text, kept as they are.
 */
struct store_job {
	int64_t id;
	char *type;
	char *args;  /* JSON text */
	char *state; /* queued, running, done, failed */
	char *error;
	int64_t finished_at; /* STORE_NONE while it has not ended */
};

struct store_job_list {
	struct store_job *v;
	size_t nr;
};

void store_job_list_release(struct store_job_list *list);

/* A job is queued; its id into *id. */
int store_job_add(struct db *db, const char *type, const char *args,
		  int64_t created_at, int64_t *id, struct strbuf *err);
/* Its args changed while it waited (a kick folded into it). */
int store_job_set_args(struct db *db, int64_t id, const char *args,
		       struct strbuf *err);
int store_job_started(struct db *db, int64_t id, int64_t at,
		      struct strbuf *err);
/* It ran back to 'queued' (run again after a crash). */
int store_job_requeue(struct db *db, int64_t id, struct strbuf *err);
int store_job_done(struct db *db, int64_t id, const char *result, int64_t at,
		   struct strbuf *err);
/* It failed; code (lib/error.h) when it ran, 0 when it never did. */
int store_job_failed(struct db *db, int64_t id, const char *error, int code,
		     int64_t at, struct strbuf *err);
/* Forget the ended jobs older than id. */
int store_jobs_forget_before(struct db *db, int64_t id, struct strbuf *err);

/* The jobs queued or running (a stop or crash cut short), oldest first. */
int store_jobs_unfinished(struct db *db, struct store_job_list *out,
			  struct strbuf *err);
/* Jobs that ended (done or failed) with id > since, oldest first. */
int store_jobs_ended_since(struct db *db, int64_t since, int64_t limit,
			   struct store_job_list *out, struct strbuf *err);
/* The id of the latest job that ended, 0 for none. */
int store_jobs_last_ended(struct db *db, int64_t *id, struct strbuf *err);

#endif
