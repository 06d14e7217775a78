// SPDX-License-Identifier: GPL-2.0
/*
 * git range-diff's algorithm (git's range-diff.c and linear-assignment.c
 * describe it): the texts of the commits, exact matches of their diffs
 * first, then the cost matrix and its least-cost assignment, then the
 * output in the newer side's order with the older side's unmatched
 * commits placed once their predecessors were shown.  The line diff is
 * Myers' O(ND) algorithm; hunks and their sizes are xdiff's, with three
 * lines of context.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/range-diff.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* What range_diff_diffsize() answers when a side cannot be diffed. */
#define COST_MAX (1 << 16)

#define CONTEXT 3

/*
 * The most edits line_diff() traces (its memory grows with their
 * square): texts further apart are shown as all removed, then all added.
 */
#define TRACE_MAX 2000

/* --- the texts -------------------------------------------------------- */

void range_diff_begin(struct range_diff_commit *c, const char *hex,
		      const char *author_name, const char *author_email,
		      const char *message)
{
	const char *p = message ? message : "", *eol;
	bool first = true;

	memset(c, 0, sizeof(*c));
	snprintf(c->commit, sizeof(c->commit), "%s", hex);
	c->matching = -1;
	c->text = xmalloc(sizeof(*c->text));
	strbuf_init(c->text, 0);
	eol = strchrnul(p, '\n');
	c->subject = xstrndup(p, eol - p);
	strbuf_addf(c->text, " ## Metadata ##\nAuthor: %s <%s>\n\n",
		    author_name ? author_name : "",
		    author_email ? author_email : "");
	strbuf_addstr(c->text, " ## Commit message ##\n");
	/*
	 * git log indents the message by four spaces (leading blank lines
	 * skipped); range-diff keeps each line without trailing space.
	 */
	while (*p) {
		size_t len;

		eol = strchrnul(p, '\n');
		len = eol - p;
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (!(first && !len)) {
			if (len) {
				strbuf_addstr(c->text, "    ");
				strbuf_add(c->text, p, len);
			}
			strbuf_addch(c->text, '\n');
			first = false;
		}
		p = *eol ? eol + 1 : eol;
	}
}

void range_diff_file(struct range_diff_commit *c, const char *old_path,
		     const char *new_path, unsigned int old_mode,
		     unsigned int new_mode)
{
	strbuf_addch(c->text, '\n');
	if (!c->diff_offset)
		c->diff_offset = c->text->len;
	strbuf_addstr(c->text, " ## ");
	if (!old_path)
		strbuf_addf(c->text, "%s (new)", new_path);
	else if (!new_path)
		strbuf_addf(c->text, "%s (deleted)", old_path);
	else if (strcmp(old_path, new_path))
		strbuf_addf(c->text, "%s => %s", old_path, new_path);
	else
		strbuf_addstr(c->text, new_path);
	if (old_path && new_path && old_mode && new_mode &&
	    old_mode != new_mode)
		strbuf_addf(c->text, " (mode change %06o => %06o)", old_mode,
			    new_mode);
	strbuf_addstr(c->text, " ##\n");
	c->diffsize++;
	free(c->file);
	c->file = xstrdup(new_path ? new_path : old_path);
}

void range_diff_hunk(struct range_diff_commit *c, const char *header,
		     size_t len)
{
	const char *p = NULL, *end = header + len;

	while (len && (header[len - 1] == '\n' || header[len - 1] == '\r'))
		len--;
	end = header + len;
	/* Line numbers go: "@@ -1,2 +1,3 @@ f" becomes "@@ FILE: f". */
	if (len > 3)
		p = memmem(header + 3, len - 3, "@@", 2);
	strbuf_addstr(c->text, "@@");
	if (p && p + 2 < end) {
		strbuf_addf(c->text, " %s:", c->file);
		strbuf_add(c->text, p + 2, end - (p + 2));
	}
	strbuf_addch(c->text, '\n');
	c->diffsize++;
}

void range_diff_line(struct range_diff_commit *c, char origin,
		     const char *content, size_t len)
{
	if (len && content[len - 1] == '\n')
		len--;
	strbuf_addch(c->text, origin == '-' || origin == '+' ? origin : ' ');
	strbuf_add(c->text, content, len);
	strbuf_addch(c->text, '\n');
	c->diffsize++;
}

