/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_TOPICS_H
#define CTHULHU_STORE_TOPICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of topics and their moves: the tables topics and events
 * (schema/0001-init.sql), and the only place that holds their SQL.  The
 * daemon's store layer is daemon/store/, a file per group of tables;
 * the rest of the daemon reads and writes through typed structs and
 * functions named for what they mean, and builds JSON only at its edge.
 *
 * Every function takes the caller's connection (db_thread(), or a job's
 * ctx->db) and runs in the caller's transaction when there is one.
 * Errors are the codes of lib/error.h with err set; strings in the
 * structs are the caller's to release with the *_release() functions.
 */

/* A row of topics. */
struct store_topic {
	char *name;
	char *branch; /* the full ref */
	int64_t order;
	bool into_next;
	char *source;	  /* "config" or "api" */
	char *tip;	  /* hex, or NULL when the branch did not exist */
	int64_t moved_at; /* unix seconds of the last move, 0 for none */
};

struct store_topic_list {
	struct store_topic *v;
	size_t nr;
};

void store_topic_release(struct store_topic *t);
void store_topic_list_release(struct store_topic_list *list);

/* Every topic, by order then name; with into_next_only those in next. */
int store_topics_list(struct db *db, bool into_next_only,
		      struct store_topic_list *out, struct strbuf *err);
/* One topic; ERR_NOT_FOUND ("unknown topic 'NAME'") when there is none. */
int store_topic_get(struct db *db, const char *name, struct store_topic *out,
		    struct strbuf *err);
/* The name of the topic on branch into *name (NULL for none; free it). */
int store_topic_on_branch(struct db *db, const char *branch, char **name,
			  struct strbuf *err);
int store_topics_count(struct db *db, int64_t *count, struct strbuf *err);
/* The highest order of any topic, 0 when there is none. */
int store_topics_max_order(struct db *db, int64_t *order, struct strbuf *err);

/* Add a topic; t->moved_at is not recorded (a new topic has not moved). */
int store_topic_add(struct db *db, const struct store_topic *t,
		    int64_t created_at, struct strbuf *err);
/*
 * A topic of the config: added as t (source "config"), or, when a topic
 * of that name exists, its branch, order and into_next set from t and
 * taken over from the API (its tip is left as it is).
 */
int store_topic_put_config(struct db *db, const struct store_topic *t,
			   int64_t created_at, struct strbuf *err);
int store_topic_remove(struct db *db, const char *name, struct strbuf *err);

/* A row of events: a move of a topic's branch. */
struct store_event {
	int64_t id;
	char *topic;
	char *old, *new; /* hex, NULL for none (created, deleted) */
	char *kind;	 /* "created", "fast-forward", "forced", "deleted" */
	char *source;	 /* "inotify", "poll", "poke", "startup", ... */
	int64_t at;
};

struct store_event_list {
	struct store_event *v;
	size_t nr;
};

void store_event_release(struct store_event *ev);
void store_event_list_release(struct store_event_list *list);

/*
 * Record a move: the events row (ev->id set) and the topic's tip and
 * moved_at, which become ev->new and ev->at.
 */
int store_event_record(struct db *db, struct store_event *ev,
		       struct strbuf *err);
/*
 * Events with id > since, oldest first, at most limit (a negative limit
 * for all); only those of topic when it is not NULL.  With newest set: the latest limit events,
 * newest first (since ignored).
 */
int store_events_list(struct db *db, const char *topic, int64_t since,
		      int64_t limit, bool newest, struct store_event_list *out,
		      struct strbuf *err);

/* The id of the latest event, 0 for none. */
int store_events_last_id(struct db *db, int64_t *id, struct strbuf *err);

#endif
