// SPDX-License-Identifier: GPL-2.0
/*
 * Mail parsing: GMime reads the message (headers, RFC 2047 encoded words,
 * transfer encodings, charsets, multipart structure); this file decides
 * what of it is the commit message and what is the patch, with the same
 * rules `git mailinfo -u` applies, so that what cthulhu commits equals
 * what `git am` commits.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>

#include "lib/error.h"
#include "daemon/mail-identity.h"
#include "daemon/mail.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static GMimeParserOptions *parser_opts;

void mail_global_init(void)
{
	static const char *fallback[] = { "UTF-8", "ISO-8859-1", NULL };

	if (parser_opts)
		return;
	g_mime_init();
	parser_opts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(
		parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(
		parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(
		parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(parser_opts, fallback);
}

void mail_global_release(void)
{
	if (!parser_opts)
		return;
	g_mime_parser_options_free(parser_opts);
	parser_opts = NULL;
	g_mime_shutdown();
}

/* --- the time budget ---------------------------------------------------- */

/* How many budget_tick() calls read the clock once. */
#define BUDGET_STRIDE 256

/* The deadline of one mail_parse_opts() (struct mail_opts.budget_ms). */
struct budget {
	int64_t deadline_ms; /* CLOCK_MONOTONIC; 0: no limit */
	unsigned int ticks;
	bool spent;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the budget is spent; reads the clock (once per header). */
static bool budget_spent(struct budget *b)
{
	if (!b || !b->deadline_ms || b->spent)
		return b && b->spent;
	b->spent = mono_ms() >= b->deadline_ms;
	return b->spent;
}

/* The same for a loop over lines: the clock is read every few calls. */
static bool budget_tick(struct budget *b)
{
	if (b && !b->spent && ++b->ticks % BUDGET_STRIDE)
		return false;
	return budget_spent(b);
}

/* --- small string helpers ---------------------------------------------- */

static void strv_push(char ***v, size_t *nr, const char *s)
{
	*v = xrealloc(*v, (*nr + 1) * sizeof(**v));
	(*v)[(*nr)++] = xstrdup(s);
}

static void strv_free(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

static bool strv_has(char **v, size_t nr, const char *s)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/*
 * Make a decoded subject or name one line of printable text: a TAB, CR
 * or LF becomes a space, the other C0 controls, DEL and the C1 controls
 * (U+0080-U+009F) go.  An encoded word can carry any of them, and they
 * would reach terminals, logs and mail headers raw.
 */
static void strip_controls(struct strbuf *sb)
{
	size_t i, o = 0;

	for (i = 0; i < sb->len; i++) {
		unsigned char c = sb->buf[i];

		if (c == '\t' || c == '\r' || c == '\n') {
			sb->buf[o++] = ' ';
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		if (c == 0xc2 && i + 1 < sb->len &&
		    (unsigned char)sb->buf[i + 1] >= 0x80 &&
		    (unsigned char)sb->buf[i + 1] <= 0x9f) {
			i++;
			continue;
		}
		sb->buf[o++] = c;
	}
	strbuf_setlen(sb, o);
}

/* Valid UTF-8 text without NUL bytes? */
static bool is_utf8(const char *s, size_t len)
{
	return g_utf8_validate(s, len, NULL);
}

/* A UTF-8 copy of s: as is when valid, else through the fallback charsets. */
static char *to_utf8(const char *s, size_t len)
{
	char *g, *r;

	if (is_utf8(s, len))
		return xstrndup(s, len);
	g = g_mime_utils_decode_8bit(parser_opts, s, len);
	r = xstrdup(g ? g : "");
	g_free(g);
	return r;
}

/* --- headers ------------------------------------------------------------ */

/*
 * Unfold a raw header value the way git does: each continuation line's
 * first whitespace becomes one space, trailing whitespace of every line
 * goes, and the one space after the colon is dropped.
 */
static void unfold(const char *raw, struct strbuf *out)
{
	const char *p = raw, *eol;
	bool first = true;

	strbuf_reset(out);
	while (*p) {
		size_t n;

		eol = strchr(p, '\n');
		n = eol ? (size_t)(eol - p) : strlen(p);
		if (!first && n && (*p == ' ' || *p == '\t')) {
			strbuf_addch(out, ' ');
			p++;
			n--;
		}
		strbuf_add(out, p, n);
		strbuf_rtrim(out);
		first = false;
		p += n;
		if (*p == '\n')
			p++;
	}
	if (out->len && isspace((unsigned char)out->buf[0]))
		strbuf_remove(out, 0, 1);
}

/* The end of the encoded word "=?charset?X?text?=" at w, or NULL. */
static const char *encoded_word_end(const char *w)
{
	const char *p = w + 2, *end;

	while (*p && *p != '?' && !isspace((unsigned char)*p))
		p++;
	if (*p != '?' || p == w + 2 || !strchr("BbQq", p[1]) || !p[1] ||
	    p[2] != '?')
		return NULL;
	end = strstr(p + 3, "?=");
	return end ? end + 2 : NULL;
}

/*
 * Decode the RFC 2047 words and raw 8-bit bytes of an unfolded value.
 * GMime decodes each word on its own: handed a run of words at once it
 * joins their base64 payloads, which breaks on padding inside the run;
 * whitespace between two words goes, as RFC 2047 says.
 */
static void decode_words(struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	char *u = to_utf8(sb->buf, sb->len);
	const char *p = u;
	bool after_word = false;

	while (*p) {
		const char *w = strstr(p, "=?"), *end, *q;
		char *word, *d;
		bool gap_blank = true;

		if (!w) {
			strbuf_addstr(&out, p);
			break;
		}
		end = encoded_word_end(w);
		if (!end) {
			strbuf_add(&out, p, w + 2 - p);
			p = w + 2;
			after_word = false;
			continue;
		}
		for (q = p; q < w; q++)
			if (!isspace((unsigned char)*q))
				gap_blank = false;
		if (!(after_word && gap_blank))
			strbuf_add(&out, p, w - p);
		word = xstrndup(w, end - w);
		d = g_mime_utils_header_decode_text(parser_opts, word);
		strbuf_addstr(&out, d ? d : word);
		g_free(d);
		free(word);
		after_word = true;
		p = end;
	}
	strbuf_reset(sb);
	strbuf_addbuf(sb, &out);
	strbuf_release(&out);
	free(u);
}

static bool header_is(const char *name, const char *want)
{
	return !strcasecmp(name, want);
}

/*
 * GMime decodes these headers while it parses, in time that grows faster
 * than their length, and this file decodes them again.
 */
static const struct {
	const char *name;
	size_t max;
} capped_headers[] = {
	{ "From", MAIL_HEADER_MAX },
	{ "Sender", MAIL_HEADER_MAX },
	{ "Subject", MAIL_HEADER_MAX },
	{ "Date", MAIL_HEADER_MAX },
	{ "X-Original-From", MAIL_HEADER_MAX },
	{ "To", MAIL_ADDRLIST_MAX },
	{ "Cc", MAIL_ADDRLIST_MAX },
	{ "Bcc", MAIL_ADDRLIST_MAX },
	{ "Reply-To", MAIL_ADDRLIST_MAX },
	{ "Content-Type", MAIL_HEADER_MAX },
	{ "Content-Disposition", MAIL_HEADER_MAX },
};

/*
 * Refuse a header block [p, end) where one of capped_headers[] is over
 * its cap, another header over MAIL_ANY_HEADER_MAX, all of them together
 * over MAIL_HEADERS_MAX bytes, or that has over MAIL_NR_HEADERS_MAX
 * headers, before
 * GMime reads it: so a hostile header costs little.
 */
static int check_header_sizes(const char *p, const char *end,
			      struct strbuf *err)
{
	size_t total = 0, count = 0, len, max, i;

	while (p < end) {
		const char *h = p, *colon, *nl;

		if (++count > MAIL_NR_HEADERS_MAX)
			return error_set(err, ERR_UNPROCESSABLE,
					 "mail has over %d headers; refused",
					 MAIL_NR_HEADERS_MAX);

		/* A header runs to the next line that starts with no blank. */
		do {
			nl = memchr(p, '\n', end - p);
			p = nl ? nl + 1 : end;
		} while (p < end && (*p == ' ' || *p == '\t'));
		len = p - h;
		colon = memchr(h, ':', len);
		max = MAIL_ANY_HEADER_MAX;
		for (i = 0; colon && i < ARRAY_SIZE(capped_headers); i++) {
			const char *name = capped_headers[i].name;

			if ((size_t)(colon - h) == strlen(name) &&
			    !strncasecmp(h, name, colon - h)) {
				max = capped_headers[i].max;
				break;
			}
		}
		if (len > max)
			return error_set(
				err, ERR_UNPROCESSABLE,
				"header '%.*s' is %zu bytes, over the limit of %zu; refused",
				colon ? (int)(colon - h) : 0, h, len, max);
		total += len;
		if (total > MAIL_HEADERS_MAX)
			return error_set(
				err, ERR_UNPROCESSABLE,
				"the headers are over %d bytes together; refused",
				MAIL_HEADERS_MAX);
	}
	return 0;
}

/* Skip an RFC 5322 comment starting at p ('('); return what follows. */
static const char *skip_comment(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && !--depth)
			return p + 1;
	}
	return p;
}

bool mail_msgid_valid(const char *id)
{
	size_t len = 0;

	for (; id[len]; len++)
		if ((unsigned char)id[len] <= ' ' ||
		    (unsigned char)id[len] >= 0x7f || id[len] == '<' ||
		    id[len] == '>')
			return false;
	return len && len <= MAIL_MSGID_MAX;
}

/*
 * Append every valid <id> of value (comments skipped) to v, in order and
 * with any duplicates: a caller that keeps them dedups through a hash set,
 * so a header of many ids costs linear time.
 */
static void collect_ids(const char *value, char ***v, size_t *nr)
{
	const char *p = value;

	while (*p) {
		const char *end;
		char *id;

		if (*p == '(') {
			p = skip_comment(p);
			continue;
		}
		if (*p != '<') {
			p++;
			continue;
		}
		end = strchr(p, '>');
		if (!end)
			break;
		id = xstrndup(p + 1, end - p - 1);
		if (mail_msgid_valid(id))
			strv_push(v, nr, id);
		free(id);
		p = end + 1;
	}
}

char *mail_msgid_parse(const char *value)
{
	char **ids = NULL, *r = NULL;
	size_t nr = 0;
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	if (!value)
		return NULL;
	collect_ids(value, &ids, &nr);
	if (nr) {
		r = ids[0];
		ids[0] = NULL;
		strv_free(ids, nr);
		return r;
	}
	free(ids);
	/* No <...>: take the first word, as patchwork does for broken ids. */
	for (p = value; *p;) {
		if (*p == '(') {
			p = skip_comment(p);
			continue;
		}
		if (isspace((unsigned char)*p)) {
			if (sb.len)
				break;
			p++;
			continue;
		}
		strbuf_addch(&sb, *p++);
	}
	if (sb.len && sb.buf[sb.len - 1] == '>')
		strbuf_setlen(&sb, sb.len - 1);
	if (sb.len && mail_msgid_valid(sb.buf))
		r = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
	return r;
}

/*
 * git's reading of a From: value: drop quotes and quoted pairs (comments
 * keep their parentheses), take the word around '@' as the address and
 * what is left as the name, falling back to the address when the name
 * looks wrong.
 */
static void unquote_comment_into(struct strbuf *out, const char **pp)
{
	const char *p = *pp;

	strbuf_addch(out, '(');
	while (*p) {
		char c = *p++;

		if (c == '\\' && *p) {
			strbuf_addch(out, *p++);
			continue;
		}
		if (c == '(') {
			unquote_comment_into(out, &p);
			continue;
		}
		strbuf_addch(out, c);
		if (c == ')')
			break;
	}
	*pp = p;
}

static void unquote_from(const char *in, struct strbuf *out)
{
	const char *p = in;

	while (*p) {
		char c = *p++;

		if (c == '"') {
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				strbuf_addch(out, *p++);
			}
			if (*p == '"')
				p++;
			continue;
		}
		if (c == '(') {
			unquote_comment_into(out, &p);
			continue;
		}
		strbuf_addch(out, c);
	}
}

