/* SPDX-License-Identifier: GPL-2.0 */
/*
 * notify.c on its own: the notifications to patch authors and to the
 * maintainer as rows and mails (From, To, Cc, the subject of the mail
 * answered, In-Reply-To and References that thread them under it, the
 * Message-ID, the body of each kind, non-ASCII names and text), read
 * back with Python's email parser rather than GMime, which wrote them;
 * and their delivery to the outbox Maildir and a sendmail command,
 * never twice, a failure kept.  t0402 sees the same through the
 * daemon's apply and follow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/db.h"
#include "daemon/mail.h"
#include "daemon/notify.h"
#include "daemon/repo.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"
#include "tests/unit/git-cli.h"
#include "tests/unit/state.h"

/*
 * parse.py FILE HEADER...: each header as "Name: value" decoded, then
 * an empty line and the body decoded; "(none)" for a header not there.
 */
#define PARSE_PY                                                            \
	"import email, email.policy, sys\n"                                 \
	"m = email.message_from_binary_file(open(sys.argv[1], 'rb'),\n"     \
	"                                   policy=email.policy.default)\n" \
	"for h in sys.argv[2:]:\n"                                          \
	"    print(h + ': ' + (str(m[h]) if h in m else '(none)'))\n"       \
	"print()\n"                                                         \
	"print(m.get_content(), end='')\n"

static struct db *db;

/* A column of notification id, as text. */
static void column(int64_t id, const char *col, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT, sql = STRBUF_INIT;
	json_t *row = NULL, *v;

	strbuf_reset(out);
	strbuf_addf(&sql, "SELECT %s AS v FROM notifications WHERE id = ?",
		    col);
	db_query_row(db, &row, &err, sql.buf, "i", id);
	v = json_object_get(row, "v");
	if (json_is_string(v))
		strbuf_addstr(out, json_string_value(v));
	else if (json_is_integer(v))
		strbuf_addf(out, "%lld", (long long)json_integer_value(v));
	else
		strbuf_addstr(out, "(null)");
	json_decref(row);
	strbuf_release(&sql);
	strbuf_release(&err);
}

/* The mail of notification id in the outbox, parsed: headers, body. */
static int parse(struct strbuf *out, int64_t id, const char *headers)
{
	struct strbuf file = STRBUF_INIT;
	int ret;

	column(id, "file", &file);
	strbuf_reset(out);
	ret = sh_out(out, "python3 parse.py 'state/outbox/new/%s' %s", file.buf,
		     headers);
	strbuf_release(&file);
	return ret;
}

static json_t *reply(const char *name, const char *email, const char *msgid)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}], "
			 "s:[s, s]}",
			 "msgid", msgid, "subject",
			 "Re: [PATCH v2 0/2] KVM: x86/pmu: Fix counters",
			 "from_name", name, "from_email", email, "cc", "name",
			 "Rev Iewer", "email", "rev@example.org", "name",
			 "Same Person", "email", "PAT@example.org",
			 "references", "cover@example.org", "root@example.org");
}

