/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The three-way merge of two commits, exact to git's merge-ort, with a
 * fast path that costs what the two sides changed where they overlap.
 *
 * merge_commits() asks, in order: the memo of the same two commits;
 * the merge bases (merge-dag.c) and their tree, a virtual one when
 * there are several (merge-vbase.c); the memo of the same three trees
 * (merge-memo.c); the fast tree merge (merge-fast.c); and where that is
 * undecided, the fallback (merge-fallback.c), git itself.  Its results
 * go to the memos.  merge-internal.h lists the files and what each
 * gives the others; merge-objects.c holds the object and ref access of
 * merge.h's last part.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/merge-internal.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "daemon/testhook.h"
#include "lib/xalloc.h"

/* Bytes of virtual bases' objects kept in memory before starting afresh. */
#define MEMPACK_MAX (128u << 20)

int parse_hex(const char *hex, git_oid *oid, struct strbuf *err)
{
	if (!hex || strlen(hex) != MERGE_HEXSZ || git_oid_fromstr(oid, hex) < 0)
		return error_set(err, ERR_INVALID, "'%s' is not an object name",
				 hex ? hex : "(null)");
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

const char *merge_method_name(enum merge_method method)
{
	switch (method) {
	case MERGE_METHOD_FAST:
		return "fast";
	case MERGE_METHOD_CACHED:
		return "cached";
	case MERGE_METHOD_GIT:
		return "git";
	case MERGE_METHOD_LIBGIT2:
		return "libgit2";
	case MERGE_METHOD_INCREMENTAL:
		return "incremental";
	}
	return "?";
}

void merge_result_release(struct merge_result *res)
{
	size_t i;

	for (i = 0; i < res->nr_conflicts; i++)
		free(res->conflicts[i]);
	free(res->conflicts);
	memset(res, 0, sizeof(*res));
}

static void fast_state_reset(struct fast_state *st)
{
	size_t i;

	for (i = 0; i < st->nr_conflicts; i++)
		free(st->conflicts[i]);
	free(st->conflicts);
	st->conflicts = NULL;
	st->nr_conflicts = 0;
	st->undecided = NULL;
	strbuf_reset(&st->path);
}

/*
 * The fast tree merge of key (base, ours and theirs trees), from the last
 * one of the same base and theirs when there is one (*incremental set):
 * a topic's merge into a next that a topic before it changed costs what
 * that change and the topic both touch.  The earlier result's trees
 * are reachable from no ref once next moved on: when git gc pruned one,
 * merge from scratch.
 */
static int fast_merge(struct merge *m, struct fast_state *st,
		      struct strbuf *dir, const git_oid key[3], git_oid *tree,
		      bool *empty, bool *incremental, struct strbuf *err)
{
	git_oid was[2];
	int ret;

	*incremental = false;
	if (memo_last_get(m, &key[0], &key[2], &was[0], &was[1]) &&
	    !git_oid_equal(&was[0], &key[1])) {
		ret = merge_trees_fast(m, st, dir, &key[0], &key[1], &key[2],
				       &was[0], &was[1], tree, empty, err);
		if (ret >= 0) {
			*incremental = true;
			return ret;
		}
		log_debug("merge: cannot start from the earlier merge: %s",
			  err->buf);
		strbuf_reset(err);
		strbuf_setlen(dir, 0);
		fast_state_reset(st);
	}
	return merge_trees_fast(m, st, dir, &key[0], &key[1], &key[2], NULL,
				NULL, tree, empty, err);
}

int merge_commits(struct merge *m, const char *ours, const char *theirs,
		  struct merge_result *res, struct strbuf *err)
{
	struct fast_state st = { NULL, STRBUF_INIT };
	struct strbuf dir = STRBUF_INIT;
	git_oid key[3], ckey[3], ours_oid, theirs_oid, tree;
	uint32_t a, b, *bases = NULL;
	size_t nr_bases = 0, i;
	bool empty, have_git, have_base = false, incremental = false;
	const char *why;
	int ret;

	memset(res, 0, sizeof(*res));
	m->stats.merges++;
	if (m->mempack && m->mempack_bytes > m->mempack_max)
		mempack_restart(m);
	ret = lookup_commit_node(m, ours, &a, err);
	if (!ret)
		ret = lookup_commit_node(m, theirs, &b, err);
	if (ret < 0)
		goto out;
	git_oid_cpy(&ours_oid, &m->dag.nodes[a].oid);
	git_oid_cpy(&theirs_oid, &m->dag.nodes[b].oid);
	/* a merge of the same two commits: the same result, nothing to do */
	memset(ckey, 0, sizeof(ckey));
	git_oid_cpy(&ckey[0], &ours_oid);
	git_oid_cpy(&ckey[1], &theirs_oid);
	if (memo_get(m, &m->commit_memo, ckey, res)) {
		m->stats.cached++;
		m->stats.commits_cached++;
		goto out;
	}
	ret = dag_merge_bases(m, a, b, &bases, &nr_bases, err);
	if (ret < 0)
		goto out;
	if (!nr_bases) {
		ret = error_set(err, ERR_CONFLICT,
				"'%s' and '%s' have no common history", ours,
				theirs);
		goto out;
	}
	res->nr_bases = nr_bases;
	git_oid_tostr(res->base, sizeof(res->base),
		      &m->dag.nodes[bases[0]].oid);

	ret = base_tree(m, bases, nr_bases, &key[0], &why, err);
	if (ret < 0)
		goto out;
	if (!ret) {
		have_base = true;
		git_oid_cpy(&key[1], &m->dag.nodes[a].tree);
		git_oid_cpy(&key[2], &m->dag.nodes[b].tree);
		if (memo_get(m, &m->memo, key, res)) {
			m->stats.cached++;
			goto out_memo;
		}
		ret = fast_merge(m, &st, &dir, key, &tree, &empty, &incremental,
				 err);
		if (ret < 0 && nr_bases > 1) {
			vbases_lost(m, err);
			have_base = false;
			st.undecided = VBASE_LOST;
			ret = 1;
		}
		if (ret < 0)
			goto out;
		if (!ret && st.nr_conflicts && m->conflict_tree) {
			ret = 1;
			st.undecided = "conflict tree wanted";
		}
		if (!ret && st.nr_conflicts) {
			/* only conflicts git found on the same three blobs */
			res->clean = false;
			res->method = incremental ? MERGE_METHOD_INCREMENTAL :
						    MERGE_METHOD_FAST;
			res->conflicts = st.conflicts;
			res->nr_conflicts = st.nr_conflicts;
			st.conflicts = NULL;
			st.nr_conflicts = 0;
			qsort(res->conflicts, res->nr_conflicts, sizeof(char *),
			      cmp_str);
			m->stats.fast++;
			memo_put(m, &m->memo, key, res);
			goto out_memo;
		}
		if (!ret) {
			res->clean = true;
			res->method = incremental ? MERGE_METHOD_INCREMENTAL :
						    MERGE_METHOD_FAST;
			git_oid_tostr(res->tree, sizeof(res->tree), &tree);
			m->stats.fast++;
			if (incremental)
				m->stats.incremental++;
			memo_put(m, &m->memo, key, res);
			memo_last_put(m, &key[0], &key[1], &key[2], &tree);
			goto out_memo;
		}
		res->fallback_reason = st.undecided;
		log_debug("merge %s into %s: %s at '%s', asking the fallback",
			  theirs, ours, st.undecided, st.path.buf);
	} else {
		res->fallback_reason = why ? why : "several merge bases";
		log_debug("merge %s into %s: %u merge bases: %s, asking the fallback",
			  theirs, ours, (unsigned int)nr_bases,
			  res->fallback_reason);
	}

	m->stats.fallbacks++;
	have_git = m->fallback == MERGE_FALLBACK_GIT;
	if (m->fallback == MERGE_FALLBACK_NONE) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"fast merge undecided: %s",
				res->fallback_reason);
		goto out;
	}
	ret = -1;
	/* git reads ours, and what it is made of, from the repository */
	if (have_git && batch_flush(m, err) < 0)
		goto out;
	if (have_git) {
		ret = fallback_git(m, ours, theirs, res, err);
		if (ret < 0)
			log_warn("%s; using libgit2's merge", err->buf);
	}
	/* libgit2's own recursive merge without a virtual base of ours */
	if (ret < 0)
		ret = fallback_libgit2(m, have_base ? &key[0] : NULL, &ours_oid,
				       &theirs_oid, &m->dag.nodes[a].tree,
				       &m->dag.nodes[b].tree, !have_base, res,
				       err);
	if (ret < 0)
		goto out;
	if (res->nr_conflicts > 1)
		qsort(res->conflicts, res->nr_conflicts, sizeof(char *),
		      cmp_str);
	if (have_base) {
		memo_put(m, &m->memo, key, res);
		if (!res->clean && res->method == MERGE_METHOD_GIT)
			learn_conflicts(m, key, res);
	}
