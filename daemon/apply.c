/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Apply patch mail to a branch in memory, making the commits `git am -s`
 * makes from the same mail: the patch is applied with git_apply_to_tree()
 * to the tip's tree (falling back to a three-way merge from the preimage
 * blobs named by the patch's index lines, as `git am -3` does), and the
 * commit object is written byte for byte as git writes it, so that the
 * same mail, committer and dates give the same SHA1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <git2.h>
#include <glib.h>

#include "daemon/apply.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/mail.h"
#include "daemon/pathcheck.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "daemon/testhook.h"
#include "lib/xalloc.h"

#define COMMENT_CHAR '#'

/* git's isspace(): sane_ctype knows only these four as space. */
static int git_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int git_isalnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* --- the commit message -------------------------------------------------- */

/* git's strbuf_stripspace() without comment stripping. */
static void stripspace(struct strbuf *sb)
{
	size_t i, j, len, newlen, empties = 0;
	char *eol;

	for (i = j = 0; i < sb->len; i += len) {
		eol = memchr(sb->buf + i, '\n', sb->len - i);
		len = eol ? (size_t)(eol - (sb->buf + i)) + 1 : sb->len - i;
		newlen = len;
		while (newlen &&
		       git_isspace((unsigned char)sb->buf[i + newlen - 1]))
			newlen--;
		if (!newlen) {
			empties++;
			continue;
		}
		if (empties > 0 && j > 0)
			sb->buf[j++] = '\n';
		empties = 0;
		memmove(sb->buf + j, sb->buf + i, newlen);
		j += newlen;
		sb->buf[j++] = '\n';
	}
	strbuf_setlen(sb, j);
}

static const char *next_line(const char *s)
{
	const char *nl = strchrnul(s, '\n');

	return nl + !!*nl;
}

static ssize_t last_line(const char *buf, size_t len)
{
	ssize_t i;

	if (len == 0)
		return -1;
	if (len == 1)
		return 0;
	for (i = len - 2; i >= 0; i--)
		if (buf[i] == '\n')
			return i + 1;
	return 0;
}

static int is_blank_line(const char *s)
{
	while (*s && *s != '\n' && git_isspace((unsigned char)*s))
		s++;
	return !*s || *s == '\n';
}

/* git's trailer.c find_separator() with the default separators ":". */
static ssize_t find_separator(const char *line)
{
	int whitespace_found = 0;
	const char *c;

	for (c = line; *c; c++) {
		if (*c == '\n')
			break;
		if (*c == ':')
			return c - line;
		if (!whitespace_found &&
		    (git_isalnum((unsigned char)*c) || *c == '-'))
			continue;
		if (c != line && (*c == ' ' || *c == '\t')) {
			whitespace_found = 1;
			continue;
		}
		break;
	}
	return -1;
}

/*
 * git's commit.c ignore_non_trailer(): the length of the trailing run of
 * comment lines, blank lines and an old "Conflicts:" block.
 */
static size_t ignore_non_trailer(const char *buf, size_t len)
{
	size_t boc = 0, bol = 0;
	int in_conflicts = 0;

	while (bol < len) {
		const char *nl = memchr(buf + bol, '\n', len - bol);
		size_t next = nl ? (size_t)(nl - buf) + 1 : len;

		if (buf[bol] == COMMENT_CHAR || buf[bol] == '\n') {
			if (!boc)
				boc = bol;
		} else if (starts_with(buf + bol, "Conflicts:\n")) {
			in_conflicts = 1;
			if (!boc)
				boc = bol;
		} else if (in_conflicts && buf[bol] == '\t') {
			;
		} else if (boc) {
			boc = 0;
			in_conflicts = 0;
		}
		bol = next;
	}
	return boc ? len - boc : 0;
}

/*
 * git's trailer.c find_trailer_start(): where the trailer block of
 * buf[0..len) starts, or len when there is none.  The last paragraph is
 * a trailer block when all of it is trailers, or when it holds a
 * git-generated one (Signed-off-by, cherry picked from) and at least 25%
 * trailers.  The first paragraph is the title and never trailers.
 */
static size_t find_trailer_start(const char *buf, size_t len)
{
	static const char *const generated[] = {
		"Signed-off-by: ",
		"(cherry picked from commit ",
	};
	int only_spaces = 1, recognized = 0, trailer_lines = 0;
	int non_trailer_lines = 0, possible_continuation = 0;
	ssize_t end_of_title, l;
	const char *s;
	size_t k;

	for (s = buf; s < buf + len; s = next_line(s)) {
		if (s[0] == COMMENT_CHAR)
			continue;
		if (is_blank_line(s))
			break;
	}
	end_of_title = s - buf;

	for (l = last_line(buf, len); l >= end_of_title;
	     l = last_line(buf, l)) {
		const char *bol = buf + l;
		ssize_t sep;

		if (bol[0] == COMMENT_CHAR) {
			non_trailer_lines += possible_continuation;
			possible_continuation = 0;
			continue;
		}
		if (is_blank_line(bol)) {
			if (only_spaces)
				continue;
			non_trailer_lines += possible_continuation;
			if (recognized &&
			    trailer_lines * 3 >= non_trailer_lines)
				return next_line(bol) - buf;
			else if (trailer_lines && !non_trailer_lines)
				return next_line(bol) - buf;
			return len;
		}
		only_spaces = 0;

		for (k = 0; k < ARRAY_SIZE(generated); k++)
			if (starts_with(bol, generated[k]))
				break;
		if (k < ARRAY_SIZE(generated)) {
			trailer_lines++;
			possible_continuation = 0;
			recognized = 1;
			continue;
		}

		sep = find_separator(bol);
		if (sep >= 1 && !git_isspace((unsigned char)bol[0])) {
			trailer_lines++;
			possible_continuation = 0;
		} else if (git_isspace((unsigned char)bol[0])) {
			possible_continuation++;
		} else {
			non_trailer_lines++;
			non_trailer_lines += possible_continuation;
			possible_continuation = 0;
		}
	}
	return len;
}

/*
 * The trailers of msg as git's trailer_info_get() (no divider) sees them:
 * each a line with its continuation lines.  Returns how many; *lines
 * (caller frees each and the array) may be NULL when none.
 */
static size_t message_trailers(const struct strbuf *msg, char ***lines)
{
	size_t end = msg->len - ignore_non_trailer(msg->buf, msg->len);
	size_t start, nr = 0, pos;
	char **out = NULL;
	char *copy;
	bool last_is_trailer = false;

	copy = xstrndup(msg->buf, end);
	start = find_trailer_start(copy, end);
	for (pos = start; pos < end;) {
		const char *nl = memchr(copy + pos, '\n', end - pos);
		size_t next = nl ? (size_t)(nl - copy) + 1 : end;
		char *line = xstrndup(copy + pos, next - pos);

		if (nr && last_is_trailer &&
		    git_isspace((unsigned char)line[0])) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addstr(&sb, out[nr - 1]);
			strbuf_addstr(&sb, line);
			free(out[nr - 1]);
			free(line);
			out[nr - 1] = strbuf_detach(&sb, NULL);
		} else {
			out = xrealloc(out, (nr + 1) * sizeof(*out));
			out[nr++] = line;
			last_is_trailer = find_separator(line) >= 1;
		}
		pos = next;
	}
	free(copy);
	*lines = out;
	return nr;
}

