/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The git side of a public-inbox inbox: its epochs' mirrors, fetched and
 * walked with libgit2 (see inbox-git.h).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <git2.h>
#include <git2/sys/stream.h>

#include "daemon/inbox-git.h"
#include "daemon/repo.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* The branch public-inbox writes to in each epoch. */
#define INBOX_GIT_BRANCH "refs/heads/master"
/* How often a wait on a socket asks whether to stop. */
#define INBOX_GIT_SLICE_MS 200

/* --- the TCP stream under libgit2's HTTP and TLS --------------------------- */

/*
 * What the fetch on this thread allows a socket: at most timeout_ms
 * without a byte either way, and an end as soon as stop() says so.  NULL
 * on threads that are not fetching an inbox: their sockets wait as
 * libgit2's own do.
 */
struct net_limits {
	unsigned int timeout_ms;
	bool (*stop)(void);
	bool stopped;
};

static __thread struct net_limits *thread_limits;

struct tcp_stream {
	git_stream parent;
	char *host, *port;
	int fd;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for events, within the thread's limits. */
static int tcp_wait(struct tcp_stream *st, short events)
{
	struct net_limits *lim = thread_limits;
	long long start = now_ms();
	struct pollfd pfd = { .fd = st->fd, .events = events };
	int n;

	for (;;) {
		n = poll(&pfd, 1, lim ? INBOX_GIT_SLICE_MS : -1);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR) {
			git_error_set(GIT_ERROR_NET, "poll on %s:%s: %s",
				      st->host, st->port, strerror(errno));
			return -1;
		}
		if (lim && lim->stop && lim->stop()) {
			lim->stopped = true;
			git_error_set(GIT_ERROR_NET,
				      "cut short: cthulhud stops");
			return -1;
		}
		if (lim && now_ms() - start >= lim->timeout_ms) {
			git_error_set(GIT_ERROR_NET,
				      "no answer from %s:%s in %u seconds",
				      st->host, st->port,
				      lim->timeout_ms / 1000);
			return -1;
		}
	}
}

static int tcp_connect(git_stream *stream)
{
	struct tcp_stream *st = (struct tcp_stream *)stream;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int ret, soerr = 0;
	socklen_t len = sizeof(soerr);

	ret = getaddrinfo(st->host, st->port, &hints, &res);
	if (ret) {
		git_error_set(GIT_ERROR_NET, "cannot resolve '%s': %s",
			      st->host, gai_strerror(ret));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		st->fd = socket(ai->ai_family,
				ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);
		if (st->fd < 0) {
			soerr = errno;
			continue;
		}
		if (connect(st->fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
		    errno != EINPROGRESS) {
			soerr = errno;
		} else if (tcp_wait(st, POLLOUT) < 0) {
			close(st->fd);
			st->fd = -1;
			freeaddrinfo(res);
			return -1;
		} else if (getsockopt(st->fd, SOL_SOCKET, SO_ERROR, &soerr,
				      &len) == 0 &&
			   !soerr) {
			break;
		}
		close(st->fd);
		st->fd = -1;
	}
	freeaddrinfo(res);
	if (st->fd < 0) {
		git_error_set(GIT_ERROR_NET, "failed to connect to %s: %s",
			      st->host, strerror(soerr));
		return -1;
	}
	return 0;
}

static ssize_t tcp_read(git_stream *stream, void *data, size_t len)
{
	struct tcp_stream *st = (struct tcp_stream *)stream;
	ssize_t n;

	for (;;) {
		n = recv(st->fd, data, len, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			git_error_set(GIT_ERROR_NET, "cannot read from %s: %s",
				      st->host, strerror(errno));
			return -1;
		}
		if (tcp_wait(st, POLLIN) < 0)
			return -1;
	}
}

static ssize_t tcp_write(git_stream *stream, const char *data, size_t len,
			 int flags)
{
	struct tcp_stream *st = (struct tcp_stream *)stream;
	ssize_t n;

	(void)flags;
	for (;;) {
		n = send(st->fd, data, len, MSG_NOSIGNAL);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			git_error_set(GIT_ERROR_NET, "cannot write to %s: %s",
				      st->host, strerror(errno));
			return -1;
		}
		if (tcp_wait(st, POLLOUT) < 0)
			return -1;
	}
}

