/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "What's cooking" report (see cooking.h): the topics as the store
 * and the repository know them, each with its description, its commits
 * over the base and where it stands.  Reads only; any thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>

#include "daemon/config.h"
#include "daemon/cooking.h"
#include "daemon/queue.h"
#include "daemon/repo.h"
#include "daemon/store/builds.h"
#include "daemon/store/gate.h"
#include "daemon/store/topics.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define EJECTIONS_MAX 1000

const char *cooking_lane_name(int lane)
{
	static const char *const names[] = { "all", "current fixes", "fixes",
					     "other trees", "features" };

	return lane >= 0 && lane <= QUEUE_LANES ? names[lane] : "";
}

int64_t cooking_days(const struct cooking_topic *t, int64_t now)
{
	if (!t->since || now < t->since)
		return 0;
	return (now - t->since) / 86400;
}

static void topic_release(struct cooking_topic *t)
{
	size_t i;

	free(t->name);
	free(t->branch);
	free(t->description);
	free(t->tip);
	free(t->next_tip);
	free(t->why);
	free(t->gate);
	for (i = 0; i < t->nr_conflicts; i++)
		free(t->conflicts[i]);
	free(t->conflicts);
	for (i = 0; i < t->nr_shown; i++)
		free(t->commits[i].subject);
	free(t->commits);
}

void cooking_release(struct cooking *c)
{
	size_t i;

	for (i = 0; i < c->nr_topics; i++)
		topic_release(&c->topics[i]);
	free(c->topics);
	free(c->tree);
	free(c->base_name);
	free(c->base);
	free(c->next);
	free(c->build_state);
	free(c->build_gate);
	free(c->build_result);
	free(c->stopped_at);
	memset(c, 0, sizeof(*c));
}

/* --- from the repository ----------------------------------------------- */

/* The length of the UTF-8 sequence at s, 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/*
 * A copy of text from git (a subject, a description) that is UTF-8:
 * the report goes into JSON, XML and mail, and a byte that is not UTF-8
 * becomes '?'.
 */
static char *utf8_dup(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	struct strbuf sb = STRBUF_INIT;
	size_t n;

	while (*p) {
		n = utf8_len(p);
		if (n)
			strbuf_add(&sb, p, n);
		else
			strbuf_addch(&sb, '?');
		p += n ? n : 1;
	}
	return strbuf_detach(&sb, NULL);
}

/*
 * branch.<name>.description of the repository's own config, read afresh
 * (git branch --edit-description may have changed it since the last
 * report); NULL for none.
 */
