/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The engine's apply and drop jobs and the applied table: which patch
 * became which commit on which topic, kept true when commits change SHA1
 * (a drop replays the later commits; a topic rebased by hand is matched
 * by patch-id, then by subject and author), with a notification to the
 * author for each of these.
 *
 * The order of writes is the daemon's rule: git objects, then the ref
 * (compare-and-swap), then one SQLite transaction with the rows and the
 * notification; should that transaction fail, the ref is put back.  The
 * mail goes out after the commit (notify_deliver()).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/am.h"
#include "daemon/applied.h"
#include "daemon/bus.h"
#include "daemon/apply.h"
#include "daemon/config.h"
#include "daemon/cycle.h"
#include "daemon/db.h"
#include "daemon/drop.h"
#include "daemon/engine.h"
#include "daemon/jobs.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/mail.h"
#include "daemon/notify.h"
#include "daemon/queue.h"
#include "daemon/repo.h"
#include "daemon/store/applied.h"
#include "daemon/target.h"
#include "daemon/store/notifications.h"
#include "daemon/store/series.h"
#include "daemon/store/topics.h"
#include "lib/strbuf.h"
#include "daemon/testhook.h"
#include "daemon/topic.h"
#include "lib/xalloc.h"

/* How often an apply starts again when the topic moved under it. */
#define APPLY_RETRIES 3

