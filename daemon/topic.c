/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topic tracking.  The topics table holds every topic with the tip last
 * seen; a scan compares each topic's branch with that tip and records a
 * move as an events row, whoever asked for the scan (the watcher's inotify
 * or poll, a poke, start-up).  Only the engine thread writes; the API and
 * the watcher's poll only read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/bus.h"
#include "daemon/config.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/repo.h"
#include "daemon/store/topics.h"
#include "lib/strbuf.h"
#include "daemon/topic-json.h"
#include "daemon/topic.h"
#include "lib/xalloc.h"

#define TOPIC_NAME_MAX 200

static const char *const event_sources[] = {
	"inotify", "poll", "poke", "startup", "reload", "job",
};

/* Whether this process has synced the topics yet (start-up's sync). */
static bool synced_once;

static bool valid_source(const char *source)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(event_sources); i++)
		if (!strcmp(source, event_sources[i]))
			return true;
	return false;
}

/*
 * The branch's tip into hex, or an empty string when the branch does not
 * exist.  Other failures (a broken ref) are errors.
 */
static int read_tip(struct repo *repo, const char *branch, char *hex,
		    struct strbuf *err)
{
	int ret;

	ret = repo_ref_oid(repo, branch, hex, err);
	if (ret == ERR_NOT_FOUND) {
		hex[0] = '\0';
		if (err)
			strbuf_reset(err);
		return 0;
	}
	return ret;
}

static const char *move_kind(struct repo *repo, const char *old,
			     const char *new)
{
	if (!old)
		return "created";
	if (!new)
		return "deleted";
	if (repo_is_ancestor(repo, old, new))
		return "fast-forward";
	return "forced";
}

/*
 * The moves of topics: events without ids yet into *moves, topics whose
 * branch cannot be read left out (logged).
 */
static void find_moves(struct repo *repo, const struct store_topic_list *topics,
		       const char *source, struct store_event_list *moves)
{
	char hex[REPO_HEXSZ + 1];
	time_t now = time(NULL);
	size_t i;

	moves->nr = 0;
	moves->v = xcalloc(topics->nr ? topics->nr : 1, sizeof(*moves->v));
	for (i = 0; i < topics->nr; i++) {
		const struct store_topic *t = &topics->v[i];
		struct strbuf err = STRBUF_INIT;
		struct store_event *ev;
		const char *new;

		if (!t->name || !t->branch)
			continue;
		if (read_tip(repo, t->branch, hex, &err) < 0) {
			log_warn("topic '%s': %s", t->name, err.buf);
			strbuf_release(&err);
			continue;
		}
		strbuf_release(&err);
		new = hex[0] ? hex : NULL;
		if ((!t->tip && !new) ||
		    (t->tip && new && !strcmp(t->tip, new)))
			continue;
		ev = &moves->v[moves->nr++];
		ev->topic = xstrdup(t->name);
		ev->old = t->tip ? xstrdup(t->tip) : NULL;
		ev->new = new ? xstrdup(new) : NULL;
		ev->kind = xstrdup(move_kind(repo, t->tip, new));
		ev->source = xstrdup(source);
		ev->at = (int64_t)now;
	}
}

/* Record moves (from find_moves()) in one transaction; set their ids. */
static int record_moves(struct db *db, struct store_event_list *moves,
			struct strbuf *err)
{
	size_t i;
	int ret;

	ret = db_begin(db, err);
	if (ret < 0)
		return ret;
	for (i = 0; i < moves->nr; i++) {
		ret = store_event_record(db, &moves->v[i], err);
		if (ret < 0) {
			db_rollback(db);
			return ret;
		}
	}
	return db_commit(db, err);
}

static void log_moves(const struct store_event_list *moves)
{
	size_t i;

	for (i = 0; i < moves->nr; i++) {
		const struct store_event *ev = &moves->v[i];

		log_info("topic '%s' %s %.12s..%.12s (%s)", ev->topic, ev->kind,
			 ev->old ? ev->old : "(none)",
			 ev->new ? ev->new : "(none)", ev->source);
	}
}

