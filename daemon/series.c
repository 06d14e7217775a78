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

#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/jobs.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/mail-identity.h"
#include "daemon/mail.h"
#include "daemon/series.h"
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

/* The trailers that replies give and that follow the patch into git. */
static const char *const collected_keys[] = {
	"Reviewed-by",
	"Acked-by",
	"Tested-by",
	"Reported-by",
};

enum msg_kind { KIND_PATCH, KIND_COVER, KIND_REPLY, KIND_OTHER };
static const char *const kind_names[] = { "patch", "cover", "reply", "other" };

/* What one submission did, for its answer. */
struct ingest {
	json_t *touched; /* [{"id", "created"}] in order of first touch */
	json_t *dups;
	json_t *errors;
	int ingested, duplicates;
};

static int64_t jint(json_t *row, const char *key)
{
	return json_integer_value(json_object_get(row, key));
}

static const char *jstr(json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));

	return s ? s : "";
}

static void touch(struct ingest *in, int64_t id, bool created)
{
	json_t *t;
	size_t i;

	json_array_foreach(in->touched, i, t)
		if (jint(t, "id") == id)
			return;
	json_array_append_new(in->touched,
			      json_pack("{s:I, s:b}", "id", (json_int_t)id,
					"created", created));
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
static json_t *extra_tags(const struct mail_prefix *p)
{
	json_t *tags = json_array();
	size_t i;

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
		json_array_append_new(tags, json_string(t));
	}
	return tags;
}

static json_t *refs_json(const struct mail *m)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < m->nr_references; i++)
		json_array_append_new(a, json_string(m->references[i]));
	return a;
}

/* --- trailers ----------------------------------------------------------- */

static const char *collected_key(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(collected_keys); i++)
		if (!strcasecmp(key, collected_keys[i]))
			return collected_keys[i];
	return NULL;
}

/* Add m's collected trailers to a patch (patch_id > 0) or a whole series. */
static int add_trailers(struct db *db, int64_t series_id, int64_t patch_id,
			int64_t msg_row, const struct mail *m,
			struct strbuf *err)
{
	size_t i;
	int ret;

	for (i = 0; i < m->nr_trailers; i++) {
		const char *key = collected_key(m->trailers[i].key);
		const char *value = m->trailers[i].value;
		int64_t n = 0;

		if (!key || !*value)
			continue;
		if (patch_id > 0)
			ret = db_query_int(
				db, &n, err,
				"SELECT COUNT(*) FROM trailers WHERE series_id = ? "
				"AND patch_id = ? AND key = ? AND value = ?",
				"iitt", series_id, patch_id, key, value);
		else
			ret = db_query_int(
				db, &n, err,
				"SELECT COUNT(*) FROM trailers WHERE series_id = ? "
				"AND patch_id IS NULL AND key = ? AND value = ?",
				"itt", series_id, key, value);
		if (ret < 0)
			return ret;
		if (n)
			continue;
		if (patch_id > 0)
			ret = db_exec(db, err,
				      "INSERT INTO trailers (series_id, "
				      "patch_id, key, value, message_id) VALUES "
				      "(?, ?, ?, ?, ?)",
				      "iitti", series_id, patch_id, key, value,
				      msg_row);
		else
			ret = db_exec(db, err,
				      "INSERT INTO trailers (series_id, "
				      "key, value, message_id) VALUES (?, ?, ?, ?)",
				      "itti", series_id, key, value, msg_row);
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
		json_t *row = NULL;
		int64_t sid, pid = 0;
		const char *kind, *what;

		ret = db_query_row(db, &row, err,
				   "SELECT id, kind, series_id "
				   "FROM messages WHERE msgid = ?",
				   "t", m->references[i]);
		if (ret < 0)
			return ret;
		if (!row)
			return 0;
		kind = jstr(row, "kind");
		sid = jint(row, "series_id");
		if (!strcmp(kind, "reply") || !strcmp(kind, "other")) {
			json_decref(row);
			continue;
		}
		if (!sid) {
			json_decref(row);
			return 0;
		}
		what = !strcmp(kind, "patch") ? "patch" : "cover letter";
		if (!strcmp(kind, "patch"))
			ret = db_query_int(db, &pid, err,
					   "SELECT id FROM patches "
					   "WHERE message_id = ?",
					   "i", jint(row, "id"));
		else if (m->prefix.number > 0)
			ret = db_query_int(db, &pid, err,
					   "SELECT id FROM patches "
					   "WHERE series_id = ? AND number = ?",
					   "id", sid, m->prefix.number);
		json_decref(row);
		if (ret == -ENOENT)
			return 0;
		if (ret < 0)
			return ret;
		ret = add_trailers(db, sid, pid, msg_row, m, err);
		if (ret < 0)
			return ret;
		strbuf_addf(&detail, "a reply to <%s>%s, the series' %s",
			    m->references[i],
			    i ? " (through other replies)" : "", what);
		strbuf_addf(&detail, "; its trailers go to %s",
			    pid ? "that patch" : "every patch");
		ret = db_exec(db, err,
			      "UPDATE messages SET series_id = ?, join_reason "
			      "= COALESCE(join_reason, 'reply'), join_detail = "
			      "COALESCE(join_detail, ?) WHERE id = ?",
			      "iti", sid, detail.buf, msg_row);
		strbuf_release(&detail);
		return ret;
	}
	return 0;
}

