// SPDX-License-Identifier: GPL-2.0
/*
 * Patches applied outside cthulhud: a maintainer who runs `git am` and
 * pushes gets the same records and notices as from `cthulhu apply`.
 * Each topic move recorded since the last run (fast-forward or forced)
 * brings commits (first-parent, not reachable from the old tip); a
 * commit not recorded yet whose `git patch-id --stable` (drop.c's, over
 * its libgit2 diff) is the one of an open patch's diff takes that patch.
 * The patches so found are recorded per series in one transaction, as
 * applied_record() records cthulhu's own apply; a partial apply records
 * the patches found and names the others not applied.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/applied-outside.h"
#include "daemon/applied.h"
#include "daemon/apply.h"
#include "daemon/bus.h"
#include "daemon/db.h"
#include "daemon/drop.h"
#include "daemon/engine.h"
#include "daemon/jobs.h"
#include "daemon/mail.h"
#include "daemon/notify.h"
#include "daemon/repo.h"
#include "daemon/store/applied.h"
#include "daemon/store/series.h"
#include "daemon/store/topics.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* How many commits of one move are looked at. */
#define OUTSIDE_SEARCH 1000

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* An open patch and the patch-id of its mail's diff ("" for none). */
struct candidate {
	const struct store_applied_candidate *c;
	char pid[APPLY_HEXSZ + 1];
	char commit[APPLY_HEXSZ + 1]; /* the commit that took it, or "" */
	const char *topic;	      /* borrowed from the commit's move */
};

static void candidate_pid(struct db *db, struct candidate *cd)
{
	struct strbuf raw = STRBUF_INIT, msg = STRBUF_INIT;
	struct apply_patch p;
	struct mail *m = NULL;

	cd->pid[0] = '\0';
	if (store_message_raw(db, cd->c->msgid, &raw, NULL) < 0 ||
	    mail_parse(raw.buf, raw.len, &m, NULL) < 0)
		goto out;
	apply_patch_from_mail(&p, m, "patch", &msg);
	if (!p.diff || apply_patch_id(p.diff, p.diff_len, cd->pid, NULL) < 0)
		cd->pid[0] = '\0';
out:
	mail_free(m);
	strbuf_release(&msg);
	strbuf_release(&raw);
}

/*
 * The commits the moves brought, oldest first, each {commit, patch_id,
 * topic} once; none already recorded as an applied patch's.
 */
static int moved_commits(struct db *db, struct repo *repo,
			 const struct store_event_list *events, json_t *out,
			 struct strbuf *err)
{
	json_t *seen = json_object();
	size_t i;
	int ret = 0;

	for (i = 0; i < events->nr; i++) {
		const struct store_event *ev = &events->v[i];
		json_t *list, *c;
		size_t k;

		if (!ev->old || !ev->new ||
		    (strcmp(ev->kind, "fast-forward") &&
		     strcmp(ev->kind, "forced")))
			continue;
		list = json_array();
		ret = drop_list_commits(repo, ev->new, ev->old, OUTSIDE_SEARCH,
					list, err);
		if (ret < 0) {
			/* A tip since gone from the repository: nothing to see. */
			log_warn("cannot list the commits of '%s' %.12s..%.12s: %s",
				 ev->topic, ev->old, ev->new, err->buf);
			strbuf_reset(err);
			ret = 0;
			json_decref(list);
			continue;
		}
		for (k = json_array_size(list); k-- > 0;) {
			struct store_applied known;

			c = json_array_get(list, k);
			if (!*jstr(c, "patch_id") ||
			    json_object_get(seen, jstr(c, "commit")))
				continue;
			json_object_set_new(seen, jstr(c, "commit"),
					    json_true());
			if (store_applied_on_commit(db, jstr(c, "commit"),
						    &known, NULL) < 0)
				continue;
			if (!known.id) {
				json_object_set_new(c, "topic",
						    json_string(ev->topic));
				json_array_append(out, c);
			}
			store_applied_release(&known);
		}
		json_decref(list);
	}
	json_decref(seen);
	return ret;
}

/*
 * Record the candidates of series_id that commits on topic took: the
 * series' patch rows, the found ones in number order, one transaction.
 */
