/* SPDX-License-Identifier: GPL-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/store/jobs.h"
#include "lib/deadline.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define MAX_JOB_TYPES 64
/* Finished job rows kept for the record; older ones are pruned. */
#define JOBS_KEPT 20000

/* One waiting caller of engine_run(). */
struct waiter {
	pthread_cond_t cond;
	bool done;
	int code;
	json_t *result;
	struct strbuf err;
};

struct job {
	struct job *next;
	int64_t id; /* row id; 0 for quiet jobs */
	const struct job_type *type;
	json_t *args;
	int64_t not_before_ms;	 /* monotonic; 0 = at once */
	int64_t kicked_first_ms; /* for capping a debounce */
	struct waiter *waiter;	 /* NULL when nobody waits */
};

struct periodic {
	const struct job_type *type;
	unsigned int interval_ms;
	int64_t next_ms;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running;
	bool stopping;
	struct job *head, **tail;
	const struct job_type *types[MAX_JOB_TYPES];
	size_t nr_types;
	struct periodic periodic[8];
	size_t nr_periodic;
	/* The job being run, for engine_current(). */
	int64_t cur_id;
	const char *cur_type;
	time_t cur_started;
	char cur_progress[128];
	unsigned int finished;
	/* Jobs run since start, by the index of their type in types. */
	unsigned long runs[MAX_JOB_TYPES];
} eng = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
};

static __thread bool on_engine_thread;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void engine_register(const struct job_type *type)
{
	if (eng.nr_types == MAX_JOB_TYPES)
		die("too many job types");
	eng.types[eng.nr_types++] = type;
	if (type->every_ms)
		engine_every(type->name, type->every_ms);
}

static const struct job_type *find_type(const char *name)
{
	size_t i;

	for (i = 0; i < eng.nr_types; i++)
		if (!strcmp(eng.types[i]->name, name))
			return eng.types[i];
	return NULL;
}

bool engine_on_engine_thread(void)
{
	return on_engine_thread;
}

bool engine_stopping(void)
{
	bool stopping;

	pthread_mutex_lock(&eng.lock);
	stopping = eng.stopping;
	pthread_mutex_unlock(&eng.lock);
	return stopping;
}

/* Append job to the queue; the caller holds eng.lock. */
static void queue_append(struct job *job)
{
	job->next = NULL;
	*eng.tail = job;
	eng.tail = &job->next;
	pthread_cond_signal(&eng.wake);
}

static int64_t job_row_insert(const struct job_type *type, json_t *args,
			      struct strbuf *err)
{
	struct db *db = db_thread();
	int64_t id = 0;
	char *text;
	bool was;
	int rc;

	if (type->quiet)
		return 0;
	if (!db)
		return error_set(err, -EIO, "no database connection");
	text = json_dumps(args, JSON_COMPACT);
	/* The one write an HTTP route makes: it hands the engine a job. */
	was = db_query_only(db, false);
	rc = store_job_add(db, type->name, text ? text : "{}",
			   (int64_t)time(NULL), &id, err);
	db_query_only(db, was);
	free(text);
	if (rc)
		return rc;
	return id;
}

static void progress(struct job_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&eng.lock);
	va_start(ap, fmt);
	vsnprintf(eng.cur_progress, sizeof(eng.cur_progress), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&eng.lock);
}

/* Run one job on the calling (engine) thread and record its end. */
static int job_execute(struct job *job, json_t **result, struct strbuf *err)
{
	struct db *db = db_thread();
	struct job_ctx ctx = { 0 };
	struct strbuf dberr = STRBUF_INIT;
	char *text = NULL;
	size_t i;
	int code;

	*result = NULL;
	if (!db)
		return error_set(err, -EIO, "no database connection");
	if (job->id)
		store_job_started(db, job->id, (int64_t)time(NULL), &dberr);
	ctx.id = job->id;
	ctx.db = db;
	ctx.config = daemon_config_engine();
	ctx.progress = progress;
	pthread_mutex_lock(&eng.lock);
	eng.cur_id = job->id;
	eng.cur_type = job->type->name;
	eng.cur_started = time(NULL);
	eng.cur_progress[0] = '\0';
	pthread_mutex_unlock(&eng.lock);

	strbuf_reset(err);
	code = job->type->run(&ctx, job->args, result, err);
	/* A job must not leave a transaction open behind it. */
	db_rollback(db);

	pthread_mutex_lock(&eng.lock);
	eng.cur_id = 0;
	eng.cur_type = NULL;
	eng.finished++;
	for (i = 0; i < eng.nr_types; i++)
		if (eng.types[i] == job->type)
			eng.runs[i]++;
	pthread_mutex_unlock(&eng.lock);

	if (code < 0 && !err->len)
		strbuf_addf(err, "job '%s' failed (%s)", job->type->name,
			    strerror(-code));
	if (job->id) {
		if (code >= 0) {
			text = *result ? json_dumps(*result, JSON_COMPACT) :
					 NULL;
			store_job_done(db, job->id, text, (int64_t)time(NULL),
				       &dberr);
		} else {
			store_job_failed(db, job->id, err->buf, code,
					 (int64_t)time(NULL), &dberr);
		}
		if (!(eng.finished % 256))
			store_jobs_forget_before(db, job->id - JOBS_KEPT,
						 &dberr);
	} else if (code < 0) {
		log_warn("%s: %s", job->type->name, err->buf);
	}
	if (dberr.len)
		log_error("jobs table: %s", dberr.buf);
	free(text);
	strbuf_release(&dberr);
	return code;
}