static void free_lines(char **lines, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(lines[i]);
	free(lines);
}

/*
 * Make room for a first trailer as sequencer.c append_signoff() does: a
 * blank line after the body unless the message already ends with one.
 */
static void open_trailer_block(struct strbuf *msg)
{
	if (!msg->len)
		strbuf_addstr(msg, "\n\n");
	else if (msg->len == 1)
		strbuf_addch(msg, '\n');
	else if (msg->buf[msg->len - 2] != '\n')
		strbuf_addch(msg, '\n');
}

static void complete_line(struct strbuf *sb)
{
	if (sb->len && sb->buf[sb->len - 1] != '\n')
		strbuf_addch(sb, '\n');
}

/* Line a (with its newline or not) is line b, as b4 compares trailers. */
static bool same_trailer(const char *a, const char *b, size_t len)
{
	size_t l = strcspn(a, "\n");

	while (l && git_isspace((unsigned char)a[l - 1]))
		l--;
	return l == len && !strncasecmp(a, b, len);
}

/*
 * Add one trailer line (without newline) to msg's trailer block unless a
 * trailer of the block is the same line (name and value compared without
 * case, as b4 does); whether it was added.
 */
static bool add_trailer(struct strbuf *msg, const char *line)
{
	char **lines;
	size_t nr, i;
	size_t len = strlen(line);
	bool have = false;

	while (len && git_isspace((unsigned char)line[len - 1]))
		len--;
	if (!len)
		return false;
	complete_line(msg);
	nr = message_trailers(msg, &lines);
	for (i = 0; i < nr && !have; i++)
		have = same_trailer(lines[i], line, len);
	free_lines(lines, nr);
	if (have)
		return false;
	if (!nr)
		open_trailer_block(msg);
	strbuf_add(msg, line, len);
	strbuf_addch(msg, '\n');
	return true;
}

/*
 * Take the lines that are line (sob, with its newline) out of msg's
 * trailer block: b4 moves the maintainer's own Signed-off-by below the
 * trailers it adds.
 */
static void remove_trailer(struct strbuf *msg, const char *sob)
{
	size_t len = strcspn(sob, "\n");
	size_t end = msg->len - ignore_non_trailer(msg->buf, msg->len);
	size_t pos = find_trailer_start(msg->buf, end);

	while (pos < end) {
		const char *nl = memchr(msg->buf + pos, '\n', end - pos);
		size_t next = nl ? (size_t)(nl - msg->buf) + 1 : end;

		if (same_trailer(msg->buf + pos, sob, len)) {
			strbuf_remove(msg, pos, next - pos);
			end -= next - pos;
			continue;
		}
		pos = next;
	}
}

/*
 * sequencer.c append_signoff(msg, 0, 0), which `git am -s` uses: add sob
 * unless it is the last trailer (it is added again when it is present
 * but not last).
 */
static void append_signoff(struct strbuf *msg, const char *sob)
{
	size_t sob_len = strlen(sob);
	int has_footer;
	char **lines;
	size_t nr, i;

	complete_line(msg);
	if (msg->len == sob_len && !strncmp(msg->buf, sob, sob_len)) {
		has_footer = 3;
	} else {
		nr = message_trailers(msg, &lines);
		has_footer = nr ? 1 : 0;
		for (i = 0; i < nr; i++)
			if (!strncmp(lines[i], sob, sob_len))
				has_footer = i == nr - 1 ? 3 : 2;
		free_lines(lines, nr);
	}
	if (!has_footer)
		open_trailer_block(msg);
	if (has_footer != 3)
		strbuf_add(msg, sob, sob_len);
}

/* Expand a link template: each "%s" becomes the Message-ID. */
static void expand_link(struct strbuf *out, const char *tpl, const char *id)
{
	const char *p;

	for (p = tpl; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			strbuf_addstr(out, id);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			strbuf_addch(out, '%');
			p++;
		} else {
			strbuf_addch(out, *p);
		}
	}
}

/*
 * ident.c strbuf_addstr_without_crud(): drop "crud" at both ends and the
 * delimiters '\n', '<' and '>' inside.
 */
static int crud(unsigned char c)
{
	return c <= 32 || c == ',' || c == ':' || c == ';' || c == '<' ||
	       c == '>' || c == '"' || c == '\\' || c == '\'';
}

static void add_without_crud(struct strbuf *sb, const char *src)
{
	size_t len;

	while (*src && crud((unsigned char)*src))
		src++;
	len = strlen(src);
	while (len && crud((unsigned char)src[len - 1]))
		len--;
	for (; len; len--, src++)
		if (*src != '\n' && *src != '<' && *src != '>')
			strbuf_addch(sb, *src);
}

static void add_ident(struct strbuf *sb, const char *name, const char *email,
		      int64_t when, int tz)
{
	int a = tz < 0 ? -tz : tz;

	add_without_crud(sb, name);
	strbuf_addstr(sb, " <");
	add_without_crud(sb, email);
	strbuf_addf(sb, "> %lld %c%02d%02d", (long long)when,
		    tz < 0 ? '-' : '+', a / 60, a % 60);
}

void apply_message(const struct apply_patch *p, const struct apply_opts *opts,
		   struct strbuf *out)
{
	apply_message_added(p, opts, out, NULL);
}

void apply_message_added(const struct apply_patch *p,
			 const struct apply_opts *opts, struct strbuf *out,
			 bool *added)
{
	struct strbuf msg = STRBUF_INIT;
	struct strbuf line = STRBUF_INIT;
	bool any = false;
	size_t i;

	strbuf_addstr(&msg, p->message ? p->message : "");
	stripspace(&msg);

	for (i = 0; i < p->nr_trailers; i++) {
		bool a = add_trailer(&msg, p->trailers[i]);

		if (added)
			added[i] = a;
		any |= a;
	}

	if (opts->link && *opts->link && p->message_id && *p->message_id) {
		strbuf_addstr(&line, "Link: ");
		expand_link(&line, opts->link, p->message_id);
		add_trailer(&msg, line.buf);
		strbuf_reset(&line);
	}

	if (opts->signoff) {
		strbuf_addstr(&line, "Signed-off-by: ");
		add_without_crud(&line, opts->committer_name);
		strbuf_addstr(&line, " <");
		add_without_crud(&line, opts->committer_email);
		strbuf_addstr(&line, ">\n");
		if (any)
			remove_trailer(&msg, line.buf);
		append_signoff(&msg, line.buf);
	}
	strbuf_addbuf(out, &msg);
	strbuf_release(&line);
	strbuf_release(&msg);
}

