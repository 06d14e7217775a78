// SPDX-License-Identifier: GPL-2.0
/*
 * Series: sort incoming mail into patch series, after patchwork's rules.
 *
 * A patch or cover letter joins the first series its thread reaches
 * that fits: the series of a patch that refers to this mail (a late
 * cover), then for each id the mail refers to (In-Reply-To, then
 * References newest first) the series of that mail and of the other
 * patches and covers that refer to the same id (siblings of a parent
 * that may never arrive).  A series fits with the same total, no other
 * mail in the slot (M of M/T, or the cover), the same version unless
 * the mail names none (a cover "[PATCH v3 0/4]" above bare "[PATCH n/4]"
 * patches is one series), and the same sender as one of its mails by
 * mail_same_sender() (rewritten addresses allowed), or, when the mail
 * and the series reply to each other directly, whatever the sender: the
 * thread is enough.  Without any reference to a series, a numbered mail
 * joins the newest series of the same sender, version and total from
 * within SERIES_WINDOW_SECONDS that has its slot free.  A mail with a
 * patch from another sender in a series' thread that does not join it
 * is a comment; a patch without M/T starts its own series.  Replies are
 * kept and their trailers collected onto what they answer.  Why each
 * mail went where it is is kept (messages.join_reason, join_detail).
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/am.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/jobs.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/mail-identity.h"
#include "daemon/mail.h"
#include "daemon/series.h"
#include "daemon/store/row.h"
#include "daemon/store/series.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* How far apart in time unthreaded mails of one series may be. */
#define SERIES_WINDOW_SECONDS (12 * 3600)

/*
 * How long parsing one message may take (struct mail_opts budget_ms):
 * it runs on the submitter's thread, not the engine's, and a stop
 * between messages cuts a long mbox short.
 */
#define SERIES_PARSE_BUDGET_MS 1000

/*
 * The trailers spelt the same whatever case a reply writes them in: the
 * queue looks for these by name.  Which trailers a reply gives at all is
 * b4's rule, am_trailer_counts().
 */
static const char *const collected_keys[] = {
	"Reviewed-by",
	"Acked-by",
	"Tested-by",
	"Reported-by",
};

enum msg_kind { KIND_PATCH, KIND_COVER, KIND_REPLY, KIND_OTHER };
static const char *const kind_names[] = { "patch", "cover", "reply", "other" };

/* A series a submission touched, and whether it created it. */
struct touched {
	int64_t id;
	bool created;
};

/* What one submission did, for its answer. */
struct ingest {
	struct touched *touched; /* in order of first touch */
	size_t nr_touched;
	json_t *dups;
	json_t *errors;
	int ingested, duplicates;
};

/* The store's text for the grouping's sentences: "" for none. */
static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static void touch(struct ingest *in, int64_t id, bool created)
{
	size_t i;

	for (i = 0; i < in->nr_touched; i++)
		if (in->touched[i].id == id)
			return;
	in->touched = xrealloc(in->touched,
			       (in->nr_touched + 1) * sizeof(*in->touched));
	in->touched[in->nr_touched].id = id;
	in->touched[in->nr_touched].created = created;
	in->nr_touched++;
}

static bool subject_is_reply(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return !strncasecmp(s, "re:", 3) || !strncasecmp(s, "aw:", 3) ||
	       !strncasecmp(s, "fwd:", 4) || !strncasecmp(s, "fw:", 3);
}

static enum msg_kind classify(const struct mail *m)
{
	bool reply = subject_is_reply(m->subject);

	/* 0/T is the cover letter even when it quotes a diff */
	if (!reply && m->prefix.number == 0 && m->prefix.total > 0)
		return KIND_COVER;
	if (!reply && m->has_diff)
		return KIND_PATCH;
	if (m->nr_references)
		return KIND_REPLY;
	return KIND_OTHER;
}

/* Prefix tags worth keeping: not PATCH, vN, M/T or "M of T". */
static void extra_tags(const struct mail_prefix *p, struct store_series *s)
{
	size_t i;

	s->tags = xcalloc(p->nr_tags + 1, sizeof(*s->tags));
	for (i = 0; i < p->nr_tags; i++) {
		const char *t = p->tags[i];
		const char *slash = strchr(t, '/');

		if (!strcasecmp(t, "PATCH") || !strcasecmp(t, "of") ||
		    ((t[0] == 'v' || t[0] == 'V') &&
		     isdigit((unsigned char)t[1]) &&
		     strspn(t + 1, "0123456789") == strlen(t + 1)) ||
		    strspn(t, "0123456789") == strlen(t) ||
		    (slash && slash > t && isdigit((unsigned char)slash[-1]) &&
		     isdigit((unsigned char)slash[1])))
			continue;
		s->tags[s->nr_tags++] = xstrdup(t);
	}
}

/* --- trailers ----------------------------------------------------------- */

static const char *collected_key(const char *key, const char *value)
{
	size_t i;

	if (!am_trailer_counts(key, value))
		return NULL;
	for (i = 0; i < ARRAY_SIZE(collected_keys); i++)
		if (!strcasecmp(key, collected_keys[i]))
			return collected_keys[i];
	return key;
}

/* Add m's collected trailers to a patch (patch_id > 0) or a whole series. */
static int add_trailers(struct db *db, int64_t series_id, int64_t patch_id,
			int64_t msg_row, const struct mail *m,
			struct strbuf *err)
{
	size_t i;
	int ret;