/* Replies that arrived before the mail msgid answers: attach them now. */
static int attach_pending(struct db *db, const char *msgid, struct strbuf *err)
{
	json_t *rows, *row;
	size_t i;
	int ret = 0;

	rows = db_query(db, err,
			"SELECT m.id FROM message_refs r JOIN messages "
			"m ON m.id = r.message_id WHERE r.ref = ? AND m.kind = "
			"'reply' AND m.series_id IS NULL ORDER BY m.id",
			"t", msgid);
	if (!rows)
		return -EIO;
	json_array_foreach(rows, i, row) {
		struct strbuf raw = STRBUF_INIT, perr = STRBUF_INIT;
		struct mail *m;

		ret = db_query_blob(db, &raw, err,
				    "SELECT raw FROM messages "
				    "WHERE id = ?",
				    "i", jint(row, "id"));
		if (ret < 0) {
			strbuf_release(&raw);
			break;
		}
		if (!mail_parse(raw.buf, raw.len, &m, &perr)) {
			ret = attach_reply(db, m, jint(row, "id"), err);
			mail_free(m);
		}
		strbuf_release(&raw);
		strbuf_release(&perr);
		if (ret < 0)
			break;
	}
	json_decref(rows);
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

/* A series the thread reaches: row (SERIES_COLS, VIA_COLS) and the link. */
struct cand {
	json_t *row;
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

#define SERIES_COLS                                                 \
	"s.id, s.version, s.total, s.author_name, s.author_email, " \
	"s.cover_id, s.date"
#define VIA_COLS                                                            \
	"msg.msgid AS via_msgid, msg.kind AS via_kind, msg.in_reply_to AS " \
	"via_irt, (SELECT number FROM patches WHERE message_id = msg.id) "  \
	"AS via_number"

/* How many series one shared reference may lead to (a busy parent). */
#define MAX_SHARERS 50

/* "patch 2 <id>" or "the cover letter <id>" of a candidate's member. */
static void describe_via(struct strbuf *sb, json_t *row)
{
	if (!strcmp(jstr(row, "via_kind"), "cover"))
		strbuf_addf(sb, "the cover letter <%s>",
			    jstr(row, "via_msgid"));
	else
		strbuf_addf(sb, "patch %lld <%s>",
			    (long long)jint(row, "via_number"),
			    jstr(row, "via_msgid"));
}

/*
 * How the sender of m is the sender of a mail of series row: its author
 * or any of its patches and cover; NULL (in *how) if none.
 */
static int same_sender(struct db *db, json_t *row, const struct mail *m,
		       const char **how, struct strbuf *err)
{
	json_t *rows, *r;
	size_t i;

	*how = mail_same_sender(m->from_name, m->from_email,
				jstr(row, "author_name"),
				jstr(row, "author_email"));
	if (*how)
		return 0;
	rows = db_query(db, err,
			"SELECT DISTINCT from_name, from_email FROM messages "
			"WHERE series_id = ? AND kind IN ('patch', 'cover')",
			"i", jint(row, "id"));
	if (!rows)
		return -EIO;
	json_array_foreach(rows, i, r) {
		*how = mail_same_sender(m->from_name, m->from_email,
					jstr(r, "from_name"),
					jstr(r, "from_email"));
		if (*how)
			break;
	}
	json_decref(rows);
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
	json_t *row = c->row;
	int64_t n = 0;
	int ret;

	*fits = false;
	*how = NULL;
	if (m->prefix.versioned && jint(row, "version") != m->prefix.version) {
		strbuf_addf(why, "it is v%d, the series v%lld",
			    m->prefix.version, (long long)jint(row, "version"));
		return 0;
	}
	if (jint(row, "total") != total) {
		strbuf_addf(why, "it counts %d, the series %lld", total,
			    (long long)jint(row, "total"));
		return 0;
	}
	if (kind == KIND_COVER) {
		n = json_is_integer(json_object_get(row, "cover_id"));
	} else {
		ret = db_query_int(db, &n, err,
				   "SELECT COUNT(*) FROM patches WHERE "
				   "series_id = ? AND number = ?",
				   "id", jint(row, "id"), number);
		if (ret < 0)
			return ret;
	}
	if (n) {
		if (kind == KIND_COVER)
			strbuf_addstr(why, "it has a cover letter already");
		else
			strbuf_addf(why, "it has a patch %d already", number);
		return 0;
	}
	ret = same_sender(db, row, m, how, err);
	if (ret < 0)
		return ret;
	/* Threaded straight to the series: the thread is enough. */
	if (!*how && (c->link == LINK_SELF || c->link == LINK_PARENT) &&
	    (kind == KIND_COVER || number <= total))
		*how = "the thread (the sender differs)";
	if (!*how) {
		strbuf_addf(why, "the sender differs (%s <%s> sent the series)",
			    jstr(row, "author_name"),
			    jstr(row, "author_email"));
		return 0;
	}
	*fits = true;
	return 0;
}

/* Add the series of rows to cands, each series once. */
static void add_cands(struct cand **cands, size_t *nr, json_t *rows,
		      enum link link, const char *ref, const char *irt)
{
	json_t *row;
	size_t i, j;

	json_array_foreach(rows, i, row) {
		for (j = 0; j < *nr; j++)
			if (jint((*cands)[j].row, "id") == jint(row, "id"))
				break;
		if (j < *nr)
			continue;
		*cands = xrealloc(*cands, (*nr + 1) * sizeof(**cands));
		(*cands)[*nr].row = json_incref(row);
		(*cands)[*nr].link = link;
		(*cands)[*nr].ref = ref;
		(*cands)[*nr].parent = link == LINK_SHARED && irt &&
				       !strcmp(ref, irt) &&
				       !strcmp(jstr(row, "via_irt"), ref);
		(*nr)++;
	}
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
	json_t *rows;
	size_t i;

	*cands = NULL;
	*nr = 0;
	for (i = 0; i <= m->nr_references; i++) {
		const char *ref = i ? m->references[i - 1] : m->message_id;
		bool parent = i == 1 || !strcmp(ref, m->in_reply_to);

		if (i) {
			rows = db_query(db, err,
					"SELECT " SERIES_COLS ", " VIA_COLS
					" FROM messages msg JOIN series s ON "
					"s.id = msg.series_id WHERE msg.msgid "
					"= ? AND msg.kind IN ('patch', "
					"'cover')",
					"t", ref);
			if (!rows)
				return -EIO;
			add_cands(cands, nr, rows,
				  parent ? LINK_PARENT : LINK_ANCESTOR, ref,
				  NULL);
			json_decref(rows);
		}
		rows = db_query(db, err,
				"SELECT " SERIES_COLS ", " VIA_COLS " FROM "
				"message_refs r JOIN messages msg ON msg.id = "
				"r.message_id JOIN series s ON s.id = "
				"msg.series_id WHERE r.ref = ? AND msg.kind IN "
				"('patch', 'cover') ORDER BY msg.id DESC "
				"LIMIT ?",
				"td", ref, MAX_SHARERS);
		if (!rows)
			return -EIO;
		add_cands(cands, nr, rows, i ? LINK_SHARED : LINK_SELF, ref,
			  m->in_reply_to);
		json_decref(rows);
	}
	return 0;
}

static void cands_free(struct cand *cands, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		json_decref(cands[i].row);
	free(cands);
}

/* The sentence for a mail that joined candidate c; how: the sender. */
static void explain_join(struct db *db, struct verdict *v, const struct cand *c,
			 const char *how)
{
	struct strbuf *d = &v->detail;
	int64_t known = 0;
	struct strbuf e = STRBUF_INIT;

	v->sid = jint(c->row, "id");
	v->reason = c->link == LINK_SHARED ? "sibling" : "reference";
	switch (c->link) {
	case LINK_SELF:
		describe_via(d, c->row);
		strbuf_addstr(d, " of the series refers to it");
		break;
	case LINK_PARENT:
		strbuf_addstr(d, "replies to ");
		describe_via(d, c->row);
		strbuf_addstr(d, " of the series");
		break;
	case LINK_ANCESTOR:
		strbuf_addstr(d, "refers to ");
		describe_via(d, c->row);
		strbuf_addstr(d, " of the series, up its thread");
		break;
	case LINK_SHARED:
		db_query_int(db, &known, &e,
			     "SELECT COUNT(*) FROM messages WHERE msgid = ?",
			     "t", c->ref);
		strbuf_addf(d, "%s <%s> (%s), as ",
			    c->parent ? "replies to the same parent" :
					"refers to the same mail",
			    c->ref, known ? "received" : "not received");
		describe_via(d, c->row);
		strbuf_addstr(d, " of the series does");
		break;
	}
	strbuf_addf(d, "; total %lld; sender: %s",
		    (long long)jint(c->row, "total"), how);
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
	struct cand *cands = NULL;
	json_t *row, *rows;
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
				    (long long)jint(cands[i].row, "id"));
			if (cands[i].link == LINK_SHARED)
				strbuf_addf(&first_why, "<%s>, shared with ",
					    cands[i].ref);
			describe_via(&first_why, cands[i].row);
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
		     jint(c->row, "version") != m->prefix.version) ||
		    (numbered && jint(c->row, "total") != total))
			continue;
		ret = same_sender(db, c->row, m, &how, err);
		if (ret < 0)
			goto out;
		if (how)
			continue;
		v->comment = true;
		v->reason = "comment";
		strbuf_addf(&v->detail, "%s ",
			    c->link == LINK_PARENT ? "replies to" :
						     "refers to");
		describe_via(&v->detail, c->row);
		strbuf_addf(&v->detail,
			    " of series %lld from another sender (%s <%s> "
			    "sent the series): a comment, not a patch of it",
			    (long long)jint(c->row, "id"),
			    jstr(c->row, "author_name"),
			    jstr(c->row, "author_email"));
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
	rows = db_query(db, err,
			"SELECT " SERIES_COLS " FROM series s WHERE "
			"s.total = ? AND s.version = ? AND s.date BETWEEN ? "
			"AND ? ORDER BY s.id DESC",
			"ddii", total, m->prefix.version,
			date - SERIES_WINDOW_SECONDS,
			date + SERIES_WINDOW_SECONDS);
	if (!rows) {
		ret = -EIO;
		goto out;
	}
	json_array_foreach(rows, i, row) {
		struct cand c = { .row = row, .link = LINK_ANCESTOR };
		int64_t apart;

		strbuf_reset(&why);
		ret = cand_fits(db, &c, m, kind, number, total, &fits, &how,
				&why, err);
		if (ret < 0)
			break;
		if (!fits)
			continue;
		apart = date - jint(row, "date");
		v->sid = jint(row, "id");
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
	json_decref(rows);
	if (!ret && !v->sid)
		strbuf_addf(&v->detail,
			    "%s, and no series of the same sender with v%d and "
			    "total %d within %d h",
			    m->nr_references ? "its thread reaches no series" :
					       "no In-Reply-To or References",
			    m->prefix.version, total,
			    SERIES_WINDOW_SECONDS / 3600);
out:
	cands_free(cands, nr);
	strbuf_release(&why);
	strbuf_release(&first_why);
	return ret;
}