void apply_message_update(const char *message, const char *const *trailers,
			  size_t nr, const char *message_id,
			  const struct apply_opts *opts, struct strbuf *out)
{
	struct strbuf msg = STRBUF_INIT, link = STRBUF_INIT;
	struct strbuf sob = STRBUF_INIT;
	bool any = false;
	size_t i;

	strbuf_addstr(&msg, message);
	stripspace(&msg);
	if (opts->link && *opts->link && message_id && *message_id) {
		strbuf_addstr(&link, "Link: ");
		expand_link(&link, opts->link, message_id);
		strbuf_addch(&link, '\n');
	}
	if (opts->signoff) {
		strbuf_addstr(&sob, "Signed-off-by: ");
		add_without_crud(&sob, opts->committer_name);
		strbuf_addstr(&sob, " <");
		add_without_crud(&sob, opts->committer_email);
		strbuf_addstr(&sob, ">\n");
	}
	/* b4 trailers -u: the new ones go above our Link: and sign-off */
	if (sob.len)
		remove_trailer(&msg, sob.buf);
	if (link.len)
		remove_trailer(&msg, link.buf);
	for (i = 0; i < nr; i++)
		any |= add_trailer(&msg, trailers[i]);
	if (link.len) {
		strbuf_setlen(&link, link.len - 1);
		add_trailer(&msg, link.buf);
	}
	if (sob.len)
		append_signoff(&msg, sob.buf);
	if (any)
		strbuf_addbuf(out, &msg);
	else
		strbuf_addstr(out, message);
	strbuf_release(&sob);
	strbuf_release(&link);
	strbuf_release(&msg);
}

/* --- applying ------------------------------------------------------------ */

/* Where git_apply_to_tree() was when it failed. */
struct apply_where {
	char *path;
	char hunk[128];
	int nr_hunk;
};

static int where_delta(const git_diff_delta *delta, void *payload)
{
	struct apply_where *w = payload;

	free(w->path);
	w->path = xstrdup(delta->new_file.path ? delta->new_file.path :
						 delta->old_file.path);
	w->hunk[0] = '\0';
	w->nr_hunk = 0;
	return 0;
}

static int where_hunk(const git_diff_hunk *hunk, void *payload)
{
	struct apply_where *w = payload;
	size_t len = hunk->header_len;

	while (len &&
	       (hunk->header[len - 1] == '\n' || hunk->header[len - 1] == '\r'))
		len--;
	if (len >= sizeof(w->hunk))
		len = sizeof(w->hunk) - 1;
	memcpy(w->hunk, hunk->header, len);
	w->hunk[len] = '\0';
	w->nr_hunk++;
	return 0;
}

/* In a "diff --git " line p..eol, where an "a//" or "b//" path starts. */
static const char *absolute_header_path(const char *p, const char *eol)
{
	const char *q;

	for (q = p + 11; q + 3 <= eol; q++) {
		bool at_start = q == p + 11 || q[-1] == ' ' || q[-1] == '"';

		if (at_start && (*q == 'a' || *q == 'b') && q[1] == '/' &&
		    q[2] == '/')
			return q + 2;
	}
	return NULL;
}

/*
 * An absolute path in a "diff --git" header ("a//etc/passwd"): libgit2
 * squashes the slashes after the "a/" and takes "etc/passwd", where git
 * apply refuses "invalid path '/etc/passwd'".  Refuse it as git does,
 * from the text, before libgit2 makes it relative.
 */
static int check_absolute_headers(const char *diff, size_t len,
				  const char *name, struct strbuf *err)
{
	const char *p = diff, *end = diff + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *eol = nl ? nl : end, *path = NULL, *e;

		if (eol - p > 11 && !memcmp(p, "diff --git ", 11))
			path = absolute_header_path(p, eol);
		if (path) {
			e = memchr(path, ' ', eol - path);
			return error_set(err, ERR_UNPROCESSABLE,
					 "'%s' names a path outside the tree: "
					 "'%.*s'",
					 name, (int)((e ? e : eol) - path),
					 path);
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/*
 * Refuse a path git's fsck flags (pathcheck_path()): absolute, "..",
 * ".git" in any spelling HFS+ or NTFS reads as ".git", and so on; and a
 * gitlink.  libgit2 refuses some of these itself, with a less clear
 * message, and writes a gitlink as a blob: a patch cannot carry the
 * submodule's commit, and a kernel tree has no submodules, so refuse it
 * rather than write an entry that names an object the repository lacks.
 */
static int check_paths(git_diff *diff, const char *name, struct strbuf *err)
{
	size_t i, n = git_diff_num_deltas(diff);

	if (!n)
		return error_set(err, ERR_UNPROCESSABLE, "'%s' holds no diff",
				 name);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *why = NULL, *path = NULL;

		if (d->status != GIT_DELTA_ADDED) {
			path = d->old_file.path;
			why = pathcheck_path(path);
		}
		if (!why && d->status != GIT_DELTA_DELETED) {
			path = d->new_file.path;
			why = pathcheck_path(path);
		}
		if (why)
			return error_set(err, ERR_UNPROCESSABLE,
					 "'%s' names a path %s: '%s'", name,
					 why, path ? path : "");
		if (d->status != GIT_DELTA_DELETED &&
		    d->new_file.mode == GIT_FILEMODE_COMMIT)
			return error_set(err, ERR_UNPROCESSABLE,
					 "'%s' makes '%s' a gitlink (a "
					 "submodule): cthulhu does not apply "
					 "those",
					 name, d->new_file.path);
	}
	return 0;
}

/*
 * Refuse what would write through a symbolic link of the tip's tree: a
 * path below a component that is a link there ("affected file is beyond
 * a symbolic link", git apply says).  Checked out, such a write would go
 * wherever the link points.
 */
static int check_beyond_links(git_tree *tree, git_diff *diff, const char *name,
			      struct strbuf *err)
{
	size_t i, n = git_diff_num_deltas(diff);

	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->status == GIT_DELTA_DELETED ?
					   d->old_file.path :
					   d->new_file.path;
		const char *slash;

		for (slash = strchr(path, '/'); slash;
		     slash = strchr(slash + 1, '/')) {
			char *prefix = xstrndup(path, slash - path);
			git_tree_entry *e = NULL;
			bool link = !git_tree_entry_bypath(&e, tree, prefix) &&
				    git_tree_entry_filemode(e) ==
					    GIT_FILEMODE_LINK;

			git_tree_entry_free(e);
			if (link) {
				error_set(err, ERR_UNPROCESSABLE,
					  "'%s' writes '%s' beyond the symbolic "
					  "link '%s'",
					  name, path, prefix);
				free(prefix);
				return ERR_UNPROCESSABLE;
			}
			free(prefix);
		}
	}
	return 0;
}

/* Apply diff to tree; *out is the new tree's id.  Messages name p. */
static int apply_plain(git_repository *git, git_tree *tree, git_diff *diff,
		       git_oid *out, struct apply_where *where)
{
	git_apply_options aopts = GIT_APPLY_OPTIONS_INIT;
	git_index *index = NULL;
	int ret;

	aopts.delta_cb = where_delta;
	aopts.hunk_cb = where_hunk;
	aopts.payload = where;
	ret = git_apply_to_tree(&index, git, tree, diff, &aopts);
	if (ret < 0)
		return ret;
	ret = git_index_write_tree_to(out, index, git);
	git_index_free(index);
	return ret;
}

/*
 * git apply's own matching, for what git_apply_to_tree() refuses: it only
 * tries each hunk at the line the hunk header names, while `git apply`
 * (and so `git am`) also finds the hunk's preimage moved up or down the
 * file ("Hunk #1 succeeded at 42 (offset 3 lines)").  This follows
 * apply.c's apply_one_fragment() and find_pos(): start at the new
 * position, try it, then one line further, one line back, two further
 * ..., with a hunk that starts at line 1 (or 0) anchored at the start and
 * one without trailing context at the end, unless that fails.  There is
 * no fuzz: every context line must match, as git's default requires.
 * Text deltas only; binary ones stay with libgit2 and the three-way path.
 */