	/* b4 reads trailers from a text/plain part only, not from HTML */
	if (m->flags & MAIL_NOT_PLAIN)
		return 0;
	for (i = 0; i < m->nr_trailers; i++) {
		const char *value = m->trailers[i].value;
		const char *key = collected_key(m->trailers[i].key, value);

		if (!key || !*value)
			continue;
		ret = store_trailer_add(db, series_id, patch_id, key, value,
					msg_row, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * A reply: find the patch or cover it answers, going up through other
 * replies, and collect its trailers there.  When the message answered is
 * not here yet, or the reply names patch M ("Re: [PATCH 2/5]") of a
 * series whose patch M has not arrived, the reply waits: attach_pending()
 * tries again when that mail comes.
 */
static int attach_reply(struct db *db, const struct mail *m, int64_t msg_row,
			struct strbuf *err)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < m->nr_references; i++) {
		struct strbuf detail = STRBUF_INIT;
		struct store_message parent = { 0 };
		int64_t sid, pid = 0;
		const char *kind, *what;
		bool found = true;

		ret = store_message_find(db, m->references[i], &parent, &found,
					 err);
		if (ret < 0 || !found)
			return ret;
		kind = or_empty(parent.kind);
		sid = parent.series_id;
		if (!strcmp(kind, "reply") || !strcmp(kind, "other")) {
			store_message_release(&parent);
			continue;
		}
		if (!sid) {
			store_message_release(&parent);
			return 0;
		}
		what = !strcmp(kind, "patch") ? "patch" : "cover letter";
		if (!strcmp(kind, "patch"))
			ret = store_patch_of_message(db, parent.id, &pid,
						     &found, err);
		else if (m->prefix.number > 0)
			ret = store_patch_by_number(db, sid, m->prefix.number,
						    &pid, &found, err);
		store_message_release(&parent);
		if (ret < 0)
			return ret;
		if (!found)
			return 0;
		ret = add_trailers(db, sid, pid, msg_row, m, err);
		if (ret < 0)
			return ret;
		strbuf_addf(&detail, "a reply to <%s>%s, the series' %s",
			    m->references[i],
			    i ? " (through other replies)" : "", what);
		strbuf_addf(&detail, "; its trailers go to %s",
			    pid ? "that patch" : "every patch");
		ret = store_message_join_reply(db, msg_row, sid, detail.buf,
					       err);
		strbuf_release(&detail);
		return ret;
	}
	return 0;
}

/* Replies that arrived before the mail msgid answers: attach them now. */
static int attach_pending(struct db *db, const char *msgid, struct strbuf *err)
{
	int64_t *ids;
	size_t nr, i;
	int ret;

	ret = store_replies_waiting(db, msgid, &ids, &nr, err);
	if (ret < 0)
		return ret;
	for (i = 0; i < nr; i++) {
		struct strbuf raw = STRBUF_INIT, perr = STRBUF_INIT;
		struct mail *m;

		ret = store_message_raw_of(db, ids[i], &raw, err);
		if (ret < 0) {
			strbuf_release(&raw);
			break;
		}
		if (!mail_parse(raw.buf, raw.len, &m, &perr)) {
			ret = attach_reply(db, m, ids[i], err);
			mail_free(m);
		}
		strbuf_release(&raw);
		strbuf_release(&perr);
		if (ret < 0)
			break;
	}
	free(ids);
	return ret;
}

/* --- series ------------------------------------------------------------- */

/*
 * How a series the thread reaches is linked to the mail being placed.
 * SELF and PARENT are direct: a patch of the series replies to this mail,
 * or this mail replies to a patch or the cover of the series.
 */
enum link {
	LINK_SELF,     /* a patch or cover of the series refers to this mail */
	LINK_PARENT,   /* this mail replies to a patch or cover of it */
	LINK_ANCESTOR, /* this mail refers to one further up the thread */
	LINK_SHARED,   /* this mail and one of it refer to the same id */
};

/* A series the thread reaches, and the link. */
struct cand {
	struct store_candidate s;
	enum link link;
	const char *ref; /* for LINK_SHARED: the id both refer to */
	bool parent;	 /* LINK_SHARED: ref is the parent of both */
};

/* Where a mail goes, and why (messages.join_reason, join_detail). */
struct verdict {
	int64_t sid;	    /* 0: a new series */
	const char *reason; /* created, reference, sibling, markers */
	bool comment;	    /* not a patch of it: keep it as a reply */
	struct strbuf detail;
};

/* How many series one shared reference may lead to (a busy parent). */
#define MAX_SHARERS 50

/* "patch 2 <id>" or "the cover letter <id>" of a candidate's member. */
static void describe_via(struct strbuf *sb, const struct store_candidate *c)
{
	if (!strcmp(or_empty(c->via_kind), "cover"))
		strbuf_addf(sb, "the cover letter <%s>",
			    or_empty(c->via_msgid));
	else
		strbuf_addf(sb, "patch %lld <%s>", (long long)c->via_number,
			    or_empty(c->via_msgid));
}

/*
 * How the sender of m is the sender of a mail of series c: its author
 * or any of its patches and cover; NULL (in *how) if none.
 */
static int same_sender(struct db *db, const struct store_candidate *c,
		       const struct mail *m, const char **how,
		       struct strbuf *err)
{
	struct store_message_list senders;
	size_t i;
	int ret;

	*how = mail_same_sender(m->from_name, m->from_email,
				or_empty(c->author_name),
				or_empty(c->author_email));
	if (*how)
		return 0;
	ret = store_series_senders(db, c->id, &senders, err);
	if (ret < 0)
		return ret;
	for (i = 0; i < senders.nr; i++) {
		*how = mail_same_sender(m->from_name, m->from_email,
					or_empty(senders.v[i].from_name),
					or_empty(senders.v[i].from_email));
		if (*how)
			break;
	}
	store_message_list_release(&senders);
	return 0;
}

/*
 * Can m take its slot (number; 0 the cover) in the candidate series?
 * *why is set when it cannot; *how says how the sender matched.
 */
static int cand_fits(struct db *db, const struct cand *c, const struct mail *m,
		     enum msg_kind kind, int number, int total, bool *fits,
		     const char **how, struct strbuf *why, struct strbuf *err)
{
	const struct store_candidate *s = &c->s;
	bool taken = false;
	int64_t pid;
	int ret;

	*fits = false;
	*how = NULL;
	if (m->prefix.versioned && s->version != m->prefix.version) {
		strbuf_addf(why, "it is v%d, the series v%lld",
			    m->prefix.version, (long long)s->version);
		return 0;
	}
	if (s->total != total) {
		strbuf_addf(why, "it counts %d, the series %lld", total,
			    (long long)s->total);
		return 0;
	}
	if (kind == KIND_COVER) {
		taken = s->has_cover;
	} else {
		ret = store_patch_by_number(db, s->id, number, &pid, &taken,
					    err);
		if (ret < 0)
			return ret;
	}
	if (taken) {
		if (kind == KIND_COVER)
			strbuf_addstr(why, "it has a cover letter already");
		else
			strbuf_addf(why, "it has a patch %d already", number);
		return 0;
	}
	ret = same_sender(db, s, m, how, err);
	if (ret < 0)
		return ret;
	/* Threaded straight to the series: the thread is enough. */
	if (!*how && (c->link == LINK_SELF || c->link == LINK_PARENT) &&
	    (kind == KIND_COVER || number <= total))
		*how = "the thread (the sender differs)";
	if (!*how) {
		strbuf_addf(why, "the sender differs (%s <%s> sent the series)",
			    or_empty(s->author_name),
			    or_empty(s->author_email));
		return 0;
	}
	*fits = true;
	return 0;
}

/* Move the series of list to cands, each series once; list is emptied. */
static void add_cands(struct cand **cands, size_t *nr,
		      struct store_candidate_list *list, enum link link,
		      const char *ref, const char *irt)
{
	size_t i, j;

	for (i = 0; i < list->nr; i++) {
		struct store_candidate *s = &list->v[i];

		for (j = 0; j < *nr; j++)
			if ((*cands)[j].s.id == s->id)
				break;
		if (j < *nr)
			continue;
		*cands = xrealloc(*cands, (*nr + 1) * sizeof(**cands));
		(*cands)[*nr].s = *s;
		(*cands)[*nr].link = link;
		(*cands)[*nr].ref = ref;
		(*cands)[*nr].parent = link == LINK_SHARED && irt &&
				       !strcmp(ref, irt) &&
				       !strcmp(or_empty(s->via_irt), ref);
		memset(s, 0, sizeof(*s));
		(*nr)++;
	}
	store_candidate_list_release(list);
}

/*
 * The series the thread of m reaches, nearest first: those of the mails
 * that refer to m itself (a cover arriving after its patches), then for
 * each id m refers to (In-Reply-To, then References newest first) the
 * series of that mail, then of the other patches and covers that refer
 * to the same id (siblings of a parent that may never arrive).
 */
static int thread_cands(struct db *db, const struct mail *m,
			struct cand **cands, size_t *nr, struct strbuf *err)
{
	struct store_candidate_list list;
	size_t i;
	int ret;

