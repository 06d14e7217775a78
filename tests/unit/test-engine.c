/* SPDX-License-Identifier: GPL-2.0 */
/*
 * engine_kick() folding kicks into a queued job: a job held running keeps
 * the kicked ones queued; they must then run once, with the reasons of
 * every kick (merge_args), or with the first kick's args (no merge_args).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/next.h"
#include "lib/strbuf.h"
#include "daemon/topic.h"
#include "tests/unit/tap.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int held, released;
static json_t *seen; /* [type, args] of each kicked job run */

static int hold_run(struct job_ctx *ctx, json_t *args, json_t **result,
		    struct strbuf *err)
{
	pthread_mutex_lock(&lock);
	held = 1;
	pthread_cond_broadcast(&cond);
	while (!released)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return 0;
}

static int record_run(struct job_ctx *ctx, json_t *args, json_t **result,
		      struct strbuf *err)
{
	pthread_mutex_lock(&lock);
	json_array_append_new(seen, json_deep_copy(args));
	pthread_mutex_unlock(&lock);
	return 0;
}

static int noop_run(struct job_ctx *ctx, json_t *args, json_t **result,
		    struct strbuf *err)
{
	return 0;
}

static const struct job_type types[] = {
	{ .name = "hold", .run = hold_run },
	{ .name = "merged",
	  .run = record_run,
	  .merge_args = next_merge_reasons },
	{ .name = "merged-quiet",
	  .run = record_run,
	  .quiet = true,
	  .merge_args = next_merge_reasons },
	{ .name = "plain", .run = record_run },
	{ .name = "scan",
	  .run = record_run,
	  .merge_args = topic_scan_merge_args },
	{ .name = "barrier", .run = noop_run },
};

static char *dumps(json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

int main(void)
{
	char dir[] = "/tmp/cthulhu-test-engine.XXXXXX";
	struct strbuf err = STRBUF_INIT;
	struct db *db;
	char path[256], *text;
	json_t *rows;
	size_t i;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/cthulhu.db", dir);
	if (db_open(path, &db, &err) || db_migrate(db, &err)) {
		printf("Bail out! %s\n", err.buf);
		return 1;
	}
	db_close(db);
	db_set_path(path);
	seen = json_array();
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		engine_register(&types[i]);
	is_int(engine_start(&err), 0, "the engine starts");

	ok(engine_submit("hold", NULL, &err) > 0, "a job holds the engine");
	pthread_mutex_lock(&lock);
	while (!held)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);

	engine_kick("merged", json_pack("{s:s}", "trigger", "startup"), 0);
	engine_kick("merged",
		    json_pack("{s:s, s:b}", "trigger", "topic", "full", 1), 0);
	engine_kick("merged", json_pack("{s:s}", "trigger", "topics"), 0);
	engine_kick("merged", json_pack("{s:s}", "trigger", "topic"), 0);
	engine_kick("merged-quiet", json_pack("{s:b}", "startup", 1), 0);
	engine_kick("merged-quiet", json_pack("{s:s}", "trigger", "config"), 0);
	engine_kick("plain", json_pack("{s:s}", "trigger", "first"), 0);
	engine_kick("plain", json_pack("{s:s}", "trigger", "second"), 0);
	engine_kick("scan", json_pack("{s:s}", "source", "startup"), 0);
	engine_kick("scan", json_pack("{s:s}", "source", "inotify"), 0);

	db = db_thread();
	rows = db_query(db, &err,
			"SELECT args FROM jobs WHERE type = 'merged' "
			"AND state = 'queued'",
			NULL);
	is_int(json_array_size(rows), 1,
	       "four kicks of a queued type are one job");
	is_str(json_string_value(
		       json_object_get(json_array_get(rows, 0), "args")),
	       "{\"trigger\":\"topic\",\"triggers\":[\"startup\",\"topic\",\"topics\"],\"full\":true}",
	       "its row has every reason, the latest trigger and full");
	json_decref(rows);

	pthread_mutex_lock(&lock);
	released = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	is_int(engine_run("barrier", NULL, NULL, &err), 0,
	       "a job after them runs");

	is_int(json_array_size(seen), 4, "each kicked type ran once");
	text = dumps(json_array_get(seen, 0));
	is_str(text,
	       "{\"full\":true,\"trigger\":\"topic\",\"triggers\":[\"startup\",\"topic\",\"topics\"]}",
	       "the merged job ran with the reasons of every kick");
	free(text);
	text = dumps(json_array_get(seen, 1));
	is_str(text,
	       "{\"startup\":true,\"trigger\":\"config\",\"triggers\":[\"config\"]}",
	       "a startup check takes a later kick's trigger");
	free(text);
	text = dumps(json_array_get(seen, 2));
	is_str(text, "{\"trigger\":\"first\"}",
	       "a type without merge_args keeps the first kick's args");
	free(text);
	text = dumps(json_array_get(seen, 3));
	is_str(text, "{\"source\":\"inotify\"}",
	       "a push behind the start-up scan is recorded as inotify's");
	free(text);

	engine_stop();
	db_thread_exit();
	json_decref(seen);
	strbuf_release(&err);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path))
		return 1;
	return done_testing();
}
