/* SPDX-License-Identifier: GPL-2.0 */
/*
 * merge.c on its own, against a repository made with the git CLI: the
 * merged trees and conflicts of clean, conflicting, rename, delete/modify
 * and criss-cross merges checked against `git merge-tree --write-tree`,
 * which method decided each, the memo of merges made before, merge bases
 * and ancestry against git merge-base, and the object and ref writes
 * (commits, compare-and-swap refs, blobs, paths) against git cat-file
 * and git rev-parse.  t0200 and t0201 run the same merges through the
 * daemon and at random; these pin each case by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/merge.h"
#include "daemon/repo.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tests/unit/tap.h"
#include "tests/unit/git-cli.h"

/*
 * c ARGS: git commit ARGS at a date a minute after the last one, so that
 * no two commits share a date (merge bases of the same date go to git).
 */
#define COMMIT                                                             \
	"t=1700000000; c() { t=$((t + 60)); GIT_AUTHOR_DATE=\"$t +0000\" " \
	"GIT_COMMITTER_DATE=\"$t +0000\" git commit -q \"$@\"; }; "

static char hex_of[20][MERGE_HEXSZ + 1];
static const char *const names[] = {
	"base",
	"clean-ours",
	"clean-theirs",
	"conflict-ours",
	"conflict-theirs",
	"conflict-ours2",
	"rename-ours",
	"rename-theirs",
	"delete-ours",
	"delete-theirs",
	"lonely",
	"cx-a1",
	"cx-b1",
	"cx-a3",
	"cx-b3",
	"clean-ours-again",
	"inc-o1",
	"inc-o2",
	"inc-o3",
	"inc-t",
};

/* The commit of a branch made below, by name. */
static const char *at(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], name))
			return hex_of[i];
	return "";
}

/*
 * git merge-tree --write-tree --name-only OURS THEIRS: the tree into
 * hex, the conflicted paths space-separated into paths; its exit status
 * (0 clean, 1 conflicts).
 */
static int git_merge(const char *ours, const char *theirs, char *hex,
		     struct strbuf *paths)
{
	struct strbuf out = STRBUF_INIT;
	const char *p, *nl;
	int ret;

	hex[0] = '\0';
	ret = sh_out(&out,
		     "git -C work merge-tree --write-tree --name-only %s %s",
		     ours, theirs);
	if (out.len >= MERGE_HEXSZ) {
		memcpy(hex, out.buf, MERGE_HEXSZ);
		hex[MERGE_HEXSZ] = '\0';
	}
	p = strchr(out.buf, '\n');
	/* the paths end at an empty line, the messages follow */
	while (paths && p && *++p && *p != '\n') {
		nl = strchrnul(p, '\n');
		if (paths->len)
			strbuf_addch(paths, ' ');
		strbuf_add(paths, p, nl - p);
		p = *nl ? nl : NULL;
	}
	strbuf_release(&out);
	return ret;
}

static void join_conflicts(const struct merge_result *res, struct strbuf *sb)
{
	size_t i;

	strbuf_reset(sb);
	for (i = 0; i < res->nr_conflicts; i++) {
		if (i)
			strbuf_addch(sb, ' ');
		strbuf_addstr(sb, res->conflicts[i]);
	}
}

/* Whether git can read every object of tree (before git writes any). */
static bool tree_on_disk(const char *tree)
{
	return !sh("git -C work archive %s >/dev/null", tree);
}

/*
 * Merge the branches ours and theirs with m and compare with git; what
 * is asked of the result's method is the caller's.
 */
static void check_merge(struct merge *m, const char *ours, const char *theirs,
			struct merge_result *res, const char *what)
{
	struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
	struct strbuf want = STRBUF_INIT;
	char tree[MERGE_HEXSZ + 1];
	int ret, status;

	ret = merge_commits(m, at(ours), at(theirs), res, &err);
	is_int(ret, 0, "%s: merge_commits() %s", what, err.buf);
	if (res->clean)
		ok(tree_on_disk(res->tree),
		   "%s: the merged tree is in the repository", what);
	status = git_merge(at(ours), at(theirs), tree, &want);
	join_conflicts(res, &got);
	is_int(res->clean, status == 0, "%s: clean as git says", what);
	is_str(got.buf, want.buf, "%s: the conflicts git finds", what);
	if (res->clean || res->tree[0])
		is_str(res->tree, tree, "%s: the tree git merge-tree writes",
		       what);
	strbuf_release(&err);
	strbuf_release(&got);
	strbuf_release(&want);
}

