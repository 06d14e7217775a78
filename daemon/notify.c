/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Notifications to patch authors, built with GMime and delivered to the
 * outbox Maildir and, when configured, a sendmail-compatible command.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <gmime/gmime.h>

#include "daemon/config.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/mail.h"
#include "daemon/notify-text.h"
#include "daemon/notify.h"
#include "daemon/spawn.h"
#include "daemon/store/notifications.h"
#include "daemon/store/series.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static json_int_t jint(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* The subject of the mail answered, without any "Re:" it had. */
static void reply_subject(struct strbuf *out, const char *prefix,
			  const char *subject)
{
	while (!strncasecmp(subject, "re:", 3)) {
		subject += 3;
		while (*subject == ' ' || *subject == '\t')
			subject++;
	}
	strbuf_addstr(out, prefix);
	strbuf_addstr(out, subject);
}

/*
 * The mail a notification answers, as notify.h's REPLY: the message row
 * msg_row_id, re-parsed for its Cc and References.
 */
json_t *notify_mail_reply(struct db *db, int64_t msg_row_id)
{
	struct strbuf raw = STRBUF_INIT;
	struct mail *m = NULL;
	json_t *reply, *cc, *refs;
	size_t i;

	reply = json_object();
	if (store_message_raw_of(db, msg_row_id, &raw, NULL) < 0 ||
	    mail_parse(raw.buf, raw.len, &m, NULL) < 0) {
		strbuf_release(&raw);
		return reply;
	}
	json_object_set_new(reply, "msgid", json_string(m->message_id));
	json_object_set_new(reply, "subject", json_string(m->subject));
	json_object_set_new(reply, "from_name", json_string(m->from_name));
	json_object_set_new(reply, "from_email", json_string(m->from_email));
	cc = json_array();
	for (i = 0; i < m->nr_cc; i++)
		json_array_append_new(cc, json_pack("{s:s, s:s}", "name",
						    m->cc[i].name, "email",
						    m->cc[i].email));
	json_object_set_new(reply, "cc", cc);
	refs = json_array();
	for (i = 0; i < m->nr_references; i++)
		json_array_append_new(refs, json_string(m->references[i]));
	json_object_set_new(reply, "references", refs);
	mail_free(m);
	strbuf_release(&raw);
	return reply;
}

json_t *notify_series_reply(struct db *db, int64_t series_id)
{
	int64_t msg = 0;

	store_series_reply_message(db, series_id, &msg, NULL);
	return notify_mail_reply(db, msg);
}

static char *make_msgid(const struct config *cfg)
{
	static unsigned int seq;
	struct strbuf sb = STRBUF_INIT;
	const char *from = config_get(cfg, "notify.from");
	const char *at = NULL;
	char host[128] = "localhost";
	struct timespec ts;

	if (from)
		at = strrchr(from, '@');
	if (!at && cfg->committer_email)
		at = strrchr(cfg->committer_email, '@');
	if (at) {
		snprintf(host, sizeof(host), "%s", at + 1);
		host[strcspn(host, ">\" ")] = '\0';
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	strbuf_addf(&sb, "cthulhu-%lld.%09ld.%d.%u@%s", (long long)ts.tv_sec,
		    ts.tv_nsec, (int)getpid(), seq++, host);
	return strbuf_detach(&sb, NULL);
}

static void add_from(GMimeMessage *msg, const struct config *cfg)
{
	const char *from = config_get(cfg, "notify.from");
	InternetAddressList *list;

	if (from && *from) {
		list = internet_address_list_parse(NULL, from);
		if (list && internet_address_list_length(list)) {
			internet_address_list_append(g_mime_message_get_from(
							     msg),
						     list);
			g_object_unref(list);
			return;
		}
		if (list)
			g_object_unref(list);
	}
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM,
				   cfg->committer_name ? cfg->committer_name :
							 "",
				   cfg->committer_email ? cfg->committer_email :
							  "cthulhu@localhost");
}

/*
 * Build the message: From, To the author (or to_list, taken, when not
 * NULL: info's "to" parsed), Cc, Subject, In-Reply-To and References to
 * thread it under the mail answered, and body as a UTF-8 text/plain
 * part.  Then insert the row.
 */
