// SPDX-License-Identifier: GPL-2.0
/*
 * Table tests for daemon/mail.c and daemon/mail-identity.c: the synthetic
 * subject, series-marker, version, Message-ID and References cases of
 * patchwork's test_parser.py, git's inline t5100 cases, and the mbox
 * formats.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "daemon/mail-identity.h"
#include "daemon/mail.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tests/unit/tap.h"
#include "tests/unit/corpus.h"

static struct mail *parse(const char *raw)
{
	struct strbuf err = STRBUF_INIT;
	struct mail *m = NULL;

	if (mail_parse(raw, strlen(raw), &m, &err) < 0)
		printf("# mail_parse: %s\n", err.buf);
	strbuf_release(&err);
	return m;
}

static void test_clean_subject(void)
{
	static const struct {
		const char *in, *want, *want_k, *want_b;
	} t[] = {
		{ "[PATCH] [other] [PATCH] message", "message",
		  "[PATCH] [other] [PATCH] message", "[other] message" },
		{ "[PATCH] rewrite [a-z] regexes", "rewrite [a-z] regexes",
		  NULL, "rewrite [a-z] regexes" },
		{ "Re: meep", "meep", NULL, NULL },
		{ "[PATCH] meep \n meep", "meep meep", NULL, NULL },
		{ "[PATCH RFC 1/2] meep", "meep", NULL, NULL },
		{ "re: [PATCH] another patch", "another patch", NULL, NULL },
		{ "[Patch 2/2]: powerpc: fix", "powerpc: fix", NULL, NULL },
		{ "[net,v2,1/2] net: fix", "net: fix", NULL, NULL },
		{ "  [PATCH v3 0/7]   KVM:  x86: a	tab ",
		  "KVM: x86: a tab", NULL, NULL },
	};
	struct mail_opts k = { .keep_subject = true };
	struct mail_opts b = { .keep_non_patch = true };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		char *s = mail_subject_clean(t[i].in, NULL);

		is_str(s, t[i].want, "clean to '%s'", t[i].want);
		free(s);
		if (t[i].want_k) {
			s = mail_subject_clean(t[i].in, &k);
			is_str(s, t[i].want_k, "clean -k '%s'", t[i].in);
			free(s);
		}
		if (t[i].want_b) {
			s = mail_subject_clean(t[i].in, &b);
			is_str(s, t[i].want_b, "clean -b '%s'", t[i].in);
			free(s);
		}
	}
}

static void test_prefix(void)
{
	static const struct {
		const char *subject;
		int version, number, total;
		bool rfc, resend;
		const char *tags;
	} t[] = {
		{ "[PATCH RFC 1/2] meep", 1, 1, 2, true, false,
		  "PATCH,RFC,1/2" },
		{ "[PATCH 1 of 2] meep", 1, 1, 2, false, false,
		  "PATCH,1,of,2" },
		{ "[PATCH1/8] meep", 1, 1, 8, false, false, "PATCH1/8" },
		{ "[v2.3PATCH1/4] meep", 1, 1, 4, false, false,
		  "v2.3PATCH1/4" },
		{ "[0/12] meep", 1, 0, 12, false, false, "0/12" },
		{ "[PATCH V6] meep", 6, -1, -1, false, false, "PATCH,V6" },
		{ "Hello, world (v2)", 2, -1, -1, false, false, "" },
		{ "[PATCH version] meep", 1, -1, -1, false, false,
		  "PATCH,version" },
		{ "[PATCH,RFC] meep", 1, -1, -1, true, false, "PATCH,RFC" },
		{ "[net,v2,1/2] net: x", 2, 1, 2, false, false, "net,v2,1/2" },
		{ "[PATCH kvm-unit-tests v3 2/5] x86: y", 3, 2, 5, false, false,
		  "PATCH,kvm-unit-tests,v3,2/5" },
		{ "[PATCH RESEND v4 0/7] KVM: z", 4, 0, 7, false, true,
		  "PATCH,RESEND,v4,0/7" },
		{ "Re: [PATCH v2 3/3] KVM: z", 2, 3, 3, false, false,
		  "PATCH,v2,3/3" },
		{ "[Patch 2/2]: powerpc", 1, 2, 2, false, false, "Patch,2/2" },
		{ "[PATCH net-next v3 0/4] net: dsa: (v3)", 3, 0, 4, false,
		  false, "PATCH,net-next,v3,0/4" },
		{ "[PATCH] rewrite [a-z] regexes", 1, -1, -1, false, false,
		  "PATCH" },
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct mail_prefix p;
		struct strbuf tags = STRBUF_INIT;

		mail_prefix_parse(t[i].subject, &p);
		for (j = 0; j < p.nr_tags; j++)
			strbuf_addf(&tags, "%s%s", j ? "," : "", p.tags[j]);
		is_int(p.version, t[i].version, "version of '%s'",
		       t[i].subject);
		is_int(p.number, t[i].number, "number of '%s'", t[i].subject);
		is_int(p.total, t[i].total, "total of '%s'", t[i].subject);
		is_int(p.rfc, t[i].rfc, "rfc of '%s'", t[i].subject);
		is_int(p.resend, t[i].resend, "resend of '%s'", t[i].subject);
		is_str(tags.buf, t[i].tags, "tags of '%s'", t[i].subject);
		strbuf_release(&tags);
		mail_prefix_release(&p);
	}
}

static void test_subject_name(void)
{
	char *s = mail_subject_name(
		"[PATCH net-next v3 0/4] net: dsa: Multi-CPU ground work (v3)");

	is_str(s, "net: dsa: Multi-CPU ground work", "name drops '(v3)'");
	free(s);
	s = mail_subject_name("Re: [PATCH v2 1/2] KVM: x86: fix");
	is_str(s, "KVM: x86: fix", "name drops Re: and prefix");
	free(s);
}

static void test_msgid(void)
{
	char *s;

	s = mail_msgid_parse(
		"<xnzgy1de8d.fsf@rhel8.vm> (message ID with a comment)");
	is_str(s, "xnzgy1de8d.fsf@rhel8.vm", "Message-ID comment stripped");
	free(s);
	s = mail_msgid_parse("(comment <not@this>) <real@id>");
	is_str(s, "real@id", "an id inside a comment is skipped");
	free(s);
	s = mail_msgid_parse(" 5899d592-9bb7-4ccb@radware.com>");
	is_str(s, "5899d592-9bb7-4ccb@radware.com",
	       "broken id without '<' accepted");
	free(s);
	s = mail_msgid_parse("   ");
	ok(s == NULL, "blank Message-ID gives nothing");
	free(s);
}

static void test_headers(void)
{
	struct mail *m;
	struct strbuf fl = STRBUF_INIT;

	m = parse(
		"From: =?utf-8?q?Rafa=C5=82_Mi=C5=82ecki?= <zajec5@gmail.com>\n"
		"Subject: =?utf-8?q?test=20s=c3=bcbject?=\n"
		"Message-Id: <a@b> (comment)\n"
		"In-Reply-To: <irt@x> (with a comment)\n"
		"References: <one@x> <two@x>\n <irt@x> <one@x>\n"
		"To: Maintainer <m@example.org>, other@example.org\n"
		"Cc: \"Last, First\" <lf@example.org>\n"
		"Date: Tue, 13 Jun 2017 12:17:22 -0700\n"
		"\n"
		"Body.\n");
	if (!ok(m != NULL, "headers mail parses"))
		return;
	is_str(m->subject, "test sübject", "q-encoded subject decoded");
	is_str(m->from_name, "Rafał Miłecki", "q-encoded From name decoded");
	is_str(m->from_email, "zajec5@gmail.com", "From address");
	is_str(m->message_id, "a@b", "Message-Id without brackets and comment");
	is_str(m->in_reply_to, "irt@x", "In-Reply-To comment stripped");
	is_int(m->nr_references, 3, "references de-duplicated");
	if (m->nr_references == 3) {
		is_str(m->references[0], "irt@x", "In-Reply-To first");
		is_str(m->references[1], "two@x",
		       "then References newest first");
		is_str(m->references[2], "one@x", "oldest last");
	}
	is_int(m->nr_to, 2, "two To addresses");
	is_int(m->nr_cc, 1, "one Cc address");
	if (m->nr_cc)
		is_str(m->cc[0].name, "Last, First", "quoted Cc name");
	is_int(m->date, 1497381442, "Date as unix time");
	is_int(m->tz_offset, -420, "Date time zone in minutes");
	is_int(m->flags, 0, "no flags");
	mail_free(m);

	m = parse("From: =?utf-8?b?UmFmYcWCIE1pxYJlY2tp?= <r@example.org>\n"
		  "Subject: x\nMessage-Id: <b@c>\n\nbody\n");
	if (ok(m != NULL, "b-encoded From parses"))
		is_str(m->from_name, "Rafał Miłecki", "b-encoded From name");
	mail_free(m);

	m = parse("From: testH=?UTF-8?B?w6E=?=user=?UTF-8?B?w6E=?=\n"
		  "Subject: x\n\nbody\n");
	if (ok(m != NULL, "From without address parses")) {
		ok(m->flags & MAIL_NO_FROM, "From without address flagged");
		ok(m->flags & MAIL_NO_MESSAGE_ID, "missing Message-ID flagged");
		ok(strstr(m->message_id, "@cthulhu.invalid") != NULL,
		   "missing Message-ID replaced by a hash id");
		mail_flags_describe(m->flags, &fl);
		is_str(fl.buf, "no-message-id,no-from,bad-date",
		       "flags described");
	}
	mail_free(m);
	strbuf_release(&fl);

	m = parse("From:Real Name <real@example.org>\nSubject: s\n\nb\n");
	if (ok(m != NULL, "From: without a space parses")) {
		is_str(m->from_name, "Real Name",
		       "From: without a space, name");
		is_str(m->from_email, "real@example.org", "and address");
	}
	mail_free(m);
}

static void test_body(void)
{
	struct strbuf msg = STRBUF_INIT;
	struct mail *m;

	m = parse(
		"From: Sender <sender@example.org>\n"
		"Subject: [PATCH v2 1/2] KVM: x86: Fix the thing\n"
		"Message-Id: <p1@x>\n"
		"Date: Tue, 13 Jun 2017 12:17:22 -0700\n"
		"\n"
		"From: Real Author <real@example.org>\n"
		"Date: Mon, 12 Jun 2017 10:00:00 +0200\n"
		"\n"
		"Explain the fix.\n"
		"\n"
		"> Acked-by: Quoted <q@example.org>\n"
		"Reviewed-by: Rev Iewer <rev@example.org>\n"
		"Signed-off-by: Real Author <real@example.org>\n"
		"---\n"
		" a | 2 +-\n"
		"\n"
		"diff --git a/a b/a\n"
		"--- a/a\n"
		"+++ b/a\n"
		"@@ -1 +1 @@\n"
		"-a\n"
		"+b\n"
		"\n"
		"base-commit: 0123456789abcdef0123456789abcdef01234567\n"
		"prerequisite-patch-id: fedcba9876543210fedcba9876543210fedcba98\n"
		"-- \n2.40.0\n");
	if (!ok(m != NULL, "patch mail parses"))
		return;
	is_str(m->author_name, "Real Author",
	       "in-body From: wins for the author");
	is_str(m->author_email, "real@example.org", "in-body From: address");
	is_str(m->from_email, "sender@example.org", "From: header kept");
	is_int(m->author_date, 1497254400, "in-body Date: wins");
	is_int(m->author_tz_offset, 120, "in-body Date: zone");
	is_str(m->subject_clean, "KVM: x86: Fix the thing", "cleaned subject");
	is_str(m->body,
	       "Explain the fix.\n\n> Acked-by: Quoted <q@example.org>\n"
	       "Reviewed-by: Rev Iewer <rev@example.org>\n"
	       "Signed-off-by: Real Author <real@example.org>\n",
	       "body up to ---, in-body headers consumed");
	ok(!strncmp(m->patch, "---\n a | 2 +-", 13), "patch starts at ---");
	ok(m->has_diff, "has a diff");
	is_int(mail_count_trailers(m, "acked-by"), 0, "quoted trailer ignored");
	is_int(mail_count_trailers(m, "Reviewed-by"), 1, "Reviewed-by found");
	is_int(m->nr_trailers, 2, "two trailers");
	is_str(m->base_commit, "0123456789abcdef0123456789abcdef01234567",
	       "base-commit");
	is_int(m->nr_prereq_patch_ids, 1, "one prerequisite-patch-id");
	mail_commit_message(m, &msg);
	is_str(msg.buf,
	       "KVM: x86: Fix the thing\n\nExplain the fix.\n\n"
	       "> Acked-by: Quoted <q@example.org>\n"
	       "Reviewed-by: Rev Iewer <rev@example.org>\n"
	       "Signed-off-by: Real Author <real@example.org>\n",
	       "commit message as git am makes it");
	strbuf_release(&msg);
	mail_free(m);

	/* quoted-printable, ISO-8859-1: message converted, patch kept */
	m = parse("From: A <a@example.org>\nSubject: [PATCH] q\n"
		  "Message-Id: <qp@x>\nMIME-Version: 1.0\n"
		  "Content-Type: text/plain; charset=ISO-8859-1\n"
		  "Content-Transfer-Encoding: quoted-printable\n\n"
		  "K=E5gedal wrote this.\n---\n-K=E5\n+Ka\n");
	if (ok(m != NULL, "quoted-printable mail parses")) {
		is_str(m->body, "Kågedal wrote this.\n", "QP body to UTF-8");
		is_str(m->patch, "---\n-K\xe5\n+Ka\n",
		       "patch bytes unconverted");
	}
	mail_free(m);
}

