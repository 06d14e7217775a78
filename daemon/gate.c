/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gate of next: candidates, their bisection, ejections and fallback
 * tips.  Everything here but the reads runs on the engine thread; the
 * processes are gate-run.c's.
 *
 * Order of writes, for crash safety: a run's row is written before its
 * process starts, so a crash leaves a row 'queued' or 'running' that the
 * next start marks 'interrupted' (killing every process it left, found by
 * the marker in their environment, gate-proc.h) and runs
 * again; next moves only after the row saying the candidate passed, and
 * a candidate found 'passed' whose commit next is not was cut short
 * before next moved, and is published again by gate_start().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/bus.h"
#include "daemon/config.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "daemon/gate-proc.h"
#include "daemon/gate-run.h"
#include "daemon/gate.h"
#include "daemon/jobs.h"
#include "lib/log.h"
#include "daemon/merge-handle.h"
#include "daemon/merge.h"
#include "daemon/notify.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define DEFAULT_TIMEOUT 3600
#define LOG_TAIL_LINES 20
#define RANGE_MAX 50

struct gate_conf {
	const char *command;
	int64_t timeout;
	int64_t jobs;
	bool gated;
	bool external; /* mode = external: the CI runs it */
	const char *remote, *push_ref;
};

/* The local ref pushed to [gate] push-ref in mode = external. */
#define GATE_PUSH_SOURCE "refs/cthulhu/gate"

/* Set by next_init() (gate_set_publisher()), before the engine starts. */
static gate_publish_fn the_publisher;

void gate_set_publisher(gate_publish_fn fn)
{
	the_publisher = fn;
}

