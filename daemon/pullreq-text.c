/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text of a pull request as git writes it: `git request-pull`'s
 * request around a tag, its shortlog and its diffstat, and the pieces of
 * git's text the tag's message is made of.
 *
 * The shortlog and the diffstat follow git's builtin/shortlog.c and
 * diff.c (show_stats(), pprint_rename(), the --summary lines) rather than
 * libgit2's git_diff_stats_to_buf(), whose column widths and scaling are
 * not git's (a file of 9 changed lines gets a two-digit column there).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <git2.h>

#include "daemon/pullreq-text.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define SEPARATOR \
	"----------------------------------------------------------------\n"
/* git diff --stat's width when its output is not a terminal. */
#define STAT_WIDTH 80

/* --- text as git writes it -------------------------------------------- */

size_t pullreq_text_trimmed_len(const char *line, size_t len)
{
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
		       line[len - 1] == '\n' || line[len - 1] == '\r' ||
		       line[len - 1] == '\v' || line[len - 1] == '\f'))
		len--;
	return len;
}

size_t pullreq_text_line_len(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl ? (size_t)(nl - s + 1) : strlen(s);
}

static const char *skip_blank_lines(const char *s)
{
	size_t len;

	while (*s) {
		len = pullreq_text_line_len(s);
		if (pullreq_text_trimmed_len(s, len))
			break;
		s += len;
	}
	return s;
}

void pullreq_text_subject(struct strbuf *sb, const char *msg)
{
	bool first = true;
	size_t len, trim;

	msg = skip_blank_lines(msg);
	while (*msg) {
		len = pullreq_text_line_len(msg);
		trim = pullreq_text_trimmed_len(msg, len);
		if (!trim)
			break;
		if (!first)
			strbuf_addch(sb, ' ');
		strbuf_add(sb, msg, trim);
		first = false;
		msg += len;
	}
}

/* "  <subject> (<committer date as %ci>)\n" */
static void add_commit_line(struct strbuf *sb, const git_commit *c)
{
	const git_signature *who = git_commit_committer(c);
	int off = who->when.offset, aoff = off < 0 ? -off : off;
	time_t t = (time_t)who->when.time + (time_t)off * 60;
	struct tm tm;

	gmtime_r(&t, &tm);
	strbuf_addstr(sb, "  ");
	pullreq_text_subject(sb, git_commit_message(c));
	strbuf_addf(sb, " (%04d-%02d-%02d %02d:%02d:%02d %c%02d%02d)\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', aoff / 60,
		    aoff % 60);
}

void pullreq_text_stripspace(struct strbuf *out, const char *in)
{
	bool pending_blank = false, any = false;
	size_t len, trim;

	while (*in) {
		len = pullreq_text_line_len(in);
		trim = pullreq_text_trimmed_len(in, len);
		if (!trim) {
			pending_blank = any;
		} else {
			if (pending_blank)
				strbuf_addch(out, '\n');
			strbuf_add(out, in, trim);
			strbuf_addch(out, '\n');
			pending_blank = false;
			any = true;
		}
		in += len;
	}
}

/* Whether git quotes path (core.quotePath on, as by default). */
static bool path_needs_quote(const char *path)
{
	const unsigned char *p;

	for (p = (const unsigned char *)path; *p; p++)
		if (*p < 0x20 || *p == '"' || *p == '\\' || *p >= 0x7f)
			return true;
	return false;
}

/* What git's quote_c_style() writes as a backslash and a letter. */
static const char c_escaped[] = "\a\b\t\n\v\f\r\"\\";
static const char c_escapes[] = "abtnvfr\"\\";

