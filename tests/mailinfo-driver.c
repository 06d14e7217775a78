// SPDX-License-Identifier: GPL-2.0
/*
 * A check program for daemon/mail.c that speaks like git's plumbing, so
 * the tests can compare it with the real thing byte for byte:
 *
 *   mailinfo-driver [-k] [-b] [-m] [--scissors] [--no-inbody-headers]
 *                   [--quoted-cr=strip] MSG PATCH < MAIL > INFO
 *	as `git mailinfo -u`: the commit message to MSG, the patch to
 *	PATCH, Author/Email/Subject/Date to standard output.
 *   mailinfo-driver --split [--mboxrd] [-o DIR] MBOX
 *	as `git mailsplit`: prints the number of messages, then for each
 *	one line "N <bytes> <message-id> ... <flags> <subject>"; with -o,
 *	also writes the messages to DIR/0001, DIR/0002, ...
 *   mailinfo-driver --show MAIL
 *	every field of struct mail, for debugging.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/mail.h"
#include "lib/strbuf.h"

static int write_file(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		perror(path);
		return -1;
	}
	if (len && fwrite(buf, 1, len, f) != len) {
		perror(path);
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static int do_split(const char *path, enum mbox_format fmt, const char *dir)
{
	struct strbuf in = STRBUF_INIT, err = STRBUF_INIT;
	struct mbox mbox;
	size_t i;
	int ret;

	if (strbuf_read_file(&in, path) < 0) {
		perror(path);
		return 1;
	}
	ret = mbox_split(in.buf, in.len, fmt, &mbox, &err);
	if (ret < 0) {
		fprintf(stderr, "error: %s\n", err.buf);
		return 1;
	}
	printf("%zu\n", mbox.nr);
	for (i = 0; i < mbox.nr; i++) {
		struct mail *m;
		struct strbuf fl = STRBUF_INIT;

		if (dir) {
			/* git mailsplit keeps the "From " line */
			const char *from = in.buf + mbox.msgs[i].offset;
			const char *nl = memchr(from, '\n',
						in.len - mbox.msgs[i].offset);
			struct strbuf out = STRBUF_INIT;

			if (!strncmp(from, "From ", 5) && nl)
				strbuf_add(&out, from, nl - from + 1);
			strbuf_add(&out, mbox.msgs[i].data, mbox.msgs[i].len);
			strbuf_addf(&fl, "%s/%04zu", dir, i + 1);
			if (write_file(fl.buf, out.buf, out.len))
				return 1;
			strbuf_reset(&fl);
			strbuf_release(&out);
		}
		if (mail_parse(mbox.msgs[i].data, mbox.msgs[i].len, &m, &err) <
		    0) {
			printf("%zu %zu error: %s\n", i + 1, mbox.msgs[i].len,
			       err.buf);
			continue;
		}
		mail_flags_describe(m->flags, &fl);
		printf("%zu %zu <%s> v%d %d/%d diff=%d [%s] %s\n", i + 1,
		       mbox.msgs[i].len, m->message_id, m->prefix.version,
		       m->prefix.number, m->prefix.total, m->has_diff, fl.buf,
		       m->subject_clean);
		strbuf_release(&fl);
		mail_free(m);
	}
	mbox_release(&mbox);
	strbuf_release(&in);
	strbuf_release(&err);
	return 0;
}

