/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TEST_STATE_H
#define CTHULHU_TEST_STATE_H

/*
 * A daemon's state for the unit tests of modules that take a config and
 * a database, in git-cli.h's folder: cthulhu.conf naming the repository
 * "work" and the state dir "state" there, and the database
 * state/cthulhu.db with every migration; and for a module's jobs, what
 * the engine thread gives a job, set up on the calling thread.  Include
 * after git-cli.h.
 */
#include <stdbool.h>
#include <stdio.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"

/*
 * Write cthulhu.conf, the defaults and then extra (whose keys win), and
 * load it; NULL (with the error printed) when it does not load.
 * Caller frees with config_free().
 */
__attribute__((unused)) static struct config *state_config(const char *extra)
{
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	struct config *cfg = NULL;
	FILE *f;

	strbuf_addf(&path, "%s/cthulhu.conf", git_tmp);
	f = fopen(path.buf, "w");
	if (!f)
		goto out;
	fprintf(f,
		"[tree]\n\tname = test\n\trepo = work\n"
		"\tcommitter = Cthulhu Test <cthulhu@example.com>\n"
		"[state]\n\tdir = state\n%s",
		extra);
	fclose(f);
	if (config_load(path.buf, &cfg, &err))
		printf("# %s\n", err.buf);
out:
	strbuf_release(&path);
	strbuf_release(&err);
	return cfg;
}

/* The path of state/cthulhu.db (static storage). */
__attribute__((unused)) static const char *state_db_path(void)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/state/cthulhu.db", git_tmp);
	return path;
}

/*
 * Open state/cthulhu.db (the state dir must exist) and apply every
 * migration; NULL (with the error printed) when that fails.  Caller
 * closes with db_close().
 */
__attribute__((unused)) static struct db *state_db(void)
{
	struct strbuf err = STRBUF_INIT;
	struct db *db = NULL;

	if (db_open(state_db_path(), &db, &err) || db_migrate(db, &err)) {
		printf("# %s\n", err.buf);
		db_close(db);
		db = NULL;
	}
	strbuf_release(&err);
	return db;
}

/*
 * Make state_config(extra) the daemon's config (what repo_thread() and
 * daemon_config_engine() read) and ctx's; false when it does not load.
 */
__attribute__((unused)) static bool state_job_config(struct job_ctx *ctx,
						     const char *extra)
{
	struct config *cfg = state_config(extra);

	if (!cfg)
		return false;
	daemon_config_replace(cfg);
	ctx->config = daemon_config_engine();
	return true;
}

/*
 * A job's surroundings on the calling thread: libgit2 set up, the
 * thread's connection to state/cthulhu.db (the state dir must exist)
 * with every migration as ctx->db, and state_job_config(extra).  False
 * (with the error printed) when any of it fails.  state_job_release()
 * undoes it.
 */
__attribute__((unused)) static bool state_job_init(struct job_ctx *ctx,
						   const char *extra)
{
	struct strbuf err = STRBUF_INIT;
	bool ok_ = false;

	memset(ctx, 0, sizeof(*ctx));
	if (repo_global_init(&err))
		goto out;
	db_set_path(state_db_path());
	ctx->db = db_thread();
	if (!ctx->db || db_migrate(ctx->db, &err))
		goto out;
	ok_ = state_job_config(ctx, extra);
out:
	if (err.len)
		printf("# %s\n", err.buf);
	strbuf_release(&err);
	return ok_;
}

__attribute__((unused)) static void state_job_release(void)
{
	repo_thread_exit();
	db_thread_exit();
	daemon_config_replace(NULL);
	repo_global_shutdown();
}

#endif
