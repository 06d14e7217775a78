/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recorded resolutions (see resolve.h): conflict hunks parsed from the
 * files git merge-tree writes, normalised and hashed as git rerere does,
 * resolutions applied by a three-way merge so that they survive changes
 * elsewhere in the file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/db.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/resolve.h"
#include "daemon/store/builds.h"
#include "daemon/store/resolutions.h"
#include "daemon/store/row.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define MARKER_LEN 7

/* The API's shape of a resolution (see resolve.h). */
static json_t *resolution_json(const struct store_resolution *r)
{
	return json_pack("{s:I, s:s?, s:s?, s:s?, s:I, s:o, s:I}", "id",
			 (json_int_t)r->id, "topic", r->topic, "path", r->path,
			 "key", r->key, "created_at", (json_int_t)r->created_at,
			 "used_at", store_json_int(r->used_at), "uses",
			 (json_int_t)r->uses);
}

static bool is_marker(const char *line, size_t len, char c)
{
	size_t i;

	if (len < MARKER_LEN)
		return false;
	for (i = 0; i < MARKER_LEN; i++)
		if (line[i] != c)
			return false;
	return len == MARKER_LEN || line[MARKER_LEN] == ' ' ||
	       line[MARKER_LEN] == '\n';
}

/*
 * Drop the labels of conflict markers, so that the same conflict reads
 * the same whatever commits were merged; out gets the normalised text,
 * key the hash of its hunks (sides sorted).  Returns the hunk count.
 */
static int normalise(const struct strbuf *in, struct strbuf *out, char *key)
{
	struct strbuf side[2] = { STRBUF_INIT, STRBUF_INIT };
	struct strbuf hunks = STRBUF_INIT;
	const char *p = in->buf, *end = in->buf + in->len;
	int state = 0, nr = 0; /* 0 outside, 1 first side, 2 second */

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		size_t len = eol ? (size_t)(eol - p + 1) : (size_t)(end - p);

		if (state == 0 && is_marker(p, len, '<')) {
			strbuf_addstr(out, "<<<<<<<\n");
			state = 1;
		} else if (state == 1 && is_marker(p, len, '=')) {
			strbuf_addstr(out, "=======\n");
			state = 2;
		} else if (state == 2 && is_marker(p, len, '>')) {
			int first = strcmp(side[0].buf, side[1].buf) <= 0 ? 0 :
									    1;

			strbuf_addstr(out, ">>>>>>>\n");
			strbuf_addbuf(&hunks, &side[first]);
			strbuf_addch(&hunks, 0);
			strbuf_addbuf(&hunks, &side[1 - first]);
			strbuf_addch(&hunks, 0);
			strbuf_reset(&side[0]);
			strbuf_reset(&side[1]);
			state = 0;
			nr++;
		} else {
			strbuf_add(out, p, len);
			if (state)
				strbuf_add(&side[state - 1], p, len);
		}
		p += len;
	}
	merge_hash_hex(hunks.buf, hunks.len, key);
	strbuf_release(&side[0]);
	strbuf_release(&side[1]);
	strbuf_release(&hunks);
	return state ? 0 : nr;
}

static bool has_markers(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		size_t l = eol ? (size_t)(eol - p + 1) : (size_t)(end - p);

		if (is_marker(p, l, '<') || is_marker(p, l, '>'))
			return true;
		p += l;
	}
	return false;
}

/* Resolve one conflicted file; 1 with out set, 0 when not resolved. */
static int resolve_file(struct db *db, const struct strbuf *conflicted,
			struct strbuf *out, int64_t *id, struct strbuf *err)
{
	struct strbuf cur = STRBUF_INIT, pre = STRBUF_INIT;
	struct strbuf post = STRBUF_INIT;
	struct store_resolution known = { 0 };
	char key[MERGE_HEXSZ + 1];
	bool clean = false, found;
	int ret;