static void sane_name(struct strbuf *name, const struct strbuf *email)
{
	if (!name->len || name->len > 60 || strchr(name->buf, '@') ||
	    strchr(name->buf, '<') || strchr(name->buf, '>')) {
		strbuf_reset(name);
		strbuf_addbuf(name, email);
	}
}

static void split_from(const char *value, struct strbuf *name,
		       struct strbuf *email)
{
	struct strbuf f = STRBUF_INIT;
	char *at;
	size_t el;

	strbuf_reset(name);
	strbuf_reset(email);
	unquote_from(value, &f);
	at = strchr(f.buf, '@');
	if (!at) {
		const char *lt = strchr(value, '<'), *gt;

		gt = lt ? strchr(lt, '>') : NULL;
		if (gt) {
			strbuf_add(email, lt + 1, gt - lt - 1);
			strbuf_add(name, value, lt - value);
			strbuf_trim(name);
			sane_name(name, email);
		}
		goto out;
	}
	while (at > f.buf) {
		char c = at[-1];

		if (isspace((unsigned char)c))
			break;
		if (c == '<') {
			at[-1] = ' ';
			break;
		}
		at--;
	}
	el = strcspn(at, " \n\t\r\v\f>");
	strbuf_add(email, at, el);
	strbuf_remove(&f, at - f.buf, el + (at[el] ? 1 : 0));
	strbuf_squeeze_space(&f);
	strbuf_trim(&f);
	if (f.len >= 2 && f.buf[0] == '(' && f.buf[f.len - 1] == ')') {
		strbuf_remove(&f, 0, 1);
		strbuf_setlen(&f, f.len - 1);
	}
	strbuf_reset(name);
	strbuf_addbuf(name, &f);
	sane_name(name, email);
out:
	strbuf_release(&f);
}

/*
 * The first mailbox of list, looking into groups: a ':' in an encoded
 * word makes GMime read the display name as a group's.  Borrowed.
 */
static InternetAddressMailbox *first_mailbox(InternetAddressList *list)
{
	int i, n = list ? internet_address_list_length(list) : 0;

	for (i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		InternetAddressMailbox *mb;

		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			return INTERNET_ADDRESS_MAILBOX(a);
		if (!INTERNET_ADDRESS_IS_GROUP(a))
			continue;
		mb = first_mailbox(internet_address_group_get_members(
			INTERNET_ADDRESS_GROUP(a)));
		if (mb)
			return mb;
	}
	return NULL;
}

/*
 * The name and address in a From: value as unfolded (encoded words not
 * yet decoded).  git's split_from() reads the decoded text, where an
 * encoded word in the display name can put an address of its own
 * ("=?utf-8?q?Evil=0D=0ABcc:_x@attacker.example?= <evil@example.com>");
 * GMime's address parser reads the header's syntax, so its address wins
 * where the two differ, with its name.  Where they agree the mailinfo
 * name stays.  Both come out without controls.
 */
static void parse_from(const char *value, struct strbuf *name,
		       struct strbuf *email)
{
	struct strbuf dec = STRBUF_INIT;
	InternetAddressList *list;
	char *u = to_utf8(value, strlen(value));
	InternetAddressMailbox *mb;
	const char *addr, *gname;

	strbuf_addstr(&dec, value);
	decode_words(&dec);
	strbuf_squeeze_space(&dec);
	split_from(dec.buf, name, email);
	list = internet_address_list_parse(parser_opts, u);
	mb = first_mailbox(list);
	addr = mb ? internet_address_mailbox_get_addr(mb) : NULL;
	if (addr && strchr(addr, '@') && strcasecmp(addr, email->buf)) {
		gname = internet_address_get_name(INTERNET_ADDRESS(mb));
		strbuf_reset(email);
		strbuf_addstr(email, addr);
		strbuf_reset(name);
		strbuf_addstr(name, gname ? gname : "");
		strip_controls(name);
		strbuf_squeeze_space(name);
		strbuf_trim(name);
		sane_name(name, email);
	}
	if (list)
		g_object_unref(list);
	strip_controls(name);
	strip_controls(email);
	strbuf_release(&dec);
	free(u);
}

