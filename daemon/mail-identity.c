// SPDX-License-Identifier: GPL-2.0
/*
 * Sender identity: who a From: names once a mailing list or an archive
 * rewrote it.  A DMARC " via List" display name gives the author's name
 * back (mail.c restores a munged From: with it); a list's or archive's
 * rewritten address gives the author's address back, so that series
 * grouping can tell whether two senders are one person.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/mail-identity.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* --- DMARC ------------------------------------------------------------ */

char *mail_dmarc_name(const char *name)
{
	const char *via = NULL, *p, *b = name;
	size_t n = strlen(name);

	for (p = strstr(name, " via "); p; p = strstr(p + 1, " via "))
		via = p;
	if (!via && n >= 4 && !strcmp(name + n - 4, " via"))
		via = name + n - 4;
	if (!via)
		return NULL;
	while (b < via && (isspace((unsigned char)*b) || *b == '\''))
		b++;
	while (via > b && (isspace((unsigned char)via[-1]) || via[-1] == '\''))
		via--;
	return via > b ? xstrndup(b, via - b) : NULL;
}

/* --- sender identity --------------------------------------------------- */

/*
 * A sender as series grouping compares it: the display name without a
 * DMARC " via List", quotes, case and extra spaces ("Last, First" read
 * as "First Last"); the address lower-cased with a list's or archive's
 * rewriting undone where it can be: "user at host dot org",
 * "user=host.org@list.example" (groups.io), "SRS0=h=tt=host.org=user@fwd";
 * a gmane "user-HASH@public.gmane.org" keeps only "user" (gmane_local).
 * A munged From: (" via ") has the list's address, which names nobody,
 * unless it is one of those rewritings.
 */
struct sender {
	struct strbuf name, email, local, gmane_local;
	bool via;
};

static void lower_ascii(struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < sb->len; i++)
		sb->buf[i] = tolower((unsigned char)sb->buf[i]);
}

/* Replace each word w of sb (spaces or brackets around it) by to. */
static void replace_word(struct strbuf *sb, const char *const *forms,
			 const char *to)
{
	size_t i;

	for (i = 0; forms[i]; i++) {
		char *p;

		while ((p = strstr(sb->buf, forms[i]))) {
			size_t pos = p - sb->buf;
			struct strbuf t = STRBUF_INIT;

			strbuf_add(&t, sb->buf, pos);
			strbuf_addstr(&t, to);
			strbuf_addstr(&t, p + strlen(forms[i]));
			strbuf_reset(sb);
			strbuf_addbuf(sb, &t);
			strbuf_release(&t);
		}
	}
}

static void sender_email(struct sender *s, const char *email)
{
	static const char *const at[] = { " at ", " (at) ", " [at] ", "(at)",
					  "[at]", " () ",   NULL };
	static const char *const dot[] = { " dot ", " (dot) ", " [dot] ",
					   "(dot)", "[dot]",   " ! ",
					   NULL };
	struct strbuf *e = &s->email;
	char *a, *eq;

	strbuf_addstr(e, email);
	strbuf_trim(e);
	lower_ascii(e);
	if (!strchr(e->buf, '@')) {
		replace_word(e, at, "@");
		replace_word(e, dot, ".");
	}
	a = strrchr(e->buf, '@');
	if (!a)
		return;
	/* SRS0=hash=tt=domain=local@forwarder */
	if (!strncmp(e->buf, "srs0=", 5) || !strncmp(e->buf, "srs1=", 5)) {
		char *f[5] = { NULL }, *p = e->buf;
		int n = 0;

		while (n < 5 && (p = memchr(p, '=', a - p)))
			f[n++] = ++p;
		if (n == 4) {
			struct strbuf t = STRBUF_INIT;

			strbuf_add(&t, f[3], a - f[3]);
			strbuf_addch(&t, '@');
			strbuf_add(&t, f[2], f[3] - 1 - f[2]);
			strbuf_reset(e);
			strbuf_addbuf(e, &t);
			strbuf_release(&t);
			a = strrchr(e->buf, '@');
		}
	}
	/* local=domain.tld@list (groups.io and others) */
	eq = memchr(e->buf, '=', a - e->buf);
	if (eq && eq > e->buf && memchr(eq, '.', a - eq)) {
		struct strbuf t = STRBUF_INIT;

		strbuf_add(&t, e->buf, eq - e->buf);
		strbuf_addch(&t, '@');
		strbuf_add(&t, eq + 1, a - eq - 1);
		strbuf_reset(e);
		strbuf_addbuf(e, &t);
		strbuf_release(&t);
		a = strrchr(e->buf, '@');
	}
	strbuf_add(&s->local, e->buf, a - e->buf);
	if (!strcmp(a + 1, "public.gmane.org") ||
	    (strlen(a + 1) > 10 && !strcmp(a + strlen(a) - 10, ".gmane.org"))) {
		char *dash = a;

		while (dash > e->buf && *dash != '-')
			dash--;
		if (dash > e->buf)
			strbuf_add(&s->gmane_local, e->buf, dash - e->buf);
	}
}