void range_diff_commit_release(struct range_diff_commit *c)
{
	if (c->text) {
		strbuf_release(c->text);
		free(c->text);
	}
	free(c->subject);
	free(c->file);
	memset(c, 0, sizeof(*c));
	c->matching = -1;
}

/* The diff part of a commit's text, what pairs are matched by. */
static const char *diff_part(const struct range_diff_commit *c)
{
	return c->text->buf + c->diff_offset;
}

/* --- the line diff ------------------------------------------------------ */

struct line {
	const char *p;
	size_t len; /* without the newline */
	uint32_t hash;
};

struct lines {
	struct line *v;
	int nr;
};

static void lines_split(const char *text, struct lines *out)
{
	const char *p = text;
	int alloc = 16;

	out->nr = 0;
	ALLOC_ARRAY(out->v, alloc);
	while (*p) {
		const char *eol = strchrnul(p, '\n');
		struct line *l;
		const char *q;

		if (out->nr == alloc) {
			alloc *= 2;
			out->v = xrealloc(out->v, alloc * sizeof(*out->v));
		}
		l = &out->v[out->nr++];
		l->p = p;
		l->len = eol - p;
		/* FNV-1a */
		l->hash = 2166136261u;
		for (q = p; q < eol; q++)
			l->hash = (l->hash ^ (unsigned char)*q) * 16777619u;
		p = *eol ? eol + 1 : eol;
	}
}

static bool line_eq(const struct line *a, const struct line *b)
{
	return a->hash == b->hash && a->len == b->len &&
	       !memcmp(a->p, b->p, a->len);
}

/* The edits from a to b (Myers' D), or -1 when there are more than max. */
static int edit_distance(const struct lines *a, const struct lines *b, int max)
{
	int n = a->nr, m = b->nr, d, k, x, y, *v, ret = -1;

	if (max > n + m)
		max = n + m;
	ALLOC_ARRAY(v, 2 * max + 3);
	v += max + 1;
	for (d = 0; d <= max && ret < 0; d++)
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && v[k - 1] < v[k + 1]))
				x = v[k + 1];
			else
				x = v[k - 1] + 1;
			y = x - k;
			while (x < n && y < m && line_eq(&a->v[x], &b->v[y])) {
				x++;
				y++;
			}
			v[k] = x;
			if (x >= n && y >= m) {
				ret = d;
				break;
			}
		}
	free(v - max - 1);
	return ret;
}

/*
 * The edit script from a to b, in order: '=' a line of both, '-' one of
 * a only, '+' one of b only; in each run of changes the removals come
 * first, as in git's diffs.  *ops is allocated (free it), its length
 * returned.
 */
static int line_diff(const struct lines *a, const struct lines *b, char **ops)
{
	int n = a->nr, m = b->nr, max = n + m, d, k, x, y, nr = 0, i, j;
	int *v, **trace;
	char *rev, *out;

	if (edit_distance(a, b, TRACE_MAX) < 0) {
		ALLOC_ARRAY(out, n + m + 1);
		memset(out, '-', n);
		memset(out + n, '+', m);
		*ops = out;
		return n + m;
	}

	/* v[k] for k in -max-1 .. max+1 */
	ALLOC_ARRAY(v, 2 * max + 3);
	ALLOC_ARRAY(trace, max + 1);
	v += max + 1;
	v[1] = 0;
	for (d = 0; d <= max; d++) {
		/* Keep v[-d-1 .. d+1] as it was before step d. */
		ALLOC_ARRAY(trace[d], 2 * d + 3);
		memcpy(trace[d], v - d - 1, (2 * d + 3) * sizeof(int));
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && v[k - 1] < v[k + 1]))
				x = v[k + 1];
			else
				x = v[k - 1] + 1;
			y = x - k;
			while (x < n && y < m && line_eq(&a->v[x], &b->v[y])) {
				x++;
				y++;
			}
			v[k] = x;
			if (x >= n && y >= m)
				goto found;
		}
	}