struct image {
	const char **line;
	size_t *len;
	size_t nr, alloc;
};

static void image_add(struct image *img, const char *l, size_t len)
{
	if (img->nr == img->alloc) {
		img->alloc = img->alloc ? 2 * img->alloc : 64;
		img->line =
			xrealloc(img->line, img->alloc * sizeof(*img->line));
		img->len = xrealloc(img->len, img->alloc * sizeof(*img->len));
	}
	img->line[img->nr] = l;
	img->len[img->nr++] = len;
}

static void image_release(struct image *img)
{
	free(img->line);
	free(img->len);
	memset(img, 0, sizeof(*img));
}

static void image_split(struct image *img, const char *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t next = nl ? (size_t)(nl - buf) + 1 : len;

		image_add(img, buf + pos, next - pos);
		pos = next;
	}
}

static bool image_match(const struct image *img, const struct image *pre,
			size_t at, bool match_beginning, bool match_end)
{
	size_t i;

	if (at + pre->nr > img->nr)
		return false;
	if (match_beginning && at)
		return false;
	if (match_end && at + pre->nr != img->nr)
		return false;
	for (i = 0; i < pre->nr; i++)
		if (img->len[at + i] != pre->len[i] ||
		    memcmp(img->line[at + i], pre->line[i], pre->len[i]))
			return false;
	return true;
}

static ssize_t image_find(const struct image *img, const struct image *pre,
			  size_t line, bool match_beginning, bool match_end)
{
	size_t back, fwd, cur;
	int i;

	if (match_beginning)
		line = 0;
	else if (match_end)
		line = img->nr >= pre->nr ? img->nr - pre->nr : img->nr + 1;
	if (line > img->nr)
		line = img->nr;
	back = fwd = cur = line;
	for (i = 0;; i++) {
		if (image_match(img, pre, cur, match_beginning, match_end))
			return cur;
again:
		if (back == 0 && fwd == img->nr)
			break;
		if (i & 1) {
			if (back == 0) {
				i++;
				goto again;
			}
			cur = --back;
		} else {
			if (fwd == img->nr) {
				i++;
				goto again;
			}
			cur = ++fwd;
		}
	}
	return -1;
}

/* A line's bytes with the newline dropped when a "\ No newline" follows. */
static void drop_newline(struct image *img)
{
	if (img->nr && img->len[img->nr - 1] &&
	    img->line[img->nr - 1][img->len[img->nr - 1] - 1] == '\n')
		img->len[img->nr - 1]--;
}

/*
 * Apply one text patch to content (content_len bytes); the result goes
 * to out.  Returns 0, or -1 with where->hunk naming the hunk that did
 * not match.
 */
static int image_apply(git_patch *patch, const char *content,
		       size_t content_len, struct strbuf *out,
		       struct apply_where *where)
{
	struct image img = { 0 }, pre = { 0 }, post = { 0 }, next = { 0 };
	size_t h, l, i;
	int ret = -1;

	image_split(&img, content, content_len);
	for (h = 0; h < git_patch_num_hunks(patch); h++) {
		const git_diff_hunk *hunk;
		size_t nr_lines, leading = 0, trailing = 0;
		bool seen_change = false, beg, end;
		ssize_t at;

		git_patch_get_hunk(&hunk, &nr_lines, patch, h);
		where_hunk(hunk, where);
		pre.nr = post.nr = 0;
		for (l = 0; l < nr_lines; l++) {
			const git_diff_line *dl;

			git_patch_get_line_in_hunk(&dl, patch, h, l);
			switch (dl->origin) {
			case GIT_DIFF_LINE_CONTEXT:
				image_add(&pre, dl->content, dl->content_len);
				image_add(&post, dl->content, dl->content_len);
				if (seen_change)
					trailing++;
				else
					leading++;
				break;
			case GIT_DIFF_LINE_DELETION:
				image_add(&pre, dl->content, dl->content_len);
				seen_change = true;
				trailing = 0;
				break;
			case GIT_DIFF_LINE_ADDITION:
				image_add(&post, dl->content, dl->content_len);
				seen_change = true;
				trailing = 0;
				break;
			case GIT_DIFF_LINE_CONTEXT_EOFNL:
				drop_newline(&pre);
				drop_newline(&post);
				break;
			case GIT_DIFF_LINE_DEL_EOFNL:
				drop_newline(&pre);
				break;
			case GIT_DIFF_LINE_ADD_EOFNL:
				drop_newline(&post);
				break;
			}
		}
		beg = hunk->old_start == 0 || hunk->old_start == 1;
		end = trailing == 0;
		at = image_find(&img, &pre,
				hunk->new_start ? hunk->new_start - 1 : 0, beg,
				end);
		if (at < 0 && (beg || end))
			at = image_find(&img, &pre,
					hunk->new_start ? hunk->new_start - 1 :
							  0,
					false, false);
		if (at < 0)
			goto out;

		next.nr = 0;
		for (i = 0; i < (size_t)at; i++)
			image_add(&next, img.line[i], img.len[i]);
		for (i = 0; i < post.nr; i++)
			image_add(&next, post.line[i], post.len[i]);
		for (i = at + pre.nr; i < img.nr; i++)
			image_add(&next, img.line[i], img.len[i]);
		/* The lines still point into content or the patch text. */
		{
			struct image tmp = img;

			img = next;
			next = tmp;
		}
		(void)leading;
	}
	for (i = 0; i < img.nr; i++)
		strbuf_add(out, img.line[i], img.len[i]);
	ret = 0;
out:
	image_release(&img);
	image_release(&pre);
	image_release(&post);
	image_release(&next);
	return ret;
}

static int tree_blob(git_repository *git, git_tree *tree, const char *path,
		     git_blob **out, unsigned int *mode)
{
	git_tree_entry *e;
	int ret;

	if (git_tree_entry_bypath(&e, tree, path) < 0)
		return GIT_ENOTFOUND;
	*mode = git_tree_entry_filemode(e);
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		git_tree_entry_free(e);
		return GIT_ENOTFOUND;
	}
	ret = git_blob_lookup(out, git, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return ret;
}

static bool tree_has(git_tree *tree, const char *path)
{
	git_tree_entry *e;

	if (git_tree_entry_bypath(&e, tree, path) < 0)
		return false;
	git_tree_entry_free(e);
	return true;
}

/*
 * Whether two paths of deltas are the same; libgit2 leaves the old path
 * of a created file (and the new one of a deleted file) NULL when the
 * patch names none.
 */
