/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_QUEUE_SCAN_H
#define CTHULHU_QUEUE_SCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "daemon/cycle.h"
#include "daemon/lint.h"

struct config;
struct db;
struct repo;
struct strbuf;

/*
 * Looking at one series for the review queue (queue.h): its lint
 * findings, its lane and why, whether it is queued, and its place, all
 * written to its rows of the queue and lint_findings tables.  The
 * "queue-scan" job of queue.c looks so at every series the triggers
 * noted, and keeps the places in its in-memory order.
 */

/* One second of arrival in a rank, which leaves room for bumps between. */
#define QUEUE_RANK_SECOND ((int64_t)1 << 20)

/* The place of a series in the order: by olane, then rank, then id. */
struct queue_key {
	int olane;
	int64_t rank;
	int64_t id;
	int lane; /* the lane by the rules, for the counts only */
};

/* What a scan needs once per run. */
struct queue_scan {
	struct db *db;
	const struct config *cfg;
	struct repo *repo; /* NULL without a usable repository */
	struct cycle cycle;
	bool have_cycle;
	struct lint_config lint;
	const char *fixes_topic;
	const char *other_maintainers;
	const char *other_trees;
	bool stable_first;
	time_t now;
};

/*
 * Set sc up for one run over db with cfg: the repository and the release
 * cycle (for Fixes: tags), the [lint] and [queue] settings (a bad value
 * is a warning, and its default is taken).  Release with
 * queue_scan_release().
 */
int queue_scan_init(struct queue_scan *sc, struct db *db,
		    const struct config *cfg, struct strbuf *err);
void queue_scan_release(struct queue_scan *sc);

/*
 * Look at series id again: lint it, find its lane and whether it is
 * queued, and write its queue row.  *key gets its place for the
 * in-memory order.  Inside the caller's transaction.
 */
int queue_scan_series(struct queue_scan *sc, int64_t id, struct queue_key *key,
		      bool *queued, struct strbuf *err);

#endif