/* git's quote_c_style(): the path as is, or in quotes with escapes. */
static void add_path(struct strbuf *sb, const char *path)
{
	const unsigned char *p;

	if (!path_needs_quote(path)) {
		strbuf_addstr(sb, path);
		return;
	}
	strbuf_addch(sb, '"');
	for (p = (const unsigned char *)path; *p; p++) {
		/* *p is not NUL, so strchr() finds no terminator */
		const char *e = strchr(c_escaped, *p);

		if (e) {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, c_escapes[e - c_escaped]);
		} else if (*p < 0x20 || *p >= 0x7f) {
			strbuf_addf(sb, "\\%03o", *p);
		} else {
			strbuf_addch(sb, *p);
		}
	}
	strbuf_addch(sb, '"');
}

/*
 * git's pprint_rename(): "dir/{old => new}/rest", the common leading and
 * trailing directories taken out.
 */
static void add_rename(struct strbuf *sb, const char *a, const char *b)
{
	int len_a = strlen(a), len_b = strlen(b);
	int pfx = 0, sfx = 0, adjust, a_mid, b_mid;
	const char *o = a, *n = b;

	if (path_needs_quote(a) || path_needs_quote(b)) {
		add_path(sb, a);
		strbuf_addstr(sb, " => ");
		add_path(sb, b);
		return;
	}
	while (*o && *n && *o == *n) {
		if (*o == '/')
			pfx = o - a + 1;
		o++;
		n++;
	}
	o = a + len_a;
	n = b + len_b;
	adjust = pfx ? 1 : 0;
	while (a + pfx - adjust <= o && b + pfx - adjust <= n && *o == *n) {
		if (*o == '/')
			sfx = len_a - (o - a);
		o--;
		n--;
	}
	a_mid = len_a - pfx - sfx;
	b_mid = len_b - pfx - sfx;
	if (a_mid < 0)
		a_mid = 0;
	if (b_mid < 0)
		b_mid = 0;
	if (pfx + sfx) {
		strbuf_add(sb, a, pfx);
		strbuf_addch(sb, '{');
	}
	strbuf_add(sb, a + pfx, a_mid);
	strbuf_addstr(sb, " => ");
	strbuf_add(sb, b + pfx, b_mid);
	if (pfx + sfx) {
		strbuf_addch(sb, '}');
		strbuf_add(sb, a + len_a - sfx, sfx);
	}
}

/* Display width of UTF-8 text, one column a character. */
static int str_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static int decimal_width(uintmax_t n)
{
	int w = 1;

	while (n >= 10) {
		n /= 10;
		w++;
	}
	return w;
}

/* --- the shortlog ------------------------------------------------------ */

struct shortlog_item {
	char *name;
	char *subject;
	size_t seq; /* place in the walk, newest first */
};

static int cmp_shortlog(const void *x, const void *y)
{
	const struct shortlog_item *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	/* git prints an author's commits oldest first */
	return a->seq < b->seq ? 1 : a->seq > b->seq ? -1 : 0;
}

/*
 * The subject as git shortlog shows it: a leading "[PATCH ...]" taken
 * off, as insert_one_record() does.
 */
static char *shortlog_subject(const char *msg)
{
	struct strbuf one = STRBUF_INIT, out = STRBUF_INIT;
	const char *p, *eol, *eob;

	pullreq_text_subject(&one, msg);
	p = one.buf;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	eol = p + strlen(p);
	if (starts_with(p, "[PATCH")) {
		eob = strchr(p, ']');
		if (eob && eob < eol)
			p = eob + 1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	pullreq_text_subject(&out, p);
	strbuf_release(&one);
	return strbuf_detach(&out, NULL);
}

/*
 * The commits of base_rev..tip in the order git's default revision walk
 * gives them (what git shortlog reads): a list kept by committer date,
 * newest first, a commit's parents inserted after every commit of the
 * same date or newer, in parent order, when the commit is taken from
 * the list.  libgit2's GIT_SORT_TIME breaks ties of equal dates its own
 * way, and commits made within a second (git am, rebase) are common.
 * Commits outside the range cannot change the order of those inside, so
 * only the range is walked.  *order (caller frees) gets the commits.
 */
struct walk_node {
	git_oid oid;
	git_time_t date;
	size_t *parents; /* indexes of the parents in the range */
	size_t nr_parents;
	size_t next; /* the next in the date list, or WALK_END */
	bool seen;
};
#define WALK_END ((size_t)-1)

static int cmp_walk_node(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct walk_node *)a)->oid,
			   &((const struct walk_node *)b)->oid);
}