out_memo:
	/* libgit2's answer may not be git's: only git's are kept */
	if (res->method != MERGE_METHOD_LIBGIT2)
		memo_put(m, &m->commit_memo, ckey, res);
	ret = 0;
out:
	if (ret < 0)
		merge_result_release(res);
	free(bases);
	for (i = 0; i < st.nr_conflicts; i++)
		free(st.conflicts[i]);
	free(st.conflicts);
	strbuf_release(&st.path);
	strbuf_release(&dir);
	return ret;
}

int merge_trees(struct merge *m, const char *base, const char *ours,
		const char *theirs, struct merge_result *res,
		struct strbuf *err)
{
	struct fast_state st = { NULL, STRBUF_INIT };
	struct strbuf dir = STRBUF_INIT;
	git_oid key[3], tree;
	bool empty;
	size_t i;
	int ret;

	memset(res, 0, sizeof(*res));
	m->stats.merges++;
	ret = parse_hex(base, &key[0], err);
	if (!ret)
		ret = parse_hex(ours, &key[1], err);
	if (!ret)
		ret = parse_hex(theirs, &key[2], err);
	if (ret < 0)
		goto out;
	if (memo_get(m, &m->memo, key, res)) {
		m->stats.cached++;
		goto out;
	}
	ret = merge_trees_fast(m, &st, &dir, &key[0], &key[1], &key[2], NULL,
			       NULL, &tree, &empty, err);
	if (ret < 0)
		goto out;
	if (!ret) {
		res->method = MERGE_METHOD_FAST;
		res->clean = !st.nr_conflicts;
		if (res->clean) {
			git_oid_tostr(res->tree, sizeof(res->tree), &tree);
		} else {
			res->conflicts = st.conflicts;
			res->nr_conflicts = st.nr_conflicts;
			st.conflicts = NULL;
			st.nr_conflicts = 0;
			qsort(res->conflicts, res->nr_conflicts, sizeof(char *),
			      cmp_str);
		}
		m->stats.fast++;
		memo_put(m, &m->memo, key, res);
		goto out;
	}
	res->fallback_reason = st.undecided;
	m->stats.fallbacks++;
	if (m->fallback == MERGE_FALLBACK_NONE) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"fast merge undecided: %s",
				res->fallback_reason);
		goto out;
	}
	/* git merge-tree of git 2.39 takes no merge base: libgit2 only */
	ret = fallback_libgit2(m, &key[0], NULL, NULL, &key[1], &key[2], false,
			       res, err);
	if (!ret && res->nr_conflicts > 1)
		qsort(res->conflicts, res->nr_conflicts, sizeof(char *),
		      cmp_str);
