/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cthulhud: run a maintainer's tree.  Start-up does everything that can
 * fail for a reason the maintainer must fix (config, repository, state
 * dir, lock, database) before serving, and dies with a clear message;
 * after that the daemon reports errors and keeps serving.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build-config.h"
#include "daemon/applied.h"
#include "daemon/applied-outside.h"
#include "daemon/apply.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/demo/demo.h"
#include "daemon/engine.h"
#include "daemon/gate.h"
#include "lib/error.h"
#include "daemon/http.h"
#include "daemon/intake.h"
#include "daemon/job-table.h"
#include "daemon/jobs.h"
#include "lib/log.h"
#include "daemon/next.h"
#include "daemon/pullreq.h"
#include "daemon/repo.h"
#include "daemon/queue.h"
#include "daemon/series.h"
#include "lib/strbuf.h"
#include "daemon/testhook.h"
#include "daemon/topic.h"
#include "daemon/watch.h"
#include "lib/xalloc.h"

static const char usage_text[] =
	"usage: cthulhud [-c FILE] [--log-level LEVEL]\n"
	"       cthulhud --demo DIR [--http ADDR:PORT]\n"
	"\n"
	"  -c, --config FILE    the configuration (default " SYSCONFDIR
	"/cthulhu.conf)\n"
	"  --demo DIR           make a demo tree in DIR unless it exists, and run on it\n"
	"  --http ADDR:PORT     with --demo: where the dashboard listens\n"
	"  --log-level LEVEL    error, warn, info (default) or debug\n"
	"  --list-routes        print every route of the API: METHOD PATH KIND\n"
	"  -h, --help           this text\n"
	"  -V, --version        the version\n";

static char *path_join(const char *dir, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", dir, name);
	return strbuf_detach(&sb, NULL);
}

static int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = -errno;
			goto out;
		}
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		rc = -errno;
out:
	free(p);
	return rc;
}

/*
 * Make sure dir exists, is a directory of this process's user and no
 * symbolic link, that this process can write there, and make it 0700
 * whatever it was made with (the token lives there).
 */
static void prepare_state_dir(const char *dir)
{
	struct strbuf path = STRBUF_INIT;
	int dfd, fd, rc = mkdir_p(dir, 0700);
	struct stat st;

	if (rc < 0)
		die("cannot create state dir '%s': %s", dir, strerror(-rc));
	/* O_NOFOLLOW: the last component may not be a symbolic link. */
	strbuf_addstr(&path, dir);
	while (path.len > 1 && path.buf[path.len - 1] == '/')
		strbuf_setlen(&path, path.len - 1);
	dfd = open(path.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && (errno == ELOOP || errno == ENOTDIR) &&
	    !lstat(path.buf, &st) && S_ISLNK(st.st_mode))
		die("state dir '%s' is a symbolic link: refusing it (set "
		    "[state] dir to the directory itself)",
		    dir);
	if (dfd < 0)
		die("cannot open state dir '%s': %s", dir, strerror(errno));
	if (fstat(dfd, &st) < 0)
		die("cannot stat state dir '%s': %s", dir, strerror(errno));
	if (st.st_uid != geteuid())
		die("state dir '%s' belongs to uid %d, not to cthulhud's user "
		    "(uid %d): refusing it",
		    dir, (int)st.st_uid, (int)geteuid());
	strbuf_reset(&path);
	strbuf_addf(&path, ".write-test.%d", (int)getpid());
	fd = openat(dfd, path.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
	if (fd < 0)
		die("state dir '%s' is not writable: %s", dir, strerror(errno));
	close(fd);
	unlinkat(dfd, path.buf, 0);
	/* Only once it is writable: a read-only one is refused, not opened. */
	if ((st.st_mode & 07777) != 0700) {
		if (fchmod(dfd, 0700) < 0)
			die("cannot make state dir '%s' 0700: %s", dir,
			    strerror(errno));
		log_info("state dir '%s' was mode %04o: made it 0700", dir,
			 (unsigned)(st.st_mode & 07777));
	}
	close(dfd);
	strbuf_release(&path);
}

/*
 * Take the state dir's lock for the life of the process: a second
 * cthulhud on the same state would race on refs and rows.  An fcntl()
 * lock ends with the process, however it ends, so no stale lock survives
 * a kill -9; F_GETLK names the holder.
 */
static int lock_state_dir(const char *dir)
{
	char *path = path_join(dir, "cthulhud.lock");
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char pid[32];
	int fd, n;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		die("cannot open lock '%s': %s", path, strerror(errno));
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		struct flock who = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

		if (fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK)
			die("state dir '%s' is in use by another cthulhud "
			    "(pid %d holds '%s')",
			    dir, (int)who.l_pid, path);
		die("cannot lock '%s': %s", path, strerror(errno));
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, pid, n) != n)
		log_warn("cannot write pid into '%s'", path);
	free(path);
	return fd;
}

/* Read the token file, creating it (0600) with a random token if absent. */
static char *load_token(const char *dir)
{
	char *path = path_join(dir, "token");
	struct strbuf sb = STRBUF_INIT;
	unsigned char raw[32];
	struct stat st;
	size_t i;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
			die("cannot get random bytes for the token");
		for (i = 0; i < sizeof(raw); i++)
			strbuf_addf(&sb, "%02x", raw[i]);
		strbuf_addch(&sb, '\n');
		if (write(fd, sb.buf, sb.len) != (ssize_t)sb.len || fsync(fd))
			die("cannot write token '%s': %s", path,
			    strerror(errno));
		close(fd);
		log_info("created token file %s", path);
		strbuf_reset(&sb);
	} else if (errno != EEXIST) {
		die("cannot create token '%s': %s", path, strerror(errno));
	}
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		log_warn("token file '%s' is readable by others; chmod 600 it",
			 path);
	if (strbuf_read_file(&sb, path) < 0)
		die("cannot read token '%s': %s", path, strerror(errno));
	strbuf_trim(&sb);
	if (sb.len < 16)
		die("token file '%s' holds no usable token (16 characters at "
		    "least); remove it to have a new one made",
		    path);
	free(path);
	return strbuf_detach(&sb, NULL);
}

