/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The object and ref access the Cthulhu merge and the gate need on the
 * merge module's repository (merge.h's last part): commits read and
 * written, refs moved compare-and-swap, tags, pushes, paths of trees.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/merge-internal.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

int merge_resolve_commit(struct merge *m, const char *rev, char *hex,
			 struct strbuf *err)
{
	return repo_git_resolve_commit(m->repo, rev, hex, err);
}

int merge_commit_info(struct merge *m, const char *commit, char *tree,
		      char (**parents)[MERGE_HEXSZ + 1], size_t *nr,
		      struct strbuf *err)
{
	struct dag_node *n;
	uint32_t idx, i;
	int ret;

	ret = lookup_commit_node(m, commit, &idx, err);
	if (ret < 0)
		return ret;
	n = &m->dag.nodes[idx];
	if (tree)
		git_oid_tostr(tree, MERGE_HEXSZ + 1, &n->tree);
	if (parents) {
		*parents = xcalloc(n->nr_parents + 1, sizeof(**parents));
		for (i = 0; i < n->nr_parents; i++)
			git_oid_tostr((*parents)[i], MERGE_HEXSZ + 1,
				      &m->dag.nodes[m->dag.parent_pool
							    [n->parents + i]]
					       .oid);
		*nr = n->nr_parents;
	}
	return 0;
}

int merge_commit_message(struct merge *m, const char *commit, char **msg,
			 struct strbuf *err)
{
	git_commit *c;
	git_oid oid;
	int ret;

	ret = parse_hex(commit, &oid, err);
	if (ret < 0)
		return ret;
	ret = git_commit_lookup(&c, m->repo, &oid);
	if (ret < 0)
		return repo_error(err, ERR_NOT_FOUND, "cannot read commit '%s'",
				  commit);
	*msg = xstrdup(git_commit_message(c));
	git_commit_free(c);
	return 0;
}

int merge_write_commit(struct merge *m, const char *tree,
		       const char *const *parents, size_t nr_parents,
		       const char *message, const char *name, const char *email,
		       int64_t when, char *out, struct strbuf *err)
{
	struct strbuf buf = STRBUF_INIT;
	git_oid oid;
	size_t i;
	int ret;

	ret = parse_hex(tree, &oid, err);
	for (i = 0; !ret && i < nr_parents; i++)
		ret = parse_hex(parents[i], &oid, err);
	if (ret < 0)
		return ret;
	strbuf_addf(&buf, "tree %s\n", tree);
	for (i = 0; i < nr_parents; i++)
		strbuf_addf(&buf, "parent %s\n", parents[i]);
	strbuf_addf(&buf, "author %s <%s> %" PRId64 " +0000\n", name, email,
		    when);
	strbuf_addf(&buf, "committer %s <%s> %" PRId64 " +0000\n\n", name,
		    email, when);
	strbuf_addstr(&buf, message);
	if (!buf.len || buf.buf[buf.len - 1] != '\n')
		strbuf_addch(&buf, '\n');
	ret = merge_odb_write(m, &oid, buf.buf, buf.len, GIT_OBJECT_COMMIT);
	strbuf_release(&buf);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot write commit");
	git_oid_tostr(out, MERGE_HEXSZ + 1, &oid);
	return 0;
}

static size_t log_entries(struct merge *m, const char *ref)
{
	git_reflog *log;
	size_t n;

	if (git_reflog_read(&log, m->repo, ref) < 0)
		return 0;
	n = git_reflog_entrycount(log);
	git_reflog_free(log);
	return n;
}

/*
 * libgit2 writes no reflog in a bare repository (core.logAllRefUpdates
 * defaults to false there, as in git); the builds of next want one.
 */
static int append_reflog(struct merge *m, const char *ref, const char *new_hex,
			 const char *old_hex, const char *msg,
			 struct strbuf *err)
{
	git_signature *sig = NULL;
	git_reflog *log = NULL;
	git_oid oid;
	int ret;

