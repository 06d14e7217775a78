/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of mail and the series made of it (see series.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/row.h"
#include "daemon/store/series.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* What the API shows of a series, read with it (series.h). */
#define SERIES_SELECT                                                             \
	"SELECT s.id, s.name, s.subject, s.version, s.total, s.complete, "        \
	"s.cover_id IS NOT NULL AS cover, (SELECT COUNT(*) FROM patches p "       \
	"WHERE p.series_id = s.id) AS patches, s.author_name, "                   \
	"s.author_email, s.tags, s.rfc, s.resend, s.base_commit, "                \
	"s.supersedes, s.superseded_by, s.supersede_held, s.state, s.date, "      \
	"s.created_at, s.updated_at, s.cover_id, COALESCE((SELECT pull_url FROM " \
	"messages WHERE id = s.cover_id), (SELECT m.pull_url FROM patches "       \
	"p JOIN messages m ON m.id = p.message_id WHERE p.series_id = s.id "      \
	"AND m.pull_url IS NOT NULL ORDER BY p.number LIMIT 1)) AS pull_url "     \
	"FROM series s"

/* A candidate's series and the mail of it that the thread reached. */
#define CANDIDATE_COLS                                              \
	"s.id, s.version, s.total, s.author_name, s.author_email, " \
	"s.cover_id, s.date"
#define VIA_COLS                                                            \
	"msg.msgid AS via_msgid, msg.kind AS via_kind, msg.in_reply_to AS " \
	"via_irt, (SELECT number FROM patches WHERE message_id = msg.id) "  \
	"AS via_number"

/* What the API shows of a cover letter or a reply. */
#define MAIL_COLS                                                 \
	"msgid, subject, from_name, from_email, date, pull_url, " \
	"join_reason, join_detail"

/* Text the statements compare with, "" for none. */
static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* v as the text of a JSON array of strings; free it. */
static char *strv_encode(char *const *v, size_t nr)
{
	json_t *a = json_array();
	char *text;
	size_t i;

	for (i = 0; i < nr; i++)
		json_array_append_new(a, json_string(v[i]));
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

static void strv_free(char **v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++)
		free(v[i]);
	free(v);
}

/* --- messages ------------------------------------------------------------ */

void store_message_release(struct store_message *m)
{
	free(m->msgid);
	free(m->in_reply_to);
	strv_free(m->refs, m->nr_refs);
	free(m->from_name);
	free(m->from_email);
	free(m->subject);
	free(m->kind);
	free(m->flags);
	free(m->pull_url);
	free(m->join_reason);
	free(m->join_detail);
	memset(m, 0, sizeof(*m));
}

void store_message_list_release(struct store_message_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_message_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

/* Whatever columns of messages the row has (a patch's number too). */
static void message_from_row(json_t *row, void *elem)
{
	struct store_message *m = elem;

	m->id = row_int(row, "id");
	m->msgid = row_strdup(row, "msgid");
	m->in_reply_to = row_strdup(row, "in_reply_to");
	m->from_name = row_strdup(row, "from_name");
	m->from_email = row_strdup(row, "from_email");
	m->date = row_int_or_none(row, "date");
	m->tz = row_int_or_none(row, "tz");
	m->subject = row_strdup(row, "subject");
	m->kind = row_strdup(row, "kind");
	m->series_id = row_int(row, "series_id");
	m->flags = row_strdup(row, "flags");
	m->pull_url = row_strdup(row, "pull_url");
	m->join_reason = row_strdup(row, "join_reason");
	m->join_detail = row_strdup(row, "join_detail");
	m->received_at = row_int(row, "received_at");
	m->number = row_int_or_none(row, "number");
}

static int messages_read(json_t *rows, struct store_message_list *out)
{
	out->v = row_list(rows, sizeof(*out->v), message_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_message_add(struct db *db, const struct store_message *m,
		      const void *raw, size_t len, int64_t *id,
		      struct strbuf *err)
{
	char *refs = strv_encode(m->refs, m->nr_refs);
	size_t i;
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO messages (msgid, in_reply_to, refs, "
		      "from_name, from_email, date, tz, subject, kind, flags, "
		      "pull_url, raw, received_at) VALUES (?, ?, ?, ?, ?, ?, "
		      "?, ?, ?, ?, ?, ?, ?)",
		      "tttttiittttbi", m->msgid, m->in_reply_to, refs,
		      m->from_name, m->from_email, m->date, m->tz, m->subject,
		      m->kind, m->flags, m->pull_url, raw, len, m->received_at);
	free(refs);
	if (ret < 0)
		return ret;
	*id = db_last_insert_id(db);
	for (i = 0; !ret && i < m->nr_refs; i++)
		ret = db_exec(db, err,
			      "INSERT OR IGNORE INTO message_refs "
			      "(ref, message_id) VALUES (?, ?)",
			      "ti", m->refs[i], *id);
	return ret;
}

int store_message_known(struct db *db, const char *msgid, bool *known,
			struct strbuf *err)
{
	int64_t n = 0;
	int ret;

	ret = db_query_int(db, &n, err,
			   "SELECT COUNT(*) FROM messages WHERE msgid = ?", "t",
			   msgid);
	*known = n > 0;
	return ret;
}

int store_message_find(struct db *db, const char *msgid,
		       struct store_message *out, bool *found,
		       struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*found = false;
	ret = db_query_row(db, &row, err,
			   "SELECT id, kind, series_id "
			   "FROM messages WHERE msgid = ?",
			   "t", msgid);
	if (ret < 0 || !row)
		return ret;
	message_from_row(row, out);
	*found = true;
	json_decref(row);
	return 0;
}

int store_message_raw(struct db *db, const char *msgid, struct strbuf *out,
		      struct strbuf *err)
{
	int ret;

	ret = db_query_blob(db, out, err,
			    "SELECT raw FROM messages WHERE "
			    "msgid = ?",
			    "t", msgid);
	if (ret == -ENOENT)
		ret = error_set(err, ERR_NOT_FOUND, "no message '%s'", msgid);
	return ret;
}

int store_message_raw_of(struct db *db, int64_t id, struct strbuf *out,
			 struct strbuf *err)
{
	return db_query_blob(db, out, err,
			     "SELECT raw FROM messages "
			     "WHERE id = ?",
			     "i", id);
}

/* A row's id, or the series it depends on, into an array of ids. */
static void id_from_row(json_t *row, void *elem)
{
	*(int64_t *)elem = row_int(row, "id");
}

static void depends_on_from_row(json_t *row, void *elem)
{
	*(int64_t *)elem = row_int(row, "depends_on");
}

int store_replies_waiting(struct db *db, const char *msgid, int64_t **ids,
			  size_t *nr, struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err,
			"SELECT m.id FROM message_refs r JOIN messages "
			"m ON m.id = r.message_id WHERE r.ref = ? AND m.kind = "
			"'reply' AND m.series_id IS NULL ORDER BY m.id",
			"t", msgid);
	*ids = row_list(rows, sizeof(**ids), id_from_row, nr);
	return *ids ? 0 : -EIO;
}

int store_message_join(struct db *db, int64_t id, int64_t series_id,
		       const char *reason, const char *detail,
		       struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE messages SET series_id = ?, join_reason "
		       "= ?, join_detail = ? WHERE id = ?",
		       "itti", series_id, reason, detail, id);
}

int store_message_join_reply(struct db *db, int64_t id, int64_t series_id,
			     const char *detail, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE messages SET series_id = ?, join_reason "
		       "= COALESCE(join_reason, 'reply'), join_detail = "
		       "COALESCE(join_detail, ?) WHERE id = ?",
		       "iti", series_id, detail, id);
}

int store_message_make_comment(struct db *db, int64_t id, const char *reason,
			       const char *detail, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE messages SET kind = 'reply', "
		       "join_reason = ?, join_detail = ? WHERE id = ?",
		       "tti", reason, detail, id);
}