static size_t walk_find(struct walk_node *nodes, size_t nr, const git_oid *id)
{
	struct walk_node key, *n;

	git_oid_cpy(&key.oid, id);
	n = bsearch(&key, nodes, nr, sizeof(*nodes), cmp_walk_node);
	return n ? (size_t)(n - nodes) : WALK_END;
}

static int walk_range(const struct pullreq_range *pr, git_oid **order,
		      size_t *nr_out, struct strbuf *err)
{
	struct walk_node *nodes = NULL;
	size_t nr = 0, alloc = 0, i, k, p, head, *pp, nr_out_ = 0;
	git_revwalk *walk = NULL;
	git_commit *c = NULL;
	git_oid oid;
	int ret;

	*order = NULL;
	*nr_out = 0;
	if (git_revwalk_new(&walk, pr->repo) < 0 ||
	    git_revwalk_push(walk, pr->tip) < 0 ||
	    git_revwalk_hide(walk, pr->base_rev) < 0) {
		ret = repo_error(err, -EIO, "cannot walk '%s'", pr->topic);
		goto out;
	}
	while (!(ret = git_revwalk_next(&oid, walk))) {
		if (nr == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			nodes = xrealloc(nodes, alloc * sizeof(*nodes));
		}
		memset(&nodes[nr], 0, sizeof(nodes[nr]));
		git_oid_cpy(&nodes[nr++].oid, &oid);
	}
	if (ret != GIT_ITEROVER) {
		ret = repo_error(err, -EIO, "cannot walk '%s'", pr->topic);
		goto out;
	}
	ret = 0;
	if (!nr)
		goto out;
	qsort(nodes, nr, sizeof(*nodes), cmp_walk_node);
	for (i = 0; i < nr; i++) {
		if (git_commit_lookup(&c, pr->repo, &nodes[i].oid) < 0) {
			ret = repo_error(err, -EIO, "cannot read commit %s",
					 git_oid_tostr_s(&nodes[i].oid));
			goto out;
		}
		nodes[i].date = git_commit_time(c);
		nodes[i].next = WALK_END;
		ALLOC_ARRAY(nodes[i].parents, git_commit_parentcount(c) + 1);
		for (k = 0; k < git_commit_parentcount(c); k++) {
			p = walk_find(nodes, nr, git_commit_parent_id(c, k));
			if (p != WALK_END)
				nodes[i].parents[nodes[i].nr_parents++] = p;
		}
		git_commit_free(c);
		c = NULL;
	}

	*order = xcalloc(nr, sizeof(**order));
	head = walk_find(nodes, nr, pr->tip);
	if (head == WALK_END)
		goto out;
	nodes[head].seen = true;
	while (head != WALK_END) {
		i = head;
		head = nodes[i].next;
		git_oid_cpy(&(*order)[nr_out_++], &nodes[i].oid);
		for (k = 0; k < nodes[i].nr_parents; k++) {
			p = nodes[i].parents[k];
			if (nodes[p].seen)
				continue;
			nodes[p].seen = true;
			for (pp = &head; *pp != WALK_END &&
					 nodes[*pp].date >= nodes[p].date;
			     pp = &nodes[*pp].next)
				;
			nodes[p].next = *pp;
			*pp = p;
		}
	}
	*nr_out = nr_out_;
out:
	for (i = 0; i < nr; i++)
		free(nodes[i].parents);
	free(nodes);
	git_revwalk_free(walk);
	return ret;
}