int main(void)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, sb = STRBUF_INIT;
	struct strbuf file = STRBUF_INIT, want = STRBUF_INIT;
	struct config *cfg;
	json_t *info;
	int64_t id = 0, id2 = 0, id3 = 0, id4 = 0, n = 0;
	int ret;

	if (!git_cli_init("test-notify"))
		return 1;
	mail_global_init();
	ok(!repo_global_init(&err), "repo_global_init(): %s", err.buf);
	ok(!sh("mkdir state && cat > parse.py <<'EOF'\n" PARSE_PY "EOF\n"),
	   "a state dir and a mail parser");
	db = state_db();
	cfg = state_config("[tree]\n\tname = kvm-x86\n"
			   "\tcommitter = Kim Maintainer <kim@example.org>\n");
	ok(db && cfg, "a database and a config");
	if (!db || !cfg)
		return done_testing();
	db_exec(db, &err,
		"INSERT INTO series (id, author_email, date, created_at, "
		"updated_at) VALUES (7, 'pat@example.org', 1, 1, 1)",
		"");

	/* --- applied: the author answered, in the thread ------------------ */
	info = json_pack("{s:i, s:s, s:s, s:o, s:[{s:i, s:i, s:s, s:s}], "
			 "s:[{s:i, s:i, s:s}]}",
			 "series_id", 7, "topic", "x86/pmu", "branch",
			 "refs/heads/x86/pmu", "reply",
			 reply("Pat Author", "pat@example.org",
			       "patch-1@example.org"),
			 "applied", "number", 1, "total", 2, "subject",
			 "KVM: x86/pmu: Fix the first", "commit",
			 "0123456789abcdef0123456789abcdef01234567",
			 "not_applied", "number", 2, "total", 2, "subject",
			 "KVM: x86/pmu: Fix the second");
	ret = notify_applied(db, cfg, info, &id, &err);
	json_decref(info);
	is_int(ret, 0, "notify_applied(): %s", err.buf);
	ok(id > 0, "gives the row's id");
	column(id, "state", &sb);
	is_str(sb.buf, "pending", "a new notification is pending");
	column(id, "kind || ' ' || series_id || ' ' || topic", &sb);
	is_str(sb.buf, "applied 7 x86/pmu", "of its kind, series and topic");
	column(id, "to_addr || ' ' || in_reply_to", &sb);
	is_str(sb.buf, "pat@example.org patch-1@example.org",
	       "to the author, in reply to the mail");
	column(id, "subject", &sb);
	is_str(sb.buf, "Re: (subset) [PATCH v2 0/2] KVM: x86/pmu: Fix counters",
	       "a subset: the subject says so, its Re: taken once");

	is_int(notify_deliver(db, cfg, &err), 0, "notify_deliver(): %s",
	       err.buf);
	column(id, "state", &sb);
	is_str(sb.buf, "sent", "the row is sent");
	column(id, "file", &file);
	column(id, "created_at", &sb);
	strbuf_addf(&sb, ".cthulhu-%lld", (long long)id);
	is_str(file.buf, sb.buf, "as <created_at>.cthulhu-<id>");
	strbuf_reset(&out);
	sh_out(&out, "ls state/outbox/new; ls state/outbox/tmp");
	strbuf_addch(&sb, '\n');
	is_str(out.buf, sb.buf,
	       "the outbox's new/ has the one mail, tmp/ none");
	column(id, "msgid", &sb);
	parse(&out, id,
	      "From To Cc Subject In-Reply-To References Message-ID "
	      "X-Cthulhu");
	strbuf_reset(&want);
	strbuf_addf(
		&want,
		"From: Kim Maintainer <kim@example.org>\n"
		"To: Pat Author <pat@example.org>\n"
		"Cc: Rev Iewer <rev@example.org>\n"
		"Subject: Re: (subset) [PATCH v2 0/2] KVM: x86/pmu: Fix counters\n"
		"In-Reply-To: <patch-1@example.org>\n"
		"References: <root@example.org> <cover@example.org> "
		"<patch-1@example.org>\n"
		"Message-ID: <%s>\n"
		"X-Cthulhu: applied\n"
		"\n"
		"Hi Pat Author,\n"
		"\n"
		"Applied to tree kvm-x86, topic x86/pmu (branch x86/pmu), thanks!\n"
		"\n"
		"[1/2] KVM: x86/pmu: Fix the first\n"
		"      0123456789ab\n"
		"\n"
		"Not applied:\n"
		"\n"
		"[2/2] KVM: x86/pmu: Fix the second\n"
		"\n"
		"The SHA1s may change if the topic is rebased; you will be told.\n",
		sb.buf);
	is_str(out.buf, want.buf,
	       "the mail: threaded under the patch, the author's Cc left out");
	ok(starts_with(sb.buf, "cthulhu-") && ends_with(sb.buf, "@example.org"),
	   "the Message-ID is on the committer's domain: %s", sb.buf);
	strbuf_reset(&err);

	/* --- dropped: a non-ASCII author, no thread to join --------------- */
	info = json_pack("{s:s, s:s, s:o, s:s, s:i, s:i, s:s, s:s}", "topic",
			 "x86/pmu", "branch", "refs/heads/x86/pmu", "reply",
			 reply("Émile Accent", "emile@example.org",
			       "not a valid id"),
			 "commit", "fedcba9876543210fedcba9876543210fedcba98",
			 "number", 1, "total", 1, "subject",
			 "KVM: x86/pmu: Café", "reason",
			 "It breaks the build ünder W=1.\n\n  \n");
	ret = notify_dropped(db, cfg, info, &id2, &err);
	json_decref(info);
	is_int(ret, 0, "notify_dropped(): %s", err.buf);
	column(id2, "series_id || in_reply_to", &sb);
	is_str(sb.buf, "(null)", "without a series nor a mail answered");
	notify_deliver(db, cfg, &err);
	parse(&out, id2, "To In-Reply-To References Subject");
	is_str(out.buf,
	       "To: Émile Accent <emile@example.org>\n"
	       "In-Reply-To: (none)\n"
	       "References: (none)\n"
	       "Subject: Re: [PATCH v2 0/2] KVM: x86/pmu: Fix counters\n"
	       "\n"
	       "Hi Émile Accent,\n"
	       "\n"
	       "Commit fedcba987654 (\"KVM: x86/pmu: Café\") was dropped from "
	       "tree kvm-x86, topic x86/pmu (branch x86/pmu).\n"
	       "\n"
	       "Reason:\n"
	       "\n"
	       "It breaks the build ünder W=1.\n"
	       "\n"
	       "Please send a new version of the patch once this is resolved.\n",
	       "the mail: a non-ASCII name and body, the reason trimmed, "
	       "no thread");
	column(id2, "file", &file);
	strbuf_reset(&out);
	sh_out(&out, "grep -c -e 'Émile' -e 'ünder' 'state/outbox/new/%s'",
	       file.buf);
	is_str(out.buf, "0\n", "with nothing but ASCII on the wire");

	/* --- sha1-changed, with [notify] from and sendmail ---------------- */
	ok(!sh("printf '#!/bin/sh\\necho \"$@\" > %%s/args\\n"
	       "cat >> %%s/sent\\n' \"$PWD\" \"$PWD\" > sendmail && printf '#!/bin/sh\\nexit 3\\n' > broken && "
	       "chmod +x sendmail broken"),
	   "a sendmail that keeps what it gets, one that fails");
	config_free(cfg);
	strbuf_reset(&sb);
	strbuf_addf(&sb,
		    "[tree]\n\tname = kvm-x86\n"
		    "\tcommitter = Kim Maintainer <kim@example.org>\n"
		    "[notify]\n\tfrom = Bot <bot@lists.example.net>\n"
		    "\tsendmail = %s/sendmail -t  -oi\n",
		    git_tmp);
	cfg = state_config(sb.buf);
	info = json_pack("{s:s, s:s, s:o, s:s, s:[{s:i, s:i, s:s, s:s, s:s}]}",
			 "topic", "x86/pmu", "branch", "refs/heads/x86/pmu",
			 "reply",
			 reply("", "pat@example.org", "patch-2@example.org"),
			 "why", "rebased onto v6.9-rc2", "changed", "number", 2,
			 "total", 2, "subject", "KVM: x86/pmu: Fix the second",
			 "old", "1111111111111111111111111111111111111111",
			 "new", "2222222222222222222222222222222222222222");
	ret = notify_sha1_changed(db, cfg, info, &id3, &err);
	json_decref(info);
	is_int(ret, 0, "notify_sha1_changed(): %s", err.buf);
	is_int(notify_deliver(db, cfg, &err), 0, "delivered with sendmail");
	column(id3, "state", &sb);
	is_str(sb.buf, "sent", "and sent");
	column(id3, "file", &file);
	strbuf_reset(&out);
	sh_out(&out, "cat args; cmp sent 'state/outbox/new/%s' && echo same",
	       file.buf);
	is_str(out.buf, "-t -oi\nsame\n",
	       "sendmail got its words and the mail of the outbox");
	parse(&out, id3, "From Message-ID");
	column(id3, "msgid", &sb);
	strbuf_reset(&want);
	strbuf_addf(&want,
		    "From: Bot <bot@lists.example.net>\n"
		    "Message-ID: <%s>\n"
		    "\n"
		    "Hi pat@example.org,\n"
		    "\n"
		    "The commits of your patches changed SHA1 in tree kvm-x86, "
		    "topic x86/pmu (branch x86/pmu) (rebased onto v6.9-rc2):\n"
		    "\n"
		    "[2/2] KVM: x86/pmu: Fix the second\n"
		    "      111111111111 -> 222222222222\n",
		    sb.buf);
	is_str(out.buf, want.buf,
	       "from [notify] from, greeting the address without a name");
	ok(ends_with(sb.buf, "@lists.example.net"),
	   "the Message-ID is on the From's domain");
	strbuf_reset(&err);

	strbuf_reset(&out);
	sh_out(&out, "ls state/outbox/new | wc -l; grep -c '^X-Cthulhu' sent");
	is_str(out.buf, "3\n1\n",
	       "delivering again sends none of those sent before");

	/* --- to the maintainer -------------------------------------------- */
	ret = notify_maintainer(db, cfg, "gate-ejected", "x86/pmu",
				"x86/pmu ejected from next", "Body.\n", &id4,
				&err);
	is_int(ret, 0, "notify_maintainer(): %s", err.buf);
	column(id4, "to_addr || ' ' || kind", &sb);
	is_str(sb.buf, "kim@example.org gate-ejected",
	       "without [notify] maintainer: to the committer");
	config_free(cfg);
	strbuf_reset(&sb);
	strbuf_addf(&sb,
		    "[tree]\n\tname = kvm-x86\n"
		    "\tcommitter = Kim Maintainer <kim@example.org>\n"
		    "[notify]\n\tmaintainer = Lee Lead <lee@example.org>\n"
		    "\tsendmail = %s/broken\n",
		    git_tmp);
	cfg = state_config(sb.buf);
	ret = notify_maintainer(db, cfg, "gate-ejected", "x86/pmu",
				"x86/pmu ejected from next", "Body.\n", &id4,
				&err);
	is_int(ret, 0, "notify_maintainer() to [notify] maintainer");
	notify_deliver(db, cfg, &err);
	parse(&out, id4, "To Subject In-Reply-To X-Cthulhu");
	is_str(out.buf,
	       "To: Lee Lead <lee@example.org>\n"
	       "Subject: x86/pmu ejected from next\n"
	       "In-Reply-To: (none)\n"
	       "X-Cthulhu: gate-ejected\n"
	       "\n"
	       "Body.\n",
	       "the mail: to the maintainer, the subject and body as given");
	column(id4, "state", &sb);
	is_str(sb.buf, "failed", "a sendmail that fails leaves the row failed");
	column(id4, "error", &sb);
	ok(strstr(sb.buf, "broken") != NULL, "with its error: %s", sb.buf);
	db_query_int(db, &n, &err,
		     "SELECT count(*) FROM notifications WHERE state = 'pending'",
		     "");
	is_int(n, 0, "and not pending, so never tried again");

	config_free(cfg);
	cfg = state_config("[tree]\n\tname = kvm-x86\n"
			   "\tcommitter = Kim Maintainer <kim@example.org>\n"
			   "[notify]\n\tmaintainer = not an address\n");
	ret = notify_maintainer(db, cfg, "gate-ejected", "x86/pmu", "s", "b",
				&id4, &err);
	is_int(ret, ERR_INVALID, "a [notify] maintainer that is no address");
	ok(strstr(err.buf, "not an address") != NULL, "is refused: %s",
	   err.buf);
	strbuf_reset(&err);

	/* --- an outbox that cannot be written ----------------------------- */
	config_free(cfg);
	cfg = state_config("[tree]\n\tname = kvm-x86\n"
			   "\tcommitter = Kim Maintainer <kim@example.org>\n");
	ok(!sh("mv state/outbox state/outbox.away && echo x > state/outbox"),
	   "a file where the outbox goes");
	ret = notify_maintainer(db, cfg, "gate-ejected", "x86/pmu", "Stuck",
				"b\n", &id4, &err);
	is_int(ret, 0, "a notification is made without the outbox");
	ret = notify_deliver(db, cfg, &err);
	ok(ret < 0 && strstr(err.buf, "outbox"), "notify_deliver() fails: %s",
	   err.buf);
	strbuf_reset(&err);
	column(id4, "state", &sb);
	is_str(sb.buf, "pending", "and the row stays pending");
	sh("rm state/outbox && mv state/outbox.away state/outbox");
	is_int(notify_deliver(db, cfg, &err), 0, "once the outbox is back");
	column(id4, "state", &sb);
	is_str(sb.buf, "sent", "the next delivery sends it");

	config_free(cfg);
	db_close(db);
	mail_global_release();
	repo_global_shutdown();
	git_cli_cleanup();
	strbuf_release(&err);
	strbuf_release(&out);
	strbuf_release(&sb);
	strbuf_release(&file);
	strbuf_release(&want);
	return done_testing();
}
