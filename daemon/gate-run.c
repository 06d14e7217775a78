/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gate's runner thread: it forks the gate command of each run into a
 * process group of its own and waits for it without blocking the engine.
 *
 * A run has two steps, each a process: "setup" (make or reuse the
 * worktree, check the commit out) and "command" (the gate command).  A
 * failing setup is an 'error', not a failing gate: it must not make a
 * commit look broken to the bisection.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/deadline.h"
#include "lib/error.h"
#include "daemon/gate-proc.h"
#include "daemon/gate-run.h"
#include "daemon/jobs.h"
#include "lib/log.h"
#include "daemon/store/gate.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define MAX_SLOTS 64
/* How often running steps are looked at; idle, the thread sleeps. */
#define TICK_MS 10

/* The setup step: $1 worktree, $2 commit, $3 repository. */
static const char setup_script[] =
	"wt=$1 commit=$2 repo=$3\n"
	"echo \"cthulhu gate: checking out $commit in $wt\"\n"
	"if [ ! -e \"$wt/.git\" ]; then\n"
	"	rm -rf \"$wt\" && git -C \"$repo\" worktree prune &&\n"
	"	git -C \"$repo\" worktree add -f --detach \"$wt\" \"$commit\" || exit 1\n"
	"fi\n"
	"rm -f \"$(git -C \"$wt\" rev-parse --git-dir)/index.lock\"\n"
	"cd \"$wt\" && git checkout -q -f --detach \"$commit\" &&\n"
	"	git clean -q -ffd\n";

struct run {
	struct run *next;
	int64_t id;
	char *commit, *command, *repo, *dir, *log;
	char *marker; /* in the environment of its processes */
	unsigned int timeout, jobs;
	const char *result_job; /* static: a job name of jobs.h */
	bool low;
	int slot;	 /* -1 while queued */
	pid_t pid;	 /* the step running, 0 when none */
	bool in_command; /* the setup step is done */
	bool cancelled, timed_out;
	int64_t started_ms, deadline_ms;
	/* over, its result not yet handed to the engine */
	bool done;
	const char *done_state;
	int done_code;
	char *done_error;
	int64_t done_ms;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stopping;
	struct run *queued; /* in order */
	struct run *active;
	bool slot_busy[MAX_SLOTS];
} rq = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run_free(struct run *r)
{
	if (!r)
		return;
	free(r->commit);
	free(r->command);
	free(r->repo);
	free(r->dir);
	free(r->marker);
	free(r->log);
	free(r->done_error);
	free(r);
}

/*
 * Fork /bin/sh -c script with args, output appended to the log, in a
 * new process group that dies with the runner thread, the run's marker
 * in its environment.  The pid, or -1.
 */