static void job_free(struct job *job)
{
	json_decref(job->args);
	free(job);
}

/* Pick the first job that may start; eng.lock held.  NULL if none. */
static struct job *queue_take(int64_t now, int64_t *wait_ms)
{
	struct job **pp, *job;
	size_t i;

	*wait_ms = -1;
	for (i = 0; i < eng.nr_periodic; i++) {
		struct periodic *p = &eng.periodic[i];

		if (p->next_ms <= now) {
			bool queued = false;

			for (job = eng.head; job; job = job->next)
				if (job->type == p->type)
					queued = true;
			if (!queued) {
				job = xcalloc(1, sizeof(*job));
				job->type = p->type;
				job->args = json_object();
				queue_append(job);
			}
			p->next_ms = now + p->interval_ms;
		}
		if (*wait_ms < 0 || p->next_ms - now < *wait_ms)
			*wait_ms = p->next_ms - now;
	}
	/*
	 * Take the first job that may start.  A job held back by a debounce
	 * lets later ones pass: it was asked for "soon", and running after
	 * them it sees their effects too.
	 */
	for (pp = &eng.head; (job = *pp); pp = &job->next) {
		if (job->not_before_ms > now) {
			int64_t w = job->not_before_ms - now;

			if (*wait_ms < 0 || w < *wait_ms)
				*wait_ms = w;
			continue;
		}
		*pp = job->next;
		if (eng.tail == &job->next)
			eng.tail = pp;
		return job;
	}
	return NULL;
}

bool engine_others_waiting(void)
{
	int64_t now = now_ms();
	struct job *job;
	bool waiting = false;

	pthread_mutex_lock(&eng.lock);
	for (job = eng.head; job && !waiting; job = job->next)
		waiting = job->not_before_ms <= now;
	pthread_mutex_unlock(&eng.lock);
	return waiting;
}

static void *engine_main(void *unused)
{
	on_engine_thread = true;
	pthread_mutex_lock(&eng.lock);
	for (;;) {
		struct strbuf err = STRBUF_INIT;
		json_t *result = NULL;
		struct job *job;
		int64_t wait_ms;
		int code;

		if (eng.stopping)
			break;
		job = queue_take(now_ms(), &wait_ms);
		if (!job) {
			if (wait_ms < 0) {
				pthread_cond_wait(&eng.wake, &eng.lock);
			} else {
				struct timespec ts;

				deadline_after(&ts, (unsigned int)wait_ms);
				pthread_cond_timedwait(&eng.wake, &eng.lock,
						       &ts);
			}
			continue;
		}
		pthread_mutex_unlock(&eng.lock);
		code = job_execute(job, &result, &err);
		pthread_mutex_lock(&eng.lock);
		if (job->waiter) {
			job->waiter->code = code;
			job->waiter->result = result;
			strbuf_addbuf(&job->waiter->err, &err);
			job->waiter->done = true;
			pthread_cond_broadcast(&job->waiter->cond);
		} else {
			json_decref(result);
		}
		strbuf_release(&err);
		job_free(job);
	}
	/* Jobs still queued stay queued in the table for the next start. */
	while (eng.head) {
		struct job *job = eng.head;

		eng.head = job->next;
		if (job->waiter) {
			job->waiter->code = ERR_UNAVAILABLE;
			strbuf_addstr(&job->waiter->err,
				      "cthulhud is shutting down");
			job->waiter->done = true;
			pthread_cond_broadcast(&job->waiter->cond);
		}
		job_free(job);
	}
	eng.tail = &eng.head;
	pthread_mutex_unlock(&eng.lock);
	db_thread_exit();
	return NULL;
}

