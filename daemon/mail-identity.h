/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_MAIL_IDENTITY_H
#define CTHULHU_MAIL_IDENTITY_H

#include <stdbool.h>

/*
 * Sender identity, on the From: names and addresses of struct mail
 * (mail.h): what a mailing list's or an archive's rewriting of a sender
 * leaves of the author, for mail_parse() and for series grouping.
 */

/*
 * The author's name in a From: that a mailing list rewrote to its own
 * address for DMARC: "Name via List" (Mailman), "'Name' via List" (Google
 * Groups), "Name via" (Mailman without a list name), as patchwork's
 * get_original_sender() reads it; NULL if name is not of that form.
 * Caller frees.
 */
char *mail_dmarc_name(const char *name);

/*
 * Whether two senders (From: name and address, as in struct mail) are one
 * person for series grouping; NULL if not, else how it was seen: "same
 * address" (any case), "list-rewritten address" (the same once a list's
 * or archive's rewriting is undone: "user at host dot org",
 * "user=host.org@list", SRS0), "same name" or "same name (via a list)"
 * (the display name, without a DMARC " via List", quotes, case, spaces;
 * "Last, First" = "First Last"), "gmane address" (a nameless
 * "user-HASH@public.gmane.org" and the same local part).  An address a
 * DMARC " via List" From: carries is the list's and names nobody, unless
 * it is a rewritten one ("user=host.org@groups.io").
 */
const char *mail_same_sender(const char *name1, const char *email1,
			     const char *name2, const char *email2);

/*
 * Whether name and email are a rewritten sender (a " via List" From:
 * left as it was, a gmane address, a list-rewritten address): the real
 * one, when it comes, is better.
 */
bool mail_sender_rewritten(const char *name, const char *email);

#endif
