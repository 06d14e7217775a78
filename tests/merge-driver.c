/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A driver for merge.c that the differential tests run against git:
 *
 *   merge-driver [--fallback=git|libgit2|none] [--verbose] REPO
 *
 * reads lines from stdin and answers each on stdout:
 *
 *   merge OURS THEIRS  ->  the merged tree's hex, or
 *                          "CONFLICT path..." (paths space-separated)
 *   bases ONE TWO      ->  the merge bases' hexes, sorted, space-separated
 *   ancestor A D       ->  "yes" or "no"
 *
 * With --verbose each merge also prints "# method reason" to stderr.
 * Errors print "ERROR message".  At the end --verbose prints the counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/merge.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static int cmp_hex(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void do_merge(struct merge *m, const char *a, const char *b,
		     bool verbose)
{
	char ours[MERGE_HEXSZ + 1], theirs[MERGE_HEXSZ + 1];
	struct strbuf err = STRBUF_INIT;
	struct merge_result res;
	size_t i;

	if (merge_resolve_commit(m, a, ours, &err) < 0 ||
	    merge_resolve_commit(m, b, theirs, &err) < 0 ||
	    merge_commits(m, ours, theirs, &res, &err) < 0) {
		printf("ERROR %s\n", err.buf);
		strbuf_release(&err);
		return;
	}
	if (res.clean) {
		printf("%s\n", res.tree);
	} else {
		printf("CONFLICT");
		for (i = 0; i < res.nr_conflicts; i++)
			printf(" %s", res.conflicts[i]);
		printf("\n");
	}
	if (verbose)
		fprintf(stderr, "# %s %s %s %s bases=%u\n", a, b,
			merge_method_name(res.method),
			res.fallback_reason ? res.fallback_reason : "",
			res.nr_bases);
	merge_result_release(&res);
	strbuf_release(&err);
}

static void do_bases(struct merge *m, const char *a, const char *b)
{
	char one[MERGE_HEXSZ + 1], two[MERGE_HEXSZ + 1];
	char(*bases)[MERGE_HEXSZ + 1];
	struct strbuf err = STRBUF_INIT;
	size_t nr, i;

	if (merge_resolve_commit(m, a, one, &err) < 0 ||
	    merge_resolve_commit(m, b, two, &err) < 0 ||
	    merge_bases(m, one, two, &bases, &nr, &err) < 0) {
		printf("ERROR %s\n", err.buf);
		strbuf_release(&err);
		return;
	}
	qsort(bases, nr, sizeof(*bases), cmp_hex);
	for (i = 0; i < nr; i++)
		printf("%s%s", i ? " " : "", bases[i]);
	printf("\n");
	free(bases);
}

static void do_ancestor(struct merge *m, const char *a, const char *b)
{
	char one[MERGE_HEXSZ + 1], two[MERGE_HEXSZ + 1];
	struct strbuf err = STRBUF_INIT;
	bool yes;

	if (merge_resolve_commit(m, a, one, &err) < 0 ||
	    merge_resolve_commit(m, b, two, &err) < 0 ||
	    merge_is_ancestor(m, one, two, &yes, &err) < 0) {
		printf("ERROR %s\n", err.buf);
		strbuf_release(&err);
		return;
	}
	printf("%s\n", yes ? "yes" : "no");
}

int main(int argc, char **argv)
{
	enum merge_fallback fallback = MERGE_FALLBACK_GIT;
	struct strbuf err = STRBUF_INIT;
	struct merge_stats st;
	bool verbose = false;
	struct merge *m;
	char line[1024];
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--verbose"))
			verbose = true;
		else if (!strcmp(argv[i], "--fallback=git"))
			fallback = MERGE_FALLBACK_GIT;
		else if (!strcmp(argv[i], "--fallback=libgit2"))
			fallback = MERGE_FALLBACK_LIBGIT2;
		else if (!strcmp(argv[i], "--fallback=none"))
			fallback = MERGE_FALLBACK_NONE;
		else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr,
			"usage: merge-driver [--verbose] [--fallback=git|libgit2|none] REPO\n");
		return 2;
	}
	if (repo_global_init(&err) < 0 || merge_open(argv[i], &m, &err) < 0) {
		fprintf(stderr, "fatal: %s\n", err.buf);
		return 1;
	}
	merge_set_fallback(m, fallback);
	while (fgets(line, sizeof(line), stdin)) {
		char verb[16], a[256], b[256];

		if (sscanf(line, "%15s %255s %255s", verb, a, b) != 3) {
			printf("ERROR bad line\n");
		} else if (!strcmp(verb, "merge")) {
			do_merge(m, a, b, verbose);
		} else if (!strcmp(verb, "bases")) {
			do_bases(m, a, b);
		} else if (!strcmp(verb, "ancestor")) {
			do_ancestor(m, a, b);
		} else {
			printf("ERROR unknown verb '%s'\n", verb);
		}
		fflush(stdout);
	}
	if (verbose) {
		merge_get_stats(m, &st);
		fprintf(stderr,
			"# merges %llu fast %llu cached %llu fallbacks %llu dag %llu files %llu trees %llu commits-cached %llu vbase-merges %llu vbases-cached %llu vbases-nested %llu vbase-conflicts %llu reach-walks %llu\n",
			(unsigned long long)st.merges,
			(unsigned long long)st.fast,
			(unsigned long long)st.cached,
			(unsigned long long)st.fallbacks,
			(unsigned long long)st.dag_commits,
			(unsigned long long)st.file_merges,
			(unsigned long long)st.trees_written,
			(unsigned long long)st.commits_cached,
			(unsigned long long)st.vbase_merges,
			(unsigned long long)st.vbases_cached,
			(unsigned long long)st.vbases_nested,
			(unsigned long long)st.vbase_conflicts,
			(unsigned long long)st.reach_walks);
	}
	merge_free(m);
	repo_global_shutdown();
	strbuf_release(&err);
	return 0;
}
