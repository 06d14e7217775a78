// SPDX-License-Identifier: GPL-2.0
/*
 * Speculative checks of queued series (check.h), on the engine thread.
 *
 * Order of writes, for crash safety: a series' checks are written in
 * one transaction, once its apply and merge are known (their objects
 * written before, harmless when orphaned).  A gate run's row in
 * check_runs is written 'running', with the check 'pending', before its
 * process starts; the first scan after a start kills what such a row's
 * run left (by its marker, gate-proc.h) and forgets the row, and the
 * pending check, whose run is gone, is made again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon/am.h"
#include "daemon/check-apply.h"
#include "daemon/check-next.h"
#include "daemon/check-notify.h"
#include "daemon/check-overlap.h"
#include "daemon/check.h"
#include "daemon/config.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/gate-proc.h"
#include "daemon/gate-run.h"
#include "daemon/jobs.h"
#include "daemon/merge-handle.h"
#include "daemon/merge.h"
#include "daemon/repo.h"
#include "daemon/store/builds.h"
#include "daemon/store/check-runs.h"
#include "daemon/store/checks.h"
#include "daemon/store/gate.h"
#include "daemon/store/queue.h"
#include "daemon/store/series-conflicts.h"
#include "daemon/store/series.h"
#include "daemon/store/topics.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define DEFAULT_TIMEOUT 3600
#define LOG_TAIL_LINES 20
/* A scan gives the engine back after this long, even with work left. */
#define SCAN_BUDGET_MS 2000

/* What one scan works from. */
struct scan {
	struct job_ctx *ctx;
	const struct config *cfg;
	struct merge *m;
	struct repo *repo;
	struct store_build build; /* the latest settled build of next */
	bool have_build;
	const char *command; /* [gate] command, NULL for none */
	int64_t timeout, jobs;
	size_t running;		  /* gate runs of checks now running */
	bool gate_busy;		  /* next's own candidate is being gated */
	struct check_peer *peers; /* the queued series, in queue order */
	size_t nr_peers;
	unsigned int checked, runs_started;
};

/* The runs a crash left are dealt with once, by the first scan. */
static bool recovered;

/*
 * What the last scan that found every check final worked from (the
 * queue, the topics' tips, next's build, the config), NULL when it did
 * not: a scan that finds the same skips the queue, at most
 * QUIET_MAX_MS, so that a long queue costs nothing while nothing moves.
 */
static char *quiet_key;
static int64_t quiet_since;
#define QUIET_MAX_MS 30000

/*
 * The series whose checks are made and final, with what they were made
 * from (the topic's tip, next's build, the gate command): a scan skips
 * them without a query while that holds, so that a long queue costs a
 * look-up per series.  By series id (a version is a series of its
 * own); engine thread only.
 */
static struct memo {
	int64_t id;
	char *key;
} * memo;
static size_t memo_nr, memo_alloc;

