/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Cthulhu merge on its own: next_job_rebuild() called with a job_ctx
 * (no engine, no daemon) on a repository made with git, the topics
 * synced from a config.  Each merge commit is checked with git: its
 * parents, its message and its tree against `git merge-tree
 * --write-tree` of those parents; next against the build's result; a
 * conflict, a topic already in, a topic without a branch and one not
 * into next each with its outcome.  Then a rebuild after a topic moved
 * keeps the merges before it, a next moved by hand is built from
 * scratch, [next] on-conflict = stop stops, and the build reads give the
 * rows back.  t0210 to t0217 run builds through the daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/engine.h"
#include "daemon/mail.h"
#include "daemon/next.h"
#include "daemon/repo.h"
#include "daemon/topic.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"
#include "tests/unit/git-cli.h"
#include "tests/unit/state.h"

#define HEXSZ 40

/* The topics, in order; t4 is not into next. */
#define TOPICS                                                       \
	"[topic \"t1\"]\n\torder = 1\n[topic \"t2\"]\n\torder = 2\n" \
	"[topic \"t3\"]\n\torder = 3\n[topic \"t5\"]\n\torder = 4\n" \
	"[topic \"t6\"]\n\torder = 5\n[topic \"t7\"]\n\torder = 6\n" \
	"[topic \"t4\"]\n\torder = 7\n\tinto-next = false\n"         \
	"[tree]\n\tbase = base\n"

static struct job_ctx ctx;

static const char *str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : "(null)";
}

static json_int_t num(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* The build's topic of that name, or NULL. */
static json_t *topic_of(json_t *build, const char *name)
{
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(build, "topics"), i, t)
		if (!strcmp(str(t, "topic"), name))
			return t;
	return NULL;
}

static json_t *rebuild(json_t *args, const char *what)
{
	struct strbuf err = STRBUF_INIT;
	json_t *result = NULL;
	int ret;

	ret = next_job_rebuild(&ctx, args, &result, &err);
	is_int(ret, 0, "%s: next_job_rebuild(): %s", what, err.buf);
	json_decref(args);
	strbuf_release(&err);
	return result;
}

/*
 * Whether commit is the merge of topic's tip into the commit before it
 * as git makes it: two parents, the second the topic's tip, the message,
 * and the tree git merge-tree writes for the two parents.
 */
static bool merged_as_git_would(const char *commit, const char *topic,
				const char *tip)
{
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	bool same;

	sh_out(&out,
	       "cd work && git rev-parse %s^2 && git log -1 --format=%%s%%n%%cn"
	       " %s && git rev-parse %s^{tree} && git rev-parse -q --verify"
	       " %s^3 || git merge-tree --write-tree %s^1 %s^2",
	       commit, commit, commit, commit, commit, commit);
	strbuf_addf(&want, "%s\nMerge branch '%s' into next\nCthulhu Test\n",
		    tip, topic);
	same = starts_with(out.buf, want.buf);
	/* the tree twice: the commit's, then git's for its parents */
	if (same) {
		const char *t = out.buf + want.len;

		same = strlen(t) == 2 * (HEXSZ + 1) &&
		       !strncmp(t, t + HEXSZ + 1, HEXSZ);
	}
	if (!same)
		printf("# %s:\n# %s", commit, out.buf);
	strbuf_release(&out);
	strbuf_release(&want);
	return same;
}

static void make_repo(void)
{
	ok(!sh("t=1700000000; c() { t=$((t + 60));"
	       " GIT_AUTHOR_DATE=\"$t +0000\" GIT_COMMITTER_DATE=\"$t +0000\""
	       " git commit -q \"$@\"; };"
	       " git init -q -b master work && cd work &&"
	       " seq 1 10 > a.txt && echo line > shared.txt && git add . &&"
	       " c -m base && git branch base && git branch t6 &&"
	       " git checkout -q -b t1 base && sed -i 1s/1/one/ a.txt &&"
	       " c -am t1 &&"
	       " git checkout -q -b t2 base && echo b > b.txt && git add b.txt &&"
	       " c -m t2 &&"
	       " git checkout -q -b t3 base && echo t3 > shared.txt &&"
	       " c -am t3 &&"
	       " git checkout -q -b t5 base && echo t5 > shared.txt &&"
	       " c -am t5 &&"
	       " git checkout -q -b t4 base && echo d > d.txt && git add d.txt &&"
	       " c -m t4 && git checkout -q master && mkdir ../state"),
	   "make a repository with git");
}

