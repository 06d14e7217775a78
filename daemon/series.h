/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_SERIES_H
#define CTHULHU_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "daemon/mail.h"

struct db;
struct job_ctx;
struct strbuf;

/*
 * Patch intake: mail in, series out.  Every message is kept (raw bytes,
 * Message-ID unique) in the series store (store/series.h, the tables of
 * schema/0003-mail.sql and its successors) and sorted into a
 * series by threading (In-Reply-To/References, siblings of one parent),
 * the [PATCH vN M/T] prefix and the sender (rewritten addresses seen
 * through), and for mail without references by sender, version and
 * total within a time window; trailers of replies are collected onto
 * their patch (onto every patch for a reply to the cover letter).  Why
 * each mail joined is kept and series_get() gives it.  Each message is
 * one transaction: a mail that fails leaves no row behind.
 *
 * Writers (series_ingest*(), series_supersede()) run on the engine
 * thread, through the "submit" and "supersede" jobs; series_submit()
 * parses the mail on its caller's thread before the "submit" job takes
 * it, so a mail that is slow to parse never holds the engine.
 */

/*
 * Ingest every message of an mbox (or a single RFC 5322 message) into
 * db.  *result is a new object:
 *   {"series": [{"id", "name", "subject", "version", "total",
 *                "complete", "cover", "patches", "action":
 *                "created"|"extended", "created": bool, "supersedes"}],
 *    "messages": {"ingested": N, "duplicates": N,
 *                 "duplicate_ids": [msgid...],
 *                 "errors": [{"index": n (1-based), "message_id"?,
 *                             "error": "..."}]}}
 * Returns 0, or ERR_UNPROCESSABLE when no message at all could be taken
 * (err says why; *result is still set), ERR_UNAVAILABLE when the engine
 * stops before every message was taken, or another negative code.  A
 * message that takes over a second to parse is refused.  Parses and
 * writes on the calling thread: for the engine and for tests.
 */
int series_ingest_mbox(struct db *db, const char *buf, size_t len,
		       enum mbox_format format, json_t **result,
		       struct strbuf *err);

/*
 * The series with its cover, patches (with trailers) and prerequisites;
 * the cover, each patch and reply with "join_reason" and "join_detail",
 * and "grouping": every mail of the series in arrival order, [{"msgid",
 * "kind", "number", "subject", "from_name", "from_email", "reason",
 * "detail"}] (reason: created, reference, sibling, markers, reply,
 * comment; null for mail taken before schema 0007).
 */
int series_get(struct db *db, int64_t id, json_t **out, struct strbuf *err);

/*
 * Series, newest first: those holding the message msgid (any of its
 * messages, with or without <>), or by author (email, or a part of the
 * name), or the latest limit when both are NULL.  New array or NULL.
 */
json_t *series_list(struct db *db, const char *msgid, const char *author,
		    int limit, struct strbuf *err);

/*
 * Record by hand that series new_id supersedes old_id (old_id's state
 * becomes "superseded").  ERR_NOT_FOUND, ERR_INVALID for a series
 * superseding itself or a newer one that already supersedes it.
 */
int series_supersede(struct db *db, int64_t new_id, int64_t old_id,
		     struct strbuf *err);

/*
 * The collected trailers of a patch (its own and its series' cover
 * replies), as "Key: value" lines in arrival order, de-duplicated; a new
 * array of strings.  For apply: they go after the body, before Link:.
 */
json_t *series_patch_trailers(struct db *db, int64_t patch_id,
			      struct strbuf *err);

/*
 * The raw bytes of the message with that Message-ID (no <>), appended to
 * out; ERR_NOT_FOUND.  For replies and for re-parsing at apply time.
 */
int series_message_raw(struct db *db, const char *msgid, struct strbuf *out,
		       struct strbuf *err);

/*
 * Submit raw mbox bytes, from any thread but the engine's: each message
 * is parsed here, then the "submit" job ingests them (its args {"batch",
 * "messages", "bytes"} name an in-memory batch, never the mail itself)
 * and the answer is the one of series_ingest_mbox().  result may be NULL.
 */
int series_submit(const char *buf, size_t len, enum mbox_format format,
		  json_t **result, struct strbuf *err);

/*
 * Jobs, registered by daemon/job-table.c's table: "submit" (from
 * series_submit()) and "supersede" {"new", "old"}.
 */
int series_job_submit(struct job_ctx *ctx, json_t *args, json_t **result,
		      struct strbuf *err);
int series_job_supersede(struct job_ctx *ctx, json_t *args, json_t **result,
			 struct strbuf *err);

#endif