/* --- series -------------------------------------------------------------- */

void store_series_release(struct store_series *s)
{
	free(s->name);
	free(s->subject);
	free(s->author_name);
	free(s->author_email);
	strv_free(s->tags, s->nr_tags);
	free(s->base_commit);
	free(s->state);
	free(s->pull_url);
	memset(s, 0, sizeof(*s));
}

void store_series_list_release(struct store_series_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_series_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

/* Whatever columns of SERIES_SELECT the row has. */
static void series_from_row(json_t *row, void *elem)
{
	struct store_series *s = elem;
	char *tags = row_strdup(row, "tags");

	s->id = row_int(row, "id");
	s->name = row_strdup(row, "name");
	s->subject = row_strdup(row, "subject");
	s->author_name = row_strdup(row, "author_name");
	s->author_email = row_strdup(row, "author_email");
	s->version = row_int(row, "version");
	s->total = row_int(row, "total");
	row_strv(tags, &s->tags, &s->nr_tags);
	s->rfc = row_int(row, "rfc") != 0;
	s->resend = row_int(row, "resend") != 0;
	s->cover_id = row_int_or_none(row, "cover_id");
	s->has_cover = row_int(row, "cover") != 0 || s->cover_id != STORE_NONE;
	s->complete = row_int(row, "complete") != 0;
	s->base_commit = row_strdup(row, "base_commit");
	s->supersedes = row_int_or_none(row, "supersedes");
	s->superseded_by = row_int_or_none(row, "superseded_by");
	s->supersede_held = row_int_or_none(row, "supersede_held");
	s->state = row_strdup(row, "state");
	s->date = row_int(row, "date");
	s->created_at = row_int(row, "created_at");
	s->updated_at = row_int(row, "updated_at");
	s->patches = row_int(row, "patches");
	s->pull_url = row_strdup(row, "pull_url");
	free(tags);
}

static int series_read(json_t *rows, struct store_series_list *out)
{
	out->v = row_list(rows, sizeof(*out->v), series_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

/* The first row of a query into out by from_row, *found whether any. */
static int row_read(int ret, json_t *row, void (*from_row)(json_t *, void *),
		    void *out, bool *found)
{
	*found = false;
	if (ret < 0 || !row)
		return ret;
	from_row(row, out);
	*found = true;
	json_decref(row);
	return 0;
}

int store_series_get(struct db *db, int64_t id, struct store_series *out,
		     bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err, SERIES_SELECT " WHERE s.id = ?", "i",
			   id);
	return row_read(ret, row, series_from_row, out, found);
}

int store_series_list_latest(struct db *db, int64_t limit,
			     struct store_series_list *out, struct strbuf *err)
{
	return series_read(db_query(db, err,
				    SERIES_SELECT " ORDER BY s.id DESC LIMIT ?",
				    "i", limit),
			   out);
}

int store_series_list_by_author(struct db *db, const char *author,
				int64_t limit, struct store_series_list *out,
				struct strbuf *err)
{
	return series_read(db_query(db, err,
				    SERIES_SELECT
				    " WHERE lower(s.author_email) = lower(?) OR"
				    " instr(lower(s.author_name), lower(?)) > 0"
				    " ORDER BY s.id DESC LIMIT ?",
				    "tti", author, author, limit),
			   out);
}

int store_series_list_with_message(struct db *db, const char *msgid,
				   struct store_series_list *out,
				   struct strbuf *err)
{
	return series_read(db_query(db, err,
				    SERIES_SELECT
				    " WHERE s.id IN (SELECT series_id FROM"
				    " messages WHERE msgid = ?)"
				    " ORDER BY s.id DESC",
				    "t", msgid),
			   out);
}

int store_series_exists(struct db *db, int64_t id, bool *exists,
			struct strbuf *err)
{
	int64_t n;
	int ret;

	ret = db_query_int(db, &n, err, "SELECT id FROM series WHERE id = ?",
			   "i", id);
	*exists = !ret;
	return ret == -ENOENT ? 0 : ret;
}

int store_series_with_mail(struct db *db, const char *msgid, int64_t *id,
			   struct strbuf *err)
{
	int ret;

	*id = 0;
	ret = db_query_int(db, id, err,
			   "SELECT p.series_id FROM patches p JOIN messages m "
			   "ON m.id = p.message_id WHERE m.msgid = ?1 UNION "
			   "ALL SELECT s.id FROM series s JOIN messages m ON "
			   "m.id = s.cover_id WHERE m.msgid = ?1",
			   "t", msgid);
	return ret == -ENOENT ? 0 : ret;
}

int store_series_author(struct db *db, int64_t id, struct store_series *out,
			bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   "SELECT author_name, author_email FROM series "
			   "WHERE id = ?",
			   "i", id);
	return row_read(ret, row, series_from_row, out, found);
}

int store_series_senders(struct db *db, int64_t id,
			 struct store_message_list *out, struct strbuf *err)
{
	return messages_read(
		db_query(db, err,
			 "SELECT DISTINCT from_name, from_email FROM messages "
			 "WHERE series_id = ? AND kind IN ('patch', 'cover')",
			 "i", id),
		out);
}

int store_series_first_mail_subject(struct db *db, int64_t id, char **subject,
				    bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*subject = NULL;
	*found = false;
	ret = db_query_row(db, &row, err,
			   "SELECT msg.subject FROM "
			   "patches p JOIN messages msg ON msg.id = "
			   "p.message_id JOIN series s ON s.id = "
			   "p.series_id WHERE p.series_id = ? AND "
			   "s.cover_id IS NULL ORDER BY p.number "
			   "LIMIT 1",
			   "i", id);
	if (ret < 0 || !row)
		return ret;
	*subject = row_strdup(row, "subject");
	*found = true;
	json_decref(row);
	return 0;
}

int store_series_versioning(struct db *db, int64_t id, struct store_series *out,
			    char **first_subject, bool *found,
			    struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*first_subject = NULL;
	ret = db_query_row(db, &row, err,
			   "SELECT s.supersedes, s.name, "
			   "s.author_email, s.version, s.cover_id, (SELECT "
			   "subject FROM patches WHERE series_id = s.id ORDER "
			   "BY number LIMIT 1) AS first FROM series s WHERE "
			   "s.id = ?",
			   "i", id);
	if (row)
		*first_subject = row_strdup(row, "first");
	return row_read(ret, row, series_from_row, out, found);
}

int store_series_older_version(struct db *db, int64_t id,
			       const struct store_series *s,
			       const char *first_subject, int64_t *old,
			       bool *same_author, bool *found,
			       struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*found = false;
	ret = db_query_row(
		db, &row, err,
		"SELECT o.id, lower(o.author_email) = lower(?) AS same FROM "
		"series o WHERE o.id < ? AND o.superseded_by IS NULL "
		"AND o.version <= ? AND ((? <> '' AND o.cover_id IS NOT NULL "
		"AND o.name = ?) OR (SELECT subject FROM patches WHERE "
		"series_id = o.id ORDER BY number LIMIT 1) = ?) "
		"ORDER BY same DESC, o.version DESC, o.id DESC LIMIT 1",
		"tiittt", or_empty(s->author_email), id, s->version,
		s->has_cover ? or_empty(s->name) : "", or_empty(s->name),
		or_empty(first_subject));
	if (ret < 0 || !row)
		return ret;
	*old = row_int(row, "id");
	*same_author = row_int(row, "same") != 0;
	*found = true;
	json_decref(row);
	return 0;
}

int store_series_supersedes(struct db *db, int64_t id, int64_t *old,
			    bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*found = false;
	ret = db_query_row(db, &row, err,
			   "SELECT id, supersedes FROM series "
			   "WHERE id = ?",
			   "i", id);
	if (ret < 0 || !row)
		return ret;
	*old = row_int_or_none(row, "supersedes");
	*found = true;
	json_decref(row);
	return 0;
}

int store_series_origin(struct db *db, int64_t id, int64_t *arrival,
			int64_t *root, struct strbuf *err)
{
	json_t *row = NULL;
	int64_t at, sup;
	int depth, ret;

	*root = id;
	ret = db_query_row(db, &row, err,
			   "SELECT date, supersedes FROM series WHERE id = ?",
			   "i", id);
	if (ret < 0 || !row)
		return ret < 0 ? ret : -ENOENT;
	*arrival = row_int(row, "date");
	sup = row_int(row, "supersedes");
	/* At most 100 versions back: a loop in bad data must end. */
	for (depth = 0; sup && depth < 100; depth++) {
		json_decref(row);
		row = NULL;
		if (db_query_row(db, &row, NULL,
				 "SELECT date, supersedes FROM series "
				 "WHERE id = ?",
				 "i", sup) < 0 ||
		    !row)
			break;
		*root = sup;
		at = row_int(row, "date");
		if (at && at < *arrival)
			*arrival = at;
		sup = row_int(row, "supersedes");
	}
	json_decref(row);
	return 0;
}

int store_series_create(struct db *db, const struct store_series *s,
			int64_t *id, struct strbuf *err)
{
	char *tags = strv_encode(s->tags, s->nr_tags);
	int ret;

	ret = db_exec(db, err,
		      "INSERT INTO series (author_name, author_email, "
		      "version, total, tags, rfc, resend, date, created_at, "
		      "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		      "ttiitddiii", s->author_name, s->author_email, s->version,
		      s->total, tags, (int)s->rfc, (int)s->resend, s->date,
		      s->created_at, s->updated_at);
	free(tags);
	if (ret < 0)
		return ret;
	*id = db_last_insert_id(db);
	return 0;
}

int store_series_set_name(struct db *db, int64_t id, const char *name,
			  const char *subject, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE series SET name = ?, subject = ? "
		       "WHERE id = ?",
		       "tti", name, subject, id);
}

