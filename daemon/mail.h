/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_MAIL_H
#define CTHULHU_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct strbuf;

/*
 * One parsed patch mail, after GMime: headers decoded (RFC 2047, raw 8-bit
 * headers taken as UTF-8 or Latin-1), the body decoded (quoted-printable,
 * base64, charset to UTF-8, format=flowed, CRLF) and split into the commit
 * message and the patch the way `git mailinfo -u` splits them.  Every
 * string is NUL-terminated UTF-8 owned by the struct mail; a field that
 * the mail does not have is "" (never NULL) unless said otherwise.
 *
 * Message-IDs (message_id, in_reply_to, references) are stored WITHOUT the
 * angle brackets: "20240101.123-1-a@b.org".
 */

/* A name and an address, e.g. from To:, Cc:, or a trailer. */
struct mail_addr {
	char *name;  /* display name, decoded; "" if none */
	char *email; /* addr-spec; "" if none */
};

/* Key and value of a trailer line ("Reviewed-by", "A U Thor <a@b.org>"). */
struct mail_trailer {
	char *key;   /* as written, e.g. "Reviewed-by" */
	char *value; /* the rest of the line, trimmed */
};

/*
 * What the bracket prefix of the subject says.  "[PATCH RFC v3 2/7]",
 * "[PATCH kvm-unit-tests 1/2]", "[net,v2,1/2]", "[PATCH 0 of 2]",
 * "[Patch 2/2]:", plus a trailing "(v2)" on the subject.
 */
struct mail_prefix {
	int version;	/* N of vN; 1 when absent */
	int number;	/* M of M/T; -1 when absent (0 = cover letter) */
	int total;	/* T of M/T; -1 when absent */
	bool versioned; /* a vN tag or "(vN)" was there */
	bool patch;	/* the word PATCH (any case) is among the tags */
	bool rfc;
	bool resend;
	/*
	 * Every tag of every leading bracket group in order, split at
	 * spaces and commas ("PATCH", "kvm-unit-tests", "v2", "1/2").
	 */
	char **tags;
	size_t nr_tags;
};

/* Problems found in a mail that was still parsed; see flags. */
enum mail_flag {
	MAIL_NO_MESSAGE_ID =
		1 << 0, /* none: message_id made from a hash of the bytes */
	MAIL_BAD_MESSAGE_ID = 1 << 1, /* not <...>: taken as written */
	MAIL_NO_FROM = 1 << 2,	      /* no usable From: author is "" */
	MAIL_BAD_DATE = 1 << 3, /* Date: missing or unparsable: date is 0 */
	MAIL_BAD_CHARSET =
		1 << 4, /* unknown charset: bytes taken as UTF-8/Latin-1 */
	MAIL_BAD_ENCODING =
		1 << 5, /* broken base64/QP/unknown transfer encoding */
	MAIL_QUOTED_CR =
		1
		<< 6, /* decoded body has CRLF (git am: "quoted CRLF detected") */
	MAIL_FLOWED =
		1
		<< 7, /* format=flowed (git am: "Patch sent with format=flowed") */
	MAIL_BINARY_JUNK = 1 << 8, /* NUL or other control bytes in headers */
	/*
	 * From: was "Name via List <list@...>" (rewritten by a mailing list
	 * for DMARC); from_name/from_email are the author's again, from
	 * X-Original-From:, else a Reply-To: or Cc: entry named Name.
	 */
	MAIL_DMARC_FROM = 1 << 9,
	/*
	 * The text is of a part that is not text/plain (nor a patch): a
	 * mail of text/html alone, which git am reads, and b4 does not.
	 * Not a problem of the mail: mail_flags_describe() leaves it out.
	 */
	MAIL_NOT_PLAIN = 1 << 10,
};

struct mail {
	char *message_id;  /* see MAIL_NO_MESSAGE_ID */
	char *in_reply_to; /* the first id of In-Reply-To, "" if none */
	/*
	 * Every id this mail refers to, nearest first and de-duplicated:
	 * In-Reply-To (all of its ids), then References from newest to
	 * oldest (patchwork's order).  Reverse it to write a References:
	 * header.
	 */
	char **references;
	size_t nr_references;

	/*
	 * The From: header, decoded, as `git mailinfo` prints it; but see
	 * MAIL_DMARC_FROM.
	 */
	char *from_name;
	char *from_email;

	/* The Date: header: raw value, and parsed (0 and 0 if not parsable). */
	char *date_raw;
	time_t date;
	int tz_offset; /* minutes east of UTC, e.g. -420 for -0700 */

