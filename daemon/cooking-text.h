/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_COOKING_TEXT_H
#define CTHULHU_COOKING_TEXT_H

#include <stdint.h>

struct cooking;
struct cooking_topic;
struct strbuf;

/*
 * The report as text, formatted like git's "What's cooking in git.git":
 * a header paragraph (the base, next and its build, the counts, the
 * review queue's lanes), then the topics grouped by where they stand,
 * each a block
 *
 *   * x86/pmu (2026-12-01) 2 commits
 *    + KVM: x86/pmu: Second change
 *    + KVM: x86/pmu: First change
 *
 *    The branch description, each line indented.
 *
 *    In next (build #4).
 *
 * with the date it started cooking, '+' for a commit in next and '-'
 * for one that is not, as git's report marks them.  The mail's body,
 * what `cthulhu cooking` prints and the JSON's "text".
 */
void cooking_text(const struct cooking *c, struct strbuf *out);
/* "What's cooking in TREE (YYYY-MM-DD)": the mail's subject. */
void cooking_subject(const struct cooking *c, struct strbuf *out);
/* One topic's block, as in cooking_text() (an Atom entry's content). */
void cooking_topic_text(const struct cooking_topic *t, struct strbuf *out);
/* The date of unix seconds t as YYYY-MM-DD (UTC). */
void cooking_date(struct strbuf *out, int64_t t);

#endif
