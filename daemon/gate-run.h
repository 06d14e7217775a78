/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_GATE_RUN_H
#define CTHULHU_GATE_RUN_H

#include <stdint.h>
#include <jansson.h>

struct strbuf;

/*
 * Running the gate command, off the engine thread: one runner thread
 * starts up to "jobs" processes at once, each in a git worktree of its
 * own under <state>/gate/wt-N (made on first use, then reused: checked
 * out at the commit, untracked files removed, ignored build products
 * kept), output to the run's log file.  Each process leads a process
 * group of its own; a run past its timeout, or cancelled, has its whole
 * group killed.  The end of every run is posted to the engine as a
 * "gate-result" job {run, state, exit_code, duration_ms, error}, state
 * one of passed, failed, timeout, cancelled, error (the worktree could
 * not be set up).  When a run starts, its row in gate_runs gets state
 * 'running' and its slot.  Every process of a run carries its marker
 * (gate-proc.h): at its end whatever the run left, in its group or out
 * of it, is killed, and so is what a run left when cthulhud was killed,
 * once it starts again.
 */
struct gate_run_spec {
	/* gate_runs.id; a run of another result_job has an id of its own */
	int64_t run;
	const char *commit;   /* what to check out */
	const char *command;  /* run by /bin/sh -c in the worktree */
	const char *repo;     /* the repository the worktrees belong to */
	const char *dir;      /* <state>/gate: worktrees wt-N live here */
	const char *log;      /* the log file, made or truncated */
	unsigned int timeout; /* seconds; 0 for none */
	unsigned int jobs;    /* how many runs at once, 1 or more */
	/*
	 * The job the end is posted to, NULL for "gate-result"; a run of
	 * another job's is none of gate_runs' (its row is not touched).
	 */
	const char *result_job;
	/*
	 * Background work (speculative checks): queued after every other
	 * run, and cancelled (posted 'cancelled') when another run waits
	 * for its slot.
	 */
	bool low;
};

/* Queue a run; every string is copied. */
int gate_run_queue(const struct gate_run_spec *spec, struct strbuf *err);
/*
 * Cancel a queued or running run (its group killed); its result is
 * posted as 'cancelled'.  Unknown or finished runs are ignored.
 */
void gate_run_cancel(int64_t run);
/*
 * The runs now running, as a new array [{run, slot, pid, elapsed_ms,
 * line}] where line is the last line of its log so far.
 */
json_t *gate_run_status(void);
/* Kill every run, join the thread; nothing is posted. */
void gate_run_stop(void);

#endif
