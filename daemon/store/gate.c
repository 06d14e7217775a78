/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of the gate of next (see gate.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/gate.h"
#include "daemon/store/row.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define CANDIDATE_SELECT                                                    \
	"SELECT id, build, commit_sha, tree, published, state, publish,"    \
	" round, lo, hi, probes, culprit, reason, created_at, finished_at," \
	" culprit_probe, partner, flaky FROM gate_candidates"
/* Every run with its candidate's build: r and c name the two tables. */
#define RUN_SELECT                                                        \
	"SELECT r.id, r.candidate, c.build, r.round, r.probe, r.topic,"   \
	" r.commit_sha, r.tree, r.state, r.command, r.slot, r.exit_code," \
	" r.log, r.log_url, r.error, r.created_at, r.started_at,"         \
	" r.finished_at, r.duration_ms, r.pair, r.attempt, r.flaky,"      \
	" r.recheck FROM gate_runs r"                                     \
	" JOIN gate_candidates c ON c.id = r.candidate"
#define EJECTION_COLUMNS                                                   \
	"e.id, e.candidate, e.topic, e.bad_tip, e.good_tip, e.state,"      \
	" e.fail_run, e.pass_run, e.reason, e.notification, e.created_at," \
	" e.updated_at, e.partner, e.merge_fix"
/* The states of an ejection that holds its topic out of next at its tip. */
#define EJECTION_HOLDS "'ejected', 'trying', 'fallback', 'dropped'"
/* Ejections of topics whose tip is still the bad tip. */
#define EJECTIONS_AT_BAD_TIP                                 \
	"SELECT " EJECTION_COLUMNS " FROM gate_ejections e " \
	"JOIN topics t ON t.name = e.topic WHERE t.tip = e.bad_tip "

/* --- releasing --------------------------------------------------------- */

static void probe_release(struct store_gate_probe *p)
{
	free(p->topic);
	free(p->tip);
	free(p->commit);
}

void store_gate_probe_list_release(struct store_gate_probe_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		probe_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

void store_gate_candidate_release(struct store_gate_candidate *c)
{
	free(c->commit);
	free(c->tree);
	free(c->published);
	free(c->state);
	free(c->publish);
	store_gate_probe_list_release(&c->probes);
	free(c->culprit);
	free(c->reason);
	free(c->partner);
	free(c->flaky);
	memset(c, 0, sizeof(*c));
}

void store_gate_candidate_list_release(struct store_gate_candidate_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_gate_candidate_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

void store_gate_run_release(struct store_gate_run *r)
{
	free(r->topic);
	free(r->commit);
	free(r->tree);
	free(r->state);
	free(r->command);
	free(r->log);
	free(r->log_url);
	free(r->error);
	free(r->recheck);
	memset(r, 0, sizeof(*r));
}

void store_gate_run_list_release(struct store_gate_run_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_gate_run_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

void store_gate_ejection_release(struct store_gate_ejection *e)
{
	free(e->topic);
	free(e->bad_tip);
	free(e->good_tip);
	free(e->state);
	free(e->reason);
	free(e->partner);
	free(e->merge_fix);
	memset(e, 0, sizeof(*e));
}

void store_gate_ejection_list_release(struct store_gate_ejection_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_gate_ejection_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

void store_gate_waiting_list_release(struct store_gate_waiting_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		free(list->v[i].topic);
		free(list->v[i].bad_tip);
		free(list->v[i].branch);
	}
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

/* --- reading rows ------------------------------------------------------ */

/* The probes column: a JSON array of {topic, tip, commit}. */
static void probes_from_text(const char *text, struct store_gate_candidate *c)
{
	json_t *probes = text ? json_loads(text, 0, NULL) : NULL;
	json_t *p;
	size_t i;

	c->probes_unreadable = !json_is_array(probes);
	c->probes.nr = json_array_size(probes);
	c->probes.v =
		xcalloc(c->probes.nr ? c->probes.nr : 1, sizeof(*c->probes.v));
	json_array_foreach(probes, i, p) {
		c->probes.v[i].topic = row_strdup(p, "topic");
		c->probes.v[i].tip = row_strdup(p, "tip");
		c->probes.v[i].commit = row_strdup(p, "commit");
	}
	json_decref(probes);
}

/* The probes column's text, as probes_from_text() reads it; a new string. */
static char *probes_to_text(const struct store_gate_probe_list *probes)
{
	json_t *a = json_array();
	char *text;
	size_t i;

	for (i = 0; i < probes->nr; i++) {
		const struct store_gate_probe *p = &probes->v[i];

		json_array_append_new(a,
				      json_pack("{s:s?, s:s?, s:s?}", "topic",
						p->topic, "tip", p->tip,
						"commit", p->commit));
	}
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

static void candidate_from_row(json_t *row, void *out)
{
	struct store_gate_candidate *c = out;

	c->id = row_int(row, "id");
	c->build = row_int(row, "build");
	c->commit = row_strdup(row, "commit_sha");
	c->tree = row_strdup(row, "tree");
	c->published = row_strdup(row, "published");
	c->state = row_strdup(row, "state");
	c->publish = row_strdup(row, "publish");
	c->round = row_int(row, "round");
	c->lo = row_int(row, "lo");
	c->hi = row_int_or_none(row, "hi");
	probes_from_text(json_string_value(json_object_get(row, "probes")), c);
	c->culprit = row_strdup(row, "culprit");
	c->reason = row_strdup(row, "reason");
	c->created_at = row_int(row, "created_at");
	c->finished_at = row_int(row, "finished_at");
	c->culprit_probe = row_int_or_none(row, "culprit_probe");
	c->partner = row_strdup(row, "partner");
	c->flaky = row_strdup(row, "flaky");
}

static void run_from_row(json_t *row, void *out)
{
	struct store_gate_run *r = out;

	r->id = row_int(row, "id");
	r->candidate = row_int(row, "candidate");
	r->build = row_int(row, "build");
	r->round = row_int(row, "round");
	r->probe = row_int_or_none(row, "probe");
	r->topic = row_strdup(row, "topic");
	r->commit = row_strdup(row, "commit_sha");
	r->tree = row_strdup(row, "tree");
	r->state = row_strdup(row, "state");
	r->command = row_strdup(row, "command");
	r->slot = row_int_or_none(row, "slot");
	r->exit_code = row_int_or_none(row, "exit_code");
	r->log = row_strdup(row, "log");
	r->log_url = row_strdup(row, "log_url");
	r->error = row_strdup(row, "error");
	r->created_at = row_int(row, "created_at");
	r->started_at = row_int(row, "started_at");
	r->finished_at = row_int(row, "finished_at");
	r->duration_ms = row_int_or_none(row, "duration_ms");
	r->pair = row_int(row, "pair") != 0;
	r->attempt = row_int(row, "attempt");
	r->flaky = row_int(row, "flaky") != 0;
	r->recheck = row_strdup(row, "recheck");
}

static void ejection_from_row(json_t *row, void *out)
{
	struct store_gate_ejection *e = out;

	e->id = row_int(row, "id");
	e->candidate = row_int(row, "candidate");
	e->topic = row_strdup(row, "topic");
	e->bad_tip = row_strdup(row, "bad_tip");
	e->good_tip = row_strdup(row, "good_tip");
	e->state = row_strdup(row, "state");
	e->fail_run = row_int_or_none(row, "fail_run");
	e->pass_run = row_int_or_none(row, "pass_run");
	e->reason = row_strdup(row, "reason");
	e->notification = row_int_or_none(row, "notification");
	e->created_at = row_int(row, "created_at");
	e->updated_at = row_int(row, "updated_at");
	e->partner = row_strdup(row, "partner");
	e->merge_fix = row_strdup(row, "merge_fix");
}

static int runs_from_rows(json_t *rows, struct store_gate_run_list *out)
{
	out->v = row_list(rows, sizeof(*out->v), run_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

/*
 * What db_query_row() gave (ret, row) into out, an element of size
 * bytes filled by from_row(), and *found; zeroed when there is no row.
 */
static int one_from_row(int ret, json_t *row, void *out, size_t size,
			void (*from_row)(json_t *row, void *elem), bool *found)
{
	memset(out, 0, size);
	*found = row != NULL;
	if (ret < 0 || !row)
		return ret;
	from_row(row, out);
	json_decref(row);
	return 0;
}

static int candidate_from_query(int ret, json_t *row,
				struct store_gate_candidate *out, bool *found)
{
	return one_from_row(ret, row, out, sizeof(*out), candidate_from_row,
			    found);
}

static int run_from_query(int ret, json_t *row, struct store_gate_run *out,
			  bool *found)
{
	return one_from_row(ret, row, out, sizeof(*out), run_from_row, found);
}

/* --- the gate's reads of builds -------------------------------------- */

int store_gate_last_good_tip(struct db *db, const char *published,
			     const char *topic, char **tip, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*tip = NULL;
	ret = db_query_row(
		db, &row, err,
		"SELECT bt.tip FROM build_topics bt JOIN builds b ON b.id = bt.build "
		"WHERE b.state = 'done' AND b.result = ? AND bt.topic = ? "
		"AND bt.tip IS NOT NULL AND bt.outcome IN ('merged', 'reused', "
		"'resolved', 'nothing') ORDER BY b.id DESC LIMIT 1",
		"tt", published, topic);
	if (ret < 0)
		return ret;
	*tip = row_strdup(row, "tip");
	json_decref(row);
	return 0;
}

bool store_gate_build_fell_back(struct db *db, int64_t build, const char *topic)
{
	json_t *row = NULL;
	const char *how;
	bool fell_back;

	db_query_row(db, &row, NULL,
		     "SELECT gate FROM build_topics WHERE build = ? AND topic = ?",
		     "it", build, topic);
	how = json_string_value(json_object_get(row, "gate"));
	fell_back = how && !strcmp(how, "fallback");
	json_decref(row);
	return fell_back;
}

/* --- candidates -------------------------------------------------------- */

int store_gate_candidate_get(struct db *db, int64_t id,
			     struct store_gate_candidate *out,
			     struct strbuf *err)
{
	json_t *row = NULL;
	bool found;
	int ret;

	ret = db_query_row(db, &row, err, CANDIDATE_SELECT " WHERE id = ?", "i",
			   id);
	ret = candidate_from_query(ret, row, out, &found);
	if (!ret && !found)
		ret = error_set(err, ERR_NOT_FOUND,
				"unknown gate candidate '%" PRId64 "'", id);
	return ret;
}

int store_gate_candidate_newest(struct db *db, struct store_gate_candidate *out,
				bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   CANDIDATE_SELECT " ORDER BY id DESC LIMIT 1", NULL);
	return candidate_from_query(ret, row, out, found);
}

int store_gate_candidate_gating(struct db *db, struct store_gate_candidate *out,
				bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   CANDIDATE_SELECT
			   " WHERE state IN ('gating', 'bisecting')"
			   " ORDER BY id DESC LIMIT 1",
			   NULL);
	return candidate_from_query(ret, row, out, found);
}

int store_gate_candidate_newest_live(struct db *db,
				     struct store_gate_candidate *out,
				     bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   CANDIDATE_SELECT
			   " WHERE state != 'stale' ORDER BY id DESC LIMIT 1",
			   NULL);
	return candidate_from_query(ret, row, out, found);
}

int store_gate_candidates_list(struct db *db, int64_t limit,
			       struct store_gate_candidate_list *out,
			       struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err, CANDIDATE_SELECT " ORDER BY id DESC LIMIT ?",
			"i", limit);
	out->v = row_list(rows, sizeof(*out->v), candidate_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_gate_candidate_add(struct db *db, struct store_gate_candidate *c,
			     struct strbuf *err)
{
	char *probes = probes_to_text(&c->probes);
	int ret;

	ret = db_exec(db, err,
		      "UPDATE builds SET gate = 'pending', state = 'done', "
		      "finished_at = coalesce(finished_at, ?) WHERE id = ?",
		      "ii", c->created_at, c->build);
	if (!ret)
		ret = db_exec(db, err,
			      "INSERT INTO gate_candidates (build, commit_sha, tree, published, "
			      "state, publish, hi, probes, created_at) "
			      "VALUES (?, ?, ?, ?, 'gating', ?, ?, ?, ?)",
			      "ittttiti", c->build, c->commit, c->tree,
			      c->published, c->publish, c->hi, probes,
			      c->created_at);
	if (!ret)
		c->id = db_last_insert_id(db);
	free(probes);
	return ret;
}

int store_gate_candidates_stale(struct db *db, int64_t keep, int64_t at,
				struct strbuf *err)
{
	int ret, r;

	/* runs the CI has: their results, when they come, are refused */
	ret = db_exec(
		db, err,
		"UPDATE gate_runs SET state = 'cancelled', finished_at = ? "
		"WHERE state = 'running' AND slot = -1 AND candidate IN (SELECT id "
		"FROM gate_candidates WHERE state IN ('gating', 'bisecting') AND id != ?)",
		"ii", at, keep);
	r = db_exec(
		db, err,
		"UPDATE builds SET gate = 'stale' WHERE id IN (SELECT build FROM "
		"gate_candidates WHERE state IN ('gating', 'bisecting') AND id != ?)",
		"i", keep);
	if (!ret)
		ret = r;
	r = db_exec(db, err,
		    "UPDATE gate_candidates SET state = 'stale', finished_at = ?, "
		    "reason = 'a newer build replaced it' "
		    "WHERE state IN ('gating', 'bisecting') AND id != ?",
		    "ii", at, keep);
	return ret ? ret : r;
}

int store_gate_candidate_bisect(struct db *db, int64_t id, int64_t round,
				int64_t lo, int64_t hi, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE gate_candidates SET state = 'bisecting', round = ?, lo = ?, "
		       "hi = ? WHERE id = ?",
		       "iiii", round, lo, hi, id);
}

int store_gate_candidate_pair(struct db *db, int64_t id, int64_t culprit_probe,
			      int64_t round, int64_t lo, int64_t hi,
			      struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE gate_candidates SET state = 'bisecting', "
		       "culprit_probe = ?, round = ?, lo = ?, hi = ? WHERE id = ?",
		       "iiiii", culprit_probe, round, lo, hi, id);
}

/* The build of a candidate that ended takes its verdict. */
static int build_verdict(struct db *db, int64_t build, const char *gate,
			 struct strbuf *err)
{
	return db_exec(db, err, "UPDATE builds SET gate = ? WHERE id = ?", "ti",
		       gate, build);
}

int store_gate_candidate_pass(struct db *db,
			      const struct store_gate_candidate *c,
			      const char *reason, int64_t at,
			      struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "UPDATE gate_candidates SET state = 'passed', reason = ?, "
		      "finished_at = ? WHERE id = ?",
		      "tii", reason, at, c->id);
	return ret ? ret : build_verdict(db, c->build, "passed", err);
}

int store_gate_candidate_fail(struct db *db,
			      const struct store_gate_candidate *c,
			      const char *culprit, const char *partner,
			      const char *reason, int64_t lo, int64_t hi,
			      int64_t at, struct strbuf *err)
{
	int ret;

	if (culprit)
		ret = db_exec(
			db, err,
			"UPDATE gate_candidates SET state = 'failed', culprit = ?, "
			"partner = ?, reason = ?, lo = ?, hi = ?, finished_at = ? "
			"WHERE id = ?",
			"tttiiii", culprit, partner, reason, lo, hi, at, c->id);
	else
		ret = db_exec(db, err,
			      "UPDATE gate_candidates SET state = 'base-failed', reason = ?, "
			      "lo = ?, hi = ?, finished_at = ? WHERE id = ?",
			      "tiiii", reason, lo, hi, at, c->id);
	return ret ? ret : build_verdict(db, c->build, "failed", err);
}

int store_gate_candidate_error(struct db *db,
			       const struct store_gate_candidate *c, int64_t at,
			       struct strbuf *err)
{
	int ret;

	ret = db_exec(
		db, err,
		"UPDATE gate_candidates SET state = 'error', finished_at = ?, "
		"reason = 'a gate run could not run; see its log' WHERE id = ?",
		"ii", at, c->id);
	return ret ? ret : build_verdict(db, c->build, "failed", err);
}

/* --- runs -------------------------------------------------------------- */

int store_gate_run_get(struct db *db, int64_t id, struct store_gate_run *out,
		       struct strbuf *err)
{
	json_t *row = NULL;
	bool found;
	int ret;

	ret = db_query_row(db, &row, err, RUN_SELECT " WHERE r.id = ?", "i",
			   id);
	ret = run_from_query(ret, row, out, &found);
	if (!ret && !found)
		ret = error_set(err, ERR_NOT_FOUND,
				"unknown gate run '%" PRId64 "'", id);
	return ret;
}

int store_gate_run_of_commit(struct db *db, const char *commit, int64_t *id,
			     struct strbuf *err)
{
	int ret;

	ret = db_query_int(db, id, err,
			   "SELECT id FROM gate_runs WHERE commit_sha = ? "
			   "ORDER BY state = 'running' DESC, id DESC LIMIT 1",
			   "t", commit);
	if (ret == -ENOENT)
		return error_set(err, ERR_NOT_FOUND,
				 "no gate run of commit '%s'", commit);
	return ret;
}

int store_gate_run_of_probe(struct db *db, int64_t candidate, int64_t probe,
			    bool pair, struct store_gate_run *out, bool *found,
			    struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   RUN_SELECT
			   " WHERE r.candidate = ? AND r.probe = ? AND r.pair = ? "
			   "AND r.state IN ('passed', 'failed', 'timeout', 'cached') "
			   "ORDER BY r.id DESC LIMIT 1",
			   "iii", candidate, probe, (int64_t)pair);
	return run_from_query(ret, row, out, found);
}

int store_gate_runs_of_candidate(struct db *db, int64_t candidate,
				 struct store_gate_run_list *out,
				 struct strbuf *err)
{
	return runs_from_rows(db_query(db, err,
				       RUN_SELECT " WHERE r.candidate = ?"
						  " ORDER BY r.id",
				       "i", candidate),
			      out);
}

int store_gate_runs_of_round(struct db *db, int64_t candidate, int64_t round,
			     struct store_gate_run_list *out,
			     struct strbuf *err)
{
	return runs_from_rows(db_query(db, err,
				       RUN_SELECT
				       " WHERE r.candidate = ? AND r.round = ?"
				       " ORDER BY r.id",
				       "ii", candidate, round),
			      out);
}

int store_gate_runs_outstanding(struct db *db, int64_t candidate, int64_t round,
				int64_t *count, struct strbuf *err)
{
	return db_query_int(
		db, count, err,
		"SELECT count(*) FROM gate_runs WHERE candidate = ? AND round = ? "
		"AND state IN ('queued', 'running')",
		"ii", candidate, round);
}

bool store_gate_tree_passed(struct db *db, const char *tree,
			    const char *command)
{
	int64_t n = 0;

	db_query_int(db, &n, NULL,
		     "SELECT count(*) FROM gate_runs WHERE tree = ? AND command = ? "
		     "AND state = 'passed'",
		     "tt", tree, command);
	return n > 0;
}

int store_gate_runs_to_cancel(struct db *db, int64_t keep,
			      struct store_gate_run_list *out,
			      struct strbuf *err)
{
	return runs_from_rows(
		db_query(db, err,
			 RUN_SELECT
			 " WHERE c.state IN ('gating', 'bisecting') "
			 "AND c.id != ? AND r.state IN ('queued', 'running')",
			 "i", keep),
		out);
}

int store_gate_runs_ci_overdue(struct db *db, int64_t before,
			       struct store_gate_run_list *out,
			       struct strbuf *err)
{
	return runs_from_rows(db_query(db, err,
				       RUN_SELECT
				       " WHERE r.state = 'running' AND r.slot = -1 "
				       "AND r.started_at < ?",
				       "i", before),
			      out);
}

int store_gate_runs_cut_short(struct db *db, bool keep_ci,
			      struct store_gate_run_list *out,
			      struct strbuf *err)
{
	return runs_from_rows(
		db_query(db, err,
			 RUN_SELECT
			 " WHERE r.state IN ('queued', 'running') "
			 "AND NOT (? AND r.state = 'running' AND r.slot = -1)",
			 "d", (int)keep_ci),
		out);
}

int store_gate_runs_interrupt(struct db *db, bool keep_ci, int64_t at,
			      struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE gate_runs SET state = 'interrupted', "
		       "error = 'cthulhud stopped while it ran', finished_at = ? "
		       "WHERE state IN ('queued', 'running') "
		       "AND NOT (? AND state = 'running' AND slot = -1)",
		       "id", at, (int)keep_ci);
}

int store_gate_runs_to_rerun(struct db *db, int64_t candidate, int64_t round,
			     struct store_gate_run_list *out,
			     struct strbuf *err)
{
	return runs_from_rows(
		db_query(db, err,
			 RUN_SELECT
			 " WHERE r.candidate = ? AND r.round = ? AND r.state = 'interrupted' "
			 "AND NOT EXISTS (SELECT 1 FROM gate_runs s WHERE s.candidate = r.candidate "
			 "AND s.round = r.round AND s.probe IS r.probe AND s.state != 'interrupted') "
			 "GROUP BY r.probe",
			 "ii", candidate, round),
		out);
}

int store_gate_run_add_queued(struct db *db, struct store_gate_run *r,
			      struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO gate_runs (candidate, round, probe, topic, commit_sha, "
		      "tree, command, created_at, pair, attempt, recheck) "
		      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		      "iiittttiiit", r->candidate, r->round, r->probe, r->topic,
		      r->commit, r->tree, r->command, r->created_at,
		      (int64_t)r->pair, r->attempt ? r->attempt : 1,
		      r->recheck);
	if (!ret)
		r->id = db_last_insert_id(db);
	return ret;
}

int store_gate_run_add_cached(struct db *db, struct store_gate_run *r,
			      struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO gate_runs (candidate, round, probe, topic, "
		      "commit_sha, tree, state, command, created_at, finished_at, "
		      "duration_ms, pair, attempt, recheck) "
		      "VALUES (?, ?, ?, ?, ?, ?, 'cached', ?, ?, ?, 0, ?, ?, ?)",
		      "iiittttiiiit", r->candidate, r->round, r->probe,
		      r->topic, r->commit, r->tree, r->command, r->created_at,
		      r->created_at, (int64_t)r->pair,
		      r->attempt ? r->attempt : 1, r->recheck);
	if (!ret)
		r->id = db_last_insert_id(db);
	return ret;
}

int store_gate_run_set_log(struct db *db, int64_t id, const char *log,
			   struct strbuf *err)
{
	return db_exec(db, err, "UPDATE gate_runs SET log = ? WHERE id = ?",
		       "ti", log, id);
}

int store_gate_run_started(struct db *db, int64_t id, int64_t slot, int64_t at,
			   struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE gate_runs SET state = 'running', slot = ?, "
		       "started_at = ? WHERE id = ? AND state = 'queued'",
		       "iii", slot, at, id);
}

