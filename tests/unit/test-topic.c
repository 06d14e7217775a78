/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topic tracking on its own: the store of topics and events
 * (store/topics.h) on a new database, the API's JSON shapes of its rows,
 * and topic.c's sync, scan, check and add/remove jobs called directly
 * with a job_ctx, on a repository whose branches git moves: a
 * fast-forward, a forced push, a branch created and one deleted, each
 * checked against git rev-parse.  t0100 to t0104 see the same through a
 * running daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bus.h"
#include "daemon/engine.h"
#include "daemon/repo.h"
#include "daemon/store/topics.h"
#include "daemon/topic.h"
#include "daemon/topic-json.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"
#include "tests/unit/git-cli.h"
#include "tests/unit/state.h"

static int moves_told, topics_told;
static json_t *last_moves;

static void on_moves(const char *kind, json_t *data)
{
	moves_told++;
	json_decref(last_moves);
	last_moves = json_deep_copy(json_object_get(data, "moves"));
}

static void on_topics(const char *kind, json_t *data)
{
	topics_told++;
}

static char *dumps(json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

/* The event of topic in a JSON array of events, or NULL. */
static json_t *move_of(json_t *moves, const char *topic)
{
	json_t *ev;
	size_t i;

	json_array_foreach(moves, i, ev)
		if (!strcmp(json_string_value(json_object_get(ev, "topic")),
			    topic))
			return ev;
	return NULL;
}

static const char *field(json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);

	return json_is_null(v) ? "(null)" : json_string_value(v);
}