static int publish(struct job_ctx *ctx, int64_t build, struct strbuf *err)
{
	if (!the_publisher)
		return error_set(err, -EINVAL,
				 "the gate has nothing to publish next with");
	return the_publisher(ctx, build, err);
}

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static int64_t jint(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static void gate_conf_get(const struct config *cfg, struct gate_conf *gc)
{
	const char *publish = config_get(cfg, "gate.publish");

	gc->command = config_get(cfg, "gate.command");
	if (gc->command && !*gc->command)
		gc->command = NULL;
	config_get_int(cfg, "gate.timeout", DEFAULT_TIMEOUT, &gc->timeout,
		       NULL);
	config_get_int(cfg, "gate.jobs", 1, &gc->jobs, NULL);
	if (gc->jobs < 1)
		gc->jobs = 1;
	gc->gated = !publish || strcmp(publish, "always");
	gc->external = config_get(cfg, "gate.mode") &&
		       !strcmp(config_get(cfg, "gate.mode"), "external");
	gc->remote = config_get(cfg, "gate.remote");
	gc->push_ref = config_get(cfg, "gate.push-ref");
	/* one push-ref holds one commit: one run at a time */
	if (gc->external)
		gc->jobs = 1;
}

bool gate_enabled(const struct config *cfg)
{
	struct gate_conf gc;

	gate_conf_get(cfg, &gc);
	return gc.command != NULL;
}

bool gate_holds_next(const struct config *cfg)
{
	struct gate_conf gc;

	gate_conf_get(cfg, &gc);
	return gc.command && gc.gated;
}

void gate_topic_tip(struct db *db, const struct config *cfg, const char *topic,
		    const char *tip, char *use, const char **how)
{
	json_t *row = NULL;
	const char *state;

	snprintf(use, MERGE_HEXSZ + 1, "%s", tip);
	*how = NULL;
	if (!*tip || !gate_holds_next(cfg))
		return;
	if (db_query_row(db, &row, NULL,
			 "SELECT state, good_tip FROM gate_ejections "
			 "WHERE topic = ? AND bad_tip = ? AND state != 'reported' "
			 "ORDER BY id DESC LIMIT 1",
			 "tt", topic, tip) < 0 ||
	    !row)
		return;
	state = jstr(row, "state");
	if ((!strcmp(state, "trying") || !strcmp(state, "fallback")) &&
	    *jstr(row, "good_tip")) {
		snprintf(use, MERGE_HEXSZ + 1, "%s", jstr(row, "good_tip"));
		*how = "fallback";
	} else {
		use[0] = 0;
		*how = "ejected";
	}
	json_decref(row);
}

static void publish_event(struct db *db, int64_t cand, const char *what)
{
	json_t *row = NULL;

	db_query_row(db, &row, NULL,
		     "SELECT id, build, commit_sha AS 'commit', state, round, "
		     "culprit, reason FROM gate_candidates WHERE id = ?",
		     "i", cand);
	if (!row)
		return;
	json_object_set_new(row, "event", json_string(what));
	bus_publish("gate", row);
}

static void gate_dir(const struct config *cfg, struct strbuf *sb)
{
	strbuf_addf(sb, "%s/gate", cfg->state_dir);
}

/* Whether a run of the same tree and command passed before. */
static bool tree_passed(struct db *db, const char *tree, const char *command)
{
	int64_t n = 0;

	db_query_int(db, &n, NULL,
		     "SELECT count(*) FROM gate_runs WHERE tree = ? AND command = ? "
		     "AND state = 'passed'",
		     "tt", tree, command);
	return n > 0;
}

/*
 * mode = external: push the run's commit to [gate] push-ref on [gate]
 * remote, where the CI takes it, and wait for its POST; the run is then
 * 'running' in slot -1.  A push that fails is an 'error'.
 */
static int push_run(struct job_ctx *ctx, const struct gate_conf *gc, int64_t id,
		    const char *commit, const char *log, struct strbuf *err)
{
	char was[MERGE_HEXSZ + 1] = "";
	struct strbuf spec = STRBUF_INIT, msg = STRBUF_INIT;
	const char *specs[1];
	struct merge *m;
	FILE *f;
	int ret;

	ret = merge_handle(ctx->config, &m, NULL, err);
	if (ret < 0)
		return ret;
	if (merge_resolve_commit(m, GATE_PUSH_SOURCE, was, NULL) < 0)
		was[0] = 0;
	strbuf_addf(&msg, "cthulhu: gate run %" PRId64, id);
	ret = merge_update_ref(m, GATE_PUSH_SOURCE, commit, *was ? was : NULL,
			       msg.buf, err);
	if (!ret) {
		strbuf_addf(&spec, "+%s:%s", GATE_PUSH_SOURCE, gc->push_ref);
		specs[0] = spec.buf;
		ret = merge_push(m, gc->remote, specs, 1, err);
	}
	f = fopen(log, "we");
	if (f) {
		if (ret < 0)
			fprintf(f,
				"cthulhu gate: run %" PRId64
				" of %s: cannot push it to '%s' %s: %s\n",
				id, commit, gc->remote, gc->push_ref, err->buf);
		else
			fprintf(f,
				"cthulhu gate: run %" PRId64
				" of %s pushed to '%s' %s; "
				"waiting for the CI's result\n",
				id, commit, gc->remote, gc->push_ref);
		fclose(f);
	}
	if (ret < 0)
		db_exec(ctx->db, NULL,
			"UPDATE gate_runs SET state = 'error', error = ?, finished_at = ? "
			"WHERE id = ?",
			"tii", err->buf, (int64_t)time(NULL), id);
	else
		ret = db_exec(ctx->db, err,
			      "UPDATE gate_runs SET state = 'running', slot = -1, "
			      "started_at = ? WHERE id = ?",
			      "ii", (int64_t)time(NULL), id);
	strbuf_release(&spec);
	strbuf_release(&msg);
	return ret;
}

/*
 * Queue a run of commit for candidate cand (probe: its index in the
 * probes).  A tree that passed the same command before is not run
 * again: the row says 'cached', and *cached is set.
 */
static int queue_run(struct job_ctx *ctx, const struct gate_conf *gc,
		     json_t *cand, int64_t round, int64_t probe,
		     const char *topic, const char *commit, bool *cached,
		     struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	struct gate_run_spec spec = { 0 };
	struct strbuf dir = STRBUF_INIT, logp = STRBUF_INIT;
	char tree[MERGE_HEXSZ + 1];
	struct merge *m;
	int64_t id;
	int ret;

	*cached = false;
	ret = merge_handle(cfg, &m, NULL, err);
	if (ret < 0)
		return ret;
	ret = merge_commit_info(m, commit, tree, NULL, NULL, err);
	if (ret < 0)
		return ret;
	if (tree_passed(ctx->db, tree, gc->command)) {
		*cached = true;
		return db_exec(
			ctx->db, err,
			"INSERT INTO gate_runs (candidate, round, probe, topic, "
			"commit_sha, tree, state, command, created_at, finished_at, "
			"duration_ms) VALUES (?, ?, ?, ?, ?, ?, 'cached', ?, ?, ?, 0)",
			"iiittttii", jint(cand, "id"), round, probe,
			topic && *topic ? topic : NULL, commit, tree,
			gc->command, (int64_t)time(NULL), (int64_t)time(NULL));
	}
	ret = db_exec(
		ctx->db, err,
		"INSERT INTO gate_runs (candidate, round, probe, topic, commit_sha, "
		"tree, command, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		"iiitttti", jint(cand, "id"), round, probe,
		topic && *topic ? topic : NULL, commit, tree, gc->command,
		(int64_t)time(NULL));
	if (ret < 0)
		return ret;
	id = db_last_insert_id(ctx->db);
	gate_dir(cfg, &dir);
	mkdir(dir.buf, 0755);
	strbuf_addf(&logp, "%s/logs", dir.buf);
	mkdir(logp.buf, 0755);
	strbuf_addf(&logp, "/build-%" PRId64 "-%.12s-run-%" PRId64 ".log",
		    jint(cand, "build"), jstr(cand, "commit_sha"), id);
	ret = db_exec(ctx->db, err, "UPDATE gate_runs SET log = ? WHERE id = ?",
		      "ti", logp.buf, id);
	if (ret < 0)
		goto out;
	if (gc->external) {
		/* a failed push is the run's error, not the job's */
		push_run(ctx, gc, id, commit, logp.buf, err);
		strbuf_reset(err);
		ret = 0;
		goto out;
	}
	spec.run = id;
	spec.commit = commit;
	spec.command = gc->command;
	spec.repo = cfg->repo;
	spec.dir = dir.buf;
	spec.log = logp.buf;
	spec.timeout = (unsigned int)gc->timeout;
	spec.jobs = (unsigned int)gc->jobs;
	ret = gate_run_queue(&spec, err);
	if (ret < 0)
		db_exec(ctx->db, NULL,
			"UPDATE gate_runs SET state = 'error', error = ? WHERE id = ?",
			"ti", err->buf, id);
out:
	strbuf_release(&dir);
	strbuf_release(&logp);
	return ret;
}

/* Kill the runs of every candidate still being gated and make it stale. */
static void stale_older(struct job_ctx *ctx, int64_t keep)
{
	json_t *runs, *r;
	size_t i;

	runs = db_query(ctx->db, NULL,
			"SELECT r.id FROM gate_runs r JOIN gate_candidates c "
			"ON c.id = r.candidate WHERE c.state IN ('gating', 'bisecting') "
			"AND c.id != ? AND r.state IN ('queued', 'running')",
			"i", keep);
	json_array_foreach(runs, i, r)
		gate_run_cancel(jint(r, "id"));
	json_decref(runs);
	/* runs the CI has: their results, when they come, are refused */
	db_exec(ctx->db, NULL,
		"UPDATE gate_runs SET state = 'cancelled', finished_at = ? "
		"WHERE state = 'running' AND slot = -1 AND candidate IN (SELECT id "
		"FROM gate_candidates WHERE state IN ('gating', 'bisecting') AND id != ?)",
		"ii", (int64_t)time(NULL), keep);
	db_exec(ctx->db, NULL,
		"UPDATE builds SET gate = 'stale' WHERE id IN (SELECT build FROM "
		"gate_candidates WHERE state IN ('gating', 'bisecting') AND id != ?)",
		"i", keep);
	db_exec(ctx->db, NULL,
		"UPDATE gate_candidates SET state = 'stale', finished_at = ?, "
		"reason = 'a newer build replaced it' "
		"WHERE state IN ('gating', 'bisecting') AND id != ?",
		"ii", (int64_t)time(NULL), keep);
}

/*
 * The probes of a build: the base, then next after each topic whose
 * merge changed it, in merge order, as [{topic, tip, commit}].
 */
static json_t *build_probes(struct db *db, json_t *build, struct strbuf *err)
{
	json_t *topics, *t, *probes;
	const char *prev;
	size_t i;

	topics = db_query(db, err,
			  "SELECT topic, tip, merge_commit FROM build_topics "
			  "WHERE build = ? ORDER BY pos",
			  "i", jint(build, "id"));
	if (!topics)
		return NULL;
	probes = json_array();
	json_array_append_new(probes,
			      json_pack("{s:n, s:n, s:s}", "topic", "tip",
					"commit", jstr(build, "base")));
	prev = jstr(build, "base");
	json_array_foreach(topics, i, t) {
		const char *c = jstr(t, "merge_commit");

		if (!*c || !strcmp(c, prev))
			continue;
		json_array_append_new(probes,
				      json_pack("{s:s, s:s, s:s}", "topic",
						jstr(t, "topic"), "tip",
						jstr(t, "tip"), "commit", c));
		prev = c;
	}
	json_decref(topics);
	return probes;
}

static int load_candidate(struct db *db, int64_t id, json_t **cand,
			  struct strbuf *err)
{
	int ret;

	ret = db_query_row(db, cand, err,
			   "SELECT * FROM gate_candidates WHERE id = ?", "i",
			   id);
	if (!ret && !*cand)
		ret = error_set(err, ERR_NOT_FOUND,
				"unknown gate candidate '%" PRId64 "'", id);
	return ret;
}

/* Move the ejections the passing candidate settles; kick what is next. */
static void settle_ejections(struct job_ctx *ctx, json_t *cand)
{
	char tip[MERGE_HEXSZ + 1];
	json_t *rows, *r;
	struct merge *m;
	bool kick = false;
	size_t i;

	db_exec(ctx->db, NULL,
		"UPDATE gate_ejections SET state = 'fallback', updated_at = ? "
		"WHERE state = 'trying' AND topic IN (SELECT topic FROM build_topics "
		"WHERE build = ? AND gate = 'fallback')",
		"ii", (int64_t)time(NULL), jint(cand, "build"));
	if (merge_handle(ctx->config, &m, NULL, NULL) < 0)
		m = NULL;
	rows = db_query(
		ctx->db, NULL,
		"SELECT e.id, e.topic, e.bad_tip, t.branch FROM gate_ejections e "
		"JOIN topics t ON t.name = e.topic WHERE e.state = 'ejected' "
		"AND e.good_tip IS NOT NULL",
		NULL);
	json_array_foreach(rows, i, r) {
		if (!m ||
		    merge_resolve_commit(m, jstr(r, "branch"), tip, NULL) < 0 ||
		    strcmp(tip, jstr(r, "bad_tip")))
			continue;
		db_exec(ctx->db, NULL,
			"UPDATE gate_ejections SET state = 'trying', updated_at = ? "
			"WHERE id = ?",
			"ii", (int64_t)time(NULL), jint(r, "id"));
		log_info("gate: trying '%s' at its last good tip",
			 jstr(r, "topic"));
		kick = true;
	}
	json_decref(rows);
	if (kick)
		engine_kick(JOB_NEXT_REBUILD,
			    json_pack("{s:s}", "trigger", "gate"), 0);
}

static int candidate_passed(struct job_ctx *ctx, const struct gate_conf *gc,
			    json_t *cand, const char *why, struct strbuf *err)
{
	int64_t id = jint(cand, "id");
	int ret;

	ret = db_begin(ctx->db, err);
	if (ret < 0)
		return ret;
	ret = db_exec(ctx->db, err,
		      "UPDATE gate_candidates SET state = 'passed', reason = ?, "
		      "finished_at = ? WHERE id = ?",
		      "tii", why, (int64_t)time(NULL), id);
	if (!ret)
		ret = db_exec(ctx->db, err,
			      "UPDATE builds SET gate = 'passed' WHERE id = ?",
			      "i", jint(cand, "build"));
	if (ret < 0) {
		db_rollback(ctx->db);
		return ret;
	}
	ret = db_commit(ctx->db, err);
	if (ret < 0)
		return ret;
	log_info("gate: candidate %" PRId64 " (build %" PRId64 ") passes: %s",
		 id, jint(cand, "build"), why);
	if (gc->gated) {
		ret = publish(ctx, jint(cand, "build"), err);
		if (ret < 0) {
			log_warn("gate: cannot publish build %" PRId64 ": %s",
				 jint(cand, "build"), err->buf);
			return ret;
		}
		settle_ejections(ctx, cand);
	}
	publish_event(ctx->db, id, "passed");
	return 0;
}

/* Append the last lines of file to out, each indented. */
static void log_tail(const char *path, struct strbuf *out)
{
	struct strbuf text = STRBUF_INIT;
	size_t n = 0;
	char *p;

	if (strbuf_read_file(&text, path) < 0) {
		strbuf_addf(out, "    (no log at '%s')\n", path);
		return;
	}
	strbuf_rtrim(&text);
	for (p = text.buf + text.len; p > text.buf; p--)
		if (p[-1] == '\n' && ++n == LOG_TAIL_LINES)
			break;
	while (*p) {
		char *eol = strchr(p, '\n');

		strbuf_addstr(out, "    ");
		if (!eol) {
			strbuf_addstr(out, p);
			strbuf_addch(out, '\n');
			break;
		}
		strbuf_add(out, p, eol - p + 1);
		p = eol + 1;
	}
	strbuf_release(&text);
}

/* "git log --oneline from..to", indented, at most RANGE_MAX lines. */
static void commit_range(const char *from, const char *to, struct strbuf *out)
{
	struct strbuf log = STRBUF_INIT, err = STRBUF_INIT;
	struct repo *repo = repo_thread(&err);
	const char *p, *eol;

	if (!repo || repo_log_oneline(repo, from, to, RANGE_MAX, &log, &err)) {
		strbuf_addf(out, "    (%s)\n", err.buf);
		goto out;
	}
	if (!log.len)
		strbuf_addstr(out, "    (no commits)\n");
	for (p = log.buf; *p; p = eol + 1) {
		eol = strchr(p, '\n');
		strbuf_addstr(out, "    ");
		strbuf_add(out, p, eol - p + 1);
	}
out:
	strbuf_release(&log);
	strbuf_release(&err);
}

/* The tip topic had in the build next now is, or "". */
static void last_good_tip(struct db *db, const char *published,
			  const char *topic, char *out)
{
	json_t *row = NULL;

	out[0] = 0;
	if (!published || !*published)
		return;
	db_query_row(db, &row, NULL,
		     "SELECT bt.tip FROM build_topics bt JOIN builds b ON b.id = bt.build "
		     "WHERE b.state = 'done' AND b.result = ? AND bt.topic = ? "
		     "AND bt.tip IS NOT NULL AND bt.outcome IN ('merged', 'reused', "
		     "'resolved', 'nothing') ORDER BY b.id DESC LIMIT 1",
		     "tt", published, topic);
	if (row)
		snprintf(out, MERGE_HEXSZ + 1, "%s", jstr(row, "tip"));
	json_decref(row);
}

static json_t *probe_run(struct db *db, int64_t cand, int64_t probe)
{
	json_t *row = NULL;

	db_query_row(db, &row, NULL,
		     "SELECT * FROM gate_runs WHERE candidate = ? AND probe = ? "
		     "AND state IN ('passed', 'failed', 'timeout', 'cached') "
		     "ORDER BY id DESC LIMIT 1",
		     "ii", cand, probe);
	return row;
}

/* The bisection found the first failing probe, hi. */
static int culprit_found(struct job_ctx *ctx, const struct gate_conf *gc,
			 json_t *cand, json_t *probes, int64_t lo, int64_t hi,
			 struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	json_t *p = json_array_get(probes, hi), *fail, *pass, *how = NULL;
	struct strbuf reason = STRBUF_INIT, subject = STRBUF_INIT;
	struct strbuf body = STRBUF_INIT;
	int64_t id = jint(cand, "id"), notif = 0;
	char good[MERGE_HEXSZ + 1] = "";
	const char *topic = jstr(p, "topic"), *state;
	bool fallback;
	int ret;

	fail = probe_run(ctx->db, id, hi);
	pass = probe_run(ctx->db, id, lo);
	if (hi == 0) {
		strbuf_addf(&reason,
			    "the gate fails on the base '%s' (%.12s) alone: nothing is published",
			    cfg->base ? cfg->base : "", jstr(p, "commit"));
		db_exec(ctx->db, NULL,
			"UPDATE gate_candidates SET state = 'base-failed', reason = ?, "
			"lo = ?, hi = ?, finished_at = ? WHERE id = ?",
			"tiiii", reason.buf, lo, hi, (int64_t)time(NULL), id);
		db_exec(ctx->db, NULL,
			"UPDATE builds SET gate = 'failed' WHERE id = ?", "i",
			jint(cand, "build"));
		log_error("gate: %s (see %s)", reason.buf, jstr(fail, "log"));
		publish_event(ctx->db, id, "base-failed");
		ret = 0;
		goto out;
	}
	db_query_row(ctx->db, &how, NULL,
		     "SELECT gate FROM build_topics WHERE build = ? AND topic = ?",
		     "it", jint(cand, "build"), topic);
	fallback = !strcmp(jstr(how, "gate"), "fallback");
	if (!fallback)
		last_good_tip(ctx->db, jstr(cand, "published"), topic, good);
	if (!strcmp(good, jstr(p, "tip")))
		good[0] = 0;
	strbuf_addf(&reason,
		    "gate run %" PRId64
		    " fails on next with '%s' merged at %.12s, "
		    "gate run %" PRId64 " passes on the merge before it",
		    jint(fail, "id"), topic, jstr(p, "tip"), jint(pass, "id"));
	if (!gc->gated)
		state = "reported";
	else
		state = "ejected";

	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out;
	if (fallback) {
		/* its last good tip failed too: leave it out */
		ret = db_exec(
			ctx->db, err,
			"UPDATE gate_ejections SET state = 'dropped', updated_at = ?, "
			"reason = reason || '; its last good tip fails too (gate run ' || ? || ')' "
			"WHERE topic = ? AND state = 'trying'",
			"iit", (int64_t)time(NULL), jint(fail, "id"), topic);
	} else {
		ret = db_exec(
			ctx->db, err,
			"INSERT INTO gate_ejections (candidate, topic, bad_tip, good_tip, "
			"state, fail_run, pass_run, reason, created_at, updated_at) "
			"VALUES (?, ?, (SELECT tip FROM build_topics WHERE build = ? AND topic = ?), "
			"?, ?, ?, ?, ?, ?, ?)",
			"ititttiitii", id, topic, jint(cand, "build"), topic,
			*good ? good : NULL, state, jint(fail, "id"),
			jint(pass, "id"), reason.buf, (int64_t)time(NULL),
			(int64_t)time(NULL));
	}
	if (!ret)
		ret = db_exec(
			ctx->db, err,
			"UPDATE gate_candidates SET state = 'failed', culprit = ?, "
			"reason = ?, lo = ?, hi = ?, finished_at = ? WHERE id = ?",
			"ttiiii", topic, reason.buf, lo, hi,
			(int64_t)time(NULL), id);
	if (!ret)
		ret = db_exec(ctx->db, err,
			      "UPDATE builds SET gate = 'failed' WHERE id = ?",
			      "i", jint(cand, "build"));

	/* The maintainer's notification, in the same transaction. */
	if (!ret) {
		strbuf_addf(&subject, "[%s gate] '%s' %s next", cfg->tree_name,
			    topic, gc->gated ? "ejected from" : "breaks");
		strbuf_addf(&body,
			    "The gate fails on next (build %" PRId64
			    ", candidate %.12s)\n"
			    "with topic '%s' at %.12s merged; the merge before it passes.\n\n",
			    jint(cand, "build"), jstr(cand, "commit_sha"),
			    topic, jstr(p, "tip"));
		strbuf_addf(&body,
			    "    failing: gate run %" PRId64 ", %.12s, %s\n",
			    jint(fail, "id"), jstr(fail, "commit_sha"),
			    jstr(fail, "log"));
		strbuf_addf(&body,
			    "    passing: gate run %" PRId64 ", %.12s\n\n",
			    jint(pass, "id"), jstr(pass, "commit_sha"));
		if (fallback)
			strbuf_addf(&body,
				    "'%s' was at its last good tip: it is left out of next\n"
				    "until its branch moves.\n\n",
				    topic);
		else if (!gc->gated)
			strbuf_addstr(
				&body,
				"[gate] publish = always: next is published as it is.\n\n");
		else if (*good)
			strbuf_addf(&body,
				    "'%s' is left out of next; once next passes without it, it is\n"
				    "tried at its last good tip %.12s.\n\n",
				    topic, good);
		else
			strbuf_addf(&body,
				    "'%s' is left out of next until its branch moves; it has no\n"
				    "earlier tip that passed.\n\n",
				    topic);
		strbuf_addf(&body, "Commits since %s (%.12s..%.12s):\n",
			    *good ? "its last good tip" : "the base",
			    *good ? good :
				    jstr(json_array_get(probes, 0), "commit"),
			    jstr(p, "tip"));
		commit_range(*good ? good :
				     jstr(json_array_get(probes, 0), "commit"),
			     jstr(p, "tip"), &body);
		strbuf_addf(&body,
			    "\nThe end of the log of gate run %" PRId64 ":\n\n",
			    jint(fail, "id"));
		log_tail(jstr(fail, "log"), &body);
		ret = notify_maintainer(ctx->db, cfg, "gate-ejected", topic,
					subject.buf, body.buf, &notif, err);
		if (!ret && notif)
			db_exec(ctx->db, NULL,
				"UPDATE gate_ejections SET notification = ? "
				"WHERE id = (SELECT max(id) FROM gate_ejections WHERE topic = ?)",
				"it", notif, topic);
	}
	if (ret < 0) {
		db_rollback(ctx->db);
		goto out;
	}
	ret = db_commit(ctx->db, err);
	if (ret < 0)
		goto out;
	log_warn("gate: %s", reason.buf);
	publish_event(ctx->db, id, fallback ? "dropped" : state);
	if (gc->gated)
		engine_kick(JOB_NEXT_REBUILD,
			    json_pack("{s:s}", "trigger", "gate"), 0);
out:
	json_decref(fail);
	json_decref(pass);
	json_decref(how);
	strbuf_release(&reason);
	strbuf_release(&subject);
	strbuf_release(&body);
	return ret;
}

static int64_t outstanding(struct db *db, int64_t cand, int64_t round)
{
	int64_t n = 0;

	db_query_int(db, &n, NULL,
		     "SELECT count(*) FROM gate_runs WHERE candidate = ? AND round = ? "
		     "AND state IN ('queued', 'running')",
		     "ii", cand, round);
	return n;
}

/*
 * Move the candidate on once every run of its round has ended: pass it,
 * or start or go on bisecting, queueing up to [gate] jobs probes at once
 * spread evenly over what is left.
 */
static int advance(struct job_ctx *ctx, int64_t id, struct strbuf *err)
{
	struct gate_conf gc;
	json_t *cand = NULL, *probes = NULL, *runs = NULL, *r;
	int64_t round, lo, hi, nlo, nhi, k, j;
	size_t i;
	int ret;

	gate_conf_get(ctx->config, &gc);
	if (!gc.command)
		return 0;
again:
	json_decref(cand);
	json_decref(probes);
	json_decref(runs);
	cand = probes = runs = NULL;
	ret = load_candidate(ctx->db, id, &cand, err);
	if (ret < 0)
		goto out;
	round = jint(cand, "round");
	if (strcmp(jstr(cand, "state"), "gating") &&
	    strcmp(jstr(cand, "state"), "bisecting"))
		goto out;
	if (outstanding(ctx->db, id, round))
		goto out;
	probes = json_loads(jstr(cand, "probes"), 0, NULL);
	runs = db_query(
		ctx->db, err,
		"SELECT probe, state FROM gate_runs WHERE candidate = ? AND round = ?",
		"ii", id, round);
	if (!probes || !runs) {
		ret = error_set(err, -EIO,
				"gate candidate %" PRId64 " is unreadable", id);
		goto out;
	}
	lo = jint(cand, "lo");
	hi = json_integer_value(json_object_get(cand, "hi"));
	nlo = lo;
	nhi = hi;
	json_array_foreach(runs, i, r) {
		const char *s = jstr(r, "state");

		if (!strcmp(s, "error")) {
			db_exec(ctx->db, NULL,
				"UPDATE gate_candidates SET state = 'error', finished_at = ?, "
				"reason = 'a gate run could not run; see its log' WHERE id = ?",
				"ii", (int64_t)time(NULL), id);
			db_exec(ctx->db, NULL,
				"UPDATE builds SET gate = 'failed' WHERE id = ?",
				"i", jint(cand, "build"));
			log_error("gate: candidate %" PRId64
				  ": a gate run could not run",
				  id);
			publish_event(ctx->db, id, "error");
			goto out;
		}
		if ((!strcmp(s, "failed") || !strcmp(s, "timeout")) &&
		    jint(r, "probe") < nhi)
			nhi = jint(r, "probe");
	}
	json_array_foreach(runs, i, r) {
		const char *s = jstr(r, "state");

		if ((!strcmp(s, "passed") || !strcmp(s, "cached")) &&
		    jint(r, "probe") < nhi && jint(r, "probe") > nlo)
			nlo = jint(r, "probe");
	}
	if (round == 0) {
		const char *verdict = NULL;
		bool cached;

		json_array_foreach(runs, i, r) {
			const char *s = jstr(r, "state");

			if (!strcmp(s, "passed") || !strcmp(s, "cached"))
				verdict = "pass";
			else if (!strcmp(s, "failed") || !strcmp(s, "timeout"))
				verdict = "fail";
		}
		if (!verdict) {
			/* no run yet, or only one a stop cut short */
			ret = queue_run(ctx, &gc, cand, 0, hi, NULL,
					jstr(cand, "commit_sha"), &cached, err);
			if (ret < 0)
				goto out;
			goto again;
		}
		if (!strcmp(verdict, "pass")) {
			ret = candidate_passed(ctx, &gc, cand,
					       "the gate passes", err);
			goto out;
		}
		nhi = hi;
		nlo = -1;
	}
	if (nhi - nlo <= 1) {
		ret = culprit_found(ctx, &gc, cand, probes, nlo, nhi, err);
		goto out;
	}
	/* Another round of probes in (nlo, nhi). */
	round++;
	ret = db_exec(ctx->db, err,
		      "UPDATE gate_candidates SET state = 'bisecting', round = ?, lo = ?, "
		      "hi = ? WHERE id = ?",
		      "iiii", round, nlo, nhi, id);
	if (ret < 0)
		goto out;
	k = gc.jobs;
	if (k > nhi - nlo - 1)
		k = nhi - nlo - 1;
	for (j = 1; j <= k; j++) {
		int64_t pos = nlo + (nhi - nlo) * j / (k + 1);
		json_t *p = json_array_get(probes, pos);
		bool cached;

		if (pos <= nlo || pos >= nhi)
			continue;
		ret = queue_run(ctx, &gc, cand, round, pos,
				json_string_value(json_object_get(p, "topic")),
				jstr(p, "commit"), &cached, err);
		if (ret < 0)
			goto out;
	}
	log_info("gate: candidate %" PRId64 " bisecting, round %" PRId64
		 ": %" PRId64 " probes in (%" PRId64 ", %" PRId64 ")",
		 id, round, k, nlo, nhi);
	publish_event(ctx->db, id, "bisecting");
	goto again;
out:
	json_decref(cand);
	json_decref(probes);
	json_decref(runs);
	return ret;
}

int gate_candidate(struct job_ctx *ctx, int64_t build, struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	char tree[MERGE_HEXSZ + 1], next_now[MERGE_HEXSZ + 1] = "";
	json_t *row = NULL, *probes = NULL, *cand = NULL;
	struct gate_conf gc;
	struct merge *m;
	char *text = NULL;
	int64_t id;
	int ret;

	gate_conf_get(cfg, &gc);
	if (!gc.command)
		return 0;
	ret = merge_handle(cfg, &m, NULL, err);
	if (ret < 0)
		return ret;
	ret = db_query_row(ctx->db, &row, err,
			   "SELECT id, base, result FROM builds WHERE id = ?",
			   "i", build);
	if (ret < 0 || !row)
		return ret < 0 ? ret :
				 error_set(err, ERR_NOT_FOUND, "unknown build");
	if (!*jstr(row, "result"))
		goto out;
	ret = merge_commit_info(m, jstr(row, "result"), tree, NULL, NULL, err);
	if (ret < 0)
		goto out;
	if (merge_resolve_commit(m, cfg->next, next_now, NULL) < 0)
		next_now[0] = 0;
	probes = build_probes(ctx->db, row, err);
	if (!probes) {
		ret = -EIO;
		goto out;
	}
	text = json_dumps(probes, JSON_COMPACT);
	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out;
	ret = db_exec(ctx->db, err,
		      "UPDATE builds SET gate = 'pending', state = 'done', "
		      "finished_at = coalesce(finished_at, ?) WHERE id = ?",
		      "ii", (int64_t)time(NULL), build);
	if (!ret)
		ret = db_exec(ctx->db, err,
			      "INSERT INTO gate_candidates (build, commit_sha, tree, published, "
			      "state, publish, hi, probes, created_at) "
			      "VALUES (?, ?, ?, ?, 'gating', ?, ?, ?, ?)",
			      "ittttiti", build, jstr(row, "result"), tree,
			      *next_now ? next_now : NULL,
			      gc.gated ? "gated" : "always",
			      (int64_t)json_array_size(probes) - 1, text,
			      (int64_t)time(NULL));
	if (ret < 0) {
		db_rollback(ctx->db);
		goto out;
	}
	id = db_last_insert_id(ctx->db);
	ret = db_commit(ctx->db, err);
	if (ret < 0)
		goto out;
	stale_older(ctx, id);
	ret = load_candidate(ctx->db, id, &cand, err);
	if (ret < 0)
		goto out;
	log_info("gate: build %" PRId64 " is candidate %" PRId64 " (%.12s)",
		 build, id, jstr(row, "result"));
	publish_event(ctx->db, id, "candidate");
	if (gc.gated && !strcmp(next_now, jstr(row, "result"))) {
		ret = candidate_passed(ctx, &gc, cand,
				       "next is this commit already", err);
		goto out;
	}
	ret = advance(ctx, id, err);
out:
	free(text);
	json_decref(row);
	json_decref(probes);
	json_decref(cand);
	return ret;
}

/*
 * "gate-result" {run, state, exit_code, duration_ms?, error?, log_url?,
 * ci?}: a run ended.  With ci (a POST from mode = external) the run must
 * be one waiting for the CI, else ERR_CONFLICT; otherwise a run told
 * twice (a rerun after a crash) keeps the first answer.
 */
int gate_job_result(struct job_ctx *ctx, json_t *args, json_t **result,
		    struct strbuf *err)
{
	int64_t run = jint(args, "run");
	const char *state = jstr(args, "state");
	const char *log_url =
		json_string_value(json_object_get(args, "log_url"));
	bool ci = json_is_true(json_object_get(args, "ci"));
	json_t *row = NULL, *dur = json_object_get(args, "duration_ms");
	int64_t now = time(NULL);
	FILE *f;
	int ret;

	ret = db_query_row(
		ctx->db, &row, err,
		"SELECT candidate, state, slot, log, started_at FROM gate_runs "
		"WHERE id = ?",
		"i", run);
	if (ret < 0)
		return ret;
	if (!row)
		return error_set(err, ERR_NOT_FOUND,
				 "unknown gate run '%" PRId64 "'", run);
	if (ci && (strcmp(jstr(row, "state"), "running") ||
		   jint(row, "slot") != -1)) {
		ret = error_set(err, ERR_CONFLICT,
				"gate run '%" PRId64
				"' is not waiting for a CI result (it is '%s')",
				run, jstr(row, "state"));
		json_decref(row);
		return ret;
	}
	if (strcmp(jstr(row, "state"), "queued") &&
	    strcmp(jstr(row, "state"), "running")) {
		json_decref(row);
		return 0;
	}
	ret = db_exec(ctx->db, err,
		      "UPDATE gate_runs SET state = ?, exit_code = ?, error = ?, "
		      "duration_ms = ?, finished_at = ?, log_url = ? "
		      "WHERE id = ?",
		      "titiiti", state, jint(args, "exit_code"),
		      json_string_value(json_object_get(args, "error")),
		      json_is_integer(dur) ?
			      json_integer_value(dur) :
			      (now - jint(row, "started_at")) * 1000,
		      now, log_url, run);
	if (!ret && (ci || log_url) && *jstr(row, "log")) {
		f = fopen(jstr(row, "log"), "ae");
		if (f) {
			fprintf(f, "cthulhu gate: %s%s%s\n", state,
				log_url ? ", the CI's log: " : "",
				log_url ? log_url : "");
			fclose(f);
		}
	}
	if (!ret) {
		log_info("gate: run %" PRId64 " %s", run, state);
		ret = advance(ctx, jint(row, "candidate"), err);
	}
	*result =
		json_pack("{s:I, s:s}", "run", (json_int_t)run, "state", state);
	json_decref(row);
	return ret;
}

/*
 * "gate-check" (periodic): mode = external runs still waiting for the CI
 * past [gate] timeout time out.
 */
int gate_job_check(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	struct gate_conf gc;
	json_t *rows, *r, *res = NULL, *a;
	size_t i;
	int ret = 0;

	gate_conf_get(ctx->config, &gc);
	if (!gc.command || !gc.external || gc.timeout <= 0)
		return 0;
	rows = db_query(ctx->db, err,
			"SELECT id FROM gate_runs WHERE state = 'running' AND slot = -1 "
			"AND started_at < ?",
			"i", (int64_t)time(NULL) - gc.timeout);
	if (!rows)
		return -EIO;
	json_array_foreach(rows, i, r) {
		a = json_pack("{s:I, s:s, s:i, s:s}", "run",
			      (json_int_t)jint(r, "id"), "state", "timeout",
			      "exit_code", -1, "error",
			      "no result from the CI within [gate] timeout");
		ret = gate_job_result(ctx, a, &res, err);
		json_decref(a);
		json_decref(res);
		res = NULL;
		if (ret < 0)
			break;
	}
	json_decref(rows);
	return ret;
}

int gate_run_find(struct db *db, const char *key, int64_t *id,
		  struct strbuf *err)
{
	size_t len = strlen(key), i;
	char *end;
	long long v;

	if (len == MERGE_HEXSZ && strspn(key, "0123456789abcdef") == len) {
		int ret = db_query_int(
			db, id, err,
			"SELECT id FROM gate_runs WHERE commit_sha = ? "
			"ORDER BY state = 'running' DESC, id DESC LIMIT 1",
			"t", key);

		if (ret == -ENOENT)
			return error_set(err, ERR_NOT_FOUND,
					 "no gate run of commit '%s'", key);
		return ret;
	}
	for (i = 0; i < len; i++)
		if (key[i] < '0' || key[i] > '9')
			break;
	v = strtoll(key, &end, 10);
	if (!len || i < len || *end || v < 1)
		return error_set(err, ERR_NOT_FOUND, "unknown gate run '%s'",
				 key);
	*id = v;
	return 0;
}

/*
 * "gate-resume": after a stop or a crash, runs left queued or running
 * are interrupted (every process they left killed) and queued again for the
 * latest candidate still being gated; a candidate that passed while next
 * did not move yet is published.
 */
int gate_job_resume(struct job_ctx *ctx, json_t *args, json_t **result,
		    struct strbuf *err)
{
	struct strbuf dir = STRBUF_INIT;
	struct gate_conf gc;
	json_t *runs, *r, *cand = NULL;
	size_t i;
	int ret = 0;

	gate_conf_get(ctx->config, &gc);
	/* a run the CI has keeps waiting for its POST */
	runs = db_query(ctx->db, err,
			"SELECT id FROM gate_runs WHERE state IN ('queued', 'running') "
			"AND NOT (? AND state = 'running' AND slot = -1)",
			"d", (int)gc.external);
	if (!runs)
		return -EIO;
	gate_dir(ctx->config, &dir);
	json_array_foreach(runs, i, r) {
		char *marker = gate_proc_marker(dir.buf, jint(r, "id"));
		int n = gate_proc_kill(marker);

		if (n)
			log_warn("gate: killed %d process%s left by run %" PRId64,
				 n, n == 1 ? "" : "es", jint(r, "id"));
		free(marker);
	}
	strbuf_release(&dir);
	json_decref(runs);
	ret = db_exec(ctx->db, err,
		      "UPDATE gate_runs SET state = 'interrupted', "
		      "error = 'cthulhud stopped while it ran', finished_at = ? "
		      "WHERE state IN ('queued', 'running') "
		      "AND NOT (? AND state = 'running' AND slot = -1)",
		      "id", (int64_t)time(NULL), (int)gc.external);
	if (ret < 0)
		return ret;
	db_query_row(ctx->db, &cand, NULL,
		     "SELECT * FROM gate_candidates WHERE state IN ('gating', 'bisecting') "
		     "ORDER BY id DESC LIMIT 1",
		     NULL);
	if (cand && gc.command) {
		int64_t id = jint(cand, "id"), round = jint(cand, "round");

		stale_older(ctx, id);
		runs = db_query(
			ctx->db, err,
			"SELECT probe, topic, commit_sha FROM gate_runs r "
			"WHERE candidate = ? AND round = ? AND state = 'interrupted' "
			"AND NOT EXISTS (SELECT 1 FROM gate_runs s WHERE s.candidate = r.candidate "
			"AND s.round = r.round AND s.probe IS r.probe AND s.state != 'interrupted') "
			"GROUP BY probe",
			"ii", id, round);
		json_array_foreach(runs, i, r) {
			bool cached;

			log_info("gate: candidate %" PRId64
				 ": running probe %" PRId64 " again",
				 id, jint(r, "probe"));
			ret = queue_run(ctx, &gc, cand, round, jint(r, "probe"),
					json_string_value(
						json_object_get(r, "topic")),
					jstr(r, "commit_sha"), &cached, err);
			if (ret < 0)
				break;
		}
		json_decref(runs);
		if (!ret)
			ret = advance(ctx, id, err);
	}
	json_decref(cand);
	cand = NULL;
	/* passed, but cut short before next moved */
	if (!ret && gc.command && gc.gated) {
		db_query_row(ctx->db, &cand, NULL,
			     "SELECT c.build, c.commit_sha FROM gate_candidates c "
			     "WHERE c.state = 'passed' AND c.id = (SELECT max(id) FROM "
			     "gate_candidates WHERE state != 'stale')",
			     NULL);
		if (cand)
			ret = publish(ctx, jint(cand, "build"), err);
		json_decref(cand);
	}
	*result = json_object();
	return ret;
}

void gate_start(const struct config *cfg)
{
	struct gate_conf gc;

	/* without a gate, runs a crash left wait for it to come back */
	gate_conf_get(cfg, &gc);
	if (!gc.command)
		return;
	engine_kick(JOB_GATE_RESUME, NULL, 0);
	if (gc.external)
		engine_every(JOB_GATE_CHECK, 5000);
}

void gate_stop(void)
{
	gate_run_stop();
}

/* --- reads ------------------------------------------------------------- */

static json_t *candidate_runs(struct db *db, int64_t cand, struct strbuf *err)
{
	return db_query(
		db, err,
		"SELECT id, round, probe, topic, commit_sha AS 'commit', state, "
		"slot, exit_code, log, log_url, error, started_at, finished_at, duration_ms "
		"FROM gate_runs WHERE candidate = ? ORDER BY id",
		"i", cand);
}

/* "bisecting: round 2, 3 runs, the culprit is in merges 5 to 8" */
static void progress_line(json_t *cand, json_t *running, struct strbuf *sb)
{
	const char *state = jstr(cand, "state");
	json_t *probes = json_object_get(cand, "probes");
	json_t *r = json_array_get(running, 0);
	size_t nr_runs = json_array_size(json_object_get(cand, "runs"));

	if (!strcmp(state, "gating"))
		strbuf_addf(sb, "gating the whole candidate (%zu merges)",
			    json_array_size(probes) ?
				    json_array_size(probes) - 1 :
				    0);
	else if (!strcmp(state, "bisecting"))
		strbuf_addf(sb,
			    "bisecting, round %lld: the first failing merge is one of %lld",
			    (long long)jint(cand, "round"),
			    (long long)(json_integer_value(
						json_object_get(cand, "hi")) -
					jint(cand, "lo")));
	else
		strbuf_addstr(sb, state);
	strbuf_addf(sb, "; %zu run%s", nr_runs, nr_runs == 1 ? "" : "s");
	if (r)
		strbuf_addf(sb, "; run %lld: %s", (long long)jint(r, "run"),
			    jstr(r, "line"));
}

static int candidate_json(struct db *db, json_t *cand, json_t *running,
			  struct strbuf *err)
{
	struct strbuf line = STRBUF_INIT;
	json_t *runs, *probes;

	runs = candidate_runs(db, jint(cand, "id"), err);
	if (!runs)
		return -EIO;
	probes = json_loads(jstr(cand, "probes"), 0, NULL);
	json_object_set_new(cand, "probes", probes ? probes : json_array());
	json_object_set_new(cand, "runs", runs);
	json_object_set(cand, "commit", json_object_get(cand, "commit_sha"));
	json_object_del(cand, "commit_sha");
	progress_line(cand, running, &line);
	json_object_set_new(cand, "progress", json_string(line.buf));
	strbuf_release(&line);
	return 0;
}

int gate_state(struct db *db, const struct config *cfg, const char *next_commit,
	       json_t **out, struct strbuf *err)
{
	json_t *cand = NULL, *ej, *running;
	struct gate_conf gc;
	int ret;

	gate_conf_get(cfg, &gc);
	ret = db_query_row(db, &cand, err,
			   "SELECT * FROM gate_candidates ORDER BY id DESC LIMIT 1",
			   NULL);
	if (ret < 0)
		return ret;
	running = gate_run_status();
	if (cand) {
		ret = candidate_json(db, cand, running, err);
		if (ret < 0) {
			json_decref(cand);
			json_decref(running);
			return ret;
		}
	}
	/* those that hold: the topic's branch is still at the bad tip */
	ej = db_query(
		db, err,
		"SELECT e.id, e.candidate, e.topic, e.bad_tip, e.good_tip, e.state, "
		"e.fail_run, e.pass_run, e.reason, e.notification, e.created_at, "
		"e.updated_at FROM gate_ejections e JOIN topics t ON t.name = e.topic "
		"WHERE t.tip = e.bad_tip AND e.state IN ('ejected', 'trying', "
		"'fallback', 'dropped') ORDER BY e.id DESC LIMIT 50",
		NULL);
	if (!ej) {
		json_decref(cand);
		json_decref(running);
		return -EIO;
	}
	*out = json_pack("{s:b, s:s, s:s, s:s*, s:I, s:I, s:{s:s*}, s:o, s:o, s:o}",
			 "enabled", gc.command != NULL, "mode",
			 gc.external ? "external" : "local", "publish",
			 gc.gated ? "gated" : "always", "command", gc.command,
			 "jobs", (json_int_t)gc.jobs, "timeout",
			 (json_int_t)gc.timeout, "published", "commit",
			 next_commit && *next_commit ? next_commit : NULL,
			 "candidate", cand ? cand : json_null(), "running",
			 running, "ejections", ej);
	return 0;
}

int gate_run_get(struct db *db, int64_t id, bool with_log, json_t **out,
		 struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	json_t *row = NULL;
	int ret;

	ret = db_query_row(
		db, &row, err,
		"SELECT r.id, r.candidate, c.build, r.round, r.probe, r.topic, "
		"r.commit_sha AS 'commit', r.tree, r.state, r.command, r.slot, "
		"r.exit_code, r.log, r.log_url, r.error, r.created_at, r.started_at, "
		"r.finished_at, r.duration_ms FROM gate_runs r "
		"JOIN gate_candidates c ON c.id = r.candidate WHERE r.id = ?",
		"i", id);
	if (ret < 0)
		return ret;
	if (!row)
		return error_set(err, ERR_NOT_FOUND,
				 "unknown gate run '%" PRId64 "'", id);
	if (with_log) {
		json_t *s = NULL;
		size_t k;

		if (*jstr(row, "log") &&
		    strbuf_read_file(&text, jstr(row, "log")) >= 0) {
			s = json_stringn(text.buf, text.len);
			/* a log that is not UTF-8: its other bytes as '?' */
			for (k = 0; !s && k < text.len; k++)
				if ((unsigned char)text.buf[k] >= 0x80 ||
				    !text.buf[k])
					text.buf[k] = '?';
			if (!s)
				s = json_stringn(text.buf, text.len);
		}
		json_object_set_new(row, "text", s ? s : json_null());
		strbuf_release(&text);
	}
	*out = row;
	return 0;
}

json_t *gate_candidate_list(struct db *db, int64_t limit, struct strbuf *err)
{
	json_t *rows, *row, *none = json_array();
	size_t i;

	rows = db_query(db, err,
			"SELECT * FROM gate_candidates ORDER BY id DESC LIMIT ?",
			"i", limit);
	json_array_foreach(rows, i, row)
		if (candidate_json(db, row, none, err) < 0) {
			json_decref(rows);
			rows = NULL;
			break;
		}
	json_decref(none);
	return rows;
}