	char *subject; /* the Subject: header, decoded, unfolded */
	/*
	 * The subject as `git mailinfo` prints it (and `git am` commits it):
	 * leading "Re:"/"[...]" removed, whitespace squeezed; an in-body
	 * Subject: replaces the header's.
	 */
	char *subject_clean;
	struct mail_prefix prefix; /* parsed from the Subject: header */

	struct mail_addr *to, *cc;
	size_t nr_to, nr_cc;

	/*
	 * What `git am` uses as the author: From: unless the body starts
	 * with in-body From:/Date: lines, which win.
	 */
	char *author_name;
	char *author_email;
	char *author_date_raw; /* as `git mailinfo` prints Date: */
	time_t author_date;
	int author_tz_offset; /* minutes east of UTC */

	/*
	 * The commit message body as `git mailinfo -u` writes to its msg
	 * file: in-body headers consumed, text up to the "---" line (or
	 * "diff -"/"Index: "), scissors only with mail_opts.scissors.
	 */
	char *body;
	/* The patch as `git mailinfo` writes it: from "---" to the end. */
	char *patch;
	size_t patch_len; /* may contain NUL bytes */
	bool has_diff;	  /* patch holds a "diff "/"Index: "/"--- " hunk */

	char *base_commit;	 /* "base-commit: <sha>" line, "" if none */
	char **prereq_patch_ids; /* "prerequisite-patch-id: <sha>" lines */
	size_t nr_prereq_patch_ids;
	/*
	 * The values of "Depends-on:" lines of the message (patchwork's
	 * series dependencies: a Message-ID, or a series, patch or cover
	 * URL), trimmed, de-duplicated, in order.
	 */
	char **depends_on;
	size_t nr_depends_on;

	/*
	 * "Key-by: value" trailer lines of the whole text part (body and
	 * any reply text) that are not quoted with '>': Signed-off-by,
	 * Reviewed-by, Acked-by, Tested-by, Reported-by, Suggested-by,
	 * Co-developed-by, Cc, Fixes, Link, ...  In order of appearance.
	 */
	struct mail_trailer *trailers;
	size_t nr_trailers;

	/* The whole text part as decoded (for replies: what was said). */
	char *text;

	/*
	 * What a `git request-pull` mail asks to pull, "URL [branch|tag]",
	 * as patchwork reads it from the text; "" if not a pull request.
	 * See mail_pull_url().
	 */
	char *pull_url;

	unsigned int flags; /* enum mail_flag */

	/* The bytes given to mail_parse(), unchanged. */
	char *raw;
	size_t raw_len;
};

/* Variants of `git mailinfo`; all false is what `git am` does by default. */
struct mail_opts {
	bool scissors;		/* --scissors: drop what is above "-- >8 --" */
	bool no_inbody_headers; /* --no-inbody-headers */
	bool keep_subject;	/* -k: keep the subject as is */
	bool keep_non_patch;	/* -b: remove only [PATCH] brackets */
	bool strip_quoted_cr;	/* --quoted-cr=strip */
	bool add_message_id;	/* -m: "Message-ID: <id>" ends the message */
	/*
	 * Give up with ERR_UNPROCESSABLE once parsing took this long (0:
	 * no limit), so that hostile mail cannot hold the engine.
	 */
	unsigned int budget_ms;
};

/*
 * Limits against hostile mail.  mail_parse_opts() refuses a mail with a
 * From:, Sender:, Subject:, Date: or X-Original-From: header (folded,
 * with its name), Content-Type: or Content-Disposition: over
 * MAIL_HEADER_MAX bytes, a To:, Cc:, Bcc: or Reply-To: over
 * MAIL_ADDRLIST_MAX, any other header (References: of 5,000 ids) over
 * MAIL_ANY_HEADER_MAX, all headers together over MAIL_HEADERS_MAX
 * (GMime's time to read a header grows faster than its length), or over
 * MAIL_NR_HEADERS_MAX headers.  It keeps
 * at most MAIL_ADDRS_MAX addresses of To: and Cc: together (as many of
 * Reply-To:), and at most MAIL_LINES_MAX trailers, Depends-on: values and
 * prerequisite patch ids each.
 */
#define MAIL_HEADER_MAX 16384
#define MAIL_ADDRLIST_MAX (256 * 1024)
#define MAIL_ANY_HEADER_MAX (256 * 1024)
#define MAIL_HEADERS_MAX (1024 * 1024)
#define MAIL_NR_HEADERS_MAX 10000
#define MAIL_ADDRS_MAX 2000
#define MAIL_LINES_MAX 1000