static bool same_path(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/*
 * Apply diff to tree as `git apply` does (offsets, anchored hunks, no
 * fuzz); *out is the new tree, made with git_tree_create_updated() so
 * that only the folders on the touched paths are rewritten, however big
 * the tree.  1 when the diff has what this does not handle: a binary
 * delta, or a path named twice; git_apply_to_tree() takes those.
 */
static int apply_text(git_repository *git, git_tree *tree, git_diff *diff,
		      git_oid *out, struct apply_where *where,
		      struct strbuf *why)
{
	size_t i, j, n = git_diff_num_deltas(diff), nr_up = 0;
	struct strbuf content = STRBUF_INIT;
	git_tree_update *up;
	int ret;

	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		if (d->flags & GIT_DIFF_FLAG_BINARY ||
		    d->status == GIT_DELTA_COPIED)
			return 1;
		for (j = 0; j < i; j++) {
			const git_diff_delta *e = git_diff_get_delta(diff, j);

			if (same_path(e->new_file.path, d->new_file.path) ||
			    same_path(e->old_file.path, d->old_file.path) ||
			    same_path(e->old_file.path, d->new_file.path) ||
			    same_path(e->new_file.path, d->old_file.path))
				return 1;
		}
	}
	up = xcalloc(2 * n + 1, sizeof(*up));
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		git_patch *patch = NULL;
		git_blob *blob = NULL;
		unsigned int mode = 0;
		const char *old = "";
		size_t old_len = 0;
		git_oid id;

		where_delta(d, where);
		if (git_patch_from_diff(&patch, diff, i) < 0) {
			ret = repo_error(why, -EIO, "cannot read the patch");
			goto out;
		}
		if (d->status != GIT_DELTA_ADDED) {
			if (tree_blob(git, tree, d->old_file.path, &blob,
				      &mode) < 0) {
				git_patch_free(patch);
				ret = error_set(why, ERR_UNPROCESSABLE,
						"'%s' does not exist",
						d->old_file.path);
				goto out;
			}
			old = git_blob_rawcontent(blob);
			old_len = git_blob_rawsize(blob);
		}
		if ((d->status == GIT_DELTA_ADDED ||
		     d->status == GIT_DELTA_RENAMED) &&
		    tree_has(tree, d->new_file.path)) {
			git_blob_free(blob);
			git_patch_free(patch);
			ret = error_set(why, ERR_UNPROCESSABLE,
					"'%s' already exists",
					d->new_file.path);
			goto out;
		}
		strbuf_reset(&content);
		ret = image_apply(patch, old, old_len, &content, where);
		git_blob_free(blob);
		git_patch_free(patch);
		if (ret < 0) {
			ret = error_set(why, ERR_UNPROCESSABLE,
					"hunk did not match");
			goto out;
		}

		if (d->status == GIT_DELTA_DELETED ||
		    d->status == GIT_DELTA_RENAMED) {
			up[nr_up].action = GIT_TREE_UPDATE_REMOVE;
			up[nr_up++].path = d->old_file.path;
		}
		if (d->status == GIT_DELTA_DELETED) {
			if (content.len) {
				ret = error_set(
					why, ERR_UNPROCESSABLE,
					"removal patch leaves '%s' with contents",
					d->old_file.path);
				goto out;
			}
			continue;
		}
		if (git_blob_create_from_buffer(&id, git, content.buf,
						content.len) < 0) {
			ret = repo_error(why, -EIO, "cannot write '%s'",
					 d->new_file.path);
			goto out;
		}
		up[nr_up].action = GIT_TREE_UPDATE_UPSERT;
		git_oid_cpy(&up[nr_up].id, &id);
		up[nr_up].filemode = d->new_file.mode ? d->new_file.mode :
				     mode	      ? mode :
							GIT_FILEMODE_BLOB;
		up[nr_up++].path = d->new_file.path;
	}
	if (git_tree_create_updated(out, git, tree, nr_up, up) < 0) {
		ret = repo_error(why, -EIO, "cannot write the tree");
		goto out;
	}
	ret = 0;
out:
	free(up);
	strbuf_release(&content);
	return ret;
}

/*
 * `git am -3`: build the preimage tree from the blobs the patch's index
 * lines name (every file the patch touches must have one, present in the
 * repository), apply the patch there, and merge the result into tree with
 * the preimage as the base.
 */
static int apply_three_way(git_repository *git, git_tree *tree, git_diff *diff,
			   git_oid *out, const char *name, struct strbuf *err)
{
	git_merge_options mopts = GIT_MERGE_OPTIONS_INIT;
	git_index *base_index = NULL, *merged = NULL;
	git_tree *base_tree = NULL, *their_tree = NULL;
	struct apply_where where = { 0 };
	git_oid base_oid, their_oid;
	size_t i, n = git_diff_num_deltas(diff);
	int ret;

	ret = git_index_new(&base_index);
	if (ret < 0)
		goto out_git;
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		git_index_entry entry;
		git_object *blob;
		git_oid full;

		if (d->status == GIT_DELTA_ADDED)
			continue;
		if (!d->old_file.id_abbrev ||
		    git_oid_is_zero(&d->old_file.id)) {
			ret = error_set(err, ERR_UNPROCESSABLE,
					"'%s' has no index line for '%s'", name,
					d->old_file.path);
			goto out;
		}
		if (git_object_lookup_prefix(&blob, git, &d->old_file.id,
					     d->old_file.id_abbrev,
					     GIT_OBJECT_BLOB) < 0) {
			char hex[GIT_OID_HEXSZ + 1];

			git_oid_tostr(hex, d->old_file.id_abbrev + 1u,
				      &d->old_file.id);
			ret = error_set(
				err, ERR_UNPROCESSABLE,
				"'%s': preimage blob %s of '%s' is not in the repository",
				name, hex, d->old_file.path);
			goto out;
		}
		git_oid_cpy(&full, git_object_id(blob));
		git_object_free(blob);
		memset(&entry, 0, sizeof(entry));
		entry.path = d->old_file.path;
		entry.mode = d->old_file.mode ? d->old_file.mode :
						GIT_FILEMODE_BLOB;
		git_oid_cpy(&entry.id, &full);
		if (git_index_add(base_index, &entry) < 0)
			goto out_git;
	}
	if (git_index_write_tree_to(&base_oid, base_index, git) < 0 ||
	    git_tree_lookup(&base_tree, git, &base_oid) < 0)
		goto out_git;

	ret = apply_plain(git, base_tree, diff, &their_oid, &where);
	if (ret < 0) {
		ret = repo_error(
			err, ERR_UNPROCESSABLE,
			"'%s' does not apply to its own preimage ('%s', hunk %s)",
			name, where.path ? where.path : "?", where.hunk);
		goto out;
	}
	if (git_tree_lookup(&their_tree, git, &their_oid) < 0)
		goto out_git;

	if (git_merge_trees(&merged, git, base_tree, tree, their_tree, &mopts) <
	    0)
		goto out_git;
	if (git_index_has_conflicts(merged)) {
		const git_index_entry *anc, *ours, *theirs;
		git_index_conflict_iterator *it;
		struct strbuf paths = STRBUF_INIT;

		if (git_index_conflict_iterator_new(&it, merged) == 0) {
			while (!git_index_conflict_next(&anc, &ours, &theirs,
							it)) {
				const git_index_entry *e = ours	  ? ours :
							   theirs ? theirs :
								    anc;

				strbuf_addf(&paths, "%s'%s'",
					    paths.len ? ", " : "", e->path);
			}
			git_index_conflict_iterator_free(it);
		}
		ret = error_set(
			err, ERR_UNPROCESSABLE,
			"'%s' does not apply, and the three-way merge conflicts in %s",
			name, paths.buf);
		strbuf_release(&paths);
		goto out;
	}
	if (git_index_write_tree_to(out, merged, git) < 0)
		goto out_git;
	ret = 0;
	goto out;

out_git:
	ret = repo_error(err, -EIO, "'%s': three-way merge failed", name);
