// SPDX-License-Identifier: GPL-2.0
/*
 * The inboxes of [inbox "NAME"], followed by a thread of their own (see
 * inbox.h).  Why git and not new.atom: the epochs are the inbox itself,
 * every message once, in the order public-inbox took them, and libgit2
 * fetches only what is new (a poll with nothing new is two ref
 * advertisements: the newest epoch's and the 404 of the one after); the
 * feed holds only the latest messages, so
 * a poll that comes late misses mail, and it would need an HTTP client
 * the daemon does not link.  New epochs are found by fetching the one
 * after the newest (a 404 means it has not started), not by reading
 * manifest.js.gz, which is gzip over plain HTTP.
 *
 * The thread keeps every inbox's mirror to itself; a thread look-up
 * (inbox_fetch_thread()) is a request the thread serves between polls.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon/bus.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/inbox-git.h"
#include "daemon/inbox.h"
#include "daemon/jobs.h"
#include "daemon/mail.h"
#include "daemon/series.h"
#include "daemon/store/inbox.h"
#include "daemon/testhook.h"
#include "lib/deadline.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define INBOX_TICK_MS 1000
/* Messages per "submit" job and per move of the cursor. */
#define INBOX_BATCH 64
/* Reading a message's ids must not take longer than the intake's parse. */
#define INBOX_PARSE_BUDGET_MS 1000

/* One inbox as the thread follows it: a copy of its config. */
struct inbox {
	char *name;
	char *url;
	bool local;
	unsigned int poll, timeout, backfill;
};

struct lookup {
	const char *msgid;
	json_t *result;
	struct strbuf err;
	int ret;
	bool done;
	struct lookup *next;
};

struct status_entry {
	struct inbox_status st;
	struct timespec due; /* next poll, CLOCK_MONOTONIC */
	bool due_set;
};

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake, answered;
	bool running, stopping;
	struct lookup *lookups;
	struct status_entry *status;
	size_t nr_status;
} ib = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool stopping(void)
{
	bool s;

	pthread_mutex_lock(&ib.lock);
	s = ib.stopping;
	pthread_mutex_unlock(&ib.lock);
	return s || engine_stopping();
}

/* --- the inboxes of the config and their status ------------------------ */

static void inboxes_free(struct inbox *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(v[i].name);
		free(v[i].url);
	}
	free(v);
}

/* A copy of the current config's inboxes, and its state dir. */
static struct inbox *inboxes_of_config(size_t *nr, char **state_dir)
{
	const struct config *cfg = daemon_config_get();
	struct inbox *v;
	size_t i;

	*nr = cfg->nr_inboxes;
	v = xcalloc(*nr ? *nr : 1, sizeof(*v));
	for (i = 0; i < *nr; i++) {
		v[i].name = xstrdup(cfg->inboxes[i].name);
		v[i].url = xstrdup(cfg->inboxes[i].url);
		v[i].local = cfg->inboxes[i].local;
		v[i].poll = cfg->inboxes[i].poll;
		v[i].timeout = cfg->inboxes[i].timeout;
		v[i].backfill = cfg->inboxes[i].backfill;
	}
	/* The state dir of this run: a reload does not move it. */
	*state_dir = xstrdup(the_daemon.state_dir);
	daemon_config_put();
	return v;
}

/* The status entry of name, made when missing; with ib.lock held. */
static struct status_entry *status_of(const char *name)
{
	struct status_entry *s;
	size_t i;

	for (i = 0; i < ib.nr_status; i++)
		if (!strcmp(ib.status[i].st.name, name))
			return &ib.status[i];
	ib.status =
		xrealloc(ib.status, (ib.nr_status + 1) * sizeof(*ib.status));
	s = &ib.status[ib.nr_status++];
	memset(s, 0, sizeof(*s));
	s->st.name = xstrdup(name);
	return s;
}

bool inbox_status_get(const char *name, struct inbox_status *out)
{
	bool found = false;
	size_t i;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&ib.lock);
	for (i = 0; i < ib.nr_status; i++) {
		const struct inbox_status *st = &ib.status[i].st;

		if (strcmp(st->name, name))
			continue;
		*out = *st;
		out->name = xstrdup(st->name);
		out->last_error = xstrdup_or_null(st->last_error);
		found = true;
		break;
	}
	pthread_mutex_unlock(&ib.lock);
	return found;
}

