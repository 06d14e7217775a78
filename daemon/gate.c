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
#include "daemon/gate-lift.h"
#include "daemon/gate-pair.h"
#include "daemon/gate-proc.h"
#include "daemon/gate-run.h"
#include "daemon/gate.h"
#include "daemon/jobs.h"
#include "lib/log.h"
#include "daemon/merge-handle.h"
#include "daemon/merge.h"
#include "daemon/notify.h"
#include "daemon/repo.h"
#include "daemon/store/row.h"
#include "daemon/store/builds.h"
#include "daemon/store/gate.h"
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
	int64_t retries; /* a failing run is run again up to this often */
	bool reprobe;	 /* run the culprit's probe once more first */
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

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static bool str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
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
	config_get_int(cfg, "gate.retries", 0, &gc->retries, NULL);
	if (gc->retries < 0)
		gc->retries = 0;
	config_get_bool(cfg, "gate.reprobe", gc->retries > 0, &gc->reprobe,
			NULL);
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
	struct store_gate_ejection e;
	bool found;

	snprintf(use, MERGE_HEXSZ + 1, "%s", tip);
	*how = NULL;
	if (!*tip || !gate_holds_next(cfg))
		return;
	if (store_gate_ejection_of_tip(db, topic, tip, &e, &found, NULL) < 0 ||
	    !found)
		return;
	if (str_is(e.state, "lifted") || str_is(e.state, "cleared")) {
		/* a merge-fix lifted it: at its tip, with the fix */
		*how = str_is(e.state, "lifted") ? "lifted" : NULL;
	} else if ((str_is(e.state, "trying") || str_is(e.state, "fallback")) &&
		   e.good_tip && *e.good_tip) {
		snprintf(use, MERGE_HEXSZ + 1, "%s", e.good_tip);
		*how = "fallback";
	} else {
		use[0] = 0;
		*how = "ejected";
	}
	store_gate_ejection_release(&e);
}

void gate_topic_word(struct db *db, const char *topic, char **reason,
		     char **with)
{
	struct store_gate_ejection e;
	bool found;

	*reason = NULL;
	*with = NULL;
	if (store_gate_ejection_latest(db, topic, &e, &found, NULL) < 0 ||
	    !found)
		return;
	if (e.merge_fix &&
	    (str_is(e.state, "lifted") || str_is(e.state, "cleared"))) {
		struct strbuf says = STRBUF_INIT;

		gate_lift_says(&e, &says);
		free(e.reason);
		e.reason = strbuf_detach(&says, NULL);
	}
	*reason = e.reason;
	*with = e.partner;
	e.reason = NULL;
	e.partner = NULL;
	store_gate_ejection_release(&e);
}

static void publish_event(struct db *db, int64_t cand, const char *what)
{
	struct store_gate_candidate c;

	if (store_gate_candidate_get(db, cand, &c, NULL) < 0)
		return;
	bus_publish("gate",
		    json_pack("{s:I, s:I, s:s?, s:s?, s:I, s:s?, s:s?, s:s?, "
			      "s:s?, s:s}",
			      "id", (json_int_t)c.id, "build",
			      (json_int_t)c.build, "commit", c.commit, "state",
			      c.state, "round", (json_int_t)c.round, "culprit",
			      c.culprit, "with", c.partner, "reason", c.reason,
			      "flaky", c.flaky, "event", what));
	store_gate_candidate_release(&c);
}

static void gate_dir(const struct config *cfg, struct strbuf *sb)
{
	strbuf_addf(sb, "%s/gate", cfg->state_dir);
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
		store_gate_run_failed_to_run(ctx->db, id, err->buf, time(NULL),
					     NULL);
	else
		ret = store_gate_run_started(ctx->db, id, -1, time(NULL), err);
	strbuf_release(&spec);
	strbuf_release(&msg);
	return ret;
}

/*
 * Queue a run of commit for candidate cand (probe: its index in the
 * probes; pair: commit is the culprit merged onto that probe), the
 * attempt-th of that probe in round, for recheck (NULL, "reprobe" or
 * "rerun").  A tree that passed the same command before is not run
 * again: the row says 'cached', and *cached is set; a recheck is always
 * run, as it is there to see the command's answer once more.
 */
static int queue_run(struct job_ctx *ctx, const struct gate_conf *gc,
		     const struct store_gate_candidate *cand, int64_t round,
		     int64_t probe, bool pair, const char *topic,
		     const char *commit, int64_t attempt, const char *recheck,
		     bool *cached, struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	struct gate_run_spec spec = { 0 };
	struct strbuf dir = STRBUF_INIT, logp = STRBUF_INIT;
	char tree[MERGE_HEXSZ + 1];
	struct store_gate_run run = { 0 };
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
	run.candidate = cand->id;
	run.round = round;
	run.probe = probe;
	run.pair = pair;
	run.topic = topic && *topic ? (char *)topic : NULL;
	run.commit = (char *)commit;
	run.tree = tree;
	run.command = (char *)gc->command;
	run.created_at = time(NULL);
	run.attempt = attempt;
	run.recheck = (char *)recheck;
	if (!recheck && store_gate_tree_passed(ctx->db, tree, gc->command)) {
		*cached = true;
		return store_gate_run_add_cached(ctx->db, &run, err);
	}
	ret = store_gate_run_add_queued(ctx->db, &run, err);
	if (ret < 0)
		return ret;
	id = run.id;
	gate_dir(cfg, &dir);
	mkdir(dir.buf, 0755);
	strbuf_addf(&logp, "%s/logs", dir.buf);
	mkdir(logp.buf, 0755);
	strbuf_addf(&logp, "/build-%" PRId64 "-%.12s-run-%" PRId64 ".log",
		    cand->build, or_empty(cand->commit), id);
	ret = store_gate_run_set_log(ctx->db, id, logp.buf, err);
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
		store_gate_run_failed_to_run(ctx->db, id, err->buf, 0, NULL);
out:
	strbuf_release(&dir);
	strbuf_release(&logp);
	return ret;
}

/* Kill the runs of every candidate still being gated and make it stale. */
static void stale_older(struct job_ctx *ctx, int64_t keep)
{
	struct store_gate_run_list runs = { 0 };
	size_t i;

	store_gate_runs_to_cancel(ctx->db, keep, &runs, NULL);
	for (i = 0; i < runs.nr; i++)
		gate_run_cancel(runs.v[i].id);
	store_gate_run_list_release(&runs);
	store_gate_candidates_stale(ctx->db, keep, time(NULL), NULL);
}

/*
 * The probes of build b: the base, then next after each topic whose
 * merge changed it, in merge order.
 */
static int build_probes(struct db *db, const struct store_build *b,
			struct store_gate_probe_list *probes,
			struct strbuf *err)
{
	struct store_build_topic_list merges = { 0 };
	const char *prev = or_empty(b->base);
	size_t i;
	int ret;