int main(void)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	char hex[HEXSZ + 1], next1[HEXSZ + 1], t1_merge[HEXSZ + 1];
	json_t *b, *t, *list;
	const char *tip;
	int ret;

	if (!git_cli_init("test-next"))
		return 1;
	/* a build mails the owners of conflicting topics (conflict-mail.h) */
	mail_global_init();
	make_repo();
	ok(state_job_init(&ctx, TOPICS), "a new database and a config");
	if (!ctx.config)
		return done_testing();
	is_int(topic_sync(&ctx, "startup", &err), 0, "the topics synced: %s",
	       err.buf);

	/* --- the first build ---------------------------------------------- */
	b = rebuild(json_pack("{s:s}", "trigger", "job"), "first");
	is_str(str(b, "state"), "done", "the build is done");
	rev_parse("work", "next", next1);
	is_str(str(b, "result"), next1, "next is its result");
	rev_parse("work", "base", hex);
	is_str(str(b, "base"), hex, "built on [tree] base");
	is_str(str(b, "old_next"), "(null)", "where there was no next");
	ok(num(b, "merges_done") == 3 && num(b, "merges_reused") == 0 &&
		   num(b, "conflicts") == 1,
	   "three merges, one conflict, nothing reused");
	is_int(json_array_size(json_object_get(b, "topics")), 6,
	       "the six topics into next, not t4");

	t = topic_of(b, "t1");
	rev_parse("work", "t1", hex);
	ok(t && !strcmp(str(t, "outcome"), "merged") &&
		   !strcmp(str(t, "tip"), hex) && num(t, "pos") == 0,
	   "t1 is merged first, at its tip");
	ok(t && merged_as_git_would(str(t, "merge_commit"), "t1", hex),
	   "t1's merge commit is git's merge of it into base");
	snprintf(t1_merge, sizeof(t1_merge), "%s", str(t, "merge_commit"));
	sh_out(&out, "git -C work rev-parse %s^1 base", t1_merge);
	ok(out.len == 2 * (HEXSZ + 1) && !strncmp(out.buf, out.buf + 41, 40),
	   "whose first parent is base");
	t = topic_of(b, "t2");
	rev_parse("work", "t2", hex);
	ok(t && !strcmp(str(t, "outcome"), "merged") &&
		   merged_as_git_would(str(t, "merge_commit"), "t2", hex),
	   "t2 is git's merge into t1's merge");
	strbuf_reset(&out);
	sh_out(&out, "git -C work rev-parse %s^1", str(t, "merge_commit"));
	ok(starts_with(out.buf, t1_merge), "which is its first parent");
	t = topic_of(b, "t3");
	rev_parse("work", "t3", hex);
	ok(t && merged_as_git_would(str(t, "merge_commit"), "t3", hex),
	   "t3 is git's merge too");
	is_str(str(t, "merge_commit"), next1,
	       "and the last merge, so next is at it");

	t = topic_of(b, "t5");
	ok(t && !strcmp(str(t, "outcome"), "conflict") &&
		   json_array_size(json_object_get(t, "conflicts")) == 1 &&
		   !strcmp(json_string_value(
				   json_array_get(json_object_get(t,
								  "conflicts"),
						  0)),
			   "shared.txt"),
	   "t5 conflicts with t3 on shared.txt");
	is_str(str(t, "merge_commit"), next1, "and is left out");
	t = topic_of(b, "t6");
	is_str(str(t, "outcome"), "nothing", "t6, at base, has nothing to add");
	t = topic_of(b, "t7");
	ok(t && !strcmp(str(t, "outcome"), "missing") &&
		   !strcmp(str(t, "tip"), "(null)"),
	   "t7, without a branch, is missing");
	ok(sh("git -C work merge-base --is-ancestor t4 next") == 1 &&
		   !sh("git -C work merge-base --is-ancestor t3 next"),
	   "git: t4 is not in next, t3 is");
	strbuf_reset(&out);
	sh_out(&out, "git -C work reflog show --format=%%gs next");
	strbuf_rtrim(&out);
	ok(starts_with(out.buf, "cthulhu: build "),
	   "next's reflog names the build: %s", out.buf);

	is_int(next_latest_build(ctx.db, &t, &err), 0, "next_latest_build()");
	ok(json_equal(t, b), "is the build the job gave");
	json_decref(t);
	is_int(next_build_get(ctx.db, 999, &t, &err), ERR_NOT_FOUND,
	       "next_build_get() of an unknown build: ERR_NOT_FOUND");
	strbuf_reset(&err);
	json_decref(b);

	b = rebuild(json_pack("{s:s}", "trigger", "topic"), "moves only");
	ok(json_is_true(json_object_get(b, "skipped")),
	   "a build for moves when nothing moved is skipped");
	json_decref(b);
	is_int(next_job_check(&ctx, NULL, &b, &err), 0, "next_job_check()");
	ok(json_is_false(json_object_get(b, "stale")), "finds next up to date");
	json_decref(b);

	/* --- t2 moves: t1's merge is kept --------------------------------- */
	ok(!sh("cd work && git checkout -q t2 && echo b2 > b.txt &&"
	       " git commit -q -am t2-again && git checkout -q master"),
	   "git moves t2");
	b = rebuild(json_pack("{s:s}", "trigger", "topic"), "after a move");
	ok(num(b, "merges_reused") == 1 && num(b, "merges_done") == 2,
	   "t1 reused, t2 and t3 merged again");
	t = topic_of(b, "t1");
	ok(t && !strcmp(str(t, "outcome"), "reused") &&
		   !strcmp(str(t, "merge_commit"), t1_merge),
	   "t1's merge commit is the same commit");
	t = topic_of(b, "t2");
	rev_parse("work", "t2", hex);
	ok(t && merged_as_git_would(str(t, "merge_commit"), "t2", hex),
	   "t2's new tip is merged as git would");
	t = topic_of(b, "t3");
	rev_parse("work", "next", hex);
	ok(t && !strcmp(str(t, "merge_commit"), hex) &&
		   !strcmp(str(b, "old_next"), next1),
	   "next moved from the old result to the new");
	json_decref(b);

	/* --- next moved by hand: nothing is reused ------------------------ */
	ok(!sh("git -C work branch -f next t1"), "git moves next by hand");
	rev_parse("work", "t1", hex);
	b = rebuild(json_pack("{s:s}", "trigger", "job"), "after next moved");
	ok(num(b, "merges_reused") == 0 && num(b, "merges_done") == 3 &&
		   !strcmp(str(b, "old_next"), hex),
	   "built from scratch over the next found");
	rev_parse("work", "next", hex);
	is_str(str(b, "result"), hex, "and next is the new result");
	json_decref(b);

	/* --- on-conflict = stop ------------------------------------------- */
	ok(state_job_config(&ctx, TOPICS "[next]\n\ton-conflict = stop\n"),
	   "[next] on-conflict = stop");
	rev_parse("work", "next", next1);
	b = rebuild(json_pack("{s:s, s:b}", "trigger", "job", "full", 1),
		    "stop");
	ok(!strcmp(str(b, "state"), "stopped") &&
		   !strcmp(str(b, "result"), "(null)"),
	   "the build stops at the conflict, without a result");
	is_int(json_array_size(json_object_get(b, "topics")), 4,
	       "recording the topics up to t5");
	rev_parse("work", "next", hex);
	is_str(hex, next1, "and next is left as it was");
	json_decref(b);
	ok(state_job_config(&ctx, TOPICS "[next]\n\ton-conflict = maybe\n"),
	   "[next] on-conflict = maybe");
	ret = next_job_rebuild(&ctx, NULL, &b, &err);
	ok(ret == ERR_INVALID && strstr(err.buf, "'maybe'"), "is refused: %s",
	   err.buf);
	strbuf_reset(&err);

	list = next_build_list(ctx.db, 10, &err);
	ok(json_array_size(list) == 4,
	   "next_build_list(): the four builds (%zu)", json_array_size(list));
	tip = str(json_array_get(list, 0), "state");
	is_str(tip, "stopped", "newest first");
	json_decref(list);

	state_job_release();
	git_cli_cleanup();
	strbuf_release(&err);
	strbuf_release(&out);
	return done_testing();
}