/* How many commits of a rebased topic are searched for moved patches. */
#define REBASE_SEARCH_MIN 200

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static int64_t jint(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static int topic_branch(struct db *db, const char *topic, char **branch,
			struct strbuf *err)
{
	struct store_topic t;
	int ret;

	ret = store_topic_get(db, topic, &t, err);
	if (ret < 0)
		return ret;
	*branch = t.branch;
	t.branch = NULL;
	store_topic_release(&t);
	return 0;
}

/* Whether n is in the JSON array of numbers (NULL: every n). */
static bool wanted(json_t *numbers, int64_t n)
{
	json_t *v;
	size_t i;

	if (!numbers)
		return true;
	json_array_foreach(numbers, i, v)
		if (json_integer_value(v) == n)
			return true;
	return false;
}

/* Put refname back to old after a failed transaction (best effort). */
static void ref_restore(struct repo *repo, const char *refname, const char *old,
			const char *cur)
{
	struct strbuf err = STRBUF_INIT;

	if (!strcmp(old, cur))
		return;
	if (apply_ref_cas(repo, refname, cur, old, &err) < 0)
		log_error("cannot restore '%s' to %s: %s", refname, old,
			  err.buf);
	strbuf_release(&err);
}

/*
 * Whether the last nr commits of the first-parent history of tip have the
 * patch-ids of patches[0..nr), in order, and none of them is recorded as
 * applied; if so, done[] gets them.
 */
static bool topic_ends_with(struct db *db, struct repo *repo, const char *tip,
			    const struct apply_patch *patches, size_t nr,
			    struct apply_done *done)
{
	json_t *commits = json_object(), *c;
	char pid[APPLY_HEXSZ + 1];
	struct store_applied known;
	bool match = false;
	size_t i;

	/* The tip alone first: one diff decides the usual case. */
	if (!nr || drop_commit_info(repo, tip, commits, NULL) < 0 ||
	    apply_patch_id(patches[nr - 1].diff, patches[nr - 1].diff_len, pid,
			   NULL) < 0 ||
	    strcmp(pid, jstr(commits, "patch_id")))
		goto out;
	json_decref(commits);
	commits = json_array();
	if (drop_list_commits(repo, tip, NULL, nr, commits, NULL) < 0 ||
	    json_array_size(commits) != nr)
		goto out;
	for (i = 0; i < nr; i++) {
		c = json_array_get(commits, nr - 1 - i);
		if (apply_patch_id(patches[i].diff, patches[i].diff_len, pid,
				   NULL) < 0 ||
		    strcmp(pid, jstr(c, "patch_id")))
			goto out;
		if (store_applied_on_commit(db, jstr(c, "commit"), &known,
					    NULL) < 0)
			goto out;
		if (known.id) {
			store_applied_release(&known);
			goto out;
		}
	}
	for (i = 0; i < nr; i++) {
		c = json_array_get(commits, nr - 1 - i);
		snprintf(done[i].commit, sizeof(done[i].commit), "%s",
			 jstr(c, "commit"));
		snprintf(done[i].patch_id, sizeof(done[i].patch_id), "%s",
			 jstr(c, "patch_id"));
		done[i].three_way = false;
	}
	match = true;
out:
	json_decref(commits);
	return match;
}

/*
 * Whether series_id may go to topic at this point of the release cycle.
 * After the soft close for features (rc5, cycle_feature_closed()) a
 * feature for a topic of next (lanes 3 and 4 of the queue, or a series
 * the queue has not looked at yet) needs force, and after the soft close
 * for fixes (rc6) so does a fix for next (lane 2).  Fixes for the current
 * release (lane 1) and topics outside next always go, and so does
 * everything when the cycle cannot be known (no [tree] mainline, no
 * tags).  ERR_CONFLICT naming the close, unless force: then the same
 * sentence is appended to warnings (borrowed) and 0 returned.
 */
static int soft_close_check(struct db *db, const struct config *cfg,
			    int64_t series_id, const char *topic, bool force,
			    json_t *warnings, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT, msg = STRBUF_INIT;
	struct store_topic t;
	bool into_next;
	const char *kind;
	bool closed;
	int lane, ret;

	ret = store_topic_get(db, topic, &t, err);
	if (ret < 0)
		return ret;
	into_next = t.into_next;
	store_topic_release(&t);
	if (!into_next)
		return 0;
	lane = queue_series_lane(db, series_id);
	if (!lane) {
		/* Fresh from intake: have the queue classify it first. */
		ret = queue_scan_pending(db, cfg, err);
		if (ret < 0)
			return ret;
		lane = queue_series_lane(db, series_id);
	}
	if (lane == 1)
		return 0;
	if (lane == 2) {
		kind = "fixes";
		closed = cycle_fixes_closed(&why);
	} else {
		kind = "features";
		closed = cycle_feature_closed(&why);
	}
	if (!closed)
		goto out;
	strbuf_addf(&msg, "'%s' is closed for %s (%s)%s", topic, kind, why.buf,
		    lane ? "" :
			   "; the queue has not classified the series yet");
	if (force) {
		strbuf_addf(&msg, "; series %lld applied as forced",
			    (long long)series_id);
		log_warn("%s", msg.buf);
		json_array_append_new(warnings, json_string(msg.buf));
		goto out;
	}
	ret = error_set(err, ERR_CONFLICT,
			"%s; apply series %lld with --force to take it anyway",
			msg.buf, (long long)series_id);
out:
	strbuf_release(&msg);
	strbuf_release(&why);
	return ret;
}

int applied_record(struct db *db, const struct config *cfg, int64_t series_id,
		   int64_t total, const char *topic, const char *branch,
		   const struct store_patch_list *patches, json_t *numbers,
		   const struct apply_patch *ps, const struct apply_done *done,
		   int64_t *nid, json_t **info, struct strbuf *err)
{
	json_t *applied = json_array(), *missing = json_array();
	struct apply_opts opts;
	size_t i, j = 0;
	bool changed;
	int ret = 0;

	am_apply_opts(&opts, cfg);
	*nid = 0;
	*info = json_pack("{s:I, s:s, s:s, s:o, s:o}", "series_id",
			  (json_int_t)series_id, "topic", topic, "branch",
			  branch, "applied", applied, "not_applied", missing);
	for (i = 0; i < patches->nr; i++) {
		const struct store_patch *p = &patches->v[i];
		const char *subject = p->subject ? p->subject : "";
		struct store_applied a;
		json_t *added;
		char **lines;
		size_t nr_lines, k;

		if (!p->has_diff)
			continue;
		if (!wanted(numbers, p->number)) {
			json_array_append_new(missing,
					      json_pack("{s:I, s:I, s:s}",
							"number",
							(json_int_t)p->number,
							"total",
							(json_int_t)total,
							"subject", subject));
			continue;
		}
		a = (struct store_applied){
			.patch = p->id,
			.series_id = series_id,
			.number = p->number,
			.total = total,
			.topic = (char *)topic,
			.commit = (char *)done[j].commit,
			.patch_id = (char *)done[j].patch_id,
			.subject = (char *)subject,
			.author_name = (char *)ps[j].author_name,
			.author_email = (char *)ps[j].author_email,
			.method = done[j].three_way ? "3way" : "apply",
			.applied_at = time(NULL),
		};
		/* the trailers of replies the commit got (daemon/am.h) */
		lines = am_added_trailers(&ps[j], &opts, &nr_lines);
		a.trailers = lines;
		a.nr_trailers = nr_lines;
		ret = store_applied_add(db, &a, err);
		added = json_array();
		for (k = 0; k < nr_lines; k++) {
			json_array_append_new(added, json_string(lines[k]));
			free(lines[k]);
		}
		free(lines);
		if (ret < 0) {
			json_decref(added);
			return ret;
		}
		json_array_append_new(
			applied,
			json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:o}",
				  "number", (json_int_t)a.number, "total",
				  (json_int_t)a.total, "subject", a.subject,
				  "commit", a.commit, "patch_id", a.patch_id,
				  "method", a.method, "trailers", added));
		j++;
	}
	ret = store_series_set_state(db, series_id, "applied",
				     (int64_t)time(NULL), &changed, err);
	if (ret < 0)
		return ret;
	json_object_set_new(*info, "reply", notify_series_reply(db, series_id));
	ret = notify_applied(db, cfg, *info, nid, err);
	if (ret < 0)
		return ret;
	return store_applied_set_notification(db, series_id, topic, *nid, err);
}

/*
 * "apply" {series, topic, patches?, force?} -> {series, topic, branch,
 * old, new, applied: [{number, total, subject, commit, patch_id, method}],
 * not_applied: [n...], notification, warnings: [text...]}.  Past a soft
 * close of the release cycle see soft_close_check().
 */
