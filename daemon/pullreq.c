/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-topic pull requests (git request-pull)
 *
 * The "pull-request" job tags a topic's tip (an annotated tag, signed
 * with gpg as `git tag -s` does when [pull] signingkey is set) and writes
 * the request as `git request-pull BASE URL TAG` prints it: the merge
 * base and the tip with their subjects and dates, the URL and the tag,
 * the tag's message, the shortlog grouped by author and the diffstat
 * with its summary.  BASE is [tree] base ("auto": the newest v* tag on
 * mainline), else [tree] mainline.  After git's text comes a section
 * that lists the conflicts the topic met in recent builds of next, so
 * that the upstream maintainer sees them before merging.
 *
 * Everything that can fail is worked out before the tag is written: an
 * error leaves no tag behind.  With [pull] push the tag is then pushed
 * there (a failed push is a warning: the tag stands), and the URL in the
 * request defaults to that remote's.  The text is saved under
 * <state>/pull-requests/ and returned.
 *
 * The shortlog and the diffstat follow git's builtin/shortlog.c and
 * diff.c (show_stats(), pprint_rename(), the --summary lines) rather than
 * libgit2's git_diff_stats_to_buf(), whose column widths and scaling are
 * not git's (a file of 9 changed lines gets a two-digit column there).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <git2.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/pullreq.h"
#include "daemon/repo.h"
#include "daemon/store/topics.h"
#include "lib/strbuf.h"
#include "daemon/topic.h"
#include "lib/xalloc.h"

extern char **environ;

#define SEPARATOR \
	"----------------------------------------------------------------\n"
#define CONFLICTS_HEADER "Conflicts met in recent builds of next"
/* How many of the latest builds that merged the topic are looked at. */
#define CONFLICT_BUILDS 10
/* git diff --stat's width when its output is not a terminal. */
#define STAT_WIDTH 80
#define DEFAULT_TAG_FORMAT "%n-%t-%d"

struct pullreq {
	const struct config *cfg;
	git_repository *repo;
	const char *topic;
	char *branch;	       /* full ref */
	const char *base_name; /* [tree] base or mainline as written */
	git_oid base_rev;      /* base_name as a commit */
	git_oid base;	       /* merge base of base_rev and tip */
	git_oid tip;
	char *tag;
	char *url;
	struct strbuf message; /* the tag's message, cleaned up */
	struct strbuf request; /* git request-pull's text */
	struct strbuf conflicts_text;
	json_t *conflicts;
	json_t *warnings;
	bool signed_tag;
	git_oid tag_oid;
};

static const char *jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static json_int_t jint(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* --- text as git writes it -------------------------------------------- */

/* The length of line (up to and with its '\n') with trailing space cut. */
static size_t trimmed_len(const char *line, size_t len)
{
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
		       line[len - 1] == '\n' || line[len - 1] == '\r' ||
		       line[len - 1] == '\v' || line[len - 1] == '\f'))
		len--;
	return len;
}

static size_t line_len(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl ? (size_t)(nl - s + 1) : strlen(s);
}

static const char *skip_blank_lines(const char *s)
{
	size_t len;

	while (*s) {
		len = line_len(s);
		if (trimmed_len(s, len))
			break;
		s += len;
	}
	return s;
}