	git_oid_fromstr(&oid, new_hex);
	ret = git_signature_now(&sig, m->ident_name ? m->ident_name : "cthulhu",
				m->ident_email ? m->ident_email :
						 "cthulhu@localhost");
	if (!ret)
		ret = git_reflog_read(&log, m->repo, ref);
	if (!ret)
		ret = git_reflog_append(log, &oid, sig, msg);
	if (!ret)
		ret = git_reflog_write(log);
	git_reflog_free(log);
	git_signature_free(sig);
	if (ret < 0)
		log_warn("cannot write the reflog of '%s': %s", ref,
			 git_error_last() ? git_error_last()->message : "?");
	return 0;
}

/* Fewer objects than this in a batch are written loose. */
#define BATCH_PACK_MIN 32

int merge_odb_write(struct merge *m, git_oid *oid, const void *data, size_t len,
		    git_object_t type)
{
	int ret;

	if (!m->batching)
		return git_odb_write(oid, m->odb, data, len, type);
	ret = git_odb_hash(oid, data, len, type);
	/*
	 * A loose copy is written again, as git_odb_write() freshens it:
	 * git gc prunes old unreachable loose objects.
	 */
	if (ret < 0 || m->pack_be->exists(m->pack_be, oid) ||
	    m->batch->exists(m->batch, oid))
		return ret;
	ret = m->batch->write(m->batch, oid, data, len, type);
	if (ret < 0)
		return ret;
	if (m->batch_nr == m->batch_alloc) {
		m->batch_alloc = m->batch_alloc ? 2 * m->batch_alloc : 256;
		m->batch_oids =
			xrealloc(m->batch_oids,
				 m->batch_alloc * sizeof(*m->batch_oids));
	}
	git_oid_cpy(&m->batch_oids[m->batch_nr++], oid);
	return 0;
}

void merge_batch_begin(struct merge *m)
{
	m->batching = m->batch != NULL;
}

/*
 * The batch's objects as one pack in objects/pack (a .pack and its
 * .idx): each object on its own, not what it refers to, which
 * git_mempack_dump() would add (a whole tree each commit).
 */
static int write_pack(struct merge *m, struct strbuf *err)
{
	git_indexer_progress stats = { 0 };
	git_odb_writepack *wp = NULL;
	git_packbuilder *pb = NULL;
	git_buf pack = { 0 };
	size_t i;
	int ret;

	ret = git_packbuilder_new(&pb, m->repo);
	for (i = 0; !ret && i < m->batch_nr; i++)
		ret = git_packbuilder_insert(pb, &m->batch_oids[i], NULL);
	/* made in memory, then indexed in one go: far fewer system calls */
	if (!ret)
		ret = git_packbuilder_write_buf(&pack, pb);
	if (!ret)
		ret = git_odb_write_pack(&wp, m->odb, NULL, NULL);
	if (!ret)
		ret = wp->append(wp, pack.ptr, pack.size, &stats);
	if (!ret)
		ret = wp->commit(wp, &stats);
	if (ret < 0)
		repo_error(err, -EIO, "cannot write a pack of %zu objects",
			   m->batch_nr);
	if (wp)
		wp->free(wp);
	git_buf_dispose(&pack);
	git_packbuilder_free(pb);
	return ret < 0 ? -EIO : 0;
}

/* The batch's objects one loose object each. */
static int write_loose(struct merge *m, struct strbuf *err)
{
	git_object_t type;
	size_t i, len;
	void *data;
	int ret = 0;

	for (i = 0; !ret && i < m->batch_nr; i++) {
		ret = m->batch->read(&data, &len, &type, m->batch,
				     &m->batch_oids[i]);
		if (ret < 0)
			break;
		ret = m->loose_be->write(m->loose_be, &m->batch_oids[i], data,
					 len, type);
		git_odb_backend_data_free(m->batch, data);
	}
	if (ret < 0)
		return repo_error(err, -EIO, "cannot write object '%s'",
				  git_oid_tostr_s(&m->batch_oids[i]));
	return 0;
}

/*
 * The batch could not be written: the merges remembered may name its
 * objects, which are gone with it.
 */