	ret = store_build_topics(db, b->id, &merges, err);
	if (ret < 0)
		return ret;
	probes->v = xcalloc(merges.nr + 1, sizeof(*probes->v));
	probes->v[0].commit = xstrdup(prev);
	probes->nr = 1;
	for (i = 0; i < merges.nr; i++) {
		const char *c = or_empty(merges.v[i].merge_commit);
		struct store_gate_probe *p;

		if (!*c || !strcmp(c, prev))
			continue;
		p = &probes->v[probes->nr++];
		p->topic = xstrdup(or_empty(merges.v[i].topic));
		p->tip = xstrdup(or_empty(merges.v[i].tip));
		p->commit = xstrdup(c);
		prev = c;
	}
	store_build_topic_list_release(&merges);
	return 0;
}

/* Probe i of cand; one with no strings when it has none. */
static const struct store_gate_probe *
probe_at(const struct store_gate_candidate *cand, int64_t i)
{
	static const struct store_gate_probe none;

	if (i < 0 || (uint64_t)i >= cand->probes.nr)
		return &none;
	return &cand->probes.v[i];
}

/* Move the ejections the passing build settles; kick what is next. */
static void settle_ejections(struct job_ctx *ctx, int64_t build)
{
	struct store_gate_waiting_list waiting = { 0 };
	char tip[MERGE_HEXSZ + 1];
	struct merge *m;
	bool kick = false;
	size_t i;

	store_gate_ejections_fall_back(ctx->db, build, time(NULL), NULL);
	gate_lift_settle(ctx->db, build);
	if (merge_handle(ctx->config, &m, NULL, NULL) < 0)
		m = NULL;
	store_gate_ejections_waiting(ctx->db, &waiting, NULL);
	for (i = 0; i < waiting.nr; i++) {
		const struct store_gate_waiting *w = &waiting.v[i];

		if (!m ||
		    merge_resolve_commit(m, or_empty(w->branch), tip, NULL) <
			    0 ||
		    strcmp(tip, or_empty(w->bad_tip)))
			continue;
		store_gate_ejection_try(ctx->db, w->ejection, time(NULL), NULL);
		log_info("gate: trying '%s' at its last good tip",
			 or_empty(w->topic));
		kick = true;
	}
	store_gate_waiting_list_release(&waiting);
	if (kick)
		engine_kick(JOB_NEXT_REBUILD,
			    json_pack("{s:s}", "trigger", "gate"), 0);
}

static int candidate_passed(struct job_ctx *ctx, const struct gate_conf *gc,
			    const struct store_gate_candidate *cand,
			    const char *why, struct strbuf *err)
{
	int ret;

	ret = db_begin(ctx->db, err);
	if (ret < 0)
		return ret;
	ret = store_gate_candidate_pass(ctx->db, cand, why, time(NULL), err);
	if (ret < 0) {
		db_rollback(ctx->db);
		return ret;
	}
	ret = db_commit(ctx->db, err);
	if (ret < 0)
		return ret;
	log_info("gate: candidate %" PRId64 " (build %" PRId64 ") passes: %s",
		 cand->id, cand->build, why);
	if (gc->gated) {
		ret = publish(ctx, cand->build, err);
		if (ret < 0) {
			log_warn("gate: cannot publish build %" PRId64 ": %s",
				 cand->build, err->buf);
			return ret;
		}
		settle_ejections(ctx, cand->build);
	}
	publish_event(ctx->db, cand->id, "passed");
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
	char *tip = NULL;

	out[0] = 0;
	if (!published || !*published)
		return;
	store_gate_last_good_tip(db, published, topic, &tip, NULL);
	if (tip)
		snprintf(out, MERGE_HEXSZ + 1, "%s", tip);
	free(tip);
}

/*
 * The bisection found the first failing probe, hi; pairing its topic
 * found the topic of probe partner (0 for none) that it fails together
 * with.
 */
static int culprit_found(struct job_ctx *ctx, const struct gate_conf *gc,
			 const struct store_gate_candidate *cand, int64_t lo,
			 int64_t hi, int64_t partner, struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	const struct store_gate_probe *p = probe_at(cand, hi);
	const char *base = or_empty(probe_at(cand, 0)->commit);
	struct strbuf reason = STRBUF_INIT, subject = STRBUF_INIT;
	struct strbuf body = STRBUF_INIT;
	struct store_gate_run fail, pass, alone = { 0 }, with = { 0 };
	struct store_gate_ejection ej = { 0 };
	struct strbuf says = STRBUF_INIT, suggest = STRBUF_INIT;
	const char *with_topic = NULL;
	int64_t id = cand->id, notif = 0;
	char good[MERGE_HEXSZ + 1] = "";
	const char *topic = or_empty(p->topic), *tip = or_empty(p->tip);
	const char *state;
	bool fallback, found;
	int ret;

	/* none (id 0) when there is no such run */
	store_gate_run_of_probe(ctx->db, id, hi, false, &fail, &found, NULL);
	store_gate_run_of_probe(ctx->db, id, lo, false, &pass, &found, NULL);
	if (partner > 0 && probe_at(cand, partner)->topic) {
		with_topic = probe_at(cand, partner)->topic;
		store_gate_run_of_probe(ctx->db, id, 0, true, &alone, &found,
					NULL);
		store_gate_run_of_probe(ctx->db, id, partner, true, &with,
					&found, NULL);
		gate_pair_says(topic, with_topic, &says);
		gate_pair_suggest(topic, with_topic, &suggest);
	}
	if (hi == 0) {
		strbuf_addf(&reason,
			    "the gate fails on the base '%s' (%.12s) alone: nothing is published",
			    cfg->base ? cfg->base : "", or_empty(p->commit));
		store_gate_candidate_fail(ctx->db, cand, NULL, NULL, reason.buf,
					  lo, hi, time(NULL), NULL);
		log_error("gate: %s (see %s)", reason.buf, or_empty(fail.log));
		publish_event(ctx->db, id, "base-failed");
		ret = 0;
		goto out;
	}
	fallback = store_gate_build_fell_back(ctx->db, cand->build, topic);
	if (!fallback)
		last_good_tip(ctx->db, cand->published, topic, good);
	if (!strcmp(good, tip))
		good[0] = 0;
	if (with_topic) {
		strbuf_addf(&reason,
			    "%s: gate run %" PRId64
			    " passes on the base with only '%s' merged, ",
			    says.buf, alone.id, topic);
		if (with.id)
			strbuf_addf(&reason,
				    "gate run %" PRId64
				    " fails with '%s' merged onto next up to '%s', ",
				    with.id, topic, with_topic);
	}
	strbuf_addf(&reason,
		    "gate run %" PRId64
		    " fails on next with '%s' merged at %.12s, "
		    "gate run %" PRId64 " passes on the merge before it",
		    fail.id, topic, tip, pass.id);
	if (with_topic)
		strbuf_addf(&reason, "; record a merge-fix: %s", suggest.buf);
	if (!gc->gated)
		state = "reported";
	else
		state = "ejected";

	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out;
	if (fallback) {
		/* its last good tip failed too: leave it out */
		ret = store_gate_ejection_drop(ctx->db, topic, fail.id,
					       time(NULL), err);
	} else {
		ej.candidate = id;
		ej.topic = (char *)topic;
		ej.good_tip = *good ? good : NULL;
		ej.state = (char *)state;
		ej.fail_run = fail.id;
		ej.pass_run = pass.id;
		ej.reason = reason.buf;
		ej.partner = (char *)with_topic;
		ej.created_at = time(NULL);
		ret = store_gate_eject(ctx->db, &ej, cand->build, err);
	}
	if (!ret)
		ret = store_gate_candidate_fail(ctx->db, cand, topic,
						with_topic, reason.buf, lo, hi,
						time(NULL), err);

	/* The maintainer's notification, in the same transaction. */
	if (!ret) {
		strbuf_addf(&subject, "[%s gate] '%s' %s next", cfg->tree_name,
			    topic, gc->gated ? "ejected from" : "breaks");
		if (with_topic)
			strbuf_addf(&subject, ": fails together with '%s'",
				    with_topic);
		strbuf_addf(&body,
			    "The gate fails on next (build %" PRId64
			    ", candidate %.12s)\n"
			    "with topic '%s' at %.12s merged; the merge before it passes.\n\n",
			    cand->build, or_empty(cand->commit), topic, tip);
		strbuf_addf(&body,
			    "    failing: gate run %" PRId64 ", %.12s, %s\n",
			    fail.id, or_empty(fail.commit), or_empty(fail.log));
		strbuf_addf(&body,
			    "    passing: gate run %" PRId64 ", %.12s\n\n",
			    pass.id, or_empty(pass.commit));
		if (with_topic) {
			strbuf_addf(&body,
				    "%s (a semantic conflict: both merge cleanly, the result\n"
				    "does not pass):\n\n",
				    says.buf);
			strbuf_addf(&body,
				    "    alone:    gate run %" PRId64
				    ", %.12s, '%s' merged onto the base only: passes\n",
				    alone.id, or_empty(alone.commit), topic);
			if (with.id)
				strbuf_addf(&body,
					    "    together: gate run %" PRId64
					    ", %.12s, '%s' merged onto next up to '%s': fails\n",
					    with.id, or_empty(with.commit),
					    topic, with_topic);
			strbuf_addf(&body,
				    "\nOnce a fix for the pair is committed, record it as a merge-fix\n"
				    "so that next carries it after the two merges:\n\n"
				    "    %s\n\n",
				    suggest.buf);
		}
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
			    *good ? good : base, tip);
		commit_range(*good ? good : base, tip, &body);
		strbuf_addf(&body,
			    "\nThe end of the log of gate run %" PRId64 ":\n\n",
			    fail.id);
		log_tail(or_empty(fail.log), &body);
		ret = notify_maintainer(ctx->db, cfg, "gate-ejected", topic,
					subject.buf, body.buf, &notif, err);
		if (!ret && notif)
			store_gate_ejection_notified(ctx->db, topic, notif,
						     NULL);
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
	store_gate_run_release(&fail);
	store_gate_run_release(&pass);
	store_gate_run_release(&alone);
	store_gate_run_release(&with);
	strbuf_release(&says);
	strbuf_release(&suggest);
	strbuf_release(&reason);
	strbuf_release(&subject);
	strbuf_release(&body);
	return ret;
}

