// SPDX-License-Identifier: GPL-2.0
/*
 * The range-diff of two versions of a series: both applied in memory
 * (apply_onto() into a repository whose object writes go to libgit2's
 * mempack backend), each commit turned into range-diff's text from its
 * libgit2 diff, then daemon/range-diff.c pairs and prints them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include "daemon/apply.h"
#include "daemon/mail.h"
#include "daemon/repo.h"
#include "daemon/series-range.h"
#include "daemon/store/row.h"
#include "daemon/store/series.h"
#include "daemon/store/topics.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* The patches of one version, parsed for apply_onto(). */
struct side_mail {
	struct mail **mails;
	struct strbuf *msgs;
	struct apply_patch *ps;
	char (*names)[64];
	size_t nr;
	int64_t date;
};

static void side_mail_release(struct side_mail *sm)
{
	size_t i;

	for (i = 0; i < sm->nr; i++) {
		mail_free(sm->mails[i]);
		strbuf_release(&sm->msgs[i]);
	}
	free(sm->mails);
	free(sm->msgs);
	free(sm->ps);
	free(sm->names);
	memset(sm, 0, sizeof(*sm));
}

static int side_mail_load(struct db *db, const struct store_series *s,
			  struct side_mail *sm, struct strbuf *err)
{
	struct store_patch_list list = { 0 };
	struct strbuf raw = STRBUF_INIT;
	size_t i;
	int ret;

	memset(sm, 0, sizeof(*sm));
	sm->date = s->date;
	ret = store_series_patches(db, s->id, &list, err);
	if (ret < 0)
		return ret;
	ALLOC_ARRAY(sm->mails, list.nr + 1);
	ALLOC_ARRAY(sm->msgs, list.nr + 1);
	ALLOC_ARRAY(sm->ps, list.nr + 1);
	ALLOC_ARRAY(sm->names, list.nr + 1);
	for (i = 0; i < list.nr; i++) {
		const struct store_patch *p = &list.v[i];
		size_t k = sm->nr;

		if (!p->has_diff)
			continue;
		strbuf_reset(&raw);
		ret = store_message_raw(db, p->msgid, &raw, err);
		if (ret == 0)
			ret = mail_parse(raw.buf, raw.len, &sm->mails[k], err);
		if (ret < 0)
			goto out;
		snprintf(sm->names[k], sizeof(sm->names[k]),
			 "patch %lld/%lld of series %lld", (long long)p->number,
			 (long long)s->total, (long long)s->id);
		strbuf_init(&sm->msgs[k], 0);
		apply_patch_from_mail(&sm->ps[k], sm->mails[k], sm->names[k],
				      &sm->msgs[k]);
		sm->nr++;
	}
	if (!sm->nr)
		ret = error_set(err, ERR_UNPROCESSABLE,
				"series %lld has no patch with a diff",
				(long long)s->id);
out:
	strbuf_release(&raw);
	store_patch_list_release(&list);
	return ret;
}

/* A repository of the tree whose new objects stay in memory. */
static int open_in_memory(struct repo **out, struct strbuf *err)
{
	struct repo *shared = repo_thread(err);
	git_odb_backend *mempack = NULL;
	git_odb *odb = NULL;
	int ret;

	if (!shared)
		return -EIO;
	ret = repo_open(repo_path(shared), out, err);
	if (ret < 0)
		return ret;
	if (git_repository_odb(&odb, repo_git(*out)) < 0 ||
	    git_mempack_new(&mempack) < 0 ||
	    git_odb_add_backend(odb, mempack, 999) < 0) {
		ret = repo_error(err, -EIO, "cannot set up an in-memory store");
		/* Not the odb's unless it was added. */
		if (mempack)
			mempack->free(mempack);
		repo_free(*out);
		*out = NULL;
	}
	git_odb_free(odb);
	return ret;
}

/* Each file, hunk and line of c's diff to its first parent. */
static int commit_text_diff(git_repository *git, git_commit *c,
			    struct range_diff_commit *rc)
{
	git_diff_options dopts = GIT_DIFF_OPTIONS_INIT;
	git_diff_find_options fopts = GIT_DIFF_FIND_OPTIONS_INIT;
	git_tree *tree = NULL, *ptree = NULL;
	git_commit *parent = NULL;
	git_diff *diff = NULL;
	size_t i, h, l;
	int ret;

