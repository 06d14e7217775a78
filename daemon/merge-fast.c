/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast tree merge: walk the three trees together and take an entry
 * by OID whenever two sides agree; read a subtree only when both sides
 * changed it.  It gives up ("undecided", not "conflict") wherever git's
 * rename or directory-rename detection could make the result differ
 * from a plain three-way merge: a path deleted on one side and changed
 * on the other, a path deleted on both sides, type changes.  A path that
 * one side deleted and the other left alone cannot be a rename source
 * that changes the result (merge-ort treats it as irrelevant), so the
 * many deletions on next's side of an old topic cost nothing.
 *
 * Content merges use git_merge_file(), which has no histogram diff while
 * merge-ort uses histogram: a file merge counts only when the Myers and
 * the patience diff give the same clean result, which they do wherever
 * the alignment of lines is not in doubt.  Conflicts go to the fallback,
 * except those git found before on the same three blobs (merge-memo.c).
 *
 * Inside a virtual merge base (depth > 0) content conflicts stay in the
 * files, with merge-ort's labels and markers, and the objects made go
 * to memory rather than to the repository.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include <git2/sys/odb_backend.h>

#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/merge-internal.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* git's buffer_is_binary() looks at this many bytes for a NUL. */
#define FIRST_FEW_BYTES 8000

static bool entry_eq(const struct tentry *a, const struct tentry *b)
{
	if (!a || !b)
		return a == b;
	return a->mode == b->mode && git_oid_equal(a->oid, b->oid);
}

static int cmp_tentry_name(const void *a, const void *b)
{
	return strcmp(((const struct tentry *)a)->name,
		      ((const struct tentry *)b)->name);
}

/* git's tree order: a folder sorts as if its name ended in '/'. */
static int cmp_tentry_git(const void *va, const void *vb)
{
	const struct tentry *a = va, *b = vb;
	size_t la = strlen(a->name), lb = strlen(b->name);
	size_t len = la < lb ? la : lb;
	unsigned char ca, cb;
	int c = memcmp(a->name, b->name, len);

	if (c)
		return c;
	ca = la > len ? (unsigned char)a->name[len] :
			(a->mode == GIT_FILEMODE_TREE ? '/' : 0);
	cb = lb > len ? (unsigned char)b->name[len] :
			(b->mode == GIT_FILEMODE_TREE ? '/' : 0);
	return ca < cb ? -1 : ca > cb;
}

static int read_tree_entries(struct merge *m, const git_oid *oid,
			     git_tree **tree, struct tentry **v, size_t *nr,
			     struct strbuf *err)
{
	size_t i, n;
	int ret;

	*tree = NULL;
	*v = NULL;
	*nr = 0;
	if (!oid)
		return 0;
	ret = git_tree_lookup(tree, m->repo, oid);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot read tree '%s'",
				  git_oid_tostr_s(oid));
	n = git_tree_entrycount(*tree);
	*v = xcalloc(n ? n : 1, sizeof(**v));
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(*tree, i);

		(*v)[i].name = git_tree_entry_name(e);
		(*v)[i].mode = git_tree_entry_filemode_raw(e);
		(*v)[i].oid = git_tree_entry_id(e);
	}
	/* git's order is strcmp()'s but where a folder is a prefix */
	for (i = 1; i < n; i++)
		if (strcmp((*v)[i - 1].name, (*v)[i].name) > 0)
			break;
	if (i < n)
		qsort(*v, n, sizeof(**v), cmp_tentry_name);
	*nr = n;
	return 0;
}

static void out_push(struct tree_out *out, const char *name, unsigned int mode,
		     const git_oid *oid)
{
	if (out->nr == out->alloc) {
		out->alloc = out->alloc ? out->alloc * 2 : 16;
		out->v = xrealloc(out->v, out->alloc * sizeof(*out->v));
	}
	out->v[out->nr].name = name;
	out->v[out->nr].mode = mode;
	out->v[out->nr].oid = oid;
	out->nr++;
}

