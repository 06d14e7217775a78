/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Am-ready patches: the trailers that replies gave a series, put into
 * its patches by b4's rules (b4 0.12, LoreMessage.find_trailers(),
 * get_trailers() and fix_trailers(), LoreSeries.get_am_ready()), for
 * `cthulhu apply` to commit and `cthulhu am` to write as an mbox.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <gmime/gmime.h>

#include "daemon/am.h"
#include "daemon/config.h"
#include "lib/error.h"
#include "daemon/mail.h"
#include "daemon/store/applied.h"
#include "daemon/store/series.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* --- which trailers count ------------------------------------------------ */

static bool key_in(const char *key, const char *const *list, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcasecmp(key, list[i]))
			return true;
	return false;
}

/* b4's r'\S+@\S+\.\S+': an address somewhere in s. */
static bool names_person(const char *s)
{
	const char *at;

	for (at = strchr(s, '@'); at; at = strchr(at + 1, '@')) {
		const char *q, *end;

		if (at == s || isspace((unsigned char)at[-1]))
			continue;
		for (end = at + 1; *end && !isspace((unsigned char)*end); end++)
			;
		for (q = at + 2; q + 1 < end; q++)
			if (*q == '.')
				return true;
	}
	return false;
}

bool am_trailer_counts(const char *key, const char *value)
{
	/* find_trailers(): ignores, the non-person trailers, badtrailers */
	static const char *const ignored[] = {
		"phone", "email", "from", "author", "cc", "to",
	};
	static const char *const nonperson[] = {
		"fixes",   "subject",	   "date",	"link",
		"buglink", "obsoleted-by", "change-id", "base-commit",
	};
	const char *k;

	for (k = key; *k; k++)
		if ((unsigned char)*k >= 0x80)
			return false;
	if (!*key || !*value || key_in(key, ignored, ARRAY_SIZE(ignored)))
		return false;
	if (!names_person(value) &&
	    !key_in(key, nonperson, ARRAY_SIZE(nonperson)))
		return false;
	return !strstr(value, "http://") && !strstr(value, "https://");
}

/* email.utils.parseaddr(), enough for trailers: "Name <addr>" or "addr". */
static void parse_person(const char *value, struct strbuf *name,
			 struct strbuf *addr)
{
	const char *lt = strrchr(value, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;

	if (lt && gt) {
		strbuf_add(name, value, lt - value);
		strbuf_add(addr, lt + 1, gt - lt - 1);
	} else {
		strbuf_addstr(addr, value);
	}
	strbuf_trim(name);
	if (name->len >= 2 && name->buf[0] == '"' &&
	    name->buf[name->len - 1] == '"') {
		strbuf_remove(name, name->len - 1, 1);
		strbuf_remove(name, 0, 1);
	}
	strbuf_trim(addr);
}

static void lower(struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < sb->len; i++)
		sb->buf[i] = tolower((unsigned char)sb->buf[i]);
}

/* re.sub(r'\+[^@]+@', '@', s) */
static void strip_plus(struct strbuf *sb)
{
	char *plus = strchr(sb->buf, '+');
	char *at = plus ? strchr(plus, '@') : NULL;

	if (plus && at && at > plus + 1)
		strbuf_remove(sb, plus - sb->buf, at - plus);
}

static size_t count_dots(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '.';
	return n;
}

static bool ends_with_domain(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la > lb + 1 && a[la - lb - 1] == '.' && !strcmp(a + la - lb, b);
}

/* LoreTrailer.email_eq(fuzzy=True) */
static bool email_eq(const char *ours, const char *theirs)
{
	struct strbuf o = STRBUF_INIT, t = STRBUF_INIT;
	char *oat, *tat;
	bool eq = false;
	size_t od, td;

	strbuf_addstr(&o, ours);
	strbuf_addstr(&t, theirs);
	lower(&o);
	lower(&t);
	if (!strcmp(o.buf, t.buf)) {
		eq = true;
		goto out;
	}
	if (!strchr(o.buf, '@') || !strchr(t.buf, '@'))
		goto out;
	strip_plus(&o);
	strip_plus(&t);
	if (!strcmp(o.buf, t.buf)) {
		eq = true;
		goto out;
	}
	oat = strchr(o.buf, '@');
	tat = strchr(t.buf, '@');
	if (oat - o.buf != tat - t.buf || strncmp(o.buf, t.buf, oat - o.buf))
		goto out;
	od = count_dots(oat + 1);
	td = count_dots(tat + 1);
	eq = (od == td + 1 || td == od + 1) &&
	     (ends_with_domain(oat + 1, tat + 1) ||
	      ends_with_domain(tat + 1, oat + 1));
out:
	strbuf_release(&o);
	strbuf_release(&t);
	return eq;
}