static void batch_lost(struct merge *m)
{
	log_warn("merge: forgetting the merges made since the batch began");
	memo_release(&m->memo);
	memo_init(&m->memo, "trees");
	memo_release(&m->commit_memo);
	memo_init(&m->commit_memo, "commits");
	m->nr_new_memos = 0;
	if (m->last)
		memset(m->last, 0, m->last_size * sizeof(*m->last));
	m->last_nr = 0;
	m->last_bases.used = false;
}

/*
 * Write the batch out: as a pack when the objects are many, else loose.
 * Also before git is asked for a merge (it reads ours from the
 * repository): a build makes a pack more then, as it would make that
 * many loose objects.
 */
int batch_flush(struct merge *m, struct strbuf *err)
{
	size_t i;
	int ret = 0;

	if (!m->batching)
		return 0;
	/* the virtual bases a caller will keep go with the rest */
	for (i = 0; !ret && i < m->nr_new_vbases; i++)
		ret = copy_to_disk(m, &m->new_vbases[i][1]);
	if (ret < 0) {
		ret = repo_error(err, -EIO,
				 "cannot write a virtual merge base");
		goto out;
	}
	if (m->batch_nr >= BATCH_PACK_MIN) {
		ret = write_pack(m, err);
		if (!ret)
			goto out;
		log_warn("%s; writing loose objects", err->buf);
		strbuf_reset(err);
	}
	ret = write_loose(m, err);
out:
	if (ret < 0)
		batch_lost(m);
	git_mempack_reset(m->batch);
	m->batch_nr = 0;
	return ret;
}

int merge_batch_end(struct merge *m, struct strbuf *err)
{
	int ret = batch_flush(m, err);

	m->batching = false;
	return ret;
}

int merge_update_ref(struct merge *m, const char *ref, const char *new_hex,
		     const char *old_hex, const char *reflog,
		     struct strbuf *err)
{
	git_reference *r = NULL;
	git_oid new_oid, old_oid;
	size_t before;
	int ret;

	ret = merge_batch_end(m, err);
	if (ret < 0)
		return ret;
	ret = parse_hex(new_hex, &new_oid, err);
	if (ret < 0)
		return ret;
	before = log_entries(m, ref);
	if (old_hex && *old_hex) {
		ret = parse_hex(old_hex, &old_oid, err);
		if (ret < 0)
			return ret;
		ret = git_reference_create_matching(&r, m->repo, ref, &new_oid,
						    1, &old_oid, reflog);
	} else {
		ret = git_reference_create(&r, m->repo, ref, &new_oid, 0,
					   reflog);
	}
	git_reference_free(r);
	if (!ret && log_entries(m, ref) == before)
		ret = append_reflog(m, ref, new_hex, old_hex, reflog, err);
	if (ret == GIT_EMODIFIED || ret == GIT_EEXISTS)
		return repo_error(err, ERR_STALE,
				  "'%s' moved during the update", ref);
	if (ret == GIT_ELOCKED)
		return repo_error(err, ERR_STALE, "'%s' is locked", ref);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot update '%s'", ref);
	return 0;
}

int merge_delete_ref(struct merge *m, const char *ref, const char *old_hex,
		     struct strbuf *err)
{
	git_reference *r = NULL;
	git_oid old_oid;
	int ret;

	ret = parse_hex(old_hex, &old_oid, err);
	if (ret < 0)
		return ret;
	ret = git_reference_lookup(&r, m->repo, ref);
	if (ret == GIT_ENOTFOUND)
		return error_set(err, ERR_STALE, "'%s' is gone", ref);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot read '%s'", ref);
	if (git_reference_type(r) != GIT_REFERENCE_DIRECT ||
	    !git_oid_equal(git_reference_target(r), &old_oid)) {
		git_reference_free(r);
		return error_set(err, ERR_STALE, "'%s' moved during the update",
				 ref);
	}
	/* fails with GIT_EMODIFIED when the ref moved since the lookup */
	ret = git_reference_delete(r);
	git_reference_free(r);
	if (ret == GIT_EMODIFIED)
		return repo_error(err, ERR_STALE,
				  "'%s' moved during the update", ref);
	if (ret == GIT_ELOCKED)
		return repo_error(err, ERR_STALE, "'%s' is locked", ref);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot delete '%s'", ref);
	return 0;
}

