/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Drop a commit from a topic branch by replaying what came after it onto
 * its parent, in memory, and list a branch's commits with their
 * patch-ids for following applied patches across rebases.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <git2.h>

#include "daemon/apply.h"
#include "daemon/drop.h"
#include "lib/error.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* How far back a commit to drop is looked for. */
#define DROP_DEPTH 100000

static void short_hex(char *buf, const git_oid *oid)
{
	git_oid_tostr(buf, 13, oid);
}

int drop_on_branch(struct repo *repo, const char *refname, const char *hex,
		   size_t limit)
{
	git_repository *git = repo_git(repo);
	git_commit *c = NULL, *parent;
	git_oid want, tip;
	size_t n;
	int ret = 0;

	if (git_oid_fromstr(&want, hex) < 0 ||
	    git_reference_name_to_id(&tip, git, refname) < 0 ||
	    git_commit_lookup(&c, git, &tip) < 0)
		return -ENOENT;
	for (n = 0; n < limit; n++) {
		if (git_oid_equal(git_commit_id(c), &want)) {
			ret = 1;
			break;
		}
		if (!git_commit_parentcount(c) ||
		    git_commit_parent(&parent, c, 0) < 0)
			break;
		git_commit_free(c);
		c = parent;
	}
	git_commit_free(c);
	return ret;
}

/*
 * pick was made again as new_oid, the commit slot of res's map: note
 * it, and make it what the next one is made on (onto, cur).
 */
static int replayed(git_repository *git, const git_commit *pick,
		    const git_oid *new_oid, size_t slot, git_commit **onto,
		    git_oid *cur, struct drop_result *res, struct strbuf *err)
{
	git_oid_tostr(res->map[slot].old, sizeof(res->map[0].old),
		      git_commit_id(pick));
	git_oid_tostr(res->map[slot].new, sizeof(res->map[0].new), new_oid);
	git_commit_free(*onto);
	if (git_commit_lookup(onto, git, new_oid) < 0) {
		*onto = NULL;
		return repo_error(err, -EIO, "cannot read a commit");
	}
	git_oid_cpy(cur, new_oid);
	return 0;
}

/*
 * Move refname from tip to cur (compare-and-swap; ERR_STALE, saying
 * what it was doing, when it moved meanwhile) and note the new tip.
 */
static int move_branch(git_repository *git, const char *refname,
		       const git_oid *tip, const git_oid *cur, const char *log,
		       const char *doing, struct drop_result *res,
		       struct strbuf *err)
{
	git_reference *ref = NULL;
	int ret;

	apply_cas_hook(refname);
	ret = git_reference_create_matching(&ref, git, refname, cur, 1, tip,
					    log);
	if (ret == GIT_EMODIFIED || ret == GIT_ELOCKED)
		return repo_error(
			err, ERR_STALE,
			"'%s' moved while %s; nothing was changed, try again",
			refname, doing);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot update the branch");
	git_reference_free(ref);
	git_oid_tostr(res->new_tip, sizeof(res->new_tip), cur);
	return 0;
}

/*
 * The end of a replay: free what it held, and on an error (ret < 0)
 * forget the commits it made again.  ret back.
 */
static int replay_end(int ret, struct drop_result *res, git_commit **later,
		      size_t nr, git_commit *onto, git_signature *committer)
{
	size_t i;

	if (ret < 0) {
		free(res->map);
		res->map = NULL;
		res->nr = 0;
	}
	for (i = 0; i < nr; i++)
		git_commit_free(later[i]);
	free(later);
	git_commit_free(onto);
	git_signature_free(committer);
	return ret;
}

int drop_commit(struct repo *repo, const char *refname, const char *hex,
		const char *committer_name, const char *committer_email,
		struct drop_result *res, struct strbuf *err)
{
	git_repository *git = repo_git(repo);
	git_merge_options mopts = GIT_MERGE_OPTIONS_INIT;
	git_commit **later = NULL, *c = NULL, *onto = NULL, *parent;
	git_signature *committer = NULL;
	git_oid want, tip, cur;
	size_t nr = 0, alloc = 0, i;
	char sh[13];
	int ret;