/*
 * Queue the run of probe pos of round: next up to merge pos, or while
 * the culprit is paired, the culprit merged onto it.  1 when that merge
 * cannot be made (it conflicts).
 */
static int queue_probe(struct job_ctx *ctx, const struct gate_conf *gc,
		       const struct store_gate_candidate *cand, int64_t round,
		       int64_t pos, struct strbuf *err)
{
	const struct store_gate_probe *p = probe_at(cand, pos);
	const struct store_gate_probe *c;
	char commit[MERGE_HEXSZ + 1];
	bool cached;
	int ret;

	if (cand->culprit_probe == STORE_NONE)
		return queue_run(ctx, gc, cand, round, pos, false, p->topic,
				 or_empty(p->commit), 1, NULL, &cached, err);
	c = probe_at(cand, cand->culprit_probe);
	ret = gate_pair_commit(ctx->db, ctx->config, cand->build,
			       pos ? p->topic : NULL, or_empty(p->commit),
			       or_empty(c->topic), or_empty(c->tip),
			       cand->created_at, commit, err);
	if (ret == ERR_CONFLICT) {
		log_warn("gate: candidate %" PRId64 ": cannot pair '%s': %s",
			 cand->id, or_empty(c->topic), err->buf);
		strbuf_reset(err);
		return 1;
	}
	if (ret < 0)
		return ret;
	return queue_run(ctx, gc, cand, round, pos, true, c->topic, commit, 1,
			 NULL, &cached, err);
}

/*
 * The bisection found the first failing probe hi.  Unless its topic is
 * the first merge (then it fails with the base alone), pair it: try it
 * on the base alone first, and with [gate] jobs above 1 on next up to
 * merges spread over the ones before it at the same time.  1 when the
 * pairing started, 0 when there is nothing to pair.
 */
static int pair_start(struct job_ctx *ctx, const struct gate_conf *gc,
		      struct store_gate_candidate *cand, int64_t hi,
		      struct strbuf *err)
{
	int64_t round = cand->round + 1, k, j;
	int ret;

	if (hi < 2 || !probe_at(cand, hi)->topic)
		return 0;
	ret = store_gate_candidate_pair(ctx->db, cand->id, hi, round, -1,
					hi - 1, err);
	if (ret < 0)
		return ret;
	cand->culprit_probe = hi;
	ret = queue_probe(ctx, gc, cand, round, 0, err);
	k = gc->jobs - 1;
	if (k > hi - 2)
		k = hi - 2;
	for (j = 1; !ret && j <= k; j++)
		ret = queue_probe(ctx, gc, cand, round, (hi - 1) * j / (k + 1),
				  err);
	/* a probe that cannot be made: eject it naming no partner */
	if (ret > 0)
		return 0;
	if (ret < 0)
		return ret;
	log_info("gate: candidate %" PRId64 ": pairing '%s', round %" PRId64,
		 cand->id, or_empty(probe_at(cand, hi)->topic), round);
	publish_event(ctx->db, cand->id, "pairing");
	return 1;
}

/* Whether run state s is a failure of the command (a verdict to retry). */
static bool state_fails(const char *s)
{
	return str_is(s, "failed") || str_is(s, "timeout");
}

static bool state_passes(const char *s)
{
	return str_is(s, "passed") || str_is(s, "cached");
}

/*
 * Whether a later run of runs is of the same probe as run i: its retry.
 * One that a stop cut short does not count: it gave no answer, and the
 * retry is made again.
 */
static bool superseded(const struct store_gate_run_list *runs, size_t i)
{
	size_t j;

	for (j = i + 1; j < runs->nr; j++)
		if (runs->v[j].probe == runs->v[i].probe &&
		    runs->v[j].pair == runs->v[i].pair &&
		    !str_is(runs->v[j].state, "interrupted"))
			return true;
	return false;
}

/*
 * The latest verdict of probe (pair or not) in runs: 1 passes, -1
 * fails, 0 none; *run gets that run's id.
 */
static int verdict_of(const struct store_gate_run_list *runs, int64_t probe,
		      bool pair, int64_t *run)
{
	int v = 0;
	size_t i;

	*run = 0;
	for (i = 0; i < runs->nr; i++) {
		const struct store_gate_run *r = &runs->v[i];

		if (r->probe != probe || r->pair != pair)
			continue;
		if (state_passes(r->state) || state_fails(r->state)) {
			v = state_passes(r->state) ? 1 : -1;
			*run = r->id;
		}
	}
	return v;
}