out:
	if (ret < 0)
		merge_result_release(res);
	for (i = 0; i < st.nr_conflicts; i++)
		free(st.conflicts[i]);
	free(st.conflicts);
	strbuf_release(&st.path);
	strbuf_release(&dir);
	return ret;
}

void merge_get_stats(struct merge *m, struct merge_stats *stats)
{
	*stats = m->stats;
}

/*
 * An object database of the packs and loose objects only: libgit2 1.5's
 * default one also opens objects/info/commit-graph, which it cannot read
 * when git >= 2.31 wrote it, and rereads it after every object written.
 * Repositories with alternates keep the default database.
 */
static int setup_odb(struct merge *m, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	git_odb_backend *pack = NULL, *loose = NULL;
	struct stat st;
	git_odb *odb;
	int ret;

	strbuf_addf(&path, "%s/objects/info/alternates", m->gitdir);
	if (!stat(path.buf, &st)) {
		strbuf_release(&path);
		ret = git_repository_odb(&m->odb, m->repo);
		if (ret < 0)
			return repo_error(err, -EIO,
					  "cannot open object database");
		return 0;
	}
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/objects", m->gitdir);
	ret = git_odb_new(&odb);
	if (ret < 0)
		goto out_err;
	if ((ret = git_odb_backend_pack(&pack, path.buf)) < 0 ||
	    (ret = git_odb_add_backend(odb, pack, 2)) < 0) {
		if (pack)
			pack->free(pack);
		goto out_odb;
	}
	if ((ret = git_odb_backend_loose(&loose, path.buf, -1, 0, 0, 0)) < 0 ||
	    (ret = git_odb_add_backend(odb, loose, 1)) < 0) {
		if (loose)
			loose->free(loose);
		goto out_odb;
	}
	m->pack_be = pack;
	m->loose_be = loose;
	if ((ret = git_mempack_new(&m->mempack)) < 0 ||
	    (ret = git_odb_add_backend(odb, m->mempack, 0)) < 0) {
		if (m->mempack)
			m->mempack->free(m->mempack);
		m->mempack = NULL;
		goto out_odb;
	}
	if ((ret = git_mempack_new(&m->batch)) < 0 ||
	    (ret = git_odb_add_backend(odb, m->batch, 0)) < 0) {
		if (m->batch)
			m->batch->free(m->batch);
		m->batch = NULL;
		goto out_odb;
	}
	ret = git_repository_set_odb(m->repo, odb);
	if (ret < 0)
		goto out_odb;
	m->odb = odb;
	strbuf_release(&path);
	return 0;

out_odb:
	git_odb_free(odb);
	m->pack_be = m->loose_be = m->mempack = m->batch = NULL;
out_err:
	strbuf_release(&path);
	return repo_error(err, -EIO, "cannot open object database");
}