static int collect_vbase(const char *key, const char *tree, void *data)
{
	struct strbuf *sb = data;

	strbuf_addf(sb, "%s %s\n", key, tree);
	return 0;
}

/* merge_memo_take()'s fn: the items as lines, key|clean|tree|base|nr|reason|conflicts */
static int collect_memo(const struct merge_memo_item *item, void *data)
{
	struct strbuf *sb = data;
	size_t i;

	strbuf_addf(sb, "%s|%d|%s|%s|%u|%s|", item->key, item->clean,
		    item->tree, item->base, item->nr_bases,
		    item->reason ? item->reason : "");
	for (i = 0; i < item->nr_conflicts; i++)
		strbuf_addf(sb, "%s%s", i ? " " : "", item->conflicts[i]);
	strbuf_addch(sb, '\n');
	return 0;
}

/* Give m the lines collect_memo() made (without conflicts: clean ones). */
static void give_memo(struct merge *m, const struct strbuf *lines)
{
	char *copy = xstrdup(lines->buf), *line, *save = NULL;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[7] = { NULL };
		struct merge_memo_item item = { 0 };
		char *p = line;
		int i;

		for (i = 0; i < 7; i++) {
			f[i] = p;
			p = strchr(p, '|');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (i < 6)
			continue;
		item.key = f[0];
		item.clean = !strcmp(f[1], "1");
		item.tree = f[2];
		item.base = f[3];
		item.nr_bases = (unsigned int)atoi(f[4]);
		item.reason = *f[5] ? f[5] : NULL;
		merge_memo_add(m, &item);
	}
	free(copy);
}

static void make_repo(void)
{
	size_t i;

	ok(!sh(COMMIT
	       "git init -q -b master work && cd work &&"
	       " seq 1 10 > a.txt && seq 1 10 > b.txt &&"
	       " echo line > c.txt && seq 1 5 > d.txt &&"
	       " seq 101 130 > r.txt && mkdir dir &&"
	       " echo x > dir/x.c && echo y > dir/y.c &&"
	       " git add . && c -m base && git branch base &&"
	       /* clean: the same file changed apart, and a subfolder */
	       " git checkout -q -b clean-ours base &&"
	       " sed -i 1s/1/one/ a.txt && echo x2 > dir/x.c &&"
	       " c -am clean-ours &&"
	       " git checkout -q -b clean-theirs base &&"
	       " sed -i 10s/10/ten/ a.txt && echo y2 > dir/y.c &&"
	       " echo n > n.txt && git add n.txt && c -am clean-theirs &&"
	       /* the same tree as clean-ours in another commit */
	       " git branch clean-ours-again $(git commit-tree"
	       "  -p base -m again clean-ours^{tree}) &&"
	       /* conflict: the same line changed on both sides */
	       " git checkout -q -b conflict-ours base &&"
	       " echo ours > c.txt && c -am conflict-ours &&"
	       " git checkout -q -b conflict-theirs base &&"
	       " echo theirs > c.txt && c -am conflict-theirs &&"
	       /* the same three blobs of c.txt, another tree */
	       " git checkout -q -b conflict-ours2 conflict-ours &&"
	       " echo z > z.txt && git add z.txt && c -m conflict-ours2 &&"
	       " git checkout -q -b rename-ours base &&"
	       " git mv r.txt r2.txt && c -m rename-ours &&"
	       " git checkout -q -b rename-theirs base &&"
	       " sed -i 15s/115/fifteen/ r.txt && c -am rename-theirs &&"
	       " git checkout -q -b delete-ours base &&"
	       " git rm -q d.txt && c -m delete-ours &&"
	       " git checkout -q -b delete-theirs base &&"
	       " echo 6 >> d.txt && c -am delete-theirs &&"
	       " git checkout -q --orphan lonely && c -m lonely &&"
	       /* criss-cross: two merge bases, cx-a1 and cx-b1 */
	       " git checkout -q -b cx-a1 base &&"
	       " sed -i 3s/3/three/ a.txt && c -am cx-a1 &&"
	       " git checkout -q -b cx-b1 base &&"
	       " sed -i 7s/7/seven/ a.txt && c -am cx-b1 &&"
	       " git checkout -q -b cx-a2 cx-a1 &&"
	       " git merge -q --no-edit cx-b1 && "
	       " git checkout -q -b cx-b2 cx-b1 &&"
	       " t=$((t + 60)) && GIT_COMMITTER_DATE=\"$t +0000\""
	       "  git merge -q --no-edit cx-a1 &&"
	       " git checkout -q -b cx-a3 cx-a2 &&"
	       " sed -i 2s/2/two/ b.txt && c -am cx-a3 &&"
	       " git checkout -q -b cx-b3 cx-b2 &&"
	       " sed -i 8s/8/eight/ b.txt && c -am cx-b3 &&"
	       " git tag v1 cx-a1 && git tag -a -m tagged v2 cx-b3 &&"
	       /* incremental: inc-t into inc-o1, then into o2 and o3 */
	       " git checkout -q -b inc-o1 base &&"
	       " sed -i 2s/2/two/ b.txt && echo o > dir/o.c &&"
	       " git add dir/o.c && c -am inc-o1 &&"
	       " git checkout -q -b inc-o2 inc-o1 &&"
	       " sed -i 1s/1/one/ d.txt && echo o2 > dir/o.c && c -am inc-o2 &&"
	       " git checkout -q -b inc-o3 inc-o2 &&"
	       " sed -i 3s/3/three/ d.txt && c -am inc-o3 &&"
	       " git checkout -q -b inc-t base &&"
	       " sed -i 9s/9/nine/ b.txt && echo x3 > dir/x.c && c -am inc-t &&"
	       " git checkout -q master"),
	   "make a repository with git");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		rev_parse("work", names[i], hex_of[i]);
}

