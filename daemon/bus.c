/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The change bus (see bus.h): a ring of the latest messages under one
 * lock, a condition that wakes the followers, and a watcher thread that
 * turns database commits into messages.
 *
 * Message ids start from the daemon's start time in microseconds, so that
 * an id a browser kept from an earlier run of the daemon is never taken
 * for one of this run: it is either older than anything kept (resync) or
 * newer than the latest (resync too).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/bus.h"
#include "daemon/db.h"
#include "daemon/store/jobs.h"
#include "daemon/store/row.h"
#include "daemon/store/topics.h"
#include "daemon/topic-json.h"
#include "lib/deadline.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* How many rows of a table one poll publishes at most; then "resync". */
#define BUS_BATCH 200

struct bus_msg {
	uint64_t id;
	char *kind;
	char *data; /* compact JSON, one line */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* signalled on every message and at stop */
	struct bus_msg ring[BUS_RING];
	uint64_t seed; /* ids of this run are > seed */
	uint64_t last; /* the latest id, seed before the first */
	bool stopping;
	bool watching;
	pthread_t thread;
} bus = { .lock = PTHREAD_MUTEX_INITIALIZER };

static pthread_once_t bus_once = PTHREAD_ONCE_INIT;

/* Set before any thread starts, read without the lock after. */
static struct bus_sub {
	char *kind;
	bus_fn fn;
} * subs;
static size_t nr_subs;

struct bus_reader {
	uint64_t pos; /* the last id given to this reader */
	bool greeted;
	bool resync;
};

static void bus_init(void)
{
	pthread_condattr_t attr;
	struct timespec ts;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&bus.cond, &attr);
	pthread_condattr_destroy(&attr);
	clock_gettime(CLOCK_REALTIME, &ts);
	bus.seed = (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	bus.last = bus.seed;
}

/* The oldest id still in the ring; the caller holds bus.lock. */
static uint64_t oldest_kept(void)
{
	if (bus.last - bus.seed <= BUS_RING)
		return bus.seed + 1;
	return bus.last - BUS_RING + 1;
}

void bus_subscribe(const char *kind, bus_fn fn)
{
	subs = xrealloc(subs, (nr_subs + 1) * sizeof(*subs));
	subs[nr_subs].kind = xstrdup(kind);
	subs[nr_subs].fn = fn;
	nr_subs++;
}

static void tell_subscribers(const char *kind, json_t *data)
{
	json_t *empty = NULL;
	size_t i;

	for (i = 0; i < nr_subs; i++) {
		if (strcmp(subs[i].kind, kind))
			continue;
		if (!data && !empty)
			empty = json_object();
		subs[i].fn(kind, data ? data : empty);
	}
	json_decref(empty);
}

void bus_tell(const char *kind, json_t *data)
{
	tell_subscribers(kind, data);
	json_decref(data);
}

void bus_publish(const char *kind, json_t *data)
{
	struct bus_msg *m;
	char *text;

	tell_subscribers(kind, data);
	pthread_once(&bus_once, bus_init);
	text = data ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	if (!text)
		text = xstrdup("{}");

	pthread_mutex_lock(&bus.lock);
	bus.last++;
	m = &bus.ring[bus.last % BUS_RING];
	free(m->kind);
	free(m->data);
	m->id = bus.last;
	m->kind = xstrdup(kind);
	m->data = text;
	pthread_cond_broadcast(&bus.cond);
	pthread_mutex_unlock(&bus.lock);
}

uint64_t bus_last_id(void)
{
	uint64_t id;

	pthread_once(&bus_once, bus_init);
	pthread_mutex_lock(&bus.lock);
	id = bus.last == bus.seed ? 0 : bus.last;
	pthread_mutex_unlock(&bus.lock);
	return id;
}

struct bus_reader *bus_reader_new(uint64_t last_id)
{
	struct bus_reader *r = xcalloc(1, sizeof(*r));

	pthread_once(&bus_once, bus_init);
	pthread_mutex_lock(&bus.lock);
	if (last_id && last_id + 1 >= oldest_kept() && last_id <= bus.last) {
		r->pos = last_id;
	} else {
		r->pos = bus.last;
		r->resync = last_id != 0;
	}
	pthread_mutex_unlock(&bus.lock);
	return r;
}

void bus_reader_free(struct bus_reader *r)
{
	free(r);
}

static void add_event(struct strbuf *out, uint64_t id, const char *kind,
		      const char *data)
{
	strbuf_addf(out, "id: %llu\nevent: %s\ndata: %s\n\n",
		    (unsigned long long)id, kind, data);
}

int bus_reader_next(struct bus_reader *r, struct strbuf *out,
		    unsigned int timeout_ms)
{
	struct timespec deadline;
	size_t len = out->len;
	uint64_t id;

	deadline_after(&deadline, timeout_ms);
	pthread_mutex_lock(&bus.lock);
	if (!r->greeted) {
		/*
		 * Answer at once, so that the follower knows it is
		 * connected, and ask it to come back fast after a cut.
		 */
		r->greeted = true;
		strbuf_addf(out,
			    "retry: 1000\nid: %llu\nevent: hello\n"
			    "data: {\"id\":%llu}\n\n",
			    (unsigned long long)r->pos,
			    (unsigned long long)r->pos);
	}
	while (!bus.stopping && !r->resync && r->pos >= bus.last &&
	       out->len == len) {
		if (pthread_cond_timedwait(&bus.cond, &bus.lock, &deadline) ==
		    ETIMEDOUT)
			break;
	}
	if (bus.stopping) {
		pthread_mutex_unlock(&bus.lock);
		return ERR_UNAVAILABLE;
	}
	if (r->pos < bus.last && r->pos + 1 < oldest_kept())
		r->resync = true;
	if (r->resync) {
		r->resync = false;
		r->pos = bus.last;
		add_event(out, r->pos, "resync", "{}");
	}
	for (id = r->pos + 1; id <= bus.last; id++) {
		struct bus_msg *m = &bus.ring[id % BUS_RING];

		add_event(out, m->id, m->kind, m->data);
	}
	r->pos = bus.last;
	pthread_mutex_unlock(&bus.lock);
	if (out->len == len)
		strbuf_addstr(out, ": keepalive\n\n");
	return 0;
}