int topic_scan(struct job_ctx *ctx, const char *source, json_t **moves_out,
	       struct strbuf *err)
{
	struct store_topic_list topics;
	struct store_event_list moves;
	struct repo *repo;
	json_t *arr;
	int ret;

	if (!valid_source(source))
		return error_set(err, ERR_INVALID, "unknown event source '%s'",
				 source);
	repo = repo_thread(err);
	if (!repo)
		return -EIO;
	ret = store_topics_list(ctx->db, false, &topics, err);
	if (ret < 0)
		return ret;
	find_moves(repo, &topics, source, &moves);
	store_topic_list_release(&topics);

	if (moves.nr) {
		ret = record_moves(ctx->db, &moves, err);
		if (ret < 0) {
			store_event_list_release(&moves);
			return ret;
		}
		log_moves(&moves);
	}
	/* One array for the bus (whose subscribers only read it) and out. */
	arr = topic_events_json(&moves);
	if (moves.nr)
		bus_tell(BUS_MOVES, json_pack("{s:O}", "moves", arr));
	if (moves_out)
		*moves_out = arr;
	else
		json_decref(arr);
	store_event_list_release(&moves);
	return 0;
}

int topic_check(bool *moved, struct strbuf *err)
{
	struct store_topic_list topics;
	char hex[REPO_HEXSZ + 1];
	struct repo *repo;
	size_t i;
	int ret;

	*moved = false;
	repo = repo_thread(err);
	if (!repo)
		return -EIO;
	ret = store_topics_list(db_thread(), false, &topics, err);
	if (ret < 0)
		return ret;
	for (i = 0; i < topics.nr; i++) {
		const struct store_topic *t = &topics.v[i];

		if (!t->branch)
			continue;
		/* A branch that cannot be read is the scan's to report. */
		if (read_tip(repo, t->branch, hex, NULL) < 0)
			continue;
		if (t->tip ? strcmp(t->tip, hex) : !!hex[0]) {
			*moved = true;
			break;
		}
	}
	store_topic_list_release(&topics);
	return 0;
}

/*
 * Add or update the rows of the config's topics, remove those of topics
 * no longer in it; a new topic starts at its branch's tip without an
 * event, since tracking it is not a move.
 */
static int sync_config_topics(struct job_ctx *ctx, struct repo *repo,
			      struct strbuf *err)
{
	const struct config *cfg = ctx->config;
	struct store_topic_list had;
	char hex[REPO_HEXSZ + 1];
	time_t now = time(NULL);
	size_t i;
	int ret;

	ret = store_topics_list(ctx->db, false, &had, err);
	if (ret < 0)
		return ret;
	ret = db_begin(ctx->db, err);
	if (ret < 0)
		goto out;
	for (i = 0; i < cfg->nr_topics; i++) {
		const struct topic_conf *tc = &cfg->topics[i];
		struct store_topic t = {
			.name = tc->name,
			.branch = tc->branch,
			.order = tc->order,
			.into_next = tc->into_next,
		};

		ret = read_tip(repo, tc->branch, hex, err);
		if (ret < 0)
			goto out_rollback;
		t.tip = hex[0] ? hex : NULL;
		ret = store_topic_put_config(ctx->db, &t, (int64_t)now, err);
		if (ret < 0)
			goto out_rollback;
	}
	for (i = 0; i < had.nr; i++) {
		const struct store_topic *t = &had.v[i];

		if (!t->source || strcmp(t->source, "config") ||
		    config_topic(cfg, t->name))
			continue;
		ret = store_topic_remove(ctx->db, t->name, err);
		if (ret < 0)
			goto out_rollback;
		log_info("topic '%s' is no longer in the config", t->name);
	}
	ret = db_commit(ctx->db, err);
	goto out;

out_rollback:
	db_rollback(ctx->db);
out:
	store_topic_list_release(&had);
	return ret;
}