found:
	ALLOC_ARRAY(rev, max + 1);
	x = n;
	y = m;
	for (; d >= 0; d--) {
		int *t = trace[d] + d + 1, pk, px, py;

		k = x - y;
		if (k == -d || (k != d && t[k - 1] < t[k + 1]))
			pk = k + 1;
		else
			pk = k - 1;
		px = t[pk];
		py = px - pk;
		while (x > px && y > py) {
			rev[nr++] = '=';
			x--;
			y--;
		}
		if (d > 0)
			rev[nr++] = x == px ? '+' : '-';
		x = px;
		y = py;
	}
	for (i = 0; i <= max && trace[i]; i++)
		free(trace[i]);
	free(trace);
	free(v - max - 1);

	/* Reverse, and put each run's removals before its additions. */
	ALLOC_ARRAY(out, nr + 1);
	for (i = 0; i < nr; i++)
		out[i] = rev[nr - 1 - i];
	free(rev);
	for (i = 0; i < nr; i = j) {
		int del = 0, add;

		for (j = i; j < nr && out[j] != '='; j++)
			del += out[j] == '-';
		if (j == i) {
			j++;
			continue;
		}
		add = (j - i) - del;
		memset(out + i, '-', del);
		memset(out + i + del, '+', add);
	}
	*ops = out;
	return nr;
}

/*
 * A hunk of an edit script: ops[start..end) with the context around its
 * changes, changes closer than twice the context apart in one hunk, as
 * xdiff makes them.  Returns false past the last hunk.
 */
static bool next_hunk(const char *ops, int nr, int *pos, int *start, int *end)
{
	int i = *pos, last, gap;

	while (i < nr && ops[i] == '=')
		i++;
	if (i >= nr)
		return false;
	*start = i - CONTEXT > 0 ? i - CONTEXT : 0;
	for (;;) {
		while (i < nr && ops[i] != '=')
			i++;
		last = i;
		for (gap = 0; i < nr && ops[i] == '='; i++)
			gap++;
		if (i >= nr || gap > 2 * CONTEXT)
			break;
	}
	*end = last + CONTEXT < nr ? last + CONTEXT : nr;
	*pos = *end;
	return true;
}

/*
 * range_diff_diffsize(), or bound + 1 when it would be over bound: every
 * edit is a line of the diff, so more than bound edits is too.
 */
static int diffsize_bounded(const char *a, const char *b, int bound)
{
	struct lines la, lb;
	int nr, pos = 0, start, end, count = 0;
	char *ops;

	if (!a || !b)
		return COST_MAX;
	lines_split(a, &la);
	lines_split(b, &lb);
	if (edit_distance(&la, &lb, bound) < 0) {
		count = bound + 1;
		goto out;
	}
	nr = line_diff(&la, &lb, &ops);
	while (next_hunk(ops, nr, &pos, &start, &end))
		count += 1 + (end - start);
	free(ops);
out:
	free(la.v);
	free(lb.v);
	return count;
}

int range_diff_diffsize(const char *a, const char *b)
{
	return diffsize_bounded(a, b, INT_MAX / 4);
}

/* --- the assignment ------------------------------------------------------ */

/*
 * Jonker and Volgenant (1987), "A shortest augmenting path algorithm for
 * dense and sparse linear assignment problems": reduce the columns, pass
 * the reduction on to the rows, give free rows columns by augmenting
 * row reduction (twice), then augment along shortest alternating paths
 * (Dijkstra on reduced costs) for the rows still free.  v[] holds the
 * column prices; costs are ints, as in git.
 */
#define C(col, row) cost[(col) + n * (row)]

/* Smallest and second smallest reduced cost of row: columns *j1, *j2. */
static void two_cheapest(int n, const int *cost, const int *v, int row, int *j1,
			 int *u1, int *j2, int *u2)
{
	int j, c;

	*j1 = 0;
	*u1 = C(0, row) - v[0];
	*j2 = -1;
	*u2 = INT_MAX;
	for (j = 1; j < n; j++) {
		c = C(j, row) - v[j];
		if (c >= *u2)
			continue;
		if (c > *u1) {
			*u2 = c;
			*j2 = j;
		} else {
			*u2 = *u1;
			*j2 = *j1;
			*u1 = c;
			*j1 = j;
		}
	}
	if (*j2 < 0) {
		*j2 = *j1;
		*u2 = *u1;
	}
}