static int create_series(struct db *db, const struct mail *m, int total,
			 int64_t *out, struct strbuf *err)
{
	json_t *tags = extra_tags(&m->prefix);
	char *tags_text = json_dumps(tags, JSON_COMPACT);
	int64_t now = time(NULL);
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO series (author_name, author_email, "
		      "version, total, tags, rfc, resend, date, created_at, "
		      "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		      "ttddtddiii", m->from_name, m->from_email,
		      m->prefix.version, total, tags_text, (int)m->prefix.rfc,
		      (int)m->prefix.resend, (int64_t)(m->date ? m->date : now),
		      now, now);
	free(tags_text);
	json_decref(tags);
	if (ret < 0)
		return ret;
	*out = db_last_insert_id(db);
	return 0;
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
	json_t *row = NULL, *match = NULL;
	int64_t old = 0;
	int ret;

	ret = db_query_row(db, &row, err,
			   "SELECT s.supersedes, s.name, "
			   "s.author_email, s.version, s.cover_id, (SELECT "
			   "subject FROM patches WHERE series_id = s.id ORDER "
			   "BY number LIMIT 1) AS first FROM series s WHERE "
			   "s.id = ?",
			   "i", id);
	if (ret < 0 || !row)
		return ret;
	if (json_is_integer(json_object_get(row, "supersedes")))
		goto out;
	ret = db_query_row(
		db, &match, err,
		"SELECT o.id, lower(o.author_email) = lower(?) AS same FROM "
		"series o WHERE o.id < ? AND o.superseded_by IS NULL "
		"AND o.version <= ? AND ((? <> '' AND o.cover_id IS NOT NULL "
		"AND o.name = ?) OR (SELECT subject FROM patches WHERE "
		"series_id = o.id ORDER BY number LIMIT 1) = ?) "
		"ORDER BY same DESC, o.version DESC, o.id DESC LIMIT 1",
		"tidttt", jstr(row, "author_email"), id,
		(int)jint(row, "version"),
		json_is_integer(json_object_get(row, "cover_id")) ?
			jstr(row, "name") :
			"",
		jstr(row, "name"), jstr(row, "first"));
	if (ret < 0 || !match)
		goto out;
	old = jint(match, "id");
	if (!jint(match, "same")) {
		ret = db_exec(db, err,
			      "UPDATE series SET supersede_held = ? WHERE id = ?",
			      "ii", old, id);
		goto out;
	}
	ret = db_exec(db, err, "UPDATE series SET supersedes = ? WHERE id = ?",
		      "ii", old, id);
	if (!ret)
		ret = db_exec(db, err,
			      "UPDATE series SET superseded_by = ?, "
			      "state = CASE state WHEN 'new' THEN 'superseded' "
			      "ELSE state END WHERE id = ?",
			      "ii", id, old);
	if (!ret)
		ret = db_exec(db, err,
			      "UPDATE series SET supersede_held = NULL "
			      "WHERE id = ?",
			      "i", id);
out:
	json_decref(match);
	json_decref(row);
	return ret;
}