	ret = git_commit_tree(&tree, c);
	if (!ret && git_commit_parentcount(c))
		ret = git_commit_parent(&parent, c, 0);
	if (!ret && parent)
		ret = git_commit_tree(&ptree, parent);
	if (!ret)
		ret = git_diff_tree_to_tree(&diff, git, ptree, tree, &dopts);
	/* git log finds renames (diff.renames), and so does range-diff. */
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if (!ret)
		ret = git_diff_find_similar(diff, &fopts);
	for (i = 0; !ret && i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		git_patch *patch = NULL;

		range_diff_file(rc,
				d->status == GIT_DELTA_ADDED ? NULL :
							       d->old_file.path,
				d->status == GIT_DELTA_DELETED ?
					NULL :
					d->new_file.path,
				d->old_file.mode, d->new_file.mode);
		ret = git_patch_from_diff(&patch, diff, i);
		for (h = 0; !ret && patch && h < git_patch_num_hunks(patch);
		     h++) {
			const git_diff_hunk *hunk;
			size_t nr_lines;

			ret = git_patch_get_hunk(&hunk, &nr_lines, patch, h);
			if (ret)
				break;
			range_diff_hunk(rc, hunk->header, hunk->header_len);
			for (l = 0; l < nr_lines; l++) {
				const git_diff_line *line;

				ret = git_patch_get_line_in_hunk(&line, patch,
								 h, l);
				if (ret)
					break;
				if (line->origin ==
					    GIT_DIFF_LINE_CONTEXT_EOFNL ||
				    line->origin == GIT_DIFF_LINE_ADD_EOFNL ||
				    line->origin == GIT_DIFF_LINE_DEL_EOFNL) {
					range_diff_line(
						rc, ' ',
						"\\ No newline at end of file",
						27);
					continue;
				}
				range_diff_line(rc, line->origin, line->content,
						line->content_len);
			}
		}
		git_patch_free(patch);
	}
	git_diff_free(diff);
	git_tree_free(ptree);
	git_tree_free(tree);
	git_commit_free(parent);
	return ret;
}

/* Apply one version onto base and read its commits into side. */
static int side_apply(struct repo *mem, const struct side_mail *sm,
		      struct series_range_side *side, struct strbuf *err)
{
	git_repository *git = repo_git(mem);
	struct apply_opts opts = { 0 };
	struct apply_done *done;
	size_t i;
	int ret;

	/*
	 * The commits are compared, never kept: no sign-off or Link: of
	 * the maintainer's, and a fixed committer, so that asking again
	 * gives the same SHA1s.
	 */
	opts.committer_name = "cthulhu";
	opts.committer_email = "cthulhu@localhost";
	opts.committer_time = sm->date > 0 ? sm->date : 1;
	opts.three_way = true;
	ALLOC_ARRAY(done, sm->nr + 1);
	ret = apply_onto(mem, side->base, sm->ps, sm->nr, &opts, done, err);
	if (ret < 0)
		goto out;
	ALLOC_ARRAY(side->commits, sm->nr + 1);
	for (i = 0; i < sm->nr; i++) {
		struct range_diff_commit *rc = &side->commits[i];
		const git_signature *a;
		git_commit *c;
		git_oid oid;

		if (git_oid_fromstr(&oid, done[i].commit) < 0 ||
		    git_commit_lookup(&c, git, &oid) < 0) {
			ret = repo_error(err, -EIO, "cannot read commit %s",
					 done[i].commit);
			goto out;
		}
		a = git_commit_author(c);
		range_diff_begin(rc, done[i].commit, a->name, a->email,
				 git_commit_message(c));
		side->nr++;
		ret = commit_text_diff(git, c, rc);
		git_commit_free(c);
		if (ret < 0) {
			ret = repo_error(err, -EIO, "cannot diff commit %s",
					 done[i].commit);
			goto out;
		}
	}
out:
	free(done);
	return ret;
}

static void side_release(struct series_range_side *side)
{
	size_t i;

	for (i = 0; i < side->nr; i++)
		range_diff_commit_release(&side->commits[i]);
	free(side->commits);
	side->commits = NULL;
	side->nr = 0;
}

/* The base a version's base-commit: names, when the tree has it. */
static bool base_commit(struct repo *mem, const struct store_series *s,
			char *hex)
{
	if (!s->base_commit || !*s->base_commit)
		return false;
	return repo_resolve_commit(mem, s->base_commit, hex, NULL) == 0;
}

/*
 * Apply both versions: a version with a base-commit: the tree has goes
 * there, the others onto the tip of topic, or of each topic in order
 * until both apply.
 */
static int apply_both(struct db *db, struct repo *mem,
		      const struct store_series *so,
		      const struct store_series *sn, const char *topic,
		      struct series_range *r, struct strbuf *err)
{
	struct side_mail mo = { 0 }, mn = { 0 };
	struct store_topic_list topics = { 0 };
	struct strbuf why = STRBUF_INIT;
	bool old_fixed, new_fixed;
	size_t t = 0;
	int ret;