/*
 * Record the move this job made as an event of its own now: left to the
 * watcher, a push that lands before the watcher's scan would fold this
 * move and the push into one, and a rebase would look like a
 * fast-forward from the old tip.  Called before the job reads the topic
 * too, for a push the watcher has not recorded yet: it is then a move
 * of its own, not folded into the job's.
 */
static void record_own_move(struct job_ctx *ctx)
{
	struct strbuf err = STRBUF_INIT;

	if (topic_scan(ctx, "job", NULL, &err) < 0)
		log_warn("cannot record the move: %s", err.buf);
	strbuf_release(&err);
}

/*
 * Test points (testhook.h): a crash at "apply-moved", "drop-moved" or
 * "update-trailers-moved" once the topic moved, before the transaction
 * that records the move.
 */
static void crash_point(const char *point)
{
	testhook_crash(point);
}

int apply_job_apply(struct job_ctx *ctx, json_t *args, json_t **result,
		    struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	struct db *db = ctx->db;
	int64_t series_id = jint(args, "series");
	const char *topic = jstr(args, "topic");
	json_t *numbers = json_object_get(args, "patches");
	bool force = json_is_true(json_object_get(args, "force"));
	bool found;
	struct store_series series = { 0 };
	struct store_patch_list patches = { 0 };
	json_t *applied, *missing;
	json_t *warnings = NULL;
	json_t *info = NULL, *res = NULL, *v;
	struct am_series am = { 0 };
	int64_t *nums = NULL;
	struct apply_patch *ps = NULL;
	struct apply_done *done = NULL;
	struct apply_opts opts;
	struct repo *repo;
	char old[APPLY_HEXSZ + 1], new[APPLY_HEXSZ + 1];
	char *branch = NULL;
	size_t nr = 0, i;
	int64_t total, nid = 0;
	int ret, tries;

	if (!series_id || !*topic)
		return error_set(err, ERR_INVALID,
				 "apply needs 'series' and 'topic'");
	if (numbers && (!json_is_array(numbers) || !json_array_size(numbers)))
		return error_set(err, ERR_INVALID,
				 "'patches' must be a list of numbers");
	ret = topic_branch(db, topic, &branch, err);
	if (ret < 0)
		return ret;
	/* Made only once nothing returns before out: any longer. */
	warnings = json_array();
	ret = store_series_get(db, series_id, &series, &found, err);
	if (ret < 0)
		goto out;
	if (!found) {
		ret = error_set(err, ERR_NOT_FOUND, "unknown series %lld",
				(long long)series_id);
		goto out;
	}
	total = series.total;
	ret = store_series_patches(db, series_id, &patches, err);
	if (ret < 0)
		goto out;
	nums = xcalloc(json_array_size(numbers) + 1, sizeof(*nums));
	json_array_foreach(numbers, i, v)
		nums[i] = json_integer_value(v);
	ret = am_series_load(db, cfg, series_id, nums, json_array_size(numbers),
			     &am, err);
	if (ret < 0)
		goto out;
	nr = am.nr;
	ps = xcalloc(nr + 1, sizeof(*ps));
	done = xcalloc(nr + 1, sizeof(*done));
	for (i = 0; i < nr; i++) {
		struct store_applied prev;
		size_t k;

		if (store_applied_of_patch(db, am.v[i].id, &prev, NULL) == 0 &&
		    prev.id) {
			ret = error_set(
				err, ERR_EXISTS,
				"'%s' of series %lld is already applied to '%s' as %.12s",
				am.v[i].name, (long long)series_id, prev.topic,
				prev.commit);
			store_applied_release(&prev);
			goto out;
		}
		ps[i] = am.v[i].patch;
		/* b4 am: "some trailers ignored due to from/email mismatches" */
		for (k = 0; k < am.v[i].nr_skipped; k++) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb,
				    "'%s': trailer left out, it names someone else than the reply's sender: %s",
				    am.v[i].name, am.v[i].skipped[k]);
			log_warn("series %lld: %s", (long long)series_id,
				 sb.buf);
			json_array_append_new(warnings, json_string(sb.buf));
			strbuf_release(&sb);
		}
	}

	repo = repo_thread(err);
	if (!repo) {
		ret = -EIO;
		goto out;
	}
	am_apply_opts(&opts, cfg);
	for (tries = 0;; tries++) {
		record_own_move(ctx);
		ret = repo_ref_oid(repo, branch, old, err);
		if (ret < 0)
			goto out;
		if (topic_ends_with(db, repo, old, ps, nr, done)) {
			/*
			 * The topic already ends with these patches: the
			 * daemon died between moving the ref and recording
			 * the rows (this job is then run again), or someone
			 * ran git am by hand.  Record them rather than
			 * apply them twice.
			 */
			log_info("'%s' already ends with the %zu patch(es) of series %lld: recording them",
				 topic, nr, (long long)series_id);
			memcpy(new, old, sizeof(new));
			break;
		}
		if (!tries) {
			char *warning = NULL;

			ret = target_check(db, cfg, series_id, topic, force,
					   &warning, err);
			if (ret < 0)
				goto out;
			if (warning) {
				log_warn("%s", warning);
				json_array_append_new(warnings,
						      json_string(warning));
				free(warning);
			}
			ret = soft_close_check(db, cfg, series_id, topic, force,
					       warnings, err);
			if (ret < 0)
				goto out;
		}
		ret = apply_to_ref(repo, branch, old, ps, nr, &opts, done, new,
				   err);
		/*
		 * A push moved the topic while the patches were applied:
		 * nothing refers to the commits made, so apply again on
		 * the new tip, a few times.
		 */
		if (ret == ERR_STALE && tries < APPLY_RETRIES) {
			log_warn("'%s' moved while applying series %lld; again",
				 topic, (long long)series_id);
			continue;
		}
		if (ret < 0) {
			struct strbuf why = STRBUF_INIT;

			strbuf_addf(&why,
				    "cannot apply series %lld to '%s': %s",
				    (long long)series_id, topic, err->buf);
			strbuf_reset(err);
			strbuf_addbuf(err, &why);
			strbuf_release(&why);
			goto out;
		}
		break;
	}

	crash_point("apply-moved");
	/* The rows, the series' state and the notification: one transaction. */
	ret = db_begin(db, err);
	if (ret < 0) {
		ref_restore(repo, branch, old, new);
		goto out;
	}
	ret = applied_record(db, cfg, series_id, total, topic, branch, &patches,
			     numbers, ps, done, &nid, &info, err);
	if (!ret)
		ret = db_commit(db, err);
	if (ret < 0) {
		db_rollback(db);
		ref_restore(repo, branch, old, new);
		goto out;
	}
	applied = json_object_get(info, "applied");
	missing = json_object_get(info, "not_applied");

	record_own_move(ctx);
	notify_deliver(db, cfg, NULL);
	engine_kick(JOB_NEXT_REBUILD, NULL, 0);
	res = json_pack("{s:I, s:s, s:s, s:s, s:s, s:O, s:[], s:I, s:O}",
			"series", (json_int_t)series_id, "topic", topic,
			"branch", branch, "old", old, "new", new, "applied",
			applied, "not_applied", "notification", (json_int_t)nid,
			"warnings", warnings);
	json_array_foreach(missing, i, v)
		json_array_append_new(json_object_get(res, "not_applied"),
				      json_integer(jint(v, "number")));
	*result = res;
	log_info("applied %zu patch(es) of series %lld to '%s': %.12s", nr,
		 (long long)series_id, topic, new);