out:
	free(where.path);
	git_index_free(merged);
	git_tree_free(their_tree);
	git_tree_free(base_tree);
	git_index_free(base_index);
	return ret;
}

static void local_now(int64_t *when, int *tz)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	*when = now;
	*tz = (int)(tm.tm_gmtoff / 60);
}

/* Write the commit object as git's commit_tree() lays it out. */
static int write_commit(git_repository *git, const git_oid *tree,
			const git_oid *parent, const char *author,
			const char *committer, const struct strbuf *msg,
			git_oid *out)
{
	struct strbuf buf = STRBUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	git_odb *odb;
	int ret;

	git_oid_tostr(hex, sizeof(hex), tree);
	strbuf_addf(&buf, "tree %s\n", hex);
	if (parent) {
		git_oid_tostr(hex, sizeof(hex), parent);
		strbuf_addf(&buf, "parent %s\n", hex);
	}
	strbuf_addf(&buf, "author %s\ncommitter %s\n\n", author, committer);
	strbuf_addbuf(&buf, msg);

	ret = git_repository_odb(&odb, git);
	if (ret == 0) {
		ret = git_odb_write(out, odb, buf.buf, buf.len,
				    GIT_OBJECT_COMMIT);
		git_odb_free(odb);
	}
	strbuf_release(&buf);
	return ret;
}

/*
 * The patch-id: git 2.39's builtin/patch-id.c get_one_patchid() with
 * --stable, ported line for line (libgit2's git_diff_patchid() differs
 * when a file without hunks, e.g. a mode change, comes before another).
 * The diff's lines minus whitespace are hashed with SHA-1, one hash per
 * file, and the hashes summed bytewise with carry, so that the order of
 * the files does not matter.
 */
static void patchid_flush(unsigned char *result, GChecksum **ctx)
{
	unsigned char hash[20];
	unsigned short carry = 0;
	gsize len = sizeof(hash);
	int i;

	g_checksum_get_digest(*ctx, hash, &len);
	g_checksum_reset(*ctx);
	for (i = 0; i < 20; i++) {
		carry += result[i] + hash[i];
		result[i] = carry;
		carry >>= 8;
	}
}

static void patchid_hunk_header(const char *p, int *before, int *after)
{
	static const char digits[] = "0123456789";
	const char *q = p + 4, *r;
	size_t n;

	n = strspn(q, digits);
	if (q[n] == ',') {
		q += n + 1;
		*before = atoi(q);
		n = strspn(q, digits);
	} else {
		*before = 1;
	}
	if (n == 0 || q[n] != ' ' || q[n + 1] != '+')
		return;
	r = q + n + 2;
	n = strspn(r, digits);
	if (r[n] == ',') {
		r += n + 1;
		*after = atoi(r);
	} else {
		*after = 1;
	}
}

static bool is_hex40(const char *p)
{
	int i;

	for (i = 0; i < 40; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		      (p[i] >= 'a' && p[i] <= 'f') ||
		      (p[i] >= 'A' && p[i] <= 'F')))
			return false;
	return true;
}

int apply_patch_id(const char *diff, size_t len, char *hex, struct strbuf *err)
{
	unsigned char result[20] = { 0 };
	struct strbuf line = STRBUF_INIT;
	int before = -1, after = -1;
	size_t pos = 0, patchlen = 0;
	char pre_oid[APPLY_HEXSZ + 1] = "", post_oid[APPLY_HEXSZ + 1] = "";
	bool diff_is_binary = false;
	GChecksum *ctx = g_checksum_new(G_CHECKSUM_SHA1);
	int i;

	while (pos < len) {
		const char *nl = memchr(diff + pos, '\n', len - pos);
		size_t next = nl ? (size_t)(nl - diff) + 1 : len;
		const char *p;
		size_t j, k;

		strbuf_reset(&line);
		strbuf_add(&line, diff + pos, next - pos);
		pos = next;
		p = line.buf;

		if (!skip_prefix(line.buf, "diff-tree ", &p) &&
		    !skip_prefix(line.buf, "commit ", &p) &&
		    !skip_prefix(line.buf, "From ", &p) &&
		    starts_with(line.buf, "\\ ") && 12 < strlen(line.buf))
			continue;
		/*
		 * A commit id starts the next patch of the stream; git
		 * patch-id then prints the first one that had any diff.
		 */
		if (strlen(p) >= 40 && is_hex40(p)) {
			if (patchlen)
				break;
			before = after = -1;
			memset(result, 0, sizeof(result));
			g_checksum_reset(ctx);
			continue;
		}
		if (!patchlen && !starts_with(line.buf, "diff "))
			continue;
		if (before == -1) {
			const char *ix;

			if (starts_with(line.buf, "GIT binary patch") ||
			    starts_with(line.buf, "Binary files")) {
				/* Since git 2.36: hash the index line's ids. */
				diff_is_binary = true;
				before = 0;
				g_checksum_update(ctx, (const guchar *)pre_oid,
						  strlen(pre_oid));
				g_checksum_update(ctx, (const guchar *)post_oid,
						  strlen(post_oid));
				patchid_flush(result, &ctx);
				continue;
			} else if (skip_prefix(line.buf, "index ", &ix)) {
				char *e1 = strstr(line.buf, ".."), *e2 = NULL;

				if (e1)
					e2 = strchr(e1, ' ');
				if (!e2)
					e2 = line.buf + line.len - 1;
				if (e1 && e2 > e1) {
					*e1 = *e2 = '\0';
					snprintf(pre_oid, sizeof(pre_oid), "%s",
						 ix);
					snprintf(post_oid, sizeof(post_oid),
						 "%s", e1 + 2);
				}
				continue;
			} else if (starts_with(line.buf, "--- "))
				before = after = 1;
			else if (!((line.buf[0] >= 'a' && line.buf[0] <= 'z') ||
				   (line.buf[0] >= 'A' && line.buf[0] <= 'Z')))
				break;
		}
		if (diff_is_binary) {
			if (starts_with(line.buf, "diff ")) {
				diff_is_binary = false;
				before = -1;
			}
			continue;
		}
		if (before == 0 && after == 0) {
			if (starts_with(line.buf, "@@ -")) {
				patchid_hunk_header(line.buf, &before, &after);
				continue;
			}
			if (!starts_with(line.buf, "diff "))
				break;
			patchid_flush(result, &ctx);
			before = after = -1;
		}
		if (line.buf[0] == '-' || line.buf[0] == ' ')
			before--;
		if (line.buf[0] == '+' || line.buf[0] == ' ')
			after--;
		/* remove_space(): stops at a NUL, as git's does */
		for (j = k = 0; j < line.len && line.buf[j]; j++)
			if (!git_isspace((unsigned char)line.buf[j]))
				line.buf[k++] = line.buf[j];
		patchlen += k;
		g_checksum_update(ctx, (const guchar *)line.buf, k);
	}
	patchid_flush(result, &ctx);
	g_checksum_free(ctx);
	strbuf_release(&line);
	if (!patchlen)
		return error_set(err, ERR_INVALID, "not a diff");
	for (i = 0; i < 20; i++)
		sprintf(hex + 2 * i, "%02x", result[i]);
	return 0;
}

/*
 * Check an entry of the new tree as git's fsck would: no gitlink, no
 * symbolic link that points out of the tree, into ".git" or at a folder
 * holding it, or that is a .gitmodules (or another dot file git reads);
 * no .gitmodules fsck refuses.  Checked out, the next patch or build
 * step would follow such a link outside, and a clone would run such a
 * submodule's url.
 */