static char *branch_description(struct repo *repo, const char *branch)
{
	struct strbuf path = STRBUF_INIT, key = STRBUF_INIT;
	git_config *gcfg = NULL;
	git_buf buf = { 0 };
	char *desc = NULL;

	skip_prefix(branch, "refs/heads/", &branch);
	strbuf_addf(&path, "%sconfig", repo_path(repo));
	strbuf_addf(&key, "branch.%s.description", branch);
	if (git_config_open_ondisk(&gcfg, path.buf) < 0)
		goto out;
	if (git_config_get_string_buf(&buf, gcfg, key.buf) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addstr(&path, buf.ptr);
	strbuf_trim(&path);
	if (path.len)
		desc = utf8_dup(path.buf);
out:
	git_buf_dispose(&buf);
	git_config_free(gcfg);
	strbuf_release(&path);
	strbuf_release(&key);
	return desc;
}

/*
 * The commits of base..tip, newest first as git log shows them, the subjects of the first
 * COOKING_SHORTLOG_MAX; and the committer date of the oldest.  A commit
 * is in next when the topic's merge in next (next_tip) reaches it.
 */
static int topic_commits(struct repo *repo, const char *base,
			 struct cooking_topic *t, struct strbuf *err)
{
	git_repository *git = repo_git(repo);
	git_oid tip, oid, merged;
	git_revwalk *walk = NULL;
	git_commit *commit = NULL;
	/* merged at its tip: every commit is in next, no walk needed */
	bool all_in = t->next_tip && !strcmp(t->next_tip, t->tip);
	size_t alloc = 0;
	int ret;

	if (git_oid_fromstr(&tip, t->tip) < 0)
		return error_set(err, ERR_INVALID, "bad tip '%s' of '%s'",
				 t->tip, t->name);
	if (t->next_tip && git_oid_fromstr(&merged, t->next_tip) < 0)
		return error_set(err, ERR_INVALID, "bad tip '%s' of '%s'",
				 t->next_tip, t->name);
	ret = git_revwalk_new(&walk, git);
	if (!ret)
		ret = git_revwalk_sorting(walk,
					  GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	if (!ret)
		ret = git_revwalk_push(walk, &tip);
	if (!ret) {
		git_oid b;

		ret = git_oid_fromstr(&b, base);
		if (!ret)
			ret = git_revwalk_hide(walk, &b);
	}
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot walk '%s' over the base",
				 t->name);
		goto out;
	}
	while (!(ret = git_revwalk_next(&oid, walk))) {
		struct cooking_commit *c;
		int64_t when;

		ret = git_commit_lookup(&commit, git, &oid);
		if (ret < 0)
			break;
		when = (int64_t)git_commit_time(commit);
		if (!t->since || when < t->since)
			t->since = when;
		t->nr_commits++;
		if (t->nr_shown < COOKING_SHORTLOG_MAX) {
			if (t->nr_shown == alloc) {
				alloc = alloc ? 2 * alloc : 16;
				t->commits =
					xrealloc(t->commits,
						 alloc * sizeof(*t->commits));
			}
			c = &t->commits[t->nr_shown++];
			git_oid_tostr(c->hex, sizeof(c->hex), &oid);
			c->subject = utf8_dup(git_commit_summary(commit) ?: "");
			c->time = when;
			c->in_next = all_in ||
				     (t->next_tip &&
				      (git_oid_equal(&merged, &oid) ||
				       git_graph_descendant_of(git, &merged,
							       &oid) == 1));
		}
		git_commit_free(commit);
		commit = NULL;
	}
	if (ret == GIT_ITEROVER)
		ret = 0;
	else
		ret = repo_error(err, -EIO, "cannot walk '%s' over the base",
				 t->name);
out:
	git_commit_free(commit);
	git_revwalk_free(walk);
	return ret;
}

/* --- where a topic stands ---------------------------------------------- */

static const struct store_build_topic *
build_topic_of(const struct store_build_topic_list *bt, const char *name)
{
	size_t i;

	for (i = 0; i < bt->nr; i++)
		if (bt->v[i].topic && !strcmp(bt->v[i].topic, name))
			return &bt->v[i];
	return NULL;
}

/* The ejection that holds topic out of next at its tip now, or NULL. */
static const struct store_gate_ejection *
ejection_of(const struct store_gate_ejection_list *ej, const char *name,
	    const char *tip)
{
	size_t i;

	for (i = 0; i < ej->nr; i++)
		if (!strcmp(ej->v[i].topic, name) &&
		    (!tip || !strcmp(ej->v[i].bad_tip, tip)))
			return &ej->v[i];
	return NULL;
}

