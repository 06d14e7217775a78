/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CHECK_NOTIFY_H
#define CTHULHU_CHECK_NOTIFY_H

struct config;
struct db;
struct store_check;
struct strbuf;

/*
 * What follows the recording of a check (store_check_put()), whoever
 * recorded it (cthulhu's own checks or an outside CI over the API): with
 * [check] notify-author, a check that fails mails the series' author
 * once, threaded under the cover letter (else the first patch), with the
 * context, the description, the URL and the last lines of the log.  The
 * same failure (store/check-mails.h) is not mailed again; a different
 * one is.  Call it with the db that put the check, inside the same
 * transaction.  0, or a negative code with err set.
 */
int check_recorded(struct db *db, const struct config *cfg,
		   const struct store_check *c, struct strbuf *err);

/* The lines of a failure's log the mail quotes, at most. */
#define CHECK_MAIL_LOG_LINES 20

#endif