static void parse_date(const char *value, time_t *t, int *tz)
{
	GDateTime *dt;

	*t = 0;
	*tz = 0;
	if (!value || !*value)
		return;
	dt = g_mime_utils_header_decode_date(value);
	if (!dt)
		return;
	*t = (time_t)g_date_time_to_unix(dt);
	*tz = (int)(g_date_time_get_utc_offset(dt) / G_TIME_SPAN_MINUTE);
	g_date_time_unref(dt);
}

/* --- subjects ------------------------------------------------------------ */

char *mail_subject_clean(const char *subject, const struct mail_opts *opts)
{
	struct strbuf sb = STRBUF_INIT;
	size_t at = 0;

	strbuf_addstr(&sb, subject ? subject : "");
	if (opts && opts->keep_subject)
		return strbuf_detach(&sb, NULL);
	while (at < sb.len) {
		char c = sb.buf[at], *end;
		size_t n;

		if ((c == 'r' || c == 'R') && sb.len > at + 3 &&
		    (sb.buf[at + 1] == 'e' || sb.buf[at + 1] == 'E') &&
		    sb.buf[at + 2] == ':') {
			strbuf_remove(&sb, at, 3);
			continue;
		}
		if (c == ' ' || c == '\t' || c == ':') {
			strbuf_remove(&sb, at, 1);
			continue;
		}
		if (c != '[')
			break;
		end = strchr(sb.buf + at, ']');
		if (!end)
			break;
		n = end - (sb.buf + at) + 1;
		if (!(opts && opts->keep_non_patch) ||
		    (n >= 7 && memmem(sb.buf + at, n, "PATCH", 5))) {
			strbuf_remove(&sb, at, n);
			continue;
		}
		at += n;
		if (at < sb.len && isspace((unsigned char)sb.buf[at]))
			at++;
	}
	strbuf_trim(&sb);
	strbuf_squeeze_space(&sb);
	return strbuf_detach(&sb, NULL);
}

void mail_prefix_release(struct mail_prefix *prefix)
{
	strv_free(prefix->tags, prefix->nr_tags);
	memset(prefix, 0, sizeof(*prefix));
}

/* "v3" or "V3" -> 3; 0 if tag is not a version. */
static int tag_version(const char *tag)
{
	char *end;
	long v;

	if ((tag[0] != 'v' && tag[0] != 'V') || !isdigit((unsigned char)tag[1]))
		return 0;
	v = strtol(tag + 1, &end, 10);
	if (*end || v <= 0 || v > 1000)
		return 0;
	return (int)v;
}

