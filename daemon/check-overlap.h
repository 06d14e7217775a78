/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CHECK_OVERLAP_H
#define CTHULHU_CHECK_OVERLAP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct am_series;
struct config;
struct db;
struct repo;
struct strbuf;

/*
 * Conflicts between queued series, for the maintainer to order them:
 * two series that change the same lines of a file ('lines', from the
 * hunks of their diffs), or one that does not apply once the other is
 * applied to their common target topic ('apply').  Kept on both series
 * (store/series-conflicts.h).  Engine thread.
 */

/* Another queued series: its target topic and that topic's tip. */
struct check_peer {
	int64_t id;
	char *topic; /* NULL: none */
	char tip[41];
};

/*
 * Find again the conflicts of series id (as: its patches, applied to
 * topic at tip as new_tip) with each of peers[0..nr) (id itself among
 * them is skipped): the old ones forgotten, the new ones recorded, in
 * the caller's transaction.  when as check_apply()'s.
 */
int check_overlap(struct db *db, struct repo *repo, const struct config *cfg,
		  int64_t id, const struct am_series *as, const char *topic,
		  const char *tip, const char *new_tip, int64_t when,
		  const struct check_peer *peers, size_t nr,
		  struct strbuf *err);

/*
 * The conflicts of series id for GET /api/v1/series/ID: [{"series",
 * "version", "author", "subject", "how" (lines, apply), "path",
 * "detail", "says": "conflicts with series 12 by A U Thor in
 * arch/x86/kvm/pmu.c"}], by the other's id.  New reference, NULL on
 * errors (err set).  Any thread.
 */
json_t *check_conflicts_json(struct db *db, int64_t id, struct strbuf *err);

#endif