static void test_malformed(void)
{
	struct strbuf err = STRBUF_INIT;
	struct mail *m = NULL;
	static const char junk[] = "\x01\x02\x03\xff\xfe binary junk\x00\x00 x";

	is_int(mail_parse("", 0, &m, &err), ERR_UNPROCESSABLE,
	       "empty mail refused");
	ok(m == NULL && err.len, "with a message: %s", err.buf);
	is_int(mail_parse(junk, sizeof(junk) - 1, &m, &err), ERR_UNPROCESSABLE,
	       "binary junk refused");
	ok(m == NULL && err.len, "with a message: %s", err.buf);
	is_int(mail_parse("just some text\nand more\n", 24, &m, &err),
	       ERR_UNPROCESSABLE, "text without headers refused");
	strbuf_release(&err);
}

static void test_mbox(void)
{
	static const char rd[] = "From a@b Mon Sep 17 00:00:00 2001\n"
				 "Subject: one\n\n>From here\n>>From there\n"
				 "From not a separator\n"
				 "From b@c Tue Sep 18 00:00:00 2001\n"
				 "Subject: two\r\n\r\nbody\r\n";
	static const char single[] = "\n\nSubject: only\n\nFrom me\n";
	struct strbuf err = STRBUF_INIT;
	struct mbox mb;

	if (ok(!mbox_split(rd, sizeof(rd) - 1, MBOX_MBOXRD, &mb, &err),
	       "mboxrd splits")) {
		is_int(mb.nr, 2,
		       "two messages (a 'From ' line without a date is body)");
		is_str(mb.msgs[0].data,
		       "Subject: one\n\nFrom here\n>From there\n"
		       "From not a separator\n",
		       "mboxrd unescaped");
		is_str(mb.msgs[1].data, "Subject: two\n\nbody\n", "CRLF to LF");
		mbox_release(&mb);
	}
	if (ok(!mbox_split(rd, sizeof(rd) - 1, MBOX_MBOXO, &mb, &err),
	       "mboxo splits")) {
		is_str(mb.msgs[0].data,
		       "Subject: one\n\n>From here\n>>From there\n"
		       "From not a separator\n",
		       "mboxo leaves >From alone");
		mbox_release(&mb);
	}
	if (ok(!mbox_split(single, sizeof(single) - 1, MBOX_AUTO, &mb, &err),
	       "a single message without a From_ line")) {
		is_int(mb.nr, 1, "is one message");
		is_str(mb.msgs[0].data, "Subject: only\n\nFrom me\n",
		       "leading blank lines dropped");
		mbox_release(&mb);
	}
	is_int(mbox_split(" \n\n", 3, MBOX_AUTO, &mb, &err), ERR_UNPROCESSABLE,
	       "an empty mailbox is refused");
	strbuf_release(&err);
}