static int notify_record_to(struct db *db, const struct config *cfg,
			    const char *kind, json_t *info,
			    InternetAddressList *to_list, const char *subject,
			    const char *body, int64_t *id, struct strbuf *err)
{
	json_t *reply = json_object_get(info, "reply");
	json_t *refs = json_object_get(reply, "references"), *v;
	struct store_notification n = { 0 };
	struct strbuf sb = STRBUF_INIT;
	GMimeMessage *msg;
	GMimeTextPart *part;
	GDateTime *now;
	char *msgid, *raw;
	size_t i;
	int ret;

	msg = g_mime_message_new(TRUE);
	add_from(msg, cfg);
	if (to_list)
		internet_address_list_append(
			g_mime_message_get_addresses(msg,
						     GMIME_ADDRESS_TYPE_TO),
			to_list);
	else
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO,
					   jstr(reply, "from_name"),
					   jstr(reply, "from_email"));
	json_array_foreach(json_object_get(reply, "cc"), i, v) {
		if (!strcasecmp(jstr(v, "email"), jstr(reply, "from_email")))
			continue;
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_CC,
					   jstr(v, "name"), jstr(v, "email"));
	}
	g_mime_message_set_subject(msg, subject, "utf-8");
	now = g_date_time_new_now_local();
	g_mime_message_set_date(msg, now);
	g_date_time_unref(now);
	msgid = make_msgid(cfg);
	g_mime_message_set_message_id(msg, msgid);
	if (mail_msgid_valid(jstr(reply, "msgid"))) {
		strbuf_addf(&sb, "<%s>", jstr(reply, "msgid"));
		g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To",
					 sb.buf, NULL);
		/* References: oldest first, then the mail answered. */
		strbuf_reset(&sb);
		for (i = json_array_size(refs); i-- > 0;) {
			const char *id =
				json_string_value(json_array_get(refs, i));

			if (id && mail_msgid_valid(id))
				strbuf_addf(&sb, "<%s> ", id);
		}
		strbuf_addf(&sb, "<%s>", jstr(reply, "msgid"));
		g_mime_object_set_header(GMIME_OBJECT(msg), "References",
					 sb.buf, NULL);
	}
	g_mime_object_set_header(GMIME_OBJECT(msg), "X-Cthulhu", kind, NULL);

	part = g_mime_text_part_new_with_subtype("plain");
	g_mime_text_part_set_text(part, body);
	g_mime_part_set_content_encoding(GMIME_PART(part),
					 g_mime_part_get_best_content_encoding(
						 GMIME_PART(part),
						 GMIME_ENCODING_CONSTRAINT_7BIT));
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(part));
	g_object_unref(part);
	raw = g_mime_object_to_string(GMIME_OBJECT(msg), NULL);
	g_object_unref(msg);

	n.kind = (char *)kind;
	n.series_id = jint(info, "series_id");
	n.topic = (char *)json_string_value(json_object_get(info, "topic"));
	n.msgid = msgid;
	n.in_reply_to = *jstr(reply, "msgid") ? (char *)jstr(reply, "msgid") :
						NULL;
	n.to = to_list ? (char *)jstr(info, "to") :
			 (char *)jstr(reply, "from_email");
	n.subject = (char *)subject;
	n.created_at = time(NULL);
	ret = store_notification_add(db, &n, raw, strlen(raw), err);
	if (ret == 0)
		*id = n.id;
	g_free(raw);
	free(msgid);
	strbuf_release(&sb);
	if (to_list)
		g_object_unref(to_list);
	return ret;
}

static int notify_record(struct db *db, const struct config *cfg,
			 const char *kind, json_t *info, const char *subject,
			 const char *body, int64_t *id, struct strbuf *err)
{
	return notify_record_to(db, cfg, kind, info, NULL, subject, body, id,
				err);
}

