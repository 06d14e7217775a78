/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_INBOX_H
#define CTHULHU_STORE_INBOX_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of the public-inbox inboxes followed (daemon/inbox.c): the
 * tables inbox_starts, inbox_epochs and inbox_messages
 * (schema/0016-inbox.sql); see
 * store/topics.h for the store layer.
 */

/* A message read from an inbox: where its bytes are in the mirror. */
struct store_inbox_msg {
	char *inbox;
	char *msgid; /* without <> */
	char *root;  /* the thread's first Message-ID */
	int64_t epoch;
	char *blob; /* hex id of the blob "m" */
};

struct store_inbox_msg_list {
	struct store_inbox_msg *v;
	size_t nr;
};

void store_inbox_msg_list_release(struct store_inbox_msg_list *list);

/* An epoch's cursor: its newest commit read. */
struct store_inbox_epoch {
	int64_t epoch;
	char *last_commit; /* hex */
	int64_t updated_at;
};

struct store_inbox_epoch_list {
	struct store_inbox_epoch *v;
	size_t nr;
};

void store_inbox_epoch_list_release(struct store_inbox_epoch_list *list);

/* The cursors of inbox, lowest epoch first (none before its first read). */
int store_inbox_epochs(struct db *db, const char *inbox,
		       struct store_inbox_epoch_list *out, struct strbuf *err);

/*
 * Record that inbox's epoch was read up to commit last_commit, and the
 * messages read on the way (in their inbox, epoch and blob), in one
 * transaction: the cursor never runs ahead of what it names.  A
 * Message-ID the inbox already holds keeps its first row.  since is
 * kept as the inbox's start (store_inbox_since()) when it has none.
 */
int store_inbox_advance(struct db *db, const char *inbox, int64_t epoch,
			const char *last_commit, int64_t since,
			const struct store_inbox_msg *msgs, size_t nr,
			int64_t at, struct strbuf *err);

/*
 * Where inbox's mail starts to be submitted (unix seconds of the time
 * the inbox took it), recorded at its first read; -ENOENT before.
 */
int store_inbox_since(struct db *db, const char *inbox, int64_t *since,
		      struct strbuf *err);

/*
 * The messages of the thread holding msgid (no <>) in any inbox: those
 * whose root is the root msgid has there, and the root itself, oldest
 * read first; for a msgid no inbox holds, those whose root is msgid.
 * Caller releases out with store_inbox_msg_list_release().
 */
int store_inbox_thread(struct db *db, const char *msgid,
		       struct store_inbox_msg_list *out, struct strbuf *err);

/* How many messages inbox has been read of. */
int store_inbox_count(struct db *db, const char *inbox, int64_t *n,
		      struct strbuf *err);

#endif