static int tcp_close(git_stream *stream)
{
	struct tcp_stream *st = (struct tcp_stream *)stream;

	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	return 0;
}

static void tcp_free(git_stream *stream)
{
	struct tcp_stream *st = (struct tcp_stream *)stream;

	tcp_close(stream);
	free(st->host);
	free(st->port);
	free(st);
}

static int tcp_stream_new(git_stream **out, const char *host, const char *port)
{
	struct tcp_stream *st = xcalloc(1, sizeof(*st));

	st->parent.version = GIT_STREAM_VERSION;
	st->parent.connect = tcp_connect;
	st->parent.read = tcp_read;
	st->parent.write = tcp_write;
	st->parent.close = tcp_close;
	st->parent.free = tcp_free;
	st->host = xstrdup(host);
	st->port = xstrdup(port);
	st->fd = -1;
	*out = &st->parent;
	return 0;
}

int inbox_git_global_init(struct strbuf *err)
{
	static git_stream_registration reg = {
		.version = GIT_STREAM_VERSION,
		.init = tcp_stream_new,
	};

	if (git_stream_register(GIT_STREAM_STANDARD, &reg) < 0)
		return repo_error(err, -EIO,
				  "cannot register the TCP stream with libgit2");
	return 0;
}

static int open_mirror(const char *path, git_repository **repo,
		       struct strbuf *err)
{
	if (!git_repository_open_bare(repo, path))
		return 0;
	if (git_repository_init(repo, path, 1) < 0)
		return repo_error(err, -EIO, "cannot make the mirror '%s'",
				  path);
	return 0;
}

struct fetch_state {
	bool (*stop)(void);
};

static int fetch_progress(const git_indexer_progress *stats, void *payload)
{
	struct fetch_state *fs = payload;

	(void)stats;
	return fs->stop && fs->stop() ? GIT_EUSER : 0;
}

static int fetch_sideband(const char *str, int len, void *payload)
{
	(void)str;
	(void)len;
	return fetch_progress(NULL, payload);
}

/* Whether libgit2's last error says the remote has no repository there. */
static bool remote_missing(void)
{
	const git_error *e = git_error_last();

	return e && e->message &&
	       (strstr(e->message, "status code: 404") ||
		strstr(e->message, "status code: 410"));
}

int inbox_git_fetch(const char *path, const char *url, unsigned int timeout_s,
		    bool (*stop)(void), struct strbuf *err)
{
	struct net_limits limits = { timeout_s * 1000, stop, false };
	static char *refspec = "+refs/heads/*:refs/heads/*";
	git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
	git_strarray specs = { &refspec, 1 };
	struct fetch_state fs = { stop };
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	struct stat st;
	int ret;

	/* A directory that is not there is an epoch not started yet. */
	if (url[0] == '/' && stat(url, &st) < 0)
		return error_set(err, ERR_NOT_FOUND, "'%s': %s", url,
				 strerror(errno));
	ret = open_mirror(path, &repo, err);
	if (ret < 0)
		return ret;
	if (git_remote_create_anonymous(&remote, repo, url) < 0) {
		ret = repo_error(err, ERR_INVALID, "'%s' is no git remote",
				 url);
		goto out;
	}
	opts.callbacks.transfer_progress = fetch_progress;
	opts.callbacks.sideband_progress = fetch_sideband;
	opts.callbacks.payload = &fs;
	opts.prune = GIT_FETCH_NO_PRUNE;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	opts.update_fetchhead = 0;
	thread_limits = &limits;
	ret = git_remote_fetch(remote, &specs, &opts, NULL);
	thread_limits = NULL;
	if (ret < 0) {
		if (limits.stopped || (stop && stop()))
			ret = error_set(err, ERR_UNAVAILABLE,
					"fetch of '%s' cut short: cthulhud "
					"stops",
					url);
		else if (remote_missing())
			ret = repo_error(err, ERR_NOT_FOUND,
					 "cannot fetch '%s'", url);
		else
			ret = repo_error(err, -EIO, "cannot fetch '%s'", url);
	}
out:
	git_remote_free(remote);
	git_repository_free(repo);
	return ret;
}