/*
 * git merge-tree reads merge.conflictStyle: with diff3 or zdiff3 the
 * conflicts inside a virtual merge base carry the ancestor's label,
 * which the fast path does not make.
 */
static void read_conflict_style(struct merge *m)
{
	git_config *cfg = NULL;
	const char *v;

	if (git_repository_config_snapshot(&cfg, m->repo) < 0)
		return;
	if (!git_config_get_string(&v, cfg, "merge.conflictstyle") &&
	    strcmp(v, "merge"))
		m->conflict_style_other = true;
	git_config_free(cfg);
}

static bool no_submodule_repos(struct merge *m)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	bool none;

	strbuf_addf(&path, "%s/modules", m->gitdir);
	none = git_repository_is_bare(m->repo) && stat(path.buf, &st) < 0;
	strbuf_release(&path);
	return none;
}

int merge_open(const char *path, struct merge **out, struct strbuf *err)
{
	struct merge *m;
	const char *gitdir;
	int ret;

	m = xcalloc(1, sizeof(*m));
	ret = git_repository_open_ext(&m->repo, path,
				      GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (ret < 0) {
		ret = repo_error(err, ERR_INVALID,
				 "cannot open repository '%s'", path);
		free(m);
		return ret;
	}
	gitdir = git_repository_path(m->repo);
	m->gitdir = xstrdup(gitdir);
	if (m->gitdir[0] && m->gitdir[strlen(m->gitdir) - 1] == '/')
		m->gitdir[strlen(m->gitdir) - 1] = 0;
	m->git = xstrdup("git");
	m->fallback = MERGE_FALLBACK_GIT;
	memo_init(&m->memo, "trees");
	memo_init(&m->commit_memo, "commits");
	m->vbases_size = VBASES_SIZE;
	m->vbases = xcalloc(m->vbases_size, sizeof(*m->vbases));
	m->known_size = 2 * MEMO_MAX;
	m->known = xcalloc(m->known_size, sizeof(*m->known));
	ret = setup_odb(m, err);
	if (ret < 0) {
		merge_free(m);
		return ret;
	}
	read_conflict_style(m);
	m->no_submodule_repos = no_submodule_repos(m);
	graph_open(&m->graph, m->gitdir);
	m->reach.anchor = UINT32_MAX;
	m->mempack_max = testhook_merge_mempack_max(MEMPACK_MAX);
	*out = m;
	return 0;
}

void merge_free(struct merge *m)
{
	if (!m)
		return;
	memo_release(&m->memo);
	memo_release(&m->commit_memo);
	memo_release_kept(m);
	free(m->last_bases.v);
	free(m->vbases);
	free(m->new_vbases);
	free(m->known);
	free(m->batch_oids);
	reach_release(&m->reach);
	graph_close(&m->graph);
	dag_release(&m->dag);
	git_odb_free(m->odb);
	git_repository_free(m->repo);
	free(m->gitdir);
	free(m->git);
	free(m->ident_name);
	free(m->ident_email);
	free(m);
}

void merge_set_fallback(struct merge *m, enum merge_fallback fallback)
{
	m->fallback = fallback;
}

void merge_set_conflict_tree(struct merge *m, bool want)
{
	m->conflict_tree = want;
}

void merge_set_git(struct merge *m, const char *git_path)
{
	free(m->git);
	m->git = xstrdup(git_path && *git_path ? git_path : "git");
}