static void test_store(struct db *db, const char *tip, const char *tip2)
{
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	struct store_topic pmu = {
		.name = "x86/pmu",
		.branch = "refs/heads/x86/pmu",
		.order = 2,
		.into_next = true,
		.source = "api",
		.tip = (char *)tip,
	};
	struct store_topic svm = {
		.name = "svm",
		.branch = "refs/heads/svm",
		.order = 1,
		.source = "api",
	};
	struct store_event ev = {
		.topic = "x86/pmu",
		.old = (char *)tip,
		.new = (char *)tip2,
		.kind = "fast-forward",
		.source = "poke",
		.at = 1234,
	};
	struct store_event gone = {
		.topic = "svm",
		.kind = "deleted",
		.source = "poll",
		.at = 1240,
	};
	struct store_topic_list list = { 0 };
	struct store_event_list events = { 0 };
	struct store_topic t = { 0 };
	int64_t n = -1, first_id;
	char *name = NULL, *text;
	json_t *j;

	is_int(store_topic_add(db, &pmu, 1000, &err), 0,
	       "store_topic_add(): %s", err.buf);
	is_int(store_topic_add(db, &svm, 1000, &err), 0,
	       "store_topic_add() without a tip");
	is_int(store_topic_add(db, &svm, 1000, &err), ERR_EXISTS,
	       "a second topic of the same name is ERR_EXISTS");
	strbuf_reset(&err);

	is_int(store_topic_get(db, "x86/pmu", &t, &err), 0,
	       "store_topic_get()");
	ok(!strcmp(t.branch, pmu.branch) && t.order == 2 && t.into_next &&
		   !strcmp(t.source, "api") && !strcmp(t.tip, tip) &&
		   !t.moved_at,
	   "gives back each field as added, not moved yet");
	store_topic_release(&t);
	is_int(store_topic_get(db, "nope", &t, &err), ERR_NOT_FOUND,
	       "an unknown topic is ERR_NOT_FOUND");
	is_str(err.buf, "unknown topic 'nope'", "saying which");
	strbuf_reset(&err);

	store_topics_list(db, false, &list, &err);
	ok(list.nr == 2 && !strcmp(list.v[0].name, "svm") &&
		   !strcmp(list.v[1].name, "x86/pmu") && !list.v[0].tip,
	   "store_topics_list(): by order, a missing tip NULL");
	store_topic_list_release(&list);
	store_topics_list(db, true, &list, &err);
	ok(list.nr == 1 && !strcmp(list.v[0].name, "x86/pmu"),
	   "store_topics_list(into_next_only): those in next");
	store_topic_list_release(&list);
	store_topic_on_branch(db, "refs/heads/svm", &name, &err);
	is_str(name, "svm", "store_topic_on_branch() finds the topic");
	free(name);
	store_topic_on_branch(db, "refs/heads/vmx", &name, &err);
	ok(!name, "and NULL for a branch of none");
	store_topics_count(db, &n, &err);
	is_int(n, 2, "store_topics_count()");
	store_topics_max_order(db, &n, &err);
	is_int(n, 2, "store_topics_max_order()");

	is_int(store_event_record(db, &ev, &err), 0, "store_event_record(): %s",
	       err.buf);
	ok(ev.id > 0, "sets the event's id (%lld)", (long long)ev.id);
	first_id = ev.id;
	store_topic_get(db, "x86/pmu", &t, &err);
	ok(t.tip && !strcmp(t.tip, tip2) && t.moved_at == 1234,
	   "the topic's tip and moved_at become the event's");
	j = topic_json(&t);
	text = dumps(j);
	strbuf_addf(&want,
		    "{\"branch\":\"refs/heads/x86/pmu\",\"into_next\":true,"
		    "\"moved_at\":1234,\"name\":\"x86/pmu\",\"order\":2,"
		    "\"source\":\"api\",\"tip\":\"%s\"}",
		    tip2);
	is_str(text, want.buf, "topic_json(): the API's shape");
	free(text);
	json_decref(j);
	store_topic_release(&t);

	is_int(store_event_record(db, &gone, &err), 0, "record a deletion");
	store_topic_get(db, "svm", &t, &err);
	ok(!t.tip && t.moved_at == 1240, "a deleted branch has no tip");
	j = topic_json(&t);
	text = dumps(j);
	is_str(text,
	       "{\"branch\":\"refs/heads/svm\",\"into_next\":false,"
	       "\"moved_at\":1240,\"name\":\"svm\",\"order\":1,"
	       "\"source\":\"api\",\"tip\":null}",
	       "topic_json() of a topic without a tip");
	free(text);
	json_decref(j);
	store_topic_release(&t);
	t.name = "plain";
	t.branch = "refs/heads/plain";
	t.source = "config";
	j = topic_json(&t);
	ok(json_is_null(json_object_get(j, "moved_at")),
	   "topic_json(): moved_at null when it never moved");
	json_decref(j);
	memset(&t, 0, sizeof(t));

	store_events_list(db, NULL, 0, -1, false, &events, &err);
	ok(events.nr == 2 && events.v[0].id == first_id &&
		   !strcmp(events.v[1].topic, "svm"),
	   "store_events_list(): every event, oldest first");
	j = topic_events_json(&events);
	text = dumps(json_array_get(j, 1));
	strbuf_reset(&want);
	strbuf_addf(&want,
		    "{\"at\":1240,\"id\":%lld,\"kind\":\"deleted\","
		    "\"new\":null,\"old\":null,\"source\":\"poll\","
		    "\"topic\":\"svm\"}",
		    (long long)first_id + 1);
	is_str(text, want.buf, "topic_event_json(): the API's shape");
	free(text);
	text = dumps(json_array_get(j, 0));
	ok(strstr(text, tip) && strstr(text, tip2),
	   "with old and new of a move");
	free(text);
	json_decref(j);
	store_event_list_release(&events);
	store_events_list(db, NULL, first_id, -1, false, &events, &err);
	ok(events.nr == 1 && events.v[0].id == first_id + 1,
	   "store_events_list(since): only the later ones");
	store_event_list_release(&events);
	store_events_list(db, "x86/pmu", 0, 10, false, &events, &err);
	ok(events.nr == 1 && !strcmp(events.v[0].topic, "x86/pmu"),
	   "store_events_list(topic): only the topic's");
	store_event_list_release(&events);
	store_events_list(db, NULL, 0, 1, true, &events, &err);
	ok(events.nr == 1 && events.v[0].id == first_id + 1,
	   "store_events_list(newest): the latest first");
	store_event_list_release(&events);

	svm.branch = "refs/heads/svm-next";
	svm.order = 7;
	svm.tip = (char *)tip;
	is_int(store_topic_put_config(db, &svm, 2000, &err), 0,
	       "store_topic_put_config() of an API topic");
	store_topic_get(db, "svm", &t, &err);
	ok(!strcmp(t.source, "config") && !strcmp(t.branch, svm.branch) &&
		   t.order == 7 && !t.tip,
	   "takes it over: source, branch and order set, the tip left");
	store_topic_release(&t);

	is_int(store_topic_remove(db, "svm", &err), 0, "store_topic_remove()");
	store_topic_remove(db, "x86/pmu", &err);
	store_topics_count(db, &n, &err);
	is_int(n, 0, "no topics are left");
	store_topics_max_order(db, &n, &err);
	is_int(n, 0, "and the highest order is 0");
	strbuf_release(&err);
	strbuf_release(&want);
}

