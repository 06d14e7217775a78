/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_NOTIFY_H
#define CTHULHU_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct config;
struct db;
struct job_ctx;
struct strbuf;

/*
 * Notifications to patch authors: RFC 5322 messages built with GMime.
 * A notification is a row first (notifications table, with the whole
 * message) and a mail second: notify_deliver() writes it into the outbox
 * Maildir <state>/outbox (tmp/, then new/) and pipes it to [notify]
 * sendmail when that is set.  Rows left pending by a crash are delivered
 * by the next notify_deliver() (the "notify-deliver" job runs it every
 * second), and a row is never delivered twice.
 *
 * The notify_*() builders insert the row with the caller's db inside the
 * caller's transaction and set *id to it.  Their info is borrowed:
 *
 * applied: {series_id, topic, branch, reply: REPLY, applied: [{number,
 *   total, subject, commit}], not_applied: [{number, total, subject}]}
 * dropped: {series_id, topic, branch, reply: REPLY, commit, number,
 *   total, subject, reason}
 * sha1-changed: {series_id, topic, branch, reply: REPLY, why,
 *   changed: [{number, total, subject, old, new}]}
 *
 * check-failed: {series_id, reply: REPLY, context, state, description,
 *   target_url (may be absent), log (its last lines; may be absent)}
 *
 * REPLY is the mail answered: {msgid, subject, from_name, from_email,
 * cc: [{name, email}], references: [id...] (nearest first)}.
 */
int notify_applied(struct db *db, const struct config *cfg, json_t *info,
		   int64_t *id, struct strbuf *err);
int notify_dropped(struct db *db, const struct config *cfg, json_t *info,
		   int64_t *id, struct strbuf *err);
int notify_sha1_changed(struct db *db, const struct config *cfg, json_t *info,
			int64_t *id, struct strbuf *err);
int notify_check_failed(struct db *db, const struct config *cfg, json_t *info,
			int64_t *id, struct strbuf *err);

/*
 * The REPLY of the message row msg_row_id (the messages table), re-parsed
 * for its Cc and References; an empty object when it cannot be read.  A
 * new reference.
 */
json_t *notify_mail_reply(struct db *db, int64_t msg_row_id);
/*
 * The REPLY of series_id's notifications: its cover letter, else its
 * first patch; an empty object when it has neither.  A new reference.
 */
json_t *notify_series_reply(struct db *db, int64_t series_id);

/*
 * A notification to the maintainer ([notify] maintainer, "Name <email>",
 * by default [tree] committer) rather than to an author: kind as the
 * notifications table allows ("gate-ejected"), the body as given.
 */
int notify_maintainer(struct db *db, const struct config *cfg, const char *kind,
		      const char *topic, const char *subject, const char *body,
		      int64_t *id, struct strbuf *err);

/*
 * The "What's cooking" report ([report] to: addresses, separated by
 * commas, in one mail), kind "report".  ERR_INVALID when to is not a
 * list of addresses.
 */
int notify_report(struct db *db, const struct config *cfg, const char *to,
		  const char *subject, const char *body, int64_t *id,
		  struct strbuf *err);

/*
 * A notification about topic to its owner ([topic "NAME"] owner) with
 * the maintainer on Cc, or to the maintainer alone when the topic has no
 * owner; in_reply_to (a Message-ID without <>, or NULL) threads it under
 * an earlier notification.
 */
int notify_owner(struct db *db, const struct config *cfg, const char *kind,
		 const char *topic, const char *in_reply_to,
		 const char *subject, const char *body, int64_t *id,
		 struct strbuf *err);
/*
 * The same, with the owners of the topics also[0..nr_also) on Cc too
 * (each address once): a conflict of topic with them is theirs as well,
 * as linux-next mails the maintainers of both trees.
 */
int notify_owners(struct db *db, const struct config *cfg, const char *kind,
		  const char *topic, const char *const *also, size_t nr_also,
		  const char *in_reply_to, const char *subject,
		  const char *body, int64_t *id, struct strbuf *err);

/* Deliver every pending notification; 0, or the first error. */
int notify_deliver(struct db *db, const struct config *cfg, struct strbuf *err);

/* Jobs, registered by daemon/job-table.c's table. */
int notify_job_deliver(struct job_ctx *ctx, json_t *args, json_t **result,
		       struct strbuf *err);

#endif
