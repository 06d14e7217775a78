/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_NOTIFICATIONS_H
#define CTHULHU_STORE_NOTIFICATIONS_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of notifications (the table notifications,
 * schema/0004-apply.sql and 0009-gate.sql): the only place that holds
 * its SQL; see store/topics.h for the store layer.  A notification is a
 * row first, with the whole message, and a mail second (notify.c).
 */

/* A row of notifications, without the message (store_notification_raw()). */
struct store_notification {
	int64_t id;
	/*
	 * "applied", "dropped", "sha1-changed", "gate-ejected", "report",
	 * "conflict", "conflict-resolved"
	 */
	char *kind;
	int64_t series_id; /* 0 for none */
	char *topic;	   /* NULL for none */
	char *msgid;	   /* ours, without <> */
	char *in_reply_to; /* the mail answered, without <>; NULL for none */
	char *to;	   /* the address it goes to */
	char *subject;
	char *state; /* "pending", "sending", "sent" or "failed" */
	char *file;  /* the name in <state>/outbox/new, NULL before */
	char *error; /* why sendmail failed, NULL for none */
	int64_t created_at;
	int64_t sent_at; /* 0 for not sent */
};

struct store_notification_list {
	struct store_notification *v;
	size_t nr;
};

void store_notification_release(struct store_notification *n);
void store_notification_list_release(struct store_notification_list *list);

/*
 * Add a pending notification: n's kind, series_id, topic, msgid,
 * in_reply_to, to, subject and created_at, with the message raw[0..len);
 * n->id set.
 */
int store_notification_add(struct db *db, struct store_notification *n,
			   const char *raw, size_t len, struct strbuf *err);
/* One notification; ERR_NOT_FOUND when there is none. */
int store_notification_get(struct db *db, int64_t id,
			   struct store_notification *out, struct strbuf *err);
/* Its message (RFC 5322) appended to raw; ERR_NOT_FOUND for none. */
int store_notification_raw(struct db *db, int64_t id, struct strbuf *raw,
			   struct strbuf *err);
/* The notifications still to deliver, oldest first. */
int store_notifications_pending(struct db *db,
				struct store_notification_list *out,
				struct strbuf *err);
/* The latest limit notifications, newest first. */
int store_notifications_newest(struct db *db, int64_t limit,
			       struct store_notification_list *out,
			       struct strbuf *err);

/*
 * A delivery's steps: written to the outbox as file and being piped to
 * sendmail; sendmail failed with error; delivered (file) at a time.
 */
int store_notification_mark_sending(struct db *db, int64_t id, const char *file,
				    struct strbuf *err);
int store_notification_mark_failed(struct db *db, int64_t id, const char *error,
				   struct strbuf *err);
int store_notification_mark_sent(struct db *db, int64_t id, const char *file,
				 int64_t at, struct strbuf *err);

#endif