int pullreq_text_shortlog(const struct pullreq_range *pr, struct strbuf *out,
			  size_t *count, struct strbuf *err)
{
	struct shortlog_item *items = NULL;
	git_mailmap *mailmap = NULL;
	git_oid *order = NULL;
	size_t nr = 0, i, j;
	git_commit *c;
	int ret;

	if (git_mailmap_from_repository(&mailmap, pr->repo) < 0)
		mailmap = NULL;
	ret = walk_range(pr, &order, &nr, err);
	if (ret)
		goto out;
	items = xcalloc(nr + 1, sizeof(*items));
	for (i = 0; i < nr; i++) {
		git_signature *author = NULL;

		if (git_commit_lookup(&c, pr->repo, &order[i]) < 0) {
			ret = repo_error(err, -EIO, "cannot read commit %s",
					 git_oid_tostr_s(&order[i]));
			goto out;
		}
		if (mailmap &&
		    !git_commit_author_with_mailmap(&author, c, mailmap)) {
			items[i].name = xstrdup(author->name);
			git_signature_free(author);
		} else {
			items[i].name = xstrdup(git_commit_author(c)->name);
		}
		items[i].subject = shortlog_subject(git_commit_message(c));
		items[i].seq = i;
		git_commit_free(c);
	}
	if (nr)
		qsort(items, nr, sizeof(*items), cmp_shortlog);
	for (i = 0; i < nr; i = j) {
		j = i;
		while (j < nr && !strcmp(items[j].name, items[i].name))
			j++;
		strbuf_addf(out, "%s (%zu):\n", items[i].name, j - i);
		for (; i < j; i++)
			strbuf_addf(out, "      %s\n", items[i].subject);
		strbuf_addch(out, '\n');
	}
	*count = nr;
out:
	for (i = 0; items && i < nr; i++) {
		free(items[i].name);
		free(items[i].subject);
	}
	free(items);
	free(order);
	git_mailmap_free(mailmap);
	return ret;
}

/* --- the diffstat ------------------------------------------------------ */

struct stat_file {
	struct strbuf name; /* as printed */
	uintmax_t added, deleted;
	bool binary;
};

static uintmax_t blob_size(git_repository *repo, const git_oid *id)
{
	git_blob *blob;
	uintmax_t size;

	if (git_oid_is_zero(id) || git_blob_lookup(&blob, repo, id) < 0)
		return 0;
	size = git_blob_rawsize(blob);
	git_blob_free(blob);
	return size;
}

static int scale_linear(int it, int width, int max_change)
{
	if (!it)
		return 0;
	/* at least one column for any change, as git does */
	return 1 + (it * (width - 1) / max_change);
}