int notify_applied(struct db *db, const struct config *cfg, json_t *info,
		   int64_t *id, struct strbuf *err)
{
	struct strbuf subject = STRBUF_INIT, body = STRBUF_INIT;
	json_t *missing = json_object_get(info, "not_applied");
	int ret;

	reply_subject(&subject,
		      json_array_size(missing) ? "Re: (subset) " : "Re: ",
		      jstr(json_object_get(info, "reply"), "subject"));
	ret = notify_text_applied(cfg, info, &body, err);
	if (!ret)
		ret = notify_record(db, cfg, "applied", info, subject.buf,
				    body.buf, id, err);
	strbuf_release(&subject);
	strbuf_release(&body);
	return ret;
}

int notify_dropped(struct db *db, const struct config *cfg, json_t *info,
		   int64_t *id, struct strbuf *err)
{
	struct strbuf subject = STRBUF_INIT, body = STRBUF_INIT;
	int ret;

	reply_subject(&subject,
		      "Re: ", jstr(json_object_get(info, "reply"), "subject"));
	ret = notify_text_dropped(cfg, info, &body, err);
	if (!ret)
		ret = notify_record(db, cfg, "dropped", info, subject.buf,
				    body.buf, id, err);
	strbuf_release(&subject);
	strbuf_release(&body);
	return ret;
}

int notify_sha1_changed(struct db *db, const struct config *cfg, json_t *info,
			int64_t *id, struct strbuf *err)
{
	struct strbuf subject = STRBUF_INIT, body = STRBUF_INIT;
	int ret;

	reply_subject(&subject,
		      "Re: ", jstr(json_object_get(info, "reply"), "subject"));
	ret = notify_text_sha1_changed(cfg, info, &body, err);
	if (!ret)
		ret = notify_record(db, cfg, "sha1-changed", info, subject.buf,
				    body.buf, id, err);
	strbuf_release(&subject);
	strbuf_release(&body);
	return ret;
}

int notify_check_failed(struct db *db, const struct config *cfg, json_t *info,
			int64_t *id, struct strbuf *err)
{
	struct strbuf subject = STRBUF_INIT, body = STRBUF_INIT;
	int ret;

	reply_subject(&subject,
		      "Re: ", jstr(json_object_get(info, "reply"), "subject"));
	ret = notify_text_check_failed(cfg, info, &body, err);
	if (!ret)
		ret = notify_record(db, cfg, "check-failed", info, subject.buf,
				    body.buf, id, err);
	strbuf_release(&subject);
	strbuf_release(&body);
	return ret;
}

static int mkdir_p(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Write raw into <outbox>/new/<name> by way of tmp/ (the Maildir rule: a
 * file in new/ is always whole).  A file already in new/ was written by
 * an earlier try that was cut short: leave it.
 */
static int outbox_write(const char *outbox, const char *name, const char *raw,
			size_t len, struct strbuf *err)
{
	struct strbuf tmp = STRBUF_INIT, dst = STRBUF_INIT, sb = STRBUF_INIT;
	const char *sub[] = { "", "/tmp", "/new", "/cur" };
	struct stat st;
	size_t i, done = 0;
	int fd = -1, ret = 0;

	for (i = 0; i < ARRAY_SIZE(sub); i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s%s", outbox, sub[i]);
		ret = mkdir_p(sb.buf);
		if (ret < 0) {
			error_set(err, ret, "cannot create '%s': %s", sb.buf,
				  strerror(-ret));
			goto out;
		}
	}
	strbuf_addf(&dst, "%s/new/%s", outbox, name);
	if (stat(dst.buf, &st) == 0)
		goto out;
	strbuf_addf(&tmp, "%s/tmp/%s", outbox, name);
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = error_set(err, -errno, "cannot write '%s': %s", tmp.buf,
				strerror(errno));
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, raw + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = error_set(err, -errno, "cannot write '%s': %s",
					tmp.buf, strerror(errno));
			goto out;
		}
		done += n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		ret = error_set(err, -errno, "cannot write '%s': %s", tmp.buf,
				strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.buf, dst.buf) < 0)
		ret = error_set(err, -errno, "cannot move '%s' to new/: %s",
				tmp.buf, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	strbuf_release(&sb);
	strbuf_release(&tmp);
	strbuf_release(&dst);
	return ret;
}