static int record_series(struct job_ctx *ctx, int64_t series_id,
			 const char *topic, struct candidate *cands,
			 size_t nr_cands, json_t *recorded, struct strbuf *err)
{
	struct store_patch_list patches = { 0 };
	struct apply_patch *ps = NULL;
	struct apply_done *done = NULL;
	struct store_topic t = { 0 };
	json_t *rows = NULL, *numbers = NULL, *info = NULL, *commits;
	int64_t total = 0, nid = 0;
	size_t i, j, nr = 0;
	int ret;

	ret = store_topic_get(ctx->db, topic, &t, err);
	if (ret < 0)
		return ret;
	ret = store_series_patches(ctx->db, series_id, &patches, err);
	if (ret < 0)
		goto out;
	rows = json_array();
	numbers = json_array();
	commits = json_array();
	ALLOC_ARRAY(ps, patches.nr + 1);
	ALLOC_ARRAY(done, patches.nr + 1);
	for (i = 0; i < patches.nr; i++) {
		const struct store_patch *p = &patches.v[i];

		if (!p->has_diff)
			continue;
		json_array_append_new(rows,
				      json_pack("{s:I, s:I, s:s}", "id",
						(json_int_t)p->id, "number",
						(json_int_t)p->number,
						"subject",
						p->subject ? p->subject : ""));
		for (j = 0; j < nr_cands; j++) {
			const struct candidate *cd = &cands[j];

			if (cd->c->patch != p->id || !*cd->commit ||
			    strcmp(cd->topic, topic))
				continue;
			total = cd->c->total;
			json_array_append_new(numbers, json_integer(p->number));
			json_array_append_new(commits, json_string(cd->commit));
			ps[nr].author_name = p->author_name;
			ps[nr].author_email = p->author_email;
			memcpy(done[nr].commit, cd->commit,
			       sizeof(done[nr].commit));
			memcpy(done[nr].patch_id, cd->pid,
			       sizeof(done[nr].patch_id));
			nr++;
		}
	}
	json_array_append_new(recorded,
			      json_pack("{s:I, s:s, s:o}", "series",
					(json_int_t)series_id, "topic", topic,
					"commits", commits));
	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out;
	ret = applied_record(ctx->db, ctx->config, series_id, total, topic,
			     t.branch, rows, numbers, ps, done, &nid, &info,
			     err);
	if (!ret)
		ret = db_commit(ctx->db, err);
	if (ret < 0) {
		db_rollback(ctx->db);
		goto out;
	}
	log_info("%zu patch(es) of series %lld applied to '%s' outside cthulhud, found by patch-id",
		 nr, (long long)series_id, topic);
out:
	json_decref(info);
	json_decref(numbers);
	json_decref(rows);
	free(ps);
	free(done);
	store_patch_list_release(&patches);
	store_topic_release(&t);
	return ret;
}

/*
 * "applied-outside" -> {"recorded": [{series, topic, commits}]}: the
 * moves recorded since the last run.  Run again after a crash: a commit
 * recorded already, and a patch applied already, are left alone.
 */
int applied_outside_job(struct job_ctx *ctx, json_t *args, json_t **result,
			struct strbuf *err)
{
	struct store_applied_candidate_list open = { 0 };
	struct store_event_list events = { 0 };
	struct candidate *cands = NULL;
	json_t *commits = json_array(), *recorded = json_array(), *c;
	struct repo *repo;
	int64_t last = 0, max_id = 0;
	size_t i, j;
	int ret;

	(void)args;
	ret = store_applied_outside_seen(ctx->db, &last, err);
	if (ret < 0)
		goto out;
	ret = store_events_list(ctx->db, NULL, last, -1, false, &events, err);
	if (ret < 0)
		goto out;
	if (!events.nr)
		goto out;
	max_id = events.v[events.nr - 1].id;
	repo = repo_thread(err);
	if (!repo) {
		ret = -EIO;
		goto out;
	}
	ret = moved_commits(ctx->db, repo, &events, commits, err);
	if (ret < 0 || !json_array_size(commits))
		goto mark;
	ret = store_applied_candidates(ctx->db, &open, err);
	if (ret < 0 || !open.nr)
		goto mark;

	ALLOC_ARRAY(cands, open.nr);
	for (i = 0; i < open.nr; i++) {
		cands[i].c = &open.v[i];
		candidate_pid(ctx->db, &cands[i]);
	}
	json_array_foreach(commits, i, c)
		for (j = 0; j < open.nr; j++) {
			if (*cands[j].commit || !*cands[j].pid ||
			    strcmp(cands[j].pid, jstr(c, "patch_id")))
				continue;
			memcpy(cands[j].commit, jstr(c, "commit"),
			       sizeof(cands[j].commit));
			cands[j].topic = jstr(c, "topic");
			break;
		}
	/* Per series and topic, in the order of the open patches. */
	for (i = 0; i < open.nr; i++) {
		bool first = true;

		if (!*cands[i].commit)
			continue;
		for (j = 0; j < i; j++)
			if (*cands[j].commit &&
			    cands[j].c->series_id == cands[i].c->series_id &&
			    !strcmp(cands[j].topic, cands[i].topic))
				first = false;
		if (!first)
			continue;
		ret = record_series(ctx, cands[i].c->series_id, cands[i].topic,
				    cands, open.nr, recorded, err);
		if (ret < 0)
			goto out;
	}
mark:
	if (ret < 0)
		goto out;
	ret = store_applied_set_outside_seen(ctx->db, max_id, err);
	if (json_array_size(recorded))
		notify_deliver(ctx->db, ctx->config, NULL);
out:
	if (ret == 0)
		*result = json_pack("{s:O}", "recorded", recorded);
	json_decref(recorded);
	json_decref(commits);
	free(cands);
	store_applied_candidate_list_release(&open);
	store_event_list_release(&events);
	return ret;
}

/* BUS_MOVES: a topic moved (engine thread). */
static void on_moves(const char *kind, json_t *data)
{
	json_t *mv;
	size_t i;

	(void)kind;
	json_array_foreach(json_object_get(data, "moves"), i, mv)
		if (!strcmp(jstr(mv, "kind"), "fast-forward") ||
		    !strcmp(jstr(mv, "kind"), "forced")) {
			engine_kick(JOB_APPLIED_OUTSIDE, NULL, 0);
			return;
		}
}

void applied_outside_start(void)
{
	/* A move recorded just before a crash was not looked at. */
	engine_kick(JOB_APPLIED_OUTSIDE, NULL, 0);
}

void applied_outside_init(void)
{
	bus_subscribe(BUS_MOVES, on_moves);
}
