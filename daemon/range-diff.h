/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_RANGE_DIFF_H
#define CTHULHU_RANGE_DIFF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

/*
 * What changed between two versions of a series, as `git range-diff`
 * says it: each commit becomes a text of its author, its message and
 * its diff without line numbers; the commits of both sides are paired
 * by the linear assignment that costs least, where pairing two commits
 * costs the size of the diff between their diffs and leaving one
 * unpaired costs its diff's size times the creation factor; the output
 * follows the newer side, with the diff of the texts of changed pairs.
 * Plain C: the git side (daemon/series-range.c) feeds the texts in.
 */

/* git's default --creation-factor, in percent. */
#define RANGE_DIFF_CREATION_FACTOR 60

/* One commit of a side. */
struct range_diff_commit {
	char commit[41]; /* hex */
	char *subject;
	struct strbuf *text; /* the range-diff text, see range_diff_begin() */
	size_t diff_offset;  /* where the diff starts in text */
	int diffsize;	     /* the lines of the diff part */
	int matching;	     /* index on the other side, -1 for none */
	char *file;	     /* the file range_diff_file() began */
};

/* One line of the output, in output order. */
struct range_diff_pair {
	int old, new; /* indices into each side, -1 for none */
	char status;  /* '=' same, '!' changed, '<' only old, '>' only new */
};

struct range_diff {
	struct range_diff_pair *pairs;
	size_t nr;
};

/*
 * Building a commit's text: range_diff_begin() with its author and
 * message (the whole message, subject first), then for each file of its
 * diff range_diff_file() and its hunks and lines.  c->text is allocated
 * here; range_diff_commit_release() frees it and the subject.
 */
void range_diff_begin(struct range_diff_commit *c, const char *hex,
		      const char *author_name, const char *author_email,
		      const char *message);
/*
 * A file of the diff: old_path and new_path (NULL when the file is new
 * or deleted), their modes (0 for none).
 */
void range_diff_file(struct range_diff_commit *c, const char *old_path,
		     const char *new_path, unsigned int old_mode,
		     unsigned int new_mode);
/* A hunk's header as git prints it ("@@ -1,2 +1,3 @@ int f(void)"). */
void range_diff_hunk(struct range_diff_commit *c, const char *header,
		     size_t len);
/* A line of a hunk: origin ' ', '-' or '+' (others as context). */
void range_diff_line(struct range_diff_commit *c, char origin,
		     const char *content, size_t len);
void range_diff_commit_release(struct range_diff_commit *c);

/*
 * Pair old[0..nr_old) with new[0..nr_new) (their matching fields are
 * set) with creation_factor in percent, and list the output lines into
 * out; free out->pairs.
 */
void range_diff_compute(struct range_diff_commit *old, size_t nr_old,
			struct range_diff_commit *new, size_t nr_new,
			int creation_factor, struct range_diff *out);

/*
 * The output of `git range-diff` for rd, uncoloured, appended to out:
 * "1:  abc1234 = 1:  def5678 subject" lines, a changed pair followed by
 * the diff of its texts indented by four spaces.
 */
void range_diff_format(const struct range_diff_commit *old, size_t nr_old,
		       const struct range_diff_commit *new, size_t nr_new,
		       const struct range_diff *rd, struct strbuf *out);

/*
 * The lines of a unified diff with three lines of context between the
 * texts a and b (hunk headers and every line of a hunk), as git's
 * diffsize() counts them for the cost of a pair.
 */
int range_diff_diffsize(const char *a, const char *b);

/*
 * The linear assignment of least total cost (Jonker and Volgenant's
 * shortest augmenting path algorithm): cost[col + n * row] is the cost
 * of giving column col to row row in an n x n matrix; col2row[] and
 * row2col[] (n each, the caller's) receive the assignment.
 */
void range_diff_assign(int n, const int *cost, int *col2row, int *row2col);

#endif