int store_series_set_author(struct db *db, int64_t id, const char *name,
			    const char *email, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE series SET author_name = ?, "
		       "author_email = ? WHERE id = ?",
		       "tti", name, email, id);
}

int store_series_set_cover(struct db *db, int64_t id, int64_t message_id,
			   struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE series SET cover_id = ? WHERE "
		       "id = ?",
		       "ii", message_id, id);
}

int store_series_set_base(struct db *db, int64_t id, const char *base,
			  bool replace, struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE series SET base_commit = ? WHERE "
		       "id = ? AND (base_commit IS NULL OR ?)",
		       "tid", base, id, (int)replace);
}

int store_series_update_complete(struct db *db, int64_t id, int64_t now,
				 struct strbuf *err)
{
	int64_t total = 0, have = 0;
	int ret;

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
			      "dii", (int)(have == total), now, id);
	return ret;
}

int store_series_hold_supersede(struct db *db, int64_t id, int64_t old,
				struct strbuf *err)
{
	return db_exec(db, err,
		       "UPDATE series SET supersede_held = ? WHERE id = ?",
		       "ii", old, id);
}

int store_series_link_versions(struct db *db, int64_t id, int64_t old,
			       struct strbuf *err)
{
	int ret;

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
	return ret;
}

int store_series_supersede(struct db *db, int64_t new_id, int64_t old_id,
			   int64_t now, struct strbuf *err)
{
	int ret;

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
			      "iii", old_id, now, new_id);
	if (!ret)
		ret = db_exec(db, err,
			      "UPDATE series SET superseded_by = ?, "
			      "state = CASE state WHEN 'new' THEN 'superseded' "
			      "ELSE state END, updated_at = ? WHERE id = ?",
			      "iii", new_id, now, old_id);
	return ret;
}