/*
 * patchwork's PatchParseTest git_pull_* cases on the corpus files, with
 * the pull URLs its test_parser.py expects (exact where it says one).
 */
static void test_pull_url(void)
{
	static const struct {
		const char *file, *url;
	} t[] = {
		{ "0001-git-pull-request.mbox",
		  "git://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next" },
		{ "0002-git-pull-request-wrapped.mbox",
		  "git://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next" },
		{ "0003-git-pull-request-with-diff.mbox",
		  "git://git.kernel.org/pub/scm/linux/kernel/git/tip/linux-2.6-tip.git x86-fixes-for-linus" },
		{ "0004-git-pull-request-git+ssh.mbox",
		  "git+ssh://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next" },
		{ "0005-git-pull-request-ssh.mbox",
		  "ssh://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next" },
		{ "0006-git-pull-request-http.mbox",
		  "http://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next" },
		{ "0017-git-pull-request-git-2-14-3.mbox",
		  "git://git.kernel.org/pub/scm/linux/kernel/git/davem/net" },
		{ "0023-git-pull-request-newline-in-url.mbox",
		  "https://git.kernel.org/pub/scm/linux/kernel/git/matthias.bgg/linux.git/ tags/v5.4-next-soc" },
		{ "0024-git-pull-request-trailing-space.mbox",
		  "git://git.kernel.org/pub/scm/linux/kernel/git/nsekhar/linux-davinci.git tags/davinci-for-v5.6/soc" },
		{ "0013-with-utf8-body.mbox", "" },
	};
	static const struct {
		const char *text, *url;
	} s[] = {
		{ "The following changes since commit 1234:\n\n  x\n\n"
		  "are available in the git repository at:\n\n"
		  "  git@github.com:foo/bar.git for-linus\n",
		  "git@github.com:foo/bar.git for-linus" },
		{ "are available in the git repository at:\n\n"
		  "  git://a.org/b.git next\n",
		  NULL },
		{ "The following changes since commit 1234:\n"
		  "are available in the git repository at: git://a.org/b next\n",
		  NULL },
		{ "The following changes since commit 1234:\n"
		  "are available in the git repository at:\n"
		  "  git://a.org/b.git,\n",
		  NULL },
	};
	bool corpus = have_corpus("the pull URL checks on its files");
	struct strbuf path = STRBUF_INIT, buf = STRBUF_INIT;
	struct strbuf err = STRBUF_INIT;
	struct mail *m;
	size_t i;
	char *u;

	for (i = 0; corpus && i < ARRAY_SIZE(t); i++) {
		strbuf_reset(&path);
		strbuf_reset(&buf);
		strbuf_addf(&path, "%s/patchwork/mail/%s", corpus_dir(),
			    t[i].file);
		if (strbuf_read_file(&buf, path.buf) < 0) {
			ok(0, "read %s", path.buf);
			continue;
		}
		m = NULL;
		if (!ok(!mail_parse(buf.buf, buf.len, &m, &err), "%s parses",
			t[i].file)) {
			printf("# %s\n", err.buf);
			continue;
		}
		is_str(m->pull_url, t[i].url, "%s: pull URL", t[i].file);
		mail_free(m);
	}
	for (i = 0; i < ARRAY_SIZE(s); i++) {
		u = mail_pull_url(s[i].text);
		if (s[i].url)
			is_str(u, s[i].url, "pull URL '%s'", s[i].url);
		else
			ok(!u, "no pull URL in text %zu", i);
		free(u);
	}
	strbuf_release(&path);
	strbuf_release(&buf);
	strbuf_release(&err);
}