static int check_entry(const char *name, const char *path, unsigned int mode,
		       const char *content, size_t len, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	const char *base = strrchr(path, '/'), *why;
	int ret = 0;

	base = base ? base + 1 : path;
	if (mode == GIT_FILEMODE_COMMIT) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"'%s' makes '%s' a gitlink (a submodule): "
				"cthulhu does not apply those",
				name, path);
	} else if (mode == GIT_FILEMODE_LINK) {
		strbuf_add(&text, content, len);
		why = pathcheck_link(path, text.buf, text.len);
		if (why)
			ret = error_set(err, ERR_UNPROCESSABLE,
					"'%s' makes the symbolic link '%s' %s: "
					"'%s'",
					name, path, why, text.buf);
	} else if (!strcmp(base, ".gitmodules") &&
		   pathcheck_gitmodules(content, len, &text) < 0) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"'%s' writes a '%s' git's fsck refuses: %s",
				name, path, text.buf);
	}
	strbuf_release(&text);
	return ret;
}

/* Whether check_entry() reads what a delta writes at its path. */
static bool entry_checked(const git_diff_delta *d)
{
	const char *base;

	/* A deletion may have no new path at all. */
	if (d->status == GIT_DELTA_DELETED || !d->new_file.path)
		return false;
	base = strrchr(d->new_file.path, '/');
	base = base ? base + 1 : d->new_file.path;
	return (d->new_file.mode == GIT_FILEMODE_LINK ||
		d->new_file.mode == GIT_FILEMODE_COMMIT ||
		!strcmp(base, ".gitmodules"));
}

/*
 * check_entry() before anything is written: the new content of each
 * link and .gitmodules, applied in memory to the tip's blob, so that a
 * refused patch leaves no object in the repository for `git fsck
 * --strict` to flag.  A binary delta there is refused: only a text diff
 * shows what it writes.  Where the hunks do not match the tip (a
 * three-way apply), check_new_tree() checks the merged result.
 */
static int check_new_content(git_repository *git, git_tree *tree,
			     git_diff *diff, const char *name,
			     struct strbuf *err)
{
	size_t i, n = git_diff_num_deltas(diff);
	struct strbuf content = STRBUF_INIT;
	struct apply_where where = { 0 };
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		git_patch *patch = NULL;
		git_blob *blob = NULL;
		unsigned int mode = 0;

		if (!entry_checked(d))
			continue;
		if (d->flags & GIT_DIFF_FLAG_BINARY) {
			ret = error_set(err, ERR_UNPROCESSABLE,
					"'%s' writes '%s' from a binary diff: "
					"cthulhu reads a link or .gitmodules "
					"only from a text diff",
					name, d->new_file.path);
			break;
		}
		if (d->status != GIT_DELTA_ADDED &&
		    tree_blob(git, tree, d->old_file.path, &blob, &mode) < 0)
			continue;
		if (git_patch_from_diff(&patch, diff, i) < 0) {
			git_blob_free(blob);
			ret = repo_error(err, -EIO, "cannot read the patch");
			break;
		}
		strbuf_reset(&content);
		if (image_apply(patch, blob ? git_blob_rawcontent(blob) : "",
				blob ? git_blob_rawsize(blob) : 0, &content,
				&where) == 0)
			ret = check_entry(name, d->new_file.path,
					  d->new_file.mode, content.buf,
					  content.len, err);
		git_patch_free(patch);
		git_blob_free(blob);
	}
	free(where.path);
	strbuf_release(&content);
	return ret;
}

/* check_entry() on what the new tree holds at each path the patch touches. */
static int check_new_tree(git_repository *git, const git_oid *tree_id,
			  git_diff *diff, const char *name, struct strbuf *err)
{
	size_t i, n = git_diff_num_deltas(diff);
	git_tree *tree = NULL;
	int ret = 0;

	if (git_tree_lookup(&tree, git, tree_id) < 0)
		return repo_error(err, -EIO, "cannot read the new tree");
	for (i = 0; i < n && !ret; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->new_file.path, *base;
		git_tree_entry *e = NULL;
		git_blob *blob = NULL;
		unsigned int mode;

		if (d->status == GIT_DELTA_DELETED ||
		    git_tree_entry_bypath(&e, tree, path) < 0)
			continue;
		mode = git_tree_entry_filemode(e);
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (mode == GIT_FILEMODE_COMMIT)
			ret = check_entry(name, path, mode, "", 0, err);
		else if ((mode == GIT_FILEMODE_LINK ||
			  !strcmp(base, ".gitmodules")) &&
			 git_blob_lookup(&blob, git, git_tree_entry_id(e)) < 0)
			ret = repo_error(err, -EIO, "cannot read '%s' of '%s'",
					 path, name);
		else if (blob)
			ret = check_entry(name, path, mode,
					  git_blob_rawcontent(blob),
					  git_blob_rawsize(blob), err);
		git_blob_free(blob);
		git_tree_entry_free(e);
	}
	git_tree_free(tree);
	return ret;
}

/*
 * Apply one patch to the tree of commit *tip and write its commit;
 * *tip becomes that commit.
 */
static int apply_one(git_repository *git, git_oid *tip,
		     const struct apply_patch *p, const struct apply_opts *opts,
		     struct apply_done *done, struct strbuf *err)
{
	struct apply_where where = { 0 };
	struct strbuf author = STRBUF_INIT, committer = STRBUF_INIT;
	struct strbuf msg = STRBUF_INIT, check = STRBUF_INIT;
	struct strbuf why = STRBUF_INIT;
	const char *name = p->name ? p->name : "patch";
	git_commit *parent = NULL;
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	git_oid new_tree, commit;
	int64_t when;
	int tz, ret;

