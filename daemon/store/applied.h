/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_APPLIED_H
#define CTHULHU_STORE_APPLIED_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of applied patches: the tables applied and applied_history
 * (schema/0004-apply.sql) and the meta keys applied.followed and
 * applied.outside, the only
 * place that holds their SQL; see store/topics.h for the store layer.
 * A row follows its patch's commit on the topic: a new SHA1 moves the
 * old one to applied_history.
 */

/* A row of applied: one patch applied to a topic. */
struct store_applied {
	int64_t id;
	int64_t patch;	   /* patches.id of its mail, 0 for none */
	int64_t series_id; /* 0 for none */
	int64_t number;	   /* n of [n/T] */
	int64_t total;	   /* T of [n/T] */
	char *topic;
	char *commit;	/* hex, its commit on the topic now */
	char *patch_id; /* git patch-id --stable */
	char *subject;	/* as committed */
	char *author_name;
	char *author_email;
	char *method;		 /* "apply" or "3way" */
	char *state;		 /* "applied", "dropped" or "gone" */
	char *reason;		 /* why it was dropped, NULL for none */
	int64_t notification_id; /* the notification that told of it, or 0 */
	int64_t applied_at;
	int64_t changed_at; /* 0 for never */
};

struct store_applied_list {
	struct store_applied *v;
	size_t nr;
};

void store_applied_release(struct store_applied *a);
void store_applied_list_release(struct store_applied_list *list);

/*
 * Record a patch applied: a's patch, series_id, number, total, topic,
 * commit, patch_id, subject, author_name, author_email, method and
 * applied_at, in state "applied"; a->id set.
 */
int store_applied_add(struct db *db, struct store_applied *a,
		      struct strbuf *err);
/*
 * The row still applied that patch (patches.id) made, or the one still
 * applied on commit: into out, out->id 0 when there is none.
 */
int store_applied_of_patch(struct db *db, int64_t patch,
			   struct store_applied *out, struct strbuf *err);
int store_applied_on_commit(struct db *db, const char *commit,
			    struct store_applied *out, struct strbuf *err);
/* The rows still applied whose commit starts with the hex prefix. */
int store_applied_by_prefix(struct db *db, const char *prefix,
			    struct store_applied_list *out, struct strbuf *err);
/* The rows still applied to topic, in applying order. */
int store_applied_on_topic(struct db *db, const char *topic,
			   struct store_applied_list *out, struct strbuf *err);
/*
 * Every row, whatever its state, in applying order; only those of topic
 * and of series when they are not NULL.  series is the text a client
 * gave, compared with series_id as SQLite compares text with an integer
 * column ("7" and "07" name series 7, "x" none).
 */
int store_applied_list(struct db *db, const char *topic, const char *series,
		       struct store_applied_list *out, struct strbuf *err);

/* Name notification on the rows of series_id on topic that name none. */
int store_applied_set_notification(struct db *db, int64_t series_id,
				   const char *topic, int64_t notification,
				   struct strbuf *err);
/*
 * The patch of a is now commit (why: "drop" or "rebase"): a->commit goes
 * to applied_history and the row changes at the time given.
 */
int store_applied_move(struct db *db, const struct store_applied *a,
		       const char *commit, const char *why, int64_t at,
		       struct strbuf *err);
/* The row id was dropped from its topic for reason. */
int store_applied_mark_dropped(struct db *db, int64_t id, const char *reason,
			       int64_t at, struct strbuf *err);
/* The row id's patch is no longer on its rewritten topic. */
int store_applied_mark_gone(struct db *db, int64_t id, int64_t at,
			    struct strbuf *err);

/*
 * The last topic move (events.id) whose rewrites were followed, 0 for
 * none yet; and recording it.
 */
int store_applied_followed(struct db *db, int64_t *event_id,
			   struct strbuf *err);
int store_applied_set_followed(struct db *db, int64_t event_id,
			       struct strbuf *err);

/*
 * A patch that may yet be applied: of a series still open (not applied,
 * dropped, rejected or superseded, and no newer version), with a diff,
 * and no row still applied holds it.
 */
struct store_applied_candidate {
	int64_t patch; /* patches.id */
	int64_t series_id, number, total;
	char *msgid; /* of its mail */
};

struct store_applied_candidate_list {
	struct store_applied_candidate *v;
	size_t nr;
};

void store_applied_candidate_list_release(
	struct store_applied_candidate_list *list);
/* Every such patch, by series then number. */
int store_applied_candidates(struct db *db,
			     struct store_applied_candidate_list *out,
			     struct strbuf *err);

/*
 * The last topic move (events.id) whose new commits were matched with
 * the open patches, 0 for none yet; and recording it.
 */
int store_applied_outside_seen(struct db *db, int64_t *event_id,
			       struct strbuf *err);
int store_applied_set_outside_seen(struct db *db, int64_t event_id,
				   struct strbuf *err);

#endif
