// SPDX-License-Identifier: GPL-2.0
/*
 * /api/v1/inboxes: the public-inbox inboxes of [inbox "NAME"], and a
 * thread fetched from them by Message-ID (daemon/inbox.c does the work
 * on its thread; the intake's jobs write the mail).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/http.h"
#include "daemon/inbox.h"
#include "daemon/series.h"
#include "daemon/store/inbox.h"
#include "daemon/store/row.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static json_t *time_or_null(time_t t)
{
	return t ? json_integer((json_int_t)t) : json_null();
}

static json_t *inbox_json(struct db *db, const struct inbox_conf *c,
			  struct strbuf *err)
{
	struct store_inbox_epoch_list list;
	struct inbox_status st;
	json_t *o, *epochs = json_array();
	int64_t n = 0;
	size_t i;

	if (!store_inbox_epochs(db, c->name, &list, err)) {
		for (i = 0; i < list.nr; i++)
			json_array_append_new(
				epochs,
				json_pack("{s:I, s:o, s:I}", "epoch",
					  (json_int_t)list.v[i].epoch,
					  "last_commit",
					  store_json_str(list.v[i].last_commit),
					  "updated_at",
					  (json_int_t)list.v[i].updated_at));
		store_inbox_epoch_list_release(&list);
	}
	store_inbox_count(db, c->name, &n, err);
	inbox_status_get(c->name, &st);
	o = json_pack("{s:s, s:s, s:b, s:i, s:o, s:I, s:o, s:o, s:o, s:I, s:I}",
		      "name", c->name, "url", c->url, "local", c->local, "poll",
		      (int)c->poll, "epochs", epochs, "messages", (json_int_t)n,
		      "last_poll", time_or_null(st.last_poll), "last_ok",
		      time_or_null(st.last_ok), "last_error",
		      store_json_str(st.last_error), "ingested",
		      (json_int_t)st.ingested, "refused",
		      (json_int_t)st.refused);
	inbox_status_release(&st);
	return o;
}

/* GET /api/v1/inboxes: {"inboxes": [...]}, in the config's order. */
static int inboxes_index(struct http_request *req, json_t **out,
			 struct strbuf *err)
{
	const struct config *cfg;
	struct db *db = db_thread();
	json_t *list = json_array();
	size_t i;

	(void)req;
	if (!db) {
		json_decref(list);
		return error_set(err, -EIO, "no database connection");
	}
	cfg = daemon_config_get();
	for (i = 0; i < cfg->nr_inboxes; i++)
		json_array_append_new(list,
				      inbox_json(db, &cfg->inboxes[i], err));
	daemon_config_put();
	*out = json_pack("{s:o}", "inboxes", list);
	return 0;
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* Decode %XX in s[0, len) into out. */
static void percent_decode(const char *s, size_t len, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			strbuf_addch(out,
				     (char)(hexval((unsigned char)s[i + 1]) *
						    16 +
					    hexval((unsigned char)s[i + 2])));
			i += 2;
		} else {
			strbuf_addch(out, s[i]);
		}
	}
}

/*
 * The Message-ID that arg names: an id, with or without <>, or a URL of
 * a message as public-inbox gives them ("https://lore.kernel.org/r/ID",
 * ".../kvm/ID/", ".../kvm/ID/T/#u", ".../ID/raw"): the last part of its
 * path holding an '@', else the last one that is not a view's name.
 */
static int msgid_of_arg(const char *arg, struct strbuf *id, struct strbuf *err)
{
	static const char *const views[] = { "T",      "t",  "raw", "t.mbox.gz",
					     "t.atom", "#R", NULL };
	const char *p = arg, *end, *seg, *pick = NULL;
	size_t pick_len = 0, i;
	bool at = false;

	if (!strncmp(arg, "http://", 7) || !strncmp(arg, "https://", 8)) {
		p = strstr(arg, "://") + 3;
		p = strchr(p, '/');
		end = p ? p + strcspn(p, "?#") : NULL;
		for (seg = p; seg && seg < end; seg++) {
			size_t n;
			bool view = false;

			seg++; /* past '/' */
			n = strcspn(seg, "/?#");
			if (seg + n > end)
				n = end - seg;
			for (i = 0; views[i]; i++)
				if (strlen(views[i]) == n &&
				    !memcmp(seg, views[i], n))
					view = true;
			if (n && !view && (!at || memchr(seg, '@', n))) {
				at = at || memchr(seg, '@', n);
				pick = seg;
				pick_len = n;
			}
			seg += n - 1;
		}
		if (!pick)
			return error_set(err, ERR_INVALID,
					 "'%s' names no message", arg);
		percent_decode(pick, pick_len, id);
	} else {
		strbuf_addstr(id, arg);
	}
	strbuf_trim(id);
	if (id->len && id->buf[0] == '<' && id->buf[id->len - 1] == '>') {
		strbuf_remove(id, id->len - 1, 1);
		strbuf_remove(id, 0, 1);
	}
	if (!id->len)
		return error_set(err, ERR_INVALID, "'%s' names no message",
				 arg);
	for (i = 0; i < id->len; i++)
		if ((unsigned char)id->buf[i] <= ' ' || id->buf[i] == '<' ||
		    id->buf[i] == '>')
			return error_set(err, ERR_INVALID,
					 "'%s' is not a Message-ID", arg);
	return 0;
}

/*
 * POST /api/v1/inboxes/fetch {"msgid": ID or URL}: the thread holding
 * that message, from the inboxes, submitted; as POST /api/v1/submit
 * answers, with "thread" added and "series" the series holding the
 * thread's mail (those already known too, with "action": "known").
 */
static int inboxes_fetch(struct http_request *req, json_t **out,
			 struct strbuf *err)
{
	json_t *body = http_json_body(req, err), *res = NULL, *series, *s;
	const char *arg;
	struct strbuf id = STRBUF_INIT;
	bool created = false;
	size_t i;
	int ret;

	if (!body)
		return ERR_INVALID;
	arg = json_string_value(json_object_get(body, "msgid"));
	if (!arg) {
		ret = error_set(err, ERR_INVALID,
				"'msgid' must be a Message-ID or its URL");
		goto out;
	}
	ret = msgid_of_arg(arg, &id, err);
	if (ret < 0)
		goto out;
	ret = inbox_fetch_thread(id.buf, &res, err);
	if (ret < 0)
		goto out;
	series = json_object_get(res, "series");
	json_array_foreach(series, i, s)
		created = created ||
			  json_is_true(json_object_get(s, "created"));
	if (!json_array_size(series)) {
		struct db *db = db_thread();
		json_t *known = db ? series_list(db, id.buf, NULL, 10, err) :
				     NULL;
		const char *root = json_string_value(
			json_object_get(json_object_get(res, "thread"),
					"root"));

		if (known && !json_array_size(known) && root) {
			json_decref(known);
			known = series_list(db, root, NULL, 10, err);
		}
		json_array_foreach(known, i, s)
			json_object_set_new(s, "action", json_string("known"));
		if (known)
			json_object_set_new(res, "series", known);
	}
	json_object_set_new(res, "msgid", json_string(id.buf));
	*out = res;
	ret = created ? HTTP_CREATED : 0;
out:
	json_decref(body);
	strbuf_release(&id);
	return ret;
}

const struct route api_inbox_routes[] = {
	{ "GET", "/api/v1/inboxes", inboxes_index },
	{ "POST", "/api/v1/inboxes/fetch", inboxes_fetch },
	{ 0 }
};