/* The entry of id, or where it goes (*at). */
static struct memo *memo_find(int64_t id, size_t *at)
{
	size_t lo = 0, hi = memo_nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memo[mid].id == id)
			return &memo[mid];
		if (memo[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (at)
		*at = lo;
	return NULL;
}

static bool memo_holds(int64_t id, const char *key)
{
	struct memo *e = memo_find(id, NULL);

	return e && !strcmp(e->key, key);
}

static void memo_set(int64_t id, const char *key)
{
	struct memo *e;
	size_t at = 0;

	e = memo_find(id, &at);
	if (e) {
		free(e->key);
		e->key = xstrdup(key);
		return;
	}
	if (memo_nr == memo_alloc) {
		memo_alloc = memo_alloc ? memo_alloc * 2 : 64;
		memo = xrealloc(memo, memo_alloc * sizeof(*memo));
	}
	memmove(&memo[at + 1], &memo[at], (memo_nr - at) * sizeof(*memo));
	memo[at].id = id;
	memo[at].key = xstrdup(key);
	memo_nr++;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool check_enabled(const struct config *cfg)
{
	bool on = true;

	config_get_bool(cfg, "check.enabled", true, &on, NULL);
	return on;
}

static void gate_dir(const struct config *cfg, struct strbuf *sb)
{
	strbuf_addf(sb, "%s/gate", cfg->state_dir);
}

/*
 * The runner's id of the gate run of check_runs row id: negative, so
 * that its marker (gate-proc.h) is never one of a gate run's.
 */
static int64_t runner_id(int64_t id)
{
	return -id;
}

/* Kill what the runs a crash cut short left, and forget them. */
static void recover(struct scan *sc)
{
	struct store_check_run_list runs = { 0 };
	struct strbuf dir = STRBUF_INIT;
	size_t i;

	recovered = true;
	if (store_check_runs_running(sc->ctx->db, &runs, NULL) < 0)
		return;
	gate_dir(sc->cfg, &dir);
	for (i = 0; i < runs.nr; i++) {
		char *marker =
			gate_proc_marker(dir.buf, runner_id(runs.v[i].id));
		int n = gate_proc_kill(marker);

		if (n)
			log_warn("check: killed %d process%s left by run %" PRId64,
				 n, n == 1 ? "" : "es", runs.v[i].id);
		free(marker);
		log_info("check: run %" PRId64 " was cut short; checking again",
			 runs.v[i].id);
		store_check_run_forget(sc->ctx->db, runs.v[i].id, NULL);
	}
	strbuf_release(&dir);
	store_check_run_list_release(&runs);
}

/* Put one check of cthulhu's. */
static int put(struct scan *sc, int64_t id, const char *context,
	       const char *state, const char *description, const char *inputs,
	       const char *log, struct strbuf *err)
{
	struct store_check c = { 0 };
	int ret;

	c.series_id = id;
	c.context = (char *)context;
	c.state = (char *)state;
	c.description = (char *)description;
	c.origin = "cthulhu";
	c.inputs = (char *)inputs;
	c.log = (char *)log;
	c.updated_at = time(NULL);
	ret = store_check_put(sc->ctx->db, &c, err);
	/* a failure mails the author, with [check] notify-author */
	if (!ret)
		ret = check_recorded(sc->ctx->db, sc->cfg, &c, err);
	return ret;
}

/* Whether the check context of id was made from inputs. */
static bool made_from(struct scan *sc, int64_t id, const char *context,
		      const char *inputs, struct store_check *out)
{
	struct store_check c = { 0 };
	bool found = false, same;

	if (store_check_get(sc->ctx->db, id, context, &c, &found, NULL) < 0 ||
	    !found)
		return false;
	same = c.inputs && !strcmp(c.inputs, inputs);
	if (out)
		*out = c;
	else
		store_check_release(&c);
	return same;
}

/*
 * Whether the gate check of id is made from key: done, or pending on a
 * run that is still running.
 */
static bool gate_done(struct scan *sc, int64_t id, const char *key,
		      bool *pending)
{
	struct store_check c = { 0 };
	struct store_check_run r = { 0 };
	const char *tree;
	bool found = false, done;
	size_t n = strlen(key);

	*pending = false;
	if (!sc->command) {
		store_check_forget(sc->ctx->db, id, "gate", NULL);
		return true;
	}
	if (store_check_get(sc->ctx->db, id, "gate", &c, &found, NULL) < 0 ||
	    !found)
		return false;
	done = c.inputs && !strncmp(c.inputs, key, n) &&
	       (!c.inputs[n] || !strncmp(c.inputs + n, "; tree ", 7));
	if (done && !strcmp(or_empty(c.state), "pending")) {
		*pending = true;
		tree = c.inputs + n + (c.inputs[n] ? 7 : 0);
		done = !store_check_run_of_tree(sc->ctx->db, tree, sc->command,
						&r, &found, NULL) &&
		       found && !strcmp(or_empty(r.state), "running");
		store_check_run_release(&r);
	}
	store_check_release(&c);
	return done;
}

/* The last lines of the file at path, after a line naming it. */
static void log_text(const char *path, struct strbuf *out)
{
	struct strbuf text = STRBUF_INIT;
	size_t n = 0;
	char *p;

	strbuf_addf(out, "log: %s\n", path);
	if (strbuf_read_file(&text, path) < 0)
		return;
	strbuf_rtrim(&text);
	for (p = text.buf + text.len; p > text.buf; p--)
		if (p[-1] == '\n' && ++n == LOG_TAIL_LINES)
			break;
	strbuf_addstr(out, p);
	strbuf_addch(out, '\n');
	strbuf_release(&text);
}

/* The gate check of a run that ended (or the gate's own pass). */
static int put_gate_result(struct scan *sc, int64_t id, const char *inputs,
			   const struct store_check_run *r, struct strbuf *err)
{
	struct strbuf desc = STRBUF_INIT, log = STRBUF_INIT;
	const char *state;
	int ret;

	if (!strcmp(or_empty(r->state), "passed")) {
		state = "success";
		strbuf_addf(&desc,
			    "[gate] command passes on next with the series (tree %.12s)",
			    r->tree);
	} else {
		state = "fail";
		if (!strcmp(or_empty(r->state), "timeout"))
			strbuf_addf(&desc,
				    "[gate] command timed out on next with the series (tree %.12s)",
				    r->tree);
		else
			strbuf_addf(&desc,
				    "[gate] command fails on next with the series (tree %.12s, exit %" PRId64
				    ")",
				    r->tree, r->exit_code);
	}
	if (r->log && *r->log)
		log_text(r->log, &log);
	ret = put(sc, id, "gate", state, desc.buf, inputs,
		  log.len ? log.buf : NULL, err);
	strbuf_release(&desc);
	strbuf_release(&log);
	return ret;
}

/*
 * Start a gate run of commit (tree) for the checks; the row first, then
 * the process.  *started whether it did (not over [check] jobs, and the
 * gate's own candidate is not being gated).
 */
static int start_run(struct scan *sc, const char *commit, const char *tree,
		     bool *started, struct strbuf *err)
{
	struct store_check_run r = { 0 };
	struct gate_run_spec spec = { 0 };
	struct strbuf dir = STRBUF_INIT, logp = STRBUF_INIT;
	int ret;

	*started = false;
	if (sc->gate_busy || sc->running >= (size_t)sc->jobs)
		return 0;
	r.tree = (char *)tree;
	r.commit = (char *)commit;
	r.command = (char *)sc->command;
	r.created_at = time(NULL);
	ret = store_check_run_add(sc->ctx->db, &r, err);
	if (ret < 0)
		return ret;
	strbuf_addf(&logp, "%s/check", sc->cfg->state_dir);
	mkdir(logp.buf, 0755);
	strbuf_addstr(&logp, "/logs");
	mkdir(logp.buf, 0755);
	strbuf_addf(&logp, "/run-%" PRId64 "-%.12s.log", r.id, tree);
	ret = store_check_run_set_log(sc->ctx->db, r.id, logp.buf, err);
	if (ret < 0)
		goto out;
	gate_dir(sc->cfg, &dir);
	mkdir(dir.buf, 0755);
	spec.run = runner_id(r.id);
	spec.commit = commit;
	spec.command = sc->command;
	spec.repo = sc->cfg->repo;
	spec.dir = dir.buf;
	spec.log = logp.buf;
	spec.timeout = (unsigned int)sc->timeout;
	spec.jobs = (unsigned int)sc->jobs;
	spec.result_job = JOB_CHECK_RESULT;
	spec.low = true;
	ret = gate_run_queue(&spec, err);
	if (ret < 0) {
		store_check_run_forget(sc->ctx->db, r.id, NULL);
		goto out;
	}
	sc->running++;
	sc->runs_started++;
	*started = true;
	log_info("check: gate run %" PRId64 " of tree %.12s", r.id, tree);
out:
	strbuf_release(&dir);
	strbuf_release(&logp);
	return ret;
}

/*
 * The gate check of series id, next with it being cn: a result kept for
 * the tree, else a run started (pending), else nothing yet.
 */
static int gate_check(struct scan *sc, int64_t id, const char *key,
		      const struct check_next *cn, struct strbuf *err)
{
	struct store_check_run r = { 0 };
	struct strbuf inputs = STRBUF_INIT, desc = STRBUF_INIT;
	bool found = false, started;
	int ret;

	strbuf_addf(&inputs, "%s; tree %s", key, cn->tree);
	ret = store_check_run_of_tree(sc->ctx->db, cn->tree, sc->command, &r,
				      &found, err);
	if (ret < 0)
		goto out;
	if (found && strcmp(or_empty(r.state), "running")) {
		ret = put_gate_result(sc, id, inputs.buf, &r, err);
		goto out;
	}
	if (!found &&
	    store_gate_tree_passed(sc->ctx->db, cn->tree, sc->command)) {
		strbuf_addf(&desc,
			    "[gate] command passed on this tree (%.12s) in the gate of next",
			    cn->tree);
		ret = put(sc, id, "gate", "success", desc.buf, inputs.buf, NULL,
			  err);
		goto out;
	}
	if (!found) {
		ret = start_run(sc, cn->commit, cn->tree, &started, err);
		if (ret < 0 || !started)
			goto out;
	}
	strbuf_addf(&desc,
		    "running [gate] command on next with the series (tree %.12s)",
		    cn->tree);
	ret = put(sc, id, "gate", "pending", desc.buf, inputs.buf, NULL, err);
out:
	store_check_run_release(&r);
	strbuf_release(&inputs);
	strbuf_release(&desc);
	return ret;
}

/* The merge check of series id from cn. */
static int merge_check(struct scan *sc, int64_t id, const char *topic,
		       const char *key, const struct check_next *cn,
		       struct strbuf *err)
{
	struct strbuf desc = STRBUF_INIT, log = STRBUF_INIT;
	const char *state;
	size_t i;
	int ret;

	if (!sc->have_build) {
		state = "warning";
		strbuf_addf(&desc,
			    "no build of next yet: '%s' with the series is gated alone",
			    topic);
	} else if (!cn->in_next) {
		state = "warning";
		strbuf_addf(&desc,
			    "'%s' does not go into next: it is gated alone with the series",
			    topic);
	} else if (cn->clean) {
		state = "success";
		strbuf_addf(&desc,
			    "next merges with '%s' and the series (%.12s)",
			    topic, cn->commit);
	} else {
		state = "fail";
		if (cn->with)
			strbuf_addf(&desc,
				    "with the series, '%s' conflicts with '%s' in next in ",
				    topic, cn->with);
		else
			strbuf_addf(&desc,
				    "with the series, '%s' conflicts with the base of next in ",
				    topic);
		for (i = 0; i < cn->nr_paths; i++) {
			strbuf_addf(&desc, "%s%s", i ? ", " : "", cn->paths[i]);
			strbuf_addf(&log, "%s\n", cn->paths[i]);
		}
	}
	ret = put(sc, id, "merge", state, desc.buf, key,
		  log.len ? log.buf : NULL, err);
	strbuf_release(&desc);
	strbuf_release(&log);
	return ret;
}

/* The other checks of a series whose apply failed or that has no topic. */
static int not_tried(struct scan *sc, int64_t id, const char *key,
		     const char *why, struct strbuf *err)
{
	struct strbuf desc = STRBUF_INIT;
	int ret;

	strbuf_addf(&desc, "not tried: %s", why);
	ret = put(sc, id, "merge", "warning", desc.buf, key, NULL, err);
	if (!ret && sc->command)
		ret = put(sc, id, "gate", "warning", desc.buf, key, NULL, err);
	strbuf_release(&desc);
	return ret;
}

/* Forget cthulhu's checks of series id and its conflicts, at once. */
static int forget_own(struct scan *sc, int64_t id, struct strbuf *err)
{
	static const char *const contexts[] = { "apply", "merge", "gate" };
	struct db *db = sc->ctx->db;
	struct store_check c = { 0 };
	bool found = false;
	size_t i;
	int ret;

	/* most series never had one: read before writing */
	for (i = 0; i < ARRAY_SIZE(contexts); i++) {
		if (store_check_get(db, id, contexts[i], &c, &found, NULL) < 0)
			found = false;
		if (found && c.origin && !strcmp(c.origin, "cthulhu")) {
			store_check_release(&c);
			break;
		}
		store_check_release(&c);
		found = false;
	}
	if (!found)
		return 0;
	ret = db_begin(db, err);
	if (ret < 0)
		return ret;
	for (i = 0; !ret && i < ARRAY_SIZE(contexts); i++)
		ret = store_check_forget(db, id, contexts[i], err);
	if (!ret)
		ret = store_series_conflicts_forget(db, id, err);
	if (ret < 0) {
		db_rollback(db);
		return ret;
	}
	return db_commit(db, err);
}

/*
 * Check series peer (one of sc->peers); *worked when anything was
 * redone, *final when its checks are all made and none is pending.
 */
static int check_series(struct scan *sc, const struct check_peer *peer,
			bool *worked, bool *final, struct strbuf *err)
{
	struct db *db = sc->ctx->db;
	struct store_series s = { 0 };
	struct am_series as = { 0 };
	struct check_next cn = { 0 };
	struct strbuf key = STRBUF_INIT, why = STRBUF_INIT;
	struct strbuf desc = STRBUF_INIT, merr = STRBUF_INIT;
	struct strbuf mkey = STRBUF_INIT;
	char new_tip[41] = "";
	const char *topic = peer->topic;
	bool found = false, applied = false, in_tx = false, pending;
	int64_t id = peer->id;
	int ret = 0;

	*worked = false;
	*final = false;
	strbuf_addf(&mkey, "%s %s %" PRId64 " %s %s", or_empty(topic),
		    peer->tip, sc->have_build ? sc->build.id : 0,
		    sc->have_build ? or_empty(sc->build.result) : "",
		    or_empty(sc->command));
	if (memo_holds(id, mkey.buf)) {
		*final = true;
		goto out;
	}
	/*
	 * Without a target topic there is nothing to check it against: no
	 * check of cthulhu's (those of a target it had are forgotten).
	 */
	if (!topic) {
		ret = forget_own(sc, id, err);
		if (!ret) {
			memo_set(id, mkey.buf);
			*final = true;
		}
		goto out;
	}
	ret = store_series_get(db, id, &s, &found, err);
	if (ret < 0 || !found)
		goto out;
	strbuf_addf(&key, "series %" PRId64 " v%" PRId64 "; topic %s at %s", id,
		    s.version, topic, *peer->tip ? peer->tip : "(none)");
	if (sc->have_build)
		strbuf_addf(&key, "; next build %" PRId64 " at %s",
			    sc->build.id, or_empty(sc->build.result));
	else
		strbuf_addstr(&key, "; no build of next");
	if (made_from(sc, id, "apply", key.buf, NULL) &&
	    made_from(sc, id, "merge", key.buf, NULL)) {
		if (gate_done(sc, id, key.buf, &pending)) {
			if (!pending)
				memo_set(id, mkey.buf);
			*final = !pending;
			goto out;
		}
	}
	*worked = true;
	sc->checked++;

	/* the apply, and next with it, before anything is recorded */
	if (!*peer->tip) {
		strbuf_addstr(&why, "its target topic's branch is missing");
	} else if (am_series_load(db, sc->cfg, id, NULL, 0, &as, &why) < 0) {
		/* incomplete, or no patch */
	} else if (check_apply(sc->repo, sc->cfg, &as, peer->tip, s.date,
			       new_tip, &why) < 0) {
		/* why names the patch, the file and the hunk */
	} else {
		applied = true;
		if (sc->have_build && sc->build.result) {
			ret = check_next_with(sc->m, db, &sc->build, topic,
					      new_tip,
					      sc->cfg->committer_name ?
						      sc->cfg->committer_name :
						      "Cthulhu",
					      sc->cfg->committer_email ?
						      sc->cfg->committer_email :
						      "cthulhu@localhost",
					      &cn, &merr);
			/* the merge's error is the check's, not the scan's */
			if (ret < 0)
				check_next_release(&cn);
			ret = 0;
		} else {
			cn.clean = true;
			snprintf(cn.commit, sizeof(cn.commit), "%s", new_tip);
			ret = merge_commit_info(sc->m, new_tip, cn.tree, NULL,
						NULL, err);
			if (ret < 0)
				goto out;
		}
	}

	ret = db_begin(db, err);
	if (ret < 0)
		goto out;
	in_tx = true;
	if (!applied) {
		bool warn = !*peer->tip || !as.nr;

		ret = put(sc, id, "apply", warn ? "warning" : "fail", why.buf,
			  key.buf, NULL, err);
		strbuf_reset(&desc);
		strbuf_addf(&desc, "the series does not apply to '%s'", topic);
		if (!ret)
			ret = not_tried(sc, id, key.buf, desc.buf, err);
		if (!ret)
			ret = store_series_conflicts_forget(db, id, err);
		goto out_commit;
	}
	strbuf_addf(&desc, "applies to '%s' at %.12s: %zu commit%s, %.12s",
		    topic, peer->tip, as.nr, as.nr == 1 ? "" : "s", new_tip);
	ret = put(sc, id, "apply", "success", desc.buf, key.buf, NULL, err);
	if (!ret)
		ret = check_overlap(db, sc->repo, sc->cfg, id, &as, topic,
				    peer->tip, new_tip, s.date, sc->peers,
				    sc->nr_peers, err);
	if (!ret && merr.len) {
		strbuf_reset(&desc);
		strbuf_addf(&desc, "cannot merge next with the series: %s",
			    merr.buf);
		ret = put(sc, id, "merge", "warning", desc.buf, key.buf, NULL,
			  err);
		if (!ret && sc->command)
			ret = put(sc, id, "gate", "warning",
				  "not tried: next with the series was not made",
				  key.buf, NULL, err);
		goto out_commit;
	}
	if (!ret)
		ret = merge_check(sc, id, topic, key.buf, &cn, err);
	if (!ret && sc->command) {
		if (cn.clean)
			ret = gate_check(sc, id, key.buf, &cn, err);
		else
			ret = put(sc, id, "gate", "warning",
				  "not tried: next with the series conflicts",
				  key.buf, NULL, err);
	}
out_commit:
	if (ret < 0) {
		db_rollback(db);
		in_tx = false;
		goto out;
	}
	ret = db_commit(db, err);
	in_tx = false;
	if (!ret)
		log_info("check: series %" PRId64 ": %s", id,
			 applied ? (cn.clean ? "applies and merges" :
					       "applies, conflicts in next") :
				   "does not apply");
out:
	if (in_tx)
		db_rollback(db);
	check_next_release(&cn);
	am_series_release(&as);
	store_series_release(&s);
	strbuf_release(&key);
	strbuf_release(&why);
	strbuf_release(&desc);
	strbuf_release(&merr);
	strbuf_release(&mkey);
	return ret;
}

/*
 * The queued series, in queue order, with their target topics (as the
 * queue's scan recorded them, target.h) and the tips of those.
 */
static int load_peers(struct scan *sc, struct strbuf *err)
{
	struct store_queue_entry_list list = { 0 };
	struct strbuf ids = STRBUF_INIT;
	size_t i, k;
	int ret;

	ret = store_queue_entries(sc->ctx->db, 0, 0, -1, &list, err);
	if (ret < 0)
		return ret;
	sc->peers = xcalloc(list.nr + 1, sizeof(*sc->peers));
	strbuf_addch(&ids, '[');
	for (i = 0; i < list.nr; i++) {
		struct check_peer *p = &sc->peers[sc->nr_peers++];
		struct store_topic t = { 0 };

		p->id = list.v[i].id;
		strbuf_addf(&ids, "%s%" PRId64, i ? "," : "", p->id);
		p->topic = xstrdup_or_null(list.v[i].target);
		if (!p->topic)
			continue;
		/* the tip of a topic an earlier series has */
		for (k = 0; k + 1 < sc->nr_peers; k++)
			if (sc->peers[k].topic &&
			    !strcmp(sc->peers[k].topic, p->topic))
				break;
		if (k + 1 < sc->nr_peers) {
			memcpy(p->tip, sc->peers[k].tip, sizeof(p->tip));
			continue;
		}
		if (store_topic_get(sc->ctx->db, p->topic, &t, NULL) < 0)
			continue;
		if (merge_resolve_commit(sc->m, or_empty(t.branch), p->tip,
					 NULL) < 0)
			p->tip[0] = 0;
		store_topic_release(&t);
	}
	strbuf_addch(&ids, ']');
	store_queue_entry_list_release(&list);
	ret = store_series_conflicts_keep(sc->ctx->db, ids.buf, err);
	strbuf_release(&ids);
	return ret;
}

/* What a scan works from, for quiet_key. */
static int scan_key(struct scan *sc, struct strbuf *out, struct strbuf *err)
{
	struct store_topic_list topics = { 0 };
	size_t i;
	int ret;

	strbuf_addf(out, "build %" PRId64 " %s; %s; jobs %" PRId64 "; ",
		    sc->have_build ? sc->build.id : 0,
		    sc->have_build ? or_empty(sc->build.result) : "",
		    or_empty(sc->command), sc->jobs);
	ret = store_topics_list(sc->ctx->db, false, &topics, err);
	if (ret < 0)
		return ret;
	for (i = 0; i < topics.nr; i++)
		strbuf_addf(out, "%s %s; ", or_empty(topics.v[i].name),
			    or_empty(topics.v[i].tip));
	store_topic_list_release(&topics);
	return store_queue_fingerprint(sc->ctx->db, out, err);
}

static void scan_release(struct scan *sc)
{
	size_t i;

	for (i = 0; i < sc->nr_peers; i++)
		free(sc->peers[i].topic);
	free(sc->peers);
	store_build_release(&sc->build);
}

/*
 * "check-scan" (periodic, and after each gate run of a check): check
 * the queued series whose checks were made from something else, in
 * queue order, until another job waits or the budget is spent.
 */
int check_job_scan(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	struct store_gate_candidate cand = { 0 };
	struct store_check_run_list running = { 0 };
	struct scan sc = { 0 };
	struct strbuf key = STRBUF_INIT;
	int64_t start = now_ms();
	bool found = false, all_final = true;
	size_t i;
	int ret;

	(void)args;
	if (!check_enabled(ctx->config))
		return 0;
	sc.ctx = ctx;
	sc.cfg = ctx->config;
	ret = merge_handle(sc.cfg, &sc.m, NULL, err);
	if (ret < 0)
		return ret;
	sc.repo = repo_thread(err);
	if (!sc.repo)
		return -EIO;
	if (!recovered)
		recover(&sc);
	sc.command = config_get(sc.cfg, "gate.command");
	if (sc.command && !*sc.command)
		sc.command = NULL;
	/* a CI of mode = external tests next's candidates only */
	if (sc.command && config_get(sc.cfg, "gate.mode") &&
	    !strcmp(config_get(sc.cfg, "gate.mode"), "external"))
		sc.command = NULL;
	config_get_int(sc.cfg, "gate.timeout", DEFAULT_TIMEOUT, &sc.timeout,
		       NULL);
	config_get_int(sc.cfg, "check.jobs", 1, &sc.jobs, NULL);
	if (sc.jobs < 1)
		sc.jobs = 1;
	ret = store_check_runs_running(ctx->db, &running, err);
	if (ret < 0)
		return ret;
	sc.running = running.nr;
	store_check_run_list_release(&running);
	store_gate_candidate_gating(ctx->db, &cand, &sc.gate_busy, NULL);
	store_gate_candidate_release(&cand);
	ret = store_build_latest_settled(ctx->db, &sc.build, &found, err);
	if (ret < 0)
		return ret;
	sc.have_build = found && sc.build.result && *sc.build.result;
	ret = scan_key(&sc, &key, err);
	if (ret < 0)
		goto out;
	if (quiet_key && !strcmp(quiet_key, key.buf) &&
	    start - quiet_since < QUIET_MAX_MS)
		goto out;
	free(quiet_key);
	quiet_key = NULL;
	ret = load_peers(&sc, err);
	for (i = 0; !ret && i < sc.nr_peers; i++) {
		bool worked, final;

		if (engine_stopping() || engine_others_waiting() ||
		    now_ms() - start > SCAN_BUDGET_MS) {
			/* the rest at the next scan, soon */
			engine_kick(JOB_CHECK_SCAN, NULL, 200);
			all_final = false;
			break;
		}
		ret = check_series(&sc, &sc.peers[i], &worked, &final, err);
		all_final &= final;
		if (ret < 0) {
			/* one series that cannot be checked stops no other */
			log_warn("check: series %" PRId64 ": %s",
				 sc.peers[i].id, err->buf);
			strbuf_reset(err);
			ret = 0;
		}
	}
	if (!ret && all_final) {
		quiet_key = strbuf_detach(&key, NULL);
		quiet_since = start;
	}
	if (!ret && (sc.checked || sc.runs_started))
		*result = json_pack("{s:i, s:i}", "checked", (int)sc.checked,
				    "runs", (int)sc.runs_started);
out:
	strbuf_release(&key);
	scan_release(&sc);
	return ret;
}

/*
 * "check-result" {run, state, exit_code, duration_ms}: a gate run of the
 * checks ended.  A cancelled run (it made way for the gate's own) is
 * forgotten and made again; an error (no worktree) counts as a failure.
 */
int check_job_result(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err)
{
	int64_t id = -json_integer_value(json_object_get(args, "run"));
	const char *state =
		or_empty(json_string_value(json_object_get(args, "state")));
	int64_t code = json_integer_value(json_object_get(args, "exit_code"));
	int64_t ms = json_integer_value(json_object_get(args, "duration_ms"));
	struct store_check_run r = { 0 };
	bool found = false;
	int ret;

	(void)result;
	ret = store_check_run_get(ctx->db, id, &r, &found, err);
	if (ret < 0 || !found || strcmp(or_empty(r.state), "running"))
		goto out;
	log_info("check: gate run %" PRId64 " %s", id, state);
	free(quiet_key);
	quiet_key = NULL;
	if (!strcmp(state, "cancelled"))
		ret = store_check_run_forget(ctx->db, id, err);
	else
		ret = store_check_run_end(ctx->db, id,
					  !strcmp(state, "passed") ? "passed" :
					  !strcmp(state, "timeout") ?
								     "timeout" :
								     "failed",
					  code, ms, time(NULL), err);
	engine_kick(JOB_CHECK_SCAN, NULL, 0);
out:
	store_check_run_release(&r);
	return ret;
}
