/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_BUS_H
#define CTHULHU_BUS_H

#include <stdint.h>
#include <jansson.h>

struct strbuf;

/*
 * The change bus: what changed in the daemon, told to the daemon's own
 * parts that follow a kind of change (bus_subscribe()) and to whoever
 * follows GET /api/v1/events/stream (the dashboard, as Server-Sent
 * Events).  It is the one way a module says "this changed" to another:
 * topic.c does not call next.c, it tells the bus that topics moved.
 *
 * A message is a kind and a JSON object, numbered from 1 up; the latest
 * BUS_RING messages are kept so that a follower that reconnects with
 * Last-Event-ID misses nothing that is still kept.
 *
 * Messages come from two places:
 *  - bus_publish(), which any module may call after a change it made
 *    ("next" after a build, "queue" after a bump...);
 *  - a watcher thread that asks the database every BUS_POLL_MS whether
 *    any other connection committed (PRAGMA data_version), and then
 *    publishes each new row of the events table as "topic" (the row as
 *    GET /api/v1/events gives it), each job that ended as "job"
 *    ({id, type, state, error}), and "change" ({}) for a commit that was
 *    neither.  So every change made through the engine reaches the
 *    stream within BUS_POLL_MS whether or not its module calls in.
 */
#define BUS_RING 256
#define BUS_POLL_MS 250
/* A follower with nothing to read gets an SSE comment this often. */
#define BUS_KEEPALIVE_MS 15000

/* Start the watcher thread (after db_set_path()). */
int bus_start(struct strbuf *err);
/* Stop the watcher and end every follower's stream; later calls no-op. */
void bus_stop(void);

/* Publish a message from any thread; data is stolen (NULL for {}). */
void bus_publish(const char *kind, json_t *data);

/*
 * The kinds told only to the daemon's subscribers, never to the stream
 * (its followers learn of these changes from the rows they leave, which
 * the watcher publishes):
 *   "moves"   {"moves": [event...]}: topic branches moved (topic.h's
 *             events), told on the engine thread after the transaction
 *             that records them;
 *   "topics"  {"trigger": "topics" | "config"}: a topic was added or
 *             removed, or the config was reloaded (engine thread).
 */
#define BUS_MOVES "moves"
#define BUS_TOPICS "topics"

/*
 * Call fn with every message of kind, on the thread that tells or
 * publishes it, before bus_tell() or bus_publish() returns; data is
 * borrowed.  Before any thread starts (subscriptions are not locked).
 */
typedef void (*bus_fn)(const char *kind, json_t *data);
void bus_subscribe(const char *kind, bus_fn fn);

/* Tell the subscribers of kind only; data is stolen (NULL for {}). */
void bus_tell(const char *kind, json_t *data);

/* The id of the latest message, 0 before the first. */
uint64_t bus_last_id(void);

/*
 * A follower.  bus_reader_new() starts after message last_id (0 or an
 * id no longer kept: after the latest message, and the first text the
 * reader gives is a "resync" message when last_id was not 0, so the
 * follower knows to reload).  Caller frees with bus_reader_free().
 */
struct bus_reader;
struct bus_reader *bus_reader_new(uint64_t last_id);
void bus_reader_free(struct bus_reader *r);

/*
 * Wait up to timeout_ms for messages after the reader's position and
 * append them to out as Server-Sent Events ("id: N\nevent: KIND\n
 * data: JSON\n\n"), or a ": keepalive" comment when none came.  Returns
 * 0, or ERR_UNAVAILABLE once the bus is stopped.
 */
int bus_reader_next(struct bus_reader *r, struct strbuf *out,
		    unsigned int timeout_ms);

#endif
