/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "What's cooking" report over HTTP (the report is cooking.c's):
 *   GET /api/v1/cooking       the report as JSON, with its text
 *   GET /api/v1/cooking.atom  the report as an Atom 1.0 feed, one entry
 *       per topic
 *   POST /api/v1/cooking/mail mail the report now (the "cooking-mail"
 *       job); over TCP it needs the bearer token
 *
 * The feed has an entry per topic rather than one per report: a feed
 * reader then shows which topics changed, as the mail's reader looks
 * for the topics whose block changed.  An entry's id stays the topic's
 * (tag:DOMAIN,2024:TREE/cooking/TOPIC, DOMAIN that of [tree]
 * committer), and its updated is the later of the topic's last move and
 * the build of next that gave its standing: when the report last said
 * something new about it.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/cooking-text.h"
#include "daemon/cooking.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/http.h"
#include "daemon/jobs.h"
#include "daemon/repo.h"
#include "daemon/store/reports.h"
#include "daemon/store/row.h"
#include "lib/error.h"
#include "lib/strbuf.h"

/* Build the report now; the caller releases c, also on error. */
static int report_now(struct db **db, struct cooking *c, struct strbuf *err)
{
	const struct config *cfg;
	struct repo *repo;
	int ret;

	memset(c, 0, sizeof(*c));
	*db = db_thread();
	if (!*db)
		return error_set(err, -EIO, "no database connection");
	repo = repo_thread(err);
	if (!repo)
		return -EIO;
	cfg = daemon_config_get();
	ret = cooking_build(*db, cfg, repo, (int64_t)time(NULL), c, err);
	daemon_config_put();
	return ret;
}

/* --- JSON -------------------------------------------------------------- */

static json_t *topic_json(const struct cooking_topic *t, int64_t now)
{
	json_t *o = json_object(), *log = json_array(), *paths = json_array();
	size_t i;

	json_object_set_new(o, "name", json_string(t->name));
	json_object_set_new(o, "branch", json_string(t->branch));
	json_object_set_new(o, "description", store_json_str(t->description));
	json_object_set_new(o, "order", json_integer(t->order));
	json_object_set_new(o, "into_next", json_boolean(t->into_next));
	json_object_set_new(o, "tip", store_json_str(t->tip));
	json_object_set_new(o, "next_tip", store_json_str(t->next_tip));
	json_object_set_new(o, "state", json_string(t->state));
	json_object_set_new(o, "why", json_string(t->why));
	json_object_set_new(o, "gate", store_json_str(t->gate));
	for (i = 0; i < t->nr_conflicts; i++)
		json_array_append_new(paths, json_string(t->conflicts[i]));
	json_object_set_new(o, "conflicts", paths);
	json_object_set_new(o, "commits",
			    json_integer((json_int_t)t->nr_commits));
	for (i = 0; i < t->nr_shown; i++)
		json_array_append_new(log,
				      json_pack("{s:s, s:s?, s:I, s:b}",
						"commit", t->commits[i].hex,
						"subject",
						t->commits[i].subject, "time",
						(json_int_t)t->commits[i].time,
						"in_next",
						t->commits[i].in_next));
	json_object_set_new(o, "shortlog", log);
	json_object_set_new(o, "cooking_since",
			    t->since ? json_integer(t->since) : json_null());
	json_object_set_new(o, "cooking_days",
			    json_integer(cooking_days(t, now)));
	json_object_set_new(o, "moved_at",
			    t->moved_at ? json_integer(t->moved_at) :
					  json_null());
	return o;
}

/* [report] and the latest mails, for the report's "mail". */
static json_t *mail_json(struct db *db)
{
	const struct config *cfg = daemon_config_get();
	struct store_report r;
	json_t *o, *last = json_null();
	bool found;

	o = json_pack("{s:s?, s:s}", "to", config_get(cfg, "report.to"),
		      "every", config_get(cfg, "report.every") ?: "never");
	daemon_config_put();
	if (!store_report_latest(db, NULL, &r, &found, NULL) && found) {
		last = json_pack("{s:I, s:s?, s:s?, s:I, s:I}", "id",
				 (json_int_t)r.id, "trigger", r.trigger,
				 "period", r.period, "notification",
				 (json_int_t)r.notification, "at",
				 (json_int_t)r.created_at);
		store_report_release(&r);
	}
	json_object_set_new(o, "last", last);
	return o;
}

static json_t *report_json(const struct cooking *c)
{
	const struct cooking_counts *n = &c->counts;
	json_t *o = json_object(), *topics = json_array(),
	       *lanes = json_array();
	struct strbuf text = STRBUF_INIT;
	size_t i;
	int l;

	json_object_set_new(o, "tree", json_string(c->tree));
	json_object_set_new(o, "generated_at", json_integer(c->generated_at));
	json_object_set_new(o, "base",
			    json_pack("{s:s?, s:s?}", "name", c->base_name,
				      "commit", c->base));
	json_object_set_new(o, "next", store_json_str(c->next));
	json_object_set_new(o, "build",
			    c->build_id ?
				    json_pack("{s:I, s:s?, s:s?, s:s?, s:I, s:s?}",
					      "id", (json_int_t)c->build_id,
					      "state", c->build_state, "gate",
					      c->build_gate, "result",
					      c->build_result, "started_at",
					      (json_int_t)c->build_at,
					      "stopped_at", c->stopped_at) :
				    json_null());
	json_object_set_new(o, "summary",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				      "topics", (json_int_t)c->nr_topics,
				      "in_next", (json_int_t)n->in_next,
				      "conflict", (json_int_t)n->conflict,
				      "ejected", (json_int_t)n->ejected, "held",
				      (json_int_t)n->held, "pending",
				      (json_int_t)n->pending, "missing",
				      (json_int_t)n->missing));
	for (l = 1; l <= QUEUE_LANES; l++)
		json_array_append_new(lanes,
				      json_pack("{s:i, s:s, s:I, s:f}", "lane",
						l, "name", cooking_lane_name(l),
						"count",
						(json_int_t)c->lanes[l].count,
						"per_week",
						c->lanes[l].per_week));
	json_object_set_new(o, "queue",
			    json_pack("{s:I, s:o}", "total",
				      (json_int_t)c->lanes[0].count, "lanes",
				      lanes));
	for (i = 0; i < c->nr_topics; i++)
		json_array_append_new(topics, topic_json(&c->topics[i],
							 c->generated_at));
	json_object_set_new(o, "topics", topics);
	cooking_subject(c, &text);
	json_object_set_new(o, "subject", json_string(text.buf));
	strbuf_reset(&text);
	cooking_text(c, &text);
	json_object_set_new(o, "text", json_string(text.buf));
	strbuf_release(&text);
	return o;
}