static int sync_and_scan(struct job_ctx *ctx, const char *source,
			 json_t **moves, struct strbuf *err)
{
	struct repo *repo;
	int ret;

	repo = repo_thread(err);
	if (!repo)
		return -EIO;
	ret = sync_config_topics(ctx, repo, err);
	if (ret < 0)
		return ret;
	return topic_scan(ctx, source, moves, err);
}

int topic_sync(struct job_ctx *ctx, const char *source, struct strbuf *err)
{
	return sync_and_scan(ctx, source, NULL, err);
}

/* --- jobs ---------------------------------------------------------------- */

static const char *job_source(json_t *args, const char *def, struct strbuf *err)
{
	json_t *v = args ? json_object_get(args, "source") : NULL;

	if (!v)
		return def;
	if (!json_is_string(v) || !valid_source(json_string_value(v))) {
		error_set(err, ERR_INVALID,
			  "'source' must be one of inotify, poll, poke, startup, reload, job");
		return NULL;
	}
	return json_string_value(v);
}

int topic_job_scan(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	const char *source = job_source(args, "job", err);
	json_t *moves;
	int ret;

	if (!source)
		return ERR_INVALID;
	ret = topic_scan(ctx, source, &moves, err);
	if (ret < 0)
		return ret;
	*result = json_pack("{s:o}", "moves", moves);
	return 0;
}

int topic_job_sync(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err)
{
	const char *source;
	json_t *moves;
	int ret;

	source = job_source(args, synced_once ? "job" : "startup", err);
	if (!source)
		return ERR_INVALID;
	ret = sync_and_scan(ctx, source, &moves, err);
	if (ret < 0)
		return ret;
	synced_once = true;
	*result = json_pack("{s:o}", "moves", moves);
	return 0;
}

static bool valid_topic_name(const char *name)
{
	const unsigned char *p;

	if (!*name || strlen(name) > TOPIC_NAME_MAX)
		return false;
	if (name[0] == '/' || ends_with(name, "/"))
		return false;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/* args of "topic-add": check them and fill in the defaults. */
static int parse_add_args(json_t *args, const char **name,
			  struct strbuf *branch, json_int_t *order,
			  int *order_given, bool *into_next, struct strbuf *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(args))
		return error_set(err, ERR_INVALID, "expected a JSON object");
	json_object_foreach(args, key, v) {
		if (strcmp(key, "name") && strcmp(key, "branch") &&
		    strcmp(key, "order") && strcmp(key, "into_next"))
			return error_set(err, ERR_INVALID, "unknown field '%s'",
					 key);
	}

	v = json_object_get(args, "name");
	if (!v)
		return error_set(err, ERR_INVALID, "missing 'name'");
	if (!json_is_string(v) || !valid_topic_name(json_string_value(v)))
		return error_set(
			err, ERR_INVALID,
			"'name' must be a non-empty string without spaces or control characters");
	*name = json_string_value(v);

	v = json_object_get(args, "branch");
	if (!v)
		return error_set(err, ERR_INVALID, "missing 'branch'");
	if (!json_is_string(v) || !*json_string_value(v))
		return error_set(err, ERR_INVALID,
				 "'branch' must be a non-empty string");
	if (!starts_with(json_string_value(v), "refs/"))
		strbuf_addstr(branch, "refs/heads/");
	strbuf_addstr(branch, json_string_value(v));
	if (!repo_refname_valid(branch->buf))
		return error_set(err, ERR_INVALID,
				 "'%s' is not a valid branch name",
				 json_string_value(v));

	v = json_object_get(args, "order");
	*order_given = v != NULL;
	if (v && (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
		  json_integer_value(v) > INT32_MAX))
		return error_set(err, ERR_INVALID,
				 "'order' must be an integer");
	*order = v ? json_integer_value(v) : 0;

	v = json_object_get(args, "into_next");
	if (v && !json_is_boolean(v))
		return error_set(err, ERR_INVALID,
				 "'into_next' must be true or false");
	*into_next = v ? json_is_true(v) : true;
	return 0;
}

