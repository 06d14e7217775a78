// SPDX-License-Identifier: GPL-2.0
/*
 * Intake: the Maildir of [intake] maildir, read by a thread of its own.
 * Every INTAKE_SCAN_MS the thread takes what is in new/: each file is
 * read (not through a symbolic link, at most [intake] max-mail-size
 * bytes), parsed on this thread by series_submit(), and ingested by one
 * "submit" job on the engine, then moved to cur/ as a mail reader does.
 * Parsing a hostile mail costs this thread, never the engine: applies,
 * rebuilds and pokes go on meanwhile.  A file the engine did not take
 * because cthulhud stops stays in new/ for the next start (its messages
 * taken so far are duplicates then).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/engine.h"
#include "lib/deadline.h"
#include "lib/error.h"
#include "daemon/intake.h"
#include "lib/log.h"
#include "daemon/series.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define INTAKE_SCAN_MS 2000

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool running, stopping;
} in = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static bool stopping(void)
{
	bool s;

	pthread_mutex_lock(&in.lock);
	s = in.stopping;
	pthread_mutex_unlock(&in.lock);
	return s || engine_stopping();
}

/* Move new/NAME to cur/NAME:2, as a mail reader does once it has seen it. */
static void maildir_done(const char *dir, const char *name)
{
	struct strbuf from = STRBUF_INIT, to = STRBUF_INIT;

	strbuf_addf(&from, "%s/new/%s", dir, name);
	strbuf_addf(&to, "%s/cur/%s%s", dir, name,
		    strchr(name, ':') ? "" : ":2,");
	if (rename(from.buf, to.buf) < 0) {
		log_error("intake: cannot move %s to %s: %s", from.buf, to.buf,
			  strerror(errno));
		/* Do not read it again and again. */
		unlink(from.buf);
	}
	strbuf_release(&from);
	strbuf_release(&to);
}

/*
 * Read the mail at path, at most max bytes: a symbolic link is not
 * followed, and what is not a regular file (a FIFO would block the
 * thread) or is over max is refused.
 */
static int intake_read(const char *path, size_t max, struct strbuf *buf,
		       struct strbuf *err)
{
	struct stat st;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, -errno,
				 errno == ELOOP ?
					 "a symbolic link, not followed; refused" :
					 "cannot open: %s",
				 strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = error_set(err, ERR_INVALID,
				"not a regular file; refused");
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		ret = error_set(err, ERR_TOO_LARGE,
				"%jd bytes, over [intake] max-mail-size "
				"(%zu); refused",
				(intmax_t)st.st_size, max);
		goto out;
	}
	/* Read one byte more than max, to see a file that grew. */
	strbuf_grow(buf, (size_t)st.st_size + 1);
	while (buf->len <= max) {
		size_t room, want = max + 1 - buf->len;

		strbuf_grow(buf, 1);
		room = buf->alloc - buf->len - 1;
		n = read(fd, buf->buf + buf->len, room < want ? room : want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = error_set(err, -errno, "cannot read: %s",
					strerror(errno));
			goto out;
		}
		if (!n)
			break;
		strbuf_setlen(buf, buf->len + n);
	}
	if (buf->len > max)
		ret = error_set(err, ERR_TOO_LARGE,
				"over [intake] max-mail-size (%zu); refused",
				max);
out:
	close(fd);
	return ret;
}

/*
 * The Maildir of the current config, absolute (a relative one is taken
 * from the config file's folder), and its size cap; false when unset.
 */
static bool maildir_of_config(struct strbuf *dir, size_t *max)
{
	const struct config *cfg = daemon_config_get();
	const char *conf = config_get(cfg, "intake.maildir");
	bool set = conf && *conf;

	if (set && conf[0] != '/' && cfg->path) {
		char *cp = xstrdup(cfg->path);

		strbuf_addf(dir, "%s/", dirname(cp));
		free(cp);
	}
	if (set)
		strbuf_addstr(dir, conf);
	*max = cfg->intake_max_mail;
	daemon_config_put();
	return set;
}

/* Take one file of new/; false when cthulhud stops and it must stay. */
static bool take(const char *dir, const char *name, size_t max)
{
	struct strbuf path = STRBUF_INIT, buf = STRBUF_INIT;
	struct strbuf err = STRBUF_INIT;
	json_t *res = NULL, *msgs;
	bool taken = true;
	int ret;

	strbuf_addf(&path, "%s/new/%s", dir, name);
	ret = intake_read(path.buf, max, &buf, &err);
	if (ret == -ENOENT)
		goto out; /* taken by someone else meanwhile */
	if (!ret)
		ret = series_submit(buf.buf, buf.len, MBOX_AUTO, &res, &err);
	if (ret == ERR_UNAVAILABLE) {
		/* Cut short by a stop: read it again next time. */
		log_info("intake: %s: %s", name, err.buf);
		taken = false;
		goto out;
	}
	msgs = json_object_get(res, "messages");
	if (ret < 0)
		log_warn("intake: %s: %s", name, err.buf);
	else
		log_info("intake: %s: %d ingested, %d duplicates", name,
			 (int)json_integer_value(
				 json_object_get(msgs, "ingested")),
			 (int)json_integer_value(
				 json_object_get(msgs, "duplicates")));
	maildir_done(dir, name);
out:
	json_decref(res);
	strbuf_release(&path);
	strbuf_release(&buf);
	strbuf_release(&err);
	return taken;
}

static void scan(void)
{
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT;
	struct dirent *de;
	size_t max;
	DIR *d;

	if (!maildir_of_config(&dir, &max))
		goto out;
	strbuf_addf(&path, "%s/new", dir.buf);
	d = opendir(path.buf);
	if (!d)
		goto out;
	while ((de = readdir(d)) && !stopping())
		if (de->d_name[0] != '.' && !take(dir.buf, de->d_name, max))
			break;
	closedir(d);
out:
	strbuf_release(&dir);
	strbuf_release(&path);
}

static void *intake_thread(void *arg)
{
	struct timespec until;

	(void)arg;
	pthread_mutex_lock(&in.lock);
	while (!in.stopping) {
		pthread_mutex_unlock(&in.lock);
		scan();
		deadline_after(&until, INTAKE_SCAN_MS);
		pthread_mutex_lock(&in.lock);
		if (!in.stopping)
			pthread_cond_timedwait(&in.wake, &in.lock, &until);
	}
	pthread_mutex_unlock(&in.lock);
	return NULL;
}

int intake_start(struct strbuf *err)
{
	pthread_condattr_t attr;
	int ret;

	in.stopping = false;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&in.wake, &attr);
	pthread_condattr_destroy(&attr);
	ret = pthread_create(&in.thread, NULL, intake_thread, NULL);
	if (ret)
		return error_set(err, -ret,
				 "cannot start the intake thread: %s",
				 strerror(ret));
	in.running = true;
	return 0;
}

void intake_stop(void)
{
	if (!in.running)
		return;
	pthread_mutex_lock(&in.lock);
	in.stopping = true;
	pthread_cond_broadcast(&in.wake);
	pthread_mutex_unlock(&in.lock);
	pthread_join(in.thread, NULL);
	pthread_cond_destroy(&in.wake);
	in.running = false;
}