/*
 * The maintainer's address ([notify] maintainer, by default [tree]
 * committer) as a new {from_name, from_email}; NULL with err set when
 * [notify] maintainer is no address.
 */
static json_t *maintainer_address(const struct config *cfg, struct strbuf *err)
{
	const char *to = config_get(cfg, "notify.maintainer");
	InternetAddressList *list = NULL;
	InternetAddress *addr = NULL;
	json_t *out;

	if (!to || !*to)
		return json_pack("{s:s, s:s}", "from_name",
				 cfg->committer_name ? cfg->committer_name : "",
				 "from_email",
				 cfg->committer_email ? cfg->committer_email :
							"cthulhu@localhost");
	list = internet_address_list_parse(NULL, to);
	if (list && internet_address_list_length(list))
		addr = internet_address_list_get_address(list, 0);
	if (!addr || !INTERNET_ADDRESS_IS_MAILBOX(addr)) {
		if (list)
			g_object_unref(list);
		error_set(err, ERR_INVALID,
			  "bad [notify] maintainer '%s': not an address", to);
		return NULL;
	}
	out = json_pack("{s:s, s:s}", "from_name",
			internet_address_get_name(addr) ?
				internet_address_get_name(addr) :
				"",
			"from_email",
			internet_address_mailbox_get_addr(
				INTERNET_ADDRESS_MAILBOX(addr)));
	g_object_unref(list);
	return out;
}

int notify_maintainer(struct db *db, const struct config *cfg, const char *kind,
		      const char *topic, const char *subject, const char *body,
		      int64_t *id, struct strbuf *err)
{
	json_t *info, *to = maintainer_address(cfg, err);
	int ret;

	if (!to)
		return ERR_INVALID;
	info = json_pack("{s:s, s:o}", "topic", topic, "reply", to);
	ret = notify_record(db, cfg, kind, info, subject, body, id, err);
	json_decref(info);
	return ret;
}

/* Append {name, email} to the array cc unless an entry has email. */
static void cc_add(json_t *cc, const char *name, const char *email)
{
	json_t *v;
	size_t i;

	json_array_foreach(cc, i, v)
		if (!strcasecmp(jstr(v, "email"), email))
			return;
	json_array_append_new(cc, json_pack("{s:s, s:s}", "name",
					    name ? name : "", "email", email));
}

int notify_owners(struct db *db, const struct config *cfg, const char *kind,
		  const char *topic, const char *const *also, size_t nr_also,
		  const char *in_reply_to, const char *subject,
		  const char *body, int64_t *id, struct strbuf *err)
{
	const struct topic_conf *tc = config_topic(cfg, topic);
	json_t *info, *to, *cc, *maint = maintainer_address(cfg, err);
	size_t i;
	int ret;

	if (!maint)
		return ERR_INVALID;
	cc = json_array();
	if (tc && tc->owner_email) {
		to = json_pack("{s:s, s:s}", "from_name",
			       tc->owner_name ? tc->owner_name : "",
			       "from_email", tc->owner_email);
		cc_add(cc, jstr(maint, "from_name"), jstr(maint, "from_email"));
		json_decref(maint);
	} else {
		to = maint;
	}
	for (i = 0; i < nr_also; i++) {
		const struct topic_conf *o = config_topic(cfg, also[i]);

		if (o && o->owner_email &&
		    strcasecmp(o->owner_email, jstr(to, "from_email")))
			cc_add(cc, o->owner_name, o->owner_email);
	}
	json_object_set_new(to, "cc", cc);
	if (in_reply_to && *in_reply_to)
		json_object_set_new(to, "msgid", json_string(in_reply_to));
	info = json_pack("{s:s, s:o}", "topic", topic, "reply", to);
	ret = notify_record(db, cfg, kind, info, subject, body, id, err);
	json_decref(info);
	return ret;
}