static void patch_id_from_row(json_t *row, void *elem)
{
	*(char **)elem = row_strdup(row, "patch_id");
}

int store_series_set_state(struct db *db, int64_t id, const char *state,
			   int64_t at, bool *changed, struct strbuf *err)
{
	int ret;

	ret = db_exec(db, err,
		      "UPDATE series SET state = ?, updated_at = ? WHERE id = ?",
		      "tii", state, at, id);
	*changed = !ret && db_changes(db) > 0;
	return ret;
}

int store_series_target(struct db *db, int64_t id, char **topic,
			struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	*topic = NULL;
	ret = db_query_row(db, &row, err,
			   "SELECT target_topic FROM series WHERE id = ?", "i",
			   id);
	if (ret < 0 || !row)
		return ret;
	*topic = row_strdup(row, "target_topic");
	json_decref(row);
	return 0;
}

int store_series_set_target(struct db *db, int64_t id, const char *topic,
			    int64_t at, struct strbuf *err)
{
	int ret;

	/* updated_at: have the queue's trigger look at the series again */
	ret = db_exec(db, err,
		      "UPDATE series SET target_topic = ?, updated_at = ? "
		      "WHERE id = ?",
		      "tii", topic, at, id);
	if (ret < 0)
		return ret;
	if (!db_changes(db))
		return error_set(err, ERR_NOT_FOUND, "unknown series %lld",
				 (long long)id);
	return 0;
}