static int cooking_get(struct http_request *req, json_t **out,
		       struct strbuf *err)
{
	struct cooking c;
	struct db *db;
	int ret;

	ret = report_now(&db, &c, err);
	if (!ret) {
		*out = report_json(&c);
		json_object_set_new(*out, "mail", mail_json(db));
	}
	cooking_release(&c);
	return ret;
}

/* --- Atom -------------------------------------------------------------- */

/*
 * s as XML character data: the five specials escaped, and the control
 * characters XML 1.0 does not allow left out.
 */
static void xml_text(struct strbuf *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '<')
			strbuf_addstr(out, "&lt;");
		else if (ch == '>')
			strbuf_addstr(out, "&gt;");
		else if (ch == '&')
			strbuf_addstr(out, "&amp;");
		else if (ch == '"')
			strbuf_addstr(out, "&quot;");
		else if (ch == '\'')
			strbuf_addstr(out, "&apos;");
		else if (ch >= 0x20 || ch == '\t' || ch == '\n')
			strbuf_addch(out, (char)ch);
	}
}

static void atom_element(struct strbuf *out, const char *indent,
			 const char *name, const char *text)
{
	strbuf_addf(out, "%s<%s>", indent, name);
	xml_text(out, text);
	strbuf_addf(out, "</%s>\n", name);
}

static void atom_time(struct strbuf *out, const char *indent, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strbuf_addf(out, "%s<updated>%s</updated>\n", indent, buf);
}