void merge_set_ident(struct merge *m, const char *name, const char *email)
{
	free(m->ident_name);
	free(m->ident_email);
	m->ident_name = xstrdup_or_null(name);
	m->ident_email = xstrdup_or_null(email);
	git_repository_set_ident(m->repo, name, email);
}

struct tag_cand {
	int64_t date;
	char hex[MERGE_HEXSZ + 1];
	const char *name; /* borrowed from the tag list */
};

static int cmp_tag_cand(const void *va, const void *vb)
{
	const struct tag_cand *a = va, *b = vb;

	return a->date > b->date ? -1 : a->date < b->date;
}

/*
 * Test the candidates newest first, so that a kernel's 1,500 v* tags cost
 * one ancestry walk rather than one walk down the whole history each.
 */
int merge_newest_tag(struct merge *m, const char *pattern,
		     const char *reachable_from, char *hex, char **name,
		     struct strbuf *err)
{
	struct tag_cand *c = NULL, *best = NULL;
	char tip[MERGE_HEXSZ + 1];
	git_strarray names = { 0 };
	struct strbuf ref = STRBUF_INIT;
	size_t i, nr = 0;
	uint32_t idx;
	bool yes;
	int ret;

	*name = NULL;
	if (reachable_from) {
		ret = merge_resolve_commit(m, reachable_from, tip, err);
		if (ret < 0)
			return ret;
	}
	ret = git_tag_list_match(&names, pattern, m->repo);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot list tags");
	c = xcalloc(names.count + 1, sizeof(*c));
	for (i = 0; i < names.count; i++) {
		strbuf_reset(&ref);
		strbuf_addf(&ref, "refs/tags/%s", names.strings[i]);
		if (merge_resolve_commit(m, ref.buf, c[nr].hex, NULL) < 0 ||
		    lookup_commit_node(m, c[nr].hex, &idx, NULL) < 0)
			continue;
		c[nr].date = m->dag.nodes[idx].date;
		c[nr].name = names.strings[i];
		nr++;
	}
	qsort(c, nr, sizeof(*c), cmp_tag_cand);
	for (i = 0; i < nr; i++) {
		if (best && c[i].date < best->date)
			break;
		if (reachable_from &&
		    (merge_is_ancestor(m, c[i].hex, tip, &yes, NULL) < 0 ||
		     !yes))
			continue;
		/* equal dates: the one that has the other in its history */
		if (best && (merge_is_ancestor(m, best->hex, c[i].hex, &yes,
					       NULL) < 0 ||
			     !yes))
			continue;
		best = &c[i];
	}
	if (best) {
		memcpy(hex, best->hex, MERGE_HEXSZ + 1);
		*name = xstrdup(best->name);
	}
	free(c);
	git_strarray_dispose(&names);
	strbuf_release(&ref);
	if (!*name)
		return error_set(err, ERR_NOT_FOUND, "no tag '%s'%s%s", pattern,
				 reachable_from ? " on " : "",
				 reachable_from ? reachable_from : "");
	return 0;
}

int merge_push(struct merge *m, const char *remote_name,
	       const char *const *refspecs, size_t nr, struct strbuf *err)
{
	git_push_options opts = GIT_PUSH_OPTIONS_INIT;
	git_strarray specs = { (char **)refspecs, nr };
	git_remote *remote = NULL;
	int ret;

	ret = git_remote_lookup(&remote, m->repo, remote_name);
	if (ret == GIT_ENOTFOUND || ret == GIT_EINVALIDSPEC)
		ret = git_remote_create_anonymous(&remote, m->repo,
						  remote_name);
	if (ret < 0)
		return repo_error(err, ERR_INVALID, "unknown remote '%s'",
				  remote_name);
	ret = git_remote_push(remote, &specs, &opts);
	git_remote_free(remote);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot push to '%s'",
				  remote_name);
	return 0;
}