int store_series_prereqs(struct db *db, int64_t id, char ***ids, size_t *nr,
			 struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err,
			"SELECT patch_id FROM series_prereqs WHERE "
			"series_id = ? ORDER BY rowid",
			"i", id);
	*ids = row_list(rows, sizeof(**ids), patch_id_from_row, nr);
	return *ids ? 0 : -EIO;
}

int store_series_reply_message(struct db *db, int64_t id, int64_t *msg,
			       struct strbuf *err)
{
	int ret;

	*msg = 0;
	ret = db_query_int(db, msg, err,
			   "SELECT COALESCE(s.cover_id, (SELECT p.message_id "
			   "FROM patches p WHERE p.series_id = s.id "
			   "ORDER BY p.number LIMIT 1), 0) FROM series s "
			   "WHERE s.id = ?",
			   "i", id);
	return ret == -ENOENT ? 0 : ret;
}

int store_series_add_prereq(struct db *db, int64_t id, const char *patch_id,
			    struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT OR IGNORE INTO series_prereqs "
		       "(series_id, patch_id) VALUES (?, ?)",
		       "it", id, patch_id);
}

int store_series_dependencies(struct db *db, int64_t id, int64_t **ids,
			      size_t *nr, struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err,
			"SELECT depends_on FROM series_deps WHERE "
			"series_id = ? ORDER BY rowid",
			"i", id);
	*ids = row_list(rows, sizeof(**ids), depends_on_from_row, nr);
	return *ids ? 0 : -EIO;
}