/* Room for a merged object name that lives as long as the level. */
static git_oid *out_oid(struct tree_out *out, size_t max)
{
	if (!out->oids)
		out->oids = xcalloc(max ? max : 1, sizeof(*out->oids));
	return &out->oids[out->nr_oids++];
}

/* Whether oid is in the repository itself (not only in memory). */
static bool on_disk(struct merge *m, const git_oid *oid)
{
	return m->pack_be->exists(m->pack_be, oid) ||
	       m->loose_be->exists(m->loose_be, oid);
}

/*
 * Write an object the merge made: inside a virtual merge base (depth > 0)
 * to memory, else to the repository.
 */
static int odb_write(struct merge *m, int depth, git_oid *oid, const void *data,
		     size_t len, git_object_t type)
{
	int ret;

	if (!depth || !m->mempack)
		return merge_odb_write(m, oid, data, len, type);
	ret = git_odb_hash(oid, data, len, type);
	if (ret < 0 || on_disk(m, oid))
		return ret;
	ret = m->mempack->write(m->mempack, oid, data, len, type);
	if (!ret)
		m->mempack_bytes += len;
	return ret;
}

/*
 * Copy oid and what it refers to from memory to the repository, the
 * objects it refers to first.
 */
int copy_to_disk(struct merge *m, const git_oid *oid)
{
	git_object_t type;
	git_oid written;
	size_t len;
	void *data;
	int ret;

	if (!m->mempack || on_disk(m, oid) ||
	    (m->batching && m->batch->exists(m->batch, oid)))
		return 0;
	ret = m->mempack->read(&data, &len, &type, m->mempack, oid);
	if (ret < 0)
		return ret;
	if (type == GIT_OBJECT_TREE) {
		const char *p = data, *end = p + len;

		while (!ret && p < end) {
			const char *nul = memchr(p, 0, end - p);
			git_oid child;

			if (!nul || end - nul < 1 + GIT_OID_RAWSZ) {
				ret = -1;
				break;
			}
			git_oid_fromraw(&child, (const unsigned char *)nul + 1);
			/* submodules (mode 160000) are commits elsewhere */
			if (strncmp(p, "160000 ", 7))
				ret = copy_to_disk(m, &child);
			p = nul + 1 + GIT_OID_RAWSZ;
		}
	}
	if (!ret && m->batching)
		ret = merge_odb_write(m, &written, data, len, type);
	else if (!ret)
		ret = m->loose_be->write(m->loose_be, oid, data, len, type);
	git_odb_backend_data_free(m->mempack, data);
	return ret;
}

static int write_tree(struct merge *m, int depth, struct tree_out *out,
		      git_oid *oid, struct strbuf *err)
{
	struct strbuf buf = STRBUF_INIT;
	size_t i;
	int ret;

	for (i = 1; i < out->nr; i++)
		if (cmp_tentry_git(&out->v[i - 1], &out->v[i]) > 0)
			break;
	if (i < out->nr)
		qsort(out->v, out->nr, sizeof(*out->v), cmp_tentry_git);
	for (i = 0; i < out->nr; i++) {
		char mode[12];
		int len = 0;
		unsigned int x = out->v[i].mode;

		/* "%o " by hand: tree writes are many */
		do {
			mode[sizeof(mode) - 1 - len++] = '0' + (x & 7);
			x >>= 3;
		} while (x);
		strbuf_add(&buf, mode + sizeof(mode) - len, len);
		strbuf_addch(&buf, ' ');
		strbuf_addstr(&buf, out->v[i].name);
		strbuf_addch(&buf, 0);
		strbuf_add(&buf, out->v[i].oid->id, GIT_OID_RAWSZ);
	}
	ret = odb_write(m, depth, oid, buf.buf, buf.len, GIT_OBJECT_TREE);
	strbuf_release(&buf);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot write tree");
	m->stats.trees_written++;
	return 0;
}