int merge_read_path(struct merge *m, const char *tree, const char *path,
		    struct strbuf *out, struct strbuf *err)
{
	git_tree_entry *e = NULL;
	git_tree *t = NULL;
	git_blob *blob = NULL;
	git_oid oid;
	int ret;

	ret = parse_hex(tree, &oid, err);
	if (ret < 0)
		return ret;
	ret = git_tree_lookup(&t, m->repo, &oid);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot read tree '%s'", tree);
	ret = git_tree_entry_bypath(&e, t, path);
	if (ret < 0 || git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		ret = error_set(err, ERR_NOT_FOUND, "no file '%s' in '%s'",
				path, tree);
		goto out;
	}
	ret = git_blob_lookup(&blob, m->repo, git_tree_entry_id(e));
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot read '%s'", path);
		goto out;
	}
	strbuf_add(out, git_blob_rawcontent(blob), git_blob_rawsize(blob));
	ret = 0;
out:
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(t);
	return ret;
}

int merge_replace_paths(struct merge *m, const char *tree,
			const char *const *paths, const struct strbuf *contents,
			size_t nr, char *out, struct strbuf *err)
{
	git_tree_update *up = xcalloc(nr ? nr : 1, sizeof(*up));
	git_tree_entry *e = NULL;
	git_tree *t = NULL;
	git_oid oid;
	size_t i;
	int ret;

	ret = parse_hex(tree, &oid, err);
	if (ret < 0)
		goto out;
	ret = git_tree_lookup(&t, m->repo, &oid);
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot read tree '%s'", tree);
		goto out;
	}
	for (i = 0; i < nr; i++) {
		up[i].action = GIT_TREE_UPDATE_UPSERT;
		up[i].path = paths[i];
		up[i].filemode = GIT_FILEMODE_BLOB;
		if (!git_tree_entry_bypath(&e, t, paths[i])) {
			if (git_tree_entry_filemode(e) ==
			    GIT_FILEMODE_BLOB_EXECUTABLE)
				up[i].filemode = GIT_FILEMODE_BLOB_EXECUTABLE;
			git_tree_entry_free(e);
			e = NULL;
		}
		ret = git_odb_write(&up[i].id, m->odb, contents[i].buf,
				    contents[i].len, GIT_OBJECT_BLOB);
		if (ret < 0) {
			ret = repo_error(err, -EIO, "cannot write blob");
			goto out;
		}
	}
	ret = git_tree_create_updated(&oid, m->repo, t, nr, up);
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot write tree");
		goto out;
	}
	git_oid_tostr(out, MERGE_HEXSZ + 1, &oid);
out:
	git_tree_free(t);
	free(up);
	return ret;
}

int merge_file_contents(const struct strbuf *base, const struct strbuf *ours,
			const struct strbuf *theirs, struct strbuf *out,
			bool *clean, struct strbuf *err)
{
	git_merge_file_input in[3] = { GIT_MERGE_FILE_INPUT_INIT,
				       GIT_MERGE_FILE_INPUT_INIT,
				       GIT_MERGE_FILE_INPUT_INIT };
	const struct strbuf *sb[3] = { base, ours, theirs };
	git_merge_file_result r = { 0 };
	int ret, i;

	for (i = 0; i < 3; i++) {
		in[i].ptr = sb[i]->buf;
		in[i].size = sb[i]->len;
	}
	ret = git_merge_file(&r, &in[0], &in[1], &in[2], NULL);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot merge");
	*clean = r.automergeable;
	strbuf_add(out, r.ptr, r.len);
	git_merge_file_result_free(&r);
	return 0;
}

void merge_hash_hex(const void *data, size_t len, char *hex)
{
	git_oid oid;

	git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB);
	git_oid_tostr(hex, MERGE_HEXSZ + 1, &oid);
}