/*
 * Look at the jobs a previous run left behind: one found running was cut
 * short by a crash, and queued ones were never started.  Run again those
 * whose type says that is safe; fail the rest, saying why.
 */
static int engine_recover(struct strbuf *err)
{
	struct db *db = db_thread();
	struct store_job_list jobs;
	size_t i;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = store_jobs_unfinished(db, &jobs, err);
	if (ret < 0)
		return ret;
	for (i = 0; i < jobs.nr; i++) {
		int64_t id = jobs.v[i].id;
		const char *tname = jobs.v[i].type;
		const char *state = jobs.v[i].state ? jobs.v[i].state : "";
		const struct job_type *type = tname ? find_type(tname) : NULL;
		struct job *job;

		if (!type || !type->rerun) {
			store_job_failed(
				db, id,
				!strcmp(state, "running") ?
					"interrupted: cthulhud stopped while it ran" :
					"interrupted: cthulhud stopped before it ran",
				0, (int64_t)time(NULL), NULL);
			log_warn("job %lld (%s) was %s when cthulhud stopped; "
				 "marked failed",
				 (long long)id, tname ? tname : "?", state);
			continue;
		}
		log_info("job %lld (%s) was %s when cthulhud stopped; "
			 "running it again",
			 (long long)id, tname, state);
		store_job_requeue(db, id, NULL);
		job = xcalloc(1, sizeof(*job));
		job->id = id;
		job->type = type;
		job->args = jobs.v[i].args ?
				    json_loads(jobs.v[i].args, 0, NULL) :
				    NULL;
		if (!job->args)
			job->args = json_object();
		pthread_mutex_lock(&eng.lock);
		queue_append(job);
		pthread_mutex_unlock(&eng.lock);
	}
	store_job_list_release(&jobs);
	return 0;
}

int engine_start(struct strbuf *err)
{
	pthread_condattr_t attr;
	int rc;

	eng.tail = &eng.head;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&eng.wake, &attr);
	pthread_condattr_destroy(&attr);
	rc = engine_recover(err);
	if (rc)
		return rc;
	rc = pthread_create(&eng.thread, NULL, engine_main, NULL);
	if (rc)
		return error_set(err, -rc, "cannot start the engine thread: %s",
				 strerror(rc));
	eng.running = true;
	return 0;
}

void engine_stop(void)
{
	if (!eng.running)
		return;
	pthread_mutex_lock(&eng.lock);
	eng.stopping = true;
	pthread_cond_broadcast(&eng.wake);
	pthread_mutex_unlock(&eng.lock);
	pthread_join(eng.thread, NULL);
	eng.running = false;
}

int engine_run(const char *type_name, json_t *args, json_t **result,
	       struct strbuf *err)
{
	const struct job_type *type = find_type(type_name);
	struct waiter w = { .err = STRBUF_INIT };
	struct job *job;
	json_t *res = NULL;
	int64_t id;
	int code;

	if (result)
		*result = NULL;
	if (!args)
		args = json_object();
	if (!type) {
		json_decref(args);
		return error_set(err, ERR_INVALID, "unknown job type '%s'",
				 type_name);
	}
	if (on_engine_thread) {
		struct job inline_job = { .type = type, .args = args };

		code = job_execute(&inline_job, &res, err);
		json_decref(args);
		goto out;
	}
	if (eng.stopping || !eng.running) {
		json_decref(args);
		return error_set(err, ERR_UNAVAILABLE,
				 "cthulhud is shutting down");
	}
	id = job_row_insert(type, args, err);
	if (id < 0) {
		json_decref(args);
		return (int)id;
	}
	job = xcalloc(1, sizeof(*job));
	job->id = id;
	job->type = type;
	job->args = args;
	job->waiter = &w;
	pthread_cond_init(&w.cond, NULL);
	pthread_mutex_lock(&eng.lock);
	queue_append(job);
	while (!w.done)
		pthread_cond_wait(&w.cond, &eng.lock);
	pthread_mutex_unlock(&eng.lock);
	pthread_cond_destroy(&w.cond);
	code = w.code;
	res = w.result;
	if (code < 0 && err)
		error_set(err, code, "%s", w.err.buf);
	strbuf_release(&w.err);
out:
	if (result)
		*result = res;
	else
		json_decref(res);
	return code;
}