	if (normalise(conflicted, &cur, key) <= 0) {
		ret = 0;
		goto out;
	}
	ret = store_resolution_by_key(db, key, &known, &found, err);
	if (ret < 0 || !found)
		goto out;
	*id = known.id;
	ret = store_resolution_hunks(db, *id, &pre, &post, err);
	if (!ret)
		ret = merge_file_contents(&pre, &cur, &post, out, &clean, err);
	if (ret < 0)
		goto out;
	ret = clean ? 1 : 0;
out:
	store_resolution_release(&known);
	strbuf_release(&cur);
	strbuf_release(&pre);
	strbuf_release(&post);
	return ret;
}

int resolve_try(struct db *db, struct merge *m, const char *tree,
		char *const *paths, size_t nr, char *out, int64_t *resolution,
		struct strbuf *err)
{
	struct strbuf *res = xcalloc(nr ? nr : 1, sizeof(*res));
	struct strbuf cur = STRBUF_INIT;
	int64_t *ids = xcalloc(nr ? nr : 1, sizeof(*ids));
	size_t i;
	int ret = 0;

	if (!nr || !tree || !*tree)
		goto out;
	for (i = 0; i < nr; i++) {
		strbuf_init(&res[i], 0);
		strbuf_reset(&cur);
		ret = merge_read_path(m, tree, paths[i], &cur, err);
		if (ret == ERR_NOT_FOUND) {
			ret = 0;
			goto out;
		}
		if (ret < 0)
			goto out;
		ret = resolve_file(db, &cur, &res[i], &ids[i], err);
		if (ret <= 0)
			goto out;
	}
	ret = merge_replace_paths(m, tree, (const char *const *)paths, res, nr,
				  out, err);
	if (ret < 0)
		goto out;
	*resolution = ids[0];
	for (i = 0; i < nr; i++)
		store_resolution_used(db, ids[i], (int64_t)time(NULL), NULL);
	ret = 1;
out:
	for (i = 0; i < nr; i++)
		strbuf_release(&res[i]);
	free(res);
	free(ids);
	strbuf_release(&cur);
	return ret;
}

int resolve_conflict_find(struct db *db, const char *topic,
			  struct store_conflict *out, struct strbuf *err)
{
	bool found;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = store_build_last_conflict(db, topic, out, &found, err);
	if (ret < 0)
		return ret;
	if (found && out->ours && out->theirs)
		return 0;
	store_conflict_release(out);
	return error_set(err, ERR_NOT_FOUND,
			 "no conflict of topic '%s' in the builds of next",
			 topic);
}

/* The topic's conflicted merge in the latest build where it conflicted. */
static int conflicted_merge(struct db *db, struct merge *m, const char *topic,
			    struct store_conflict *c, struct merge_result *res,
			    struct strbuf *err)
{
	int ret;

	ret = resolve_conflict_find(db, topic, c, err);
	if (ret < 0)
		return ret;
	merge_set_conflict_tree(m, true);
	ret = merge_commits(m, c->ours, c->theirs, res, err);
	merge_set_conflict_tree(m, false);
	if (ret < 0)
		return ret;
	if (res->clean || !*res->tree) {
		merge_result_release(res);
		return error_set(err, ERR_NOT_FOUND,
				 "topic '%s' merges cleanly now", topic);
	}
	return 0;
}

int resolve_conflicts(struct db *db, struct merge *m, const char *topic,
		      json_t **out, struct strbuf *err)
{
	struct strbuf content = STRBUF_INIT;
	struct store_conflict c = { 0 };
	struct merge_result res;
	json_t *files;
	size_t i;
	int ret;

	ret = conflicted_merge(db, m, topic, &c, &res, err);
	if (ret < 0)
		goto out;
	files = json_array();
	for (i = 0; i < res.nr_conflicts; i++) {
		strbuf_reset(&content);
		if (merge_read_path(m, res.tree, res.conflicts[i], &content,
				    NULL) < 0)
			continue;
		json_array_append_new(files,
				      json_pack("{s:s, s:s%}", "path",
						res.conflicts[i], "content",
						content.buf, content.len));
	}
	*out = json_pack("{s:s, s:I, s:s, s:s, s:o}", "topic", topic, "build",
			 (json_int_t)c.build, "ours", c.ours, "theirs",
			 c.theirs, "files", files);
	merge_result_release(&res);
out:
	store_conflict_release(&c);
	strbuf_release(&content);
	return ret;
}