static void show(const struct mail *m)
{
	struct strbuf fl = STRBUF_INIT;
	size_t i;

	mail_flags_describe(m->flags, &fl);
	printf("message-id: %s\nin-reply-to: %s\n", m->message_id,
	       m->in_reply_to);
	for (i = 0; i < m->nr_references; i++)
		printf("reference: %s\n", m->references[i]);
	printf("from: %s <%s>\ndate: %s (%lld %+d)\n", m->from_name,
	       m->from_email, m->date_raw, (long long)m->date, m->tz_offset);
	printf("subject: %s\nclean: %s\n", m->subject, m->subject_clean);
	printf("prefix: v%d %d/%d patch=%d rfc=%d resend=%d tags=",
	       m->prefix.version, m->prefix.number, m->prefix.total,
	       m->prefix.patch, m->prefix.rfc, m->prefix.resend);
	for (i = 0; i < m->prefix.nr_tags; i++)
		printf("%s'%s'", i ? "," : "", m->prefix.tags[i]);
	printf("\nauthor: %s <%s> %s (%lld %+d)\n", m->author_name,
	       m->author_email, m->author_date_raw, (long long)m->author_date,
	       m->author_tz_offset);
	for (i = 0; i < m->nr_to; i++)
		printf("to: %s <%s>\n", m->to[i].name, m->to[i].email);
	for (i = 0; i < m->nr_cc; i++)
		printf("cc: %s <%s>\n", m->cc[i].name, m->cc[i].email);
	for (i = 0; i < m->nr_trailers; i++)
		printf("trailer: %s: %s\n", m->trailers[i].key,
		       m->trailers[i].value);
	printf("base-commit: %s\n", m->base_commit);
	for (i = 0; i < m->nr_prereq_patch_ids; i++)
		printf("prerequisite-patch-id: %s\n", m->prereq_patch_ids[i]);
	printf("flags: %s\nhas-diff: %d\n--- body\n%s--- patch (%zu bytes)\n",
	       fl.buf, m->has_diff, m->body, m->patch_len);
	fwrite(m->patch, 1, m->patch_len, stdout);
	strbuf_release(&fl);
}

int main(int argc, char **argv)
{
	struct strbuf in = STRBUF_INIT, err = STRBUF_INIT;
	struct mail_opts opts = { 0 };
	enum mbox_format fmt = MBOX_MBOXO;
	bool split = false, do_show = false;
	const char *dir = NULL;
	struct mail *m;
	int i, ret = 0;

	mail_global_init();
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-k"))
			opts.keep_subject = true;
		else if (!strcmp(argv[i], "-b"))
			opts.keep_non_patch = true;
		else if (!strcmp(argv[i], "-u"))
			;
		else if (!strcmp(argv[i], "--scissors"))
			opts.scissors = true;
		else if (!strcmp(argv[i], "--no-inbody-headers"))
			opts.no_inbody_headers = true;
		else if (!strcmp(argv[i], "-m") ||
			 !strcmp(argv[i], "--message-id"))
			opts.add_message_id = true;
		else if (!strcmp(argv[i], "--quoted-cr=strip"))
			opts.strip_quoted_cr = true;
		else if (!strcmp(argv[i], "--split"))
			split = true;
		else if (!strcmp(argv[i], "--mboxrd"))
			fmt = MBOX_MBOXRD;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--show"))
			do_show = true;
		else
			goto usage;
	}
	if (split) {
		if (argc - i != 1)
			goto usage;
		ret = do_split(argv[i], fmt, dir);
		mail_global_release();
		return ret;
	}
	if (do_show) {
		if (argc - i != 1 || strbuf_read_file(&in, argv[i]) < 0)
			goto usage;
	} else {
		if (argc - i != 2)
			goto usage;
		if (strbuf_read_fd(&in, 0) < 0) {
			perror("stdin");
			return 1;
		}
	}
	if (mail_parse_opts(in.buf, in.len, &opts, &m, &err) < 0) {
		fprintf(stderr, "error: %s\n", err.buf);
		ret = 128;
		goto out;
	}
	if (do_show) {
		show(m);
		mail_free(m);
		goto out;
	}
	if (write_file(argv[i], m->body, strlen(m->body)) ||
	    write_file(argv[i + 1], m->patch, m->patch_len)) {
		ret = 1;
		goto out_mail;
	}
	if (*m->from_email || *m->from_name || *m->author_name) {
		printf("Author: %s\n", m->author_name);
		printf("Email: %s\n", m->author_email);
	}
	if (*m->subject_clean || *m->subject)
		printf("Subject: %s\n", m->subject_clean);
	if (*m->author_date_raw)
		printf("Date: %s\n", m->author_date_raw);
	printf("\n");
out_mail:
	mail_free(m);
out:
	strbuf_release(&in);
	strbuf_release(&err);
	mail_global_release();
	return ret;
usage:
	fprintf(stderr,
		"usage: mailinfo-driver [options] MSG PATCH < MAIL\n"
		"   or: mailinfo-driver --split [--mboxrd] [-o DIR] MBOX\n"
		"   or: mailinfo-driver --show MAIL\n");
	return 2;
}