/*
 * Call once before any other mail_*() or mbox_*() (g_mime_init()); main()
 * does.  mail_global_release() undoes it at exit.
 */
void mail_global_init(void);
void mail_global_release(void);

/*
 * Parse one RFC 5322 message (without a leading mbox "From " line; one is
 * skipped if present).  *out is a new mail the caller frees with
 * mail_free().  A mail that is odd but usable is parsed and flagged
 * (m->flags); what cannot be read as a mail at all (no header, empty,
 * binary junk) returns ERR_UNPROCESSABLE with err set and *out NULL.
 */
int mail_parse(const char *raw, size_t len, struct mail **out,
	       struct strbuf *err);
int mail_parse_opts(const char *raw, size_t len, const struct mail_opts *opts,
		    struct mail **out, struct strbuf *err);
void mail_free(struct mail *m);

/*
 * The commit message `git am` would make from m before any trailers it
 * adds: subject_clean, a blank line, body; cleaned up as git's
 * stripspace does.  Appended to out.
 */
void mail_commit_message(const struct mail *m, struct strbuf *out);

/* The trailers of m with that key (case-insensitive); 0..n; borrowed. */
size_t mail_count_trailers(const struct mail *m, const char *key);

/* Human-readable names of the flags set, comma-separated; appended. */
void mail_flags_describe(unsigned int flags, struct strbuf *out);

/*
 * Subject helpers, exposed for the series code and the tests.
 * mail_subject_clean(): what `git mailinfo` does to a subject (see
 * struct mail_opts for -k/-b); caller frees.
 * mail_prefix_parse(): fill prefix from a raw subject; release with
 * mail_prefix_release().
 * mail_subject_name(): the subject without any bracket prefix, "Re:" or
 * trailing "(vN)", for comparing versions of a series; caller frees.
 */
char *mail_subject_clean(const char *subject, const struct mail_opts *opts);
void mail_prefix_parse(const char *subject, struct mail_prefix *prefix);
void mail_prefix_release(struct mail_prefix *prefix);
char *mail_subject_name(const char *subject);

/*
 * Message-ID helpers: the first <id> of a header value with comments
 * removed (a value with no '<' is taken as written, trimmed), brackets
 * dropped; NULL if there is none.  Caller frees.
 */
char *mail_msgid_parse(const char *value);

/*
 * A Message-ID fit for a header: printable ASCII without spaces or
 * brackets, 1 to MAIL_MSGID_MAX bytes.  Ids that fail are dropped at
 * intake; notices check again before they copy one into a header.
 */
#define MAIL_MSGID_MAX 512
bool mail_msgid_valid(const char *id);

/* A mail keeps In-Reply-To and at most this many newest References. */
#define MAIL_REFERENCES_MAX 100

/*
 * The pull request in a mail's text, as patchwork's parse_pull_request()
 * finds it: after a line "The following changes since commit", the last
 * line "are available in the git repository at:" (any case), then on a
 * later line a URL (git://, git+ssh://, ssh://, http(s)://, user@host:)
 * and optionally a branch or tag, also when that is on the next line.
 * Whitespace in between is squeezed to one space: "URL tags/v5.4-soc".
 * NULL if there is none; else the caller frees.
 */
char *mail_pull_url(const char *text);

/* --- mbox -------------------------------------------------------------- */

enum mbox_format {
	MBOX_AUTO, /* mboxo, or mboxrd when the data looks like it */
	MBOX_MBOXO, /* "From " lines split; ">From " left alone (git mailsplit) */
	MBOX_MBOXRD, /* also unescape ">+From " (git mailsplit --mboxrd) */
};

struct mbox_msg {
	char *data; /* the message without its "From " line, unescaped */
	size_t len;
	size_t offset; /* where its "From " line (or its start) is in the input */
};

struct mbox {
	struct mbox_msg *msgs;
	size_t nr;
};

/*
 * Split buf into messages as `git mailsplit` does: at lines starting
 * with "From " that look like an mbox separator; leading blank lines are
 * skipped; a buffer without any "From " line is taken as one RFC 5322
 * message.  The mbox is filled (caller releases with mbox_release()).
 * ERR_UNPROCESSABLE if buf holds nothing that could be a message.
 */
int mbox_split(const char *buf, size_t len, enum mbox_format format,
	       struct mbox *mbox, struct strbuf *err);
void mbox_release(struct mbox *mbox);

#endif