/* What run r ran, for the log and the reasons: "next up to 't3'". */
static void run_what(const struct store_gate_candidate *cand,
		     const struct store_gate_run *r, struct strbuf *sb)
{
	if (r->pair)
		strbuf_addf(sb, "'%s' merged onto probe %" PRId64,
			    or_empty(r->topic), r->probe);
	else if (r->probe == (int64_t)cand->probes.nr - 1 && r->probe > 0)
		strbuf_addstr(sb, "the whole candidate");
	else if (r->probe == 0)
		strbuf_addstr(sb, "the base alone");
	else
		strbuf_addf(sb, "next up to '%s'", or_empty(r->topic));
}

/*
 * [gate] retries: a run of the round that failed (or timed out), with
 * no later run of its probe, is run again while its probe has failed
 * no more than retries times in the round.  1 when a run was queued.
 */
static int retry_failures(struct job_ctx *ctx, const struct gate_conf *gc,
			  const struct store_gate_candidate *cand,
			  const struct store_gate_run_list *runs,
			  struct strbuf *err)
{
	struct strbuf what = STRBUF_INIT;
	int64_t failures;
	bool cached, queued = false;
	size_t i, j;
	int ret = 0;

	for (i = 0; gc->retries > 0 && i < runs->nr; i++) {
		const struct store_gate_run *r = &runs->v[i];

		if (!state_fails(r->state) || superseded(runs, i))
			continue;
		failures = 0;
		for (j = 0; j < runs->nr; j++)
			if (runs->v[j].probe == r->probe &&
			    runs->v[j].pair == r->pair &&
			    state_fails(runs->v[j].state))
				failures++;
		if (failures > gc->retries)
			continue;
		strbuf_reset(&what);
		run_what(cand, r, &what);
		log_info("gate: candidate %" PRId64 ": run %" PRId64
			 " of %s %s; running it again, attempt %" PRId64
			 " of %" PRId64,
			 cand->id, r->id, what.buf, r->state, failures + 1,
			 gc->retries + 1);
		ret = queue_run(ctx, gc, cand, cand->round, r->probe, r->pair,
				r->topic, or_empty(r->commit), failures + 1,
				r->recheck, &cached, err);
		if (ret < 0)
			break;
		queued = true;
	}
	strbuf_release(&what);
	if (ret < 0)
		return ret;
	if (queued)
		publish_event(ctx->db, cand->id, "retrying");
	return queued ? 1 : 0;
}

/* The recheck the runs of a round are for, NULL for none. */
static const char *round_recheck(const struct store_gate_run_list *runs)
{
	return runs->nr ? runs->v[0].recheck : NULL;
}

/* Whether probe of cand was re-probed already. */
static bool reprobed(struct db *db, const struct store_gate_candidate *cand,
		     int64_t probe)
{
	struct store_gate_run_list runs = { 0 };
	bool found = false;
	size_t i;

	if (store_gate_runs_of_candidate(db, cand->id, &runs, NULL) < 0)
		return false;
	for (i = 0; i < runs.nr && !found; i++)
		found = !runs.v[i].pair && runs.v[i].probe == probe &&
			str_is(runs.v[i].recheck, "reprobe");
	store_gate_run_list_release(&runs);
	return found;
}

/*
 * The culprit is confirmed: pair it (1 when the pairing started) or
 * eject it (0).
 */
static int culprit_confirmed(struct job_ctx *ctx, const struct gate_conf *gc,
			     struct store_gate_candidate *cand, int64_t lo,
			     int64_t hi, struct strbuf *err)
{
	int ret;

	ret = pair_start(ctx, gc, cand, hi, err);
	if (ret)
		return ret;
	return culprit_found(ctx, gc, cand, lo, hi, 0, err);
}

/*
 * The bisection found probe hi fails and lo (-1: none) passes.  With
 * [gate] reprobe, and unless hi was re-probed before, run both once more
 * in a round of their own (1); else go on to culprit_confirmed().
 */
static int culprit_check(struct job_ctx *ctx, const struct gate_conf *gc,
			 struct store_gate_candidate *cand, int64_t lo,
			 int64_t hi, struct strbuf *err)
{
	const struct store_gate_probe *p;
	int64_t round = cand->round + 1, pos[2] = { hi, lo };
	bool cached;
	int i, ret;

	if (!gc->reprobe || reprobed(ctx->db, cand, hi))
		return culprit_confirmed(ctx, gc, cand, lo, hi, err);
	ret = store_gate_candidate_bisect(ctx->db, cand->id, round, lo, hi,
					  err);
	if (ret < 0)
		return ret;
	/* the base's probe has none before it: lo is -1 */
	for (i = 0; i < 2 && pos[i] >= 0; i++) {
		p = probe_at(cand, pos[i]);
		ret = queue_run(ctx, gc, cand, round, pos[i], false, p->topic,
				or_empty(p->commit), 1, "reprobe", &cached,
				err);
		if (ret < 0)
			return ret;
	}
	log_info("gate: candidate %" PRId64 ": probe %" PRId64
		 " fails, probe %" PRId64
		 " passes; running both once more before ejecting '%s'",
		 cand->id, hi, lo, or_empty(probe_at(cand, hi)->topic));
	publish_event(ctx->db, cand->id, "reprobing");
	return 1;
}

/*
 * Start a round of the bisection in (lo, hi), up to [gate] jobs probes
 * spread evenly over it: 1 when runs were queued, 0 when the culprit was
 * settled otherwise (a pair probe that cannot be made).
 */
static int bisect_round(struct job_ctx *ctx, const struct gate_conf *gc,
			struct store_gate_candidate *cand, int64_t lo,
			int64_t hi, struct strbuf *err)
{
	int64_t round = cand->round + 1, k, j;
	bool pairing = cand->culprit_probe != STORE_NONE;
	int ret;

	ret = store_gate_candidate_bisect(ctx->db, cand->id, round, lo, hi,
					  err);
	if (ret < 0)
		return ret;
	k = gc->jobs;
	if (k > hi - lo - 1)
		k = hi - lo - 1;
	for (j = 1; j <= k; j++) {
		int64_t pos = lo + (hi - lo) * j / (k + 1);

		if (pos <= lo || pos >= hi)
			continue;
		ret = queue_probe(ctx, gc, cand, round, pos, err);
		if (ret > 0)
			/* a probe that cannot be made: name no partner */
			return culprit_found(ctx, gc, cand,
					     cand->culprit_probe - 1,
					     cand->culprit_probe, 0, err);
		if (ret < 0)
			return ret;
	}
	log_info("gate: candidate %" PRId64 " %s, round %" PRId64 ": %" PRId64
		 " probes in (%" PRId64 ", %" PRId64 ")",
		 cand->id, pairing ? "pairing its culprit" : "bisecting", round,
		 k, lo, hi);
	publish_event(ctx->db, cand->id, pairing ? "pairing" : "bisecting");
	return 1;
}

/*
 * The re-probe round ended.  The culprit's probe (hi) failing again and
 * the one before it (lo) passing again confirm the culprit; anything
 * else is a flake: nothing is ejected, the candidate is marked flaky and
 * run once more as a whole (1).
 */