	*cands = NULL;
	*nr = 0;
	for (i = 0; i <= m->nr_references; i++) {
		const char *ref = i ? m->references[i - 1] : m->message_id;
		bool parent = i == 1 || !strcmp(ref, m->in_reply_to);

		if (i) {
			ret = store_candidates_of_mail(db, ref, &list, err);
			if (ret < 0)
				return ret;
			add_cands(cands, nr, &list,
				  parent ? LINK_PARENT : LINK_ANCESTOR, ref,
				  NULL);
		}
		ret = store_candidates_referring_to(db, ref, MAX_SHARERS, &list,
						    err);
		if (ret < 0)
			return ret;
		add_cands(cands, nr, &list, i ? LINK_SHARED : LINK_SELF, ref,
			  m->in_reply_to);
	}
	return 0;
}

static void cands_free(struct cand *cands, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		store_candidate_release(&cands[i].s);
	free(cands);
}

/* The sentence for a mail that joined candidate c; how: the sender. */
static void explain_join(struct db *db, struct verdict *v, const struct cand *c,
			 const char *how)
{
	struct strbuf *d = &v->detail;
	bool known = false;
	struct strbuf e = STRBUF_INIT;

	v->sid = c->s.id;
	v->reason = c->link == LINK_SHARED ? "sibling" : "reference";
	switch (c->link) {
	case LINK_SELF:
		describe_via(d, &c->s);
		strbuf_addstr(d, " of the series refers to it");
		break;
	case LINK_PARENT:
		strbuf_addstr(d, "replies to ");
		describe_via(d, &c->s);
		strbuf_addstr(d, " of the series");
		break;
	case LINK_ANCESTOR:
		strbuf_addstr(d, "refers to ");
		describe_via(d, &c->s);
		strbuf_addstr(d, " of the series, up its thread");
		break;
	case LINK_SHARED:
		store_message_known(db, c->ref, &known, &e);
		strbuf_addf(d, "%s <%s> (%s), as ",
			    c->parent ? "replies to the same parent" :
					"refers to the same mail",
			    c->ref, known ? "received" : "not received");
		describe_via(d, &c->s);
		strbuf_addstr(d, " of the series does");
		break;
	}
	strbuf_addf(d, "; total %lld; sender: %s", (long long)c->s.total, how);
	strbuf_release(&e);
}

/*
 * Where m goes: the series its thread reaches when one takes it, else,
 * when the mail refers to no series at all, the newest series of the
 * same sender, version and total from within SERIES_WINDOW_SECONDS that
 * has its slot free.  A mail with a patch from another sender in a
 * series' thread that it cannot join is a comment.  A patch without M/T
 * always starts its own series.
 */
static int find_series(struct db *db, const struct mail *m, enum msg_kind kind,
		       int number, int total, struct verdict *v,
		       struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT, first_why = STRBUF_INIT;
	struct store_candidate_list window = { 0 };
	struct cand *cands = NULL;
	const char *how = NULL;
	bool numbered = m->prefix.number >= 0 && m->prefix.total > 0;
	bool fits = false;
	size_t nr = 0, i;
	int64_t date;
	int ret;

	v->sid = 0;
	v->reason = "created";
	v->comment = false;
	ret = thread_cands(db, m, &cands, &nr, err);
	for (i = 0; !ret && numbered && i < nr; i++) {
		strbuf_reset(&why);
		ret = cand_fits(db, &cands[i], m, kind, number, total, &fits,
				&how, &why, err);
		if (!ret && fits) {
			explain_join(db, v, &cands[i], how);
			goto out;
		}
		if (!first_why.len && why.len) {
			strbuf_addf(&first_why,
				    "its thread reaches series %lld (through ",
				    (long long)cands[i].s.id);
			if (cands[i].link == LINK_SHARED)
				strbuf_addf(&first_why, "<%s>, shared with ",
					    cands[i].ref);
			describe_via(&first_why, &cands[i].s);
			strbuf_addf(&first_why, "), which does not take it: %s",
				    why.buf);
		}
	}
	if (ret < 0)
		goto out;
	/* In a series' thread, from someone else: a comment. */
	for (i = 0; i < nr; i++) {
		const struct cand *c = &cands[i];

		if (c->link != LINK_PARENT && c->link != LINK_ANCESTOR)
			continue;
		if ((m->prefix.versioned &&
		     c->s.version != m->prefix.version) ||
		    (numbered && c->s.total != total))
			continue;
		ret = same_sender(db, &c->s, m, &how, err);
		if (ret < 0)
			goto out;
		if (how)
			continue;
		v->comment = true;
		v->reason = "comment";
		strbuf_addf(&v->detail, "%s ",
			    c->link == LINK_PARENT ? "replies to" :
						     "refers to");
		describe_via(&v->detail, &c->s);
		strbuf_addf(&v->detail,
			    " of series %lld from another sender (%s <%s> "
			    "sent the series): a comment, not a patch of it",
			    (long long)c->s.id, or_empty(c->s.author_name),
			    or_empty(c->s.author_email));
		goto out;
	}
	if (!numbered) {
		strbuf_addstr(&v->detail, "a patch without [PATCH n/N] starts "
					  "a series of its own");
		goto out;
	}
	if (nr) {
		/* The thread decides: join it or start a new series. */
		strbuf_addbuf(&v->detail, &first_why);
		goto out;
	}
	/* A mail without a usable Date: counts as sent now (see create_series()) */
	date = m->date ? (int64_t)m->date : (int64_t)time(NULL);
	ret = store_candidates_by_markers(db, total, m->prefix.version,
					  date - SERIES_WINDOW_SECONDS,
					  date + SERIES_WINDOW_SECONDS, &window,
					  err);
	if (ret < 0)
		goto out;
	for (i = 0; i < window.nr; i++) {
		struct cand c = { .s = window.v[i], .link = LINK_ANCESTOR };
		int64_t apart;

		strbuf_reset(&why);
		ret = cand_fits(db, &c, m, kind, number, total, &fits, &how,
				&why, err);
		if (ret < 0)
			break;
		if (!fits)
			continue;
		apart = date - c.s.date;
		v->sid = c.s.id;
		v->reason = "markers";
		strbuf_addf(&v->detail,
			    "no reference to a series; same sender (%s), v%d, "
			    "total %d, sent %lld min %s the series' first mail "
			    "(window %d h)",
			    how, m->prefix.version, total,
			    (long long)(apart < 0 ? -apart : apart) / 60,
			    apart < 0 ? "before" : "after",
			    SERIES_WINDOW_SECONDS / 3600);
		break;
	}
	if (!ret && !v->sid)
		strbuf_addf(&v->detail,
			    "%s, and no series of the same sender with v%d and "
			    "total %d within %d h",
			    m->nr_references ? "its thread reaches no series" :
					       "no In-Reply-To or References",
			    m->prefix.version, total,
			    SERIES_WINDOW_SECONDS / 3600);
out:
	store_candidate_list_release(&window);
	cands_free(cands, nr);
	strbuf_release(&why);
	strbuf_release(&first_why);
	return ret;
}

static int create_series(struct db *db, const struct mail *m, int total,
			 int64_t *out, struct strbuf *err)
{
	int64_t now = time(NULL);
	struct store_series s = {
		.author_name = xstrdup(m->from_name),
		.author_email = xstrdup(m->from_email),
		.version = m->prefix.version,
		.total = total,
		.rfc = m->prefix.rfc,
		.resend = m->prefix.resend,
		.date = m->date ? (int64_t)m->date : now,
		.created_at = now,
		.updated_at = now,
	};
	int ret;

	extra_tags(&m->prefix, &s);
	ret = store_series_create(db, &s, out, err);
	store_series_release(&s);
	return ret;
}

/*
 * Mark an older series of the same author with the same cover or
 * first-patch subject as superseded by id, unless id already supersedes
 * one.  One from another address is not superseded: id only names it in
 * supersede_held for the maintainer, since a name is no proof of who
 * wrote the series.
 */
static int auto_supersede(struct db *db, int64_t id, struct strbuf *err)
{
	struct store_series s = { 0 };
	char *first = NULL;
	bool found, same;
	int64_t old = 0;
	int ret;

	ret = store_series_versioning(db, id, &s, &first, &found, err);
	if (ret < 0 || !found || s.supersedes != STORE_NONE)
		goto out;
	ret = store_series_older_version(db, id, &s, first, &old, &same, &found,
					 err);
	if (ret < 0 || !found)
		goto out;
	if (same)
		ret = store_series_link_versions(db, id, old, err);
	else
		ret = store_series_hold_supersede(db, id, old, err);
out:
	free(first);
	store_series_release(&s);
	return ret;
}

/* Name, completeness and base of series id after a mail joined it. */
static int update_series(struct db *db, int64_t id, const struct mail *m,
			 enum msg_kind kind, struct strbuf *err)
{
	char *subject = NULL;
	bool found = false;
	size_t i;
	int ret;