void inbox_status_release(struct inbox_status *st)
{
	free(st->name);
	free(st->last_error);
	st->name = st->last_error = NULL;
}

/*
 * Record how a poll of inbox ended: a failure is logged and told on the
 * bus when it is new (not at each poll of a server that stays down), and
 * so is the first poll that works after it.
 */
static void poll_ended(const struct inbox *in, int ret, const char *error,
		       int64_t ingested, int64_t refused)
{
	struct status_entry *s;
	bool news = false;
	char *was = NULL;

	pthread_mutex_lock(&ib.lock);
	s = status_of(in->name);
	s->st.last_poll = time(NULL);
	s->st.ingested += ingested;
	s->st.refused += refused;
	if (ret < 0) {
		news = !s->st.last_error || strcmp(s->st.last_error, error);
		free(s->st.last_error);
		s->st.last_error = xstrdup(error);
	} else {
		s->st.last_ok = s->st.last_poll;
		was = s->st.last_error;
		s->st.last_error = NULL;
	}
	pthread_mutex_unlock(&ib.lock);

	if (news) {
		log_warn("inbox '%s': %s", in->name, error);
		bus_publish("inbox",
			    json_pack("{s:s, s:s, s:s}", "inbox", in->name,
				      "state", "error", "error", error));
	} else if (was) {
		log_info("inbox '%s': read again after: %s", in->name, was);
		bus_publish("inbox", json_pack("{s:s, s:s}", "inbox", in->name,
					       "state", "ok"));
	}
	if (ingested || refused) {
		log_info("inbox '%s': %lld ingested, %lld refused", in->name,
			 (long long)ingested, (long long)refused);
		bus_publish("inbox", json_pack("{s:s, s:s, s:I, s:I}", "inbox",
					       in->name, "state", "read",
					       "ingested", (json_int_t)ingested,
					       "refused", (json_int_t)refused));
	}
	free(was);
}

/* --- reading an epoch --------------------------------------------------- */

static void mirror_path(struct strbuf *sb, const char *state_dir,
			const char *inbox, int64_t epoch)
{
	strbuf_addf(sb, "%s/inbox/%s/%lld.git", state_dir, inbox,
		    (long long)epoch);
}

/* Where public-inbox serves the epoch: BASE/N, or DIR/git/N.git. */
static void epoch_url(struct strbuf *sb, const struct inbox *in, int64_t epoch)
{
	if (in->local)
		strbuf_addf(sb, "%s/git/%lld.git", in->url, (long long)epoch);
	else
		strbuf_addf(sb, "%s%lld", in->url, (long long)epoch);
}

static void mkdir_p(const char *path)
{
	char *p = xstrdup(path), *s;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0700);
		*s = '/';
	}
	mkdir(p, 0700);
	free(p);
}

/* Append msg to an mboxrd: a "From " line, and ">From " lines escaped. */
static void mboxrd_add(struct strbuf *mbox, const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;

	strbuf_addstr(mbox, "From mboxrd@z Thu Jan  1 00:00:00 1970\n");
	while (p < end) {
		const char *eol = memchr(p, '\n', end - p), *q = p;
		size_t n = eol ? (size_t)(eol - p + 1) : (size_t)(end - p);

		while (q < p + n && *q == '>')
			q++;
		if ((size_t)(p + n - q) >= 5 && !memcmp(q, "From ", 5))
			strbuf_addch(mbox, '>');
		strbuf_add(mbox, p, n);
		p += n;
	}
	if (len && msg[len - 1] != '\n')
		strbuf_addch(mbox, '\n');
}

/*
 * The ids of a message for the thread index: its Message-ID and its
 * thread's root (the oldest id it refers to, else its own).  NULL, with
 * err set, for mail that does not parse.
 */
static json_t *message_ids(const char *raw, size_t len, const char *blob,
			   struct strbuf *err)
{
	static const struct mail_opts opts = {
		.budget_ms = INBOX_PARSE_BUDGET_MS,
	};
	struct mail *m = NULL;
	const char *root;
	json_t *ids;

	if (mail_parse_opts(raw, len, &opts, &m, err) < 0)
		return NULL;
	root = m->nr_references ? m->references[m->nr_references - 1] :
				  m->message_id;
	ids = json_pack("[s, s, s]", m->message_id, root, blob);
	if (!ids)
		error_set(err, ERR_UNPROCESSABLE,
			  "its Message-ID is not UTF-8");
	mail_free(m);
	return ids;
}