/* A tag ending in "M/T": fill number and total. */
static bool tag_marker(const char *tag, int *m, int *t)
{
	const char *slash = strrchr(tag, '/'), *p;

	if (!slash || !isdigit((unsigned char)slash[1]))
		return false;
	for (p = slash + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	p = slash;
	while (p > tag && isdigit((unsigned char)p[-1]))
		p--;
	if (p == slash || slash - p > 6 || strlen(slash + 1) > 6)
		return false;
	*m = atoi(p);
	*t = atoi(slash + 1);
	return true;
}

void mail_prefix_parse(const char *subject, struct mail_prefix *prefix)
{
	const char *p = subject ? subject : "";
	size_t i;

	memset(prefix, 0, sizeof(*prefix));
	prefix->version = 1;
	prefix->number = -1;
	prefix->total = -1;

	for (;;) {
		const char *end;
		char *group, *tok, *save = NULL;

		while (isspace((unsigned char)*p) || *p == ':')
			p++;
		if (!strncasecmp(p, "re:", 3) || !strncasecmp(p, "fw:", 3)) {
			p += 3;
			continue;
		}
		if (!strncasecmp(p, "fwd:", 4)) {
			p += 4;
			continue;
		}
		if (*p != '[')
			break;
		end = strchr(p, ']');
		if (!end)
			break;
		group = xstrndup(p + 1, end - p - 1);
		for (tok = strtok_r(group, " \t,", &save); tok;
		     tok = strtok_r(NULL, " \t,", &save))
			strv_push(&prefix->tags, &prefix->nr_tags, tok);
		free(group);
		p = end + 1;
	}

	for (i = 0; i < prefix->nr_tags; i++) {
		const char *tag = prefix->tags[i];
		int v = tag_version(tag), m, t;

		if (v) {
			prefix->version = v;
			prefix->versioned = true;
		} else if (!strcasecmp(tag, "RFC"))
			prefix->rfc = true;
		else if (!strcasecmp(tag, "RESEND"))
			prefix->resend = true;
		if (!strncasecmp(tag, "PATCH", 5))
			prefix->patch = true;
		if (tag_marker(tag, &m, &t)) {
			prefix->number = m;
			prefix->total = t;
		} else if (i + 2 < prefix->nr_tags &&
			   !strcasecmp(prefix->tags[i + 1], "of") &&
			   isdigit((unsigned char)tag[0]) &&
			   isdigit((unsigned char)prefix->tags[i + 2][0])) {
			/* Mercurial's "[PATCH 1 of 2]" */
			prefix->number = atoi(tag);
			prefix->total = atoi(prefix->tags[i + 2]);
		}
	}
	/* "Subject (v2)" */
	if (prefix->version == 1) {
		const char *open = strrchr(p, '(');
		int v;

		if (open && (v = tag_version(open + 1)) == 0) {
			char buf[16];
			size_t n = strcspn(open + 1, ")");

			if (n < sizeof(buf) && open[1 + n] == ')' &&
			    !open[2 + n]) {
				memcpy(buf, open + 1, n);
				buf[n] = 0;
				v = tag_version(buf);
				if (v) {
					prefix->version = v;
					prefix->versioned = true;
				}
			}
		}
	}
}

char *mail_subject_name(const char *subject)
{
	struct strbuf sb = STRBUF_INIT;
	char *clean = mail_subject_clean(subject, NULL);
	char *open;

	strbuf_addstr(&sb, clean);
	free(clean);
	open = strrchr(sb.buf, '(');
	if (open && sb.len && sb.buf[sb.len - 1] == ')' &&
	    (open[1] == 'v' || open[1] == 'V') &&
	    isdigit((unsigned char)open[2])) {
		strbuf_setlen(&sb, open - sb.buf);
		strbuf_rtrim(&sb);
	}
	return strbuf_detach(&sb, NULL);
}

/* --- the body: git mailinfo's split into message and patch -------------- */

enum { HDR_FROM, HDR_SUBJECT, HDR_DATE, NR_HDR };
static const char *const inbody_names[NR_HDR] = { "From", "Subject", "Date" };

struct splitter {
	const struct mail_opts *opts;
	struct strbuf msg;
	struct strbuf patch;
	size_t patch_lines;
	struct strbuf accum;	       /* an in-body header being read */
	struct strbuf *inbody[NR_HDR]; /* in-body From/Subject/Date */
	bool header_stage;
	bool in_patch;
	/* format=flowed */
	bool flowed, delsp;
	struct strbuf flow;
	const char *message_id; /* for opts->add_message_id */
	/* the current part's charset, when not UTF-8 */
	char *charset;
	bool bad_charset;
	struct budget *budget;
};

/*
 * Add a line of the commit message, in UTF-8.  Only the message is
 * converted: the patch keeps the bytes of the files it changes.
 */
static void add_message_line(struct splitter *s, const char *line, size_t len)
{
	char *conv = NULL;

	if (!s->charset) {
		strbuf_add(&s->msg, line, len);
		return;
	}
	if (!s->bad_charset) {
		iconv_t cd = g_mime_iconv_open("UTF-8", s->charset);

		if (cd != (iconv_t)-1) {
			char *g = g_mime_iconv_strndup(cd, line, len);

			g_mime_iconv_close(cd);
			if (g) {
				strbuf_addstr(&s->msg, g);
				g_free(g);
				return;
			}
		}
		s->bad_charset = true;
	}
	conv = to_utf8(line, len);
	strbuf_addstr(&s->msg, conv);
	free(conv);
}

/* "Name:" followed by whitespace, any case. */
static bool line_is_header(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n + 1 && !strncasecmp(line, name, n) && line[n] == ':' &&
	       isspace((unsigned char)line[n + 1]);
}

static void set_inbody(struct splitter *s, int i, const char *value, size_t len)
{
	if (!s->inbody[i]) {
		s->inbody[i] = xmalloc(sizeof(*s->inbody[i]));
		strbuf_init(s->inbody[i], len);
	}
	strbuf_reset(s->inbody[i]);
	strbuf_add(s->inbody[i], value, len);
}

static void flush_accum(struct splitter *s)
{
	int i;

	if (!s->accum.len)
		return;
	for (i = 0; i < NR_HDR; i++) {
		size_t n = strlen(inbody_names[i]);

		if (!s->inbody[i] && line_is_header(s->accum.buf, s->accum.len,
						    inbody_names[i])) {
			struct strbuf v = STRBUF_INIT;

			strbuf_add(&v, s->accum.buf + n + 2,
				   s->accum.len - n - 2);
			/* parse_from() decodes From: itself. */
			if (i != HDR_FROM)
				decode_words(&v);
			set_inbody(s, i, v.buf, v.len);
			strbuf_release(&v);
			break;
		}
	}
	strbuf_reset(&s->accum);
}

/* A "-- >8 --" line: mostly dashes and scissors, at least 8 wide. */
static bool is_scissors(const char *line)
{
	int scissors = 0, gap = 0, perforation = 0, visible = 0;
	const char *c, *first = NULL, *last = NULL;
	bool in_perf = false;

	for (c = line; *c; c++) {
		if (isspace((unsigned char)*c)) {
			if (in_perf) {
				perforation++;
				gap++;
			}
			continue;
		}
		last = c;
		if (!first)
			first = c;
		if (*c == '-') {
			in_perf = true;
			perforation++;
			continue;
		}
		if (c[1] && (!strncmp(c, ">8", 2) || !strncmp(c, "8<", 2) ||
			     !strncmp(c, ">%", 2) || !strncmp(c, "%<", 2))) {
			in_perf = true;
			perforation += 2;
			scissors += 2;
			c++;
			continue;
		}
		in_perf = false;
	}
	if (first && last)
		visible = last - first + 1;
	return scissors && visible >= 8 && visible < perforation * 3 &&
	       gap * 2 < perforation;
}

/* "From <40 hex> Mon Sep 17 00:00:00 2001" of git format-patch. */
static bool is_format_patch_from(const char *line, size_t len)
{
	static const char tail[] = " Mon Sep 17 00:00:00 2001\n";
	size_t i;

	if (len != 5 + 40 + strlen(tail) || strncmp(line, "From ", 5))
		return false;
	for (i = 5; i < 45; i++)
		if (!isxdigit((unsigned char)line[i]) ||
		    isupper((unsigned char)line[i]))
			return false;
	return !memcmp(line + 45, tail, strlen(tail));
}

/* Still reading in-body headers after this line? */
static bool inbody_header_line(struct splitter *s, const char *line, size_t len)
{
	int i;

	if (s->accum.len && (line[0] == ' ' || line[0] == '\t')) {
		if (s->opts->scissors && is_scissors(line)) {
			flush_accum(s);
			return false;
		}
		if (s->accum.len && s->accum.buf[s->accum.len - 1] == '\n')
			strbuf_setlen(&s->accum, s->accum.len - 1);
		strbuf_add(&s->accum, line, len);
		return true;
	}
	flush_accum(s);
	if (len > 5 && !strncmp(line, ">From", 5) &&
	    isspace((unsigned char)line[5]))
		return is_format_patch_from(line + 1, len - 1);
	if (len > 7 && !strncmp(line, "[PATCH]", 7) &&
	    isspace((unsigned char)line[7])) {
		set_inbody(s, HDR_SUBJECT, line, len);
		return true;
	}
	for (i = 0; i < NR_HDR; i++)
		if (!s->inbody[i] &&
		    line_is_header(line, len, inbody_names[i])) {
			strbuf_add(&s->accum, line, len);
			return true;
		}
	return false;
}

static bool is_patch_break(const char *line, size_t len)
{
	size_t i;

	if (!strncmp(line, "diff -", 6) || !strncmp(line, "Index: ", 7))
		return true;
	if (len < 4 || strncmp(line, "---", 3))
		return false;
	if (line[3] == ' ' && !isspace((unsigned char)line[4]))
		return true;
	for (i = 3; i < len; i++) {
		if (line[i] == '\n')
			return true;
		if (!isspace((unsigned char)line[i]))
			break;
	}
	return false;
}

/* Take one line (with its '\n', if any) of the commit message part. */
static bool message_line(struct splitter *s, const char *line, size_t len)
{
	int i;

	if (s->header_stage && (!len || (len == 1 && line[0] == '\n'))) {
		if (s->accum.len) {
			flush_accum(s);
			s->header_stage = false;
		}
		return false;
	}
	if (!s->opts->no_inbody_headers && s->header_stage) {
		s->header_stage = inbody_header_line(s, line, len);
		if (s->header_stage)
			return false;
	} else {
		s->header_stage = false;
	}
	if (s->opts->scissors && is_scissors(line)) {
		strbuf_reset(&s->msg);
		s->header_stage = true;
		for (i = 0; i < NR_HDR; i++) {
			if (!s->inbody[i])
				continue;
			strbuf_release(s->inbody[i]);
			free(s->inbody[i]);
			s->inbody[i] = NULL;
		}
		return false;
	}
	if (is_patch_break(line, len)) {
		if (s->opts->add_message_id && s->message_id)
			strbuf_addf(&s->msg, "Message-ID: <%s>\n",
				    s->message_id);
		return true;
	}
	add_message_line(s, line, len);
	return false;
}

static void split_line(struct splitter *s, const char *line, size_t len)
{
	if (!s->in_patch && message_line(s, line, len))
		s->in_patch = true;
	if (s->in_patch) {
		strbuf_add(&s->patch, line, len);
		s->patch_lines++;
	}
}

/* format=flowed: join soft-broken lines before splitting. */
static void flowed_line(struct splitter *s, struct strbuf *line)
{
	size_t len = line->len;

	if (!s->flowed) {
		split_line(s, line->buf, line->len);
		return;
	}
	if (len && line->buf[len - 1] == '\n')
		len--;
	if (len == 3 && !strncmp(line->buf, "-- ", 3)) {
		if (s->flow.len) {
			split_line(s, s->flow.buf, s->flow.len);
			strbuf_reset(&s->flow);
		}
		split_line(s, line->buf, line->len);
		return;
	}
	if (len && line->buf[0] == ' ') {
		strbuf_remove(line, 0, 1);
		len--;
	}
	if (len && line->buf[len - 1] == ' ') {
		strbuf_add(&s->flow, line->buf, len - (s->delsp ? 1 : 0));
		return;
	}
	strbuf_addbuf(&s->flow, line);
	split_line(s, s->flow.buf, s->flow.len);
	strbuf_reset(&s->flow);
}

static void feed_text(struct splitter *s, const char *buf, size_t len)
{
	struct strbuf line = STRBUF_INIT;
	size_t i = 0;

	while (i < len && !budget_tick(s->budget)) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) + 1 : len - i;

		strbuf_reset(&line);
		strbuf_add(&line, buf + i, n);
		flowed_line(s, &line);
		i += n;
	}
	strbuf_release(&line);
}

/* --- MIME parts ------------------------------------------------------------ */

static bool content_is(GMimeObject *obj, const char *type, const char *sub)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct && g_mime_content_type_is_type(ct, type, sub);
}

/*
 * Which leaves of a multipart carry the patch: the text/plain parts and
 * the patch attachments (text/x-patch, text/x-diff), as patchwork takes
 * them; HTML alternatives, signatures and binaries are left out.
 */
static bool part_wanted(GMimeObject *obj)
{
	return content_is(obj, "text", "plain") ||
	       content_is(obj, "text", "x-patch") ||
	       content_is(obj, "text", "x-diff") ||
	       content_is(obj, "application", "x-patch") ||
	       content_is(obj, "application", "x-diff");
}

