/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TOPIC_H
#define CTHULHU_TOPIC_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct strbuf;
struct job_ctx;
struct db;

/*
 * Topic tracking: the topics table mirrors cthulhu.conf's [topic] sections
 * plus those added through the API, and every move of a topic's branch
 * becomes an events row.
 *
 * A topic as JSON (the API's shape, what topic_json() makes, topic-json.h):
 *   {"name", "branch" (full ref), "order", "into_next" (bool),
 *    "source" ("config" or "api"), "tip" (hex or null),
 *    "moved_at" (unix seconds of the last move seen, or null)}
 * An event (a move) as JSON:
 *   {"id", "topic", "old" (hex or null: created), "new" (hex or null:
 *    deleted), "kind" ("created", "fast-forward", "forced", "deleted"),
 *    "source" ("inotify", "poll", "poke", "startup", "reload", "job"),
 *    "at"}
 *
 * A topic added with the API can be removed with the API; one from
 * cthulhu.conf cannot (ERR_INVALID): it comes back at the next reload, so
 * the config file is where to remove it.  A [topic] section whose name an
 * API topic has takes that topic over at the next sync.
 */

/*
 * The engine's job types for topics (daemon/job-table.c registers them):
 *   "topic-scan"   {"source": S}  -> {"moves": [event...]}
 *   "topic-sync"   {"source": S}  -> {"moves": [event...]}; source defaults
 *                  to "startup" on the process's first sync, "job" after
 *   "topic-add"    {"name", "branch", "order"?, "into_next"?} -> topic
 *   "topic-remove" {"name"}       -> the removed topic
 */

/*
 * The merge_args of "topic-scan": a scan kicked while another is queued
 * joins it, and the one scan records the move the later kick saw, so it
 * takes the later kick's source (a push that lands behind the start-up
 * scan is an inotify move, not a start-up one).
 */
void topic_scan_merge_args(json_t *queued, json_t *kicked);

/*
 * Moves are told on the bus (bus.h's BUS_MOVES, on the engine thread
 * after the transaction that records them), and topics added or removed
 * as BUS_TOPICS, so that later parts (the Cthulhu merge, the follow of
 * applied commits) react without topic.c knowing them.
 */

/*
 * Bring the topics table in line with the config (rows of source 'config'
 * added, changed or removed) and record moves made while the daemon was
 * not looking, as events of the given source.  Runs on the engine thread
 * (start-up, and the reload job on SIGHUP, which passes "reload").
 */
int topic_sync(struct job_ctx *ctx, const char *source, struct strbuf *err);

/*
 * Compare every topic's branch with its recorded tip; record each move
 * as an event of the given source.  Engine thread.  *moves (may be NULL)
 * gets a new array of the moves recorded.
 */
int topic_scan(struct job_ctx *ctx, const char *source, json_t **moves,
	       struct strbuf *err);

/*
 * Read-only check, from any thread (the watcher's poll): whether some
 * topic's branch differs from its recorded tip.
 */
int topic_check(bool *moved, struct strbuf *err);

/* Jobs, registered by daemon/job-table.c's table. */
int topic_job_scan(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err);
int topic_job_sync(struct job_ctx *ctx, json_t *args, json_t **result,
		   struct strbuf *err);
int topic_job_add(struct job_ctx *ctx, json_t *args, json_t **result,
		  struct strbuf *err);
int topic_job_remove(struct job_ctx *ctx, json_t *args, json_t **result,
		     struct strbuf *err);

#endif