out:
	am_series_release(&am);
	free(nums);
	free(ps);
	free(done);
	json_decref(info);
	store_patch_list_release(&patches);
	store_series_release(&series);
	json_decref(warnings);
	free(branch);
	return ret;
}

/*
 * The REPLY of a follow-up threaded under notification nid: the earlier
 * notification's Message-ID, with the original mail's references before
 * it and the original subject and author.
 */
static json_t *followup_reply(struct db *db, int64_t series_id, int64_t nid)
{
	json_t *reply = notify_series_reply(db, series_id);
	struct store_notification n;
	json_t *refs;

	if (!nid || store_notification_get(db, nid, &n, NULL) < 0)
		return reply;
	refs = json_object_get(reply, "references");
	if (!refs) {
		refs = json_array();
		json_object_set_new(reply, "references", refs);
	}
	if (n.in_reply_to && *n.in_reply_to)
		json_array_insert_new(refs, 0, json_string(n.in_reply_to));
	json_object_set_new(reply, "msgid",
			    json_string(n.msgid ? n.msgid : ""));
	store_notification_release(&n);
	return reply;
}

/*
 * Record that applied row a is now commit new_sha, and add it to
 * changed (an object: series id -> {nid, list}).
 */
static int follow_commit(struct db *db, const struct store_applied *a,
			 const char *new_sha, const char *why, json_t *changed,
			 struct strbuf *err)
{
	char key[32];
	json_t *grp;
	int ret;

	ret = store_applied_move(db, a, new_sha, why, time(NULL), err);
	if (ret < 0)
		return ret;
	snprintf(key, sizeof(key), "%lld", (long long)a->series_id);
	grp = json_object_get(changed, key);
	if (!grp) {
		grp = json_pack("{s:I, s:I, s:[]}", "series_id",
				(json_int_t)a->series_id, "nid",
				(json_int_t)a->notification_id, "changed");
		json_object_set_new(changed, key, grp);
	}
	json_array_append_new(json_object_get(grp, "changed"),
			      json_pack("{s:I, s:I, s:s, s:s, s:s}", "number",
					(json_int_t)a->number, "total",
					(json_int_t)a->total, "subject",
					a->subject, "old", a->commit, "new",
					new_sha));
	return 0;
}

