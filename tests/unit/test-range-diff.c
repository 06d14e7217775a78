/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon/range-diff.c on its own: the linear assignment against brute
 * force over every permutation, the diff sizes of xdiff's hunks, and the
 * pairing and output of commits built by hand.  (t0420 compares whole
 * outputs with git range-diff.)
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/range-diff.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tests/unit/tap.h"

/* The least total cost over every permutation (n <= 7). */
static int brute_force(int n, const int *cost, int *perm, int k, bool *used)
{
	int best = INT_MAX, c, i;

	if (k == n) {
		for (c = 0, i = 0; i < n; i++)
			c += cost[i + n * perm[i]];
		return c;
	}
	for (i = 0; i < n; i++) {
		if (used[i])
			continue;
		used[i] = true;
		perm[k] = i;
		c = brute_force(n, cost, perm, k + 1, used);
		if (c < best)
			best = c;
		used[i] = false;
	}
	return best;
}

static void test_assign(void)
{
	int cost[49], col2row[7], row2col[7], perm[7];
	bool used[7], consistent, all_ok = true;
	int n, round, i, total, best;
	static const int fixed[9] = { 4, 1, 3, 2, 0, 5, 3, 2, 2 };

	/* cost[col + 3 * row]: the least is 1 + 2 + 2 = 5 */
	range_diff_assign(3, fixed, col2row, row2col);
	for (total = 0, i = 0; i < 3; i++)
		total += fixed[i + 3 * col2row[i]];
	is_int(total, 5, "a 3x3 assignment costs the least (5)");

	range_diff_assign(1, fixed, col2row, row2col);
	ok(col2row[0] == 0 && row2col[0] == 0, "a 1x1 assignment is trivial");

	srand(17);
	for (round = 0; round < 400; round++) {
		n = 2 + round % 6;
		for (i = 0; i < n * n; i++)
			/* few values: many ties, as range-diff's zeros make */
			cost[i] = round % 3 ? rand() % 5 : rand() % 1000;
		range_diff_assign(n, cost, col2row, row2col);
		consistent = true;
		for (total = 0, i = 0; i < n; i++) {
			if (col2row[i] < 0 || col2row[i] >= n ||
			    row2col[col2row[i]] != i)
				consistent = false;
			else
				total += cost[i + n * col2row[i]];
		}
		memset(used, 0, sizeof(used));
		best = brute_force(n, cost, perm, 0, used);
		if (!consistent || total != best) {
			all_ok = false;
			printf("# round %d n %d: got %d, best %d%s\n", round, n,
			       total, best,
			       consistent ? "" : " (inconsistent)");
		}
	}
	ok(all_ok, "400 random assignments are permutations of least cost");
}

/* Texts further apart than line_diff() traces: all removed, all added. */
static void big_texts(void)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	int i;

	for (i = 0; i < 3000; i++) {
		strbuf_addf(&a, "a%d\n", i);
		strbuf_addf(&b, "b%d\n", i);
	}
	is_int(range_diff_diffsize(a.buf, b.buf), 6001,
	       "3000 lines against 3000 others: one hunk of them all");
	strbuf_release(&a);
	strbuf_release(&b);
}

static void test_diffsize(void)
{
	const char *ten = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";

	is_int(range_diff_diffsize(ten, ten), 0, "no difference, no lines");
	/* @@, 3 before, -5, +five, 3 after */
	is_int(range_diff_diffsize(ten, "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n"),
	       9, "one line changed: a hunk of 9 lines");
	/* 2 and 9 changed, 6 lines apart: one hunk of 1 + 10 + 2 */
	is_int(range_diff_diffsize(ten, "1\nB\n3\n4\n5\n6\n7\n8\nI\n10\n"), 13,
	       "changes 6 lines apart share a hunk");
	is_int(range_diff_diffsize("", "a\nb\n"), 3, "an addition to nothing");
	big_texts();
}

/* A commit changing one line of file f from old to new. */
static void make(struct range_diff_commit *c, const char *hex,
		 const char *subject, const char *f, const char *old,
		 const char *new)
{
	struct strbuf line = STRBUF_INIT;

	range_diff_begin(c, hex, "Pat", "pat@example.org", subject);
	range_diff_file(c, f, f, 0100644, 0100644);
	range_diff_hunk(c, "@@ -1,3 +1,3 @@\n", 16);
	range_diff_line(c, ' ', "a\n", 2);
	strbuf_addf(&line, "%s\n", old);
	range_diff_line(c, '-', line.buf, line.len);
	strbuf_reset(&line);
	strbuf_addf(&line, "%s\n", new);
	range_diff_line(c, '+', line.buf, line.len);
	range_diff_line(c, ' ', "c\n", 2);
	strbuf_release(&line);
}

static const char *statuses(const struct range_diff *rd)
{
	static char buf[32];
	size_t i;

	for (i = 0; i < rd->nr && i < sizeof(buf) - 1; i++)
		buf[i] = rd->pairs[i].status;
	buf[i] = '\0';
	return buf;
}

static void test_pairs(void)
{
	struct range_diff_commit a[3], b[3];
	struct strbuf out = STRBUF_INIT;
	struct range_diff rd;
	size_t i;

	make(&a[0], "1111111111", "one", "x.c", "b", "B");
	make(&a[1], "2222222222", "two", "y.c", "b", "BB");
	make(&a[2], "3333333333", "three", "z.c", "long line b", "gone");
	/* v2: two reworded, three dropped, a new four, one moved last */
	make(&b[0], "4444444444", "two\n\nBetter words.\n", "y.c", "b", "BB");
	make(&b[1], "5555555555", "four", "w.c", "q", "Q");
	make(&b[2], "6666666666", "one", "x.c", "b", "B");
	range_diff_compute(a, 3, b, 3, RANGE_DIFF_CREATION_FACTOR, &rd);
	/* the removed three goes out once one and two were shown */
	is_str(statuses(&rd), "!>=<",
	       "reworded, added, moved and removed, in the newer order");
	ok(rd.pairs[0].old == 1 && rd.pairs[0].new == 0,
	   "two pairs with two although its message changed");
	ok(rd.pairs[1].new == 1 && rd.pairs[1].old == -1 &&
		   rd.pairs[3].old == 2 && rd.pairs[3].new == -1,
	   "four stands alone, and three");
	range_diff_format(a, 3, b, 3, &rd, &out);
	ok(strstr(out.buf, "2:  2222222 ! 1:  4444444 two\n") != NULL,
	   "the changed pair's line");
	ok(strstr(out.buf, "3:  3333333 < -:  ------- three\n") != NULL,
	   "the removed commit's line");
	ok(strstr(out.buf, "-:  ------- > 2:  5555555 four\n") != NULL,
	   "the added commit's line");
	ok(strstr(out.buf, "1:  1111111 = 3:  6666666 one\n") != NULL,
	   "the moved commit's line");
	ok(strstr(out.buf, "    @@ Metadata\n") != NULL &&
		   strstr(out.buf, "    +    Better words.\n") != NULL,
	   "the diff of the texts shows the new message line");
	strbuf_release(&out);
	free(rd.pairs);
	for (i = 0; i < 3; i++) {
		range_diff_commit_release(&a[i]);
		range_diff_commit_release(&b[i]);
	}
}

int main(void)
{
	test_assign();
	test_diffsize();
	test_pairs();
	return done_testing();
}