static pid_t spawn(const struct run *r, const char *script,
		   const char *const *args, size_t nr)
{
	const char *argv[8];
	char **env;
	sigset_t all;
	size_t i;
	pid_t pid, parent;
	int fd;

	fd = open(r->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	env = gate_proc_environ(r->marker);
	parent = getpid();
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = script;
	argv[3] = "cthulhu-gate";
	for (i = 0; i < nr && i < 3; i++)
		argv[4 + i] = args[i];
	argv[4 + i] = NULL;
	pid = fork();
	if (pid == 0) {
		/* Only async-signal-safe calls from here on. */
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* cthulhud died before that: nobody would kill us */
		if (getppid() != parent)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (null >= 0)
			dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close_range(3, ~0U, 0);
		execve("/bin/sh", (char *const *)argv, env);
		_exit(127);
	}
	free(env);
	/* Also here, so that a kill before the child ran setpgid() works. */
	if (pid > 0)
		setpgid(pid, pid);
	close(fd);
	return pid;
}

/*
 * Hand the run's end to the engine as a "gate-result" job.  When that
 * fails (the database busy past its timeout) the run keeps its slot and
 * the next tick tries again: a lost result would hold the gate forever.
 * True once handed over.
 */
static bool post_result(struct run *r, const char *state, int code,
			const char *error)
{
	struct strbuf err = STRBUF_INIT;
	json_t *args;
	bool posted;

	if (!r->done) {
		r->done = true;
		r->done_state = state;
		r->done_code = code;
		r->done_error = error ? xstrdup(error) : NULL;
		r->done_ms = now_ms() - r->started_ms;
	}
	args = json_pack("{s:I, s:s, s:i, s:I}", "run", (json_int_t)r->id,
			 "state", r->done_state, "exit_code", r->done_code,
			 "duration_ms", (json_int_t)r->done_ms);
	if (r->done_error)
		json_object_set_new(args, "error", json_string(r->done_error));
	posted = engine_submit(r->result_job, args, &err) >= 0;
	if (!posted)
		log_error("gate: run %lld: cannot post its result yet: %s",
			  (long long)r->id, err.buf);
	strbuf_release(&err);
	return posted;
}

/* Start the run in a free slot; rq.lock is not held. */
static void run_start(struct run *r)
{
	struct strbuf wt = STRBUF_INIT;
	const char *args[3];
	struct db *db = db_thread();
	FILE *f;

	r->started_ms = now_ms();
	r->deadline_ms = r->timeout ? r->started_ms + r->timeout * 1000LL : 0;
	mkdir(r->dir, 0755);
	f = fopen(r->log, "we");
	if (f) {
		fprintf(f, "cthulhu gate: run %lld of %s\n", (long long)r->id,
			r->commit);
		fclose(f);
	}
	strbuf_addf(&wt, "%s/wt-%d", r->dir, r->slot);
	args[0] = wt.buf;
	args[1] = r->commit;
	args[2] = r->repo;
	r->pid = spawn(r, setup_script, args, 3);
	strbuf_release(&wt);
	if (r->pid < 0) {
		r->pid = 0;
		return;
	}
	if (db && !strcmp(r->result_job, JOB_GATE_RESULT))
		store_gate_run_started(db, r->id, r->slot, time(NULL), NULL);
}

/*
 * Look at one active run: its step ended, its time is up or it was
 * cancelled.  True when the run is over (its result posted).
 */
static bool run_poll(struct run *r, int64_t now)
{
	struct strbuf wt = STRBUF_INIT;
	const char *args[3];
	int status = 0;
	pid_t got;

	if (r->done)
		return post_result(r, NULL, 0, NULL);
	if (!r->pid)
		return post_result(r, "error", -1,
				   "cannot start the gate's processes");
	if ((r->cancelled || (r->deadline_ms && now >= r->deadline_ms)) &&
	    !r->timed_out) {
		if (!r->cancelled) {
			FILE *f = fopen(r->log, "ae");

			if (f) {
				fprintf(f,
					"\ncthulhu gate: timed out after %u s, killing process group %d\n",
					r->timeout, (int)r->pid);
				fclose(f);
			}
		}
		r->timed_out = true;
		kill(-r->pid, SIGKILL);
	}
	got = waitpid(r->pid, &status, WNOHANG);
	if (got == 0)
		return false;
	/*
	 * Whatever the step left behind goes with it: in its group, and
	 * what moved to a group or session of its own.
	 */
	kill(-r->pid, SIGKILL);
	gate_proc_kill(r->marker);
	if (got < 0)
		return post_result(r, "error", -1, "lost the gate's process");
	if (r->cancelled)
		return post_result(r, "cancelled", -1, NULL);
	if (r->timed_out)
		return post_result(r, "timeout", -1, NULL);
	if (!r->in_command) {
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			return post_result(
				r, "error", -1,
				"cannot check the candidate out in the gate's worktree");
		r->in_command = true;
		strbuf_addf(&wt, "%s/wt-%d", r->dir, r->slot);
		args[0] = r->command;
		args[1] = wt.buf;
		args[2] = r->commit;
		r->pid =
			spawn(r,
			      "cd \"$2\" || exit 1; export CTHULHU_GATE_COMMIT=\"$3\"; "
			      "echo \"+ $1\"; exec /bin/sh -c \"$1\"",
			      args, 3);
		strbuf_release(&wt);
		if (r->pid < 0) {
			r->pid = 0;
			return post_result(r, "error", -1,
					   "cannot start the gate command");
		}
		return false;
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return post_result(r, "passed", 0, NULL);
	return post_result(r, "failed",
			   WIFEXITED(status) ? WEXITSTATUS(status) :
					       128 + WTERMSIG(status),
			   NULL);
}

static void *runner_main(void *unused)
{
	pthread_mutex_lock(&rq.lock);
	while (!rq.stopping) {
		struct run **pp, *r;
		size_t nr_active = 0;
		struct timespec ts;
		int64_t now;

		for (r = rq.active; r; r = r->next)
			nr_active++;
		/* Background runs make way for a run that waits. */
		if ((r = rq.queued) && !r->low && nr_active >= r->jobs)
			for (r = rq.active; r; r = r->next)
				if (r->low)
					r->cancelled = true;
		/* Start what the head of the queue allows. */
		while ((r = rq.queued) && nr_active < r->jobs) {
			int slot;

			for (slot = 0; slot < MAX_SLOTS && rq.slot_busy[slot];
			     slot++)
				;
			if (slot == MAX_SLOTS)
				break;
			rq.queued = r->next;
			rq.slot_busy[slot] = true;
			r->slot = slot;
			r->next = rq.active;
			rq.active = r;
			nr_active++;
			pthread_mutex_unlock(&rq.lock);
			run_start(r);
			pthread_mutex_lock(&rq.lock);
		}
		now = now_ms();
		for (pp = &rq.active; (r = *pp);) {
			bool over;

			pthread_mutex_unlock(&rq.lock);
			over = run_poll(r, now);
			pthread_mutex_lock(&rq.lock);
			if (!over) {
				pp = &r->next;
				continue;
			}
			*pp = r->next;
			rq.slot_busy[r->slot] = false;
			run_free(r);
		}
		if (rq.stopping)
			break;
		if (!rq.active && !rq.queued) {
			pthread_cond_wait(&rq.wake, &rq.lock);
			continue;
		}
		deadline_after(&ts, TICK_MS);
		pthread_cond_timedwait(&rq.wake, &rq.lock, &ts);
	}
	pthread_mutex_unlock(&rq.lock);
	db_thread_exit();
	return NULL;
}

static int runner_ensure(struct strbuf *err)
{
	pthread_condattr_t attr;
	int rc;

	if (rq.running)
		return 0;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&rq.wake, &attr);
	pthread_condattr_destroy(&attr);
	rc = pthread_create(&rq.thread, NULL, runner_main, NULL);
	if (rc)
		return error_set(err, -rc, "cannot start the gate's thread: %s",
				 strerror(rc));
	rq.running = true;
	return 0;
}

int gate_run_queue(const struct gate_run_spec *spec, struct strbuf *err)
{
	struct run *r, **pp;
	int ret;

	r = xcalloc(1, sizeof(*r));
	r->id = spec->run;
	r->commit = xstrdup(spec->commit);
	r->command = xstrdup(spec->command);
	r->repo = xstrdup(spec->repo);
	r->dir = xstrdup(spec->dir);
	r->log = xstrdup(spec->log);
	r->marker = gate_proc_marker(spec->dir, spec->run);
	r->timeout = spec->timeout;
	r->jobs = spec->jobs ? spec->jobs : 1;
	if (r->jobs > MAX_SLOTS)
		r->jobs = MAX_SLOTS;
	r->result_job = spec->result_job ? spec->result_job : JOB_GATE_RESULT;
	r->low = spec->low;
	r->slot = -1;
	pthread_mutex_lock(&rq.lock);
	if (rq.stopping) {
		pthread_mutex_unlock(&rq.lock);
		run_free(r);
		return error_set(err, ERR_UNAVAILABLE,
				 "cthulhud is shutting down");
	}
	ret = runner_ensure(err);
	if (ret < 0) {
		pthread_mutex_unlock(&rq.lock);
		run_free(r);
		return ret;
	}
	/* in order, background runs last */
	for (pp = &rq.queued; *pp && (r->low || !(*pp)->low); pp = &(*pp)->next)
		;
	r->next = *pp;
	*pp = r;
	pthread_cond_signal(&rq.wake);
	pthread_mutex_unlock(&rq.lock);
	return 0;
}

void gate_run_cancel(int64_t id)
{
	struct run **pp, *r, *gone = NULL;

	pthread_mutex_lock(&rq.lock);
	for (pp = &rq.queued; (r = *pp); pp = &r->next) {
		if (r->id == id) {
			*pp = r->next;
			gone = r;
			break;
		}
	}
	for (r = rq.active; r; r = r->next)
		if (r->id == id)
			r->cancelled = true;
	pthread_cond_signal(&rq.wake);
	pthread_mutex_unlock(&rq.lock);
	if (gone) {
		gone->started_ms = now_ms();
		post_result(gone, "cancelled", -1, NULL);
		run_free(gone);
	}
}

/* The last non-empty line of the file, at most 200 bytes of it. */
static void last_line(const char *path, struct strbuf *out)
{
	char buf[4096];
	ssize_t n;
	off_t size;
	char *end, *start;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(buf) - 1)
		lseek(fd, size - (off_t)sizeof(buf) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	end = buf + n;
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = 0;
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	if (strlen(start) > 200)
		start[200] = 0;
	strbuf_addstr(out, start);
}

json_t *gate_run_status(void)
{
	json_t *list = json_array();
	struct strbuf line = STRBUF_INIT;
	int64_t now = now_ms();
	struct run *r;

	pthread_mutex_lock(&rq.lock);
	for (r = rq.active; r; r = r->next) {
		strbuf_reset(&line);
		last_line(r->log, &line);
		json_array_append_new(list,
				      json_pack("{s:I, s:i, s:i, s:I, s:s}",
						"run", (json_int_t)r->id,
						"slot", r->slot, "pid",
						(int)r->pid, "elapsed_ms",
						(json_int_t)(now -
							     r->started_ms),
						"line", line.buf));
	}
	pthread_mutex_unlock(&rq.lock);
	strbuf_release(&line);
	return list;
}

void gate_run_stop(void)
{
	struct run *r;

	pthread_mutex_lock(&rq.lock);
	rq.stopping = true;
	for (r = rq.active; r; r = r->next)
		if (r->pid > 0)
			kill(-r->pid, SIGKILL);
	pthread_cond_broadcast(&rq.wake);
	pthread_mutex_unlock(&rq.lock);
	if (rq.running)
		pthread_join(rq.thread, NULL);
	rq.running = false;
	while ((r = rq.active)) {
		rq.active = r->next;
		if (r->pid > 0)
			waitpid(r->pid, NULL, 0);
		gate_proc_kill(r->marker);
		run_free(r);
	}
	while ((r = rq.queued)) {
		rq.queued = r->next;
		run_free(r);
	}
}