/* One read of an inbox: what it may take, and what it took. */
struct reading {
	const struct inbox *in;
	const char *state_dir;
	bool follow;   /* submit the messages too: the inbox is polled */
	size_t max;    /* [intake] max-mail-size */
	int64_t since; /* mail the inbox took before this is not submitted */
	int64_t ingested, refused;
};

/*
 * Take commits c[0, nr) of the epoch: index each message, submit them
 * when the inbox is followed, then move the cursor to the last one.
 */
static int take_batch(struct reading *r, int64_t epoch, const char *mirror,
		      const struct inbox_git_commit *c, size_t nr,
		      struct strbuf *err)
{
	struct strbuf mbox = STRBUF_INIT, raw = STRBUF_INIT;
	struct strbuf merr = STRBUF_INIT;
	json_t *index = json_array(), *res = NULL, *args;
	size_t i, n = 0;
	int ret = 0;

	for (i = 0; i < nr && !ret; i++) {
		json_t *ids;

		strbuf_reset(&raw);
		strbuf_reset(&merr);
		ret = inbox_git_blob(mirror, c[i].blob, &raw, err);
		if (ret < 0)
			break;
		if (raw.len > r->max) {
			log_warn("inbox '%s': message %s of epoch %lld: %zu "
				 "bytes, over [intake] max-mail-size (%zu); "
				 "refused",
				 r->in->name, c[i].blob, (long long)epoch,
				 raw.len, r->max);
			r->refused++;
			continue;
		}
		ids = message_ids(raw.buf, raw.len, c[i].blob, &merr);
		if (ids)
			json_array_append_new(index, ids);
		else
			log_warn("inbox '%s': message %s of epoch %lld: %s",
				 r->in->name, c[i].blob, (long long)epoch,
				 merr.buf);
		if (r->follow && c[i].time >= r->since) {
			mboxrd_add(&mbox, raw.buf, raw.len);
			n++;
		}
	}
	if (ret < 0)
		goto out;
	if (n) {
		json_t *msgs;

		ret = series_submit(mbox.buf, mbox.len, MBOX_MBOXRD, &res, err);
		/* Mail that nothing can be taken of stays refused. */
		if (ret == ERR_UNPROCESSABLE)
			ret = 0;
		if (ret < 0)
			goto out;
		msgs = json_object_get(res, "messages");
		r->ingested +=
			json_integer_value(json_object_get(msgs, "ingested"));
		r->refused += json_array_size(json_object_get(msgs, "errors"));
	}
	testhook_crash("inbox-submitted");
	args = json_pack("{s:s, s:I, s:s, s:I, s:O}", "inbox", r->in->name,
			 "epoch", (json_int_t)epoch, "commit", c[nr - 1].hex,
			 "since", (json_int_t)r->since, "messages", index);
	ret = engine_run(JOB_INBOX_ADVANCE, args, NULL, err);
out:
	json_decref(index);
	json_decref(res);
	strbuf_release(&mbox);
	strbuf_release(&raw);
	strbuf_release(&merr);
	return ret;
}

/* The cursor of the epoch into hex ("" for none), the newest with one. */
static int epoch_cursor(const char *inbox, int64_t epoch, struct strbuf *hex,
			int64_t *newest, struct strbuf *err)
{
	struct store_inbox_epoch_list list;
	struct db *db = db_thread();
	size_t i;
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = store_inbox_epochs(db, inbox, &list, err);
	if (ret < 0)
		return ret;
	*newest = 0;
	for (i = 0; i < list.nr; i++) {
		if (list.v[i].epoch == epoch && list.v[i].last_commit)
			strbuf_addstr(hex, list.v[i].last_commit);
		if (list.v[i].epoch > *newest)
			*newest = list.v[i].epoch;
	}
	store_inbox_epoch_list_release(&list);
	return 0;
}