bool am_trailer_from_sender(const char *key, const char *value,
			    const char *from_name, const char *from_email)
{
	static const char *const utility[] = {
		"fixes",      "link",	   "buglink",	  "obsoleted-by",
		"message-id", "change-id", "base-commit",
	};
	struct strbuf name = STRBUF_INIT, addr = STRBUF_INIT;
	const char *sender = from_name && *from_name ? from_name : from_email;
	bool match;

	/* LoreTrailer.type: only a "person" trailer is checked */
	if (key_in(key, utility, ARRAY_SIZE(utility)) || strstr(value, "://") ||
	    !names_person(value))
		return true;
	parse_person(value, &name, &addr);
	match = email_eq(addr.buf, from_email ? from_email : "") ||
		!strcasecmp(name.buf, sender ? sender : "");
	strbuf_release(&name);
	strbuf_release(&addr);
	return match;
}

/* --- one patch ----------------------------------------------------------- */

void am_opts_from_config(struct am_opts *opts, const struct config *cfg)
{
	bool b;

	config_get_bool(cfg, "apply.cover-trailers", true, &b, NULL);
	opts->cover_trailers = b;
	config_get_bool(cfg, "apply.followup-trailers", true, &b, NULL);
	opts->followup_trailers = b;
}

void am_apply_opts(struct apply_opts *opts, const struct config *cfg)
{
	const char *link = config_get(cfg, "apply.link");
	bool signoff = true;

	memset(opts, 0, sizeof(*opts));
	opts->committer_name = cfg->committer_name ? cfg->committer_name :
						     "cthulhu";
	opts->committer_email = cfg->committer_email ? cfg->committer_email :
						       "cthulhu@localhost";
	opts->link = link ? link : "https://lore.kernel.org/r/%s";
	config_get_bool(cfg, "apply.signoff", true, &signoff, NULL);
	opts->signoff = signoff;
	opts->three_way = true;
}

/*
 * The trailers of the replies to p, then (get_am_ready() with -t) those
 * of the replies to the cover letter; those naming someone else left
 * out into p->skipped.
 */
static int collect_trailers(struct db *db, const struct am_opts *opts,
			    struct am_patch *p, struct strbuf *err)
{
	struct store_trailer_list list = { 0 };
	size_t i;
	int pass, ret;

	if (!opts->followup_trailers && !opts->cover_trailers)
		return 0;
	ret = store_patch_am_trailers(db, p->id, &list, err);
	if (ret < 0)
		return ret;
	p->trailers = xcalloc(list.nr + 1, sizeof(*p->trailers));
	p->skipped = xcalloc(list.nr + 1, sizeof(*p->skipped));
	for (pass = 0; pass < 2; pass++) {
		bool cover = pass == 1;

		if (cover ? !opts->cover_trailers : !opts->followup_trailers)
			continue;
		for (i = 0; i < list.nr; i++) {
			const struct store_trailer *t = &list.v[i];
			struct strbuf sb = STRBUF_INIT;

			if (t->cover != cover ||
			    !am_trailer_counts(t->key, t->value))
				continue;
			strbuf_addf(&sb, "%s: %s", t->key, t->value);
			if (am_trailer_from_sender(t->key, t->value,
						   t->from_name,
						   t->from_email)) {
				p->trailers[p->nr_trailers++] =
					strbuf_detach(&sb, NULL);
				continue;
			}
			strbuf_addf(&sb, " (from %s <%s>)",
				    t->from_name ? t->from_name : "",
				    t->from_email ? t->from_email : "");
			p->skipped[p->nr_skipped++] = strbuf_detach(&sb, NULL);
		}
	}
	store_trailer_list_release(&list);
	return 0;
}

int am_patch_load(struct db *db, const struct am_opts *opts, int64_t id,
		  int64_t message_id, int64_t number, int64_t total,
		  struct am_patch *out, struct strbuf *err)
{
	struct strbuf raw = STRBUF_INIT;
	int ret;

