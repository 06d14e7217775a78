/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_CHECK_RUNS_H
#define CTHULHU_STORE_CHECK_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of the gate runs of speculative checks: the table
 * check_runs (schema/0023-check-runs.sql); see store/topics.h for the
 * store layer.  One run per tree and command is what a check needs: a
 * tree tested once is not tested again.
 */
struct store_check_run {
	int64_t id;
	char *tree, *commit, *command;
	char *state;	   /* running, passed, failed, timeout */
	int64_t exit_code; /* STORE_NONE while running */
	char *log;
	int64_t duration_ms, created_at, finished_at;
};

struct store_check_run_list {
	struct store_check_run *v;
	size_t nr;
};

void store_check_run_release(struct store_check_run *r);
void store_check_run_list_release(struct store_check_run_list *list);

/* A new run of tree (commit) with command, 'running'; its id into r->id. */
int store_check_run_add(struct db *db, struct store_check_run *r,
			struct strbuf *err);
/* The run's log file. */
int store_check_run_set_log(struct db *db, int64_t id, const char *log,
			    struct strbuf *err);
/* A run ended: state passed, failed or timeout. */
int store_check_run_end(struct db *db, int64_t id, const char *state,
			int64_t exit_code, int64_t duration_ms,
			int64_t finished_at, struct strbuf *err);
/* Forget a run (cancelled, or cut short), so that it is made again. */
int store_check_run_forget(struct db *db, int64_t id, struct strbuf *err);
/* The latest run of tree with command; *found whether there is one. */
int store_check_run_of_tree(struct db *db, const char *tree,
			    const char *command, struct store_check_run *out,
			    bool *found, struct strbuf *err);
/* One run by id; *found whether there is one. */
int store_check_run_get(struct db *db, int64_t id, struct store_check_run *out,
			bool *found, struct strbuf *err);
/* The runs still 'running' (after a crash: the ones it cut short). */
int store_check_runs_running(struct db *db, struct store_check_run_list *out,
			     struct strbuf *err);

#endif