static int reprobe_end(struct job_ctx *ctx, const struct gate_conf *gc,
		       struct store_gate_candidate *cand,
		       const struct store_gate_run_list *runs,
		       struct strbuf *err)
{
	int64_t lo = cand->lo, hi = cand->hi, hi_run, lo_run = 0;
	int64_t last = (int64_t)cand->probes.nr - 1, round = cand->round + 1;
	const char *topic = probe_at(cand, hi)->topic;
	struct strbuf why = STRBUF_INIT;
	int hi_v, lo_v = 1, ret;
	bool cached;

	hi_v = verdict_of(runs, hi, false, &hi_run);
	if (lo >= 0)
		lo_v = verdict_of(runs, lo, false, &lo_run);
	if (hi_v < 0 && lo_v > 0) {
		log_info("gate: candidate %" PRId64
			 ": run again, probe %" PRId64 " fails (run %" PRId64
			 ") and probe %" PRId64 " passes",
			 cand->id, hi, hi_run, lo);
		return culprit_confirmed(ctx, gc, cand, lo, hi, err);
	}
	if (hi_v >= 0) {
		strbuf_addf(&why,
			    "the gate failed on %s%s%s, and passes when run again (gate run %" PRId64
			    "): nothing is ejected",
			    topic ? "next with '" : "the base alone",
			    topic ? or_empty(topic) : "",
			    topic ? "' merged" : "", hi_run);
		if (hi_run)
			store_gate_run_flaky(ctx->db, hi_run, NULL);
	} else {
		strbuf_addf(&why,
			    "the merge before '%s' passed, and fails when run again (gate run %" PRId64
			    "): nothing is ejected",
			    or_empty(topic), lo_run);
	}
	ret = store_gate_candidate_flaky(ctx->db, cand->id, why.buf, err);
	if (!ret)
		ret = store_gate_candidate_bisect(ctx->db, cand->id, round, lo,
						  hi, err);
	if (!ret)
		ret = queue_run(ctx, gc, cand, round, last, false, NULL,
				or_empty(cand->commit), 1, "rerun", &cached,
				err);
	if (!ret) {
		log_warn("gate: candidate %" PRId64
			 " is flaky: %s; running it again",
			 cand->id, why.buf);
		publish_event(ctx->db, cand->id, "flaky");
		ret = 1;
	}
	strbuf_release(&why);
	return ret;
}

/*
 * The candidate, run again after a flaky re-probe, ended: it passes and
 * is published, or the bisection goes on from what the latest run of
 * each probe says.
 */
static int rerun_end(struct job_ctx *ctx, const struct gate_conf *gc,
		     struct store_gate_candidate *cand,
		     const struct store_gate_run_list *runs, struct strbuf *err)
{
	struct store_gate_run_list all = { 0 };
	int64_t last = (int64_t)cand->probes.nr - 1, run, p, lo = -1, hi;
	int ret;

	if (verdict_of(runs, last, false, &run) > 0)
		return candidate_passed(
			ctx, gc, cand,
			"the gate passes on the candidate run again: flaky, nothing is ejected",
			err);
	ret = store_gate_runs_of_candidate(ctx->db, cand->id, &all, err);
	if (ret < 0)
		return ret;
	for (hi = 0; hi < last && verdict_of(&all, hi, false, &run) >= 0; hi++)
		;
	for (p = hi - 1; p >= 0 && lo < 0; p--)
		if (verdict_of(&all, p, false, &run) > 0)
			lo = p;
	store_gate_run_list_release(&all);
	log_info("gate: candidate %" PRId64
		 " fails when run again; bisecting on in (%" PRId64 ", %" PRId64
		 ")",
		 cand->id, lo, hi);
	if (hi - lo <= 1)
		return culprit_check(ctx, gc, cand, lo, hi, err);
	return bisect_round(ctx, gc, cand, lo, hi, err);
}

/*
 * Move the candidate on once every run of its round has ended: retry
 * what failed ([gate] retries), pass it, or start or go on bisecting,
 * queueing up to [gate] jobs probes at once spread evenly over what is
 * left; re-probe the culprit found ([gate] reprobe).
 */
static int advance(struct job_ctx *ctx, int64_t id, struct strbuf *err)
{
	struct store_gate_candidate cand = { 0 };
	struct store_gate_run_list runs = { 0 };
	struct gate_conf gc;
	int64_t round, lo, hi, nlo, nhi, outstanding;
	const char *recheck;
	bool pairing;
	size_t i;
	int ret;

	gate_conf_get(ctx->config, &gc);
	if (!gc.command)
		return 0;
again:
	store_gate_candidate_release(&cand);
	store_gate_run_list_release(&runs);
	ret = store_gate_candidate_get(ctx->db, id, &cand, err);
	if (ret < 0)
		goto out;
	round = cand.round;
	if (!str_is(cand.state, "gating") && !str_is(cand.state, "bisecting"))
		goto out;
	outstanding = 0;
	store_gate_runs_outstanding(ctx->db, id, round, &outstanding, NULL);
	if (outstanding)
		goto out;
	ret = store_gate_runs_of_round(ctx->db, id, round, &runs, err);
	if (cand.probes_unreadable || ret < 0) {
		ret = error_set(err, -EIO,
				"gate candidate %" PRId64 " is unreadable", id);
		goto out;
	}
	lo = cand.lo;
	hi = cand.hi;
	nlo = lo;
	nhi = hi;
	for (i = 0; i < runs.nr; i++) {
		if (str_is(runs.v[i].state, "error")) {
			store_gate_candidate_error(ctx->db, &cand, time(NULL),
						   NULL);
			log_error("gate: candidate %" PRId64
				  ": a gate run could not run",
				  id);
			publish_event(ctx->db, id, "error");
			goto out;
		}
	}
	ret = retry_failures(ctx, &gc, &cand, &runs, err);
	if (ret < 0)
		goto out;
	if (ret > 0)
		goto again;
	recheck = round_recheck(&runs);
	if (str_is(recheck, "reprobe") || str_is(recheck, "rerun")) {
		if (str_is(recheck, "reprobe"))
			ret = reprobe_end(ctx, &gc, &cand, &runs, err);
		else
			ret = rerun_end(ctx, &gc, &cand, &runs, err);
		if (ret > 0)
			goto again;
		goto out;
	}
	/* a failure that a later attempt of its probe passed is a flake */
	for (i = 0; i < runs.nr; i++) {
		const struct store_gate_run *r = &runs.v[i];

		if (state_fails(r->state) && !superseded(&runs, i) &&
		    r->probe < nhi)
			nhi = r->probe;
	}
	for (i = 0; i < runs.nr; i++) {
		const struct store_gate_run *r = &runs.v[i];

		if (state_passes(r->state) && r->probe < nhi && r->probe > nlo)
			nlo = r->probe;
	}
	if (round == 0) {
		const char *verdict = NULL;
		bool cached;

		for (i = 0; i < runs.nr; i++) {
			const char *s = runs.v[i].state;

			if (state_passes(s))
				verdict = "pass";
			else if (state_fails(s))
				verdict = "fail";
		}
		if (!verdict) {
			/* no run yet, or only one a stop cut short */
			ret = queue_run(ctx, &gc, &cand, 0, hi, false, NULL,
					or_empty(cand.commit), 1, NULL, &cached,
					err);
			if (ret < 0)
				goto out;
			goto again;
		}
		if (!strcmp(verdict, "pass")) {
			ret = candidate_passed(ctx, &gc, &cand,
					       "the gate passes", err);
			goto out;
		}
		nhi = hi;
		nlo = -1;
	}
	pairing = cand.culprit_probe != STORE_NONE;
	if (nhi - nlo <= 1 && pairing) {
		/* the culprit fails on the base alone (nhi 0): no partner */
		ret = culprit_found(ctx, &gc, &cand, cand.culprit_probe - 1,
				    cand.culprit_probe, nhi, err);
		goto out;
	}
	if (nhi - nlo <= 1)
		ret = culprit_check(ctx, &gc, &cand, nlo, nhi, err);
	else
		ret = bisect_round(ctx, &gc, &cand, nlo, nhi, err);
	if (ret > 0)
		goto again;
out:
	store_gate_candidate_release(&cand);
	store_gate_run_list_release(&runs);
	return ret;
}