	memset(res, 0, sizeof(*res));
	if (git_oid_fromstr(&want, hex) < 0)
		return error_set(err, ERR_INVALID, "bad commit id '%s'", hex);
	ret = git_reference_name_to_id(&tip, git, refname);
	if (ret < 0)
		return repo_error(err,
				  ret == GIT_ENOTFOUND ? ERR_NOT_FOUND : -EIO,
				  "cannot read the branch");
	git_oid_tostr(res->old_tip, sizeof(res->old_tip), &tip);
	if (git_commit_lookup(&c, git, &tip) < 0)
		return repo_error(err, -EIO, "cannot read the tip");

	/* Collect the commits after the one to drop, newest first. */
	while (!git_oid_equal(git_commit_id(c), &want)) {
		if (nr == DROP_DEPTH || !git_commit_parentcount(c)) {
			git_commit_free(c);
			ret = error_set(err, ERR_NOT_FOUND,
					"commit %s is not on '%s'", hex,
					refname);
			goto out;
		}
		if (git_commit_parentcount(c) > 1) {
			short_hex(sh, git_commit_id(c));
			git_commit_free(c);
			ret = error_set(err, ERR_UNPROCESSABLE,
					"cannot replay merge commit %s", sh);
			goto out;
		}
		if (nr == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			later = xrealloc(later, alloc * sizeof(*later));
		}
		later[nr++] = c;
		if (git_commit_parent(&parent, c, 0) < 0) {
			ret = repo_error(err, -EIO, "cannot read a parent");
			goto out;
		}
		c = parent;
	}
	if (git_commit_parentcount(c) != 1) {
		unsigned int np = git_commit_parentcount(c);

		git_commit_free(c);
		ret = error_set(err, ERR_UNPROCESSABLE,
				"cannot drop %s: it has %u parents", hex, np);
		goto out;
	}
	ret = git_commit_parent(&onto, c, 0);
	git_commit_free(c);
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot read the parent");
		goto out;
	}

	if (git_signature_now(&committer, committer_name, committer_email) <
	    0) {
		ret = repo_error(err, ERR_INVALID, "bad committer");
		goto out;
	}
	res->map = xcalloc(nr ? nr : 1, sizeof(*res->map));
	git_oid_cpy(&cur, git_commit_id(onto));
	for (i = nr; i-- > 0;) {
		const git_commit *pick = later[i];
		git_index *index = NULL;
		git_tree *tree = NULL;
		git_oid tree_oid, new_oid;

		ret = git_cherrypick_commit(&index, git, (git_commit *)pick,
					    onto, 0, &mopts);
		if (ret < 0) {
			ret = repo_error(err, -EIO, "cannot replay");
			goto out;
		}
		if (git_index_has_conflicts(index)) {
			const git_index_entry *a, *o, *t;
			git_index_conflict_iterator *it;
			const char *path = "?";

			if (!git_index_conflict_iterator_new(&it, index)) {
				if (!git_index_conflict_next(&a, &o, &t, it))
					path = o ? o->path :
					       t ? t->path :
						   a->path;
				path = xstrdup(path);
				git_index_conflict_iterator_free(it);
			} else {
				path = xstrdup(path);
			}
			short_hex(sh, git_commit_id(pick));
			ret = error_set(
				err, ERR_CONFLICT,
				"commit %s (\"%s\") depends on %.12s: replaying it conflicts in '%s'",
				sh, git_commit_summary((git_commit *)pick), hex,
				path);
			free((char *)path);
			git_index_free(index);
			goto out;
		}
		ret = git_index_write_tree_to(&tree_oid, index, git);
		git_index_free(index);
		if (ret < 0 || git_tree_lookup(&tree, git, &tree_oid) < 0) {
			ret = repo_error(err, -EIO, "cannot write a tree");
			goto out;
		}
		ret = git_commit_create(&new_oid, git, NULL,
					git_commit_author(pick), committer,
					git_commit_message_encoding(pick),
					git_commit_message_raw(pick), tree, 1,
					(const git_commit **)&onto);
		git_tree_free(tree);
		if (ret < 0) {
			ret = repo_error(err, -EIO, "cannot write a commit");
			goto out;
		}
		ret = replayed(git, pick, &new_oid, nr - 1 - i, &onto, &cur,
			       res, err);
		if (ret < 0)
			goto out;
	}
	res->nr = nr;
	ret = move_branch(git, refname, &tip, &cur, "cthulhu: drop", "dropping",
			  res, err);
out:
	return replay_end(ret, res, later, nr, onto, committer);
}