static bool is_binary(const void *data, size_t size)
{
	return memchr(data, 0,
		      size < FIRST_FEW_BYTES ? size : FIRST_FEW_BYTES) != NULL;
}

static void fast_undecided(struct fast_state *st, const char *reason,
			   const struct strbuf *dir, const char *name)
{
	st->undecided = reason;
	strbuf_reset(&st->path);
	strbuf_addbuf(&st->path, dir);
	strbuf_addstr(&st->path, name);
}

static char *xstrfmt_path(const struct strbuf *dir, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addbuf(&sb, dir);
	strbuf_addstr(&sb, name);
	return strbuf_detach(&sb, NULL);
}

/*
 * Merge the contents of a regular file both sides changed.  Returns 1
 * with st->undecided set where the result is not certain to be git's.
 */
static int merge_file(struct merge *m, struct fast_state *st,
		      const struct strbuf *dir, const struct tentry *b,
		      const struct tentry *o, const struct tentry *t,
		      git_oid *oid, unsigned int *mode, struct strbuf *err)
{
	git_merge_file_input in[3] = { GIT_MERGE_FILE_INPUT_INIT,
				       GIT_MERGE_FILE_INPUT_INIT,
				       GIT_MERGE_FILE_INPUT_INIT };
	git_merge_file_options opts = GIT_MERGE_FILE_OPTIONS_INIT;
	git_merge_file_result r1 = { 0 }, r2 = { 0 };
	unsigned int bmode = b ? b->mode : 0;
	git_blob *blob[3] = { NULL, NULL, NULL };
	const struct tentry *e[3] = { b, o, t };
	int ret = 0, i;

	/* merge-ort's handle_content_merge() mode rule */
	if (o->mode == t->mode || o->mode == bmode) {
		*mode = t->mode;
	} else {
		*mode = o->mode;
		/* inside a virtual base merge-ort keeps ours' mode, and goes on */
		if (t->mode != bmode && !st->depth) {
			fast_undecided(st, "mode conflict", dir, o->name);
			return 1;
		}
	}
	if (git_oid_equal(o->oid, t->oid) ||
	    (b && git_oid_equal(o->oid, b->oid))) {
		git_oid_cpy(oid, t->oid);
		return 0;
	}
	if (b && git_oid_equal(t->oid, b->oid)) {
		git_oid_cpy(oid, o->oid);
		return 0;
	}
	if (!st->depth && known_conflict(m, b, o, t)) {
		st->conflicts =
			xrealloc(st->conflicts, (st->nr_conflicts + 1) *
							sizeof(*st->conflicts));
		st->conflicts[st->nr_conflicts] = xstrfmt_path(dir, o->name);
		st->nr_conflicts++;
		git_oid_cpy(oid, o->oid);
		return 0;
	}
	for (i = 0; i < 3; i++) {
		if (!e[i]) {
			in[i].ptr = "";
			in[i].size = 0;
			continue;
		}
		ret = git_blob_lookup(&blob[i], m->repo, e[i]->oid);
		if (ret < 0) {
			ret = repo_error(err, -EIO, "cannot read blob '%s'",
					 git_oid_tostr_s(e[i]->oid));
			goto out;
		}
		in[i].ptr = git_blob_rawcontent(blob[i]);
		in[i].size = git_blob_rawsize(blob[i]);
		in[i].path = e[i]->name;
		in[i].mode = e[i]->mode;
		if (is_binary(in[i].ptr, in[i].size))
			break;
	}
	if (i < 3 && st->depth) {
		/*
		 * ll_binary_merge() of a virtual ancestor: the merge base's
		 * content, cleanly (an empty file when it has none).
		 */
		if (b)
			git_oid_cpy(oid, b->oid);
		else
			ret = odb_write(m, st->depth, oid, "", 0,
					GIT_OBJECT_BLOB);
		goto out;
	}
	if (i < 3) {
		fast_undecided(st, "binary file", dir, o->name);
		ret = 1;
		goto out;
	}
	if (st->depth) {
		/* merge-ort's merge_3way() inside a virtual merge base */
		opts.our_label = "Temporary merge branch 1";
		opts.their_label = "Temporary merge branch 2";
		opts.marker_size =
			GIT_MERGE_CONFLICT_MARKER_SIZE + 2 * st->depth;
	}
	m->stats.file_merges++;
	ret = git_merge_file(&r1, &in[0], &in[1], &in[2], &opts);
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot merge '%s%s'", dir->buf,
				 o->name);
		goto out;
	}
	if (!r1.automergeable && st->depth)
		m->stats.vbase_conflicts++;
	if (!r1.automergeable && !st->depth) {
		fast_undecided(st, "content conflict", dir, o->name);
		ret = 1;
		goto out;
	}
	/*
	 * merge-ort diffs with the histogram algorithm, which libgit2 lacks;
	 * where Myers and patience agree, the lines' alignment is not in
	 * doubt and histogram agrees with them.  Inside a virtual merge
	 * base that goes for the conflict markers too: both must give the
	 * same bytes.
	 */
	opts.flags = GIT_MERGE_FILE_DIFF_PATIENCE;
	ret = git_merge_file(&r2, &in[0], &in[1], &in[2], &opts);
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot merge '%s%s'", dir->buf,
				 o->name);
		goto out;
	}
	if (r1.automergeable != r2.automergeable || r1.len != r2.len ||
	    memcmp(r1.ptr, r2.ptr, r1.len)) {
		fast_undecided(st, "diff algorithms disagree", dir, o->name);
		ret = 1;
		goto out;
	}
	/*
	 * Conflict markers next to a last line without its newline, or in
	 * a file with CRLF line ends, are where git's xdiff has changed
	 * since the copy in libgit2: leave those to git.
	 */
	if (!r1.automergeable) {
		for (i = 0; i < 3; i++) {
			if (in[i].size &&
			    (in[i].ptr[in[i].size - 1] != '\n' ||
			     memchr(in[i].ptr, '\r', in[i].size))) {
				fast_undecided(
					st,
					"conflict at an incomplete line or CRLF",
					dir, o->name);
				ret = 1;
				goto out;
			}
		}
	}
	ret = odb_write(m, st->depth, oid, r1.ptr, r1.len, GIT_OBJECT_BLOB);
	if (ret < 0)
		ret = repo_error(err, -EIO, "cannot write blob");