int notify_owner(struct db *db, const struct config *cfg, const char *kind,
		 const char *topic, const char *in_reply_to,
		 const char *subject, const char *body, int64_t *id,
		 struct strbuf *err)
{
	return notify_owners(db, cfg, kind, topic, NULL, 0, in_reply_to,
			     subject, body, id, err);
}

int notify_report(struct db *db, const struct config *cfg, const char *to,
		  const char *subject, const char *body, int64_t *id,
		  struct strbuf *err)
{
	InternetAddressList *list = internet_address_list_parse(NULL, to);
	json_t *info;
	int i, n, ret;

	n = list ? internet_address_list_length(list) : 0;
	for (i = 0; i < n; i++)
		if (!INTERNET_ADDRESS_IS_MAILBOX(
			    internet_address_list_get_address(list, i)))
			break;
	if (!n || i < n) {
		if (list)
			g_object_unref(list);
		return error_set(err, ERR_INVALID,
				 "bad [report] to '%s': not a list of addresses",
				 to);
	}
	info = json_pack("{s:s}", "to", to);
	ret = notify_record_to(db, cfg, "report", info, list, subject, body, id,
			       err);
	json_decref(info);
	return ret;
}

/*
 * Pipe raw to the sendmail command: its words split at blanks, run as an
 * argv with no shell, so nothing in the command or a mail is ever a
 * shell's to read.
 */
static int run_sendmail(const char *cmd, const char *raw, size_t len,
			struct strbuf *err)
{
	char **argv, *buf;
	int ret;

	if (!spawn_split(cmd, &argv, &buf))
		ret = error_set(err, ERR_INVALID,
				"[notify] sendmail is empty: no command to run");
	else
		ret = spawn_run((const char *const *)argv, raw, len, err);
	free(argv);
	free(buf);
	return ret;
}

int notify_deliver(struct db *db, const struct config *cfg, struct strbuf *err)
{
	const char *sendmail = config_get(cfg, "notify.sendmail");
	struct strbuf outbox = STRBUF_INIT, raw = STRBUF_INIT;
	struct strbuf name = STRBUF_INIT, e = STRBUF_INIT;
	struct store_notification_list pending;
	size_t i;
	int ret = 0, r;

	ret = store_notifications_pending(db, &pending, err);
	if (ret < 0)
		return ret;
	strbuf_addf(&outbox, "%s/outbox", cfg->state_dir);
	for (i = 0; i < pending.nr; i++) {
		int64_t id = pending.v[i].id;

		strbuf_reset(&raw);
		strbuf_reset(&name);
		strbuf_reset(&e);
		strbuf_addf(&name, "%lld.cthulhu-%lld",
			    (long long)pending.v[i].created_at, (long long)id);
		r = store_notification_raw(db, id, &raw, &e);
		if (!r)
			r = outbox_write(outbox.buf, name.buf, raw.buf, raw.len,
					 &e);
		if (r < 0) {
			/* Stays pending: the next round tries again. */
			log_warn("notification %lld: %s", (long long)id, e.buf);
			if (!ret)
				ret = error_set(err, r, "%s", e.buf);
			continue;
		}
		if (sendmail && *sendmail) {
			/*
			 * Mark it first: a crash inside sendmail must not
			 * make the mail go out twice.
			 */
			store_notification_mark_sending(db, id, name.buf, NULL);
			r = run_sendmail(sendmail, raw.buf, raw.len, &e);
			if (r < 0) {
				log_error("notification %lld: %s",
					  (long long)id, e.buf);
				store_notification_mark_failed(db, id, e.buf,
							       NULL);
				continue;
			}
		}
		store_notification_mark_sent(db, id, name.buf, time(NULL),
					     NULL);
		log_info("notification %lld sent (%s)", (long long)id,
			 name.buf);
	}
	store_notification_list_release(&pending);
	strbuf_release(&outbox);
	strbuf_release(&raw);
	strbuf_release(&name);
	strbuf_release(&e);
	return ret;
}

int notify_job_deliver(struct job_ctx *ctx, json_t *args, json_t **result,
		       struct strbuf *err)
{
	notify_deliver(ctx->db, ctx->config, err);
	/* A failed delivery stays pending; the job itself does not fail. */
	return 0;
}