int gate_candidate(struct job_ctx *ctx, int64_t build, struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	char tree[MERGE_HEXSZ + 1], next_now[MERGE_HEXSZ + 1] = "";
	struct store_gate_candidate add = { 0 }, cand = { 0 };
	struct store_gate_probe_list probes = { 0 };
	struct store_build b = { 0 };
	struct gate_conf gc;
	struct merge *m;
	int ret;

	gate_conf_get(cfg, &gc);
	if (!gc.command)
		return 0;
	ret = merge_handle(cfg, &m, NULL, err);
	if (ret < 0)
		return ret;
	ret = store_build_get(ctx->db, build, &b, err);
	if (ret < 0)
		return ret;
	if (!b.result || !*b.result)
		goto out;
	ret = merge_commit_info(m, b.result, tree, NULL, NULL, err);
	if (ret < 0)
		goto out;
	if (merge_resolve_commit(m, cfg->next, next_now, NULL) < 0)
		next_now[0] = 0;
	ret = build_probes(ctx->db, &b, &probes, err);
	if (ret < 0)
		goto out;
	add.build = build;
	add.commit = b.result;
	add.tree = tree;
	add.published = *next_now ? next_now : NULL;
	add.publish = gc.gated ? "gated" : "always";
	add.hi = (int64_t)probes.nr - 1;
	add.probes = probes;
	add.created_at = time(NULL);
	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out;
	ret = store_gate_candidate_add(ctx->db, &add, err);
	if (ret < 0) {
		db_rollback(ctx->db);
		goto out;
	}
	ret = db_commit(ctx->db, err);
	if (ret < 0)
		goto out;
	stale_older(ctx, add.id);
	ret = store_gate_candidate_get(ctx->db, add.id, &cand, err);
	if (ret < 0)
		goto out;
	log_info("gate: build %" PRId64 " is candidate %" PRId64 " (%.12s)",
		 build, cand.id, b.result);
	publish_event(ctx->db, cand.id, "candidate");
	if (gc.gated && !strcmp(next_now, b.result)) {
		ret = candidate_passed(ctx, &gc, &cand,
				       "next is this commit already", err);
		goto out;
	}
	ret = advance(ctx, cand.id, err);
out:
	store_build_release(&b);
	store_gate_probe_list_release(&probes);
	store_gate_candidate_release(&cand);
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
	int64_t run = json_integer_value(json_object_get(args, "run"));
	const char *state =
		or_empty(json_string_value(json_object_get(args, "state")));
	const char *log_url =
		json_string_value(json_object_get(args, "log_url"));
	bool ci = json_is_true(json_object_get(args, "ci"));
	json_t *dur = json_object_get(args, "duration_ms");
	struct store_gate_run_end end = { 0 };
	struct store_gate_run r;
	int64_t now = time(NULL);
	FILE *f;
	int ret;

	ret = store_gate_run_get(ctx->db, run, &r, err);
	if (ret < 0)
		return ret;
	if (ci && (!str_is(r.state, "running") || r.slot != -1)) {
		ret = error_set(err, ERR_CONFLICT,
				"gate run '%" PRId64
				"' is not waiting for a CI result (it is '%s')",
				run, or_empty(r.state));
		goto out;
	}
	if (!str_is(r.state, "queued") && !str_is(r.state, "running"))
		goto out;
	end.state = state;
	end.exit_code = json_integer_value(json_object_get(args, "exit_code"));
	end.error = json_string_value(json_object_get(args, "error"));
	end.duration_ms = json_is_integer(dur) ? json_integer_value(dur) :
						 (now - r.started_at) * 1000;
	end.finished_at = now;
	end.log_url = log_url;
	ret = store_gate_run_end(ctx->db, run, &end, err);
	if (!ret && (ci || log_url) && r.log && *r.log) {
		f = fopen(r.log, "ae");
		if (f) {
			fprintf(f, "cthulhu gate: %s%s%s\n", state,
				log_url ? ", the CI's log: " : "",
				log_url ? log_url : "");
			fclose(f);
		}
	}
	if (!ret && !strcmp(state, "passed") && r.attempt > 1) {
		struct strbuf why = STRBUF_INIT;

		strbuf_addf(&why,
			    "gate run %" PRId64 " passes on attempt %" PRId64
			    " after its probe failed %" PRId64 " time%s",
			    run, r.attempt, r.attempt - 1,
			    r.attempt == 2 ? "" : "s");
		store_gate_run_flaky(ctx->db, run, NULL);
		store_gate_candidate_flaky(ctx->db, r.candidate, why.buf, NULL);
		log_warn("gate: flaky: %s", why.buf);
		strbuf_release(&why);
	}
	if (!ret) {
		log_info("gate: run %" PRId64 " %s", run, state);
		ret = advance(ctx, r.candidate, err);
	}
	*result =
		json_pack("{s:I, s:s}", "run", (json_int_t)run, "state", state);
out:
	store_gate_run_release(&r);
	return ret;
}

/*
 * "gate-check" (periodic): mode = external runs still waiting for the CI
 * past [gate] timeout time out.
 */
int gate_job_check(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	struct store_gate_run_list runs = { 0 };
	struct gate_conf gc;
	json_t *res = NULL, *a;
	size_t i;
	int ret;

	gate_conf_get(ctx->config, &gc);
	if (!gc.command || !gc.external || gc.timeout <= 0)
		return 0;
	ret = store_gate_runs_ci_overdue(ctx->db, time(NULL) - gc.timeout,
					 &runs, err);
	if (ret < 0)
		return ret;
	for (i = 0; i < runs.nr; i++) {
		a = json_pack("{s:I, s:s, s:i, s:s}", "run",
			      (json_int_t)runs.v[i].id, "state", "timeout",
			      "exit_code", -1, "error",
			      "no result from the CI within [gate] timeout");
		ret = gate_job_result(ctx, a, &res, err);
		json_decref(a);
		json_decref(res);
		res = NULL;
		if (ret < 0)
			break;
	}
	store_gate_run_list_release(&runs);
	return ret;
}

int gate_run_find(struct db *db, const char *key, int64_t *id,
		  struct strbuf *err)
{
	size_t len = strlen(key), i;
	char *end;
	long long v;