/*
 * patchwork's SenderCorrelationTest: a From: a mailing list rewrote for
 * DMARC ("Name via List" <list@...>) gets its author back from
 * X-Original-From:, else a Reply-To: or Cc: entry with the same name.
 */
static void test_dmarc(void)
{
	static const struct {
		const char *what, *headers, *name, *email;
		bool flagged;
	} t[] = {
		{ "Mailman, Reply-To",
		  "From: \"Tony Luck via Linux-nvdimm\" <linux-nvdimm@lists.01.org>\n"
		  "Reply-To: Tony Luck <tony.luck@intel.com>\n",
		  "Tony Luck", "tony.luck@intel.com", true },
		{ "Google Groups, X-Original-From",
		  "From: \"'Jane Doe' via kasan-dev\" <kasan-dev@googlegroups.com>\n"
		  "X-Original-From: Jane Doe <jane@example.org>\n"
		  "Reply-To: jane@example.org\n",
		  "Jane Doe", "jane@example.org", true },
		{ "X-Original-From before Reply-To",
		  "From: Bob via List <list@lists.example.org>\n"
		  "Reply-To: Bob <bob@reply.example.org>\n"
		  "X-Original-From: bob@orig.example.org\n",
		  "Bob", "bob@orig.example.org", true },
		{ "reply to list: the author is in Cc",
		  "From: \"Bob Smith via List\" <list@lists.example.org>\n"
		  "Reply-To: list@lists.example.org\n"
		  "Cc: Alice <alice@example.org>, Bob Smith <bob@example.org>\n",
		  "Bob Smith", "bob@example.org", true },
		{ "Reply-To with several addresses",
		  "From: \"Bob via List\" <list@lists.example.org>\n"
		  "Reply-To: List <list@lists.example.org>,\n"
		  " Bob <bob@example.org>\n",
		  "Bob", "bob@example.org", true },
		{ "Mailman without a list name",
		  "From: \"Bob via\" <list@lists.example.org>\n"
		  "Reply-To: Bob <bob@example.org>\n",
		  "Bob", "bob@example.org", true },
		{ "the last ' via ' splits",
		  "From: \"Rob via Bob via List\" <list@lists.example.org>\n"
		  "Cc: Rob via Bob <rob@example.org>\n",
		  "Rob via Bob", "rob@example.org", true },
		{ "encoded name",
		  "From: =?utf-8?q?J=C3=B6rg_via_List?= <list@lists.example.org>\n"
		  "Cc: =?utf-8?q?J=C3=B6rg?= <joerg@example.org>\n",
		  "J\xc3\xb6rg", "joerg@example.org", true },
		{ "no name matches: kept as it is",
		  "From: \"Bob via List\" <list@lists.example.org>\n"
		  "Reply-To: Robert <bob@example.org>\n"
		  "Cc: Bobby <bobby@example.org>\n",
		  "Bob via List", "list@lists.example.org", false },
		{ "not munged: Reply-To is not the author",
		  "From: Ann Author <ann@example.org>\n"
		  "Reply-To: Ann Author <other@example.org>\n"
		  "X-Original-From: Someone <someone@example.org>\n",
		  "Ann Author", "ann@example.org", false },
		{ "'via' inside a word is not munging",
		  "From: Viadukt Obvia <v@example.org>\n"
		  "Cc: Viadukt <x@example.org>\n",
		  "Viadukt Obvia", "v@example.org", false },
	};
	struct strbuf raw = STRBUF_INIT;
	struct mail *m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		strbuf_reset(&raw);
		strbuf_addf(&raw,
			    "%sSubject: [PATCH] x: y\n"
			    "Message-Id: <dmarc-%zu@example.org>\n"
			    "Date: Mon, 1 Jan 2024 00:00:00 +0000\n\n"
			    "Body.\n\nSigned-off-by: A <a@example.org>\n---\n"
			    "diff --git a/f b/f\n--- a/f\n+++ b/f\n"
			    "@@ -1 +1 @@\n-a\n+b\n",
			    t[i].headers, i);
		m = parse(raw.buf);
		if (!ok(m != NULL, "%s: parses", t[i].what))
			continue;
		is_str(m->from_name, t[i].name, "%s: name", t[i].what);
		is_str(m->from_email, t[i].email, "%s: email", t[i].what);
		is_str(m->author_email, t[i].email, "%s: git am author",
		       t[i].what);
		is_int(!!(m->flags & MAIL_DMARC_FROM), t[i].flagged,
		       "%s: flagged %s", t[i].what,
		       t[i].flagged ? "dmarc-from" : "not");
		mail_free(m);
	}
	strbuf_release(&raw);
}