int main(void)
{
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT, out = STRBUF_INIT;
	char hex[MERGE_HEXSZ + 1], tree[MERGE_HEXSZ + 1];
	char want[MERGE_HEXSZ + 1], commit[MERGE_HEXSZ + 1];
	char(*bases)[MERGE_HEXSZ + 1] = NULL;
	struct merge_result res, again;
	struct merge_stats stats;
	struct merge *m = NULL, *m2 = NULL;
	char path[128], *msg = NULL, *name = NULL;
	size_t nr = 0, i;
	bool yes;
	int ret;

	if (!git_cli_init("test-merge"))
		return 1;
	make_repo();
	ok(!repo_global_init(&err), "repo_global_init(): %s", err.buf);
	snprintf(path, sizeof(path), "%s/nowhere", git_tmp);
	is_int(merge_open(path, &m, &err), ERR_INVALID,
	       "merge_open() of no repository is ERR_INVALID");
	ok(strstr(err.buf, "nowhere") != NULL, "naming the path: %s", err.buf);
	strbuf_reset(&err);
	snprintf(path, sizeof(path), "%s/work", git_tmp);
	ret = merge_open(path, &m, &err);
	is_int(ret, 0, "merge_open() of a work tree: %s", err.buf);
	if (ret)
		return done_testing();

	/* --- a clean merge ------------------------------------------------ */
	check_merge(m, "clean-ours", "clean-theirs", &res, "clean");
	ok(res.clean, "clean: no conflicts");
	is_str(merge_method_name(res.method), "fast",
	       "clean: the fast path decides it");
	ok(!res.fallback_reason, "clean: without a fallback reason");
	is_int(res.nr_bases, 1, "clean: one merge base");
	is_str(res.base, at("base"), "clean: the base git merge-base names");
	strbuf_reset(&sb);
	merge_read_path(m, res.tree, "a.txt", &sb, &err);
	ok(starts_with(sb.buf, "one\n") && ends_with(sb.buf, "9\nten\n"),
	   "clean: both changes of a.txt are in the tree");

	ret = merge_commits(m, at("clean-ours"), at("clean-theirs"), &again,
			    &err);
	is_str(merge_method_name(again.method), "cached",
	       "the same two commits again: cached");
	is_str(again.tree, res.tree, "with the same tree");
	merge_result_release(&again);
	merge_get_stats(m, &stats);
	is_int(stats.commits_cached, 1, "counted as found by the commits");
	ret = merge_commits(m, at("clean-ours-again"), at("clean-theirs"),
			    &again, &err);
	is_str(merge_method_name(again.method), "cached",
	       "another commit of the same tree: cached");
	is_str(again.tree, res.tree, "with the same tree");
	merge_get_stats(m, &stats);
	is_int(stats.commits_cached, 1, "found by the trees, not the commits");
	is_int(stats.cached, 2, "two merges came from the memo");
	merge_result_release(&again);

	/* --- merge_write_commit() of the result --------------------------- */
	{
		const char *parents[] = { at("clean-ours"),
					  at("clean-theirs") };

		ret = merge_write_commit(m, res.tree, parents, 2,
					 "Merge clean-theirs\n\nbody",
					 "Cthulhu", "cthulhu@example.org",
					 1700001234, commit, &err);
		is_int(ret, 0, "merge_write_commit(): %s", err.buf);
	}
	strbuf_reset(&out);
	sh_out(&out,
	       "printf 'tree %s\\nparent %s\\nparent %s\\n"
	       "author Cthulhu <cthulhu@example.org> 1700001234 +0000\\n"
	       "committer Cthulhu <cthulhu@example.org> 1700001234 +0000\\n"
	       "\\nMerge clean-theirs\\n\\nbody\\n' |"
	       " git -C work hash-object -t commit --stdin",
	       res.tree, at("clean-ours"), at("clean-theirs"));
	strbuf_rtrim(&out);
	is_str(commit, out.buf,
	       "the commit is the object git hashes from the same text");
	strbuf_reset(&out);
	sh_out(&out, "git -C work cat-file -t %s", commit);
	is_str(out.buf, "commit\n", "and git reads it as a commit");
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s^2", commit);
	rev_parse("work", sb.buf, hex);
	is_str(hex, at("clean-theirs"), "whose second parent is theirs");
	ret = merge_commit_message(m, commit, &msg, &err);
	is_str(msg, "Merge clean-theirs\n\nbody\n",
	       "merge_commit_message() ends it with a newline");
	free(msg);
	{
		char(*parents)[MERGE_HEXSZ + 1] = NULL;

		ret = merge_commit_info(m, commit, tree, &parents, &nr, &err);
		ok(!ret && nr == 2 && !strcmp(parents[0], at("clean-ours")) &&
			   !strcmp(parents[1], at("clean-theirs")),
		   "merge_commit_info(): its two parents in order");
		is_str(tree, res.tree, "merge_commit_info(): its tree");
		free(parents);
	}
	ret = merge_write_commit(m, "not-a-tree", NULL, 0, "x", "n", "e", 0,
				 hex, &err);
	ok(ret < 0, "merge_write_commit() of a bad tree name fails: %s",
	   err.buf);
	strbuf_reset(&err);
	merge_result_release(&res);

	/* --- conflicts ---------------------------------------------------- */
	check_merge(m, "conflict-ours", "conflict-theirs", &res, "conflict");
	is_str(merge_method_name(res.method), "git",
	       "conflict: a conflict not seen before goes to git");
	ok(res.fallback_reason != NULL, "conflict: saying why (%s)",
	   res.fallback_reason ? res.fallback_reason : "");
	merge_result_release(&res);
	check_merge(m, "conflict-ours2", "conflict-theirs", &res,
		    "known conflict");
	is_str(merge_method_name(res.method), "fast",
	       "known conflict: the same three blobs are decided fast");
	is_str(res.tree, "", "known conflict: without git's tree");
	merge_result_release(&res);

	merge_set_conflict_tree(m, true);
	ret = merge_commits(m, at("conflict-ours2"), at("conflict-theirs"),
			    &res, &err);
	ok(!ret && res.method != MERGE_METHOD_FAST,
	   "asking for the conflict tree makes git merge it (%s)",
	   merge_method_name(res.method));
	git_merge(at("conflict-ours2"), at("conflict-theirs"), want, NULL);
	is_str(res.tree, want, "and the tree with the markers is git's");
	strbuf_reset(&sb);
	merge_read_path(m, res.tree, "c.txt", &sb, &err);
	ok(strstr(sb.buf, "<<<<<<<") && strstr(sb.buf, ">>>>>>>"),
	   "with conflict markers in c.txt");
	merge_result_release(&res);
	merge_set_conflict_tree(m, false);

	/* --- what the fast path leaves to the fallback -------------------- */
	check_merge(m, "rename-ours", "rename-theirs", &res, "rename");
	ok(res.clean, "rename: clean");
	is_str(merge_method_name(res.method), "git", "rename: git decides it");
	is_str(res.fallback_reason ? res.fallback_reason : "",
	       "deleted on one side, changed on the other",
	       "rename: the fast path says why");
	strbuf_reset(&sb);
	ok(!merge_read_path(m, res.tree, "r2.txt", &sb, &err) &&
		   strstr(sb.buf, "fifteen"),
	   "rename: theirs' change followed the file to r2.txt");
	merge_result_release(&res);

	check_merge(m, "delete-ours", "delete-theirs", &res, "delete/modify");
	ok(!res.clean && res.nr_conflicts == 1, "delete/modify: one conflict");
	merge_result_release(&res);

	/* the libgit2 fallback and none, on a handle with an empty memo */
	ret = merge_open(path, &m2, &err);
	merge_set_fallback(m2, MERGE_FALLBACK_NONE);
	ret = merge_commits(m2, at("rename-ours"), at("rename-theirs"), &res,
			    &err);
	is_int(ret, ERR_UNPROCESSABLE,
	       "without a fallback an undecided merge is ERR_UNPROCESSABLE");
	ok(strstr(err.buf, "deleted on one side") != NULL, "saying why: %s",
	   err.buf);
	strbuf_reset(&err);
	ret = merge_commits(m2, at("clean-ours"), at("clean-theirs"), &res,
			    &err);
	ok(!ret && res.clean && res.method == MERGE_METHOD_FAST,
	   "without a fallback a clean merge still works");
	merge_result_release(&res);
	merge_set_fallback(m2, MERGE_FALLBACK_LIBGIT2);
	ret = merge_commits(m2, at("rename-ours"), at("rename-theirs"), &res,
			    &err);
	is_str(merge_method_name(res.method), "libgit2",
	       "with the libgit2 fallback libgit2 merges the rename");
	git_merge(at("rename-ours"), at("rename-theirs"), want, NULL);
	is_str(res.tree, want, "to git's tree");
	merge_result_release(&res);
	merge_set_git(m2, "/nonexistent/git");
	merge_set_fallback(m2, MERGE_FALLBACK_GIT);
	ret = merge_commits(m2, at("delete-ours"), at("delete-theirs"), &res,
			    &err);
	ok(!ret && res.method == MERGE_METHOD_LIBGIT2 && !res.clean,
	   "git not there: libgit2 finds the delete/modify conflict (%s)",
	   merge_method_name(res.method));
	join_conflicts(&res, &sb);
	is_str(sb.buf, "d.txt", "on d.txt");
	merge_result_release(&res);
	merge_free(m2);
	m2 = NULL;

	ret = merge_commits(m, at("clean-ours"), at("lonely"), &res, &err);
	is_int(ret, ERR_CONFLICT,
	       "commits without common history: ERR_CONFLICT");
	ok(strstr(err.buf, "no common history") != NULL, "saying so: %s",
	   err.buf);
	strbuf_reset(&err);
	ret = merge_commits(m, "0123456789012345678901234567890123456789",
			    at("clean-ours"), &res, &err);
	is_int(ret, ERR_NOT_FOUND, "an unknown commit is ERR_NOT_FOUND");
	strbuf_reset(&err);

	/* --- several merge bases ------------------------------------------ */
	ret = merge_bases(m, at("cx-a3"), at("cx-b3"), &bases, &nr, &err);
	strbuf_reset(&sb);
	for (i = 0; !ret && i < nr; i++)
		strbuf_addf(&sb, "%s\n", bases[i]);
	free(bases);
	strbuf_reset(&out);
	sh_out(&out, "git -C work merge-base --all cx-a3 cx-b3 | sort");
	{
		struct strbuf sorted = STRBUF_INIT;

		sh_out(&sorted, "printf '%s' | sort", sb.buf);
		is_str(sorted.buf, out.buf,
		       "merge_bases() are git merge-base --all's");
		strbuf_release(&sorted);
	}
	is_int(nr, 2, "the criss-cross has two merge bases");
	check_merge(m, "cx-a3", "cx-b3", &res, "criss-cross");
	is_int(res.nr_bases, 2, "criss-cross: two bases");
	is_str(merge_method_name(res.method), "fast",
	       "criss-cross: the fast path makes the virtual base");
	merge_result_release(&res);
	strbuf_reset(&sb);
	merge_vbases_take(m, collect_vbase, &sb);
	ok(sb.len == 2 * (MERGE_HEXSZ + 1), "one virtual base was made: %.81s",
	   sb.buf);
	memcpy(tree, sb.buf + MERGE_HEXSZ + 1, MERGE_HEXSZ);
	tree[MERGE_HEXSZ] = '\0';
	ok(tree_on_disk(tree), "its tree is in the repository once taken");
	git_merge(at("cx-a1"), at("cx-b1"), want, NULL);
	is_str(tree, want, "and is git's merge of the two bases");
	strbuf_reset(&out);
	merge_vbases_take(m, collect_vbase, &out);
	is_str(out.buf, "", "a virtual base is handed out once");

	ret = merge_open(path, &m2, &err);
	sb.buf[MERGE_HEXSZ] = '\0';
	merge_vbase_add(m2, sb.buf, tree);
	ret = merge_commits(m2, at("cx-a3"), at("cx-b3"), &res, &err);
	merge_get_stats(m2, &stats);
	is_int(stats.vbases_cached, 1,
	       "a virtual base given back is used, not made again");
	is_int(stats.vbase_merges, 0, "no merge was made for it");
	git_merge(at("cx-a3"), at("cx-b3"), want, NULL);
	is_str(res.tree, want, "and the merge is git's");
	merge_result_release(&res);
	merge_free(m2);
	m2 = NULL;

	/* --- the incremental path ---------------------------------------- */
	check_merge(m, "inc-o1", "inc-t", &res, "inc-o1");
	is_str(merge_method_name(res.method), "fast",
	       "inc-o1: the first merge of inc-t is the fast path's");
	memcpy(tree, res.tree, sizeof(tree));
	merge_result_release(&res);
	merge_get_stats(m, &stats);
	check_merge(m, "inc-o2", "inc-t", &res, "inc-o2");
	is_str(merge_method_name(res.method), "incremental",
	       "inc-o2: into another ours it starts from the first");
	ok(!res.fallback_reason, "inc-o2: without a fallback reason");
	{
		struct merge_stats after;

		merge_get_stats(m, &after);
		is_int(after.incremental - stats.incremental, 1,
		       "inc-o2: counted as incremental");
		ok(after.incremental_kept > stats.incremental_kept,
		   "inc-o2: taking entries of the first result unread");
	}
	merge_result_release(&res);

	/* kept across a restart: new handles given the memo */
	{
		struct strbuf keys = STRBUF_INIT;
		struct merge *m3 = NULL;

		merge_open(path, &m2, &err);
		check_merge(m2, "inc-o1", "inc-t", &res, "inc-o1 again");
		merge_result_release(&res);
		ret = merge_memo_take(m2, collect_memo, &keys);
		is_int(ret, 0, "merge_memo_take()");
		ok(strstr(keys.buf, "trees ") && strstr(keys.buf, "commits "),
		   "hands out the merge by its trees and by its commits");
		strbuf_reset(&out);
		merge_memo_take(m2, collect_memo, &out);
		is_str(out.buf, "", "each merge is handed out once");
		merge_free(m2);

		merge_open(path, &m2, &err);
		give_memo(m2, &keys);
		check_merge(m2, "inc-o2", "inc-t", &res,
			    "inc-o2 after a restart");
		is_str(merge_method_name(res.method), "incremental",
		       "a merge given back starts the incremental path");
		merge_result_release(&res);
		check_merge(m2, "inc-o1", "inc-t", &res, "inc-o1 given back");
		is_str(merge_method_name(res.method), "cached",
		       "the merge given back is found by its commits");
		merge_result_release(&res);
		merge_free(m2);
		m2 = NULL;

		/* the earlier result's tree pruned: merged from scratch */
		merge_open(path, &m3, &err);
		give_memo(m3, &keys);
		ok(!sh("cd work && rm -f .git/objects/$(echo %s | cut -c1-2)/"
		       "$(echo %s | cut -c3-)",
		       tree, tree),
		   "prune the first merge's tree");
		check_merge(m3, "inc-o3", "inc-t", &res,
			    "inc-o3 with the first result gone");
		is_str(merge_method_name(res.method), "fast",
		       "the fast path merges it from scratch");
		merge_result_release(&res);
		merge_free(m3);
		strbuf_release(&keys);
	}

	/* --- ancestry ----------------------------------------------------- */
	ok(!merge_is_ancestor(m, at("base"), at("clean-ours"), &yes, &err) &&
		   yes,
	   "merge_is_ancestor(): base of clean-ours");
	ok(!merge_is_ancestor(m, at("clean-ours"), at("base"), &yes, &err) &&
		   !yes,
	   "merge_is_ancestor(): not the other way");
	ok(!merge_is_ancestor(m, at("clean-ours"), at("clean-theirs"), &yes,
			      &err) &&
		   !yes,
	   "merge_is_ancestor(): not of a side branch");
	ok(!merge_is_ancestor(m, at("cx-b1"), at("cx-a3"), &yes, &err) && yes,
	   "merge_is_ancestor(): through a second parent");
	ok(!merge_is_ancestor(m, at("base"), at("base"), &yes, &err) && yes,
	   "merge_is_ancestor(): a commit of itself");
	ok(!merge_is_ancestor(m, at("base"), at("lonely"), &yes, &err) && !yes,
	   "merge_is_ancestor(): not across unrelated histories");
	ok(merge_is_ancestor(m, "0123456789012345678901234567890123456789",
			     at("base"), &yes, &err) < 0,
	   "merge_is_ancestor() of an unknown commit fails");
	strbuf_reset(&err);

	/* --- revisions, refs and tags ------------------------------------- */
	is_int(merge_resolve_commit(m, "v2", hex, &err), 0,
	       "merge_resolve_commit() of an annotated tag");
	is_str(hex, at("cx-b3"), "peels it to its commit");
	is_int(merge_resolve_commit(m, "no-such-rev", hex, &err), ERR_NOT_FOUND,
	       "an unknown revision is ERR_NOT_FOUND");
	strbuf_reset(&err);
	ret = merge_newest_tag(m, "v*", NULL, hex, &name, &err);
	ok(!ret && name && !strcmp(name, "v2"),
	   "merge_newest_tag(): v2 is the newest (%s)", name ? name : "");
	is_str(hex, at("cx-b3"), "at its commit");
	free(name);
	ret = merge_newest_tag(m, "v*", at("cx-a3"), hex, &name, &err);
	ok(!ret && name && !strcmp(name, "v1"),
	   "merge_newest_tag(): v1 is the newest on cx-a3 (%s)",
	   name ? name : "");
	free(name);
	ret = merge_newest_tag(m, "v*", at("clean-ours"), hex, &name, &err);
	is_int(ret, ERR_NOT_FOUND, "merge_newest_tag(): none on clean-ours");
	strbuf_reset(&err);

	merge_set_ident(m, "Cthulhu", "cthulhu@example.org");
	ret = merge_update_ref(m, "refs/heads/made", at("base"), NULL,
			       "make it", &err);
	is_int(ret, 0, "merge_update_ref() creates a ref: %s", err.buf);
	rev_parse("work", "made", hex);
	is_str(hex, at("base"), "as git rev-parse sees it");
	ret = merge_update_ref(m, "refs/heads/made", at("clean-ours"), NULL,
			       "again", &err);
	is_int(ret, ERR_STALE, "creating it again is ERR_STALE");
	strbuf_reset(&err);
	ret = merge_update_ref(m, "refs/heads/made", at("clean-ours"),
			       at("clean-theirs"), "wrong old", &err);
	is_int(ret, ERR_STALE, "a wrong old value is ERR_STALE");
	strbuf_reset(&err);
	rev_parse("work", "made", hex);
	is_str(hex, at("base"), "and leaves the ref");
	ret = merge_update_ref(m, "refs/heads/made", at("clean-ours"),
			       at("base"), "move it", &err);
	is_int(ret, 0, "the right old value moves it");
	rev_parse("work", "made", hex);
	is_str(hex, at("clean-ours"), "as git rev-parse sees it");
	strbuf_reset(&out);
	sh_out(&out, "git -C work reflog show --format=%%gs refs/heads/made");
	is_str(out.buf, "move it\nmake it\n", "with a reflog entry each");

	ret = merge_delete_ref(m, "refs/heads/made", at("base"), &err);
	is_int(ret, ERR_STALE, "merge_delete_ref() with a wrong old value");
	strbuf_reset(&err);
	rev_parse("work", "made", hex);
	is_str(hex, at("clean-ours"), "leaves the ref");
	ret = merge_delete_ref(m, "refs/heads/made", at("clean-ours"), &err);
	is_int(ret, 0, "with the right one deletes it: %s", err.buf);
	rev_parse("work", "refs/heads/made", hex);
	is_str(hex, "", "as git rev-parse sees it");
	ret = merge_delete_ref(m, "refs/heads/made", at("clean-ours"), &err);
	is_int(ret, ERR_STALE, "a ref that is gone is ERR_STALE");
	strbuf_reset(&err);

	/* --- three trees, as a cherry-pick merges them ---------------------- */
	{
		char t[3][MERGE_HEXSZ + 1];

		rev_parse("work", "base^{tree}", t[0]);
		rev_parse("work", "clean-ours^{tree}", t[1]);
		rev_parse("work", "clean-theirs^{tree}", t[2]);
		git_merge("clean-ours", "clean-theirs", want, NULL);
		ret = merge_trees(m, t[0], t[1], t[2], &res, &err);
		is_int(ret, 0, "merge_trees(): %s", err.buf);
		ok(res.clean, "merge_trees() of clean changes is clean");
		is_str(res.tree, want, "with git merge-tree's tree");
		is_str(merge_method_name(res.method), "cached",
		       "found in the memo of the merge of the same trees");
		merge_result_release(&res);

		rev_parse("work", "conflict-ours^{tree}", t[1]);
		git_merge("conflict-ours", "clean-theirs", want, NULL);
		ret = merge_trees(m, t[0], t[1], t[2], &res, &err);
		ok(!ret && res.clean,
		   "clean-theirs's change onto conflict-ours");
		is_str(res.tree, want, "is git merge-tree's tree");
		is_str(merge_method_name(res.method), "fast",
		       "by the fast path");
		merge_result_release(&res);

		rev_parse("work", "conflict-theirs^{tree}", t[2]);
		ret = merge_trees(m, t[0], t[1], t[2], &res, &err);
		is_int(ret, 0, "merge_trees() of a conflict: %s", err.buf);
		ok(!res.clean, "is not clean");
		join_conflicts(&res, &sb);
		is_str(sb.buf, "c.txt", "and names the path");
		merge_result_release(&res);
		is_int(merge_trees(m, "nope", t[1], t[2], &res, &err),
		       ERR_INVALID, "a tree that is no hex is ERR_INVALID");
		strbuf_reset(&err);
	}

	/* --- blobs and paths ---------------------------------------------- */
	rev_parse("work", "base^{tree}", tree);
	strbuf_reset(&sb);
	is_int(merge_read_path(m, tree, "dir/x.c", &sb, &err), 0,
	       "merge_read_path() in a subfolder");
	is_str(sb.buf, "x\n", "reads the file");
	is_int(merge_read_path(m, tree, "dir", &sb, &err), ERR_NOT_FOUND,
	       "a folder is no file");
	strbuf_reset(&err);
	{
		const char *paths[] = { "dir/x.c", "new/file" };
		struct strbuf contents[2] = { STRBUF_INIT, STRBUF_INIT };

		strbuf_addstr(&contents[0], "replaced\n");
		strbuf_addstr(&contents[1], "added\n");
		ret = merge_replace_paths(m, tree, paths, contents, 2, hex,
					  &err);
		is_int(ret, 0, "merge_replace_paths(): %s", err.buf);
		strbuf_reset(&out);
		sh_out(&out,
		       "git -C work show %s:dir/x.c %s:new/file"
		       " %s:dir/y.c",
		       hex, hex, hex);
		is_str(out.buf, "replaced\nadded\ny\n",
		       "git reads the new files and the untouched one");
		strbuf_release(&contents[0]);
		strbuf_release(&contents[1]);
	}
	merge_hash_hex("hello\n", 6, hex);
	strbuf_reset(&out);
	sh_out(&out, "printf 'hello\\n' | git hash-object --stdin");
	strbuf_rtrim(&out);
	is_str(hex, out.buf, "merge_hash_hex() is git hash-object's");
	{
		struct strbuf b = STRBUF_INIT, o = STRBUF_INIT, t = STRBUF_INIT;
		bool clean;

		strbuf_addstr(&b, "1\n2\n3\n4\n5\n");
		strbuf_addstr(&o, "one\n2\n3\n4\n5\n");
		strbuf_addstr(&t, "1\n2\n3\n4\nfive\n");
		strbuf_reset(&sb);
		merge_file_contents(&b, &o, &t, &sb, &clean, &err);
		ok(clean, "merge_file_contents() of changes apart is clean");
		is_str(sb.buf, "one\n2\n3\n4\nfive\n", "with both changes");
		strbuf_reset(&t);
		strbuf_addstr(&t, "uno\n2\n3\n4\n5\n");
		strbuf_reset(&sb);
		merge_file_contents(&b, &o, &t, &sb, &clean, &err);
		ok(!clean && strstr(sb.buf, "<<<<<<<"),
		   "changes of the same line conflict, with markers");
		strbuf_release(&b);
		strbuf_release(&o);
		strbuf_release(&t);
	}

	merge_get_stats(m, &stats);
	/* each merge is fast, cached or a fallback's, but the three that failed */
	is_int(stats.fast + stats.cached + stats.fallbacks + 3, stats.merges,
	       "the counters add up to the %llu merges",
	       (unsigned long long)stats.merges);

	merge_free(m);
	repo_global_shutdown();
	git_cli_cleanup();
	strbuf_release(&err);
	strbuf_release(&sb);
	strbuf_release(&out);
	return done_testing();
}