/* git diff --stat's lines and summary line, as show_stats() makes them. */
static void add_stat_lines(struct strbuf *out, struct stat_file *files,
			   size_t nr)
{
	int width = STAT_WIDTH, name_width, graph_width, number_width = 0;
	int bin_width = 0, total_files = nr, len, name_len, padding;
	uintmax_t max_change = 0, max_len = 0, adds = 0, dels = 0;
	size_t i;

	if (!nr)
		return;
	for (i = 0; i < nr; i++) {
		uintmax_t change = files[i].added + files[i].deleted;

		len = str_width(files[i].name.buf);
		if (max_len < (uintmax_t)len)
			max_len = len;
		if (files[i].binary) {
			/* "Bin XXX -> YYY bytes" */
			int w = 14 + decimal_width(files[i].added) +
				decimal_width(files[i].deleted);

			bin_width = bin_width < w ? w : bin_width;
			number_width = 3;
			continue;
		}
		if (max_change < change)
			max_change = change;
	}
	if (decimal_width(max_change) > number_width)
		number_width = decimal_width(max_change);
	if (width < 16 + 6 + number_width)
		width = 16 + 6 + number_width;
	graph_width = max_change + 4 > (uintmax_t)bin_width ? (int)max_change :
							      bin_width - 4;
	name_width = max_len;
	if (name_width + number_width + 6 + graph_width > width) {
		if (graph_width > width * 3 / 8 - number_width - 6) {
			graph_width = width * 3 / 8 - number_width - 6;
			if (graph_width < 6)
				graph_width = 6;
		}
		if (name_width > width - number_width - 6 - graph_width)
			name_width = width - number_width - 6 - graph_width;
		else
			graph_width = width - number_width - 6 - name_width;
	}

	for (i = 0; i < nr; i++) {
		const char *prefix = "", *name = files[i].name.buf, *slash;
		uintmax_t added = files[i].added, deleted = files[i].deleted;
		int add, del, total;

		len = name_width;
		name_len = str_width(name);
		if (name_width < name_len) {
			prefix = "...";
			len -= 3;
			if (len < 0)
				len = 0;
			while (name_len > len) {
				/* one character, however many bytes */
				name++;
				while (((unsigned char)*name & 0xc0) == 0x80)
					name++;
				name_len--;
			}
			slash = strchr(name, '/');
			if (slash)
				name = slash;
		}
		padding = len - str_width(name);
		if (padding < 0)
			padding = 0;

		if (files[i].binary) {
			strbuf_addf(out, " %s%s%*s | %*s", prefix, name,
				    padding, "", number_width, "Bin");
			if (!added && !deleted) {
				strbuf_addch(out, '\n');
				continue;
			}
			strbuf_addf(out, " %ju -> %ju bytes\n", deleted, added);
			continue;
		}
		add = added;
		del = deleted;
		if ((uintmax_t)graph_width <= max_change) {
			total = scale_linear(add + del, graph_width,
					     max_change);
			if (total < 2 && add && del)
				total = 2;
			if (add < del) {
				add = scale_linear(add, graph_width,
						   max_change);
				del = total - add;
			} else {
				del = scale_linear(del, graph_width,
						   max_change);
				add = total - del;
			}
		}
		strbuf_addf(out, " %s%s%*s | %*ju%s", prefix, name, padding, "",
			    number_width, added + deleted,
			    added + deleted ? " " : "");
		for (; add > 0; add--)
			strbuf_addch(out, '+');
		for (; del > 0; del--)
			strbuf_addch(out, '-');
		strbuf_addch(out, '\n');
	}

	for (i = 0; i < nr; i++) {
		if (files[i].binary)
			continue;
		adds += files[i].added;
		dels += files[i].deleted;
	}
	strbuf_addf(out,
		    total_files == 1 ? " %d file changed" : " %d files changed",
		    total_files);
	if (adds || !dels)
		strbuf_addf(out,
			    adds == 1 ? ", %ju insertion(+)" :
					", %ju insertions(+)",
			    adds);
	if (dels || !adds)
		strbuf_addf(out,
			    dels == 1 ? ", %ju deletion(-)" :
					", %ju deletions(-)",
			    dels);
	strbuf_addch(out, '\n');
}

static void add_mode_change(struct strbuf *out, const git_diff_delta *d,
			    bool show_name)
{
	if (!d->old_file.mode || !d->new_file.mode ||
	    d->old_file.mode == d->new_file.mode)
		return;
	strbuf_addf(out, " mode change %06o => %06o", d->old_file.mode,
		    d->new_file.mode);
	if (show_name) {
		strbuf_addch(out, ' ');
		add_path(out, d->new_file.path);
	}
	strbuf_addch(out, '\n');
}

/*
 * Renames as git finds and prints them ("rename a => b (87%)"): the
 * similarity of diffcore-delta.c and estimate_similarity(), both files
 * cut into spans (a line, or 64 bytes), each span hashed, the bytes of
 * the old file's spans found again in the new one over the larger size,
 * and no pair whose sizes differ by more than half.  It is given to
 * git_diff_find_similar() as its metric, so that libgit2 pairs the files
 * git would pair, and used again for the percentage.
 */
#define SIM_MAX_SCORE 60000
#define SIM_MIN_SCORE 30000 /* -M's default, 50% */
#define SIM_HASHBASE 107927