	if (kind == KIND_COVER) {
		char *name = mail_subject_name(m->subject);

		ret = store_series_set_name(db, id, name, m->subject, err);
		free(name);
	} else {
		ret = store_series_first_mail_subject(db, id, &subject, &found,
						      err);
		if (!ret && found) {
			char *name = mail_subject_name(or_empty(subject));

			ret = store_series_set_name(db, id, name,
						    or_empty(subject), err);
			free(name);
		}
		free(subject);
	}
	if (ret < 0)
		return ret;
	if (*m->base_commit) {
		ret = store_series_set_base(db, id, m->base_commit,
					    kind == KIND_COVER, err);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < m->nr_prereq_patch_ids; i++) {
		ret = store_series_add_prereq(db, id, m->prereq_patch_ids[i],
					      err);
		if (ret < 0)
			return ret;
	}
	ret = store_series_update_complete(db, id, time(NULL), err);
	if (!ret)
		ret = auto_supersede(db, id, err);
	return ret;
}

/*
 * The author of series id becomes the sender of m when the series' one
 * is a rewritten address (gmane, " via List") and m's is not, or m is
 * the cover letter.
 */
static int better_author(struct db *db, int64_t id, const struct mail *m,
			 enum msg_kind kind, struct strbuf *err)
{
	struct store_series s = { 0 };
	bool found;
	int ret;