out:
	git_merge_file_result_free(&r1);
	git_merge_file_result_free(&r2);
	for (i = 0; i < 3; i++)
		git_blob_free(blob[i]);
	return ret;
}

static bool is_regular(const struct tentry *e)
{
	return e->mode == GIT_FILEMODE_BLOB ||
	       e->mode == GIT_FILEMODE_BLOB_EXECUTABLE;
}

static bool is_tree(const struct tentry *e)
{
	return e->mode == GIT_FILEMODE_TREE;
}

int tree_has_additions(struct merge *m, const git_oid *base,
		       const git_oid *side, bool *found, struct strbuf *err)
{
	git_tree *tree[2] = { NULL, NULL };
	struct tentry *v[2] = { NULL, NULL };
	size_t nr[2] = { 0, 0 }, i = 0, j = 0;
	int ret;

	*found = false;
	if (base && git_oid_equal(base, side))
		return 0;
	ret = read_tree_entries(m, base, &tree[0], &v[0], &nr[0], err);
	if (!ret)
		ret = read_tree_entries(m, side, &tree[1], &v[1], &nr[1], err);
	while (!ret && !*found && j < nr[1]) {
		const struct tentry *s = &v[1][j], *b = NULL;
		int c = 1;

		while (i < nr[0] && (c = strcmp(v[0][i].name, s->name)) < 0)
			i++;
		if (i < nr[0] && !c)
			b = &v[0][i];
		j++;
		if (!b || (is_tree(s) && !is_tree(b))) {
			*found = true; /* a file, or a folder of files */
		} else if (is_tree(s) && !git_oid_equal(s->oid, b->oid)) {
			ret = tree_has_additions(m, b->oid, s->oid, found, err);
		} else if (!is_tree(s) && is_tree(b)) {
			*found = true;
		}
	}
	for (i = 0; i < 2; i++) {
		free(v[i]);
		git_tree_free(tree[i]);
	}
	return ret;
}