int64_t engine_submit(const char *type_name, json_t *args, struct strbuf *err)
{
	const struct job_type *type = find_type(type_name);
	struct job *job;
	int64_t id;

	if (!args)
		args = json_object();
	if (!type) {
		json_decref(args);
		return error_set(err, ERR_INVALID, "unknown job type '%s'",
				 type_name);
	}
	id = job_row_insert(type, args, err);
	if (id < 0) {
		json_decref(args);
		return id;
	}
	job = xcalloc(1, sizeof(*job));
	job->id = id;
	job->type = type;
	job->args = args;
	pthread_mutex_lock(&eng.lock);
	queue_append(job);
	pthread_mutex_unlock(&eng.lock);
	return id;
}

void engine_kick(const char *type_name, json_t *args, unsigned int delay_ms)
{
	const struct job_type *type = find_type(type_name);
	struct strbuf err = STRBUF_INIT;
	int64_t now = now_ms();
	struct job *job;

	if (!args)
		args = json_object();
	if (!type) {
		log_error("engine_kick: unknown job type '%s'", type_name);
		json_decref(args);
		return;
	}
	pthread_mutex_lock(&eng.lock);
	for (job = eng.head; job; job = job->next) {
		int64_t id = job->id;
		char *text = NULL;

		if (job->type != type || job->waiter)
			continue;
		if (type->merge_args) {
			type->merge_args(job->args, args);
			if (id)
				text = json_dumps(job->args, JSON_COMPACT);
		}
		/*
		 * Debounce: push the start back, but never past five delays
		 * after the first kick, so a steady stream of triggers
		 * cannot starve the job.
		 */
		if (now + delay_ms > job->not_before_ms) {
			int64_t cap =
				job->kicked_first_ms + 5 * (int64_t)delay_ms;

			job->not_before_ms =
				now + delay_ms < cap ? now + delay_ms : cap;
		}
		pthread_mutex_unlock(&eng.lock);
		json_decref(args);
		/*
		 * The row keeps the merged args, so a job run again after a
		 * crash still has every reason.  Off the lock: db I/O may
		 * block; a job that has started since has them in memory.
		 */
		if (text) {
			struct db *db = db_thread();

			if (db && store_job_set_args(db, id, text, &err) < 0)
				log_error("cannot update job %lld: %s",
					  (long long)id, err.buf);
			free(text);
			strbuf_release(&err);
		}
		return;
	}
	pthread_mutex_unlock(&eng.lock);

	job = xcalloc(1, sizeof(*job));
	job->type = type;
	job->args = args;
	job->kicked_first_ms = now;
	job->not_before_ms = delay_ms ? now + delay_ms : 0;
	/* The row is written here, off the lock: db I/O may block. */
	job->id = job_row_insert(type, args, &err);
	if (job->id < 0) {
		log_error("cannot queue job '%s': %s", type_name, err.buf);
		strbuf_release(&err);
		job_free(job);
		return;
	}
	pthread_mutex_lock(&eng.lock);
	queue_append(job);
	pthread_mutex_unlock(&eng.lock);
	strbuf_release(&err);
}

void engine_every(const char *type_name, unsigned int interval_ms)
{
	const struct job_type *type = find_type(type_name);
	size_t i;

	if (!type)
		return;
	pthread_mutex_lock(&eng.lock);
	for (i = 0; i < eng.nr_periodic; i++)
		if (eng.periodic[i].type == type)
			break;
	if (!interval_ms) {
		if (i < eng.nr_periodic) {
			eng.periodic[i] = eng.periodic[--eng.nr_periodic];
		}
	} else if (i < ARRAY_SIZE(eng.periodic)) {
		if (i == eng.nr_periodic)
			eng.nr_periodic++;
		eng.periodic[i].type = type;
		eng.periodic[i].interval_ms = interval_ms;
		eng.periodic[i].next_ms = now_ms() + interval_ms;
	}
	pthread_cond_signal(&eng.wake);
	pthread_mutex_unlock(&eng.lock);
}

json_t *engine_runs(void)
{
	json_t *runs = json_object();
	size_t i;

	pthread_mutex_lock(&eng.lock);
	for (i = 0; i < eng.nr_types; i++)
		if (eng.runs[i])
			json_object_set_new(runs, eng.types[i]->name,
					    json_integer(
						    (json_int_t)eng.runs[i]));
	pthread_mutex_unlock(&eng.lock);
	return runs;
}

json_t *engine_current(void)
{
	json_t *cur = NULL;

	pthread_mutex_lock(&eng.lock);
	if (eng.cur_type) {
		cur = json_pack("{s:I, s:s, s:I}", "id", (json_int_t)eng.cur_id,
				"type", eng.cur_type, "started",
				(json_int_t)eng.cur_started);
		if (eng.cur_progress[0])
			json_object_set_new(cur, "progress",
					    json_string(eng.cur_progress));
	}
	pthread_mutex_unlock(&eng.lock);
	return cur;
}