/* The tag URI of the feed (topic NULL) or of a topic's entry. */
static void atom_id(struct strbuf *out, const char *domain,
		    const struct cooking *c, const char *topic)
{
	struct strbuf id = STRBUF_INIT;
	const char *names[2] = { c->tree, topic };
	const char *p;
	int i;

	strbuf_addf(&id, "tag:%s,2024:", domain);
	for (i = 0; i < 2 && names[i]; i++) {
		if (i)
			strbuf_addstr(&id, "/cooking/");
		for (p = names[i]; *p; p++)
			if ((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
				strbuf_addch(&id, *p);
			else
				strbuf_addf(&id, "%%%02X", (unsigned char)*p);
	}
	if (!topic)
		strbuf_addstr(&id, "/cooking");
	atom_element(out, topic ? "    " : "  ", "id", id.buf);
	strbuf_release(&id);
}

static int64_t topic_updated(const struct cooking *c,
			     const struct cooking_topic *t)
{
	int64_t at = t->moved_at > c->build_at ? t->moved_at : c->build_at;

	return at ? at : c->generated_at;
}

static void atom_feed(const struct cooking *c, const char *host,
		      struct strbuf *out)
{
	const struct config *cfg = daemon_config_get();
	const char *email = cfg->committer_email;
	const char *domain = email && strchr(email, '@') ?
				     strchr(email, '@') + 1 :
				     "localhost";
	struct strbuf sb = STRBUF_INIT;
	int64_t updated = 0;
	size_t i;

	for (i = 0; i < c->nr_topics; i++)
		if (topic_updated(c, &c->topics[i]) > updated)
			updated = topic_updated(c, &c->topics[i]);
	if (!updated)
		updated = c->generated_at;
	strbuf_addstr(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
			   "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
	atom_id(out, domain, c, NULL);
	strbuf_addstr(&sb, "What's cooking in ");
	strbuf_addstr(&sb, c->tree);
	atom_element(out, "  ", "title", sb.buf);
	atom_time(out, "  ", updated);
	strbuf_addstr(out, "  <author>\n");
	atom_element(out, "    ", "name",
		     cfg->committer_name ? cfg->committer_name : "cthulhu");
	if (email)
		atom_element(out, "    ", "email", email);
	strbuf_addstr(out, "  </author>\n");
	if (host && *host) {
		strbuf_addstr(out, "  <link rel=\"self\" href=\"http://");
		xml_text(out, host);
		strbuf_addstr(out, "/api/v1/cooking.atom\"/>\n");
	}
	strbuf_addstr(out, "  <generator>cthulhu</generator>\n");
	for (i = 0; i < c->nr_topics; i++) {
		const struct cooking_topic *t = &c->topics[i];

		strbuf_addstr(out, "  <entry>\n");
		atom_id(out, domain, c, t->name);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s: %s, %zu commit%s", t->name, t->state,
			    t->nr_commits, t->nr_commits == 1 ? "" : "s");
		atom_element(out, "    ", "title", sb.buf);
		atom_time(out, "    ", topic_updated(c, t));
		strbuf_addstr(out, "    <category term=\"");
		xml_text(out, t->state);
		strbuf_addstr(out, "\"/>\n");
		atom_element(out, "    ", "summary", t->why);
		strbuf_reset(&sb);
		cooking_topic_text(t, &sb);
		strbuf_addstr(out, "    <content type=\"text\">");
		xml_text(out, sb.buf);
		strbuf_addstr(out, "</content>\n  </entry>\n");
	}
	strbuf_addstr(out, "</feed>\n");
	strbuf_release(&sb);
	daemon_config_put();
}

static int cooking_atom(struct http_request *req, const char **content_type,
			struct strbuf *body, struct strbuf *err)
{
	struct cooking c;
	struct db *db;
	int ret;

	ret = report_now(&db, &c, err);
	if (!ret) {
		atom_feed(&c, http_header(req, "Host"), body);
		*content_type = "application/atom+xml; charset=utf-8";
	}
	cooking_release(&c);
	return ret;
}

/* --- mail -------------------------------------------------------------- */

static int cooking_mail(struct http_request *req, json_t **out,
			struct strbuf *err)
{
	return engine_run(JOB_COOKING_MAIL, json_object(), out, err);
}

const struct route api_cooking_routes[] = {
	{ "GET", "/api/v1/cooking", cooking_get },
	{ "GET", "/api/v1/cooking.atom", .raw = cooking_atom },
	{ "POST", "/api/v1/cooking/mail", cooking_mail },
	{ 0 }
};