/* Series grouping's sender identity: mail_same_sender() and rewrites. */
static void test_same_sender(void)
{
	static const struct {
		const char *n1, *e1, *n2, *e2, *how;
	} t[] = {
		{ "Jane Doe", "jane@example.org", "J. Doe", "JANE@Example.org",
		  "same address" },
		{ "Jane Doe", "jane-Qx7bS5mD1kLW3Pz0a9cA4g@public.gmane.org",
		  "Jane Doe", "jane@example.org", "same name" },
		{ "jane-Qx7bS5mD1kLW3Pz0a9cA4g@public.gmane.org",
		  "jane-Qx7bS5mD1kLW3Pz0a9cA4g@public.gmane.org", "Jane Doe",
		  "jane@example.org", "gmane address" },
		{ "Jane Doe", "jane@example.org",
		  "jane-Qx7bS5mD1kLW3Pz0a9cA4g@public.gmane.org",
		  "jane-Qx7bS5mD1kLW3Pz0a9cA4g@public.gmane.org",
		  "gmane address" },
		{ "", "john-Qx7bS5mD1kLW3Pz0a9cA4g@public.gmane.org",
		  "Jane Doe", "jane@example.org", NULL },
		{ "Jane Doe via Linux-kernel", "linux-kernel@vger.kernel.org",
		  "Jane Doe", "jane@example.org", "same name (via a list)" },
		{ "'Jane Doe' via kasan-dev", "kasan-dev@googlegroups.com",
		  "Other Person via kasan-dev", "kasan-dev@googlegroups.com",
		  NULL },
		{ "Jane Doe via groups.io", "jane=example.org@groups.io", "J D",
		  "jane@example.org", "list-rewritten address" },
		{ "", "jane at example dot org", "", "jane@example.org",
		  "list-rewritten address" },
		{ "", "SRS0=abcd=XY=example.org=jane@fwd.example.net", "",
		  "jane@example.org", "list-rewritten address" },
		{ "Doe, Jane", "jd@corp.example", "\"jane  doe\"",
		  "jane@example.org", "same name" },
		{ "Jane Doe", "jane@example.org", "John Doe",
		  "john@example.org", NULL },
		{ "", "", "", "", NULL },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		is_str(mail_same_sender(t[i].n1, t[i].e1, t[i].n2, t[i].e2),
		       t[i].how, "'%s <%s>' and '%s <%s>': %s", t[i].n1,
		       t[i].e1, t[i].n2, t[i].e2, t[i].how ? t[i].how : "not");
	ok(mail_sender_rewritten("Jane Doe",
				 "jane-Qx7bS5mD1kLW3Pz0a9cA4g@public.gmane.org"),
	   "a gmane address is rewritten");
	ok(mail_sender_rewritten("Jane Doe via KVM", "kvm@vger.kernel.org"),
	   "a ' via List' From: is rewritten");
	ok(!mail_sender_rewritten("Jane Doe", "Jane@Example.org"),
	   "a plain address is not");
}

/* Encoded words carrying controls or an address of their own. */
static void test_hostile_from(void)
{
	static const struct {
		const char *from, *name, *email;
	} t[] = {
		{ "=?utf-8?q?Evil=0D=0ABcc:_x@attacker.example?= "
		  "<evil@example.com>",
		  "evil@example.com", "evil@example.com" },
		{ "=?utf-8?q?Evil=0D=0ABcc=3A_x@attacker.example?= "
		  "<evil@example.com>",
		  "evil@example.com", "evil@example.com" },
		{ "=?utf-8?q?Mal=1B]0;t=07lory_=C2=9BX?= <m@example.org>",
		  "Mal]0;tlory X", "m@example.org" },
		{ "=?utf-8?q?Tab=09Name?= <t@example.org>", "Tab Name",
		  "t@example.org" },
		{ "\"Last, First\" <lf@example.org>", "Last, First",
		  "lf@example.org" },
		{ "first.last@example.org (First Last)", "First Last",
		  "first.last@example.org" },
	};
	struct strbuf raw = STRBUF_INIT;
	struct mail *m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		strbuf_reset(&raw);
		strbuf_addf(&raw,
			    "From: %s\nSubject: =?utf-8?q?[PATCH]_x=1B]0;p=07"
			    "=1B[2J=0D=0AFake:_y=C2=85?=\n"
			    "Message-Id: <h%zu@example.org>\n\nbody\n",
			    t[i].from, i);
		m = parse(raw.buf);
		ok(m != NULL, "hostile From %zu parses", i);
		if (!m)
			continue;
		is_str(m->from_name, t[i].name, "hostile From %zu: name", i);
		is_str(m->from_email, t[i].email, "hostile From %zu: address",
		       i);
		is_str(m->subject, "[PATCH] x]0;p[2J  Fake: y",
		       "subject %zu without controls", i);
		mail_free(m);
	}
	strbuf_release(&raw);
}

int main(void)
{
	mail_global_init();
	test_clean_subject();
	test_prefix();
	test_subject_name();
	test_msgid();
	test_headers();
	test_body();
	test_malformed();
	test_mbox();
	test_pull_url();
	test_dmarc();
	test_same_sender();
	test_hostile_from();
	mail_global_release();
	return done_testing();
}
