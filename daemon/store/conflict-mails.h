/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_CONFLICT_MAILS_H
#define CTHULHU_STORE_CONFLICT_MAILS_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of the conflict mails of next (the table conflict_mails,
 * schema/0013-conflict-mail.sql): the only place that holds its SQL;
 * see store/topics.h for the store layer.  A row is a conflict of a
 * topic's merge into next on some files with some earlier topics, open
 * while it holds, so that it is mailed once (conflict-mail.h).
 */

struct store_conflict_mail {
	int64_t id;
	char *topic;   /* the topic whose merge conflicts */
	char *files;   /* the conflicting paths, sorted, one a line */
	char *others;  /* the earlier topics that touch them, one a line */
	char *state;   /* "open" or "resolved" */
	int64_t build; /* the build that found it */
	int64_t notification; /* the conflict mail, 0 for none */
	int64_t resolved_build;
	int64_t resolved_notification; /* the note, 0 for none */
	int64_t created_at;
	int64_t resolved_at; /* 0 while open */
};

struct store_conflict_mail_list {
	struct store_conflict_mail *v;
	size_t nr;
};

void store_conflict_mail_release(struct store_conflict_mail *c);
void store_conflict_mail_list_release(struct store_conflict_mail_list *list);

/* Every open conflict, oldest first. */
int store_conflict_mails_open(struct db *db,
			      struct store_conflict_mail_list *out,
			      struct strbuf *err);
/*
 * Add the open conflict c (c->topic, c->files, c->others, c->build,
 * c->notification, c->created_at); c->id set.
 */
int store_conflict_mail_add(struct db *db, struct store_conflict_mail *c,
			    struct strbuf *err);
/* Conflict id is gone in build, as note notification (0 for none) said. */
int store_conflict_mail_resolve(struct db *db, int64_t id, int64_t build,
				int64_t notification, int64_t at,
				struct strbuf *err);

#endif