static void augment(int n, const int *cost, int *v, int *col2row, int *row2col,
		    int row, int *d, int *pred, int *todo)
{
	int j, k, lo = 0, hi = 0, done, min = 0, c, u, r, col = -1;

	for (j = 0; j < n; j++) {
		d[j] = C(j, row) - v[j];
		pred[j] = row;
		todo[j] = j;
	}
	/*
	 * todo[0..done) are scanned, todo[lo..hi) are at distance min
	 * waiting to be scanned, todo[hi..n) are farther.
	 */
	for (;;) {
		done = lo;
		min = d[todo[hi++]];
		for (k = hi; k < n; k++) {
			j = todo[k];
			if (d[j] > min)
				continue;
			if (d[j] < min) {
				hi = lo;
				min = d[j];
			}
			todo[k] = todo[hi];
			todo[hi++] = j;
		}
		for (k = lo; k < hi; k++)
			if (col2row[todo[k]] == -1) {
				col = todo[k];
				goto found;
			}
		do {
			int j1 = todo[lo++];

			r = col2row[j1];
			u = C(j1, r) - v[j1] - min;
			for (k = hi; k < n; k++) {
				j = todo[k];
				c = C(j, r) - v[j] - u;
				if (c >= d[j])
					continue;
				d[j] = c;
				pred[j] = r;
				if (c != min)
					continue;
				if (col2row[j] == -1) {
					col = j;
					goto found;
				}
				todo[k] = todo[hi];
				todo[hi++] = j;
			}
		} while (lo != hi);
	}
found:
	/* The scanned columns' prices, then flip the path. */
	for (k = 0; k < done; k++)
		v[todo[k]] += d[todo[k]] - min;
	do {
		r = pred[col];
		col2row[col] = r;
		k = row2col[r];
		row2col[r] = col;
		col = k;
	} while (r != row);
}

void range_diff_assign(int n, const int *cost, int *col2row, int *row2col)
{
	int *v, *free_rows, nr_free = 0, i, j, pass;
	int *d, *pred, *todo;

	if (n < 2) {
		if (n == 1)
			col2row[0] = row2col[0] = 0;
		return;
	}
	for (i = 0; i < n; i++)
		col2row[i] = row2col[i] = -1;
	ALLOC_ARRAY(v, n);
	ALLOC_ARRAY(free_rows, n);

	/*
	 * Column reduction, last column first: each column's price is its
	 * cheapest row, which takes it if still free; a row that could
	 * take several is marked (-2 - col) and keeps the first.
	 */
	for (j = n - 1; j >= 0; j--) {
		int best = 0;

		for (i = 1; i < n; i++)
			if (C(j, i) < C(j, best))
				best = i;
		v[j] = C(j, best);
		if (row2col[best] == -1) {
			row2col[best] = j;
			col2row[j] = best;
		} else {
			if (row2col[best] >= 0)
				row2col[best] = -2 - row2col[best];
			col2row[j] = -1;
		}
	}

	/* Reduction transfer: a row assigned once lowers its column's price. */
	for (i = 0; i < n; i++) {
		int own = row2col[i], min;

		if (own == -1) {
			free_rows[nr_free++] = i;
			continue;
		}
		if (own < -1) {
			row2col[i] = -2 - own;
			continue;
		}
		min = C(!own, i) - v[!own];
		for (j = 1; j < n; j++)
			if (j != own && C(j, i) - v[j] < min)
				min = C(j, i) - v[j];
		v[own] -= min;
	}
	if (!nr_free)
		goto out;

	/* Augmenting row reduction, twice over the free rows. */
	for (pass = 0; pass < 2; pass++) {
		int k = 0, todo_nr = nr_free;

		nr_free = 0;
		while (k < todo_nr) {
			int j1, u1, j2, u2, prev;

			i = free_rows[k++];
			two_cheapest(n, cost, v, i, &j1, &u1, &j2, &u2);
			prev = col2row[j1];
			if (u1 < u2)
				v[j1] -= u2 - u1;
			else if (prev >= 0) {
				j1 = j2;
				prev = col2row[j1];
			}
			if (prev >= 0) {
				/* Its row goes back: at once when j1 got cheaper. */
				if (u1 < u2)
					free_rows[--k] = prev;
				else
					free_rows[nr_free++] = prev;
			}
			row2col[i] = j1;
			col2row[j1] = i;
		}
	}

	ALLOC_ARRAY(d, n);
	ALLOC_ARRAY(pred, n);
	ALLOC_ARRAY(todo, n);
	for (i = 0; i < nr_free; i++)
		augment(n, cost, v, col2row, row2col, free_rows[i], d, pred,
			todo);
	free(d);
	free(pred);
	free(todo);
out:
	free(v);
	free(free_rows);
}