	if (mail_sender_rewritten(m->from_name, m->from_email))
		return 0;
	ret = store_series_author(db, id, &s, &found, err);
	if (ret < 0 || !found)
		return ret;
	if (kind == KIND_COVER ||
	    mail_sender_rewritten(or_empty(s.author_name),
				  or_empty(s.author_email)))
		ret = store_series_set_author(db, id, m->from_name,
					      m->from_email, err);
	store_series_release(&s);
	return ret;
}

/* The patch m (message row msg_row) is patch number of series sid. */
static int add_patch(struct db *db, const struct mail *m, int64_t sid,
		     int64_t msg_row, int number, struct strbuf *err)
{
	/* Borrowed from m: p is not released. */
	const struct store_patch p = {
		.series_id = sid,
		.message_id = msg_row,
		.number = number,
		.subject = m->subject_clean,
		.author_name = m->author_name,
		.author_email = m->author_email,
		.author_date = m->author_date,
		.author_tz = m->author_tz_offset,
		.has_diff = m->has_diff,
	};

	return store_patch_add(db, &p, err);
}

/*
 * Put the patch or cover m (message row msg_row) into its series, and
 * record why (messages.join_reason, join_detail).  *comment: it is not
 * a patch of the series its thread reaches but another sender's reply;
 * nothing is placed.
 */
static int place(struct db *db, const struct mail *m, enum msg_kind kind,
		 int64_t msg_row, int64_t *series_id, bool *created,
		 bool *comment, struct strbuf *err)
{
	struct verdict v = { .detail = STRBUF_INIT };
	int number, total;
	int ret;

	*comment = false;
	total = m->prefix.total > 0 ? m->prefix.total : 1;
	if (kind == KIND_COVER)
		number = 0;
	else
		number = m->prefix.number > 0 ? m->prefix.number : 1;
	ret = find_series(db, m, kind, number, total, &v, err);
	if (ret < 0)
		goto out;
	if (v.comment) {
		*comment = true;
		ret = store_message_make_comment(db, msg_row, v.reason,
						 v.detail.buf, err);
		goto out;
	}
	*series_id = v.sid;
	*created = !*series_id;
	if (*created) {
		ret = create_series(db, m, total, series_id, err);
		if (ret < 0)
			goto out;
	} else {
		ret = better_author(db, *series_id, m, kind, err);
		if (ret < 0)
			goto out;
	}
	if (kind == KIND_COVER)
		ret = store_series_set_cover(db, *series_id, msg_row, err);
	else
		ret = add_patch(db, m, *series_id, msg_row, number, err);
	if (!ret)
		ret = store_message_join(db, msg_row, *series_id, v.reason,
					 v.detail.buf, err);
	if (!ret)
		ret = update_series(db, *series_id, m, kind, err);
	if (!ret)
		ret = attach_pending(db, m->message_id, err);
out:
	strbuf_release(&v.detail);
	return ret;
}

static char *strip_brackets(const char *id);

/*
 * The series a "Depends-on:" value names, as patchwork reads it: a series
 * URL ("...?series=N" or ".../series/N/"), a patch or cover URL
 * (".../patch/MSGID/"), or the Message-ID of a cover or patch, with or
 * without <>.  0 when it names no series we have.
 */
static int dep_series(struct db *db, const char *token, int64_t *id,
		      struct strbuf *err)
{
	static const char *const seg[] = { "/patch/", "/cover/" };
	const char *p = strstr(token, "series=");
	char *msgid = NULL, *end;
	bool exists;
	long long n;
	size_t i;
	int ret;

	*id = 0;
	if (!p && (p = strstr(token, "/series/")))
		p += strlen("/series/");
	else if (p)
		p += strlen("series=");
	if (p) {
		n = strtoll(p, &end, 10);
		if (end == p || n <= 0)
			return 0;
		ret = store_series_exists(db, n, &exists, err);
		if (!ret && exists)
			*id = n;
		return ret;
	}
	for (i = 0; i < ARRAY_SIZE(seg) && !msgid; i++) {
		p = strstr(token, seg[i]);
		if (p) {
			p += strlen(seg[i]);
			msgid = xstrndup(p, strcspn(p, "/?#"));
		}
	}
	if (!msgid)
		msgid = strip_brackets(token);
	ret = store_series_with_mail(db, msgid, id, err);
	free(msgid);
	return ret;
}

/* Record the series that m's "Depends-on:" lines name; not sid itself. */
static int add_deps(struct db *db, int64_t sid, const struct mail *m,
		    struct strbuf *err)
{
	int64_t dep;
	size_t i;
	int ret;

	for (i = 0; i < m->nr_depends_on; i++) {
		ret = dep_series(db, m->depends_on[i], &dep, err);
		if (ret < 0)
			return ret;
		if (!dep || dep == sid)
			continue;
		ret = store_series_add_dependency(db, sid, dep, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * One parsed message, in one transaction.  1: a duplicate; 0: taken;
 * negative: refused, err says why, nothing written.  m stays the caller's.
 */
static int ingest_parsed(struct db *db, struct mail *m, struct ingest *in,
			 struct strbuf *err)
{
	struct strbuf flags = STRBUF_INIT;
	struct store_message row;
	enum msg_kind kind;
	int64_t msg_row, sid = 0;
	bool created = false, dup;
	int ret;

	if (m->flags & MAIL_NO_FROM) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"no sender: the From: header has no address");
		goto out;
	}
	ret = store_message_known(db, m->message_id, &dup, err);
	if (ret < 0)
		goto out;
	if (dup) {
		ret = 1;
		goto out;
	}

	kind = classify(m);
	mail_flags_describe(m->flags, &flags);
	/* Borrowed from m: row is not released. */
	row = (struct store_message){
		.msgid = m->message_id,
		.in_reply_to = *m->in_reply_to ? m->in_reply_to : NULL,
		.refs = m->references,
		.nr_refs = m->nr_references,
		.from_name = m->from_name,
		.from_email = m->from_email,
		.date = m->date,
		.tz = m->tz_offset,
		.subject = m->subject,
		.kind = (char *)kind_names[kind],
		.flags = flags.buf,
		.pull_url = *m->pull_url ? m->pull_url : NULL,
		.received_at = time(NULL),
	};
	ret = db_begin(db, err);
	if (ret < 0)
		goto out;
	ret = store_message_add(db, &row, m->raw, m->raw_len, &msg_row, err);
	if (ret < 0)
		goto out_rollback;
	if (kind == KIND_PATCH || kind == KIND_COVER) {
		bool comment = false;

		ret = place(db, m, kind, msg_row, &sid, &created, &comment,
			    err);
		if (comment)
			kind = KIND_REPLY;
	}
	if (!ret && sid)
		ret = add_deps(db, sid, m, err);
	else if (!ret && kind == KIND_REPLY)
		ret = attach_reply(db, m, msg_row, err);
	if (ret < 0)
		goto out_rollback;
	ret = db_commit(db, err);
	if (ret < 0)
		goto out_rollback;
	if (sid)
		touch(in, sid, created);
	goto out;

out_rollback:
	db_rollback(db);
out:
	strbuf_release(&flags);
	return ret;
}

/* --- the API's JSON, from the store's rows ---------------------------- */

/* A series as series_list() gives it. */
static json_t *series_json(const struct store_series *s)
{
	json_t *o = json_object(), *tags = json_array();
	size_t i;

	for (i = 0; i < s->nr_tags; i++)
		json_array_append_new(tags, json_string(s->tags[i]));
	json_object_set_new(o, "id", json_integer(s->id));
	json_object_set_new(o, "name", store_json_str(s->name));
	json_object_set_new(o, "subject", store_json_str(s->subject));
	json_object_set_new(o, "version", json_integer(s->version));
	json_object_set_new(o, "total", json_integer(s->total));
	json_object_set_new(o, "complete", json_boolean(s->complete));
	json_object_set_new(o, "cover", json_boolean(s->has_cover));
	json_object_set_new(o, "patches", json_integer(s->patches));
	json_object_set_new(o, "author_name", store_json_str(s->author_name));
	json_object_set_new(o, "author_email", store_json_str(s->author_email));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "rfc", json_boolean(s->rfc));
	json_object_set_new(o, "resend", json_boolean(s->resend));
	json_object_set_new(o, "base_commit", store_json_str(s->base_commit));
	json_object_set_new(o, "supersedes", store_json_int(s->supersedes));
	json_object_set_new(o, "superseded_by",
			    store_json_int(s->superseded_by));
	json_object_set_new(o, "supersede_held",
			    store_json_int(s->supersede_held));
	json_object_set_new(o, "state", store_json_str(s->state));
	json_object_set_new(o, "date", json_integer(s->date));
	json_object_set_new(o, "created_at", json_integer(s->created_at));
	json_object_set_new(o, "updated_at", json_integer(s->updated_at));
	json_object_set_new(o, "pull_url", store_json_str(s->pull_url));
	return o;
}

/* The cover letter or a reply, as series_get() gives them. */
static json_t *mail_json(const struct store_message *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "msgid", store_json_str(m->msgid));
	json_object_set_new(o, "subject", store_json_str(m->subject));
	json_object_set_new(o, "from_name", store_json_str(m->from_name));
	json_object_set_new(o, "from_email", store_json_str(m->from_email));
	json_object_set_new(o, "date", store_json_int(m->date));
	json_object_set_new(o, "pull_url", store_json_str(m->pull_url));
	json_object_set_new(o, "join_reason", store_json_str(m->join_reason));
	json_object_set_new(o, "join_detail", store_json_str(m->join_detail));
	return o;
}