	if (len == MERGE_HEXSZ && strspn(key, "0123456789abcdef") == len)
		return store_gate_run_of_commit(db, key, id, err);
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
	struct store_gate_run_list runs = { 0 };
	struct store_gate_candidate cand = { 0 };
	struct strbuf dir = STRBUF_INIT;
	struct gate_conf gc;
	bool found;
	size_t i;
	int ret;

	gate_conf_get(ctx->config, &gc);
	/* a run the CI has keeps waiting for its POST */
	ret = store_gate_runs_cut_short(ctx->db, gc.external, &runs, err);
	if (ret < 0)
		return ret;
	gate_dir(ctx->config, &dir);
	for (i = 0; i < runs.nr; i++) {
		char *marker = gate_proc_marker(dir.buf, runs.v[i].id);
		int n = gate_proc_kill(marker);

		if (n)
			log_warn("gate: killed %d process%s left by run %" PRId64,
				 n, n == 1 ? "" : "es", runs.v[i].id);
		free(marker);
	}
	strbuf_release(&dir);
	store_gate_run_list_release(&runs);
	ret = store_gate_runs_interrupt(ctx->db, gc.external, time(NULL), err);
	if (ret < 0)
		return ret;
	store_gate_candidate_gating(ctx->db, &cand, &found, NULL);
	if (found && gc.command) {
		stale_older(ctx, cand.id);
		store_gate_runs_to_rerun(ctx->db, cand.id, cand.round, &runs,
					 NULL);
		for (i = 0; i < runs.nr; i++) {
			const struct store_gate_run *r = &runs.v[i];
			bool cached;

			log_info("gate: candidate %" PRId64
				 ": running probe %" PRId64 " again",
				 cand.id, r->probe);
			ret = queue_run(ctx, &gc, &cand, cand.round, r->probe,
					r->pair, r->topic, or_empty(r->commit),
					r->attempt, r->recheck, &cached, err);
			if (ret < 0)
				break;
		}
		store_gate_run_list_release(&runs);
		if (!ret)
			ret = advance(ctx, cand.id, err);
	}
	store_gate_candidate_release(&cand);
	/* passed, but cut short before next moved */
	if (!ret && gc.command && gc.gated) {
		store_gate_candidate_newest_live(ctx->db, &cand, &found, NULL);
		if (found && str_is(cand.state, "passed"))
			ret = publish(ctx, cand.build, err);
		store_gate_candidate_release(&cand);
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

/* A time (0 for none) as JSON. */
static json_t *time_or_null(int64_t t)
{
	return t ? json_integer(t) : json_null();
}

/*
 * The API's shape of a run; in_candidate leaves out what the candidate
 * says (candidate, build, tree, command, created_at).
 */
static json_t *run_json(const struct store_gate_run *r, bool in_candidate)
{
	json_t *out;

	out = json_pack("{s:I, s:I, s:I, s:I, s:o, s:s?, s:s?, s:s?, s:s?, "
			"s:s?, s:o, s:o, s:s?, s:s?, s:s?, s:I, s:o, s:o, s:o}",
			"id", (json_int_t)r->id, "candidate",
			(json_int_t)r->candidate, "build", (json_int_t)r->build,
			"round", (json_int_t)r->round, "probe",
			store_json_int(r->probe), "topic", r->topic, "commit",
			r->commit, "tree", r->tree, "state", r->state,
			"command", r->command, "slot", store_json_int(r->slot),
			"exit_code", store_json_int(r->exit_code), "log",
			r->log, "log_url", r->log_url, "error", r->error,
			"created_at", (json_int_t)r->created_at, "started_at",
			time_or_null(r->started_at), "finished_at",
			time_or_null(r->finished_at), "duration_ms",
			store_json_int(r->duration_ms));
	json_object_set_new(out, "pair", json_boolean(r->pair));
	json_object_set_new(out, "attempt", json_integer(r->attempt));
	json_object_set_new(out, "flaky", json_boolean(r->flaky));
	json_object_set_new(out, "recheck", store_json_str(r->recheck));
	if (in_candidate) {
		json_object_del(out, "candidate");
		json_object_del(out, "build");
		json_object_del(out, "tree");
		json_object_del(out, "command");
		json_object_del(out, "created_at");
	}
	return out;
}

/*
 * The API's shape of the probes.  It is what the probes column holds
 * (store/gate.c's probes_to_text()), but the two stay apart: the API's
 * answer must not change with the store's encoding.
 */
static json_t *probes_json(const struct store_gate_probe_list *probes)
{
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < probes->nr; i++) {
		const struct store_gate_probe *p = &probes->v[i];

		json_array_append_new(out,
				      json_pack("{s:s?, s:s?, s:s?}", "topic",
						p->topic, "tip", p->tip,
						"commit", p->commit));
	}
	return out;
}

/*
 * The pair's fields of an ejection or a candidate: "with" (the topic
 * culprit fails together with, or null), and with one "says" and
 * "suggest" (the merge-fix command), both null otherwise.
 */
static void pair_json(json_t *out, const char *culprit, const char *partner,
		      struct strbuf *sb)
{
	json_object_set_new(out, "with", store_json_str(partner));
	if (!culprit || !partner) {
		json_object_set_new(out, "says", json_null());
		json_object_set_new(out, "suggest", json_null());
		return;
	}
	gate_pair_says(culprit, partner, sb);
	json_object_set_new(out, "says", json_string(sb->buf));
	strbuf_reset(sb);
	gate_pair_suggest(culprit, partner, sb);
	json_object_set_new(out, "suggest", json_string(sb->buf));
	strbuf_reset(sb);
}

static json_t *ejection_json(const struct store_gate_ejection *e)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *out;

	out = json_pack("{s:I, s:I, s:s?, s:s?, s:s?, s:s?, s:o, s:o, s:s?, "
			"s:o, s:I, s:I}",
			"id", (json_int_t)e->id, "candidate",
			(json_int_t)e->candidate, "topic", e->topic, "bad_tip",
			e->bad_tip, "good_tip", e->good_tip, "state", e->state,
			"fail_run", store_json_int(e->fail_run), "pass_run",
			store_json_int(e->pass_run), "reason", e->reason,
			"notification", store_json_int(e->notification),
			"created_at", (json_int_t)e->created_at, "updated_at",
			(json_int_t)e->updated_at);
	pair_json(out, e->topic, e->partner, &sb);
	json_object_set_new(out, "merge_fix", store_json_str(e->merge_fix));
	strbuf_release(&sb);
	return out;
}

