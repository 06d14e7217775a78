/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_PULLREQ_H
#define CTHULHU_PULLREQ_H

#include <jansson.h>

struct job_ctx;
struct strbuf;

/*
 * Per-topic pull requests: an annotated tag at a topic's tip (signed
 * when [pull] signingkey is set and gpg is there) and the request text
 * exactly as `git request-pull BASE URL TAG` writes it, followed by the
 * conflicts the topic met in recent builds of next.
 *
 * The "pull-request" job:
 *   {"topic", "tag"?, "message"?} ->
 *   {"topic", "branch", "tag", "tag_object", "commit", "base",
 *    "base_rev", "url", "signed", "pushed", "file", "commits", "request",
 *    "conflicts": [...], "text", "warnings": [...]}
 * "request" is git request-pull's text, "text" the request with the
 * conflicts section after it; "file" is where the text was saved
 * (<state>/pull-requests/<tag>.txt); "pushed" the [pull] push remote
 * the tag went to, or null (a failed push is one of the warnings).
 *
 * Errors: ERR_NOT_FOUND for an unknown topic or a topic without its
 * branch, ERR_INVALID for a topic with no commits over the base, a bad
 * tag name or no base configured, ERR_EXISTS when the tag exists.  On
 * any error no tag is made.
 */
/* Jobs, registered by daemon/job-table.c's table. */
int pullreq_job_pull_request(struct job_ctx *ctx, json_t *args, json_t **result,
			     struct strbuf *err);

#endif