/* Bytes of a part, transfer encoding undone, as UTF-8, lines with '\n'. */
static void part_text(struct mail *m, const struct mail_opts *opts,
		      GMimePart *part, struct strbuf *out, struct splitter *s)
{
	GMimeContentType *ct =
		g_mime_object_get_content_type(GMIME_OBJECT(part));
	GMimeContentEncoding enc = g_mime_part_get_content_encoding(part);
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *st;
	GByteArray *arr;
	const char *charset =
		ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
	const char *fmt = ct ? g_mime_content_type_get_parameter(ct, "format") :
			       NULL;
	const char *ds = ct ? g_mime_content_type_get_parameter(ct, "delsp") :
			      NULL;
	bool encoded = enc == GMIME_CONTENT_ENCODING_BASE64 ||
		       enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	struct strbuf raw = STRBUF_INIT;
	size_t i, o;

	s->flowed = fmt && !strcasecmp(fmt, "flowed");
	s->delsp = ds && !strcasecmp(ds, "yes");
	if (s->flowed)
		m->flags |= MAIL_FLOWED;
	if (!w)
		return;
	st = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(w, st) < 0)
		m->flags |= MAIL_BAD_ENCODING;
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
	if (arr && arr->len)
		strbuf_add(&raw, arr->data, arr->len);
	g_object_unref(st);

	/*
	 * The mbox reader (like `git mailsplit`) drops the CR of CRLF line
	 * ends; a CR that was inside base64 or quoted-printable is the
	 * sender's and stays, flagged, as `git am` warns about it.
	 */
	for (i = 0, o = 0; i < raw.len; i++) {
		if (raw.buf[i] == '\r' && i + 1 < raw.len &&
		    raw.buf[i + 1] == '\n') {
			if (encoded) {
				m->flags |= MAIL_QUOTED_CR;
				if (!opts->strip_quoted_cr)
					raw.buf[o++] = '\r';
			}
			continue;
		}
		raw.buf[o++] = raw.buf[i];
	}
	strbuf_setlen(&raw, o);

	free(s->charset);
	s->charset = NULL;
	if (charset && *charset && strcasecmp(charset, "utf-8") &&
	    strcasecmp(charset, "utf8") && strcasecmp(charset, "us-ascii"))
		s->charset = xstrdup(charset);
	strbuf_addbuf(out, &raw);
	strbuf_release(&raw);
}

static void walk_parts(struct mail *m, const struct mail_opts *opts,
		       GMimeObject *obj, struct splitter *s, bool top,
		       int depth)
{
	struct strbuf text = STRBUF_INIT;
	GMimePart *part;
	bool encoded;

	if (depth > 32)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int i, n = g_mime_multipart_get_count(mp);

		for (i = 0; i < n && !budget_spent(s->budget); i++)
			walk_parts(m, opts, g_mime_multipart_get_part(mp, i), s,
				   false, depth + 1);
		/* git sees the newline before the closing boundary */
		if (!top || n)
			feed_text(s, "\n", 1);
		return;
	}
	if (!GMIME_IS_PART(obj))
		return;
	if (!top && !part_wanted(obj))
		return;
	if (!part_wanted(obj))
		m->flags |= MAIL_NOT_PLAIN;
	part = GMIME_PART(obj);
	part_text(m, opts, part, &text, s);
	feed_text(s, text.buf, text.len);
	/* git keeps the line break before a boundary, unless base64 */
	encoded = g_mime_part_get_content_encoding(part) ==
		  GMIME_CONTENT_ENCODING_BASE64;
	if (s->flow.len) {
		split_line(s, s->flow.buf, s->flow.len);
		strbuf_reset(&s->flow);
	}
	if (!top && !encoded)
		feed_text(s, "\n", 1);
	strbuf_release(&text);
}

/* --- trailers and series lines ------------------------------------------- */

static bool trailer_key(const char *line, size_t *keylen)
{
	static const char *const plain[] = {
		"Cc", "Fixes", "Link", "Closes", "Message-ID", "Message-Id",
	};
	size_t n = 0, i;

	while (isalnum((unsigned char)line[n]) || line[n] == '-')
		n++;
	if (!n || line[n] != ':' || !line[n + 1] ||
	    !isspace((unsigned char)line[n + 1]))
		return false;
	*keylen = n;
	if (n > 3 && !strncasecmp(line + n - 3, "-by", 3))
		return true;
	for (i = 0; i < ARRAY_SIZE(plain); i++)
		if (strlen(plain[i]) == n && !strncasecmp(line, plain[i], n))
			return true;
	return false;
}

static bool is_hex_id(const char *s, size_t *len)
{
	size_t n = 0;

	while (isxdigit((unsigned char)s[n]))
		n++;
	*len = n;
	return n >= 7 && n <= 64 && (!s[n] || isspace((unsigned char)s[n]));
}

static void scan_lines(struct mail *m, const char *text, bool trailers,
		       struct budget *budget)
{
	const char *p = text;

	while (*p && !budget_tick(budget)) {
		const char *eol = strchr(p, '\n'), *v;
		size_t n = eol ? (size_t)(eol - p) : strlen(p), keylen, idlen;
		char *line = xstrndup(p, n);

		if (trailers && trailer_key(line, &keylen) &&
		    m->nr_trailers < MAIL_LINES_MAX) {
			struct mail_trailer *t;
			struct strbuf val = STRBUF_INIT;

			strbuf_addstr(&val, line + keylen + 1);
			strbuf_trim(&val);
			m->trailers = xrealloc(m->trailers,
					       (m->nr_trailers + 1) *
						       sizeof(*m->trailers));
			t = &m->trailers[m->nr_trailers++];
			t->key = xstrndup(line, keylen);
			t->value = strbuf_detach(&val, NULL);
		} else if (trailers && !strncasecmp(line, "Depends-on:", 11) &&
			   m->nr_depends_on < MAIL_LINES_MAX) {
			struct strbuf val = STRBUF_INIT;

			strbuf_addstr(&val, line + 11);
			strbuf_trim(&val);
			if (val.len &&
			    !strv_has(m->depends_on, m->nr_depends_on, val.buf))
				strv_push(&m->depends_on, &m->nr_depends_on,
					  val.buf);
			strbuf_release(&val);
		} else if (skip_prefix(line, "base-commit: ", &v) &&
			   is_hex_id(v, &idlen)) {
			free(m->base_commit);
			m->base_commit = xstrndup(v, idlen);
		} else if (skip_prefix(line, "prerequisite-patch-id: ", &v) &&
			   is_hex_id(v, &idlen) &&
			   m->nr_prereq_patch_ids < MAIL_LINES_MAX) {
			char *id = xstrndup(v, idlen);

			if (!strv_has(m->prereq_patch_ids,
				      m->nr_prereq_patch_ids, id))
				strv_push(&m->prereq_patch_ids,
					  &m->nr_prereq_patch_ids, id);
			free(id);
		}
		free(line);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static bool patch_has_diff(const char *patch, size_t len)
{
	const char *p = patch, *end = patch + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);

		if (!strncmp(p, "diff -", 6) || !strncmp(p, "Index: ", 7) ||
		    !strncmp(p, "GIT binary patch", 16))
			return true;
		if (!strncmp(p, "--- ", 4) && nl && end - nl > 4 &&
		    !strncmp(nl + 1, "+++ ", 4))
			return true;
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

/* --- pull requests ----------------------------------------------------- */

/* Python's \s and \w, as patchwork's pattern uses them. */
static bool pull_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static bool pull_word(char c)
{
	return isalnum((unsigned char)c) || c == '_' ||
	       (unsigned char)c >= 0x80;
}

static bool pull_in(char c, const char *set)
{
	return c && (pull_word(c) || strchr(set, c));
}

static const char *next_line(const char *p)
{
	p = strchr(p, '\n');
	return p ? p + 1 : NULL;
}

/*
 * The URL part of patchwork's pattern, from just after "at:":
 *   \s*\n^\s*([\w+-]+(?:://|@)[\w/.@:~-]+[\s\\]*[\w/._-]*)\s*$
 * with the group's whitespace squeezed to one space and trimmed.  The
 * optional second word (branch or tag) may be on the next line.
 */
static char *pull_url_at(const char *p)
{
	const char *url, *q, *r = NULL, *end;
	struct strbuf sb = STRBUF_INIT;
	bool newline = false, found = false, blank;
	size_t k, run;

	for (; pull_space(*p); p++)
		newline |= *p == '\n';
	if (!newline)
		return NULL;
	url = p;
	while (pull_in(*p, "+-"))
		p++;
	if (p == url)
		return NULL;
	if (!strncmp(p, "://", 3))
		p += 3;
	else if (*p == '@')
		p++;
	else
		return NULL;
	for (q = p; pull_in(*p, "/.@:~-"); p++)
		;
	if (p == q)
		return NULL;
	/* [\s\\]* is greedy and gives back a char at a time until \s*$ holds */
	for (run = 0; pull_space(p[run]) || p[run] == '\\'; run++)
		;
	for (r = p + run; pull_in(*r, "/._-"); r++)
		;
	for (end = r; pull_space(*end) && *end != '\n'; end++)
		;
	found = *end == '\n' || !*end;
	/*
	 * Giving back from inside the run, r stays put (a space or '\\' is
	 * no path character): whether only blanks lead from r to the end of
	 * its line follows from the character after r, so walk back once
	 * instead of scanning forward from each place.
	 */
	blank = !p[run];
	for (k = run; k > 0 && !found; k--) {
		blank = p[k - 1] == '\n' || (p[k - 1] != '\\' && blank);
		if (blank) {
			r = p + k - 1;
			found = true;
		}
	}
	if (!found)
		return NULL;
	for (q = url; q < r; q++) {
		if (!pull_space(*q))
			strbuf_addch(&sb, *q);
		else if (sb.buf[sb.len - 1] != ' ')
			strbuf_addch(&sb, ' ');
	}
	while (sb.buf[sb.len - 1] == ' ')
		strbuf_setlen(&sb, sb.len - 1);
	return strbuf_detach(&sb, NULL);
}

char *mail_pull_url(const char *text)
{
	static const char since[] = "The following changes since commit";
	static const char avail[] = "are available in the git repository at:";
	const char *p, *start = NULL, **avails = NULL;
	size_t nr = 0, alloc = 0;
	char *url = NULL;

	/* ^The following changes since commit.*^are available... (DOTALL) */
	for (p = text; p && !start; p = next_line(p))
		if (!strncasecmp(p, since, strlen(since)))
			start = p;
	if (!start)
		return NULL;
	/*
	 * .* is greedy: the last "are available" line that matches wins.
	 * Collect them in one pass, so that many lines cost linear time.
	 */
	for (p = start; p; p = next_line(p)) {
		if (strncasecmp(p, avail, strlen(avail)))
			continue;
		if (nr == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			avails = xrealloc(avails, alloc * sizeof(*avails));
		}
		avails[nr++] = p;
	}
	while (nr-- > 0 && !url)
		url = pull_url_at(avails[nr] + strlen(avail));
	free(avails);
	return url;
}

/* --- addresses --------------------------------------------------------- */

/* Append the mailboxes of value to v while *nr is below max. */
static void add_addresses(const char *value, struct mail_addr **v, size_t *nr,
			  size_t max)
{
	InternetAddressList *list;
	int i, n;

	list = internet_address_list_parse(parser_opts, value);
	if (!list)
		return;
	n = internet_address_list_length(list);
	for (i = 0; i < n && *nr < max; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		const char *name = internet_address_get_name(a);

		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		*v = xrealloc(*v, (*nr + 1) * sizeof(**v));
		(*v)[*nr].name = xstrdup(name ? name : "");
		(*v)[*nr].email = xstrdup(
			internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)) ?:
				"");
		(*nr)++;
	}
	g_object_unref(list);
}