int store_gate_run_failed_to_run(struct db *db, int64_t id, const char *error,
				 int64_t at, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE gate_runs SET state = 'error', error = ?, "
		       "finished_at = nullif(?, 0) WHERE id = ?",
		       "tii", error, at, id);
}

int store_gate_run_end(struct db *db, int64_t id,
		       const struct store_gate_run_end *end, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE gate_runs SET state = ?, exit_code = ?, error = ?, "
		       "duration_ms = ?, finished_at = ?, log_url = ? "
		       "WHERE id = ?",
		       "titiiti", end->state, end->exit_code, end->error,
		       end->duration_ms, end->finished_at, end->log_url, id);
}

int store_gate_run_flaky(struct db *db, int64_t id, struct strbuf *err)
{
	return db_exec(db, err, "UPDATE gate_runs SET flaky = 1 WHERE id = ?",
		       "i", id);
}

int store_gate_candidate_flaky(struct db *db, int64_t id, const char *why,
			       struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE gate_candidates SET flaky = coalesce(flaky, ?) "
		       "WHERE id = ?",
		       "ti", why, id);
}

/* --- ejections --------------------------------------------------------- */

int store_gate_ejection_of_tip(struct db *db, const char *topic,
			       const char *tip, struct store_gate_ejection *out,
			       bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(
		db, &row, err,
		"SELECT " EJECTION_COLUMNS " FROM gate_ejections e "
		"WHERE e.topic = ? AND e.bad_tip = ? AND e.state != 'reported' "
		"ORDER BY e.id DESC LIMIT 1",
		"tt", topic, tip);
	return one_from_row(ret, row, out, sizeof(*out), ejection_from_row,
			    found);
}