static bool is_type(const struct tentry *e, unsigned int type)
{
	return (e->mode & 0170000) == type;
}

/*
 * Inside a virtual merge base, the entry merge-ort keeps for a path that
 * base b and both sides have, not as folders, changed on both sides,
 * not both regular files: NULL when not certain.  Of two different
 * types (process_entry()) and of symlinks changed apart
 * (handle_content_merge()) it keeps the merge base's; of submodules
 * too, when their commits cannot be read (merge_submodule() finds no
 * submodule repository: a bare repository without modules/), as is
 * the daemon's.  A merge base's path that is on both sides is neither
 * a rename's source nor its target.
 */
static const struct tentry *special_in_vbase(struct merge *m,
					     const struct tentry *b,
					     const struct tentry *o,
					     const struct tentry *t)
{
	/* types apart: the base's */
	if ((o->mode & 0170000) != (t->mode & 0170000))
		return b;
	/* two regular files over a special one: a content merge */
	if (is_regular(o))
		return NULL;
	/* symlinks or submodules, so one mode: the trivial merges first */
	if (git_oid_equal(o->oid, b->oid))
		return t;
	if (git_oid_equal(t->oid, b->oid))
		return o;
	if (is_type(o, 0120000))
		return b;
	if (is_type(o, 0160000) && m->no_submodule_repos)
		return b;
	return NULL;
}

/*
 * Merge three trees (any may be NULL: absent).  Returns 0 with *oid the
 * merged tree and *empty set when nothing is left in it, 1 when
 * undecided, or a negative error.
 */
int merge_trees_fast(struct merge *m, struct fast_state *st, struct strbuf *dir,
		     const git_oid *base, const git_oid *ours,
		     const git_oid *theirs, const git_oid *was_ours,
		     const git_oid *was_result, git_oid *oid, bool *empty,
		     struct strbuf *err)
{
	git_tree *tree[5] = { NULL, NULL, NULL, NULL, NULL };
	struct tentry *v[5] = { NULL, NULL, NULL, NULL, NULL };
	const git_oid *ids[5] = { base, ours, theirs, NULL, NULL };
	size_t nr[5] = { 0, 0, 0, 0, 0 }, pos[5] = { 0, 0, 0, 0, 0 };
	struct tree_out out = { 0 };
	size_t dirlen = dir->len;
	bool was = was_ours && was_result;
	int ret = 0, i;