	add_without_crud(&check, p->author_name ? p->author_name : "");
	if (!check.len) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"'%s' has no author name", name);
		goto out;
	}
	strbuf_reset(&check);
	add_without_crud(&check, p->author_email ? p->author_email : "");
	if (!check.len) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"'%s' has no author email", name);
		goto out;
	}
	if (!p->diff || !p->diff_len) {
		ret = error_set(err, ERR_UNPROCESSABLE, "'%s' holds no diff",
				name);
		goto out;
	}
	if (p->date_invalid) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"'%s' has an invalid date", name);
		goto out;
	}

	/*
	 * libgit2 1.5 reads past the end of a hunk line holding a NUL
	 * (heap-buffer-overflow in git_apply_to_tree(), found by
	 * fuzz-apply); git never writes one, binary files come as a
	 * "GIT binary patch".
	 */
	if (memchr(p->diff, '\0', p->diff_len)) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"'%s' has a NUL byte in its diff: not a patch "
				"git can read",
				name);
		goto out;
	}
	ret = check_absolute_headers(p->diff, p->diff_len, name, err);
	if (ret < 0)
		goto out;
	if (git_diff_from_buffer(&diff, p->diff, p->diff_len) < 0) {
		ret = repo_error(err, ERR_UNPROCESSABLE,
				 "'%s' is not a patch git can read", name);
		goto out;
	}
	ret = check_paths(diff, name, err);
	if (ret < 0)
		goto out;

	if (git_commit_lookup(&parent, git, tip) < 0 ||
	    git_commit_tree(&tree, parent) < 0) {
		ret = repo_error(err, -EIO, "cannot read the tip's tree");
		goto out;
	}
	ret = check_beyond_links(tree, diff, name, err);
	if (ret < 0)
		goto out;
	ret = check_new_content(git, tree, diff, name, err);
	if (ret < 0)
		goto out;

	done->three_way = false;
	ret = apply_text(git, tree, diff, &new_tree, &where, &why);
	if (ret > 0) {
		/* Binary deltas and the like: libgit2 applies those. */
		free(where.path);
		memset(&where, 0, sizeof(where));
		ret = apply_plain(git, tree, diff, &new_tree, &where);
		if (ret < 0)
			repo_error(&why, ret, "libgit2 refused it");
	}
	if (ret != 0) {
		struct strbuf first = STRBUF_INIT;

		if (where.nr_hunk)
			strbuf_addf(&first,
				    "'%s' does not apply: '%s' hunk #%d %s: %s",
				    name, where.path ? where.path : "?",
				    where.nr_hunk, where.hunk, why.buf);
		else
			strbuf_addf(&first, "'%s' does not apply: '%s': %s",
				    name, where.path ? where.path : "?",
				    why.buf);
		if (!opts->three_way) {
			strbuf_reset(err);
			strbuf_addbuf(err, &first);
			strbuf_release(&first);
			ret = ERR_UNPROCESSABLE;
			goto out;
		}
		ret = apply_three_way(git, tree, diff, &new_tree, name, err);
		if (ret < 0) {
			/* Say why the plain apply failed first, then why -3 did. */
			strbuf_addstr(&first, "; ");
			strbuf_addbuf(&first, err);
			strbuf_reset(err);
			strbuf_addbuf(err, &first);
			strbuf_release(&first);
			goto out;
		}
		strbuf_release(&first);
		done->three_way = true;
	}

	ret = check_new_tree(git, &new_tree, diff, name, err);
	if (ret < 0)
		goto out;

	ret = apply_patch_id(p->diff, p->diff_len, done->patch_id, err);
	if (ret < 0)
		goto out;

	if (opts->committer_time) {
		when = opts->committer_time;
		tz = opts->committer_tz;
	} else {
		local_now(&when, &tz);
	}
	/* Like git am, a mail without a date is dated now. */
	if (p->date_missing)
		add_ident(&author, p->author_name, p->author_email, when, tz);
	else
		add_ident(&author, p->author_name, p->author_email,
			  p->author_time, p->author_tz);
	add_ident(&committer, opts->committer_name, opts->committer_email, when,
		  tz);
	apply_message(p, opts, &msg);

	if (write_commit(git, &new_tree, tip, author.buf, committer.buf, &msg,
			 &commit) < 0) {
		ret = repo_error(err, -EIO, "cannot write the commit of '%s'",
				 name);
		goto out;
	}
	git_oid_tostr(done->commit, sizeof(done->commit), &commit);
	git_oid_cpy(tip, &commit);
	ret = 0;
out:
	free(where.path);
	git_diff_free(diff);
	git_tree_free(tree);
	git_commit_free(parent);
	strbuf_release(&check);
	strbuf_release(&why);
	strbuf_release(&msg);
	strbuf_release(&committer);
	strbuf_release(&author);
	return ret;
}

int apply_onto(struct repo *repo, const char *base_hex,
	       const struct apply_patch *patches, size_t nr,
	       const struct apply_opts *opts, struct apply_done *done,
	       struct strbuf *err)
{
	git_repository *git = repo_git(repo);
	git_oid tip;
	size_t i;
	int ret;

	if (git_oid_fromstr(&tip, base_hex) < 0)
		return error_set(err, ERR_INVALID, "bad commit id '%s'",
				 base_hex);
	for (i = 0; i < nr; i++) {
		ret = apply_one(git, &tip, &patches[i], opts, &done[i], err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void apply_cas_hook(const char *refname)
{
	testhook_run("cas", refname);
}

int apply_to_ref(struct repo *repo, const char *refname, const char *old_hex,
		 const struct apply_patch *patches, size_t nr,
		 const struct apply_opts *opts, struct apply_done *done,
		 char *new_tip, struct strbuf *err)
{
	git_repository *git = repo_git(repo);
	git_reference *ref = NULL;
	char tip_hex[GIT_OID_HEXSZ + 1];
	git_oid tip, new;
	int ret;

	ret = git_reference_name_to_id(&tip, git, refname);
	if (ret == GIT_ENOTFOUND)
		return error_set(err, ERR_NOT_FOUND, "no branch '%s'", refname);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot read '%s'", refname);
	git_oid_tostr(tip_hex, sizeof(tip_hex), &tip);
	if (old_hex && strcmp(old_hex, tip_hex))
		return error_set(err, ERR_STALE, "'%s' moved to %s", refname,
				 tip_hex);

	ret = apply_onto(repo, tip_hex, patches, nr, opts, done, err);
	if (ret < 0)
		return ret;
	if (!nr) {
		memcpy(new_tip, tip_hex, sizeof(tip_hex));
		return 0;
	}
	git_oid_fromstr(&new, done[nr - 1].commit);
	apply_cas_hook(refname);
	ret = git_reference_create_matching(&ref, git, refname, &new, 1, &tip,
					    "cthulhu: apply");
	if (ret == GIT_EMODIFIED || ret == GIT_ELOCKED)
		return repo_error(err, ERR_STALE, "'%s' moved while applying",
				  refname);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot update '%s'", refname);
	git_reference_free(ref);
	git_oid_tostr(new_tip, GIT_OID_HEXSZ + 1, &new);
	return 0;
}

int apply_ref_cas(struct repo *repo, const char *refname, const char *old_hex,
		  const char *new_hex, struct strbuf *err)
{
	git_reference *ref = NULL;
	git_oid old, new;
	int ret;

	if (git_oid_fromstr(&old, old_hex) < 0 ||
	    git_oid_fromstr(&new, new_hex) < 0)
		return error_set(err, ERR_INVALID, "bad commit id");
	ret = git_reference_create_matching(&ref, repo_git(repo), refname, &new,
					    1, &old, "cthulhu: restore");
	if (ret == GIT_EMODIFIED || ret == GIT_ELOCKED)
		return repo_error(err, ERR_STALE, "'%s' moved", refname);
	if (ret < 0)
		return repo_error(err, -EIO, "cannot update '%s'", refname);
	git_reference_free(ref);
	return 0;
}

void apply_patch_from_mail(struct apply_patch *p, const struct mail *m,
			   const char *name, struct strbuf *msg)
{
	const char *raw;

	memset(p, 0, sizeof(*p));
	strbuf_reset(msg);
	mail_commit_message(m, msg);
	p->name = name;
	p->author_name = m->author_name;
	p->author_email = m->author_email;
	p->author_time = m->author_date;
	p->author_tz = m->author_tz_offset;
	raw = m->author_date_raw ? m->author_date_raw : "";
	while (*raw == ' ' || *raw == '\t')
		raw++;
	p->date_missing = !*raw;
	p->date_invalid = *raw && !m->author_date;
	p->message = msg->buf;
	p->diff = m->patch;
	p->diff_len = m->patch_len;
	p->message_id = m->message_id;
}