/* Fetch the epoch and take what is new in it. */
static int read_epoch(struct reading *r, int64_t epoch, struct strbuf *err)
{
	struct strbuf mirror = STRBUF_INIT, url = STRBUF_INIT;
	struct strbuf since = STRBUF_INIT;
	struct inbox_git_commit *c = NULL;
	int64_t newest;
	size_t nr = 0, i;
	int ret;

	strbuf_addf(&mirror, "%s/inbox/%s", r->state_dir, r->in->name);
	mkdir_p(mirror.buf);
	strbuf_reset(&mirror);
	mirror_path(&mirror, r->state_dir, r->in->name, epoch);
	epoch_url(&url, r->in, epoch);
	ret = inbox_git_fetch(mirror.buf, url.buf, r->in->timeout, stopping,
			      err);
	if (ret < 0)
		goto out;
	ret = epoch_cursor(r->in->name, epoch, &since, &newest, err);
	if (ret < 0)
		goto out;
	ret = inbox_git_new_commits(mirror.buf, since.buf, &c, &nr, err);
	for (i = 0; !ret && i < nr; i += INBOX_BATCH) {
		size_t n = nr - i < INBOX_BATCH ? nr - i : INBOX_BATCH;

		if (stopping()) {
			ret = error_set(err, ERR_UNAVAILABLE, "cthulhud stops");
			break;
		}
		ret = take_batch(r, epoch, mirror.buf, c + i, n, err);
	}
out:
	free(c);
	strbuf_release(&mirror);
	strbuf_release(&url);
	strbuf_release(&since);
	return ret;
}

/*
 * Where the inbox's mail starts to be submitted: recorded at its first
 * read ([inbox] backfill days before it), so that a read cut short
 * goes on from the same place.
 */
static int inbox_since(const struct inbox *in, int64_t *since,
		       struct strbuf *err)
{
	struct db *db = db_thread();
	int ret;

	if (!db)
		return error_set(err, -EIO, "no database connection");
	ret = store_inbox_since(db, in->name, since, err);
	if (ret == -ENOENT) {
		*since = (int64_t)time(NULL) - (int64_t)in->backfill * 86400;
		ret = 0;
	}
	return ret;
}

/*
 * Bring the inbox up to date: from its newest epoch with a cursor on,
 * until an epoch that does not exist yet.  follow: submit the messages
 * too (an inbox that is polled); else only index them.
 */
static int read_inbox(const struct inbox *in, const char *state_dir,
		      bool follow, struct strbuf *err)
{
	struct reading r = { .in = in,
			     .state_dir = state_dir,
			     .follow = follow };
	struct strbuf none = STRBUF_INIT;
	int64_t epoch, newest = 0;
	int ret;

	r.max = daemon_config_get()->intake_max_mail;
	daemon_config_put();
	ret = inbox_since(in, &r.since, err);
	if (!ret)
		ret = epoch_cursor(in->name, -1, &none, &newest, err);
	strbuf_release(&none);
	for (epoch = newest; !ret; epoch++) {
		strbuf_reset(err);
		ret = read_epoch(&r, epoch, err);
		/* The epoch after the newest has not started: done. */
		if (ret == ERR_NOT_FOUND && epoch > newest) {
			ret = 0;
			break;
		}
	}
	if (ret == ERR_UNAVAILABLE)
		return ret;
	poll_ended(in, ret, err->buf, r.ingested, r.refused);
	return ret;
}

/* --- thread look-ups ----------------------------------------------------- */

/* Find the thread of msgid in the mirrors and submit it. */
static int lookup_thread(const char *msgid, const struct inbox *v, size_t nr,
			 const char *state_dir, json_t **result,
			 struct strbuf *err)
{
	struct store_inbox_msg_list list = { 0 };
	struct strbuf mbox = STRBUF_INIT, raw = STRBUF_INIT;
	struct strbuf path = STRBUF_INIT, failed = STRBUF_INIT;
	struct strbuf ierr = STRBUF_INIT;
	json_t *seen = json_object(), *names = json_array();
	struct db *db;
	size_t i, n = 0;
	int ret = 0;