/* Name, completeness and base of series id after a mail joined it. */
static int update_series(struct db *db, int64_t id, const struct mail *m,
			 enum msg_kind kind, struct strbuf *err)
{
	json_t *row = NULL;
	int64_t total = 0, have = 0;
	size_t i;
	int ret;

	if (kind == KIND_COVER) {
		char *name = mail_subject_name(m->subject);

		ret = db_exec(db, err,
			      "UPDATE series SET name = ?, subject = ? "
			      "WHERE id = ?",
			      "tti", name, m->subject, id);
		free(name);
	} else {
		ret = db_query_row(db, &row, err,
				   "SELECT msg.subject FROM "
				   "patches p JOIN messages msg ON msg.id = "
				   "p.message_id JOIN series s ON s.id = "
				   "p.series_id WHERE p.series_id = ? AND "
				   "s.cover_id IS NULL ORDER BY p.number "
				   "LIMIT 1",
				   "i", id);
		if (!ret && row) {
			char *name = mail_subject_name(jstr(row, "subject"));

			ret = db_exec(db, err,
				      "UPDATE series SET name = ?, "
				      "subject = ? WHERE id = ?",
				      "tti", name, jstr(row, "subject"), id);
			free(name);
		}
		json_decref(row);
	}
	if (ret < 0)
		return ret;
	if (*m->base_commit) {
		ret = db_exec(db, err,
			      "UPDATE series SET base_commit = ? WHERE "
			      "id = ? AND (base_commit IS NULL OR ?)",
			      "tid", m->base_commit, id, kind == KIND_COVER);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < m->nr_prereq_patch_ids; i++) {
		ret = db_exec(db, err,
			      "INSERT OR IGNORE INTO series_prereqs "
			      "(series_id, patch_id) VALUES (?, ?)",
			      "it", id, m->prereq_patch_ids[i]);
		if (ret < 0)
			return ret;
	}
	ret = db_query_int(db, &total, err,
			   "SELECT total FROM series WHERE "
			   "id = ?",
			   "i", id);
	if (!ret)
		ret = db_query_int(db, &have, err,
				   "SELECT COUNT(DISTINCT number) "
				   "FROM patches WHERE series_id = ? AND number "
				   "BETWEEN 1 AND ?",
				   "ii", id, total);
	if (!ret)
		ret = db_exec(db, err,
			      "UPDATE series SET complete = ?, "
			      "updated_at = ? WHERE id = ?",
			      "dii", (int)(have == total), (int64_t)time(NULL),
			      id);
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
	json_t *row = NULL;
	int ret;