/* Why a mail is in its series, as series_get()'s "grouping" says. */
static json_t *grouping_json(const struct store_message *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "msgid", store_json_str(m->msgid));
	json_object_set_new(o, "kind", store_json_str(m->kind));
	json_object_set_new(o, "number", store_json_int(m->number));
	json_object_set_new(o, "subject", store_json_str(m->subject));
	json_object_set_new(o, "from_name", store_json_str(m->from_name));
	json_object_set_new(o, "from_email", store_json_str(m->from_email));
	json_object_set_new(o, "reason", store_json_str(m->join_reason));
	json_object_set_new(o, "detail", store_json_str(m->join_detail));
	return o;
}

/* An array of one() of each mail of list. */
static json_t *mails_json(const struct store_message_list *list,
			  json_t *(*one)(const struct store_message *m))
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < list->nr; i++)
		json_array_append_new(a, one(&list->v[i]));
	return a;
}

/* A patch with its trailers, as series_get() gives it. */
static json_t *patch_json(const struct store_patch *p, json_t *trailers)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(p->id));
	json_object_set_new(o, "number", json_integer(p->number));
	json_object_set_new(o, "subject", store_json_str(p->subject));
	json_object_set_new(o, "author_name", store_json_str(p->author_name));
	json_object_set_new(o, "author_email", store_json_str(p->author_email));
	json_object_set_new(o, "author_date", store_json_int(p->author_date));
	json_object_set_new(o, "author_tz", store_json_int(p->author_tz));
	json_object_set_new(o, "has_diff", json_boolean(p->has_diff));
	json_object_set_new(o, "msgid", store_json_str(p->msgid));
	json_object_set_new(o, "mail_subject", store_json_str(p->mail_subject));
	json_object_set_new(o, "pull_url", store_json_str(p->pull_url));
	json_object_set_new(o, "join_reason", store_json_str(p->join_reason));
	json_object_set_new(o, "join_detail", store_json_str(p->join_detail));
	json_object_set_new(o, "trailers", trailers);
	return o;
}

/* The series id as series_list() gives it; NULL when none or on error. */
static json_t *series_summary(struct db *db, int64_t id, struct strbuf *err)
{
	struct store_series s;
	json_t *o;
	bool found;

	if (store_series_get(db, id, &s, &found, err) < 0 || !found)
		return NULL;
	o = series_json(&s);
	store_series_release(&s);
	return o;
}

static json_t *series_list_json(const struct store_series_list *list)
{
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < list->nr; i++)
		json_array_append_new(out, series_json(&list->v[i]));
	return out;
}

/* --- batches: mail parsed off the engine, ingested on it ---------------- */

/* One message of a batch: parsed, or why not. */
struct batch_msg {
	struct mail *mail; /* NULL: refused, error says why */
	char *error;
};

struct series_batch {
	int64_t id; /* in the registry, while a "submit" job may look */
	struct batch_msg *msgs;
	size_t nr;    /* parsed (or refused) */
	size_t total; /* in the mbox: nr < total when a stop cut it short */
	struct series_batch *next;
};

/*
 * The batches that "submit" jobs may take, by id: a job row holds the
 * id, never a pointer, so a job left queued by a crash finds nothing.
 */
static struct {
	pthread_mutex_t lock;
	struct series_batch *head;
	int64_t last_id;
} batches = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * Split buf and parse each message, on the caller's thread; a message
 * that does not parse is kept with its error, and engine_stopping()
 * ends the loop (b->nr < b->total).
 */

static int batch_parse(const char *buf, size_t len, enum mbox_format format,
		       struct series_batch **out, struct strbuf *err)
{
	static const struct mail_opts opts = {
		.budget_ms = SERIES_PARSE_BUDGET_MS,
	};
	struct strbuf perr = STRBUF_INIT;
	struct series_batch *b;
	struct mbox mbox;
	size_t i;
	int ret;