/* The commit's diff against its first parent as `git show` prints it. */
static int commit_diff_text(git_repository *git, git_commit *c,
			    struct strbuf *out)
{
	git_diff_options dopts = GIT_DIFF_OPTIONS_INIT;
	git_tree *tree = NULL, *ptree = NULL;
	git_commit *parent = NULL;
	git_diff *diff = NULL;
	git_buf buf = { 0 };
	char **paths = NULL;
	size_t nr_paths = 0;
	int ret;

	dopts.flags |= GIT_DIFF_SHOW_BINARY;
	dopts.id_abbrev = GIT_OID_HEXSZ;
	ret = git_commit_tree(&tree, c);
	if (!ret && git_commit_parentcount(c))
		ret = git_commit_parent(&parent, c, 0);
	if (!ret && parent)
		ret = git_commit_tree(&ptree, parent);
	/*
	 * libgit2's tree diff reads every folder of both trees, 25 ms on a
	 * kernel-sized tree: name it the paths that changed, found without
	 * reading the folders that did not, and it reads only those.
	 */
	if (!ret)
		ret = repo_tree_changes(git, ptree, tree, &paths, &nr_paths);
	if (!ret && !nr_paths)
		goto out;
	dopts.pathspec.strings = paths;
	dopts.pathspec.count = nr_paths;
	dopts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	if (!ret)
		ret = git_diff_tree_to_tree(&diff, git, ptree, tree, &dopts);
	if (!ret)
		ret = git_diff_to_buf(&buf, diff, GIT_DIFF_FORMAT_PATCH);
	if (!ret)
		strbuf_add(out, buf.ptr, buf.size);
out:
	git_buf_dispose(&buf);
	git_diff_free(diff);
	repo_paths_free(paths, nr_paths);
	git_tree_free(ptree);
	git_tree_free(tree);
	git_commit_free(parent);
	return ret;
}

static int commit_info(git_repository *git, git_commit *c, json_t *obj,
		       struct strbuf *err)
{
	struct strbuf diff = STRBUF_INIT;
	char hex[APPLY_HEXSZ + 1], pid[APPLY_HEXSZ + 1];
	const git_signature *a = git_commit_author(c);

	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	if (commit_diff_text(git, c, &diff) < 0) {
		strbuf_release(&diff);
		return repo_error(err, -EIO, "cannot diff a commit");
	}
	if (apply_patch_id(diff.buf, diff.len, pid, NULL) < 0)
		pid[0] = '\0';
	strbuf_release(&diff);
	json_object_set_new(obj, "commit", json_string(hex));
	json_object_set_new(obj, "patch_id", json_string(pid));
	json_object_set_new(obj, "subject",
			    json_string(git_commit_summary(c) ?
						git_commit_summary(c) :
						""));
	json_object_set_new(obj, "author_email",
			    json_string(a && a->email ? a->email : ""));
	return 0;
}

int drop_commit_info(struct repo *repo, const char *hex, json_t *out_obj,
		     struct strbuf *err)
{
	git_repository *git = repo_git(repo);
	git_commit *c;
	git_oid oid;
	int ret;

	if (git_oid_fromstr(&oid, hex) < 0 ||
	    git_commit_lookup(&c, git, &oid) < 0)
		return error_set(err, ERR_NOT_FOUND, "no commit %s", hex);
	ret = commit_info(git, c, out_obj, err);
	git_commit_free(c);
	return ret;
}

int drop_list_commits(struct repo *repo, const char *tip_hex,
		      const char *since_hex, size_t limit, json_t *out,
		      struct strbuf *err)
{
	git_repository *git = repo_git(repo);
	git_revwalk *walk = NULL;
	git_oid oid;
	size_t n = 0;
	int ret;

	if (git_revwalk_new(&walk, git) < 0)
		return repo_error(err, -EIO, "cannot walk");
	/* No sorting: a first-parent walk is in order, and lazy. */
	git_revwalk_sorting(walk, GIT_SORT_NONE);
	git_revwalk_simplify_first_parent(walk);
	if (git_oid_fromstr(&oid, tip_hex) < 0 ||
	    git_revwalk_push(walk, &oid) < 0) {
		ret = repo_error(err, ERR_NOT_FOUND, "no commit");
		goto out;
	}
	if (since_hex && git_oid_fromstr(&oid, since_hex) == 0)
		git_revwalk_hide(walk, &oid);
	while (n < limit && !git_revwalk_next(&oid, walk)) {
		git_commit *c;
		json_t *obj;

		if (git_commit_lookup(&c, git, &oid) < 0)
			continue;
		obj = json_object();
		ret = commit_info(git, c, obj, err);
		git_commit_free(c);
		if (ret < 0) {
			json_decref(obj);
			goto out;
		}
		json_array_append_new(out, obj);
		n++;
	}
	ret = 0;
out:
	git_revwalk_free(walk);
	return ret;
}