	if (mail_sender_rewritten(m->from_name, m->from_email))
		return 0;
	ret = db_query_row(db, &row, err,
			   "SELECT author_name, author_email FROM series "
			   "WHERE id = ?",
			   "i", id);
	if (ret < 0 || !row)
		return ret;
	if (kind == KIND_COVER ||
	    mail_sender_rewritten(jstr(row, "author_name"),
				  jstr(row, "author_email")))
		ret = db_exec(db, err,
			      "UPDATE series SET author_name = ?, "
			      "author_email = ? WHERE id = ?",
			      "tti", m->from_name, m->from_email, id);
	json_decref(row);
	return ret;
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
		ret = db_exec(db, err,
			      "UPDATE messages SET kind = 'reply', "
			      "join_reason = ?, join_detail = ? WHERE id = ?",
			      "tti", v.reason, v.detail.buf, msg_row);
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
		ret = db_exec(db, err,
			      "UPDATE series SET cover_id = ? WHERE "
			      "id = ?",
			      "ii", msg_row, *series_id);
	else
		ret = db_exec(db, err,
			      "INSERT INTO patches (series_id, "
			      "message_id, number, subject, author_name, "
			      "author_email, author_date, author_tz, has_diff) "
			      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			      "iidtttidd", *series_id, msg_row, number,
			      m->subject_clean, m->author_name, m->author_email,
			      (int64_t)m->author_date, m->author_tz_offset,
			      (int)m->has_diff);
	if (!ret)
		ret = db_exec(db, err,
			      "UPDATE messages SET series_id = ?, join_reason "
			      "= ?, join_detail = ? WHERE id = ?",
			      "itti", *series_id, v.reason, v.detail.buf,
			      msg_row);
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
		ret = db_query_int(db, id, err,
				   "SELECT id FROM series WHERE id = ?", "i",
				   (int64_t)n);
		return ret == -ENOENT ? 0 : ret;
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
	ret = db_query_int(db, id, err,
			   "SELECT p.series_id FROM patches p JOIN messages m "
			   "ON m.id = p.message_id WHERE m.msgid = ?1 UNION "
			   "ALL SELECT s.id FROM series s JOIN messages m ON "
			   "m.id = s.cover_id WHERE m.msgid = ?1",
			   "t", msgid);
	free(msgid);
	return ret == -ENOENT ? 0 : ret;
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
		ret = db_exec(db, err,
			      "INSERT OR IGNORE INTO series_deps (series_id, "
			      "depends_on) VALUES (?, ?)",
			      "ii", sid, dep);
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
	const char *raw = m->raw;
	size_t len = m->raw_len;
	struct strbuf flags = STRBUF_INIT;
	enum msg_kind kind;
	int64_t msg_row, sid = 0, dup = 0;
	bool created = false;
	char *refs = NULL;
	size_t i;
	int ret;

