/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gate on its own: next's builds made with next_job_rebuild() on a
 * job_ctx (no engine, no daemon), the gate in mode = external so that
 * each run is pushed to a bare repository made with git and its result
 * is handed to gate_job_result() as the CI's POST would.  The CI here
 * is a rule on the pushed commit's tree, asked of git: a tree with the
 * file "broken" fails.  So the bisection may take any path it likes;
 * what is checked is where it ends: the topic that brings "broken" is
 * the culprit and is ejected, the others stay, nothing is published
 * while the candidate fails, the next build leaves the culprit out and
 * passes, and only then the publisher gate_set_publisher() gave is
 * called, with that build.  t07xx run the gate through the daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/engine.h"
#include "daemon/gate.h"
#include "daemon/mail.h"
#include "daemon/next.h"
#include "daemon/store/gate.h"
#include "daemon/topic.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"
#include "tests/unit/git-cli.h"
#include "tests/unit/state.h"

#define HEXSZ 40

static struct job_ctx ctx;
static int64_t published_build;
static int publishes;

/* The publisher next would give the gate: here it only notes the call. */
static int publish(struct job_ctx *c, int64_t build, struct strbuf *err)
{
	(void)c;
	(void)err;
	published_build = build;
	publishes++;
	return 0;
}

static json_int_t num(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static json_t *rebuild(const char *what)
{
	struct strbuf err = STRBUF_INIT;
	json_t *result = NULL;
	int ret;

	ret = next_job_rebuild(&ctx, json_pack("{s:s}", "trigger", "job"),
			       &result, &err);
	is_int(ret, 0, "%s: next_job_rebuild(): %s", what, err.buf);
	strbuf_release(&err);
	return result;
}

/* What the CI says of commit: it fails when its tree has "broken". */
static bool ci_passes(const char *commit)
{
	return sh("git -C work cat-file -e '%s:broken' 2>/dev/null", commit) !=
	       0;
}

/*
 * Answer every run the CI holds (running, slot -1) as ci_passes() says,
 * until none is left: the number of runs answered, the failing ones in
 * *failed.  Each run's commit must be what the CI's ref holds when it
 * is the only one out (mode = external runs one at a time).
 */
static int answer_runs(int64_t candidate, int *failed, bool *pushed_right)
{
	int answered = 0, rounds;

	*failed = 0;
	*pushed_right = true;
	for (rounds = 0; rounds < 64; rounds++) {
		struct store_gate_run_list runs = { 0 };
		struct strbuf err = STRBUF_INIT;
		const struct store_gate_run *r = NULL;
		char ci_ref[HEXSZ + 1];
		json_t *result = NULL;
		bool pass;
		size_t i;

		store_gate_runs_of_candidate(ctx.db, candidate, &runs, &err);
		for (i = 0; i < runs.nr && !r; i++)
			if (!strcmp(runs.v[i].state, "running") &&
			    runs.v[i].slot == -1)
				r = &runs.v[i];
		if (!r) {
			store_gate_run_list_release(&runs);
			strbuf_release(&err);
			break;
		}
		rev_parse("ci.git", "refs/heads/ci", ci_ref);
		*pushed_right &= !strcmp(ci_ref, r->commit);
		pass = ci_passes(r->commit);
		*failed += !pass;
		if (gate_job_result(&ctx,
				    json_pack("{s:I, s:s, s:i, s:b}", "run",
					      (json_int_t)r->id, "state",
					      pass ? "passed" : "failed",
					      "exit_code", pass ? 0 : 1, "ci",
					      1),
				    &result, &err) < 0)
			printf("# gate_job_result: %s\n", err.buf);
		json_decref(result);
		answered++;
		store_gate_run_list_release(&runs);
		strbuf_release(&err);
	}
	return answered;
}

static void make_repo(void)
{
	ok(!sh("t=1700000000; c() { t=$((t + 60));"
	       " GIT_AUTHOR_DATE=\"$t +0000\" GIT_COMMITTER_DATE=\"$t +0000\""
	       " git commit -q \"$@\"; };"
	       " git init -q -b master work && cd work &&"
	       " echo base > base.txt && git add . && c -m base &&"
	       " git branch base &&"
	       " for n in a b c d; do git checkout -q -b $n base &&"
	       " echo $n > $n.txt && git add $n.txt && c -m $n || exit 1; done &&"
	       " git checkout -q c && echo oops > broken && git add broken &&"
	       " c -m 'c: break the build' && git checkout -q master &&"
	       " mkdir ../state && git init -q --bare ../ci.git"),
	   "make a repository and the CI's with git");
}

int main(void)
{
	struct store_gate_candidate cand = { 0 };
	struct strbuf err = STRBUF_INIT, extra = STRBUF_INIT;
	char tip[HEXSZ + 1], use[HEXSZ + 1];
	const char *how;
	json_t *b, *state = NULL, *ej;
	int64_t first;
	int n, failed;
	bool found, pushed_right;

	if (!git_cli_init("test-gate"))
		return 1;
	mail_global_init(); /* the ejection's notice is a mail */
	make_repo();
	strbuf_addf(&extra,
		    "[tree]\n\tbase = base\n"
		    "[topic \"a\"]\n\torder = 1\n[topic \"b\"]\n\torder = 2\n"
		    "[topic \"c\"]\n\torder = 3\n[topic \"d\"]\n\torder = 4\n"
		    "[gate]\n\tcommand = make check\n\tmode = external\n"
		    "\tremote = %s/ci.git\n\tpush-ref = refs/heads/ci\n",
		    git_tmp);
	ok(state_job_init(&ctx, extra.buf), "a new database and a config");
	if (!ctx.config)
		return done_testing();
	ok(gate_enabled(ctx.config), "[gate] command: the gate is on");
	ok(gate_holds_next(ctx.config), "and next waits for it (gated)");
	gate_set_publisher(publish);
	is_int(topic_sync(&ctx, "startup", &err), 0, "the topics synced: %s",
	       err.buf);

	/* --- a candidate with a broken topic ------------------------------- */
	b = rebuild("first");
	first = num(b, "id");
	json_decref(b);
	ok(store_gate_candidate_newest(ctx.db, &cand, &found, &err) == 0 &&
		   found && cand.build == first,
	   "the build is the gate's candidate");
	is_str(cand.state, "gating", "being gated");
	is_int(publishes, 0, "nothing published before the gate's word");
	n = answer_runs(cand.id, &failed, &pushed_right);
	ok(n >= 2 && failed >= 1, "the CI gave %d results, %d failing", n,
	   failed);
	ok(pushed_right, "each run's commit is what the CI's ref held");
	store_gate_candidate_release(&cand);
	ok(store_gate_candidate_newest(ctx.db, &cand, &found, &err) == 0 &&
		   found,
	   "the candidate read again");
	is_str(cand.state, "failed", "the candidate failed");
	is_str(cand.culprit, "c", "its culprit is c, which brings 'broken'");
	ok(cand.reason && strstr(cand.reason, "'c'"),
	   "and the reason names it: %s", cand.reason ? cand.reason : "");
	is_int(publishes, 0, "a failing candidate is not published");
	store_gate_candidate_release(&cand);
	strbuf_reset(&err);
	sh_out(&err,
	       "sqlite3 state/cthulhu.db \"SELECT subject FROM notifications"
	       " WHERE kind = 'gate-ejected'\"");
	is_str(err.buf, "[test gate] 'c' ejected from next\n",
	       "the maintainer is told, once");
	strbuf_reset(&err);

	rev_parse("work", "c", tip);
	gate_topic_tip(ctx.db, ctx.config, "c", tip, use, &how);
	ok(how && !strcmp(how, "ejected") && !*use,
	   "c at its broken tip is left out of next");
	rev_parse("work", "a", tip);
	gate_topic_tip(ctx.db, ctx.config, "a", tip, use, &how);
	ok(!how && !strcmp(use, tip), "a goes in at its tip");
	rev_parse("work", "d", tip);
	gate_topic_tip(ctx.db, ctx.config, "d", tip, use, &how);
	ok(!how && !strcmp(use, tip), "and so does d, merged after c");

	ok(gate_state(ctx.db, ctx.config, NULL, &state, &err) == 0 && state,
	   "the gate's state for the API");
	ej = json_array_get(json_object_get(state, "ejections"), 0);
	ok(ej && json_array_size(json_object_get(state, "ejections")) == 1 &&
		   !strcmp(json_string_value(json_object_get(ej, "topic")),
			   "c"),
	   "lists one ejection, c's");
	json_decref(state);

	/* --- the next build leaves c out and passes ------------------------ */
	b = rebuild("without c");
	ok(num(b, "id") > first, "a new build");
	ok(store_gate_candidate_newest(ctx.db, &cand, &found, &err) == 0 &&
		   found && cand.build == num(b, "id"),
	   "which is the gate's candidate");
	ok(sh("git -C work cat-file -e '%s:c.txt' 2>/dev/null", cand.commit) &&
		   !sh("git -C work cat-file -e '%s:a.txt'", cand.commit) &&
		   !sh("git -C work cat-file -e '%s:d.txt'", cand.commit),
	   "it holds a and d, without c");
	n = answer_runs(cand.id, &failed, &pushed_right);
	ok(n == 1 && failed == 0, "one run, passing (%d, %d failing)", n,
	   failed);
	store_gate_candidate_release(&cand);
	store_gate_candidate_newest(ctx.db, &cand, &found, &err);
	is_str(cand.state, "passed", "the candidate passed");
	is_int(publishes, 1, "and was published once");
	ok(published_build == num(b, "id"), "the build that passed");
	store_gate_candidate_release(&cand);
	json_decref(b);

	state_job_release();
	mail_global_release();
	strbuf_release(&err);
	strbuf_release(&extra);
	git_cli_cleanup();
	return done_testing();
}
