/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_RESOLVE_H
#define CTHULHU_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct db;
struct merge;
struct store_conflict;
struct strbuf;

/*
 * Recorded resolutions, git rerere's idea kept in SQLite.  A conflicted
 * file (as git merge-tree writes it, with conflict markers) is keyed by
 * its normalised conflict hunks: marker labels dropped, the two sides of
 * each hunk in sorted order, hashed.  A resolution stores the normalised
 * conflicted file (preimage) and the maintainer's resolved file
 * (postimage); it applies to a later conflict with the same key by a
 * three-way merge preimage -> postimage onto the new conflicted file, so
 * it keeps working when unrelated parts of the file change.
 *
 * A resolution as JSON: {"id", "topic", "path", "key", "created_at",
 * "used_at", "uses"}.
 */

/*
 * Try the recorded resolutions on a conflicted merge: tree is git's tree
 * with conflict markers, paths[0..nr) its conflicted files.  Returns 1
 * with out (MERGE_HEXSZ + 1 bytes) the resolved tree and *resolution the
 * id of the (first) resolution used, 0 when some path has none, or a
 * negative error.
 */
int resolve_try(struct db *db, struct merge *m, const char *tree,
		char *const *paths, size_t nr, char *out, int64_t *resolution,
		struct strbuf *err);

/*
 * Which merge of topic conflicted in the latest build where one did:
 * *out (store/builds.h; release it) the build and the commits merged.
 * ERR_NOT_FOUND when none did.  Reads the database only.
 */
int resolve_conflict_find(struct db *db, const char *topic,
			  struct store_conflict *out, struct strbuf *err);

/*
 * The conflicted files of topic's merge in the latest build where it
 * conflicted: *out (new reference) {"topic", "build", "ours", "theirs",
 * "files": [{"path", "content"}]}.  ERR_NOT_FOUND when it did not.
 */
int resolve_conflicts(struct db *db, struct merge *m, const char *topic,
		      json_t **out, struct strbuf *err);

/*
 * Record the resolved files ([{"path", "content"}], borrowed) of topic's
 * conflict; *out (new reference) {"recorded": [resolution...]}.
 */
int resolve_record(struct db *db, struct merge *m, const char *topic,
		   json_t *files, json_t **out, struct strbuf *err);

/* All resolutions, newest first (new reference); NULL on error. */
json_t *resolve_list(struct db *db, struct strbuf *err);
/* Forget one; ERR_NOT_FOUND for an unknown id. */
int resolve_forget(struct db *db, int64_t id, struct strbuf *err);
/* Whether topic has any recorded resolution (true when unsure). */
bool resolve_has(struct db *db, const char *topic);

#endif