/* git's format_subject(): the first paragraph's lines joined by spaces. */
static void add_subject(struct strbuf *sb, const char *msg)
{
	bool first = true;
	size_t len, trim;

	msg = skip_blank_lines(msg);
	while (*msg) {
		len = line_len(msg);
		trim = trimmed_len(msg, len);
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
	add_subject(sb, git_commit_message(c));
	strbuf_addf(sb, " (%04d-%02d-%02d %02d:%02d:%02d %c%02d%02d)\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', aoff / 60,
		    aoff % 60);
}

/*
 * git's stripspace() without comments: trailing space cut from every
 * line, blank lines at both ends dropped, runs of blank lines made one,
 * a final newline.
 */
static void stripspace(struct strbuf *out, const char *in)
{
	bool pending_blank = false, any = false;
	size_t len, trim;

	while (*in) {
		len = line_len(in);
		trim = trimmed_len(in, len);
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

	add_subject(&one, msg);
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
	add_subject(&out, p);
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

static int walk_range(struct pullreq *pr, git_oid **order, size_t *nr_out,
		      struct strbuf *err)
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
	    git_revwalk_push(walk, &pr->tip) < 0 ||
	    git_revwalk_hide(walk, &pr->base_rev) < 0) {
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
	head = walk_find(nodes, nr, &pr->tip);
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

/* `git shortlog ^base_rev tip`; *count gets the number of commits. */
static int add_shortlog(struct pullreq *pr, struct strbuf *out, size_t *count,
			struct strbuf *err)
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

/* `git diff -M --stat --summary base..tip` */
static int add_diffstat(struct pullreq *pr, struct strbuf *out,
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

	if (git_commit_lookup(&old_c, pr->repo, &pr->base) < 0 ||
	    git_commit_lookup(&new_c, pr->repo, &pr->tip) < 0 ||
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

static int lookup_commit(struct pullreq *pr, const git_oid *id, git_commit **c,
			 struct strbuf *err)
{
	if (git_commit_lookup(c, pr->repo, id) < 0)
		return repo_error(err, -EIO, "cannot read commit %s",
				  git_oid_tostr_s(id));
	return 0;
}

/*
 * git request-pull's text for the tag whose object is tag_buf (the tag
 * as written, signature and all): everything but the shortlog and the
 * diffstat, which the caller made before the tag existed.
 */
static int write_request(struct pullreq *pr, const char *tag_buf,
			 const struct strbuf *log_and_stat, struct strbuf *err)
{
	git_commit *base = NULL, *tip = NULL;
	struct strbuf *out = &pr->request;
	const char *p;
	size_t len;
	int ret;

	ret = lookup_commit(pr, &pr->base, &base, err);
	if (!ret)
		ret = lookup_commit(pr, &pr->tip, &tip, err);
	if (ret)
		goto out;
	strbuf_addf(out, "The following changes since commit %s:\n\n",
		    git_oid_tostr_s(&pr->base));
	add_commit_line(out, base);
	strbuf_addf(out,
		    "\nare available in the Git repository at:\n\n"
		    "  %s tags/%s\n\nfor you to fetch changes up to %s:\n\n",
		    pr->url, pr->tag, git_oid_tostr_s(&pr->tip));
	add_commit_line(out, tip);
	strbuf_addstr(out, "\n" SEPARATOR);

	/* sed -n -e '1,/^$/d' -e '/^-----BEGIN PGP /q' -e p */
	p = strstr(tag_buf, "\n\n");
	p = p ? p + 2 : tag_buf + strlen(tag_buf);
	while (*p && !starts_with(p, "-----BEGIN PGP ")) {
		len = line_len(p);
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

/* --- the tag ----------------------------------------------------------- */

/* Lower case, anything but [a-z0-9._-] made '-'. */
static void add_slug(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			c = '-';
		strbuf_addch(sb, c);
	}
}

/*
 * The default tag name from [pull] tag-format: %n the tree's name, %t
 * the topic with '/' made '-' (its first component left out when the
 * tree's name already ends with it: tree "kvm-x86", topic "x86/pmu" ->
 * "pmu"), %d today as YYYY.MM.DD, %% a '%'.
 */
static int format_tag(struct pullreq *pr, struct strbuf *out,
		      struct strbuf *err)
{
	const char *fmt = config_get(pr->cfg, "pull.tag-format");
	struct strbuf tree = STRBUF_INIT;
	const char *topic = pr->topic, *slash;
	time_t now = time(NULL);
	struct tm tm;
	int ret = 0;

	if (!fmt || !*fmt)
		fmt = DEFAULT_TAG_FORMAT;
	add_slug(&tree, pr->cfg->tree_name);
	slash = strchr(topic, '/');
	if (slash && (size_t)(slash - topic) < tree.len &&
	    tree.buf[tree.len - (slash - topic) - 1] == '-' &&
	    !strncasecmp(tree.buf + tree.len - (slash - topic), topic,
			 slash - topic))
		topic = slash + 1;
	localtime_r(&now, &tm);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			strbuf_addch(out, *fmt);
			continue;
		}
		switch (*++fmt) {
		case 'n':
			strbuf_addbuf(out, &tree);
			break;
		case 't':
			add_slug(out, topic);
			break;
		case 'd':
			strbuf_addf(out, "%04d.%02d.%02d", tm.tm_year + 1900,
				    tm.tm_mon + 1, tm.tm_mday);
			break;
		case '%':
			strbuf_addch(out, '%');
			break;
		default:
			ret = error_set(
				err, ERR_INVALID,
				"pull.tag-format: unknown placeholder '%%%.1s' in '%s'",
				fmt, config_get(pr->cfg, "pull.tag-format"));
			goto out;
		}
	}
out:
	strbuf_release(&tree);
	return ret;
}

static int check_tag_name(struct pullreq *pr, struct strbuf *err)
{
	struct strbuf ref = STRBUF_INIT;
	git_reference *existing = NULL;
	int valid = 0, ret = 0;

	strbuf_addf(&ref, "refs/tags/%s", pr->tag);
	if (!*pr->tag || *pr->tag == '-' ||
	    git_reference_name_is_valid(&valid, ref.buf) < 0 || !valid) {
		ret = error_set(err, ERR_INVALID,
				"'%s' is not a valid tag name", pr->tag);
		goto out;
	}
	if (!git_reference_lookup(&existing, pr->repo, ref.buf))
		ret = error_set(err, ERR_EXISTS, "tag '%s' already exists",
				pr->tag);
out:
	git_reference_free(existing);
	strbuf_release(&ref);
	return ret;
}

/*
 * The default message: "<tree> <topic> changes for <date>:" and a line
 * per commit, oldest first, for the maintainer to turn into prose (or
 * replace with --message).
 */
static int default_message(struct pullreq *pr, struct strbuf *out,
			   struct strbuf *err)
{
	git_revwalk *walk = NULL;
	time_t now = time(NULL);
	git_commit *c;
	struct tm tm;
	git_oid oid;
	int ret;

	localtime_r(&now, &tm);
	strbuf_addf(out, "%s %s changes for %04d-%02d-%02d:\n\n",
		    pr->cfg->tree_name, pr->topic, tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday);
	if (git_revwalk_new(&walk, pr->repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) <
		    0 ||
	    git_revwalk_push(walk, &pr->tip) < 0 ||
	    git_revwalk_hide(walk, &pr->base_rev) < 0) {
		ret = repo_error(err, -EIO, "cannot walk '%s'", pr->topic);
		goto out;
	}
	while (!(ret = git_revwalk_next(&oid, walk))) {
		if (git_commit_lookup(&c, pr->repo, &oid) < 0)
			continue;
		if (git_commit_parentcount(c) < 2) {
			strbuf_addstr(out, " - ");
			add_subject(out, git_commit_message(c));
			strbuf_addch(out, '\n');
		}
		git_commit_free(c);
	}
	ret = ret == GIT_ITEROVER ?
		      0 :
		      repo_error(err, -EIO, "cannot walk '%s'", pr->topic);
out:
	git_revwalk_free(walk);
	return ret;
}

/* The program named, found on PATH unless it has a '/'; caller frees. */
static char *find_program(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	struct strbuf sb = STRBUF_INIT;

	if (strchr(name, '/'))
		return access(name, X_OK) ? NULL : xstrdup(name);
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		strbuf_reset(&sb);
		if (end == p)
			strbuf_addstr(&sb, ".");
		else
			strbuf_add(&sb, p, end - p);
		strbuf_addf(&sb, "/%s", name);
		if (!access(sb.buf, X_OK))
			return strbuf_detach(&sb, NULL);
	}
	strbuf_release(&sb);
	return NULL;
}

/*
 * Sign payload as `git tag -s` does: `gpg --status-fd=2 -bsau KEY` with
 * the payload on standard input; the armored signature is appended to
 * sig.  The payload and gpg's messages go through files so that no pipe
 * can fill; when gpg fails, err gets its "gpg: " lines.
 */
static int gpg_sign(const char *gpg, const char *key, const char *payload,
		    struct strbuf *sig, struct strbuf *err)
{
	char *argv[] = { (char *)gpg, "--status-fd=2", "-bsau", (char *)key,
			 NULL };
	struct strbuf in_path = STRBUF_INIT, err_path = STRBUF_INIT;
	struct strbuf errout = STRBUF_INIT, said = STRBUF_INIT;
	int in = -1, errfd = -1, outp[2] = { -1, -1 }, ret, status = -1;
	size_t len = strlen(payload);
	posix_spawn_file_actions_t fa;
	const char *p;
	char buf[4096];
	ssize_t got;
	pid_t pid;

	strbuf_addf(&in_path, "%s/pull-requests/.payload.XXXXXX",
		    the_daemon.state_dir);
	strbuf_addf(&err_path, "%s/pull-requests/.gpg-err.XXXXXX",
		    the_daemon.state_dir);
	in = mkstemp(in_path.buf);
	errfd = in < 0 ? -1 : mkstemp(err_path.buf);
	if (in < 0 || errfd < 0) {
		ret = error_set(err, -errno,
				"cannot make a file in '%s/pull-requests': %s",
				the_daemon.state_dir, strerror(errno));
		goto out;
	}
	if (write(in, payload, len) != (ssize_t)len ||
	    lseek(in, 0, SEEK_SET) < 0) {
		ret = error_set(err, -EIO, "cannot write '%s'", in_path.buf);
		goto out;
	}
	if (pipe2(outp, O_CLOEXEC) < 0) {
		ret = error_set(err, -errno, "cannot make a pipe: %s",
				strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	ret = posix_spawn(&pid, gpg, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(outp[1]);
	outp[1] = -1;
	if (ret) {
		ret = error_set(err, -ret, "cannot run '%s': %s", gpg,
				strerror(ret));
		goto out;
	}
	while ((got = read(outp[0], buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		strbuf_add(sig, buf, got);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && !WEXITSTATUS(status) &&
	    starts_with(sig->buf, "-----BEGIN PGP SIGNATURE-----")) {
		ret = 0;
		goto out;
	}
	strbuf_read_file(&errout, err_path.buf);
	for (p = errout.buf; *p; p += line_len(p))
		if (starts_with(p, "gpg: ")) {
			strbuf_addstr(&said, said.len ? "; " : ": ");
			strbuf_add(&said, p + 5,
				   trimmed_len(p + 5, line_len(p + 5)));
		}
	ret = error_set(err, -EIO, "gpg failed to sign the tag with key '%s'%s",
			key, said.buf);
out:
	if (in >= 0) {
		close(in);
		unlink(in_path.buf);
	}
	if (errfd >= 0) {
		close(errfd);
		unlink(err_path.buf);
	}
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	strbuf_release(&in_path);
	strbuf_release(&err_path);
	strbuf_release(&errout);
	strbuf_release(&said);
	return ret;
}

/*
 * Write the tag object and refs/tags/<tag> (never over an existing
 * one); buf gets the tag object's text.
 */
static int create_tag(struct pullreq *pr, struct strbuf *buf,
		      struct strbuf *err)
{
	const char *key = config_get(pr->cfg, "pull.signingkey");
	const char *program = config_get(pr->cfg, "pull.gpg-program");
	struct strbuf sig = STRBUF_INIT;
	git_signature *tagger = NULL;
	char *gpg = NULL;
	int off, aoff, ret;

	if (git_signature_now(&tagger, pr->cfg->committer_name,
			      pr->cfg->committer_email) < 0) {
		ret = repo_error(err, -EIO, "cannot make the tagger");
		goto out;
	}
	off = tagger->when.offset;
	aoff = off < 0 ? -off : off;
	strbuf_addf(buf,
		    "object %s\ntype commit\ntag %s\n"
		    "tagger %s <%s> %lld %c%02d%02d\n\n%s",
		    git_oid_tostr_s(&pr->tip), pr->tag, tagger->name,
		    tagger->email, (long long)tagger->when.time,
		    off < 0 ? '-' : '+', aoff / 60, aoff % 60, pr->message.buf);

	if (key && *key) {
		gpg = find_program(program && *program ? program : "gpg");
		if (!gpg) {
			json_array_append_new(
				pr->warnings,
				json_sprintf(
					"gpg not found ('%s'): tag '%s' is not signed",
					program && *program ? program : "gpg",
					pr->tag));
			log_warn("pull-request: gpg not found, tag '%s' not signed",
				 pr->tag);
		} else {
			ret = gpg_sign(gpg, key, buf->buf, &sig, err);
			if (ret)
				goto out;
			strbuf_addbuf(buf, &sig);
			pr->signed_tag = true;
		}
	}
	ret = git_tag_create_from_buffer(&pr->tag_oid, pr->repo, buf->buf, 0);
	if (ret == GIT_EEXISTS) {
		ret = error_set(err, ERR_EXISTS, "tag '%s' already exists",
				pr->tag);
		goto out;
	}
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot write tag '%s'", pr->tag);
		goto out;
	}
	ret = 0;
out:
	free(gpg);
	strbuf_release(&sig);
	git_signature_free(tagger);
	return ret;
}

/* --- conflicts in next ------------------------------------------------- */

static void add_time(struct strbuf *sb, json_int_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strbuf_addf(sb, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/*
 * An entry of pr->conflicts equal to entry but for its builds (the same
 * tip, outcome, paths and topics before it), or NULL; borrowed.
 */
static json_t *same_conflict(json_t *list, json_t *entry)
{
	static const char *const keys[] = {
		"tip",
		"outcome",
		"paths",
		"after",
	};
	json_t *e;
	size_t i, k;

	json_array_foreach(list, i, e) {
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			if (!json_equal(json_object_get(e, keys[k]),
					json_object_get(entry, keys[k])))
				break;
		if (k == ARRAY_SIZE(keys))
			return e;
	}
	return NULL;
}

/* The conflicts as text: CONFLICTS_HEADER, then a paragraph each. */
static void write_conflicts(struct pullreq *pr, size_t nr_builds)
{
	struct strbuf *out = &pr->conflicts_text;
	json_t *entry, *builds, *after, *p;
	size_t i, j;

	strbuf_addstr(out, "\n" CONFLICTS_HEADER);
	if (!json_array_size(pr->conflicts)) {
		strbuf_addf(
			out, ": none%s\n",
			nr_builds ?
				"" :
				" (no build of next has merged this topic yet)");
		return;
	}
	strbuf_addstr(out, ":\n");
	json_array_foreach(pr->conflicts, i, entry) {
		const char *tip = jstr(entry, "tip");
		const char *outcome = jstr(entry, "outcome");
		bool current =
			json_is_true(json_object_get(entry, "current_tip"));

		builds = json_object_get(entry, "builds");
		strbuf_addstr(out, json_array_size(builds) > 1 ? "\n  builds" :
								 "\n  build");
		json_array_foreach(builds, j, p)
			strbuf_addf(out, "%s %lld", j ? "," : "",
				    (long long)json_integer_value(p));
		strbuf_addstr(out, " (");
		add_time(out, jint(entry, "at"));
		strbuf_addf(out, "), %s at %.12s%s: %s\n", pr->topic,
			    tip ? tip : "?",
			    current ? " (this tip)" : " (an earlier tip)",
			    outcome && !strcmp(outcome, "resolved") ?
				    "conflict, settled by a recorded resolution" :
				    "conflict, left out of next");
		after = json_object_get(entry, "after");
		if (json_array_size(after)) {
			strbuf_addstr(out, "    merged after the base and");
			json_array_foreach(after, j, p)
				strbuf_addf(out, "%s %s", j ? "," : "",
					    json_string_value(p));
			strbuf_addch(out, '\n');
		}
		json_array_foreach(json_object_get(entry, "paths"), j, p)
			strbuf_addf(out, "      %s\n", json_string_value(p));
	}
}

/*
 * The conflicts of the topic in the latest CONFLICT_BUILDS builds of
 * next that merged it, newest first, the builds that met the same
 * conflict as one entry: pr->conflicts as JSON
 *   [{"builds": [id...], "at" (the newest's start), "outcome"
 *     ("conflict" or "resolved"), "tip", "current_tip", "paths",
 *     "after" (the topics merged before it)}]
 * and pr->conflicts_text.  Without the builds table there are none.
 */
static void find_conflicts(struct pullreq *pr, struct db *db)
{
	struct strbuf err = STRBUF_INIT;
	json_t *rows, *row, *entry, *paths, *after, *topics, *p, *same;
	char tip_hex[GIT_OID_HEXSZ + 1];
	size_t i, j;

	git_oid_tostr(tip_hex, sizeof(tip_hex), &pr->tip);
	pr->conflicts = json_array();
	rows = db_query(db, &err,
			"SELECT b.id AS build, b.started_at AS at, t.pos, "
			"t.tip, t.outcome, t.conflicts FROM build_topics t "
			"JOIN builds b ON b.id = t.build "
			"WHERE t.topic = ? AND b.state <> 'running' "
			"ORDER BY b.id DESC LIMIT ?",
			"ti", pr->topic, (int64_t)CONFLICT_BUILDS);
	if (!rows) {
		log_warn("pull-request: cannot read the builds of next: %s",
			 err.buf);
		rows = json_array();
	}
	json_array_foreach(rows, i, row) {
		const char *outcome = jstr(row, "outcome");
		const char *conf = jstr(row, "conflicts");
		const char *tip = jstr(row, "tip");
		json_t *build = json_object_get(row, "build");

		if (!outcome || (strcmp(outcome, "conflict") &&
				 strcmp(outcome, "resolved")))
			continue;
		paths = conf ? json_loads(conf, 0, NULL) : NULL;
		if (!json_is_array(paths)) {
			json_decref(paths);
			paths = json_array();
		}
		after = json_array();
		topics =
			db_query(db, &err,
				 "SELECT topic FROM build_topics "
				 "WHERE build = ? AND pos < ? "
				 "AND outcome IN ('merged', 'reused', 'resolved') "
				 "ORDER BY pos",
				 "ii", (int64_t)json_integer_value(build),
				 (int64_t)jint(row, "pos"));
		json_array_foreach(topics, j, p)
			json_array_append(after, json_object_get(p, "topic"));
		json_decref(topics);
		entry = json_pack("{s:[O], s:O, s:s, s:s*, s:b, s:o, s:o}",
				  "builds", build, "at",
				  json_object_get(row, "at"), "outcome",
				  outcome, "tip", tip, "current_tip",
				  tip && !strcmp(tip, tip_hex), "paths", paths,
				  "after", after);
		same = same_conflict(pr->conflicts, entry);
		if (same)
			json_array_append(json_object_get(same, "builds"),
					  build);
		else
			json_array_append(pr->conflicts, entry);
		json_decref(entry);
	}
	write_conflicts(pr, json_array_size(rows));
	json_decref(rows);
	strbuf_release(&err);
}

/* --- publishing -------------------------------------------------------- */

/*
 * The remote of [pull] push: a configured remote of the repository, or
 * a path or URL; *url gets the URL it fetches from (caller frees).
 */
static int push_remote(struct pullreq *pr, const char *name,
		       git_remote **remote, char **url, struct strbuf *err)
{
	int ret;

	ret = git_remote_lookup(remote, pr->repo, name);
	if (ret == GIT_ENOTFOUND || ret == GIT_EINVALIDSPEC)
		ret = git_remote_create_anonymous(remote, pr->repo, name);
	if (ret < 0)
		return repo_error(err, ERR_INVALID,
				  "pull.push: unknown remote '%s'", name);
	*url = xstrdup(git_remote_url(*remote) ?: name);
	return 0;
}

static int push_rejected(const char *refname, const char *status, void *data)
{
	struct strbuf *why = data;

	if (status)
		strbuf_addf(why, "%s'%s' rejected: %s", why->len ? "; " : "",
			    refname, status);
	return 0;
}

/* Push refs/tags/<tag> to [pull] push, never over a tag there. */
static int push_tag(struct pullreq *pr, git_remote *remote, const char *name,
		    struct strbuf *err)
{
	git_push_options opts = GIT_PUSH_OPTIONS_INIT;
	struct strbuf spec = STRBUF_INIT, why = STRBUF_INIT;
	char *specs[1];
	git_strarray arr = { specs, 1 };
	int ret;

	strbuf_addf(&spec, "refs/tags/%s:refs/tags/%s", pr->tag, pr->tag);
	specs[0] = spec.buf;
	opts.callbacks.push_update_reference = push_rejected;
	opts.callbacks.payload = &why;
	ret = git_remote_push(remote, &arr, &opts);
	if (ret < 0)
		ret = repo_error(err, -EIO, "cannot push tag '%s' to '%s'",
				 pr->tag, name);
	else if (why.len)
		ret = error_set(err, -EIO, "cannot push tag '%s' to '%s': %s",
				pr->tag, name, why.buf);
	strbuf_release(&spec);
	strbuf_release(&why);
	return ret;
}

/* --- the job ----------------------------------------------------------- */

/* Save text as <state>/pull-requests/<tag>.txt; the path, caller frees. */
static char *save_request(const char *tag, const struct strbuf *text,
			  struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, tmp = STRBUF_INIT;
	const char *p;
	int fd;

	strbuf_addf(&path, "%s/pull-requests/", the_daemon.state_dir);
	for (p = tag; *p; p++)
		strbuf_addch(&path, *p == '/' ? '-' : *p);
	strbuf_addstr(&path, ".txt");
	strbuf_addf(&tmp, "%s.XXXXXX", path.buf);
	fd = mkstemp(tmp.buf);
	if (fd < 0)
		goto fail;
	if (write(fd, text->buf, text->len) != (ssize_t)text->len) {
		close(fd);
		unlink(tmp.buf);
		goto fail;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp.buf, path.buf) < 0) {
		unlink(tmp.buf);
		goto fail;
	}
	strbuf_release(&tmp);
	return strbuf_detach(&path, NULL);
fail:
	error_set(err, -errno, "cannot write '%s': %s", path.buf,
		  strerror(errno));
	strbuf_release(&tmp);
	strbuf_release(&path);
	return NULL;
}

/* [tree] base ("auto": the newest v* tag on mainline), else mainline. */
static int resolve_base(struct pullreq *pr, struct strbuf *err)
{
	const struct config *cfg = pr->cfg;
	char hex[MERGE_HEXSZ + 1];
	struct merge *m = NULL;
	git_object *obj = NULL, *peeled = NULL;
	char *name = NULL;
	int ret;

	pr->base_name = cfg->base ? cfg->base : cfg->mainline;
	if (!pr->base_name)
		return error_set(err, ERR_INVALID,
				 "no [tree] base or [tree] mainline configured");
	if (!strcmp(pr->base_name, "auto")) {
		ret = merge_open(cfg->repo, &m, err);
		if (!ret)
			ret = merge_newest_tag(m, "v*", cfg->mainline, hex,
					       &name, err);
		if (!ret && git_oid_fromstr(&pr->base_rev, hex) < 0)
			ret = error_set(err, -EIO, "bad commit id '%s'", hex);
		free(name);
		merge_free(m);
		return ret;
	}
	if (git_revparse_single(&obj, pr->repo, pr->base_name) < 0) {
		ret = repo_error(err, ERR_NOT_FOUND, "unknown base '%s'",
				 pr->base_name);
		goto out;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		ret = repo_error(err, ERR_INVALID, "base '%s' is not a commit",
				 pr->base_name);
		goto out;
	}
	git_oid_cpy(&pr->base_rev, git_object_id(peeled));
	ret = 0;
out:
	git_object_free(peeled);
	git_object_free(obj);
	return ret;
}

static int make_state_dir(struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	int ret = 0;

	strbuf_addf(&path, "%s/pull-requests", the_daemon.state_dir);
	if (mkdir(path.buf, 0700) < 0 && errno != EEXIST)
		ret = error_set(err, -errno, "cannot make '%s': %s", path.buf,
				strerror(errno));
	strbuf_release(&path);
	return ret;
}

int pullreq_job_pull_request(struct job_ctx *ctx, json_t *args, json_t **result,
			     struct strbuf *err)
{
	const char *tag = jstr(args, "tag");
	const char *msg = jstr(args, "message");
	struct strbuf log_and_stat = STRBUF_INIT, buf = STRBUF_INIT;
	struct strbuf text = STRBUF_INIT, base_hex = STRBUF_INIT;
	const char *url, *push, *pushed = NULL;
	struct pullreq pr = { 0 };
	git_remote *remote = NULL;
	char hex[REPO_HEXSZ + 1];
	struct store_topic topic = { 0 };
	struct repo *repo;
	size_t count = 0;
	char *file = NULL;
	git_oid mb;
	int ret;

	pr.cfg = ctx->config;
	pr.topic = jstr(args, "topic");
	strbuf_init(&pr.message, 0);
	strbuf_init(&pr.request, 0);
	strbuf_init(&pr.conflicts_text, 0);
	pr.warnings = json_array();
	if (!pr.topic || !*pr.topic) {
		ret = error_set(err, ERR_INVALID,
				"pull-request needs a 'topic'");
		goto out;
	}
	ret = store_topic_get(ctx->db, pr.topic, &topic, err);
	if (ret)
		goto out;
	pr.branch = xstrdup(topic.branch);
	repo = repo_thread(err);
	if (!repo) {
		ret = -EIO;
		goto out;
	}
	pr.repo = repo_git(repo);
	ret = repo_ref_oid(repo, pr.branch, hex, NULL);
	if (ret) {
		ret = error_set(err, ERR_NOT_FOUND,
				"topic '%s' has no branch '%s'", pr.topic,
				pr.branch);
		goto out;
	}
	git_oid_fromstr(&pr.tip, hex);
	ret = resolve_base(&pr, err);
	if (ret)
		goto out;
	if (git_merge_base(&mb, pr.repo, &pr.base_rev, &pr.tip) < 0) {
		ret = repo_error(
			err, ERR_INVALID,
			"topic '%s' has no commits in common with the base '%s'",
			pr.topic, pr.base_name);
		goto out;
	}
	git_oid_cpy(&pr.base, &mb);
	if (git_oid_equal(&pr.base, &pr.tip)) {
		ret = error_set(err, ERR_INVALID,
				"topic '%s' has no commits over the base '%s'",
				pr.topic, pr.base_name);
		goto out;
	}

	if (tag && *tag) {
		pr.tag = xstrdup(tag);
	} else {
		struct strbuf name = STRBUF_INIT;

		ret = format_tag(&pr, &name, err);
		pr.tag = strbuf_detach(&name, NULL);
		if (ret)
			goto out;
	}
	ret = check_tag_name(&pr, err);
	if (ret)
		goto out;
	url = config_get(pr.cfg, "pull.url");
	push = config_get(pr.cfg, "pull.push");
	if (push && *push) {
		ret = push_remote(&pr, push, &remote, &pr.url, err);
		if (ret)
			goto out;
	}
	if (url && *url) {
		free(pr.url);
		pr.url = xstrdup(url);
	} else if (!pr.url) {
		pr.url = xstrdup(pr.cfg->repo);
	}

	if (msg && *msg) {
		stripspace(&pr.message, msg);
	} else {
		struct strbuf def = STRBUF_INIT;

		ret = default_message(&pr, &def, err);
		stripspace(&pr.message, def.buf);
		strbuf_release(&def);
		if (ret)
			goto out;
	}
	if (!pr.message.len) {
		ret = error_set(err, ERR_INVALID, "the tag message is empty");
		goto out;
	}

	/* All that can fail before the tag exists. */
	ret = add_shortlog(&pr, &log_and_stat, &count, err);
	if (!ret)
		ret = add_diffstat(&pr, &log_and_stat, err);
	if (!ret)
		ret = make_state_dir(err);
	if (ret)
		goto out;
	find_conflicts(&pr, ctx->db);

	ret = create_tag(&pr, &buf, err);
	if (ret)
		goto out;
	log_info("pull-request: tag '%s' at %.12s for '%s'%s", pr.tag, hex,
		 pr.topic, pr.signed_tag ? ", signed" : "");
	if (remote) {
		/* the tag stands: a failed push is the maintainer's to redo */
		if (push_tag(&pr, remote, push, err)) {
			json_array_append_new(pr.warnings,
					      json_string(err->buf));
			log_warn("pull-request: %s", err->buf);
			strbuf_reset(err);
		} else {
			pushed = push;
		}
	}
	ret = write_request(&pr, buf.buf, &log_and_stat, err);
	if (ret)
		goto out;
	strbuf_addbuf(&text, &pr.request);
	strbuf_addbuf(&text, &pr.conflicts_text);
	file = save_request(pr.tag, &text, err);
	if (!file) {
		json_array_append_new(pr.warnings, json_string(err->buf));
		log_warn("pull-request: %s", err->buf);
		strbuf_reset(err);
	}
	strbuf_addstr(&base_hex, git_oid_tostr_s(&pr.base));
	*result = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, "
			    "s:s*, s:s*, s:I, s:s, s:O, s:s, s:O}",
			    "topic", pr.topic, "branch", pr.branch, "tag",
			    pr.tag, "tag_object", git_oid_tostr_s(&pr.tag_oid),
			    "commit", hex, "base", base_hex.buf, "base_rev",
			    pr.base_name, "url", pr.url, "signed",
			    pr.signed_tag, "pushed", pushed, "file", file,
			    "commits", (json_int_t)count, "request",
			    pr.request.buf, "conflicts", pr.conflicts, "text",
			    text.buf, "warnings", pr.warnings);
	ret = 0;
out:
	git_remote_free(remote);
	free(file);
	free(pr.branch);
	free(pr.tag);
	free(pr.url);
	strbuf_release(&pr.message);
	strbuf_release(&pr.request);
	strbuf_release(&pr.conflicts_text);
	json_decref(pr.conflicts);
	json_decref(pr.warnings);
	store_topic_release(&topic);
	strbuf_release(&log_and_stat);
	strbuf_release(&buf);
	strbuf_release(&text);
	strbuf_release(&base_hex);
	return ret;
}