#undef C

/* --- pairing ------------------------------------------------------------- */

/*
 * Commits whose diffs are the same pair at no cost; with several alike
 * the newest of the old side is taken first, as git's hash map does.
 */
static void exact_matches(struct range_diff_commit *old, size_t nr_old,
			  struct range_diff_commit *new, size_t nr_new)
{
	size_t i, j;

	for (j = 0; j < nr_new; j++)
		for (i = nr_old; i-- > 0;) {
			if (old[i].matching >= 0 ||
			    strcmp(diff_part(&old[i]), diff_part(&new[j])))
				continue;
			old[i].matching = j;
			new[j].matching = i;
			break;
		}
}

static void correspond(struct range_diff_commit *old, size_t nr_old,
		       struct range_diff_commit *new, size_t nr_new, int factor)
{
	int n = nr_old + nr_new, *cost, *a2b, *b2a, c;
	size_t i, j;

	ALLOC_ARRAY(cost, (size_t)n * n + 1);
	ALLOC_ARRAY(a2b, n + 1);
	ALLOC_ARRAY(b2a, n + 1);
	for (i = 0; i < nr_old; i++) {
		for (j = 0; j < nr_new; j++) {
			if (old[i].matching == (int)j)
				c = 0;
			else if (old[i].matching < 0 && new[j].matching < 0)
				/*
				 * A pair dearer than leaving both alone is
				 * never the answer: stop counting there.
				 */
				c = diffsize_bounded(diff_part(&old[i]),
						     diff_part(&new[j]),
						     (old[i].diffsize +
						      new[j].diffsize) *
							     factor / 100);
			else
				c = COST_MAX;
			cost[i + n * j] = c;
		}
		c = old[i].matching < 0 ? old[i].diffsize * factor / 100 :
					  COST_MAX;
		for (j = nr_new; j < (size_t)n; j++)
			cost[i + n * j] = c;
	}
	for (j = 0; j < nr_new; j++) {
		c = new[j].matching < 0 ? new[j].diffsize *factor / 100 :
					  COST_MAX;
		for (i = nr_old; i < (size_t)n; i++)
			cost[i + n * j] = c;
	}
	for (i = nr_old; i < (size_t)n; i++)
		for (j = nr_new; j < (size_t)n; j++)
			cost[i + n * j] = 0;

	range_diff_assign(n, cost, a2b, b2a);
	for (i = 0; i < nr_old; i++)
		if (a2b[i] >= 0 && a2b[i] < (int)nr_new) {
			old[i].matching = a2b[i];
			new[a2b[i]].matching = i;
		}
	free(cost);
	free(a2b);
	free(b2a);
}

static void add_pair(struct range_diff *rd, size_t *alloc, int a, int b,
		     char status)
{
	if (rd->nr == *alloc) {
		*alloc = *alloc ? 2 * *alloc : 8;
		rd->pairs = xrealloc(rd->pairs, *alloc * sizeof(*rd->pairs));
	}
	rd->pairs[rd->nr++] = (struct range_diff_pair){ a, b, status };
}

void range_diff_compute(struct range_diff_commit *old, size_t nr_old,
			struct range_diff_commit *new, size_t nr_new,
			int creation_factor, struct range_diff *out)
{
	size_t i = 0, j = 0, alloc = 0;
	bool *shown;

	memset(out, 0, sizeof(*out));
	exact_matches(old, nr_old, new, nr_new);
	correspond(old, nr_old, new, nr_new, creation_factor);

	/*
	 * In the newer side's order; an unmatched old commit goes out once
	 * every old commit before it was shown.
	 */
	ALLOC_ARRAY(shown, nr_old + 1);
	while (i < nr_old || j < nr_new) {
		while (i < nr_old && shown[i])
			i++;
		if (i < nr_old && old[i].matching < 0) {
			add_pair(out, &alloc, i, -1, '<');
			i++;
			continue;
		}
		while (j < nr_new && new[j].matching < 0) {
			add_pair(out, &alloc, -1, j, '>');
			j++;
		}
		if (j < nr_new) {
			int a = new[j].matching;

			add_pair(out, &alloc, a, j,
				 strcmp(old[a].text->buf, new[j].text->buf) ?
					 '!' :
					 '=');
			shown[a] = true;
			j++;
		}
	}
	free(shown);
}