	memset(out, 0, sizeof(*out));
	strbuf_init(&out->msg, 0);
	out->id = id;
	out->number = number;
	if (total > 1)
		snprintf(out->name, sizeof(out->name), "patch %lld/%lld",
			 (long long)number, (long long)total);
	else
		snprintf(out->name, sizeof(out->name), "patch");
	ret = store_message_raw_of(db, message_id, &raw, err);
	if (ret == 0)
		ret = mail_parse(raw.buf, raw.len, &out->mail, err);
	strbuf_release(&raw);
	if (ret < 0)
		return ret;
	apply_patch_from_mail(&out->patch, out->mail, out->name, &out->msg);
	ret = collect_trailers(db, opts, out, err);
	if (ret < 0)
		return ret;
	out->patch.trailers = (const char *const *)out->trailers;
	out->patch.nr_trailers = out->nr_trailers;
	return 0;
}

static void free_strv(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

void am_patch_release(struct am_patch *p)
{
	mail_free(p->mail);
	strbuf_release(&p->msg);
	free_strv(p->trailers, p->nr_trailers);
	free_strv(p->skipped, p->nr_skipped);
	memset(p, 0, sizeof(*p));
}

char **am_added_trailers(const struct apply_patch *p,
			 const struct apply_opts *opts, size_t *nr)
{
	struct strbuf msg = STRBUF_INIT;
	bool *added;
	char **out;
	size_t i;

	*nr = 0;
	if (!p->nr_trailers)
		return NULL;
	added = xcalloc(p->nr_trailers, sizeof(*added));
	out = xcalloc(p->nr_trailers + 1, sizeof(*out));
	apply_message_added(p, opts, &msg, added);
	for (i = 0; i < p->nr_trailers; i++)
		if (added[i])
			out[(*nr)++] = xstrdup(p->trailers[i]);
	free(added);
	strbuf_release(&msg);
	return out;
}

char **am_patch_added(const struct am_patch *p, const struct apply_opts *opts,
		      size_t *nr)
{
	return am_added_trailers(&p->patch, opts, nr);
}

int am_applied_late(struct db *db, const struct config *cfg,
		    const struct store_applied *a, struct am_patch *p,
		    char ***late, size_t *nr_late, struct strbuf *err)
{
	struct apply_opts aopts;
	struct am_opts opts;
	int64_t message_id = 0;
	bool found = false;
	char **now;
	size_t nr, i, j;
	int ret;

	memset(p, 0, sizeof(*p));
	strbuf_init(&p->msg, 0);
	*late = NULL;
	*nr_late = 0;
	if (!a->patch)
		return 0;
	ret = store_patch_message(db, a->patch, &message_id, &found, err);
	if (ret < 0 || !found)
		return ret;
	strbuf_release(&p->msg);
	am_opts_from_config(&opts, cfg);
	ret = am_patch_load(db, &opts, a->patch, message_id, a->number,
			    a->total, p, err);
	if (ret < 0)
		return ret;
	am_apply_opts(&aopts, cfg);
	now = am_patch_added(p, &aopts, &nr);
	*late = xcalloc(nr + 1, sizeof(**late));
	for (i = 0; i < nr; i++) {
		bool had = false;

		for (j = 0; j < a->nr_trailers && !had; j++)
			had = !strcasecmp(now[i], a->trailers[j]);
		if (had)
			free(now[i]);
		else
			(*late)[(*nr_late)++] = now[i];
	}
	free(now);
	return 0;
}

/* --- a series ------------------------------------------------------------ */

static bool numbered(const int64_t *numbers, size_t nr, int64_t n)
{
	size_t i;

	if (!nr)
		return true;
	for (i = 0; i < nr; i++)
		if (numbers[i] == n)
			return true;
	return false;
}

int am_series_load(struct db *db, const struct config *cfg, int64_t id,
		   const int64_t *numbers, size_t nr_numbers,
		   struct am_series *out, struct strbuf *err)
{
	struct store_patch_list patches = { 0 };
	struct store_series series;
	struct am_opts opts;
	bool found = false;
	size_t i, j;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = store_series_get(db, id, &series, &found, err);
	if (ret < 0)
		return ret;
	if (!found)
		return error_set(err, ERR_NOT_FOUND, "unknown series %lld",
				 (long long)id);
	out->id = id;
	out->total = series.total;
	out->version = series.version;
	ret = store_series_patches(db, id, &patches, err);
	if (ret < 0)
		goto out;
	for (i = 0; i < nr_numbers; i++) {
		found = false;
		for (j = 0; j < patches.nr; j++)
			found |= patches.v[j].has_diff &&
				 patches.v[j].number == numbers[i];
		if (!found) {
			ret = error_set(err, ERR_NOT_FOUND,
					"series %lld has no patch %lld",
					(long long)id, (long long)numbers[i]);
			goto out;
		}
	}
	if (!nr_numbers && !series.complete) {
		ret = error_set(
			err, ERR_UNPROCESSABLE,
			"series %lld is incomplete; name the patches to apply with 'patches'",
			(long long)id);
		goto out;
	}
	am_opts_from_config(&opts, cfg);
	out->v = xcalloc(patches.nr + 1, sizeof(*out->v));
	for (i = 0; i < patches.nr; i++) {
		const struct store_patch *sp = &patches.v[i];

		if (!sp->has_diff || !numbered(numbers, nr_numbers, sp->number))
			continue;
		ret = am_patch_load(db, &opts, sp->id, sp->message_id,
				    sp->number, series.total,
				    &out->v[out->nr++], err);
		if (ret < 0)
			goto out;
	}
	if (!out->nr)
		ret = error_set(err, ERR_UNPROCESSABLE,
				"series %lld has no patch to apply",
				(long long)id);
out:
	store_patch_list_release(&patches);
	store_series_release(&series);
	return ret;
}

void am_series_release(struct am_series *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		am_patch_release(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* --- the mbox ------------------------------------------------------------ */

/* One patch as `git am` takes it; appended to out. */
static void patch_mail(const struct am_series *s, const struct am_patch *p,
		       const struct apply_opts *opts, struct strbuf *out)
{
	const struct apply_patch *ap = &p->patch;
	struct strbuf msg = STRBUF_INIT, subject = STRBUF_INIT;
	struct strbuf body = STRBUF_INIT;
	const char *sep;
	GMimeMessage *m;
	GMimeTextPart *part;
	char *raw;

	apply_message(ap, opts, &msg);
	sep = strstr(msg.buf, "\n\n");
	strbuf_addstr(&subject, "[PATCH ");
	if (s->version > 1)
		strbuf_addf(&subject, "v%lld ", (long long)s->version);
	if (s->total > 1)
		strbuf_addf(&subject, "%lld/%lld ", (long long)p->number,
			    (long long)s->total);
	strbuf_setlen(&subject, subject.len - 1);
	strbuf_addstr(&subject, "] ");
	strbuf_add(&subject, msg.buf,
		   sep ? (size_t)(sep - msg.buf) : strcspn(msg.buf, "\n"));
	if (sep)
		strbuf_addstr(&body, sep + 2);
	strbuf_addstr(&body, "---\n");
	strbuf_add(&body, ap->diff, ap->diff_len);
	if (body.buf[body.len - 1] != '\n')
		strbuf_addch(&body, '\n');

	m = g_mime_message_new(TRUE);
	g_mime_message_set_subject(m, subject.buf, "utf-8");
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM,
				   ap->author_name ? ap->author_name : "",
				   ap->author_email ? ap->author_email : "");
	if (!ap->date_missing && !ap->date_invalid) {
		GTimeZone *tz = g_time_zone_new_offset(ap->author_tz * 60);
		GDateTime *utc = g_date_time_new_from_unix_utc(ap->author_time);
		GDateTime *dt = g_date_time_to_timezone(utc, tz);

		g_mime_message_set_date(m, dt);
		g_date_time_unref(dt);
		g_date_time_unref(utc);
		g_time_zone_unref(tz);
	}
	if (ap->message_id && *ap->message_id)
		g_mime_message_set_message_id(m, ap->message_id);
	part = g_mime_text_part_new_with_subtype("plain");
	g_mime_text_part_set_text(part, body.buf);
	g_mime_part_set_content_encoding(GMIME_PART(part),
					 GMIME_CONTENT_ENCODING_8BIT);
	g_mime_message_set_mime_part(m, GMIME_OBJECT(part));
	g_object_unref(part);
	raw = g_mime_object_to_string(GMIME_OBJECT(m), NULL);
	g_object_unref(m);

	strbuf_addstr(out, "From git@z Thu Jan  1 00:00:00 1970\n");
	strbuf_addstr(out, raw);
	if (out->len && out->buf[out->len - 1] != '\n')
		strbuf_addch(out, '\n');
	strbuf_addch(out, '\n');
	g_free(raw);
	strbuf_release(&body);
	strbuf_release(&subject);
	strbuf_release(&msg);
}

void am_mbox(const struct am_series *s, const struct apply_opts *opts,
	     struct strbuf *out)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		patch_mail(s, &s->v[i], opts, out);
}