/* One "sha1-changed" notification per series of changed. */
static int tell_changed(struct db *db, const struct config *cfg,
			const char *topic, const char *branch, const char *why,
			json_t *changed, struct strbuf *err)
{
	const char *key;
	json_t *grp;
	int64_t nid;
	int ret;

	json_object_foreach(changed, key, grp) {
		json_t *info;

		if (!jint(grp, "series_id"))
			continue;
		info = json_pack("{s:I, s:s, s:s, s:s, s:O, s:o}", "series_id",
				 (json_int_t)jint(grp, "series_id"), "topic",
				 topic, "branch", branch, "why", why, "changed",
				 json_object_get(grp, "changed"), "reply",
				 followup_reply(db, jint(grp, "series_id"),
						jint(grp, "nid")));
		ret = notify_sha1_changed(db, cfg, info, &nid, err);
		json_decref(info);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * The commit of tip's first-parent history with the patch-id of applied
 * row a's commit, for a row whose commit left the topic: in moved (the
 * pointer returned), or NULL when none has it.
 */
static const char *patch_on_topic(struct repo *repo, const char *tip,
				  const struct store_applied *a,
				  char (*moved)[APPLY_HEXSZ + 1])
{
	json_t *old = json_object(), *cands = json_array(), *c;
	const char *pid = a->patch_id ? a->patch_id : "", *found = NULL;
	size_t i;

	if (drop_commit_info(repo, a->commit, old, NULL) == 0 &&
	    *jstr(old, "patch_id"))
		pid = jstr(old, "patch_id");
	if (drop_list_commits(repo, tip, NULL, 5 * REBASE_SEARCH_MIN, cands,
			      NULL) == 0)
		json_array_foreach(cands, i, c)
			if (*pid && !strcmp(jstr(c, "patch_id"), pid)) {
				snprintf(*moved, sizeof(*moved), "%s",
					 jstr(c, "commit"));
				found = *moved;
				break;
			}
	json_decref(cands);
	json_decref(old);
	return found;
}

/* "drop" {commit, reason} -> {commit, topic, branch, old, new, replayed} */
/*
 * A rewrite of a topic (a drop, new trailers) is recorded: it is our own
 * move, its notices go out and next is made again.  The commits it made
 * again as [{old, new}] (new reference).
 */
static json_t *rewritten(struct job_ctx *ctx, struct db *db,
			 const struct config *cfg,
			 const struct drop_result *res)
{
	json_t *replayed = json_array();
	size_t i;

	record_own_move(ctx);
	notify_deliver(db, cfg, NULL);
	engine_kick(JOB_NEXT_REBUILD, NULL, 0);
	for (i = 0; i < res->nr; i++)
		json_array_append_new(replayed,
				      json_pack("{s:s, s:s}", "old",
						res->map[i].old, "new",
						res->map[i].new));
	return replayed;
}

int apply_job_drop(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	struct db *db = ctx->db;
	const char *commit = jstr(args, "commit");
	const char *reason = jstr(args, "reason");
	struct drop_result res = { 0 };
	struct store_applied_list rows = { 0 };
	const struct store_applied *row;
	json_t *changed = NULL, *info, *replayed;
	char moved[APPLY_HEXSZ + 1];
	const char *topic, *target;
	struct repo *repo;
	char *branch = NULL;
	int64_t nid = 0, msg_id;
	size_t i, len = strlen(commit);
	bool found;
	int ret;

	if (len < 4 || len > APPLY_HEXSZ ||
	    strspn(commit, "0123456789abcdef") != len)
		return error_set(err, ERR_INVALID, "'%s' is not a commit id",
				 commit);
	if (!*reason)
		return error_set(err, ERR_INVALID, "drop needs a reason");
	ret = store_applied_by_prefix(db, commit, &rows, err);
	if (ret < 0)
		return ret;
	if (rows.nr != 1) {
		ret = rows.nr ? error_set(err, ERR_INVALID,
					  "commit '%s' is ambiguous", commit) :
				error_set(err, ERR_NOT_FOUND,
					  "commit '%s' is not an applied patch",
					  commit);
		goto out;
	}
	row = &rows.v[0];
	topic = row->topic;
	ret = topic_branch(db, topic, &branch, err);
	if (ret < 0)
		goto out;
	repo = repo_thread(err);
	if (!repo) {
		ret = -EIO;
		goto out;
	}
	record_own_move(ctx);
	ret = repo_ref_oid(repo, branch, res.old_tip, err);
	if (ret < 0)
		goto out;
	target = row->commit;
	if (!repo_is_ancestor(repo, target, res.old_tip))
		target = patch_on_topic(repo, res.old_tip, row, &moved);
	if (!target) {
		/*
		 * The patch is off the topic already: this job is run
		 * again after a crash between its ref update and its
		 * transaction.  Record the drop; following the forced move
		 * updates the later rows.
		 */
		log_info("%.12s is no longer on '%s': recording the drop",
			 row->commit, topic);
		memcpy(res.new_tip, res.old_tip, sizeof(res.new_tip));
	} else {
		/*
		 * A rebase pushed since the row was written (not followed
		 * yet) gave the patch a new SHA1: drop that commit.
		 */
		ret = drop_commit(repo, branch, target,
				  cfg->committer_name ? cfg->committer_name :
							"cthulhu",
				  cfg->committer_email ? cfg->committer_email :
							 "cthulhu@localhost",
				  &res, err);
		if (ret < 0)
			goto out;
		crash_point("drop-moved");
	}

	changed = json_object();
	ret = db_begin(db, err);
	if (ret < 0) {
		ref_restore(repo, branch, res.old_tip, res.new_tip);
		goto out;
	}
	ret = store_applied_mark_dropped(db, row->id, reason, time(NULL), err);
	for (i = 0; !ret && i < res.nr; i++) {
		struct store_applied later;

		ret = store_applied_on_commit(db, res.map[i].old, &later, err);
		if (!ret && later.id)
			ret = follow_commit(db, &later, res.map[i].new, "drop",
					    changed, err);
		store_applied_release(&later);
	}
	if (!ret && row->patch &&
	    store_patch_message(db, row->patch, &msg_id, &found, NULL) == 0 &&
	    found) {
		info = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:o}",
				 "series_id", (json_int_t)row->series_id,
				 "topic", topic, "branch", branch, "commit",
				 row->commit, "number", (json_int_t)row->number,
				 "total", (json_int_t)row->total, "subject",
				 row->subject, "reason", reason, "reply",
				 notify_mail_reply(db, msg_id));
		ret = notify_dropped(db, cfg, info, &nid, err);
		json_decref(info);
	}
	if (!ret)
		ret = tell_changed(db, cfg, topic, branch,
				   "a commit before them was dropped", changed,
				   err);
	if (!ret)
		ret = db_commit(db, err);
	if (ret < 0) {
		db_rollback(db);
		ref_restore(repo, branch, res.old_tip, res.new_tip);
		goto out;
	}

	replayed = rewritten(ctx, db, cfg, &res);
	*result = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I}", "commit",
			    row->commit, "topic", topic, "branch", branch,
			    "old", res.old_tip, "new", res.new_tip, "replayed",
			    replayed, "notification", (json_int_t)nid);
	log_info("dropped %.12s from '%s' (%zu commit(s) replayed)",
		 row->commit, topic, res.nr);