int store_gate_ejection_latest(struct db *db, const char *topic,
			       struct store_gate_ejection *out, bool *found,
			       struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   "SELECT " EJECTION_COLUMNS " FROM gate_ejections e "
			   "WHERE e.topic = ? AND e.state != 'reported' "
			   "ORDER BY e.id DESC LIMIT 1",
			   "t", topic);
	return one_from_row(ret, row, out, sizeof(*out), ejection_from_row,
			    found);
}

/* The ejections sql (EJECTIONS_AT_BAD_TIP's, then LIMIT ?) lists. */
static int ejection_list(struct db *db, const char *sql, int64_t limit,
			 struct store_gate_ejection_list *out,
			 struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err, sql, "i", limit);
	out->v = row_list(rows, sizeof(*out->v), ejection_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_gate_ejections_holding(struct db *db, int64_t limit,
				 struct store_gate_ejection_list *out,
				 struct strbuf *err)
{
	return ejection_list(db,
			     EJECTIONS_AT_BAD_TIP
			     "AND e.state IN (" EJECTION_HOLDS
			     ") ORDER BY e.id DESC LIMIT ?",
			     limit, out, err);
}

int store_gate_ejections_shown(struct db *db, int64_t limit,
			       struct store_gate_ejection_list *out,
			       struct strbuf *err)
{
	return ejection_list(db,
			     EJECTIONS_AT_BAD_TIP
			     "AND e.state IN (" EJECTION_HOLDS
			     ", 'lifted', 'cleared') "
			     "AND e.id = (SELECT max(id) FROM gate_ejections WHERE "
			     "topic = e.topic AND state != 'reported') "
			     "ORDER BY e.id DESC LIMIT ?",
			     limit, out, err);
}

int store_gate_ejections_waiting(struct db *db,
				 struct store_gate_waiting_list *out,
				 struct strbuf *err)
{
	json_t *rows, *row;
	size_t i;

	rows = db_query(
		db, err,
		"SELECT e.id, e.topic, e.bad_tip, t.branch FROM gate_ejections e "
		"JOIN topics t ON t.name = e.topic WHERE e.state = 'ejected' "
		"AND e.good_tip IS NOT NULL",
		NULL);
	if (!rows)
		return -EIO;
	out->nr = json_array_size(rows);
	out->v = xcalloc(out->nr ? out->nr : 1, sizeof(*out->v));
	json_array_foreach(rows, i, row) {
		out->v[i].ejection = row_int(row, "id");
		out->v[i].topic = row_strdup(row, "topic");
		out->v[i].bad_tip = row_strdup(row, "bad_tip");
		out->v[i].branch = row_strdup(row, "branch");
	}
	json_decref(rows);
	return 0;
}

int store_gate_eject(struct db *db, const struct store_gate_ejection *e,
		     int64_t build, struct strbuf *err)
{
	return db_exec(
		db, err,
		"INSERT INTO gate_ejections (candidate, topic, bad_tip, good_tip, "
		"state, fail_run, pass_run, reason, created_at, updated_at, "
		"partner) VALUES (?, ?, (SELECT tip FROM build_topics WHERE "
		"build = ? AND topic = ?), ?, ?, ?, ?, ?, ?, ?, ?)",
		"ititttiitiit", e->candidate, e->topic, build, e->topic,
		e->good_tip, e->state, e->fail_run, e->pass_run, e->reason,
		e->created_at, e->created_at, e->partner);
}

int store_gate_ejection_try(struct db *db, int64_t id, int64_t at,
			    struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE gate_ejections SET state = 'trying', updated_at = ? "
		       "WHERE id = ?",
		       "ii", at, id);
}

