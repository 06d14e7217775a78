/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_PULLREQ_TEXT_H
#define CTHULHU_PULLREQ_TEXT_H

#include <stddef.h>

struct git_oid;
struct git_repository;
struct strbuf;

/*
 * The text of a pull request, byte for byte what git writes: the request
 * of `git request-pull BASE URL TAG`, with the shortlog and the diffstat
 * of the topic, for the "pull-request" job (pullreq.h).
 */

/* The commits a pull request asks to pull; every member borrowed. */
struct pullreq_range {
	struct git_repository *repo;
	const char *topic;		/* for messages */
	const struct git_oid *base_rev; /* [tree] base as a commit */
	const struct git_oid *base;	/* merge base of base_rev and tip */
	const struct git_oid *tip;
};

/* `git shortlog ^base_rev tip`; *count gets the number of commits. */
int pullreq_text_shortlog(const struct pullreq_range *pr, struct strbuf *out,
			  size_t *count, struct strbuf *err);
/* `git diff -M --stat --summary base..tip` */
int pullreq_text_diffstat(const struct pullreq_range *pr, struct strbuf *out,
			  struct strbuf *err);
/*
 * git request-pull's text for the tag whose object is tag_buf (the tag
 * as written, signature and all), url and tag as it names them, appended
 * to out: everything but the shortlog and the diffstat, which the caller
 * made before the tag existed and hands in as log_and_stat.
 */
int pullreq_text_request(const struct pullreq_range *pr, const char *url,
			 const char *tag, const char *tag_buf,
			 const struct strbuf *log_and_stat, struct strbuf *out,
			 struct strbuf *err);

/* --- pieces of git's text, for the tag and its message ---------------- */

/* The length of line (up to and with its '\n') with trailing space cut. */
size_t pullreq_text_trimmed_len(const char *line, size_t len);
/* The length of the line at s, with its '\n' if it has one. */
size_t pullreq_text_line_len(const char *s);
/* git's format_subject(): the first paragraph's lines joined by spaces. */
void pullreq_text_subject(struct strbuf *sb, const char *msg);
/*
 * git's stripspace() without comments: trailing space cut from every
 * line, blank lines at both ends dropped, runs of blank lines made one,
 * a final newline.
 */
void pullreq_text_stripspace(struct strbuf *out, const char *in);

#endif