int resolve_record(struct db *db, struct merge *m, const char *topic,
		   json_t *files, json_t **out, struct strbuf *err)
{
	struct strbuf cur = STRBUF_INIT, pre = STRBUF_INIT;
	struct merge_result res;
	struct store_conflict conflict = { 0 };
	char key[MERGE_HEXSZ + 1];
	json_t *rec = NULL, *f;
	size_t i, k;
	int ret;

	if (!json_is_array(files) || !json_array_size(files))
		return error_set(err, ERR_INVALID,
				 "'files' must be a non-empty array");
	ret = conflicted_merge(db, m, topic, &conflict, &res, err);
	if (ret < 0)
		goto out_row;
	rec = json_array();
	ret = db_begin(db, err);
	if (ret < 0)
		goto out;
	json_array_foreach(files, i, f) {
		const char *path =
			json_string_value(json_object_get(f, "path"));
		json_t *c = json_object_get(f, "content");
		struct store_resolution r = { 0 };
		bool known = false, found;

		for (k = 0; path && k < res.nr_conflicts; k++)
			known |= !strcmp(path, res.conflicts[k]);
		if (!known || !json_is_string(c)) {
			ret = error_set(err, ERR_INVALID,
					"'%s' is not a conflicted file of '%s'",
					path ? path : "(null)", topic);
			goto out_rollback;
		}
		if (has_markers(json_string_value(c), json_string_length(c))) {
			ret = error_set(err, ERR_INVALID,
					"'%s' still has conflict markers",
					path);
			goto out_rollback;
		}
		strbuf_reset(&cur);
		strbuf_reset(&pre);
		ret = merge_read_path(m, res.tree, path, &cur, err);
		if (ret < 0)
			goto out_rollback;
		if (normalise(&cur, &pre, key) <= 0) {
			ret = error_set(
				err, ERR_UNPROCESSABLE,
				"'%s' has no conflict hunks to record (a conflict of names, not lines)",
				path);
			goto out_rollback;
		}
		ret = store_resolution_put(db, topic, path, key, &pre,
					   json_string_value(c),
					   json_string_length(c),
					   (int64_t)time(NULL), err);
		if (ret < 0)
			goto out_rollback;
		ret = store_resolution_by_key(db, key, &r, &found, err);
		if (ret < 0)
			goto out_rollback;
		if (found)
			json_array_append_new(rec, resolution_json(&r));
		store_resolution_release(&r);
	}
	ret = db_commit(db, err);
	if (ret < 0)
		goto out;
	*out = json_pack("{s:O}", "recorded", rec);
	goto out;

out_rollback:
	db_rollback(db);
out:
	merge_result_release(&res);
out_row:
	json_decref(rec);
	store_conflict_release(&conflict);
	strbuf_release(&cur);
	strbuf_release(&pre);
	return ret;
}

json_t *resolve_list(struct db *db, struct strbuf *err)
{
	struct store_resolution_list list;
	json_t *out;
	size_t i;

	if (store_resolutions_list(db, &list, err) < 0)
		return NULL;
	out = json_array();
	for (i = 0; i < list.nr; i++)
		json_array_append_new(out, resolution_json(&list.v[i]));
	store_resolution_list_release(&list);
	return out;
}

int resolve_forget(struct db *db, int64_t id, struct strbuf *err)
{
	return store_resolution_forget(db, id, err);
}

bool resolve_has(struct db *db, const char *topic)
{
	int64_t n = 1;

	store_resolutions_count(db, topic, &n, NULL);
	return n > 0;
}