struct span {
	unsigned int hashval;
	unsigned int cnt;
};

struct sim_sig {
	struct span *spans; /* sorted by hash, equal hashes summed */
	size_t nr;
	uintmax_t size;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->hashval < y->hashval ? -1 : x->hashval > y->hashval;
}

/* The signature of a file's content; caller frees with sim_sig_free(). */
static struct sim_sig *sim_sig_new(const unsigned char *buf, size_t sz)
{
	struct sim_sig *sig = xcalloc(1, sizeof(*sig));
	unsigned int accum1 = 0, accum2 = 0, old_1, c;
	bool text = !memchr(buf, 0, sz < 8000 ? sz : 8000);
	size_t alloc = 0, i, j;
	int n = 0;

	sig->size = sz;
	while (sz) {
		c = *buf++;
		old_1 = accum1;
		sz--;
		/* a CR before LF does not count in text */
		if (text && c == '\r' && sz && *buf == '\n')
			continue;
		accum1 = (accum1 << 7) ^ (accum2 >> 25);
		accum2 = (accum2 << 7) ^ (old_1 >> 25);
		accum1 += c;
		if (++n < 64 && c != '\n' && sz)
			continue;
		if (sig->nr == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			sig->spans = xrealloc(sig->spans,
					      alloc * sizeof(*sig->spans));
		}
		sig->spans[sig->nr].hashval =
			(accum1 + accum2 * 0x61) % SIM_HASHBASE;
		sig->spans[sig->nr++].cnt = n;
		n = 0;
		accum1 = accum2 = 0;
	}
	if (sig->nr)
		qsort(sig->spans, sig->nr, sizeof(*sig->spans), cmp_span);
	for (i = j = 0; i < sig->nr; i++) {
		if (j && sig->spans[j - 1].hashval == sig->spans[i].hashval)
			sig->spans[j - 1].cnt += sig->spans[i].cnt;
		else
			sig->spans[j++] = sig->spans[i];
	}
	sig->nr = j;
	return sig;
}

static void sim_sig_free(struct sim_sig *sig)
{
	if (!sig)
		return;
	free(sig->spans);
	free(sig);
}

/* git's score of a rename from a to b, 0 to SIM_MAX_SCORE. */
static int sim_score(const struct sim_sig *a, const struct sim_sig *b)
{
	uintmax_t max_size, base_size, copied = 0;
	size_t i, k = 0;

	max_size = a->size > b->size ? a->size : b->size;
	base_size = a->size < b->size ? a->size : b->size;
	if (max_size * (SIM_MAX_SCORE - SIM_MIN_SCORE) <
	    (max_size - base_size) * SIM_MAX_SCORE)
		return 0;
	if (!b->size)
		return 0;
	for (i = 0; i < a->nr; i++) {
		while (k < b->nr && b->spans[k].hashval < a->spans[i].hashval)
			k++;
		if (k < b->nr && b->spans[k].hashval == a->spans[i].hashval) {
			copied += a->spans[i].cnt < b->spans[k].cnt ?
					  a->spans[i].cnt :
					  b->spans[k].cnt;
			k++;
		}
	}
	return (int)(copied * SIM_MAX_SCORE / max_size);
}

static int metric_buffer_sig(void **out, const git_diff_file *file,
			     const char *buf, size_t len, void *payload)
{
	*out = sim_sig_new((const unsigned char *)buf, len);
	return 0;
}

static int metric_file_sig(void **out, const git_diff_file *file,
			   const char *path, void *payload)
{
	struct strbuf sb = STRBUF_INIT;

	*out = NULL;
	if (strbuf_read_file(&sb, path) < 0)
		return 0;
	*out = sim_sig_new((const unsigned char *)sb.buf, sb.len);
	strbuf_release(&sb);
	return 0;
}

static void metric_free_sig(void *sig, void *payload)
{
	sim_sig_free(sig);
}