static void sender_init(struct sender *s, const char *name, const char *email)
{
	struct strbuf *n = &s->name;
	char *author = mail_dmarc_name(name), *comma;

	memset(s, 0, sizeof(*s));
	strbuf_init(&s->name, 0);
	strbuf_init(&s->email, 0);
	strbuf_init(&s->local, 0);
	strbuf_init(&s->gmane_local, 0);
	s->via = author != NULL;
	strbuf_addstr(n, author ? author : name);
	free(author);
	strbuf_squeeze_space(n);
	strbuf_trim(n);
	while (n->len >= 2 && strchr("\"'", n->buf[0]) &&
	       n->buf[n->len - 1] == n->buf[0]) {
		strbuf_remove(n, 0, 1);
		strbuf_setlen(n, n->len - 1);
		strbuf_trim(n);
	}
	/* a name that is an address (sane_name()) is no name */
	if (strchr(n->buf, '@'))
		strbuf_reset(n);
	comma = strchr(n->buf, ',');
	if (comma && !strchr(comma + 1, ',')) {
		struct strbuf t = STRBUF_INIT;

		strbuf_addstr(&t, comma + 1);
		strbuf_trim(&t);
		strbuf_addch(&t, ' ');
		strbuf_add(&t, n->buf, comma - n->buf);
		strbuf_trim(&t);
		strbuf_reset(n);
		strbuf_addbuf(n, &t);
		strbuf_release(&t);
	}
	lower_ascii(n);
	sender_email(s, email);
	/* the list's own address, unless it spells the sender's (groups.io) */
	if (s->via && !strcasecmp(s->email.buf, email)) {
		strbuf_reset(&s->email);
		strbuf_reset(&s->local);
		strbuf_reset(&s->gmane_local);
	}
}

static void sender_release(struct sender *s)
{
	strbuf_release(&s->name);
	strbuf_release(&s->email);
	strbuf_release(&s->local);
	strbuf_release(&s->gmane_local);
}

const char *mail_same_sender(const char *name1, const char *email1,
			     const char *name2, const char *email2)
{
	struct sender a, b;
	const char *how = NULL;

	sender_init(&a, name1 ? name1 : "", email1 ? email1 : "");
	sender_init(&b, name2 ? name2 : "", email2 ? email2 : "");
	if (a.email.len && !a.gmane_local.len &&
	    !strcmp(a.email.buf, b.email.buf))
		how = strcasecmp(email1, email2) ? "list-rewritten address" :
						   "same address";
	else if (a.name.len && !strcmp(a.name.buf, b.name.buf))
		how = a.via || b.via ? "same name (via a list)" : "same name";
	else if ((!a.name.len || !b.name.len) &&
		 ((a.gmane_local.len && b.local.len &&
		   !strcmp(a.gmane_local.buf, b.gmane_local.len ?
						      b.gmane_local.buf :
						      b.local.buf)) ||
		  (b.gmane_local.len && a.local.len && !a.gmane_local.len &&
		   !strcmp(b.gmane_local.buf, a.local.buf))))
		how = "gmane address";
	sender_release(&a);
	sender_release(&b);
	return how;
}

bool mail_sender_rewritten(const char *name, const char *email)
{
	struct sender s;
	bool r;

	sender_init(&s, name ? name : "", email ? email : "");
	r = s.via || s.gmane_local.len ||
	    (s.email.len && strcasecmp(s.email.buf, email));
	sender_release(&s);
	return r;
}