	*out = NULL;
	ret = mbox_split(buf, len, format, &mbox, err);
	if (ret < 0)
		return ret;
	b = xcalloc(1, sizeof(*b));
	b->total = mbox.nr;
	b->msgs = xcalloc(mbox.nr ? mbox.nr : 1, sizeof(*b->msgs));
	for (i = 0; i < mbox.nr && !engine_stopping(); i++, b->nr++) {
		strbuf_reset(&perr);
		if (mail_parse_opts(mbox.msgs[i].data, mbox.msgs[i].len, &opts,
				    &b->msgs[i].mail, &perr) < 0)
			b->msgs[i].error = strbuf_detach(&perr, NULL);
	}
	mbox_release(&mbox);
	strbuf_release(&perr);
	*out = b;
	return 0;
}

static void batch_free(struct series_batch *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->nr; i++) {
		mail_free(b->msgs[i].mail);
		free(b->msgs[i].error);
	}
	free(b->msgs);
	free(b);
}

/* Ingest what b holds into db, on the engine thread; as series_ingest_mbox(). */
static int ingest_batch(struct db *db, struct series_batch *b, json_t **result,
			struct strbuf *err)
{
	struct ingest in = { 0 };
	struct strbuf perr = STRBUF_INIT;
	json_t *series;
	size_t i, done;
	int ret;

	*result = NULL;
	in.dups = json_array();
	in.errors = json_array();
	for (i = 0; i < b->nr && !engine_stopping(); i++) {
		struct mail *m = b->msgs[i].mail;
		json_t *e;

		strbuf_reset(&perr);
		if (m)
			ret = ingest_parsed(db, m, &in, &perr);
		else
			ret = error_set(&perr, ERR_UNPROCESSABLE, "%s",
					b->msgs[i].error);
		if (ret == 1) {
			in.duplicates++;
			json_array_append_new(in.dups,
					      json_string(m->message_id));
			continue;
		}
		if (ret == 0) {
			in.ingested++;
			continue;
		}
		e = json_pack("{s:I, s:s}", "index", (json_int_t)(i + 1),
			      "error", perr.buf);
		if (m)
			json_object_set_new(e, "message_id",
					    json_string(m->message_id));
		json_array_append_new(in.errors, e);
		log_warn("submit: message %zu: %s", i + 1, perr.buf);
	}
	done = i;
	series = json_array();
	for (i = 0; i < in.nr_touched; i++) {
		json_t *s = series_summary(db, in.touched[i].id, err);
		bool created = in.touched[i].created;

		if (!s)
			continue;
		json_object_set_new(s, "created", json_boolean(created));
		json_object_set_new(s, "action",
				    json_string(created ? "created" :
							  "extended"));
		json_array_append_new(series, s);
	}
	*result = json_pack("{s:o, s:{s:i, s:i, s:o, s:o}}", "series", series,
			    "messages", "ingested", in.ingested, "duplicates",
			    in.duplicates, "duplicate_ids", in.dups, "errors",
			    in.errors);
	free(in.touched);
	ret = 0;
	if (done < b->total)
		ret = error_set(err, ERR_UNAVAILABLE,
				"cthulhud is shutting down: %zu of %zu "
				"messages taken",
				done, b->total);
	else if (!in.ingested && !in.duplicates && b->total)
		ret = error_set(err, ERR_UNPROCESSABLE, "%s%s",
				b->total > 1 ? "no message could be taken: " :
					       "",
				json_string_value(
					json_object_get(json_array_get(in.errors,
								       0),
							"error")));
	strbuf_release(&perr);
	return ret;
}

int series_ingest_mbox(struct db *db, const char *buf, size_t len,
		       enum mbox_format format, json_t **result,
		       struct strbuf *err)
{
	struct series_batch *b;
	int ret;

	*result = NULL;
	ret = batch_parse(buf, len, format, &b, err);
	if (ret < 0)
		return ret;
	ret = ingest_batch(db, b, result, err);
	batch_free(b);
	return ret;
}

int series_submit(const char *buf, size_t len, enum mbox_format format,
		  json_t **result, struct strbuf *err)
{
	struct series_batch *b, **p;
	int64_t id;
	int ret;

	if (result)
		*result = NULL;
	ret = batch_parse(buf, len, format, &b, err);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&batches.lock);
	id = b->id = ++batches.last_id;
	b->next = batches.head;
	batches.head = b;
	pthread_mutex_unlock(&batches.lock);
	ret = engine_run(JOB_SUBMIT,
			 json_pack("{s:I, s:I, s:I}", "batch", (json_int_t)id,
				   "messages", (json_int_t)b->total, "bytes",
				   (json_int_t)len),
			 result, err);
	pthread_mutex_lock(&batches.lock);
	for (p = &batches.head; *p; p = &(*p)->next)
		if (*p == b) {
			*p = b->next;
			break;
		}
	pthread_mutex_unlock(&batches.lock);
	batch_free(b);
	return ret;
}

/* --- reads -------------------------------------------------------------- */

json_t *series_patch_trailers(struct db *db, int64_t patch_id,
			      struct strbuf *err)
{
	struct store_trailer_list list;
	json_t *out, *x;
	size_t i, j;

	if (store_patch_am_trailers(db, patch_id, &list, err) < 0)
		return NULL;
	out = json_array();
	for (i = 0; i < list.nr; i++) {
		struct strbuf sb = STRBUF_INIT;
		bool seen = false;

		strbuf_addf(&sb, "%s: %s", or_empty(list.v[i].key),
			    or_empty(list.v[i].value));
		json_array_foreach(out, j, x)
			if (!strcmp(json_string_value(x), sb.buf))
				seen = true;
		if (!seen)
			json_array_append_new(out, json_string(sb.buf));
		strbuf_release(&sb);
	}
	store_trailer_list_release(&list);
	return out;
}

/* The parts of series id that series_get() adds to its summary s. */
static int series_get_mail(struct db *db, int64_t id, json_t *s,
			   struct strbuf *err)
{
	struct store_message cover = { 0 };
	struct store_message_list replies = { 0 }, mails = { 0 };
	struct store_trailer_list trailers = { 0 };
	struct store_patch_list patches = { 0 };
	json_t *a, *o, *t;
	int64_t *deps = NULL;
	char **prereqs = NULL;
	size_t nr_prereqs = 0, nr_deps = 0, i;
	bool found = false;
	int ret = 0;

