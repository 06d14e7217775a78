/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_INBOX_H
#define CTHULHU_INBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

struct job_ctx;
struct strbuf;

/*
 * Mail from public-inbox (lore): the inboxes of [inbox "NAME"], followed
 * by a thread of their own (daemon/inbox.c).  Every [inbox] poll seconds
 * the thread fetches the inbox's newest epoch (and tries the next one,
 * to see a new epoch start) into a mirror in the state dir
 * (inbox-git.h), reads the message of every commit after the epoch's
 * cursor, hands them to the intake as "submit" jobs (series.h, as the
 * Maildir does; at the first read only the mail of the last [inbox]
 * backfill days), and only then moves the cursor with an "inbox-advance"
 * job, which also records where each message is for thread look-ups.
 * A stop or crash in between reads those messages again: Message-IDs
 * already kept are duplicates, so nothing is lost nor taken twice.
 * Start after engine_start(); stop after engine_stop().
 */
int inbox_start(struct strbuf *err);
void inbox_stop(void);

/*
 * The thread holding msgid (without <>): bring every inbox's mirror up
 * to date, find the thread there (the messages sharing msgid's thread
 * root) and submit it, as `b4 am` fetches a thread.  From any thread but
 * the inbox thread and the engine's; waits for the inbox thread.
 * *result gets the submit's answer (series_submit()'s) with "thread":
 * {"root", "messages": N, "inboxes": [NAME...]} added; a new reference.
 * ERR_NOT_FOUND when no inbox holds msgid, ERR_INVALID when no inbox is
 * configured.
 */
int inbox_fetch_thread(const char *msgid, json_t **result, struct strbuf *err);

/* What the inbox thread knows of one inbox since cthulhud started. */
struct inbox_status {
	char *name;
	time_t last_poll; /* 0: not yet */
	time_t last_ok;	  /* 0: not yet */
	char *last_error; /* NULL when the last poll went well */
	int64_t ingested; /* messages taken since start */
	int64_t refused;  /* messages the intake refused since start */
};

/* The status of the inbox name; false when it was never polled. */
bool inbox_status_get(const char *name, struct inbox_status *out);
void inbox_status_release(struct inbox_status *st);

/*
 * Job "inbox-advance" {"inbox", "epoch", "commit", "since", "messages":
 * [[msgid, root, blob]...]}: record the messages read and move the
 * epoch's cursor to commit, in one transaction; at the inbox's first
 * read, record since too (mail it took before is only indexed).  Safe
 * to run again.
 */
int inbox_job_advance(struct job_ctx *ctx, json_t *args, json_t **result,
		      struct strbuf *err);

#endif