	if (m->flags & MAIL_NO_FROM) {
		ret = error_set(err, ERR_UNPROCESSABLE,
				"no sender: the From: header has no address");
		goto out;
	}
	ret = db_query_int(db, &dup, err,
			   "SELECT id FROM messages WHERE "
			   "msgid = ?",
			   "t", m->message_id);
	if (!ret) {
		ret = 1;
		goto out;
	}
	if (ret != -ENOENT)
		goto out;

	kind = classify(m);
	mail_flags_describe(m->flags, &flags);
	{
		json_t *a = refs_json(m);

		refs = json_dumps(a, JSON_COMPACT);
		json_decref(a);
	}
	ret = db_begin(db, err);
	if (ret < 0)
		goto out;
	ret = db_exec(db, err,
		      "INSERT INTO messages (msgid, in_reply_to, refs, "
		      "from_name, from_email, date, tz, subject, kind, flags, "
		      "pull_url, raw, received_at) VALUES (?, ?, ?, ?, ?, ?, "
		      "?, ?, ?, ?, ?, ?, ?)",
		      "tttttidttttbi", m->message_id,
		      *m->in_reply_to ? m->in_reply_to : NULL, refs,
		      m->from_name, m->from_email, (int64_t)m->date,
		      m->tz_offset, m->subject, kind_names[kind], flags.buf,
		      *m->pull_url ? m->pull_url : NULL, (const void *)raw, len,
		      (int64_t)time(NULL));
	if (ret < 0)
		goto out_rollback;
	msg_row = db_last_insert_id(db);
	for (i = 0; !ret && i < m->nr_references; i++)
		ret = db_exec(db, err,
			      "INSERT OR IGNORE INTO message_refs "
			      "(ref, message_id) VALUES (?, ?)",
			      "ti", m->references[i], msg_row);
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
	free(refs);
	strbuf_release(&flags);
	return ret;
}