/*
 * The blob "m" at the root of commit's tree, and the commit's time;
 * false when there is none.
 */
static bool commit_message_blob(git_repository *repo, const git_oid *commit,
				git_oid *blob, int64_t *time)
{
	const git_tree_entry *e;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	bool found = false;

	if (git_commit_lookup(&c, repo, commit) < 0 ||
	    git_commit_tree(&tree, c) < 0)
		goto out;
	*time = (int64_t)git_commit_time(c);
	e = git_tree_entry_byname(tree, "m");
	if (e && git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		git_oid_cpy(blob, git_tree_entry_id(e));
		found = true;
	}
out:
	git_tree_free(tree);
	git_commit_free(c);
	return found;
}

int inbox_git_new_commits(const char *path, const char *since,
			  struct inbox_git_commit **out, size_t *nr,
			  struct strbuf *err)
{
	git_repository *repo = NULL;
	git_revwalk *walk = NULL;
	git_oid tip, oid, base, blob;
	bool have_base;
	size_t alloc = 0;
	int ret;

	*out = NULL;
	*nr = 0;
	if (git_repository_open_bare(&repo, path) < 0)
		return repo_error(err, -EIO, "cannot open the mirror '%s'",
				  path);
	ret = git_reference_name_to_id(&tip, repo, INBOX_GIT_BRANCH);
	if (ret == GIT_ENOTFOUND) {
		ret = 0; /* nothing delivered to this epoch yet */
		goto out;
	}
	if (ret < 0) {
		ret = repo_error(err, -EIO, "'%s' in '%s'", INBOX_GIT_BRANCH,
				 path);
		goto out;
	}
	if (git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) <
		    0 ||
	    git_revwalk_push(walk, &tip) < 0) {
		ret = repo_error(err, -EIO, "cannot walk '%s'", path);
		goto out;
	}
	have_base = since && *since && !git_oid_fromstr(&base, since);
	if (have_base && git_oid_equal(&base, &tip))
		goto out;
	if (have_base && git_graph_descendant_of(repo, &tip, &base) == 1 &&
	    git_revwalk_hide(walk, &base) < 0) {
		ret = repo_error(err, -EIO, "cannot walk '%s'", path);
		goto out;
	}
	while (!(ret = git_revwalk_next(&oid, walk))) {
		struct inbox_git_commit *c;
		int64_t time;

		if (!commit_message_blob(repo, &oid, &blob, &time))
			continue;
		if (*nr == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			*out = xrealloc(*out, alloc * sizeof(**out));
		}
		c = &(*out)[(*nr)++];
		git_oid_tostr(c->hex, sizeof(c->hex), &oid);
		git_oid_tostr(c->blob, sizeof(c->blob), &blob);
		c->time = time;
	}
	if (ret == GIT_ITEROVER)
		ret = 0;
	else
		ret = repo_error(err, -EIO, "cannot walk '%s'", path);
out:
	if (ret < 0) {
		free(*out);
		*out = NULL;
		*nr = 0;
	}
	git_revwalk_free(walk);
	git_repository_free(repo);
	return ret;
}

int inbox_git_blob(const char *path, const char *hex, struct strbuf *out,
		   struct strbuf *err)
{
	git_repository *repo = NULL;
	git_blob *blob = NULL;
	git_oid oid;
	int ret = 0;

	if (git_oid_fromstr(&oid, hex) < 0)
		return error_set(err, ERR_INVALID, "'%s' is no object id", hex);
	if (git_repository_open_bare(&repo, path) < 0)
		return repo_error(err, -EIO, "cannot open the mirror '%s'",
				  path);
	if (git_blob_lookup(&blob, repo, &oid) < 0) {
		ret = repo_error(err, ERR_NOT_FOUND, "no blob %s in '%s'", hex,
				 path);
		goto out;
	}
	strbuf_add(out, git_blob_rawcontent(blob),
		   (size_t)git_blob_rawsize(blob));
out:
	git_blob_free(blob);
	git_repository_free(repo);
	return ret;
}
