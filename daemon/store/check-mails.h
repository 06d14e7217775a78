/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_CHECK_MAILS_H
#define CTHULHU_STORE_CHECK_MAILS_H

#include <stdbool.h>
#include <stdint.h>

struct db;
struct store_check;
struct strbuf;

/*
 * The store of the author's mails about failing checks: the table
 * check_mails (schema/0024-check-mail.sql); see store/topics.h for the
 * store layer.  A failure is the same as one mailed when it is of the
 * same series and context and has the same inputs (both not NULL) or
 * the same description.
 */

/* Whether the failure c was mailed already, into *seen. */
int store_check_mail_seen(struct db *db, const struct store_check *c,
			  bool *seen, struct strbuf *err);
/* Record that the failure c was mailed as notification (0 for none). */
int store_check_mail_add(struct db *db, const struct store_check *c,
			 int64_t notification, int64_t at, struct strbuf *err);

#endif
