/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ref watcher.  One thread waits on inotify for changes to the loose
 * refs under refs/heads (each folder needs a watch of its own, so folders
 * that appear, such as refs/heads/x86/, are added as they come) and to
 * packed-refs (git writes packed-refs.lock and renames it over, so the git
 * dir itself is watched for that name).  Any change kicks a "topic-scan"
 * job after a short delay, which folds a push of many refs into one scan;
 * the scan, not the event, decides what moved.
 *
 * Every poll_seconds the thread also compares the topics' branches with
 * their recorded tips (a read, no job) and kicks a scan when one differs:
 * the fallback for file systems without inotify (NFS), for watches the
 * kernel refused, and for an event queue that overflowed.
 *
 * In a build with test hooks, CTHULHU_TEST_NO_INOTIFY=1 leaves inotify
 * out (testhook.h), for the tests of the poll and of pokes.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/jobs.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "daemon/testhook.h"
#include "daemon/topic.h"
#include "daemon/watch.h"
#include "lib/xalloc.h"

/* Long enough for one push's burst of ref updates, short for a person. */
#define WATCH_DEBOUNCE_MS 100

#define HEADS_MASK                                             \
	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
	 IN_CLOSE_WRITE | IN_ONLYDIR)
#define GITDIR_MASK \
	(IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_ONLYDIR)

struct watch_dir {
	int wd;
	char *path;
};

struct watch {
	char *gitdir;
	char *refs;  /* gitdir/refs, watched for "heads" appearing */
	char *heads; /* gitdir/refs/heads */
	unsigned int poll_seconds;
	int ifd;     /* inotify, -1 when off */
	int stop_fd; /* eventfd: watch_stop() was called */
	int gitdir_wd, refs_wd;
	struct watch_dir *dirs; /* refs/heads and the folders below it */
	size_t nr_dirs, alloc_dirs;
	char *last_poll_error; /* to log a failing poll once, not each time */
	pthread_t thread;
	bool running;
};

static struct watch the_watch = { .ifd = -1, .stop_fd = -1 };

static const char *dir_path(struct watch *w, int wd)
{
	size_t i;

	for (i = 0; i < w->nr_dirs; i++)
		if (w->dirs[i].wd == wd)
			return w->dirs[i].path;
	return NULL;
}

static void forget_dir(struct watch *w, int wd)
{
	size_t i;

	for (i = 0; i < w->nr_dirs; i++) {
		if (w->dirs[i].wd != wd)
			continue;
		free(w->dirs[i].path);
		w->dirs[i] = w->dirs[--w->nr_dirs];
		return;
	}
}

/*
 * Watch path and every folder below it.  A folder that vanished in the
 * meantime is no error (git removes emptied ref folders); a refused watch
 * (the user's inotify limit) is logged and left to the poll.
 */
static void watch_tree(struct watch *w, const char *path)
{
	struct strbuf sub = STRBUF_INIT;
	struct dirent *de;
	DIR *dir;
	int wd;

	wd = inotify_add_watch(w->ifd, path, HEADS_MASK);
	if (wd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			log_warn("cannot watch '%s': %s; relying on the poll",
				 path, strerror(errno));
		return;
	}
	if (!dir_path(w, wd)) {
		if (w->nr_dirs == w->alloc_dirs) {
			w->alloc_dirs = w->alloc_dirs ? 2 * w->alloc_dirs : 16;
			w->dirs = xrealloc(w->dirs,
					   w->alloc_dirs * sizeof(*w->dirs));
		}
		w->dirs[w->nr_dirs].wd = wd;
		w->dirs[w->nr_dirs].path = xstrdup(path);
		w->nr_dirs++;
	}

	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s/%s", path, de->d_name);
		if (de->d_type == DT_DIR ||
		    (de->d_type == DT_UNKNOWN && !lstat(sub.buf, &st) &&
		     S_ISDIR(st.st_mode)))
			watch_tree(w, sub.buf);
	}
	closedir(dir);
	strbuf_release(&sub);
}

/* (Re-)add every watch; adding an existing watch is harmless. */
static void watch_all(struct watch *w)
{
	w->gitdir_wd = inotify_add_watch(w->ifd, w->gitdir, GITDIR_MASK);
	if (w->gitdir_wd < 0)
		log_warn("cannot watch '%s': %s; relying on the poll",
			 w->gitdir, strerror(errno));
	w->refs_wd = inotify_add_watch(w->ifd, w->refs,
				       IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
	watch_tree(w, w->heads);
}

static void kick_scan(const char *source)
{
	engine_kick(JOB_TOPIC_SCAN, json_pack("{s:s}", "source", source),
		    WATCH_DEBOUNCE_MS);
}

/* Handle one inotify event; true when it may be a ref change. */
static bool handle_event(struct watch *w, const struct inotify_event *ev)
{
	const char *name = ev->len ? ev->name : "";
	struct strbuf sub = STRBUF_INIT;
	const char *parent;

	if (ev->mask & IN_Q_OVERFLOW) {
		log_warn("inotify queue overflowed; scanning all topics");
		watch_all(w);
		return true;
	}
	if (ev->mask & IN_IGNORED) {
		forget_dir(w, ev->wd);
		return false;
	}
	if (ev->wd == w->gitdir_wd)
		return !strcmp(name, "packed-refs");
	if (ev->wd == w->refs_wd) {
		if (strcmp(name, "heads") || !(ev->mask & IN_ISDIR))
			return false;
		watch_tree(w, w->heads);
		return true;
	}

	parent = dir_path(w, ev->wd);
	if (!parent)
		return false;
	if (ev->mask & IN_ISDIR) {
		/* Watch the new folder before the scan reads it. */
		if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
			strbuf_addf(&sub, "%s/%s", parent, name);
			watch_tree(w, sub.buf);
			strbuf_release(&sub);
		}
		return true;
	}
	/* foo.lock comes and goes; the rename to foo is the change. */
	return !ends_with(name, ".lock");
}