	*result = NULL;
	if (!nr) {
		ret = error_set(err, ERR_INVALID,
				"no [inbox] is configured to look '%s' up in",
				msgid);
		goto out;
	}
	for (i = 0; i < nr; i++) {
		strbuf_reset(&ierr);
		ret = read_inbox(&v[i], state_dir, v[i].poll > 0, &ierr);
		if (ret == ERR_UNAVAILABLE) {
			ret = error_set(err, ret, "cthulhud stops");
			goto out;
		}
		if (ret < 0)
			strbuf_addf(&failed, "%s'%s': %s",
				    failed.len ? "; " : "", v[i].name,
				    ierr.buf);
	}
	db = db_thread();
	ret = db ? store_inbox_thread(db, msgid, &list, err) :
		   error_set(err, -EIO, "no database connection");
	if (ret < 0)
		goto out;
	for (i = 0; i < list.nr; i++) {
		const struct store_inbox_msg *m = &list.v[i];

		if (json_object_get(seen, m->msgid))
			continue; /* the same mail in another inbox */
		strbuf_reset(&path);
		strbuf_reset(&raw);
		mirror_path(&path, state_dir, m->inbox, m->epoch);
		ret = inbox_git_blob(path.buf, m->blob, &raw, err);
		if (ret < 0)
			goto out;
		json_object_set_new(seen, m->msgid, json_true());
		mboxrd_add(&mbox, raw.buf, raw.len);
		n++;
		if (!json_array_size(names) ||
		    strcmp(json_string_value(
				   json_array_get(names,
						  json_array_size(names) - 1)),
			   m->inbox))
			json_array_append_new(names, json_string(m->inbox));
	}
	if (!n) {
		ret = error_set(err, ERR_NOT_FOUND,
				"no message '%s' in the inboxes%s%s", msgid,
				failed.len ? " that could be read; " : "",
				failed.buf);
		goto out;
	}
	ret = series_submit(mbox.buf, mbox.len, MBOX_MBOXRD, result, err);
	if (ret < 0 && ret != ERR_UNPROCESSABLE)
		goto out;
	ret = 0;
	if (!*result)
		*result = json_object();
	json_object_set_new(*result, "thread",
			    json_pack("{s:s, s:I, s:O}", "root", list.v[0].root,
				      "messages", (json_int_t)n, "inboxes",
				      names));
out:
	store_inbox_msg_list_release(&list);
	json_decref(seen);
	json_decref(names);
	strbuf_release(&mbox);
	strbuf_release(&raw);
	strbuf_release(&path);
	strbuf_release(&failed);
	strbuf_release(&ierr);
	return ret;
}

static void serve_lookups(void)
{
	struct inbox *v = NULL;
	char *state_dir = NULL;
	size_t nr = 0;

	for (;;) {
		struct lookup *l;

		pthread_mutex_lock(&ib.lock);
		l = ib.lookups;
		if (l)
			ib.lookups = l->next;
		pthread_mutex_unlock(&ib.lock);
		if (!l)
			break;
		if (!v)
			v = inboxes_of_config(&nr, &state_dir);
		l->ret = lookup_thread(l->msgid, v, nr, state_dir, &l->result,
				       &l->err);
		pthread_mutex_lock(&ib.lock);
		l->done = true;
		pthread_cond_broadcast(&ib.answered);
		pthread_mutex_unlock(&ib.lock);
	}
	if (v)
		inboxes_free(v, nr);
	free(state_dir);
}

int inbox_fetch_thread(const char *msgid, json_t **result, struct strbuf *err)
{
	struct lookup l = { .msgid = msgid, .err = STRBUF_INIT };
	int ret;

	*result = NULL;
	pthread_mutex_lock(&ib.lock);
	if (!ib.running || ib.stopping) {
		pthread_mutex_unlock(&ib.lock);
		return error_set(err, ERR_UNAVAILABLE, "cthulhud stops");
	}
	l.next = ib.lookups;
	ib.lookups = &l;
	pthread_cond_broadcast(&ib.wake);
	while (!l.done)
		pthread_cond_wait(&ib.answered, &ib.lock);
	pthread_mutex_unlock(&ib.lock);
	ret = l.ret;
	if (ret < 0)
		error_set(err, ret, "%s", l.err.buf);
	*result = l.result;
	strbuf_release(&l.err);
	return ret;
}

/* --- the thread ---------------------------------------------------------- */

static bool is_due(const struct inbox *in, const struct timespec *now)
{
	struct status_entry *s;
	bool due;

	pthread_mutex_lock(&ib.lock);
	s = status_of(in->name);
	due = !s->due_set || now->tv_sec > s->due.tv_sec ||
	      (now->tv_sec == s->due.tv_sec && now->tv_nsec >= s->due.tv_nsec);
	if (due) {
		deadline_after(&s->due, (unsigned int)in->poll * 1000);
		s->due_set = true;
	}
	pthread_mutex_unlock(&ib.lock);
	return due;
}