static void set_state(struct cooking_topic *t, const char *state,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_state(struct cooking_topic *t, const char *state,
		      const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	t->state = state;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(t->why);
	t->why = strbuf_detach(&sb, NULL);
}

static void copy_conflicts(struct cooking_topic *t,
			   const struct store_build_topic *bt)
{
	size_t i;

	t->conflicts = xcalloc(bt->nr_conflicts + 1, sizeof(*t->conflicts));
	for (i = 0; i < bt->nr_conflicts; i++)
		t->conflicts[i] = xstrdup(bt->conflicts[i]);
	t->nr_conflicts = bt->nr_conflicts;
}

/* The topic's state and state line from the build and the gate. */
static void topic_standing(struct cooking *c, struct cooking_topic *t,
			   const struct store_build_topic_list *bts,
			   const struct store_gate_ejection_list *ej)
{
	const struct store_build_topic *bt = build_topic_of(bts, t->name);
	const struct store_gate_ejection *e = ejection_of(ej, t->name, t->tip);
	struct strbuf paths = STRBUF_INIT;
	bool stopped;
	size_t i;

	if (e)
		t->gate = xstrdup(e->state);
	else if (bt && bt->gate)
		t->gate = xstrdup(bt->gate);
	if (!t->into_next) {
		set_state(t, COOKING_HELD,
			  "Held back from next (into-next = false).");
		return;
	}
	if (!t->tip) {
		set_state(t, COOKING_MISSING, "Its branch %s does not exist.",
			  t->branch);
		return;
	}
	if ((bt && bt->gate && !strcmp(bt->gate, "ejected")) ||
	    (e && strcmp(e->state, "fallback"))) {
		if (e && e->good_tip && !strcmp(e->state, "trying"))
			set_state(t, COOKING_EJECTED,
				  "Ejected from next by the gate at %.12s; being tried at its last good tip %.12s.",
				  e->bad_tip, e->good_tip);
		else
			set_state(t, COOKING_EJECTED,
				  "Ejected from next by the gate: %.12s fails [gate] command.",
				  e ? e->bad_tip : t->tip);
		if (bt && bt->tip && bt->outcome &&
		    strcmp(bt->outcome, "missing"))
			t->next_tip = xstrdup(bt->tip);
		return;
	}
	if (!bt) {
		if (c->stopped_at)
			set_state(t, COOKING_HELD,
				  "Held back: build #%lld of next stopped at '%s' (on-conflict = stop).",
				  (long long)c->build_id, c->stopped_at);
		else if (c->build_id)
			set_state(t, COOKING_PENDING,
				  "Not in build #%lld of next; waits for the next build.",
				  (long long)c->build_id);
		else
			set_state(t, COOKING_PENDING,
				  "Not in next yet: no build of next so far.");
		return;
	}
	if (!strcmp(bt->outcome, "conflict")) {
		copy_conflicts(t, bt);
		for (i = 0; i < bt->nr_conflicts; i++)
			strbuf_addf(&paths, "%s%s", i ? ", " : "",
				    bt->conflicts[i]);
		stopped = c->stopped_at && !strcmp(c->stopped_at, t->name);
		if (bt->merge_fix_failed)
			set_state(t, COOKING_CONFLICT,
				  "Its merge-fix %.12s no longer applies in next on %s (build #%lld); left out%s.",
				  bt->merge_fix_failed,
				  paths.len ? paths.buf : "its files",
				  (long long)c->build_id,
				  stopped ? ", and the build stopped there" :
					    "");
		else
			set_state(t, COOKING_CONFLICT,
				  "Conflicts with the topics before it in next on %s (build #%lld); left out%s.",
				  paths.len ? paths.buf : "its files",
				  (long long)c->build_id,
				  stopped ? ", and the build stopped there" :
					    "");
		strbuf_release(&paths);
		return;
	}
	if (!strcmp(bt->outcome, "missing")) {
		set_state(t, COOKING_PENDING,
			  "Not in next: its branch was missing at build #%lld.",
			  (long long)c->build_id);
		return;
	}
	if (bt->tip)
		t->next_tip = xstrdup(bt->tip);
	if (bt->gate && !strcmp(bt->gate, "fallback"))
		set_state(t, COOKING_IN_NEXT,
			  "In next at its last good tip %.12s: the gate ejected its newer commits.",
			  bt->tip ? bt->tip : "");
	else if (bt->tip && strcmp(bt->tip, t->tip))
		set_state(t, COOKING_IN_NEXT,
			  "In next at %.12s (build #%lld); its tip %.12s waits for the next build.",
			  bt->tip, (long long)c->build_id, t->tip);
	else if (!strcmp(bt->outcome, "nothing"))
		set_state(t, COOKING_IN_NEXT,
			  "In next (build #%lld): nothing to merge, next has it all.",
			  (long long)c->build_id);
	else
		set_state(t, COOKING_IN_NEXT, "In next (build #%lld%s%s).",
			  (long long)c->build_id,
			  !strcmp(bt->outcome, "resolved") ?
				  ", with a recorded resolution" :
				  "",
			  bt->nr_merge_fixes == 1 ? ", with a merge-fix" :
			  bt->nr_merge_fixes	  ? ", with merge-fixes" :
						    "");
}

static void count_state(struct cooking_counts *n, const char *state)
{
	if (!strcmp(state, COOKING_IN_NEXT))
		n->in_next++;
	else if (!strcmp(state, COOKING_CONFLICT))
		n->conflict++;
	else if (!strcmp(state, COOKING_EJECTED))
		n->ejected++;
	else if (!strcmp(state, COOKING_HELD))
		n->held++;
	else if (!strcmp(state, COOKING_MISSING))
		n->missing++;
	else
		n->pending++;
}

/* --- the report -------------------------------------------------------- */

/* The latest settled build: the report's fields and its topics. */
static int read_build(struct db *db, struct cooking *c,
		      struct store_build_topic_list *bts, struct strbuf *err)
{
	struct store_build b;
	bool found;
	size_t i;
	int ret;

	ret = store_build_latest_settled(db, &b, &found, err);
	if (ret < 0 || !found)
		return ret;
	c->build_id = b.id;
	c->build_state = xstrdup_or_null(b.state);
	c->build_gate = xstrdup_or_null(b.gate);
	c->build_result = xstrdup_or_null(b.result);
	c->build_at = b.started_at;
	if (b.base)
		c->base = xstrdup(b.base);
	ret = store_build_topics(db, b.id, bts, err);
	if (!ret && b.state && !strcmp(b.state, "stopped"))
		for (i = bts->nr; i-- > 0;)
			if (bts->v[i].outcome &&
			    !strcmp(bts->v[i].outcome, "conflict")) {
				c->stopped_at = xstrdup(bts->v[i].topic);
				break;
			}
	store_build_release(&b);
	return ret;
}

int cooking_build(struct db *db, const struct config *cfg, struct repo *repo,
		  int64_t now, struct cooking *out, struct strbuf *err)
{
	struct store_build_topic_list bts = { 0 };
	struct store_gate_ejection_list ej = { 0 };
	struct store_topic_list topics = { 0 };
	char hex[REPO_HEXSZ + 1];
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	out->tree = xstrdup(cfg->tree_name ? cfg->tree_name : "");
	out->base_name = xstrdup_or_null(cfg->base);
	out->generated_at = now;
	if (repo_ref_oid(repo, cfg->next, hex, NULL) == 0)
		out->next = xstrdup(hex);
	ret = read_build(db, out, &bts, err);
	if (ret < 0)
		goto out;
	if (!out->base && cfg->base && strcmp(cfg->base, "auto") &&
	    repo_resolve_commit(repo, cfg->base, hex, NULL) == 0)
		out->base = xstrdup(hex);
	ret = store_gate_ejections_holding(db, EJECTIONS_MAX, &ej, err);
	if (ret < 0)
		goto out;
	ret = store_topics_list(db, false, &topics, err);
	if (ret < 0)
		goto out;
	out->topics = xcalloc(topics.nr + 1, sizeof(*out->topics));
	for (i = 0; i < topics.nr; i++) {
		struct cooking_topic *t = &out->topics[out->nr_topics++];
		const struct store_topic *st = &topics.v[i];

		t->name = xstrdup(st->name);
		t->branch = xstrdup(st->branch);
		t->order = st->order;
		t->into_next = st->into_next;
		t->moved_at = st->moved_at;
		if (repo_ref_oid(repo, st->branch, hex, NULL) == 0)
			t->tip = xstrdup(hex);
		t->description = branch_description(repo, st->branch);
		topic_standing(out, t, &bts, &ej);
		count_state(&out->counts, t->state);
		/* No base yet (base = auto, no build): not all of history. */
		if (t->tip && out->base) {
			ret = topic_commits(repo, out->base, t, err);
			if (ret < 0)
				goto out;
		}
	}
	ret = queue_lanes(db, out->lanes, err);
out:
	store_topic_list_release(&topics);
	store_gate_ejection_list_release(&ej);
	store_build_topic_list_release(&bts);
	return ret;
}