/* libgit2 wants 0 to 100 and pairs at or above its threshold, 50. */
static int metric_similarity(int *score, void *a, void *b, void *payload)
{
	*score = sim_score(a, b) * 100 / SIM_MAX_SCORE;
	return 0;
}

static const git_diff_similarity_metric git_metric = {
	.file_signature = metric_file_sig,
	.buffer_signature = metric_buffer_sig,
	.free_signature = metric_free_sig,
	.similarity = metric_similarity,
};

/* The percentage git prints for a rename. */
static int rename_similarity(git_repository *repo, const git_diff_delta *d)
{
	struct sim_sig *sa = NULL, *sb = NULL;
	git_blob *a = NULL, *b = NULL;
	int score = 0;

	if (git_oid_equal(&d->old_file.id, &d->new_file.id))
		return 100;
	if (git_blob_lookup(&a, repo, &d->old_file.id) < 0 ||
	    git_blob_lookup(&b, repo, &d->new_file.id) < 0)
		goto out;
	sa = sim_sig_new(git_blob_rawcontent(a), git_blob_rawsize(a));
	sb = sim_sig_new(git_blob_rawcontent(b), git_blob_rawsize(b));
	score = sim_score(sa, sb) * 100 / SIM_MAX_SCORE;
out:
	sim_sig_free(sa);
	sim_sig_free(sb);
	git_blob_free(a);
	git_blob_free(b);
	return score;
}

/* git diff --summary's lines for one file. */
static void add_summary_line(struct strbuf *out, git_repository *repo,
			     const git_diff_delta *d)
{
	switch (d->status) {
	case GIT_DELTA_DELETED:
		strbuf_addf(out, " delete mode %06o ", d->old_file.mode);
		add_path(out, d->old_file.path);
		strbuf_addch(out, '\n');
		break;
	case GIT_DELTA_ADDED:
		strbuf_addf(out, " create mode %06o ", d->new_file.mode);
		add_path(out, d->new_file.path);
		strbuf_addch(out, '\n');
		break;
	case GIT_DELTA_RENAMED:
	case GIT_DELTA_COPIED:
		strbuf_addstr(out, d->status == GIT_DELTA_RENAMED ? " rename " :
								    " copy ");
		add_rename(out, d->old_file.path, d->new_file.path);
		strbuf_addf(out, " (%d%%)\n", rename_similarity(repo, d));
		add_mode_change(out, d, false);
		break;
	default:
		add_mode_change(out, d, true);
		break;
	}
}

int pullreq_text_diffstat(const struct pullreq_range *pr, struct strbuf *out,
			  struct strbuf *err)
{
	git_diff_find_options find = GIT_DIFF_FIND_OPTIONS_INIT;
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	git_commit *old_c = NULL, *new_c = NULL;
	git_tree *old_t = NULL, *new_t = NULL;
	struct stat_file *files = NULL;
	git_diff *diff = NULL;
	size_t nr = 0, i;
	int ret;