/* One line of --list-routes: what the security tests enumerate. */
static void print_route(const struct route *r, void *data)
{
	printf("%s %s %s\n", r->method, r->path,
	       r->stream ? "stream" :
	       r->raw	 ? "raw" :
			   "json");
}

static void register_jobs(void)
{
	mail_global_init();
	jobs_register();
	apply_init();
	applied_outside_init();
	next_init();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "demo", required_argument, NULL, 'D' },
		{ "http", required_argument, NULL, 'H' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "list-routes", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const char *config_path = SYSCONFDIR "/cthulhu.conf";
	const char *demo_dir = NULL, *http_listen = NULL;
	struct strbuf err = STRBUF_INIT;
	char *demo_config = NULL, *gitdir;
	struct config *cfg;
	sigset_t sigs;
	int c, lock_fd, sig;

	while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'D':
			demo_dir = optarg;
			break;
		case 'H':
			http_listen = optarg;
			break;
		case 'L':
			if (log_level_parse(optarg) < 0) {
				fprintf(stderr,
					"cthulhud: unknown log level '%s'\n%s",
					optarg, usage_text);
				return 2;
			}
			log_set_level(log_level_parse(optarg));
			break;
		case 'R':
			http_route_each(print_route, NULL);
			return 0;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("cthulhud %s%s\n", PACKAGE_VERSION,
			       TESTHOOK_FEATURE);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cthulhud: unexpected argument '%s'\n%s",
			argv[optind], usage_text);
		return 2;
	}
	if (http_listen && !demo_dir) {
		fprintf(stderr, "cthulhud: --http goes with --demo; set "
				"http.listen in the config otherwise\n");
		return 2;
	}
	umask(0077);
	the_daemon.started = time(NULL);

	if (repo_global_init(&err))
		die("%s", err.buf);
	if (demo_dir) {
		if (demo_prepare(demo_dir, http_listen, &demo_config, &err))
			die("demo: %s", err.buf);
		config_path = demo_config;
		the_daemon.demo = true;
	}
	if (config_load(config_path, &cfg, &err))
		die("%s", err.buf);
	if (repo_check(cfg->repo, &err))
		die("%s", err.buf);
	the_daemon.config_path = xstrdup(cfg->path);
	the_daemon.state_dir = xstrdup(cfg->state_dir);
	the_daemon.db_path = path_join(cfg->state_dir, "cthulhu.db");
	the_daemon.socket_path = path_join(cfg->state_dir, "cthulhud.sock");

	prepare_state_dir(cfg->state_dir);
	lock_fd = lock_state_dir(cfg->state_dir);
	the_daemon.token = load_token(cfg->state_dir);

	db_set_path(the_daemon.db_path);
	if (!db_thread())
		die("cannot open database '%s'", the_daemon.db_path);
	if (db_migrate(db_thread(), &err))
		die("%s", err.buf);
	gitdir = repo_gitdir(cfg->repo, &err);
	if (!gitdir)
		die("%s", err.buf);
	daemon_config_replace(cfg);
	/*
	 * next is written by cthulhud alone, and the state directory's lock
	 * says no other cthulhud runs: a lock on next now is one a kill -9
	 * left inside a ref update, and would fail every build.
	 */
	if (cfg->next) {
		int r = repo_remove_stale_lock(gitdir, cfg->next, &err);

		if (r > 0)
			log_warn("removed the lock of '%s' a crash left",
				 cfg->next);
		else if (r < 0)
			log_error("%s", err.buf);
		strbuf_reset(&err);
	}

	/*
	 * Signals are taken by sigwait() in this thread only: block them
	 * before any other thread starts, so every thread inherits the mask.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	register_jobs();
	if (engine_start(&err))
		die("%s", err.buf);
	if (engine_run(JOB_TOPIC_SYNC, json_pack("{s:s}", "source", "startup"),
		       NULL, &err))
		log_error("start-up topic scan: %s", err.buf);
	next_start();
	gate_start(daemon_config_engine());
	apply_start();
	applied_outside_start();
	if (watch_start(gitdir, daemon_config_engine()->poll_seconds, &err))
		log_warn("ref watcher: %s", err.buf);
	if (intake_start(&err))
		die("%s", err.buf);
	if (http_start(&err))
		die("%s", err.buf);
	log_info("cthulhud %s ready: tree '%s', repository %s, pid %d",
		 PACKAGE_VERSION, daemon_config_engine()->tree_name,
		 daemon_config_engine()->repo, (int)getpid());
	if (demo_dir) {
		if (demo_submit_mail(demo_dir, &err))
			log_warn("demo: cannot submit the demo mail: %s",
				 err.buf);
		demo_print_welcome(demo_dir);
	}

	for (;;) {
		if (sigwait(&sigs, &sig))
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP: reloading %s",
				 the_daemon.config_path);
			engine_kick(JOB_RELOAD, NULL, 0);
			continue;
		}
		log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	}

	http_stop_accepting();
	watch_stop();
	gate_stop();
	engine_stop();
	intake_stop();
	http_stop();
	db_thread_exit();
	repo_thread_exit();
	daemon_config_replace(NULL);
	repo_global_shutdown();
	close(lock_fd);
	log_info("stopped");
	free(gitdir);
	free(demo_config);
	strbuf_release(&err);
	return 0;
}