	if (json_is_true(json_object_get(s, "cover")))
		ret = store_series_cover(db, id, &cover, &found, err);
	if (ret < 0)
		goto out;
	json_object_set_new(s, "cover_letter",
			    found ? mail_json(&cover) : json_null());
	ret = store_series_patches(db, id, &patches, err);
	if (ret < 0)
		goto out;
	a = json_array();
	for (i = 0; i < patches.nr; i++) {
		t = series_patch_trailers(db, patches.v[i].id, err);
		if (!t) {
			json_decref(a);
			ret = -EIO;
			goto out;
		}
		json_array_append_new(a, patch_json(&patches.v[i], t));
	}
	json_object_set_new(s, "patches", a);
	ret = store_series_prereqs(db, id, &prereqs, &nr_prereqs, err);
	if (ret < 0)
		goto out;
	a = json_array();
	for (i = 0; i < nr_prereqs; i++)
		json_array_append_new(a, json_pack("{s:o}", "patch_id",
						   store_json_str(prereqs[i])));
	json_object_set_new(s, "prerequisite_patch_ids", a);
	ret = store_series_dependencies(db, id, &deps, &nr_deps, err);
	if (ret < 0)
		goto out;
	a = json_array();
	for (i = 0; i < nr_deps; i++)
		json_array_append_new(a, json_pack("{s:I}", "id",
						   (json_int_t)deps[i]));
	json_object_set_new(s, "dependencies", a);
	ret = store_series_trailers(db, id, &trailers, err);
	if (ret < 0)
		goto out;
	a = json_array();
	for (i = 0; i < trailers.nr; i++) {
		o = json_object();
		json_object_set_new(o, "key",
				    store_json_str(trailers.v[i].key));
		json_object_set_new(o, "value",
				    store_json_str(trailers.v[i].value));
		json_object_set_new(o, "msgid",
				    store_json_str(trailers.v[i].msgid));
		json_array_append_new(a, o);
	}
	json_object_set_new(s, "series_trailers", a);
	ret = store_series_replies(db, id, &replies, err);
	if (ret < 0)
		goto out;
	json_object_set_new(s, "replies", mails_json(&replies, mail_json));
	/* Why each mail is here, in the order they came. */
	ret = store_series_mails(db, id, &mails, err);
	if (ret < 0)
		goto out;
	json_object_set_new(s, "grouping", mails_json(&mails, grouping_json));
out:
	store_message_release(&cover);
	store_patch_list_release(&patches);
	for (i = 0; i < nr_prereqs; i++)
		free(prereqs[i]);
	free(prereqs);
	free(deps);
	store_trailer_list_release(&trailers);
	store_message_list_release(&replies);
	store_message_list_release(&mails);
	return ret;
}

int series_get(struct db *db, int64_t id, json_t **out, struct strbuf *err)
{
	json_t *s;

	*out = NULL;
	s = series_summary(db, id, err);
	if (!s)
		return err->len ? -EIO :
				  error_set(err, ERR_NOT_FOUND,
					    "no series %lld", (long long)id);
	if (series_get_mail(db, id, s, err) < 0) {
		json_decref(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

static char *strip_brackets(const char *id)
{
	size_t n;

	while (isspace((unsigned char)*id) || *id == '<')
		id++;
	n = strlen(id);
	while (n && (isspace((unsigned char)id[n - 1]) || id[n - 1] == '>'))
		n--;
	return xstrndup(id, n);
}

json_t *series_list(struct db *db, const char *msgid, const char *author,
		    int limit, struct strbuf *err)
{
	struct store_series_list list;
	json_t *out;
	int ret;

	if (limit <= 0)
		limit = 100;
	if (msgid) {
		char *id = strip_brackets(msgid);

		ret = store_series_list_with_message(db, id, &list, err);
		free(id);
	} else if (author) {
		ret = store_series_list_by_author(db, author, limit, &list,
						  err);
	} else {
		ret = store_series_list_latest(db, limit, &list, err);
	}
	if (ret < 0)
		return NULL;
	out = series_list_json(&list);
	store_series_list_release(&list);
	return out;
}

int series_message_raw(struct db *db, const char *msgid, struct strbuf *out,
		       struct strbuf *err)
{
	char *id = strip_brackets(msgid);
	int ret;

	ret = store_message_raw(db, id, out, err);
	free(id);
	return ret;
}

int series_supersede(struct db *db, int64_t new_id, int64_t old_id,
		     struct strbuf *err)
{
	int64_t new_old = STORE_NONE, old_old = STORE_NONE;
	bool found;
	int ret;

	if (new_id == old_id)
		return error_set(err, ERR_INVALID,
				 "series %lld cannot supersede itself",
				 (long long)new_id);
	ret = store_series_supersedes(db, new_id, &new_old, &found, err);
	if (!ret && !found)
		ret = error_set(err, ERR_NOT_FOUND, "no series %lld",
				(long long)new_id);
	if (!ret)
		ret = store_series_supersedes(db, old_id, &old_old, &found,
					      err);
	if (!ret && !found)
		ret = error_set(err, ERR_NOT_FOUND, "no series %lld",
				(long long)old_id);
	if (!ret && old_old == new_id)
		ret = error_set(err, ERR_INVALID,
				"series %lld already "
				"supersedes %lld",
				(long long)old_id, (long long)new_id);
	if (ret < 0)
		return ret;
	ret = db_begin(db, err);
	if (ret < 0)
		return ret;
	ret = store_series_supersede(db, new_id, old_id, time(NULL), err);
	if (!ret)
		ret = db_commit(db, err);
	if (ret < 0)
		db_rollback(db);
	return ret;
}

/* --- jobs --------------------------------------------------------------- */

/* "submit" {"batch"}: ingest a batch that series_submit() parsed. */
int series_job_submit(struct job_ctx *ctx, json_t *args, json_t **result,
		      struct strbuf *err)
{
	int64_t id = json_integer_value(json_object_get(args, "batch"));
	struct series_batch *b;
	int ret;

	/* The batch stays while its submitter waits for this job. */
	pthread_mutex_lock(&batches.lock);
	for (b = batches.head; b && b->id != id; b = b->next)
		;
	pthread_mutex_unlock(&batches.lock);
	if (!b)
		return error_set(err, ERR_UNAVAILABLE,
				 "submit: the mail of this job is gone "
				 "(cthulhud restarted); submit it again");
	ret = ingest_batch(ctx->db, b, result, err);
	return ret;
}

int series_job_supersede(struct job_ctx *ctx, json_t *args, json_t **result,
			 struct strbuf *err)
{
	int64_t new_id = json_integer_value(json_object_get(args, "new"));
	int64_t old_id = json_integer_value(json_object_get(args, "old"));
	int ret;

	ret = series_supersede(ctx->db, new_id, old_id, err);
	if (ret < 0)
		return ret;
	return series_get(ctx->db, new_id, result, err);
}