	if (git_commit_lookup(&old_c, pr->repo, pr->base) < 0 ||
	    git_commit_lookup(&new_c, pr->repo, pr->tip) < 0 ||
	    git_commit_tree(&old_t, old_c) < 0 ||
	    git_commit_tree(&new_t, new_c) < 0 ||
	    git_diff_tree_to_tree(&diff, pr->repo, old_t, new_t, &opts) < 0) {
		ret = repo_error(err, -EIO, "cannot diff '%s' against its base",
				 pr->topic);
		goto out;
	}
	find.flags = GIT_DIFF_FIND_RENAMES;
	find.metric = (git_diff_similarity_metric *)&git_metric;
	if (git_diff_find_similar(diff, &find) < 0) {
		ret = repo_error(err, -EIO, "cannot find renames in '%s'",
				 pr->topic);
		goto out;
	}
	nr = git_diff_num_deltas(diff);
	ALLOC_ARRAY(files, nr ? nr : 1);
	for (i = 0; i < nr; i++) {
		const git_diff_delta *d;
		git_patch *patch = NULL;
		size_t add = 0, del = 0;

		strbuf_init(&files[i].name, 0);
		if (git_patch_from_diff(&patch, diff, i) < 0) {
			d = git_diff_get_delta(diff, i);
			ret = repo_error(err, -EIO, "cannot diff '%s'",
					 d->new_file.path);
			goto out;
		}
		d = patch ? git_patch_get_delta(patch) :
			    git_diff_get_delta(diff, i);
		if (d->status == GIT_DELTA_RENAMED ||
		    d->status == GIT_DELTA_COPIED)
			add_rename(&files[i].name, d->old_file.path,
				   d->new_file.path);
		else
			add_path(&files[i].name, d->new_file.path ?
							 d->new_file.path :
							 d->old_file.path);
		if (d->flags & GIT_DIFF_FLAG_BINARY) {
			files[i].binary = true;
			if (!git_oid_equal(&d->old_file.id, &d->new_file.id)) {
				files[i].added =
					blob_size(pr->repo, &d->new_file.id);
				files[i].deleted =
					blob_size(pr->repo, &d->old_file.id);
			}
		} else if (patch) {
			git_patch_line_stats(NULL, &add, &del, patch);
			files[i].added = add;
			files[i].deleted = del;
		}
		git_patch_free(patch);
	}
	add_stat_lines(out, files, nr);
	for (i = 0; i < nr; i++)
		add_summary_line(out, pr->repo, git_diff_get_delta(diff, i));
	ret = 0;
out:
	for (i = 0; files && i < nr; i++)
		strbuf_release(&files[i].name);
	free(files);
	git_diff_free(diff);
	git_tree_free(old_t);
	git_tree_free(new_t);
	git_commit_free(old_c);
	git_commit_free(new_c);
	return ret;
}

/* --- the request ------------------------------------------------------- */

static int lookup_commit(const struct pullreq_range *pr, const git_oid *id,
			 git_commit **c, struct strbuf *err)
{
	if (git_commit_lookup(c, pr->repo, id) < 0)
		return repo_error(err, -EIO, "cannot read commit %s",
				  git_oid_tostr_s(id));
	return 0;
}

int pullreq_text_request(const struct pullreq_range *pr, const char *url,
			 const char *tag, const char *tag_buf,
			 const struct strbuf *log_and_stat, struct strbuf *out,
			 struct strbuf *err)
{
	git_commit *base = NULL, *tip = NULL;
	const char *p;
	size_t len;
	int ret;

	ret = lookup_commit(pr, pr->base, &base, err);
	if (!ret)
		ret = lookup_commit(pr, pr->tip, &tip, err);
	if (ret)
		goto out;
	strbuf_addf(out, "The following changes since commit %s:\n\n",
		    git_oid_tostr_s(pr->base));
	add_commit_line(out, base);
	strbuf_addf(out,
		    "\nare available in the Git repository at:\n\n"
		    "  %s tags/%s\n\nfor you to fetch changes up to %s:\n\n",
		    url, tag, git_oid_tostr_s(pr->tip));
	add_commit_line(out, tip);
	strbuf_addstr(out, "\n" SEPARATOR);

	/* sed -n -e '1,/^$/d' -e '/^-----BEGIN PGP /q' -e p */
	p = strstr(tag_buf, "\n\n");
	p = p ? p + 2 : tag_buf + strlen(tag_buf);
	while (*p && !starts_with(p, "-----BEGIN PGP ")) {
		len = pullreq_text_line_len(p);
		strbuf_add(out, p, len);
		if (p[len - 1] != '\n')
			strbuf_addch(out, '\n');
		p += len;
	}
	strbuf_addstr(out, "\n" SEPARATOR);
	strbuf_addbuf(out, log_and_stat);
out:
	git_commit_free(base);
	git_commit_free(tip);
	return ret;
}