out:
	free(res.map);
	json_decref(changed);
	store_applied_list_release(&rows);
	free(branch);
	return ret;
}

/* A commit of the topic that gets trailers, for the update-trailers job. */
struct late {
	const struct store_applied *row;
	struct am_patch patch;
	char **lines; /* the new trailers */
	size_t nr_lines;
	struct strbuf message;
};

static void late_release(struct late *l)
{
	size_t i;

	am_patch_release(&l->patch);
	for (i = 0; i < l->nr_lines; i++)
		free(l->lines[i]);
	free(l->lines);
	strbuf_release(&l->message);
}

/*
 * "update-trailers" {topic} -> {topic, branch, old, new, updated:
 * [{number, total, subject, old, new, trailers}], replayed: [{old,
 * new}]}: give the applied commits of topic the trailers that replies
 * gave their patches since (am_applied_late()), as `b4 trailers -u`
 * does, and write the commits after them again; their authors get the
 * SHA1-changed notification a drop sends.
 */
int apply_job_update_trailers(struct job_ctx *ctx, json_t *args,
			      json_t **result, struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	struct db *db = ctx->db;
	const char *topic = jstr(args, "topic");
	struct store_applied_list rows = { 0 };
	struct drop_result res = { 0 };
	struct drop_reword *rw = NULL;
	struct late *late = NULL;
	struct apply_opts opts;
	json_t *changed = NULL, *updated = NULL, *replayed;
	struct repo *repo;
	char *branch = NULL;
	size_t nr = 0, nr_rw = 0, nr_rows = 0, i, k;
	bool same;
	int ret;

	if (!*topic)
		return error_set(err, ERR_INVALID,
				 "update-trailers needs a 'topic'");
	ret = topic_branch(db, topic, &branch, err);
	if (ret < 0)
		return ret;
	repo = repo_thread(err);
	if (!repo) {
		ret = -EIO;
		goto out;
	}
	record_own_move(ctx);
	ret = repo_ref_oid(repo, branch, res.old_tip, err);
	if (ret == 0)
		ret = store_applied_on_topic(db, topic, &rows, err);
	if (ret < 0)
		goto out;
	am_apply_opts(&opts, cfg);
	late = xcalloc(rows.nr + 1, sizeof(*late));
	rw = xcalloc(rows.nr + 1, sizeof(*rw));
	for (i = 0; i < rows.nr; i++) {
		struct late *l = &late[nr];
		struct strbuf old = STRBUF_INIT;

		strbuf_init(&l->message, 0);
		ret = am_applied_late(db, cfg, &rows.v[i], &l->patch, &l->lines,
				      &l->nr_lines, err);
		nr++;
		if (ret < 0)
			goto out;
		if (!l->nr_lines ||
		    !repo_is_ancestor(repo, rows.v[i].commit, res.old_tip))
			continue;
		l->row = &rows.v[i];
		nr_rows++;
		ret = drop_commit_message(repo, l->row->commit, &old, err);
		if (ret == 0)
			apply_message_update(old.buf,
					     (const char *const *)l->lines,
					     l->nr_lines,
					     l->patch.patch.message_id, &opts,
					     &l->message);
		/*
		 * The commit has them already (a run cut short after the
		 * topic moved, the move followed since): record them only.
		 */
		same = ret == 0 && !strcmp(old.buf, l->message.buf);
		strbuf_release(&old);
		if (ret < 0)
			goto out;
		if (same)
			continue;
		rw[nr_rw].commit = l->row->commit;
		rw[nr_rw].message = l->message.buf;
		nr_rw++;
	}
	if (!nr_rows) {
		*result = json_pack("{s:s, s:s, s:s, s:s, s:[], s:[]}", "topic",
				    topic, "branch", branch, "old", res.old_tip,
				    "new", res.old_tip, "updated", "replayed");
		goto out;
	}
	if (nr_rw)
		ret = drop_reword(repo, branch, rw, nr_rw,
				  cfg->committer_name ? cfg->committer_name :
							"cthulhu",
				  cfg->committer_email ? cfg->committer_email :
							 "cthulhu@localhost",
				  &res, err);
	else
		memcpy(res.new_tip, res.old_tip, sizeof(res.new_tip));
	if (ret < 0)
		goto out;
	if (nr_rw)
		crash_point("update-trailers-moved");

	changed = json_object();
	updated = json_array();
	ret = db_begin(db, err);
	if (ret < 0) {
		ref_restore(repo, branch, res.old_tip, res.new_tip);
		goto out;
	}
	for (i = 0; !ret && i < nr; i++) {
		const struct late *l = &late[i];
		char **all;

		if (!l->row)
			continue;
		all = xcalloc(l->row->nr_trailers + l->nr_lines + 1,
			      sizeof(*all));
		for (k = 0; k < l->row->nr_trailers; k++)
			all[k] = l->row->trailers[k];
		for (k = 0; k < l->nr_lines; k++)
			all[l->row->nr_trailers + k] = l->lines[k];
		ret = store_applied_set_trailers(db, l->row->id, all,
						 l->row->nr_trailers +
							 l->nr_lines,
						 err);
		free(all);
	}
	for (i = 0; !ret && i < res.nr; i++) {
		struct store_applied a;

		ret = store_applied_on_commit(db, res.map[i].old, &a, err);
		if (!ret && a.id)
			ret = follow_commit(db, &a, res.map[i].new, "trailers",
					    changed, err);
		for (k = 0; !ret && a.id && k < nr; k++) {
			json_t *lines;
			size_t j;

			if (!late[k].row || late[k].row->id != a.id)
				continue;
			lines = json_array();
			for (j = 0; j < late[k].nr_lines; j++)
				json_array_append_new(lines,
						      json_string(
							      late[k].lines[j]));
			json_array_append_new(
				updated,
				json_pack("{s:I, s:I, s:s, s:s, s:s, s:o}",
					  "number", (json_int_t)a.number,
					  "total", (json_int_t)a.total,
					  "subject", a.subject, "old",
					  res.map[i].old, "new", res.map[i].new,
					  "trailers", lines));
		}
		store_applied_release(&a);
	}
	if (!ret)
		ret = tell_changed(db, cfg, topic, branch,
				   "new trailers from the review", changed,
				   err);
	if (!ret)
		ret = db_commit(db, err);
	if (ret < 0) {
		db_rollback(db);
		ref_restore(repo, branch, res.old_tip, res.new_tip);
		goto out;
	}

	replayed = rewritten(ctx, db, cfg, &res);
	*result = json_pack("{s:s, s:s, s:s, s:s, s:O, s:o}", "topic", topic,
			    "branch", branch, "old", res.old_tip, "new",
			    res.new_tip, "updated", updated, "replayed",
			    replayed);
	log_info("gave %zu commit(s) of '%s' new trailers (%zu rewritten)",
		 nr_rw, topic, res.nr);
out:
	for (i = 0; late && i < nr; i++)
		late_release(&late[i]);
	free(late);
	free(rw);
	free(res.map);
	json_decref(changed);
	json_decref(updated);
	store_applied_list_release(&rows);
	free(branch);
	return ret;
}