/* --- mail_parse ----------------------------------------------------------- */

static void set_str(char **field, const char *s)
{
	free(*field);
	*field = xstrdup(s ? s : "");
}

/* --- DMARC ------------------------------------------------------------ */

static const char *addr_named(const struct mail_addr *v, size_t nr,
			      const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(v[i].name, name) && *v[i].email)
			return v[i].email;
	return NULL;
}

/*
 * Give a DMARC-munged From: its author back: the address of
 * X-Original-From: (Google Groups), else of the first Reply-To: then Cc:
 * entry whose name is the author's (Mailman puts the original From: in
 * one of them).  The name is the one in From: without " via List".  A
 * From: that cannot be restored is left as it is.
 */
static void dmarc_unmunge(struct mail *m, const char *x_original_from,
			  const struct mail_addr *reply_to, size_t nr_reply_to)
{
	struct strbuf name = STRBUF_INIT, email = STRBUF_INIT;
	char *author = mail_dmarc_name(m->from_name);
	const char *found = NULL;

	if (!author)
		return;
	if (x_original_from) {
		parse_from(x_original_from, &name, &email);
		if (email.len)
			found = email.buf;
	}
	if (!found)
		found = addr_named(reply_to, nr_reply_to, author);
	if (!found)
		found = addr_named(m->cc, m->nr_cc, author);
	if (found) {
		set_str(&m->from_name, author);
		set_str(&m->from_email, found);
		m->flags |= MAIL_DMARC_FROM;
	}
	free(author);
	strbuf_release(&name);
	strbuf_release(&email);
}

static void addrs_free(struct mail_addr *v, size_t nr);

static bool has_control_junk(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == 0 || (c < 32 && c != '\n' && c != '\r' && c != '\t'))
			return true;
	}
	return false;
}

/* Does the text start like a header block ("Name: value")? */
static bool looks_like_header(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == ':')
			return i > 0;
		if (c < 33 || c > 126)
			return false;
	}
	return false;
}

int mail_parse(const char *raw, size_t len, struct mail **out,
	       struct strbuf *err)
{
	static const struct mail_opts defaults;

	return mail_parse_opts(raw, len, &defaults, out, err);
}

int mail_parse_opts(const char *raw, size_t len, const struct mail_opts *opts,
		    struct mail **out, struct strbuf *err)
{
	struct strbuf from_raw = STRBUF_INIT, subj_raw = STRBUF_INIT;
	struct strbuf date_raw = STRBUF_INIT, v = STRBUF_INIT;
	struct strbuf name = STRBUF_INIT, email = STRBUF_INIT;
	bool have_from = false, have_subject = false, have_date = false;
	bool have_xorig = false, headerless;
	struct strbuf xorig = STRBUF_INIT;
	struct mail_addr *reply_to = NULL;
	size_t nr_reply_to = 0;
	char **irt = NULL, **refs = NULL, *msgid = NULL;
	size_t nr_irt = 0, nr_refs = 0, i, start = 0, hdr_end;
	GMimeHeaderList *headers;
	GMimeMessage *msg = NULL;
	GHashTable *seen, *first;
	GMimeParser *parser;
	GMimeStream *stream;
	struct budget budget = { 0 };
	struct splitter s;
	struct mail *m;
	int ret = 0, count;

	*out = NULL;
	if (!parser_opts)
		mail_global_init();
	if (opts->budget_ms)
		budget.deadline_ms = mono_ms() + opts->budget_ms;
	memset(&s, 0, sizeof(s));
	s.budget = &budget;
	strbuf_init(&s.msg, 0);
	strbuf_init(&s.patch, 0);
	strbuf_init(&s.accum, 0);
	strbuf_init(&s.flow, 0);

	/* Leading blank lines and one mbox "From " line are not the mail. */
	while (start < len && isspace((unsigned char)raw[start]))
		start++;
	if (len - start >= 5 && !memcmp(raw + start, "From ", 5)) {
		const char *nl = memchr(raw + start, '\n', len - start);

		start = nl ? (size_t)(nl - raw) + 1 : len;
	}
	if (start >= len)
		return error_set(err, ERR_UNPROCESSABLE, "empty mail");
	/* A blank line right after "From ": a mail without headers. */
	headerless = raw[start] == '\n' ||
		     (raw[start] == '\r' && start + 1 < len &&
		      raw[start + 1] == '\n');
	if (!headerless && !looks_like_header(raw + start, len - start))
		return error_set(err, ERR_UNPROCESSABLE,
				 "mail does not start with a header");
	hdr_end = start;
	{
		const char *p = raw + start, *e = raw + len, *blank;

		blank = memmem(p, e - p, "\n\n", 2);
		if (!blank)
			blank = memmem(p, e - p, "\n\r\n", 3);
		hdr_end = blank ? (size_t)(blank - raw) : len;
	}
	ret = check_header_sizes(raw + start, raw + hdr_end, err);
	if (ret < 0)
		return ret;