static void read_events(struct watch *w)
{
	char buf[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;
	char *p;

	for (;;) {
		n = read(w->ifd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			if (handle_event(w, ev))
				changed = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (changed)
		kick_scan("inotify");
}

static void poll_topics(struct watch *w)
{
	struct strbuf err = STRBUF_INIT;
	bool moved = false;

	if (topic_check(&moved, &err) < 0) {
		if (!w->last_poll_error ||
		    strcmp(w->last_poll_error, err.buf)) {
			log_warn("poll: %s", err.buf);
			free(w->last_poll_error);
			w->last_poll_error = xstrdup(err.buf);
		}
	} else {
		free(w->last_poll_error);
		w->last_poll_error = NULL;
		if (moved)
			kick_scan("poll");
	}
	strbuf_release(&err);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *watch_thread(void *arg)
{
	struct watch *w = arg;
	int64_t next_poll = 0;

	if (w->poll_seconds)
		next_poll = now_ms() + (int64_t)w->poll_seconds * 1000;
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = w->stop_fd, .events = POLLIN },
			{ .fd = w->ifd, .events = POLLIN },
		};
		int timeout = -1;
		int ret;

		if (w->poll_seconds) {
			int64_t left = next_poll - now_ms();

			timeout = left > 0 ? (int)left : 0;
		}
		ret = poll(fds, w->ifd >= 0 ? 2 : 1, timeout);
		if (ret < 0 && errno != EINTR) {
			log_error("watch: poll: %s", strerror(errno));
			break;
		}
		if (fds[0].revents)
			break;
		if (w->ifd >= 0 && fds[1].revents)
			read_events(w);
		if (w->poll_seconds && now_ms() >= next_poll) {
			poll_topics(w);
			next_poll = now_ms() + (int64_t)w->poll_seconds * 1000;
		}
	}
	repo_thread_exit();
	db_thread_exit();
	return NULL;
}

static void watch_release(struct watch *w)
{
	size_t i;

	if (w->ifd >= 0)
		close(w->ifd);
	if (w->stop_fd >= 0)
		close(w->stop_fd);
	for (i = 0; i < w->nr_dirs; i++)
		free(w->dirs[i].path);
	free(w->dirs);
	free(w->gitdir);
	free(w->refs);
	free(w->heads);
	free(w->last_poll_error);
	memset(w, 0, sizeof(*w));
	w->ifd = -1;
	w->stop_fd = -1;
}

int watch_start(const char *gitdir, unsigned int poll_seconds,
		struct strbuf *err)
{
	struct watch *w = &the_watch;
	struct strbuf sb = STRBUF_INIT;
	int ret;

	if (w->running)
		return error_set(err, ERR_INVALID, "the watcher runs already");
	strbuf_addstr(&sb, gitdir);
	while (sb.len > 1 && sb.buf[sb.len - 1] == '/')
		strbuf_setlen(&sb, sb.len - 1);
	w->gitdir = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s/refs", w->gitdir);
	w->refs = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s/refs/heads", w->gitdir);
	w->heads = strbuf_detach(&sb, NULL);
	w->poll_seconds = poll_seconds;
	w->gitdir_wd = -1;
	w->refs_wd = -1;

	w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->stop_fd < 0) {
		ret = error_set(err, -errno, "cannot make an eventfd: %s",
				strerror(errno));
		goto out_release;
	}
	if (!testhook_no_inotify()) {
		w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (w->ifd < 0)
			log_warn("watch: no inotify (%s); relying on the poll",
				 strerror(errno));
		else
			watch_all(w);
	}
	if (w->ifd < 0 && !poll_seconds)
		log_warn(
			"watch: inotify and the poll ([watch] poll) are off: only pokes and restarts will notice topic moves");

	log_debug("watch: %zu folders under '%s', poll every %u s", w->nr_dirs,
		  w->heads, poll_seconds);
	ret = pthread_create(&w->thread, NULL, watch_thread, w);
	if (ret) {
		ret = error_set(err, -ret,
				"cannot start the watcher thread: %s",
				strerror(ret));
		goto out_release;
	}
	w->running = true;
	/*
	 * A move between the start-up sync and the watches being in place
	 * was seen by neither: scan once now that they are.
	 */
	if (w->ifd >= 0)
		kick_scan("startup");
	return 0;

out_release:
	watch_release(w);
	return ret;
}

void watch_stop(void)
{
	struct watch *w = &the_watch;
	uint64_t one = 1;

	if (!w->running)
		return;
	if (write(w->stop_fd, &one, sizeof(one)) < 0)
		log_error("watch: cannot signal the thread: %s",
			  strerror(errno));
	pthread_join(w->thread, NULL);
	watch_release(w);
}