static json_t *series_summary(struct db *db, int64_t id, struct strbuf *err)
{
	static const char *const bools[] = { "complete", "cover", "rfc",
					     "resend" };
	json_t *row = NULL, *tags;
	size_t i;

	if (db_query_row(db, &row, err,
			 "SELECT s.id, s.name, s.subject, "
			 "s.version, s.total, s.complete, s.cover_id IS NOT "
			 "NULL AS cover, (SELECT COUNT(*) FROM patches p "
			 "WHERE p.series_id = s.id) AS patches, s.author_name, "
			 "s.author_email, s.tags, s.rfc, s.resend, "
			 "s.base_commit, s.supersedes, s.superseded_by, "
			 "s.supersede_held, s.state, s.date, s.created_at, s.updated_at, "
			 "COALESCE((SELECT pull_url FROM messages WHERE "
			 "id = s.cover_id), (SELECT m.pull_url FROM patches p "
			 "JOIN messages m ON m.id = p.message_id WHERE "
			 "p.series_id = s.id AND m.pull_url IS NOT NULL "
			 "ORDER BY p.number LIMIT 1)) AS pull_url "
			 "FROM series s WHERE s.id = ?",
			 "i", id) < 0 ||
	    !row)
		return row;
	for (i = 0; i < ARRAY_SIZE(bools); i++)
		json_object_set_new(row, bools[i],
				    json_boolean(jint(row, bools[i])));
	tags = json_loads(jstr(row, "tags"), 0, NULL);
	json_object_set_new(row, "tags", tags ? tags : json_array());
	return row;
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
	json_t *series, *t;
	size_t i, done;
	int ret;

	*result = NULL;
	in.touched = json_array();
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
	json_array_foreach(in.touched, i, t) {
		json_t *s = series_summary(db, jint(t, "id"), err);
		bool created = json_is_true(json_object_get(t, "created"));

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
	json_decref(in.touched);
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
	json_t *rows, *row, *out;
	size_t i;

	rows = db_query(db, err,
			"SELECT t.key, t.value FROM trailers t JOIN "
			"patches p ON p.series_id = t.series_id WHERE p.id = ? "
			"AND (t.patch_id = p.id OR t.patch_id IS NULL) "
			"ORDER BY t.id",
			"i", patch_id);
	if (!rows)
		return NULL;
	out = json_array();
	json_array_foreach(rows, i, row) {
		struct strbuf sb = STRBUF_INIT;
		json_t *x;
		size_t j;
		bool seen = false;

		strbuf_addf(&sb, "%s: %s", jstr(row, "key"),
			    jstr(row, "value"));
		json_array_foreach(out, j, x)
			if (!strcmp(json_string_value(x), sb.buf))
				seen = true;
		if (!seen)
			json_array_append_new(out, json_string(sb.buf));
		strbuf_release(&sb);
	}
	json_decref(rows);
	return out;
}

/* Set key of obj to the rows sql gives for the series id; -EIO. */
static int attach_rows(struct db *db, json_t *obj, const char *key,
		       const char *sql, int64_t id, struct strbuf *err)
{
	json_t *rows = db_query(db, err, sql, "i", id);

	if (!rows)
		return -EIO;
	json_object_set_new(obj, key, rows);
	return 0;
}

int series_get(struct db *db, int64_t id, json_t **out, struct strbuf *err)
{
	json_t *s, *patches, *p, *x;
	size_t i;

	*out = NULL;
	s = series_summary(db, id, err);
	if (!s)
		return err->len ? -EIO :
				  error_set(err, ERR_NOT_FOUND,
					    "no series %lld", (long long)id);
	x = NULL;
	if (json_is_true(json_object_get(s, "cover")) &&
	    db_query_row(db, &x, err,
			 "SELECT m.msgid, m.subject, m.from_name, "
			 "m.from_email, m.date, m.pull_url, m.join_reason, "
			 "m.join_detail FROM messages m "
			 "JOIN series s "
			 "ON s.cover_id = m.id WHERE s.id = ?",
			 "i", id) < 0)
		goto out_fail;
	json_object_set_new(s, "cover_letter", x ? x : json_null());
	patches =
		db_query(db, err,
			 "SELECT p.id, p.number, p.subject, "
			 "p.author_name, p.author_email, p.author_date, "
			 "p.author_tz, p.has_diff, m.msgid, m.subject AS "
			 "mail_subject, m.pull_url, m.join_reason, m.join_detail "
			 "FROM patches p JOIN messages m "
			 "ON m.id = "
			 "p.message_id WHERE p.series_id = ? ORDER BY p.number",
			 "i", id);
	if (!patches)
		goto out_fail;
	json_array_foreach(patches, i, p) {
		x = series_patch_trailers(db, jint(p, "id"), err);
		if (!x) {
			json_decref(patches);
			goto out_fail;
		}
		json_object_set_new(p, "trailers", x);
		json_object_set_new(p, "has_diff",
				    json_boolean(jint(p, "has_diff")));
	}
	json_object_set_new(s, "patches", patches);
	if (attach_rows(db, s, "prerequisite_patch_ids",
			"SELECT patch_id FROM series_prereqs WHERE "
			"series_id = ? ORDER BY rowid",
			id, err) ||
	    attach_rows(db, s, "dependencies",
			"SELECT depends_on AS id FROM series_deps WHERE "
			"series_id = ? ORDER BY rowid",
			id, err) ||
	    attach_rows(db, s, "series_trailers",
			"SELECT t.key, t.value, m.msgid FROM trailers t "
			"JOIN messages m ON m.id = t.message_id WHERE "
			"t.series_id = ? AND t.patch_id IS NULL ORDER BY t.id",
			id, err) ||
	    attach_rows(db, s, "replies",
			"SELECT msgid, subject, from_name, from_email, "
			"date, pull_url, join_reason, join_detail FROM messages "
			"WHERE series_id = ? AND kind = 'reply' ORDER BY id",
			id, err) ||
	    /* Why each mail is here, in the order they came. */
	    attach_rows(db, s, "grouping",
			"SELECT m.msgid, m.kind, p.number, m.subject, "
			"m.from_name, m.from_email, m.join_reason AS reason, "
			"m.join_detail AS detail FROM messages m LEFT JOIN "
			"patches p ON p.message_id = m.id WHERE m.series_id = ? "
			"ORDER BY m.id",
			id, err))
		goto out_fail;
	*out = s;
	return 0;
out_fail:
	json_decref(s);
	return -EIO;
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
	json_t *ids, *row, *out;
	size_t i;

	if (limit <= 0)
		limit = 100;
	if (msgid) {
		char *id = strip_brackets(msgid);

		ids = db_query(db, err,
			       "SELECT DISTINCT series_id AS id FROM "
			       "messages WHERE msgid = ? AND series_id IS NOT "
			       "NULL ORDER BY series_id DESC",
			       "t", id);
		free(id);
	} else if (author) {
		ids = db_query(db, err,
			       "SELECT id FROM series WHERE "
			       "lower(author_email) = lower(?) OR instr("
			       "lower(author_name), lower(?)) > 0 ORDER BY id "
			       "DESC LIMIT ?",
			       "ttd", author, author, limit);
	} else {
		ids = db_query(db, err,
			       "SELECT id FROM series ORDER BY id DESC "
			       "LIMIT ?",
			       "d", limit);
	}
	if (!ids)
		return NULL;
	out = json_array();
	json_array_foreach(ids, i, row) {
		json_t *s = series_summary(db, jint(row, "id"), err);

		if (s)
			json_array_append_new(out, s);
	}
	json_decref(ids);
	return out;
}

int series_message_raw(struct db *db, const char *msgid, struct strbuf *out,
		       struct strbuf *err)
{
	char *id = strip_brackets(msgid);
	int ret;

	ret = db_query_blob(db, out, err,
			    "SELECT raw FROM messages WHERE "
			    "msgid = ?",
			    "t", id);
	if (ret == -ENOENT)
		ret = error_set(err, ERR_NOT_FOUND, "no message '%s'", id);
	free(id);
	return ret;
}

int series_supersede(struct db *db, int64_t new_id, int64_t old_id,
		     struct strbuf *err)
{
	json_t *n = NULL, *o = NULL;
	int ret;

	if (new_id == old_id)
		return error_set(err, ERR_INVALID,
				 "series %lld cannot supersede itself",
				 (long long)new_id);
	ret = db_query_row(db, &n, err,
			   "SELECT id, supersedes FROM series "
			   "WHERE id = ?",
			   "i", new_id);
	if (!ret && !n)
		ret = error_set(err, ERR_NOT_FOUND, "no series %lld",
				(long long)new_id);
	if (!ret)
		ret = db_query_row(db, &o, err,
				   "SELECT id, supersedes FROM "
				   "series WHERE id = ?",
				   "i", old_id);
	if (!ret && !o)
		ret = error_set(err, ERR_NOT_FOUND, "no series %lld",
				(long long)old_id);
	if (!ret && jint(o, "supersedes") == new_id)
		ret = error_set(err, ERR_INVALID,
				"series %lld already "
				"supersedes %lld",
				(long long)old_id, (long long)new_id);
	if (ret < 0)
		goto out;
	ret = db_begin(db, err);
	if (ret < 0)
		goto out;
	/* The one new_id superseded before is no longer superseded by it. */
	ret = db_exec(db, err,
		      "UPDATE series SET superseded_by = NULL, state = "
		      "CASE state WHEN 'superseded' THEN 'new' ELSE state END "
		      "WHERE superseded_by = ? AND id <> ?",
		      "ii", new_id, old_id);
	if (!ret)
		ret = db_exec(db, err,
			      "UPDATE series SET supersedes = ?, "
			      "supersede_held = NULL, updated_at = ? "
			      "WHERE id = ?",
			      "iii", old_id, (int64_t)time(NULL), new_id);
	if (!ret)
		ret = db_exec(db, err,
			      "UPDATE series SET superseded_by = ?, "
			      "state = CASE state WHEN 'new' THEN 'superseded' "
			      "ELSE state END, updated_at = ? WHERE id = ?",
			      "iii", new_id, (int64_t)time(NULL), old_id);
	if (!ret)
		ret = db_commit(db, err);
	if (ret < 0)
		db_rollback(db);
out:
	json_decref(n);
	json_decref(o);
	return ret;
}

/* --- jobs --------------------------------------------------------------- */

/* "submit" {"batch"}: ingest a batch that series_submit() parsed. */
int series_job_submit(struct job_ctx *ctx, json_t *args, json_t **result,
		      struct strbuf *err)
{
	int64_t id = jint(args, "batch");
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
	int64_t new_id = jint(args, "new"), old_id = jint(args, "old");
	int ret;

	ret = series_supersede(ctx->db, new_id, old_id, err);
	if (ret < 0)
		return ret;
	return series_get(ctx->db, new_id, result, err);
}