/* "bisecting: round 2, 3 runs, the culprit is in merges 5 to 8" */
static void progress_line(const struct store_gate_candidate *cand,
			  const struct store_gate_run_list *runs,
			  json_t *running, struct strbuf *sb)
{
	json_t *r = json_array_get(running, 0);
	size_t nr_probes = cand->probes.nr, nr_runs = runs->nr;
	const struct store_gate_run *latest = nr_runs ? &runs->v[nr_runs - 1] :
							NULL;
	const char *recheck =
		latest && latest->round == cand->round ? latest->recheck : NULL;
	bool busy = str_is(cand->state, "gating") ||
		    str_is(cand->state, "bisecting");

	if (busy && str_is(recheck, "reprobe") && cand->hi == 0)
		strbuf_addf(sb,
			    "re-probing, round %lld: running the base alone once more",
			    (long long)cand->round);
	else if (busy && str_is(recheck, "reprobe"))
		strbuf_addf(sb,
			    "re-probing, round %lld: running next up to '%s' and the merge before it once more before ejecting it",
			    (long long)cand->round,
			    or_empty(probe_at(cand, cand->hi)->topic));
	else if (busy && str_is(recheck, "rerun"))
		strbuf_addf(sb,
			    "running the whole candidate again, round %lld: the failure did not repeat",
			    (long long)cand->round);
	else if (str_is(cand->state, "gating"))
		strbuf_addf(sb, "gating the whole candidate (%zu merges)",
			    nr_probes ? nr_probes - 1 : 0);
	else if (str_is(cand->state, "bisecting") &&
		 cand->culprit_probe != STORE_NONE)
		strbuf_addf(sb,
			    "pairing, round %lld: '%s' fails with next up to its merge; "
			    "trying it on the base alone and on the merges before it, "
			    "the topic it fails with is one of %lld",
			    (long long)cand->round,
			    or_empty(
				    probe_at(cand, cand->culprit_probe)->topic),
			    (long long)(cand->hi - cand->lo));
	else if (str_is(cand->state, "bisecting"))
		strbuf_addf(sb,
			    "bisecting, round %lld: the first failing merge is one of %lld",
			    (long long)cand->round,
			    (long long)(cand->hi - cand->lo));
	else
		strbuf_addstr(sb, or_empty(cand->state));
	strbuf_addf(sb, "; %zu run%s", nr_runs, nr_runs == 1 ? "" : "s");
	if (r)
		strbuf_addf(sb, "; run %lld: %s",
			    (long long)json_integer_value(
				    json_object_get(r, "run")),
			    or_empty(json_string_value(
				    json_object_get(r, "line"))));
}

/* The API's shape of a candidate, with its runs; NULL on errors. */
static json_t *candidate_json(struct db *db,
			      const struct store_gate_candidate *cand,
			      json_t *running, struct strbuf *err)
{
	struct store_gate_run_list runs = { 0 };
	struct strbuf line = STRBUF_INIT;
	json_t *out, *runs_json;
	size_t i;

	if (store_gate_runs_of_candidate(db, cand->id, &runs, err) < 0)
		return NULL;
	runs_json = json_array();
	for (i = 0; i < runs.nr; i++)
		json_array_append_new(runs_json, run_json(&runs.v[i], true));
	progress_line(cand, &runs, running, &line);
	out = json_pack("{s:I, s:I, s:s?, s:s?, s:s?, s:s?, s:I, s:I, s:o, "
			"s:o, s:s?, s:s?, s:I, s:o, s:o, s:s?, s:s}",
			"id", (json_int_t)cand->id, "build",
			(json_int_t)cand->build, "tree", cand->tree,
			"published", cand->published, "state", cand->state,
			"publish", cand->publish, "round",
			(json_int_t)cand->round, "lo", (json_int_t)cand->lo,
			"hi", store_json_int(cand->hi), "probes",
			probes_json(&cand->probes), "culprit", cand->culprit,
			"reason", cand->reason, "created_at",
			(json_int_t)cand->created_at, "finished_at",
			time_or_null(cand->finished_at), "runs", runs_json,
			"commit", cand->commit, "progress", line.buf);
	json_object_set_new(out, "culprit_probe",
			    store_json_int(cand->culprit_probe));
	json_object_set_new(out, "flaky", store_json_str(cand->flaky));
	strbuf_reset(&line);
	pair_json(out, cand->culprit, cand->partner, &line);
	strbuf_release(&line);
	store_gate_run_list_release(&runs);
	return out;
}

int gate_state(struct db *db, const struct config *cfg, const char *next_commit,
	       json_t **out, struct strbuf *err)
{
	struct store_gate_ejection_list ejections = { 0 };
	struct store_gate_candidate cand;
	json_t *cand_json = NULL, *ej, *running;
	struct gate_conf gc;
	bool found;
	size_t i;
	int ret;

	gate_conf_get(cfg, &gc);
	ret = store_gate_candidate_newest(db, &cand, &found, err);
	if (ret < 0)
		return ret;
	running = gate_run_status();
	if (found) {
		cand_json = candidate_json(db, &cand, running, err);
		if (!cand_json) {
			ret = -EIO;
			goto out;
		}
	}
	/* those that hold or were lifted, the branch still at the bad tip */
	ret = store_gate_ejections_shown(db, 50, &ejections, err);
	if (ret < 0) {
		json_decref(cand_json);
		goto out;
	}
	ej = json_array();
	for (i = 0; i < ejections.nr; i++)
		json_array_append_new(ej, ejection_json(&ejections.v[i]));
	*out = json_pack("{s:b, s:s, s:s, s:s*, s:I, s:I, s:{s:s*}, s:o, s:O, s:o}",
			 "enabled", gc.command != NULL, "mode",
			 gc.external ? "external" : "local", "publish",
			 gc.gated ? "gated" : "always", "command", gc.command,
			 "jobs", (json_int_t)gc.jobs, "timeout",
			 (json_int_t)gc.timeout, "published", "commit",
			 next_commit && *next_commit ? next_commit : NULL,
			 "candidate", cand_json ? cand_json : json_null(),
			 "running", running, "ejections", ej);
	json_object_set_new(*out, "retries", json_integer(gc.retries));
	json_object_set_new(*out, "reprobe", json_boolean(gc.reprobe));
out:
	json_decref(running);
	store_gate_candidate_release(&cand);
	store_gate_ejection_list_release(&ejections);
	return ret;
}

int gate_run_get(struct db *db, int64_t id, bool with_log, json_t **out,
		 struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	struct store_gate_run r;
	int ret;

	ret = store_gate_run_get(db, id, &r, err);
	if (ret < 0)
		return ret;
	*out = run_json(&r, false);
	if (with_log) {
		json_t *s = NULL;
		size_t k;

		if (r.log && *r.log && strbuf_read_file(&text, r.log) >= 0) {
			s = json_stringn(text.buf, text.len);
			/* a log that is not UTF-8: its other bytes as '?' */
			for (k = 0; !s && k < text.len; k++)
				if ((unsigned char)text.buf[k] >= 0x80 ||
				    !text.buf[k])
					text.buf[k] = '?';
			if (!s)
				s = json_stringn(text.buf, text.len);
		}
		json_object_set_new(*out, "text", s ? s : json_null());
		strbuf_release(&text);
	}
	store_gate_run_release(&r);
	return 0;
}

json_t *gate_candidate_list(struct db *db, int64_t limit, struct strbuf *err)
{
	struct store_gate_candidate_list list = { 0 };
	json_t *out, *c, *none;
	size_t i;

	if (store_gate_candidates_list(db, limit, &list, err) < 0)
		return NULL;
	out = json_array();
	none = json_array();
	for (i = 0; i < list.nr; i++) {
		c = candidate_json(db, &list.v[i], none, err);
		if (!c) {
			json_decref(out);
			out = NULL;
			break;
		}
		json_array_append_new(out, c);
	}
	json_decref(none);
	store_gate_candidate_list_release(&list);
	return out;
}