	ret = side_mail_load(db, so, &mo, err);
	if (!ret)
		ret = side_mail_load(db, sn, &mn, err);
	if (ret < 0)
		goto out;
	old_fixed = base_commit(mem, so, r->old.base);
	new_fixed = base_commit(mem, sn, r->new.base);
	if (old_fixed)
		r->old.base_from = "base-commit";
	if (new_fixed)
		r->new.base_from = "base-commit";
	if (old_fixed && new_fixed) {
		ret = side_apply(mem, &mo, &r->old, err);
		if (!ret)
			ret = side_apply(mem, &mn, &r->new, err);
		goto out;
	}
	if (topic) {
		struct store_topic one;

		ret = store_topic_get(db, topic, &one, err);
		if (ret < 0)
			goto out;
		topics.v = xcalloc(1, sizeof(*topics.v));
		topics.v[0] = one;
		topics.nr = 1;
	} else {
		ret = store_topics_list(db, false, &topics, err);
		if (ret < 0)
			goto out;
	}
	ret = error_set(
		err, ERR_UNPROCESSABLE,
		"series %lld has no base: no base-commit: the tree has, and no topic",
		(long long)sn->id);
	for (t = 0; t < topics.nr; t++) {
		const struct store_topic *tp = &topics.v[t];
		char tip[REPO_HEXSZ + 1];

		if (repo_ref_oid(mem, tp->branch, tip, NULL) < 0)
			continue;
		free(r->topic);
		r->topic = xstrdup(tp->name);
		if (!old_fixed) {
			memcpy(r->old.base, tip, sizeof(tip));
			r->old.base_from = r->topic;
		}
		if (!new_fixed) {
			memcpy(r->new.base, tip, sizeof(tip));
			r->new.base_from = r->topic;
		}
		side_release(&r->old);
		side_release(&r->new);
		strbuf_reset(err);
		ret = side_apply(mem, &mo, &r->old, err);
		if (!ret)
			ret = side_apply(mem, &mn, &r->new, err);
		if (!ret || ret != ERR_UNPROCESSABLE)
			break;
		if (why.len)
			strbuf_addstr(&why, "; ");
		strbuf_addf(&why, "on '%s': %s", tp->name, err->buf);
	}
	if (ret == ERR_UNPROCESSABLE && why.len) {
		strbuf_reset(err);
		strbuf_addf(err, "cannot apply both versions: %s", why.buf);
	}
out:
	strbuf_release(&why);
	store_topic_list_release(&topics);
	side_mail_release(&mo);
	side_mail_release(&mn);
	return ret;
}

int series_range_diff(struct db *db, int64_t id, const char *topic,
		      struct series_range *out, struct strbuf *err)
{
	struct store_series s = { 0 }, other = { 0 };
	const struct store_series *so, *sn;
	struct repo *mem = NULL;
	int64_t other_id;
	bool found;
	int ret;

	memset(out, 0, sizeof(*out));
	strbuf_init(&out->text, 0);
	ret = store_series_get(db, id, &s, &found, err);
	if (ret < 0)
		return ret;
	if (!found) {
		ret = error_set(err, ERR_NOT_FOUND, "unknown series %lld",
				(long long)id);
		goto out;
	}
	other_id = s.supersedes != STORE_NONE ? s.supersedes : s.superseded_by;
	if (other_id == STORE_NONE || other_id <= 0) {
		ret = error_set(err, ERR_NOT_FOUND,
				"series %lld has no other version to compare with",
				(long long)id);
		goto out;
	}
	ret = store_series_get(db, other_id, &other, &found, err);
	if (ret < 0)
		goto out;
	if (!found) {
		ret = error_set(err, ERR_NOT_FOUND, "unknown series %lld",
				(long long)other_id);
		goto out;
	}
	/* Older first, whichever was asked for. */
	so = s.supersedes == other_id ? &other : &s;
	sn = so == &s ? &other : &s;
	out->old.series_id = so->id;
	out->old.version = so->version;
	out->new.series_id = sn->id;
	out->new.version = sn->version;

	ret = open_in_memory(&mem, err);
	if (ret < 0)
		goto out;
	ret = apply_both(db, mem, so, sn, topic, out, err);
	if (ret < 0)
		goto out;
	range_diff_compute(out->old.commits, out->old.nr, out->new.commits,
			   out->new.nr, RANGE_DIFF_CREATION_FACTOR, &out->rd);
	range_diff_format(out->old.commits, out->old.nr, out->new.commits,
			  out->new.nr, &out->rd, &out->text);
out:
	if (mem)
		repo_free(mem);
	store_series_release(&other);
	store_series_release(&s);
	return ret;
}

void series_range_release(struct series_range *r)
{
	side_release(&r->old);
	side_release(&r->new);
	free(r->rd.pairs);
	free(r->topic);
	strbuf_release(&r->text);
	memset(r, 0, sizeof(*r));
}