int main(void)
{
	struct strbuf err = STRBUF_INIT;
	char base[REPO_HEXSZ + 1], ff1[REPO_HEXSZ + 1], ff2[REPO_HEXSZ + 1];
	char forced1[REPO_HEXSZ + 1], forced2[REPO_HEXSZ + 1];
	char gone[REPO_HEXSZ + 1], side[REPO_HEXSZ + 1];
	struct store_topic t = { 0 };
	struct store_event_list events = { 0 };
	struct job_ctx ctx = { 0 };
	json_t *args, *result = NULL, *moves = NULL, *ev;
	bool moved = false;
	int64_t n;
	int ret;

	if (!git_cli_init("test-topic"))
		return 1;
	ok(!sh("git init -q -b master work && cd work &&"
	       " echo 1 > f && git add f && git commit -q -m base &&"
	       " git branch ff && git branch forced && git branch gone &&"
	       " git branch side && git checkout -q forced &&"
	       " echo f > f && git commit -q -am forced1 && git checkout -q ff &&"
	       " echo 2 > f && git commit -q -am ff1 &&"
	       " git checkout -q side && echo s > f && git commit -q -am side &&"
	       " git checkout -q master && mkdir ../state"),
	   "make a repository with git");
	rev_parse("work", "master", base);
	rev_parse("work", "ff", ff1);
	rev_parse("work", "forced", forced1);
	rev_parse("work", "gone", gone);
	rev_parse("work", "side", side);
	ok(state_job_init(&ctx, "[topic \"ff\"]\n\tbranch = ff\n"
				"[topic \"forced\"]\n\tbranch = forced\n"
				"[topic \"gone\"]\n\tbranch = gone\n"
				"[topic \"later\"]\n\tbranch = later\n"),
	   "a new database, a config with four topics");
	if (!ctx.config)
		return done_testing();
	bus_subscribe(BUS_MOVES, on_moves);
	bus_subscribe(BUS_TOPICS, on_topics);

	test_store(ctx.db, base, ff1);

	/* --- sync: the config's topics, moves made while not looking ------ */
	/* ff as an earlier run left it: at base, one commit behind */
	t.name = "ff";
	t.branch = "refs/heads/ff";
	t.order = 10;
	t.into_next = true;
	t.tip = base;
	store_topic_put_config(ctx.db, &t, 1000, &err);
	memset(&t, 0, sizeof(t));

	ret = topic_job_sync(&ctx, NULL, &result, &err);
	is_int(ret, 0, "the first topic-sync job: %s", err.buf);
	moves = json_object_get(result, "moves");
	is_int(json_array_size(moves), 1,
	       "records the one move made while not looking");
	ev = move_of(moves, "ff");
	ok(ev && !strcmp(field(ev, "kind"), "fast-forward") &&
		   !strcmp(field(ev, "old"), base) &&
		   !strcmp(field(ev, "new"), ff1),
	   "ff moved forward from its recorded tip to the branch's");
	is_str(field(ev, "source"), "startup",
	       "the process's first sync is the start-up's");
	is_int(moves_told, 1, "the move is told on the bus");
	json_decref(result);
	result = NULL;
	store_topics_count(ctx.db, &n, &err);
	is_int(n, 4, "every topic of the config has a row");
	store_topic_get(ctx.db, "forced", &t, &err);
	ok(t.tip && !strcmp(t.tip, forced1) && !strcmp(t.source, "config") &&
		   !t.moved_at,
	   "a new topic starts at its branch's tip without a move");
	store_topic_release(&t);
	store_topic_get(ctx.db, "later", &t, &err);
	ok(!t.tip, "a topic whose branch does not exist has no tip");
	store_topic_release(&t);

	/* --- scan: git moves each branch one way -------------------------- */
	ok(!sh("cd work && git checkout -q ff && echo 3 > f &&"
	       " git commit -q -am ff2 && git checkout -q master &&"
	       " git branch -f forced side && git branch -D gone &&"
	       " git branch later ff"),
	   "git moves the branches: forward, forced, deleted, created");
	rev_parse("work", "ff", ff2);
	rev_parse("work", "forced", forced2);
	is_int(topic_check(&moved, &err), 0, "topic_check()");
	ok(moved, "sees that branches moved");

	ret = topic_scan(&ctx, "poke", &moves, &err);
	is_int(ret, 0, "topic_scan(): %s", err.buf);
	is_int(json_array_size(moves), 4, "four moves");
	ev = move_of(moves, "ff");
	ok(ev && !strcmp(field(ev, "kind"), "fast-forward") &&
		   !strcmp(field(ev, "old"), ff1) &&
		   !strcmp(field(ev, "new"), ff2),
	   "ff: fast-forward from the old tip to the new");
	ev = move_of(moves, "forced");
	ok(ev && !strcmp(field(ev, "kind"), "forced") &&
		   !strcmp(field(ev, "old"), forced1) &&
		   !strcmp(field(ev, "new"), forced2),
	   "forced: forced, to a commit that does not contain the old");
	ev = move_of(moves, "gone");
	ok(ev && !strcmp(field(ev, "kind"), "deleted") &&
		   !strcmp(field(ev, "old"), gone) &&
		   json_is_null(json_object_get(ev, "new")),
	   "gone: deleted, without a new tip");
	ev = move_of(moves, "later");
	ok(ev && !strcmp(field(ev, "kind"), "created") &&
		   json_is_null(json_object_get(ev, "old")) &&
		   !strcmp(field(ev, "new"), ff2),
	   "later: created at the branch's tip");
	ok(ev && json_integer_value(json_object_get(ev, "id")) > 0 &&
		   !strcmp(field(ev, "source"), "poke"),
	   "each with its row's id and the scan's source");
	is_int(moves_told, 2, "the scan is told on the bus once");
	ok(json_equal(last_moves, moves), "with the same moves");
	json_decref(moves);
	moves = NULL;

	store_events_list(ctx.db, "ff", 0, -1, false, &events, &err);
	ok(events.nr == 2 && !strcmp(events.v[0].source, "startup") &&
		   !strcmp(events.v[0].new, ff1) &&
		   !strcmp(events.v[1].source, "poke") &&
		   !strcmp(events.v[1].old, ff1) &&
		   !strcmp(events.v[1].new, ff2),
	   "the events table has both moves of ff, oldest first");
	store_event_list_release(&events);
	store_topic_get(ctx.db, "forced", &t, &err);
	ok(t.tip && !strcmp(t.tip, forced2) && t.moved_at > 0,
	   "the topic's tip is the new one");
	store_topic_release(&t);
	store_topic_get(ctx.db, "gone", &t, &err);
	ok(!t.tip, "a deleted topic's tip is NULL");
	store_topic_release(&t);

	topic_check(&moved, &err);
	ok(!moved, "topic_check() after the scan: nothing moved");
	ret = topic_scan(&ctx, "poll", &moves, &err);
	ok(!ret && json_array_size(moves) == 0, "a second scan finds no moves");
	is_int(moves_told, 2, "and tells the bus nothing");
	json_decref(moves);
	moves = NULL;
	is_int(topic_scan(&ctx, "bogus", NULL, &err), ERR_INVALID,
	       "an unknown source is ERR_INVALID");
	strbuf_reset(&err);
	args = json_pack("{s:s}", "source", "bogus");
	is_int(topic_job_scan(&ctx, args, &result, &err), ERR_INVALID,
	       "and so in the topic-scan job");
	json_decref(args);
	strbuf_reset(&err);

	ok(!sh("cd work && git branch -f forced master"),
	   "git moves forced back to master");
	ret = topic_job_sync(&ctx, NULL, &result, &err);
	ev = move_of(json_object_get(result, "moves"), "forced");
	ok(!ret && ev && !strcmp(field(ev, "source"), "job") &&
		   !strcmp(field(ev, "new"), base),
	   "a later topic-sync job records its moves as the job's");
	json_decref(result);
	result = NULL;

	{
		json_t *queued = json_pack("{s:s}", "source", "startup");
		json_t *kicked = json_pack("{s:s}", "source", "inotify");
		json_t *empty = json_object();

		topic_scan_merge_args(queued, kicked);
		is_str(json_string_value(json_object_get(queued, "source")),
		       "inotify", "topic_scan_merge_args() takes the kick's");
		topic_scan_merge_args(queued, empty);
		is_str(json_string_value(json_object_get(queued, "source")),
		       "inotify", "and keeps its own when the kick has none");
		json_decref(queued);
		json_decref(kicked);
		json_decref(empty);
	}

	/* --- topics added and removed by the API ------------------------- */
	{
		static const struct {
			const char *args, *why;
			int code;
		} bad[] = {
			{ "{\"name\":\"x\"}", "missing 'branch'", ERR_INVALID },
			{ "{\"branch\":\"x\"}", "missing 'name'", ERR_INVALID },
			{ "{\"name\":\"a b\",\"branch\":\"x\"}",
			  "'name' must be", ERR_INVALID },
			{ "{\"name\":\"x\",\"branch\":\"a..b\"}",
			  "not a valid branch name", ERR_INVALID },
			{ "{\"name\":\"x\",\"branch\":\"next\"}",
			  "is the next branch", ERR_INVALID },
			{ "{\"name\":\"x\",\"branch\":\"x\",\"colour\":1}",
			  "unknown field 'colour'", ERR_INVALID },
			{ "{\"name\":\"x\",\"branch\":\"x\",\"order\":\"1\"}",
			  "'order' must be an integer", ERR_INVALID },
			{ "{\"name\":\"ff\",\"branch\":\"x\"}",
			  "topic 'ff' exists", ERR_EXISTS },
			{ "{\"name\":\"x\",\"branch\":\"ff\"}",
			  "branch 'refs/heads/ff' is already topic 'ff'",
			  ERR_EXISTS },
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			json_t *in = json_loads(bad[i].args, 0, NULL);

			strbuf_reset(&err);
			ret = topic_job_add(&ctx, in, &result, &err);
			ok(ret == bad[i].code && strstr(err.buf, bad[i].why),
			   "topic-add %s: %s", bad[i].args, err.buf);
			json_decref(in);
		}
		ok(!result, "none of them has a result");
	}
	store_topics_count(ctx.db, &n, &err);
	is_int(n, 4, "and none added a topic");

	args = json_pack("{s:s, s:s}", "name", "api-one", "branch", "side");
	ret = topic_job_add(&ctx, args, &result, &err);
	json_decref(args);
	is_int(ret, 0, "topic-add of a new topic: %s", err.buf);
	{
		struct strbuf want = STRBUF_INIT;
		char *text = dumps(result);

		/* [topic] orders are 10, 20, 30, 40 */
		strbuf_addf(&want,
			    "{\"branch\":\"refs/heads/side\",\"into_next\":true,"
			    "\"moved_at\":null,\"name\":\"api-one\","
			    "\"order\":41,\"source\":\"api\",\"tip\":\"%s\"}",
			    side);
		is_str(text, want.buf,
		       "a full ref, the next order, into next, at the tip");
		free(text);
		strbuf_release(&want);
	}
	is_int(topics_told, 1, "the new topic is told on the bus");
	json_decref(result);
	result = NULL;

	args = json_pack("{s:s}", "name", "ff");
	ret = topic_job_remove(&ctx, args, &result, &err);
	json_decref(args);
	is_int(ret, ERR_INVALID, "topic-remove of a config topic: ERR_INVALID");
	ok(strstr(err.buf, "cthulhu.conf") != NULL, "naming the file: %s",
	   err.buf);
	strbuf_reset(&err);
	args = json_pack("{s:s}", "name", "api-one");
	ret = topic_job_remove(&ctx, args, &result, &err);
	json_decref(args);
	ok(!ret && !strcmp(json_string_value(json_object_get(result, "name")),
			   "api-one"),
	   "topic-remove of an API topic gives the topic removed");
	json_decref(result);
	result = NULL;
	is_int(store_topic_get(ctx.db, "api-one", &t, &err), ERR_NOT_FOUND,
	       "which is gone from the store");
	strbuf_reset(&err);
	is_int(topics_told, 2, "and told on the bus");

	/* --- a reload: a topic gone from the config, an API one taken ---- */
	args = json_pack("{s:s, s:s, s:i}", "name", "svm", "branch", "side",
			 "order", 5);
	topic_job_add(&ctx, args, &result, &err);
	json_decref(args);
	json_decref(result);
	result = NULL;
	ok(state_job_config(&ctx, "[topic \"ff\"]\n\tbranch = ff\n"
				  "[topic \"svm\"]\n\tbranch = side\n"
				  "\tinto-next = false\n"),
	   "a config without three of the topics, with svm");
	is_int(topic_sync(&ctx, "reload", &err), 0,
	       "topic_sync() on reload: %s", err.buf);
	store_topics_count(ctx.db, &n, &err);
	is_int(n, 2, "the topics no longer in the config are removed");
	store_topic_get(ctx.db, "svm", &t, &err);
	ok(!strcmp(t.source, "config") && !t.into_next,
	   "the API topic the config names is the config's now");
	store_topic_release(&t);

	json_decref(last_moves);
	state_job_release();
	git_cli_cleanup();
	strbuf_release(&err);
	return done_testing();
}