/*
 * Follow applied patches across a topic's forced move: each applied
 * commit no longer on the branch is looked for among the branch's
 * commits, by patch-id, then by subject and author; a found one has its
 * row updated and its author told, a missing one is marked gone.  When
 * every topic was rebased in the same scan, no mail is sent: a rebase of
 * the whole tree (onto a new rc) is announced by the maintainer, so one
 * summary goes to the log.
 */
static int follow_topic(struct job_ctx *ctx, struct repo *repo,
			const char *topic, const char *tip, bool quiet,
			size_t *nr_changed, struct strbuf *err)
{
	struct db *db = ctx->db;
	struct store_applied_list rows;
	struct store_applied **lost = NULL;
	json_t *cands = NULL, *changed = NULL;
	size_t i, j, nr_lost = 0, limit;
	char *branch = NULL;
	int ret;

	ret = store_applied_on_topic(db, topic, &rows, err);
	if (ret < 0)
		return ret;
	lost = xcalloc(rows.nr + 1, sizeof(*lost));
	for (i = 0; i < rows.nr; i++)
		if (!repo_is_ancestor(repo, rows.v[i].commit, tip))
			lost[nr_lost++] = &rows.v[i];
	if (!nr_lost)
		goto out;
	limit = 4 * rows.nr;
	if (limit < REBASE_SEARCH_MIN)
		limit = REBASE_SEARCH_MIN;
	cands = json_array();
	ret = drop_list_commits(repo, tip, NULL, limit, cands, err);
	if (ret < 0)
		goto out;
	ret = topic_branch(db, topic, &branch, err);
	if (ret < 0)
		goto out;

	changed = json_object();
	ret = db_begin(db, err);
	if (ret < 0)
		goto out;
	for (i = 0; i < nr_lost; i++) {
		const struct store_applied *row = lost[i];
		const char *pid = row->patch_id ? row->patch_id : "";
		json_t *old = json_object(), *c, *hit = NULL;

		if (drop_commit_info(repo, row->commit, old, NULL) == 0 &&
		    *jstr(old, "patch_id"))
			pid = jstr(old, "patch_id");
		json_array_foreach(cands, j, c)
			if (!json_object_get(c, "used") &&
			    !strcmp(jstr(c, "patch_id"), pid)) {
				hit = c;
				break;
			}
		if (!hit)
			json_array_foreach(cands, j, c)
				if (!json_object_get(c, "used") &&
				    !strcmp(jstr(c, "subject"),
					    row->subject ? row->subject : "") &&
				    !strcasecmp(jstr(c, "author_email"),
						row->author_email ?
							row->author_email :
							"")) {
					hit = c;
					break;
				}
		if (hit) {
			json_object_set_new(hit, "used", json_true());
			ret = follow_commit(db, row, jstr(hit, "commit"),
					    "rebase", changed, err);
			(*nr_changed)++;
		} else {
			ret = store_applied_mark_gone(db, row->id, time(NULL),
						      err);
		}
		json_decref(old);
		if (ret < 0)
			break;
	}
	if (!ret && !quiet)
		ret = tell_changed(db, ctx->config, topic, branch,
				   "the topic was rebased", changed, err);
	if (!ret)
		ret = db_commit(db, err);
	if (ret < 0)
		db_rollback(db);
out:
	json_decref(changed);
	json_decref(cands);
	free(lost);
	store_applied_list_release(&rows);
	free(branch);
	return ret;
}

