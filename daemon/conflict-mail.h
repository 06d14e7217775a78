/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CONFLICT_MAIL_H
#define CTHULHU_CONFLICT_MAIL_H

#include <stdint.h>

struct config;
struct db;
struct strbuf;

/*
 * Conflict mail, as linux-next sends it: when a topic's merge into next
 * conflicts, its owner ([topic "NAME"] owner), the owners of the earlier
 * topics it conflicts with (on Cc, as linux-next mails both trees) and
 * the maintainer ([notify] maintainer, by default [tree] committer) get
 * one mail naming the files, the earlier topics in next whose commits
 * touch them and those commits on each side:
 *
 *   Today's next merge of the x86/b topic got a conflict in:
 *     arch/x86/kvm/x86.c
 *   between commit:
 *     0123456789ab ("KVM: x86: Frob")
 *   from the x86/a topic and commit:
 *     abcdef012345 ("KVM: x86: Unfrob")
 *   from the x86/b topic.
 *
 * A conflict is the topic, its files and the earlier topics; while the
 * same one holds it is not mailed again, however often next is built
 * and across restarts (a row of conflict_mails, open, store/conflict-mails.h).
 * When the topic merges again (cleanly, or with a recorded resolution),
 * or conflicts differently, a short note to the same people answers the
 * mail and the row is resolved.  Mail goes through the outbox (notify.h), kinds "conflict"
 * and "conflict-resolved".
 */

/*
 * Mail the conflicts build (recorded, base its base commit) found and
 * resolve those it no longer has, in one transaction of its own; engine
 * thread, after the build's topics are recorded.  A topic the build did
 * not merge (missing, or after a stop) keeps its conflict open.
 */
int conflict_mail_build(struct db *db, const struct config *cfg, int64_t build,
			const char *base, struct strbuf *err);

#endif