	if (was) {
		ids[3] = was_ours;
		ids[4] = was_result;
	}
	for (i = 0; i < 5; i++) {
		ret = read_tree_entries(m, ids[i], &tree[i], &v[i], &nr[i],
					err);
		if (ret < 0)
			goto out;
	}
	for (;;) {
		const struct tentry *e[5] = { NULL, NULL, NULL, NULL, NULL };
		const struct tentry *b, *o, *t, *wo, *wr, *r;
		const char *name = NULL;

		/* the smallest name not yet done on any side */
		for (i = 0; i < 3; i++)
			if (pos[i] < nr[i] &&
			    (!name || strcmp(v[i][pos[i]].name, name) < 0))
				name = v[i][pos[i]].name;
		if (!name)
			break;
		for (i = 0; i < 3; i++)
			if (pos[i] < nr[i] && !strcmp(v[i][pos[i]].name, name))
				e[i] = &v[i][pos[i]++];
		/* the old merge's names that none of the three has are gone */
		for (i = 3; i < 5; i++) {
			while (pos[i] < nr[i] &&
			       strcmp(v[i][pos[i]].name, name) < 0)
				pos[i]++;
			if (pos[i] < nr[i] && !strcmp(v[i][pos[i]].name, name))
				e[i] = &v[i][pos[i]++];
		}
		b = e[0];
		o = e[1];
		t = e[2];
		wo = e[3];
		wr = e[4];

		if (was && entry_eq(o, wo)) {
			/*
			 * ours is here what it was in the old merge, of the
			 * same base and theirs: so is the result.
			 */
			if (wr)
				out_push(&out, wr->name, wr->mode, wr->oid);
			m->stats.incremental_kept++;
			continue;
		}
		if (entry_eq(o, t)) {
			/*
			 * Deleted on both sides: gone, inside a virtual base
			 * when neither side renamed it (no directory renames
			 * there, merge-ort's merge_ort_internal()).
			 */
			if (!o && st->depth) {
				st->deleted_sides |= 3;
				continue;
			}
			if (!o) {
				fast_undecided(st, "deleted on both sides", dir,
					       name);
				ret = 1;
				goto out;
			}
			out_push(&out, o->name, o->mode, o->oid);
		} else if (entry_eq(b, o)) {
			if (t)
				out_push(&out, t->name, t->mode, t->oid);
		} else if (entry_eq(b, t)) {
			if (o)
				out_push(&out, o->name, o->mode, o->oid);
		} else if ((!o || !t) && st->depth && !is_tree(b) &&
			   !is_tree(o ? o : t)) {
			/*
			 * modify/delete inside a virtual base: merge-ort's
			 * process_entry() keeps the base's version, when the
			 * deleting side did not rename it.
			 */
			st->deleted_sides |= o ? 2 : 1;
			out_push(&out, name, b->mode, b->oid);
		} else if (!o || !t) {
			/* a rename or a modify/delete conflict */
			fast_undecided(st,
				       "deleted on one side, changed on the other",
				       dir, name);
			ret = 1;
			goto out;
		} else if (is_tree(o) && is_tree(t) && (!b || is_tree(b))) {
			git_oid *sub = out_oid(&out, nr[1] + nr[2]);
			bool below = was && wo && wr && is_tree(wo) &&
				     is_tree(wr);
			bool sub_empty;

			strbuf_addstr(dir, name);
			strbuf_addch(dir, '/');
			ret = merge_trees_fast(m, st, dir, b ? b->oid : NULL,
					       o->oid, t->oid,
					       below ? wo->oid : NULL,
					       below ? wr->oid : NULL, sub,
					       &sub_empty, err);
			strbuf_setlen(dir, dirlen);
			if (ret)
				goto out;
			if (!sub_empty)
				out_push(&out, name, GIT_FILEMODE_TREE, sub);
		} else if (is_regular(o) && is_regular(t) &&
			   (!b || is_regular(b))) {
			git_oid *blob = out_oid(&out, nr[1] + nr[2]);
			unsigned int mode;

			ret = merge_file(m, st, dir, b, o, t, blob, &mode, err);
			if (ret)
				goto out;
			out_push(&out, name, mode, blob);
		} else if (st->depth && b && !is_tree(b) && !is_tree(o) &&
			   !is_tree(t) && (r = special_in_vbase(m, b, o, t))) {
			out_push(&out, name, r->mode, r->oid);
		} else {
			fast_undecided(
				st,
				"type changed or special file changed on both sides",
				dir, name);
			ret = 1;
			goto out;
		}
	}
	*empty = !out.nr;
	if (out.nr || !dirlen)
		ret = write_tree(m, st->depth, &out, oid, err);
out:
	free(out.v);
	free(out.oids);
	for (i = 0; i < 5; i++) {
		free(v[i]);
		git_tree_free(tree[i]);
	}
	return ret;
}