	m = xcalloc(1, sizeof(*m));
	m->raw = xmalloc(len + 1);
	memcpy(m->raw, raw, len);
	m->raw[len] = 0;
	m->raw_len = len;
	if (has_control_junk(raw + start, hdr_end - start))
		m->flags |= MAIL_BINARY_JUNK;

	stream = g_mime_stream_mem_new_with_buffer(raw + start, len - start);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, parser_opts);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!msg) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"cannot parse mail headers");
		goto out_free;
	}

	headers = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	count = headers ? g_mime_header_list_get_count(headers) : 0;
	if (count <= 0 && !headerless) {
		ret = error_set(err, ERR_UNPROCESSABLE, "mail has no headers");
		goto out_free;
	}
	for (i = 0; i < (size_t)count; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(headers, i);
		const char *hn = g_mime_header_get_name(h);
		const char *rv = g_mime_header_get_raw_value(h);

		if (budget_spent(&budget))
			break;
		if (!hn || !rv)
			continue;
		unfold(rv, &v);
		if (header_is(hn, "From")) {
			strbuf_reset(&from_raw);
			strbuf_addbuf(&from_raw, &v);
			have_from = true;
		} else if (header_is(hn, "Subject")) {
			strbuf_reset(&subj_raw);
			strbuf_addbuf(&subj_raw, &v);
			have_subject = true;
		} else if (header_is(hn, "Date")) {
			strbuf_reset(&date_raw);
			strbuf_addbuf(&date_raw, &v);
			have_date = true;
		} else if (header_is(hn, "Message-ID") && !msgid) {
			msgid = mail_msgid_parse(v.buf);
			if (msgid && !strchr(v.buf, '<'))
				m->flags |= MAIL_BAD_MESSAGE_ID;
		} else if (header_is(hn, "In-Reply-To")) {
			collect_ids(v.buf, &irt, &nr_irt);
		} else if (header_is(hn, "References")) {
			collect_ids(v.buf, &refs, &nr_refs);
		} else if (header_is(hn, "To") &&
			   m->nr_to + m->nr_cc < MAIL_ADDRS_MAX) {
			char *u = to_utf8(v.buf, v.len);

			add_addresses(u, &m->to, &m->nr_to,
				      MAIL_ADDRS_MAX - m->nr_cc);
			free(u);
		} else if (header_is(hn, "Cc") &&
			   m->nr_to + m->nr_cc < MAIL_ADDRS_MAX) {
			char *u = to_utf8(v.buf, v.len);

			add_addresses(u, &m->cc, &m->nr_cc,
				      MAIL_ADDRS_MAX - m->nr_to);
			free(u);
		} else if (header_is(hn, "Reply-To") &&
			   nr_reply_to < MAIL_ADDRS_MAX) {
			char *u = to_utf8(v.buf, v.len);

			add_addresses(u, &reply_to, &nr_reply_to,
				      MAIL_ADDRS_MAX);
			free(u);
		} else if (header_is(hn, "X-Original-From") && !have_xorig) {
			strbuf_addbuf(&xorig, &v);
			have_xorig = true;
		}
	}

	if (budget_spent(&budget)) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"mail takes over %u ms to parse; refused",
				opts->budget_ms);
		goto out_free;
	}

	/*
	 * Threading: In-Reply-To, then References newest first, each id once
	 * (where References first names it) and at most MAIL_REFERENCES_MAX
	 * of them.  first maps an id to 1 + the index it first appears at.
	 */
	seen = g_hash_table_new(g_str_hash, g_str_equal);
	first = g_hash_table_new(g_str_hash, g_str_equal);
	for (i = nr_refs; i-- > 0;)
		g_hash_table_insert(first, refs[i], GSIZE_TO_POINTER(i + 1));
	for (i = 0;
	     i < nr_irt + nr_refs && m->nr_references < MAIL_REFERENCES_MAX;
	     i++) {
		size_t r = nr_refs - 1 - (i - nr_irt);
		const char *id = i < nr_irt ? irt[i] : refs[r];

		if (i >= nr_irt &&
		    GPOINTER_TO_SIZE(g_hash_table_lookup(first, id)) != r + 1)
			continue;
		if (!g_hash_table_add(seen, (gpointer)id))
			continue;
		strv_push(&m->references, &m->nr_references, id);
	}
	g_hash_table_destroy(first);
	g_hash_table_destroy(seen);
	set_str(&m->in_reply_to, nr_irt ? irt[0] : "");

	if (msgid && *msgid && strlen(msgid) < 998) {
		m->message_id = msgid;
		msgid = NULL;
	} else {
		GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA1);

		g_checksum_update(ck, (const guchar *)raw, len);
		m->message_id = xstrdup(g_checksum_get_string(ck));
		g_checksum_free(ck);
		strbuf_reset(&v);
		strbuf_addf(&v, "%s@cthulhu.invalid", m->message_id);
		free(m->message_id);
		m->message_id = strbuf_detach(&v, NULL);
		m->flags |= msgid ? MAIL_BAD_MESSAGE_ID : MAIL_NO_MESSAGE_ID;
	}

	decode_words(&subj_raw);
	strip_controls(&subj_raw);
	set_str(&m->subject, subj_raw.buf);
	mail_prefix_parse(m->subject, &m->prefix);

	if (have_from)
		parse_from(from_raw.buf, &name, &email);
	set_str(&m->from_name, name.buf);
	set_str(&m->from_email, email.buf);
	if (!have_from || !email.len)
		m->flags |= MAIL_NO_FROM;
	else {
		dmarc_unmunge(m, have_xorig ? xorig.buf : NULL, reply_to,
			      nr_reply_to);
	}

	decode_words(&date_raw);
	strbuf_squeeze_space(&date_raw);
	set_str(&m->date_raw, date_raw.buf);
	parse_date(m->date_raw, &m->date, &m->tz_offset);
	if (!m->date)
		m->flags |= MAIL_BAD_DATE;

	/* The body, line by line, as git mailinfo splits it. */
	s.opts = opts;
	s.message_id = m->message_id;
	s.header_stage = true;
	walk_parts(m, opts, g_mime_message_get_mime_part(msg), &s, true, 0);
	if (s.flow.len)
		split_line(&s, s.flow.buf, s.flow.len);
	flush_accum(&s);
	if (s.bad_charset)
		m->flags |= MAIL_BAD_CHARSET;

	/* In-body headers count only when there is a patch (as git's). */
	if (s.patch_lines && s.inbody[HDR_FROM]) {
		parse_from(s.inbody[HDR_FROM]->buf, &name, &email);
		set_str(&m->author_name, name.buf);
		set_str(&m->author_email, email.buf);
	} else {
		set_str(&m->author_name, m->from_name);
		set_str(&m->author_email, m->from_email);
	}
	if (s.patch_lines && s.inbody[HDR_DATE]) {
		strbuf_squeeze_space(s.inbody[HDR_DATE]);
		set_str(&m->author_date_raw, s.inbody[HDR_DATE]->buf);
		parse_date(m->author_date_raw, &m->author_date,
			   &m->author_tz_offset);
	} else {
		set_str(&m->author_date_raw, m->date_raw);
		m->author_date = m->date;
		m->author_tz_offset = m->tz_offset;
	}
	if (s.patch_lines && s.inbody[HDR_SUBJECT])
		strip_controls(s.inbody[HDR_SUBJECT]);
	if (s.patch_lines && s.inbody[HDR_SUBJECT])
		m->subject_clean =
			mail_subject_clean(s.inbody[HDR_SUBJECT]->buf, opts);
	else
		m->subject_clean = mail_subject_clean(m->subject, opts);
	(void)have_subject;
	(void)have_date;

	m->body = to_utf8(s.msg.buf, s.msg.len);
	m->patch_len = s.patch.len;
	m->patch = strbuf_detach(&s.patch, NULL);
	m->has_diff = patch_has_diff(m->patch, m->patch_len);
	{
		struct strbuf all = STRBUF_INIT;
		char *pt = to_utf8(m->patch, strnlen(m->patch, m->patch_len));

		strbuf_addstr(&all, m->body);
		strbuf_addstr(&all, pt);
		m->text = strbuf_detach(&all, NULL);
		free(pt);
	}
	scan_lines(m, m->body, true, &budget);
	scan_lines(m, m->patch, false, &budget);
	if (budget_spent(&budget)) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"mail takes over %u ms to parse; refused",
				opts->budget_ms);
		goto out_free;
	}
	m->pull_url = mail_pull_url(m->text);
	if (!m->pull_url)
		m->pull_url = xstrdup("");
	if (!m->base_commit)
		m->base_commit = xstrdup("");
	*out = m;
	m = NULL;

