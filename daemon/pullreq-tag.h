/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_PULLREQ_TAG_H
#define CTHULHU_PULLREQ_TAG_H

#include <stdbool.h>
#include <jansson.h>

struct config;
struct git_oid;
struct git_repository;
struct pullreq_range;
struct strbuf;

/*
 * The annotated tag a pull request asks to pull (pullreq.h): its name,
 * its default message, and the tag itself, signed with gpg as
 * `git tag -s` signs it when [pull] signingkey is set.
 */

/*
 * The default tag name from [pull] tag-format: %n the tree's name, %t
 * the topic with '/' made '-' (its first component left out when the
 * tree's name already ends with it: tree "kvm-x86", topic "x86/pmu" ->
 * "pmu"), %d today as YYYY.MM.DD, %% a '%'; appended to out.
 */
int pullreq_tag_format(const struct config *cfg, const char *topic,
		       struct strbuf *out, struct strbuf *err);
/*
 * Whether tag can be made: ERR_INVALID for a name git refuses, ERR_EXISTS
 * when refs/tags/<tag> is there.
 */
int pullreq_tag_check_name(struct git_repository *repo, const char *tag,
			   struct strbuf *err);
/*
 * The default message: "<tree> <topic> changes for <date>:" and a line
 * per commit, oldest first, for the maintainer to turn into prose (or
 * replace with --message); appended to out.
 */
int pullreq_tag_default_message(const struct config *cfg,
				const struct pullreq_range *pr,
				struct strbuf *out, struct strbuf *err);
/*
 * Write the tag object and refs/tags/<tag> (never over an existing
 * one); buf gets the tag object's text.  The tag points at pr->tip and
 * says message; *tag_oid gets its id and *signed_tag whether gpg signed
 * it.  With [pull] signingkey set but no gpg found the tag is made
 * unsigned and warnings gets a warning.
 */
int pullreq_tag_create(const struct config *cfg, const struct pullreq_range *pr,
		       const char *tag, const char *message, json_t *warnings,
		       bool *signed_tag, struct git_oid *tag_oid,
		       struct strbuf *buf, struct strbuf *err);

#endif