int drop_commit_message(struct repo *repo, const char *hex, struct strbuf *out,
			struct strbuf *err)
{
	git_commit *c;
	git_oid oid;

	if (git_oid_fromstr(&oid, hex) < 0 ||
	    git_commit_lookup(&c, repo_git(repo), &oid) < 0)
		return error_set(err, ERR_NOT_FOUND, "no commit %s", hex);
	strbuf_addstr(out, git_commit_message_raw(c));
	git_commit_free(c);
	return 0;
}

/* The new message of c among v[0..nr), or NULL when it keeps its own. */
static const char *reworded(const git_commit *c, const struct drop_reword *v,
			    size_t nr)
{
	char hex[APPLY_HEXSZ + 1];
	size_t i;

	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	for (i = 0; i < nr; i++)
		if (!strcmp(v[i].commit, hex))
			return v[i].message;
	return NULL;
}

int drop_reword(struct repo *repo, const char *refname,
		const struct drop_reword *v, size_t nr,
		const char *committer_name, const char *committer_email,
		struct drop_result *res, struct strbuf *err)
{
	git_repository *git = repo_git(repo);
	git_commit **later = NULL, *c = NULL, *onto = NULL, *parent;
	git_signature *committer = NULL;
	size_t n = 0, alloc = 0, found = 0, i;
	git_oid tip, cur;
	char sh[13];
	int ret;

	memset(res, 0, sizeof(*res));
	ret = git_reference_name_to_id(&tip, git, refname);
	if (ret < 0)
		return repo_error(err,
				  ret == GIT_ENOTFOUND ? ERR_NOT_FOUND : -EIO,
				  "cannot read the branch");
	git_oid_tostr(res->old_tip, sizeof(res->old_tip), &tip);
	if (git_commit_lookup(&c, git, &tip) < 0)
		return repo_error(err, -EIO, "cannot read the tip");

	/* Collect the commits down to the oldest one reworded, newest first. */
	while (found < nr) {
		if (n == DROP_DEPTH || git_commit_parentcount(c) != 1) {
			short_hex(sh, git_commit_id(c));
			ret = git_commit_parentcount(c) > 1 ?
				      error_set(err, ERR_UNPROCESSABLE,
						"cannot rewrite merge commit %s",
						sh) :
				      error_set(err, ERR_NOT_FOUND,
						"a commit to reword is not on '%s'",
						refname);
			git_commit_free(c);
			goto out;
		}
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			later = xrealloc(later, alloc * sizeof(*later));
		}
		later[n++] = c;
		found += reworded(c, v, nr) != NULL;
		if (git_commit_parent(&parent, c, 0) < 0) {
			ret = repo_error(err, -EIO, "cannot read a parent");
			goto out;
		}
		c = parent;
	}
	onto = c;

	if (git_signature_now(&committer, committer_name, committer_email) <
	    0) {
		ret = repo_error(err, ERR_INVALID, "bad committer");
		goto out;
	}
	res->map = xcalloc(n ? n : 1, sizeof(*res->map));
	git_oid_cpy(&cur, git_commit_id(onto));
	for (i = n; i-- > 0;) {
		const git_commit *pick = later[i];
		const char *msg = reworded(pick, v, nr);
		git_tree *tree = NULL;
		git_oid new_oid;

		ret = git_commit_tree(&tree, pick);
		if (ret == 0)
			ret = git_commit_create(&new_oid, git, NULL,
						git_commit_author(pick),
						committer,
						msg ? NULL :
						      git_commit_message_encoding(
							      pick),
						msg ? msg :
						      git_commit_message_raw(
							      pick),
						tree, 1,
						(const git_commit **)&onto);
		git_tree_free(tree);
		if (ret < 0) {
			ret = repo_error(err, -EIO, "cannot write a commit");
			goto out;
		}
		ret = replayed(git, pick, &new_oid, n - 1 - i, &onto, &cur, res,
			       err);
		if (ret < 0)
			goto out;
	}
	res->nr = n;
	ret = move_branch(git, refname, &tip, &cur, "cthulhu: update trailers",
			  "rewriting", res, err);
out:
	return replay_end(ret, res, later, n, onto, committer);
}