/*
 * Publish the moves with id > *mark as "topic" messages, the jobs that
 * ended with id > *mark as "job" messages, at most BUS_BATCH (then a
 * "resync"), and move *mark to the last id seen.  Each returns how many,
 * or -1 when the read failed (the table may not exist yet).
 */
static int publish_events(struct db *db, int64_t *mark)
{
	struct strbuf err = STRBUF_INIT;
	struct store_event_list events;
	size_t i;

	if (store_events_list(db, NULL, *mark, BUS_BATCH, false, &events,
			      &err) < 0) {
		log_debug("bus: %s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	for (i = 0; i < events.nr; i++) {
		*mark = events.v[i].id;
		bus_publish("topic", topic_event_json(&events.v[i]));
	}
	if (events.nr >= BUS_BATCH)
		bus_publish("resync", NULL);
	store_event_list_release(&events);
	return (int)i;
}

static int publish_jobs(struct db *db, int64_t *mark)
{
	struct strbuf err = STRBUF_INIT;
	struct store_job_list jobs;
	size_t i;

	if (store_jobs_ended_since(db, *mark, BUS_BATCH, &jobs, &err) < 0) {
		log_debug("bus: %s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	for (i = 0; i < jobs.nr; i++) {
		const struct store_job *j = &jobs.v[i];

		*mark = j->id;
		bus_publish("job", json_pack("{s:I, s:s?, s:s?, s:s?, s:o}",
					     "id", (json_int_t)j->id, "type",
					     j->type, "state", j->state,
					     "error", j->error, "finished_at",
					     store_json_int(j->finished_at)));
	}
	if (jobs.nr >= BUS_BATCH)
		bus_publish("resync", NULL);
	store_job_list_release(&jobs);
	return (int)i;
}

/*
 * The watcher: PRAGMA data_version changes when another connection
 * commits, which every change the engine makes does; a poll costs one
 * cheap statement on a connection of this thread's own.
 */
static void *bus_watch(void *arg)
{
	struct strbuf err = STRBUF_INIT;
	int64_t version = -1, v, events_mark, jobs_mark;
	struct timespec deadline;
	struct db *db = db_thread();

	if (!db) {
		log_error(
			"bus: no database connection; the event stream tells only what modules publish");
		return NULL;
	}
	if (store_events_last_id(db, &events_mark, NULL) < 0)
		events_mark = 0;
	if (store_jobs_last_ended(db, &jobs_mark, NULL) < 0)
		jobs_mark = 0;
	db_data_version(db, &version, &err);

	pthread_mutex_lock(&bus.lock);
	while (!bus.stopping) {
		int n = 0, m;

		deadline_after(&deadline, BUS_POLL_MS);
		while (!bus.stopping &&
		       pthread_cond_timedwait(&bus.cond, &bus.lock,
					      &deadline) != ETIMEDOUT)
			;
		if (bus.stopping)
			break;
		pthread_mutex_unlock(&bus.lock);

		strbuf_reset(&err);
		if (db_data_version(db, &v, &err)) {
			log_warn("bus: %s", err.buf);
		} else if (v != version) {
			version = v;
			m = publish_events(db, &events_mark);
			n += m > 0 ? m : 0;
			m = publish_jobs(db, &jobs_mark);
			n += m > 0 ? m : 0;
			if (!n)
				bus_publish("change", NULL);
		}
		pthread_mutex_lock(&bus.lock);
	}
	pthread_mutex_unlock(&bus.lock);
	strbuf_release(&err);
	db_thread_exit();
	return NULL;
}

int bus_start(struct strbuf *err)
{
	int rc;

	pthread_once(&bus_once, bus_init);
	pthread_mutex_lock(&bus.lock);
	bus.stopping = false;
	rc = pthread_create(&bus.thread, NULL, bus_watch, NULL);
	bus.watching = !rc;
	pthread_mutex_unlock(&bus.lock);
	if (rc)
		return error_set(err, -rc, "cannot start the event watcher: %s",
				 strerror(rc));
	return 0;
}

void bus_stop(void)
{
	bool join;
	size_t i;

	pthread_once(&bus_once, bus_init);
	pthread_mutex_lock(&bus.lock);
	bus.stopping = true;
	join = bus.watching;
	bus.watching = false;
	pthread_cond_broadcast(&bus.cond);
	pthread_mutex_unlock(&bus.lock);
	if (join)
		pthread_join(bus.thread, NULL);
	pthread_mutex_lock(&bus.lock);
	for (i = 0; i < BUS_RING; i++) {
		free(bus.ring[i].kind);
		free(bus.ring[i].data);
		bus.ring[i].kind = bus.ring[i].data = NULL;
	}
	pthread_mutex_unlock(&bus.lock);
}