static void poll_inboxes(void)
{
	struct strbuf err = STRBUF_INIT;
	struct timespec now;
	char *state_dir;
	struct inbox *v;
	size_t nr, i;

	v = inboxes_of_config(&nr, &state_dir);
	for (i = 0; i < nr && !stopping(); i++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!v[i].poll || !is_due(&v[i], &now))
			continue;
		strbuf_reset(&err);
		read_inbox(&v[i], state_dir, true, &err);
		serve_lookups();
	}
	inboxes_free(v, nr);
	free(state_dir);
	strbuf_release(&err);
}

static void *inbox_thread(void *arg)
{
	struct timespec until;
	struct lookup *l;

	(void)arg;
	pthread_mutex_lock(&ib.lock);
	while (!ib.stopping) {
		pthread_mutex_unlock(&ib.lock);
		serve_lookups();
		poll_inboxes();
		deadline_after(&until, INBOX_TICK_MS);
		pthread_mutex_lock(&ib.lock);
		if (!ib.stopping && !ib.lookups)
			pthread_cond_timedwait(&ib.wake, &ib.lock, &until);
	}
	/* Those who still wait learn that cthulhud stops. */
	for (l = ib.lookups; l; l = l->next) {
		l->ret = error_set(&l->err, ERR_UNAVAILABLE, "cthulhud stops");
		l->done = true;
	}
	ib.lookups = NULL;
	pthread_cond_broadcast(&ib.answered);
	pthread_mutex_unlock(&ib.lock);
	db_thread_exit();
	return NULL;
}

int inbox_start(struct strbuf *err)
{
	pthread_condattr_t attr;
	int ret;

	ib.stopping = false;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&ib.wake, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&ib.answered, NULL);
	ret = pthread_create(&ib.thread, NULL, inbox_thread, NULL);
	if (ret)
		return error_set(err, -ret, "cannot start the inbox thread: %s",
				 strerror(ret));
	pthread_mutex_lock(&ib.lock);
	ib.running = true;
	pthread_mutex_unlock(&ib.lock);
	return 0;
}

void inbox_stop(void)
{
	size_t i;

	pthread_mutex_lock(&ib.lock);
	if (!ib.running) {
		pthread_mutex_unlock(&ib.lock);
		return;
	}
	ib.stopping = true;
	pthread_cond_broadcast(&ib.wake);
	pthread_mutex_unlock(&ib.lock);
	pthread_join(ib.thread, NULL);
	pthread_cond_destroy(&ib.wake);
	pthread_cond_destroy(&ib.answered);
	/* Requests still served may ask for the status meanwhile. */
	pthread_mutex_lock(&ib.lock);
	for (i = 0; i < ib.nr_status; i++)
		inbox_status_release(&ib.status[i].st);
	free(ib.status);
	ib.status = NULL;
	ib.nr_status = 0;
	ib.running = false;
	pthread_mutex_unlock(&ib.lock);
}

/* --- the job ----------------------------------------------------------- */

int inbox_job_advance(struct job_ctx *ctx, json_t *args, json_t **result,
		      struct strbuf *err)
{
	const char *name = json_string_value(json_object_get(args, "inbox"));
	const char *commit = json_string_value(json_object_get(args, "commit"));
	json_t *msgs = json_object_get(args, "messages"), *m;
	struct store_inbox_msg *v;
	int64_t epoch, since;
	size_t i, nr = 0;
	int ret;

	(void)result;
	if (!name || !commit)
		return error_set(err, ERR_INVALID,
				 "inbox-advance: no inbox or commit");
	v = xcalloc(json_array_size(msgs) + 1, sizeof(*v));
	json_array_foreach(msgs, i, m) {
		const char *id = json_string_value(json_array_get(m, 0));
		const char *root = json_string_value(json_array_get(m, 1));
		const char *blob = json_string_value(json_array_get(m, 2));

		if (!id || !root || !blob)
			continue;
		/* Borrowed from args: v's strings are not freed. */
		v[nr].msgid = (char *)id;
		v[nr].root = (char *)root;
		v[nr].blob = (char *)blob;
		nr++;
	}
	epoch = json_integer_value(json_object_get(args, "epoch"));
	since = json_integer_value(json_object_get(args, "since"));
	ret = store_inbox_advance(ctx->db, name, epoch, commit, since, v, nr,
				  time(NULL), err);
	free(v);
	return ret;
}