/* --- output --------------------------------------------------------------- */

/* The section a line names, for hunk headers: " ## X ##" or "@@ X". */
static bool funcname(const struct line *l, const char **p, size_t *len)
{
	const char *s = l->p, *e = l->p + l->len;

	if (l->len >= 7 && !memcmp(s, " ## ", 4) && !memcmp(e - 3, " ##", 3)) {
		*p = s + 4;
		*len = l->len - 7;
		return true;
	}
	if (l->len && s[0] != '@')
		s++;
	if (e - s >= 3 && !memcmp(s, "@@ ", 3)) {
		*p = s + 3;
		*len = e - (s + 3);
		return true;
	}
	return false;
}

/* The diff of two commits' texts, indented, as range-diff shows it. */
static void patch_diff(const char *a, const char *b, struct strbuf *out)
{
	struct lines la, lb;
	int nr, pos = 0, start, end, k, x = 0, y = 0, ax, f, fn_from = 0;
	const char *fp = NULL;
	size_t flen = 0;
	char *ops;

	lines_split(a, &la);
	lines_split(b, &lb);
	nr = line_diff(&la, &lb, &ops);
	while (next_hunk(ops, nr, &pos, &start, &end)) {
		/* The lines of a and b before the hunk. */
		x = y = 0;
		for (k = 0; k < start; k++) {
			x += ops[k] != '+';
			y += ops[k] != '-';
		}
		/* The nearest section header above the hunk, in a. */
		for (ax = x - 1; ax >= fn_from; ax--)
			if (funcname(&la.v[ax], &fp, &flen))
				break;
		fn_from = x;
		strbuf_addstr(out, "    @@");
		if (fp && flen) {
			strbuf_addch(out, ' ');
			strbuf_add(out, fp, flen);
		}
		strbuf_addch(out, '\n');
		for (k = start; k < end; k++) {
			const struct line *l;

			f = ops[k];
			l = f == '+' ? &lb.v[y] : &la.v[x];
			strbuf_addstr(out, "    ");
			strbuf_addch(out, f == '=' ? ' ' : f);
			strbuf_add(out, l->p, l->len);
			strbuf_addch(out, '\n');
			x += f != '+';
			y += f != '-';
		}
	}
	free(ops);
	free(la.v);
	free(lb.v);
}

static int decimal_width(size_t n)
{
	int w = 1;

	while (n >= 10) {
		n /= 10;
		w++;
	}
	return w;
}

void range_diff_format(const struct range_diff_commit *old, size_t nr_old,
		       const struct range_diff_commit *new, size_t nr_new,
		       const struct range_diff *rd, struct strbuf *out)
{
	int w = decimal_width(1 + (nr_old > nr_new ? nr_old : nr_new));
	size_t i;

	for (i = 0; i < rd->nr; i++) {
		const struct range_diff_pair *p = &rd->pairs[i];
		const struct range_diff_commit *a, *b;

		a = p->old >= 0 ? &old[p->old] : NULL;
		b = p->new >= 0 ? &new[p->new] : NULL;
		if (a)
			strbuf_addf(out, "%*d:  %.7s ", w, p->old + 1,
				    a->commit);
		else
			strbuf_addf(out, "%*s:  ------- ", w, "-");
		strbuf_addch(out, p->status);
		if (b)
			strbuf_addf(out, " %*d:  %.7s", w, p->new + 1,
				    b->commit);
		else
			strbuf_addf(out, " %*s:  -------", w, "-");
		strbuf_addf(out, " %s\n", a ? a->subject : b->subject);
		if (p->status == '!')
			patch_diff(a->text->buf, b->text->buf, out);
	}
}