/*
 * "applied-follow": the forced moves recorded since the last run, as one
 * batch.  It is kicked with a delay by every scan that saw a forced move,
 * so that a push of every topic at once (which inotify may see as several
 * scans) is one batch, and so one rebase of the whole tree.
 */
int apply_job_follow(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err)
{
	struct store_event_list events;
	json_t *forced = json_object(), *tip;
	struct repo *repo;
	const char *topic;
	size_t i, nr_changed = 0;
	int64_t last = 0, nr_topics = 0, max_id = 0;
	bool all;
	int ret = 0;

	/* Without a mark, every recorded move: only lost commits matter. */
	store_applied_followed(ctx->db, &last, NULL);
	ret = store_events_list(ctx->db, NULL, last, -1, false, &events, err);
	if (ret < 0)
		goto out;
	for (i = 0; i < events.nr; i++) {
		const struct store_event *ev = &events.v[i];

		max_id = ev->id;
		if (!strcmp(ev->kind, "forced") && ev->new && * ev->new)
			json_object_set_new(forced, ev->topic,
					    json_string(ev->new));
	}
	store_event_list_release(&events);
	if (!max_id)
		goto out;
	repo = json_object_size(forced) ? repo_thread(err) : NULL;
	store_topics_count(ctx->db, &nr_topics, NULL);
	all = nr_topics > 1 && (int64_t)json_object_size(forced) >= nr_topics;
	json_object_foreach(forced, topic, tip) {
		struct store_topic now;

		if (!repo)
			break;
		/*
		 * Follow to the tip recorded now, not the forced move's: an
		 * apply since then is on it, and its commits are not lost.
		 */
		if (store_topic_get(ctx->db, topic, &now, NULL) < 0)
			continue;
		if (!now.tip) {
			store_topic_release(&now);
			continue;
		}
		ret = follow_topic(ctx, repo, topic, now.tip, all, &nr_changed,
				   err);
		store_topic_release(&now);
		if (ret < 0)
			log_error("cannot follow the applied patches of '%s': %s",
				  topic, err->buf);
	}
	if (all && nr_changed)
		log_info("every topic was rebased at once: %zu applied commit(s) changed SHA1; no notifications sent",
			 nr_changed);
	ret = store_applied_set_followed(ctx->db, max_id, err);
	notify_deliver(ctx->db, ctx->config, NULL);
out:
	json_decref(forced);
	return ret;
}

/* How long a burst of forced moves is gathered into one batch. */
#define FOLLOW_DELAY_MS 1500

/* BUS_MOVES: follow forced moves of topics (engine thread). */
static void on_moves(const char *kind, json_t *data)
{
	json_t *mv;
	size_t i;

	(void)kind;
	json_array_foreach(json_object_get(data, "moves"), i, mv)
		if (!strcmp(jstr(mv, "kind"), "forced")) {
			engine_kick(JOB_APPLIED_FOLLOW, NULL, FOLLOW_DELAY_MS);
			return;
		}
}

void apply_start(void)
{
	/*
	 * The follow's wait is in memory only: a forced move recorded just
	 * before a crash was never followed.  The job takes every move
	 * since the last it followed.
	 */
	engine_kick(JOB_APPLIED_FOLLOW, NULL, 0);
}

void apply_init(void)
{
	bus_subscribe(BUS_MOVES, on_moves);
}