int topic_job_add(struct job_ctx *ctx, json_t *args, json_t **result,
		  struct strbuf *err)
{
	struct strbuf branch = STRBUF_INIT;
	char hex[REPO_HEXSZ + 1];
	const char *name = NULL;
	bool into_next = true;
	json_int_t order = 0;
	int order_given = 0;
	struct repo *repo;
	struct store_topic t = { 0 };
	char *other = NULL;
	int64_t max_ord;
	int ret;

	ret = parse_add_args(args, &name, &branch, &order, &order_given,
			     &into_next, err);
	if (ret < 0)
		goto out;
	if (ctx->config->next && !strcmp(branch.buf, ctx->config->next)) {
		ret = error_set(
			err, ERR_INVALID,
			"'%s' is the next branch, which cthulhu rebuilds; it cannot be a topic",
			branch.buf);
		goto out;
	}

	ret = store_topic_get(ctx->db, name, &t, err);
	if (!ret)
		ret = error_set(err, ERR_EXISTS, "topic '%s' exists", name);
	if (ret != ERR_NOT_FOUND)
		goto out;
	strbuf_reset(err);
	ret = store_topic_on_branch(ctx->db, branch.buf, &other, err);
	if (ret < 0)
		goto out;
	if (other) {
		ret = error_set(err, ERR_EXISTS,
				"branch '%s' is already topic '%s'", branch.buf,
				other);
		goto out;
	}
	if (!order_given) {
		ret = store_topics_max_order(ctx->db, &max_ord, err);
		if (ret < 0)
			goto out;
		order = max_ord + 1;
	}

	repo = repo_thread(err);
	if (!repo) {
		ret = -EIO;
		goto out;
	}
	ret = read_tip(repo, branch.buf, hex, err);
	if (ret < 0)
		goto out;
	{
		struct store_topic add = {
			.name = (char *)name,
			.branch = branch.buf,
			.order = order,
			.into_next = into_next,
			.source = "api",
			.tip = hex[0] ? hex : NULL,
		};

		ret = store_topic_add(ctx->db, &add, (int64_t)time(NULL), err);
	}
	if (ret < 0)
		goto out;
	log_info("topic '%s' added on '%s'", name, branch.buf);
	bus_tell(BUS_TOPICS, json_pack("{s:s}", "trigger", "topics"));
	ret = store_topic_get(ctx->db, name, &t, err);
	if (!ret)
		*result = topic_json(&t);
out:
	store_topic_release(&t);
	free(other);
	strbuf_release(&branch);
	return ret;
}

int topic_job_remove(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err)
{
	json_t *v = json_object_get(args, "name");
	struct store_topic t;
	const char *name;
	int ret;

	if (!json_is_string(v))
		return error_set(err, ERR_INVALID, "missing 'name'");
	name = json_string_value(v);
	ret = store_topic_get(ctx->db, name, &t, err);
	if (ret < 0)
		return ret;
	if (t.source && !strcmp(t.source, "config")) {
		ret = error_set(
			err, ERR_INVALID,
			"topic '%s' is set in %s; remove its [topic] section there and reload",
			name,
			ctx->config->path ? ctx->config->path : "cthulhu.conf");
		goto out;
	}
	ret = store_topic_remove(ctx->db, name, err);
	if (ret < 0)
		goto out;
	log_info("topic '%s' removed", name);
	bus_tell(BUS_TOPICS, json_pack("{s:s}", "trigger", "topics"));
	*result = topic_json(&t);
out:
	store_topic_release(&t);
	return ret;
}

void topic_scan_merge_args(json_t *queued, json_t *kicked)
{
	json_t *source = json_object_get(kicked, "source");

	/* a copy: kicked is the kicker's, on another thread */
	if (json_is_string(source))
		json_object_set_new(queued, "source",
				    json_string(json_string_value(source)));
}