int store_series_add_dependency(struct db *db, int64_t id, int64_t depends_on,
				struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT OR IGNORE INTO series_deps (series_id, "
		       "depends_on) VALUES (?, ?)",
		       "ii", id, depends_on);
}

/* --- candidates ---------------------------------------------------------- */

void store_candidate_release(struct store_candidate *c)
{
	free(c->author_name);
	free(c->author_email);
	free(c->via_msgid);
	free(c->via_kind);
	free(c->via_irt);
	memset(c, 0, sizeof(*c));
}

void store_candidate_list_release(struct store_candidate_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_candidate_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void candidate_from_row(json_t *row, void *elem)
{
	struct store_candidate *c = elem;

	c->id = row_int(row, "id");
	c->version = row_int(row, "version");
	c->total = row_int(row, "total");
	c->author_name = row_strdup(row, "author_name");
	c->author_email = row_strdup(row, "author_email");
	c->has_cover = row_int_or_none(row, "cover_id") != STORE_NONE;
	c->date = row_int(row, "date");
	c->via_msgid = row_strdup(row, "via_msgid");
	c->via_kind = row_strdup(row, "via_kind");
	c->via_irt = row_strdup(row, "via_irt");
	c->via_number = row_int(row, "via_number");
}

static int candidates_read(json_t *rows, struct store_candidate_list *out)
{
	out->v = row_list(rows, sizeof(*out->v), candidate_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_candidates_of_mail(struct db *db, const char *msgid,
			     struct store_candidate_list *out,
			     struct strbuf *err)
{
	return candidates_read(db_query(db, err,
					"SELECT " CANDIDATE_COLS ", " VIA_COLS
					" FROM messages msg JOIN series s ON "
					"s.id = msg.series_id WHERE msg.msgid "
					"= ? AND msg.kind IN ('patch', "
					"'cover')",
					"t", msgid),
			       out);
}

int store_candidates_referring_to(struct db *db, const char *ref, int64_t limit,
				  struct store_candidate_list *out,
				  struct strbuf *err)
{
	return candidates_read(
		db_query(db, err,
			 "SELECT " CANDIDATE_COLS ", " VIA_COLS " FROM "
			 "message_refs r JOIN messages msg ON msg.id = "
			 "r.message_id JOIN series s ON s.id = "
			 "msg.series_id WHERE r.ref = ? AND msg.kind IN "
			 "('patch', 'cover') ORDER BY msg.id DESC "
			 "LIMIT ?",
			 "ti", ref, limit),
		out);
}

int store_candidates_by_markers(struct db *db, int64_t total, int64_t version,
				int64_t since, int64_t until,
				struct store_candidate_list *out,
				struct strbuf *err)
{
	return candidates_read(
		db_query(db, err,
			 "SELECT " CANDIDATE_COLS " FROM series s WHERE "
			 "s.total = ? AND s.version = ? AND s.date BETWEEN ? "
			 "AND ? ORDER BY s.id DESC",
			 "iiii", total, version, since, until),
		out);
}

/* --- patches ------------------------------------------------------------- */

void store_patch_release(struct store_patch *p)
{
	free(p->subject);
	free(p->author_name);
	free(p->author_email);
	free(p->msgid);
	free(p->mail_subject);
	free(p->pull_url);
	free(p->join_reason);
	free(p->join_detail);
	memset(p, 0, sizeof(*p));
}

void store_patch_list_release(struct store_patch_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		store_patch_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void patch_from_row(json_t *row, void *elem)
{
	struct store_patch *p = elem;

	p->id = row_int(row, "id");
	p->series_id = row_int(row, "series_id");
	p->message_id = row_int(row, "message_id");
	p->number = row_int(row, "number");
	p->subject = row_strdup(row, "subject");
	p->author_name = row_strdup(row, "author_name");
	p->author_email = row_strdup(row, "author_email");
	p->author_date = row_int_or_none(row, "author_date");
	p->author_tz = row_int_or_none(row, "author_tz");
	p->has_diff = row_int(row, "has_diff") != 0;
	p->msgid = row_strdup(row, "msgid");
	p->mail_subject = row_strdup(row, "mail_subject");
	p->pull_url = row_strdup(row, "pull_url");
	p->join_reason = row_strdup(row, "join_reason");
	p->join_detail = row_strdup(row, "join_detail");
}

int store_patch_add(struct db *db, const struct store_patch *p,
		    struct strbuf *err)
{
	return db_exec(db, err,
		       "INSERT INTO patches (series_id, "
		       "message_id, number, subject, author_name, "
		       "author_email, author_date, author_tz, has_diff) "
		       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       "iiitttiid", p->series_id, p->message_id, p->number,
		       p->subject, p->author_name, p->author_email,
		       p->author_date, p->author_tz, (int)p->has_diff);
}

/* The first column of a query as an id, *found whether it gave a row. */
static int id_found(int ret, bool *found)
{
	*found = !ret;
	return ret == -ENOENT ? 0 : ret;
}

int store_patch_of_message(struct db *db, int64_t message_id, int64_t *id,
			   bool *found, struct strbuf *err)
{
	return id_found(db_query_int(db, id, err,
				     "SELECT id FROM patches "
				     "WHERE message_id = ?",
				     "i", message_id),
			found);
}

int store_patch_message(struct db *db, int64_t id, int64_t *message_id,
			bool *found, struct strbuf *err)
{
	return id_found(db_query_int(db, message_id, err,
				     "SELECT message_id FROM patches "
				     "WHERE id = ?",
				     "i", id),
			found);
}

int store_patch_by_number(struct db *db, int64_t series_id, int64_t number,
			  int64_t *id, bool *found, struct strbuf *err)
{
	return id_found(db_query_int(db, id, err,
				     "SELECT id FROM patches "
				     "WHERE series_id = ? AND number = ?",
				     "ii", series_id, number),
			found);
}

int store_series_patches(struct db *db, int64_t id,
			 struct store_patch_list *out, struct strbuf *err)
{
	json_t *rows;

	rows = db_query(db, err,
			"SELECT p.id, p.series_id, p.message_id, p.number, "
			"p.subject, p.author_name, p.author_email, p.author_date, "
			"p.author_tz, p.has_diff, m.msgid, m.subject AS "
			"mail_subject, m.pull_url, m.join_reason, m.join_detail "
			"FROM patches p JOIN messages m "
			"ON m.id = "
			"p.message_id WHERE p.series_id = ? ORDER BY p.number",
			"i", id);
	out->v = row_list(rows, sizeof(*out->v), patch_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

/* --- trailers ------------------------------------------------------------ */

void store_trailer_list_release(struct store_trailer_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		free(list->v[i].key);
		free(list->v[i].value);
		free(list->v[i].msgid);
		free(list->v[i].from_name);
		free(list->v[i].from_email);
	}
	free(list->v);
	list->v = NULL;
	list->nr = 0;
}

static void trailer_from_row(json_t *row, void *elem)
{
	struct store_trailer *t = elem;

	t->key = row_strdup(row, "key");
	t->value = row_strdup(row, "value");
	t->msgid = row_strdup(row, "msgid");
	t->id = row_int(row, "id");
	t->from_name = row_strdup(row, "from_name");
	t->from_email = row_strdup(row, "from_email");
	t->cover = row_int(row, "cover") != 0;
}

int store_trailer_add(struct db *db, int64_t series_id, int64_t patch_id,
		      const char *key, const char *value, int64_t message_id,
		      struct strbuf *err)
{
	int64_t n = 0;
	int ret;

	if (patch_id > 0)
		ret = db_query_int(db, &n, err,
				   "SELECT COUNT(*) FROM trailers WHERE series_id = ? "
				   "AND patch_id = ? AND key = ? AND value = ?",
				   "iitt", series_id, patch_id, key, value);
	else
		ret = db_query_int(
			db, &n, err,
			"SELECT COUNT(*) FROM trailers WHERE series_id = ? "
			"AND patch_id IS NULL AND key = ? AND value = ?",
			"itt", series_id, key, value);
	if (ret < 0 || n)
		return ret;
	if (patch_id > 0)
		return db_exec(db, err,
			       "INSERT INTO trailers (series_id, "
			       "patch_id, key, value, message_id) VALUES "
			       "(?, ?, ?, ?, ?)",
			       "iitti", series_id, patch_id, key, value,
			       message_id);
	return db_exec(db, err,
		       "INSERT INTO trailers (series_id, "
		       "key, value, message_id) VALUES (?, ?, ?, ?)",
		       "itti", series_id, key, value, message_id);
}

static int trailers_read(json_t *rows, struct store_trailer_list *out)
{
	out->v = row_list(rows, sizeof(*out->v), trailer_from_row, &out->nr);
	return out->v ? 0 : -EIO;
}

int store_patch_am_trailers(struct db *db, int64_t patch_id,
			    struct store_trailer_list *out, struct strbuf *err)
{
	return trailers_read(db_query(db, err,
				      "SELECT t.id, t.key, t.value, m.msgid, "
				      "m.from_name, m.from_email, "
				      "t.patch_id IS NULL AS cover "
				      "FROM trailers t "
				      "JOIN patches p ON p.series_id = "
				      "t.series_id JOIN messages m ON m.id = "
				      "t.message_id WHERE p.id = ? AND "
				      "(t.patch_id = p.id OR t.patch_id IS "
				      "NULL) ORDER BY t.id",
				      "i", patch_id),
			     out);
}

int store_series_trailers(struct db *db, int64_t id,
			  struct store_trailer_list *out, struct strbuf *err)
{
	return trailers_read(db_query(db, err,
				      "SELECT t.key, t.value, m.msgid FROM "
				      "trailers t JOIN messages m ON m.id = "
				      "t.message_id WHERE t.series_id = ? AND "
				      "t.patch_id IS NULL ORDER BY t.id",
				      "i", id),
			     out);
}

int store_series_reviews(struct db *db, int64_t id,
			 struct store_trailer_list *out, struct strbuf *err)
{
	return trailers_read(db_query(db, err,
				      "SELECT key, value FROM trailers "
				      "WHERE series_id = ? AND key IN "
				      "('Acked-by', 'Reviewed-by') ORDER BY id",
				      "i", id),
			     out);
}

/* --- the mail of a series ------------------------------------------------ */

int store_series_cover(struct db *db, int64_t id, struct store_message *out,
		       bool *found, struct strbuf *err)
{
	json_t *row = NULL;
	int ret;

	ret = db_query_row(db, &row, err,
			   "SELECT m.msgid, m.subject, m.from_name, "
			   "m.from_email, m.date, m.pull_url, m.join_reason, "
			   "m.join_detail FROM messages m "
			   "JOIN series s "
			   "ON s.cover_id = m.id WHERE s.id = ?",
			   "i", id);
	return row_read(ret, row, message_from_row, out, found);
}

int store_series_replies(struct db *db, int64_t id,
			 struct store_message_list *out, struct strbuf *err)
{
	return messages_read(db_query(db, err,
				      "SELECT " MAIL_COLS " FROM messages "
				      "WHERE series_id = ? AND kind = 'reply' "
				      "ORDER BY id",
				      "i", id),
			     out);
}

int store_series_mails(struct db *db, int64_t id,
		       struct store_message_list *out, struct strbuf *err)
{
	return messages_read(
		db_query(db, err,
			 "SELECT m.msgid, m.kind, p.number, m.subject, "
			 "m.from_name, m.from_email, m.join_reason, "
			 "m.join_detail FROM messages m LEFT JOIN "
			 "patches p ON p.message_id = m.id WHERE m.series_id = ? "
			 "ORDER BY m.id",
			 "i", id),
		out);
}