int store_gate_ejections_fall_back(struct db *db, int64_t build, int64_t at,
				   struct strbuf *err)
{
	return db_exec(
		db, err,
		"UPDATE gate_ejections SET state = 'fallback', updated_at = ? "
		"WHERE state = 'trying' AND topic IN (SELECT topic FROM build_topics "
		"WHERE build = ? AND gate = 'fallback')",
		"ii", at, build);
}

int store_gate_ejection_drop(struct db *db, const char *topic, int64_t fail_run,
			     int64_t at, struct strbuf *err)
{
	return db_exec(
		db, err,
		"UPDATE gate_ejections SET state = 'dropped', updated_at = ?, "
		"reason = reason || '; its last good tip fails too (gate run ' || ? || ')' "
		"WHERE topic = ? AND state = 'trying'",
		"iit", at, fail_run, topic);
}

int store_gate_ejection_lift(struct db *db, const char *topic,
			     const char *partner, const char *commit,
			     bool new_fix, int64_t at, bool *lifted,
			     struct strbuf *err)
{
	int ret;

	*lifted = false;
	ret = db_exec(
		db, err,
		"UPDATE gate_ejections SET state = 'lifted', merge_fix = ?, "
		"updated_at = ? WHERE id = (SELECT max(id) FROM gate_ejections "
		"WHERE topic = ? AND state != 'reported') AND state IN "
		"(" EJECTION_HOLDS ", 'lifted') "
		"AND (? IS NULL OR partner = ?) "
		"AND (? = 0 OR ((merge_fix IS NULL OR merge_fix != ?) AND "
		"NOT EXISTS (SELECT 1 FROM gate_candidates c JOIN build_topics bt "
		"ON bt.build = c.build AND bt.topic = gate_ejections.topic, "
		"json_each(coalesce(bt.merge_fixes, '[]')) j "
		"WHERE c.id = gate_ejections.candidate AND j.value = ?)))",
		"titttitt", commit, at, topic, partner, partner,
		(int64_t)new_fix, commit, commit);
	if (!ret)
		*lifted = db_changes(db) > 0;
	return ret;
}

int store_gate_ejections_clear(struct db *db, int64_t build, int64_t at,
			       struct strbuf *err)
{
	return db_exec(
		db, err,
		"UPDATE gate_ejections SET state = 'cleared', updated_at = ? "
		"WHERE state = 'lifted' AND topic IN (SELECT topic FROM "
		"build_topics WHERE build = ? AND gate = 'lifted' AND outcome IN "
		"('merged', 'reused', 'resolved', 'nothing'))",
		"ii", at, build);
}

int store_gate_ejection_notified(struct db *db, const char *topic,
				 int64_t notification, struct strbuf *err)
{
	return db_exec(
		db, err,
		"UPDATE gate_ejections SET notification = ? "
		"WHERE id = (SELECT max(id) FROM gate_ejections WHERE topic = ?)",
		"it", notification, topic);
}