out_free:
	if (msg)
		g_object_unref(msg);
	for (i = 0; i < NR_HDR; i++) {
		if (!s.inbody[i])
			continue;
		strbuf_release(s.inbody[i]);
		free(s.inbody[i]);
	}
	strbuf_release(&s.msg);
	strbuf_release(&s.patch);
	strbuf_release(&s.accum);
	strbuf_release(&s.flow);
	free(s.charset);
	strbuf_release(&from_raw);
	strbuf_release(&subj_raw);
	strbuf_release(&date_raw);
	strbuf_release(&v);
	strbuf_release(&name);
	strbuf_release(&email);
	strv_free(irt, nr_irt);
	strv_free(refs, nr_refs);
	strbuf_release(&xorig);
	addrs_free(reply_to, nr_reply_to);
	free(msgid);
	mail_free(m);
	return ret;
}

static void addrs_free(struct mail_addr *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(v[i].name);
		free(v[i].email);
	}
	free(v);
}

void mail_free(struct mail *m)
{
	size_t i;

	if (!m)
		return;
	free(m->message_id);
	free(m->in_reply_to);
	strv_free(m->references, m->nr_references);
	free(m->from_name);
	free(m->from_email);
	free(m->date_raw);
	free(m->subject);
	free(m->subject_clean);
	mail_prefix_release(&m->prefix);
	addrs_free(m->to, m->nr_to);
	addrs_free(m->cc, m->nr_cc);
	free(m->author_name);
	free(m->author_email);
	free(m->author_date_raw);
	free(m->body);
	free(m->patch);
	free(m->base_commit);
	strv_free(m->prereq_patch_ids, m->nr_prereq_patch_ids);
	strv_free(m->depends_on, m->nr_depends_on);
	for (i = 0; i < m->nr_trailers; i++) {
		free(m->trailers[i].key);
		free(m->trailers[i].value);
	}
	free(m->trailers);
	free(m->text);
	free(m->pull_url);
	free(m->raw);
	free(m);
}

void mail_commit_message(const struct mail *m, struct strbuf *out)
{
	struct strbuf all = STRBUF_INIT;
	const char *p;
	size_t blank = 0;
	bool started = false;

	strbuf_addstr(&all, m->subject_clean);
	strbuf_addstr(&all, "\n\n");
	strbuf_addstr(&all, m->body);
	/* git's stripspace: trim line ends, squeeze blank lines */
	for (p = all.buf; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (!n) {
			blank++;
		} else {
			if (started && blank)
				strbuf_addch(out, '\n');
			strbuf_add(out, p, n);
			strbuf_addch(out, '\n');
			started = true;
			blank = 0;
		}
		p = eol ? eol + 1 : p + strlen(p);
	}
	strbuf_release(&all);
}

size_t mail_count_trailers(const struct mail *m, const char *key)
{
	size_t i, n = 0;

	for (i = 0; i < m->nr_trailers; i++)
		if (!strcasecmp(m->trailers[i].key, key))
			n++;
	return n;
}

void mail_flags_describe(unsigned int flags, struct strbuf *out)
{
	static const char *const names[] = {
		"no-message-id", "bad-message-id", "no-from",	"bad-date",
		"bad-charset",	 "bad-encoding",   "quoted-cr", "format-flowed",
		"binary-junk",	 "dmarc-from",
	};
	size_t i;
	bool first = true;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(flags & (1u << i)))
			continue;
		if (!first)
			strbuf_addch(out, ',');
		strbuf_addstr(out, names[i]);
		first = false;
	}
}

/* --- mbox ----------------------------------------------------------------- */

/*
 * An mbox separator as `git mailsplit` recognises it: "From " and, at the
 * end, a time "hh:mm:ss" or "hh:mm" followed by a year.
 */
static bool is_from_line(const char *line, size_t len)
{
	const char *colon, *end = line + len, *p;
	long year = 0;

	if (len < 20 || memcmp(line, "From ", 5))
		return false;
	colon = line + len - 2;
	line += 5;
	for (;;) {
		if (colon < line)
			return false;
		if (*--colon == ':')
			break;
	}
	if (colon - line < 4 || !isdigit((unsigned char)colon[-4]) ||
	    !isdigit((unsigned char)colon[-2]) ||
	    !isdigit((unsigned char)colon[-1]) ||
	    !isdigit((unsigned char)colon[1]) ||
	    !isdigit((unsigned char)colon[2]))
		return false;
	/* The year, read within the line: the buffer need not end in NUL. */
	for (p = colon + 3; p < end && isspace((unsigned char)*p); p++)
		;
	for (; p < end && isdigit((unsigned char)*p) && year <= 90; p++)
		year = year * 10 + (*p - '0');
	return year > 90;
}

static void mbox_add(struct mbox *mbox, struct strbuf *cur, size_t offset)
{
	struct mbox_msg *msg;

	mbox->msgs = xrealloc(mbox->msgs, (mbox->nr + 1) * sizeof(*mbox->msgs));
	msg = &mbox->msgs[mbox->nr++];
	msg->offset = offset;
	msg->len = cur->len;
	msg->data = strbuf_detach(cur, NULL);
}

int mbox_split(const char *buf, size_t len, enum mbox_format format,
	       struct mbox *mbox, struct strbuf *err)
{
	struct strbuf cur = STRBUF_INIT;
	size_t pos = 0, cur_off = 0;
	bool in_msg = false, single = false;

	memset(mbox, 0, sizeof(*mbox));
	while (pos < len && isspace((unsigned char)buf[pos]))
		pos++;
	if (pos >= len)
		return error_set(err, ERR_UNPROCESSABLE, "empty mailbox");
	{
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - buf - pos) + 1 : len - pos;

		if (n < 5 || memcmp(buf + pos, "From ", 5))
			single = true;
	}
	if (single) {
		/* one RFC 5322 message, no mbox separators */
		strbuf_add(&cur, buf + pos, len - pos);
		mbox_add(mbox, &cur, pos);
		return 0;
	}
	if (format == MBOX_AUTO)
		format = memmem(buf, len, "\n>>From ", 8) ? MBOX_MBOXRD :
							    MBOX_MBOXO;
	while (pos < len) {
		const char *line = buf + pos, *nl;
		size_t n;

		nl = memchr(line, '\n', len - pos);
		n = nl ? (size_t)(nl - line) + 1 : len - pos;
		if (n >= 5 && !strncmp(line, "From ", 5) &&
		    (!in_msg || is_from_line(line, n))) {
			if (in_msg)
				mbox_add(mbox, &cur, cur_off);
			in_msg = true;
			cur_off = pos;
			pos += n;
			continue;
		}
		if (format == MBOX_MBOXRD && line[0] == '>') {
			size_t k = 0;

			while (k < n && line[k] == '>')
				k++;
			if (n - k >= 5 && !memcmp(line + k, "From ", 5)) {
				line++;
				n--;
				pos++;
			}
		}
		/* CRLF line ends become LF, as `git mailsplit` does */
		if (n >= 2 && line[n - 2] == '\r' && line[n - 1] == '\n') {
			strbuf_add(&cur, line, n - 2);
			strbuf_addch(&cur, '\n');
		} else {
			strbuf_add(&cur, line, n);
		}
		pos += n;
	}
	if (in_msg)
		mbox_add(mbox, &cur, cur_off);
	strbuf_release(&cur);
	if (!mbox->nr)
		return error_set(err, ERR_UNPROCESSABLE,
				 "no message in mailbox");
	return 0;
}

void mbox_release(struct mbox *mbox)
{
	size_t i;

	for (i = 0; i < mbox->nr; i++)
		free(mbox->msgs[i].data);
	free(mbox->msgs);
	memset(mbox, 0, sizeof(*mbox));
}
