/* SPDX-License-Identifier: GPL-2.0 */
/*
 * apply-driver: apply patch mail to a branch with apply.c, outside the
 * daemon, so that tests can compare the commits with `git am`.
 *
 *   apply-driver [options] REPO REF --mbox FILE
 *   apply-driver [options] REPO REF --mailinfo DIR...
 *   apply-driver [options] --each REPO (--mbox|--mailinfo) REF=PATH...
 *
 * --mbox parses FILE with mail.c and applies every message holding a
 * diff, in file order; --mailinfo takes, per DIR, the info, msg and patch
 * files that `git mailinfo -u DIR/msg DIR/patch <mail >DIR/info` writes.
 * REF moves (compare-and-swap) unless --dry-run.  Prints one line per
 * patch: "<commit> <patch-id> apply|3way".  With --each, every PATH is
 * applied to its own REF, the lines start with "REF ", a failure is
 * reported on stderr and the others go on (exit 1 if any failed).
 *
 * Options: --committer "Name <email>" (required), --committer-date
 * "EPOCH +HHMM", --no-signoff, --link TEMPLATE, -3.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gmime/gmime.h>

#include "daemon/apply.h"
#include "lib/error.h"
#include "daemon/mail.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: apply-driver [--committer ID] [--committer-date 'T TZ'] [--no-signoff] [--link TPL] [-3] [--dry-run] REPO REF (--mbox FILE | --mailinfo DIR...)\n");
	exit(2);
}

static int parse_tz(const char *s, int *tz)
{
	int v, sign = 1;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (strlen(s) != 4)
		return -1;
	v = atoi(s);
	*tz = sign * ((v / 100) * 60 + v % 100);
	return 0;
}

struct input {
	struct apply_patch p;
	struct strbuf info, msg, patch;
	char *name, *email, *date;
	struct mail *mail;
};

static char *info_field(const struct strbuf *info, const char *key)
{
	const char *p = info->buf;
	size_t klen = strlen(key);

	while (*p) {
		const char *e = strchrnul(p, '\n');

		if (!strncmp(p, key, klen) && p[klen] == ':' &&
		    p[klen + 1] == ' ')
			return xstrndup(p + klen + 2, e - p - klen - 2);
		p = *e ? e + 1 : e;
	}
	return xstrdup("");
}

static int read_mailinfo(struct input *in, const char *dir)
{
	struct strbuf path = STRBUF_INIT, subject_msg = STRBUF_INIT;
	GDateTime *dt;
	char *subject;

	strbuf_addf(&path, "%s/info", dir);
	if (strbuf_read_file(&in->info, path.buf) < 0)
		goto fail;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/msg", dir);
	if (strbuf_read_file(&in->msg, path.buf) < 0)
		goto fail;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/patch", dir);
	if (strbuf_read_file(&in->patch, path.buf) < 0)
		goto fail;

	in->name = info_field(&in->info, "Author");
	in->email = info_field(&in->info, "Email");
	in->date = info_field(&in->info, "Date");
	subject = info_field(&in->info, "Subject");
	/* What builtin/am.c parse_mail() does with the mailinfo output. */
	strbuf_addstr(&subject_msg, subject);
	strbuf_addstr(&subject_msg, "\n\n");
	strbuf_addbuf(&subject_msg, &in->msg);
	free(subject);
	strbuf_release(&in->msg);
	in->msg = subject_msg;

	if (!*in->date) {
		in->p.date_missing = true;
		dt = g_date_time_new_now_utc();
	} else {
		dt = g_mime_utils_header_decode_date(in->date);
	}
	if (!dt) {
		fprintf(stderr, "%s: bad date '%s'\n", dir, in->date);
		strbuf_release(&path);
		return -1;
	}
	in->p.author_time = g_date_time_to_unix(dt);
	in->p.author_tz =
		(int)(g_date_time_get_utc_offset(dt) / G_TIME_SPAN_MINUTE);
	g_date_time_unref(dt);

	in->p.name = xstrdup(dir);
	in->p.author_name = in->name;
	in->p.author_email = in->email;
	in->p.message = in->msg.buf;
	in->p.diff = in->patch.buf;
	in->p.diff_len = in->patch.len;
	strbuf_release(&path);
	return 0;
fail:
	fprintf(stderr, "cannot read %s: %s\n", path.buf, strerror(errno));
	strbuf_release(&path);
	return -1;
}

/* Append the patches of one mailinfo folder to in[]; -1 on error. */
static int load_mailinfo(const char *dir, struct input **in, size_t *nr)
{
	*in = xrealloc(*in, (*nr + 1) * sizeof(**in));
	memset(&(*in)[*nr], 0, sizeof(**in));
	strbuf_init(&(*in)[*nr].info, 0);
	strbuf_init(&(*in)[*nr].msg, 0);
	strbuf_init(&(*in)[*nr].patch, 0);
	if (read_mailinfo(&(*in)[*nr], dir) < 0)
		return -1;
	(*nr)++;
	return 0;
}

/* Append every message with a diff of an mbox file to in[]. */
static int load_mbox(const char *path, struct input **in, size_t *nr)
{
	struct strbuf err = STRBUF_INIT, file = STRBUF_INIT;
	struct mbox mbox = { 0 };
	size_t i;
	int ret = -1;

	mail_global_init();
	if (strbuf_read_file(&file, path) < 0 ||
	    mbox_split(file.buf, file.len, MBOX_AUTO, &mbox, &err) < 0) {
		fprintf(stderr, "apply-driver: cannot read %s: %s\n", path,
			err.buf);
		goto out;
	}
	for (i = 0; i < mbox.nr; i++) {
		struct mail *m;
		char name[64];

		if (mail_parse(mbox.msgs[i].data, mbox.msgs[i].len, &m, &err) <
		    0) {
			fprintf(stderr, "apply-driver: %s: message %zu: %s\n",
				path, i + 1, err.buf);
			goto out;
		}
		if (!m->has_diff) {
			mail_free(m);
			continue;
		}
		*in = xrealloc(*in, (*nr + 1) * sizeof(**in));
		memset(&(*in)[*nr], 0, sizeof(**in));
		strbuf_init(&(*in)[*nr].msg, 0);
		snprintf(name, sizeof(name), "message %zu", i + 1);
		apply_patch_from_mail(&(*in)[*nr].p, m, xstrdup(name),
				      &(*in)[*nr].msg);
		(*in)[*nr].mail = m;
		(*nr)++;
	}
	ret = 0;
out:
	mbox_release(&mbox);
	strbuf_release(&file);
	strbuf_release(&err);
	return ret;
}

/* Apply in[0..nr) to ref; print one line per patch. */
static int run(struct repo *repo, const char *ref, struct input *in, size_t nr,
	       const struct apply_opts *opts, bool dry_run, const char *prefix)
{
	struct strbuf err = STRBUF_INIT;
	struct apply_done *done = xcalloc(nr ? nr : 1, sizeof(*done));
	struct apply_patch *ps = xcalloc(nr ? nr : 1, sizeof(*ps));
	char tip[APPLY_HEXSZ + 1];
	size_t i;
	int ret;

	for (i = 0; i < nr; i++)
		ps[i] = in[i].p;
	if (dry_run) {
		ret = repo_ref_oid(repo, ref, tip, &err);
		if (!ret)
			ret = apply_onto(repo, tip, ps, nr, opts, done, &err);
	} else {
		ret = apply_to_ref(repo, ref, NULL, ps, nr, opts, done, tip,
				   &err);
	}
	if (ret < 0)
		fprintf(stderr, "apply-driver: %s%s\n", prefix, err.buf);
	for (i = 0; !ret && i < nr; i++)
		printf("%s%s %s %s\n", prefix, done[i].commit, done[i].patch_id,
		       done[i].three_way ? "3way" : "apply");
	free(ps);
	free(done);
	strbuf_release(&err);
	return ret;
}

int main(int argc, char **argv)
{
	struct apply_opts opts = { .signoff = true };
	struct strbuf err = STRBUF_INIT;
	const char *repo_path, *ref;
	struct input *in = NULL;
	struct repo *repo;
	bool dry_run = false, each = false;
	size_t nr = 0;
	int failed = 0;

	argv++;
	for (; *argv && argv[0][0] == '-'; argv++) {
		if (!strcmp(*argv, "--committer") && argv[1]) {
			const char *id = *++argv, *lt = strchr(id, '<');
			const char *gt = lt ? strchr(lt, '>') : NULL;

			if (!gt)
				usage();
			opts.committer_name = xstrndup(id, lt - id);
			opts.committer_email = xstrndup(lt + 1, gt - lt - 1);
		} else if (!strcmp(*argv, "--committer-date") && argv[1]) {
			char *sp;

			opts.committer_time = strtoll(*++argv, &sp, 10);
			if (*sp != ' ' || parse_tz(sp + 1, &opts.committer_tz))
				usage();
		} else if (!strcmp(*argv, "--no-signoff")) {
			opts.signoff = false;
		} else if (!strcmp(*argv, "--link") && argv[1]) {
			opts.link = *++argv;
		} else if (!strcmp(*argv, "-3")) {
			opts.three_way = true;
		} else if (!strcmp(*argv, "--dry-run")) {
			dry_run = true;
		} else if (!strcmp(*argv, "--each")) {
			each = true;
		} else {
			usage();
		}
	}
	if (!opts.committer_name || !argv[0] || !argv[1] || !argv[2])
		usage();
	repo_path = argv[0];
	g_mime_init();
	if (repo_global_init(&err) < 0 ||
	    repo_open(repo_path, &repo, &err) < 0) {
		fprintf(stderr, "apply-driver: %s\n", err.buf);
		return 1;
	}

	if (each) {
		/* --each --mailinfo|--mbox REF=PATH...: each on its own ref */
		bool mbox = !strcmp(argv[1], "--mbox");
		char **a;

		if (!mbox && strcmp(argv[1], "--mailinfo"))
			usage();
		for (a = argv + 2; *a; a++) {
			char *eq = strchr(*a, '='), *r, prefix[256];

			if (!eq)
				usage();
			r = xstrndup(*a, eq - *a);
			snprintf(prefix, sizeof(prefix), "%s ", r);
			nr = 0;
			in = NULL;
			if ((mbox ? load_mbox(eq + 1, &in, &nr) :
				    load_mailinfo(eq + 1, &in, &nr)) < 0 ||
			    run(repo, r, in, nr, &opts, dry_run, prefix) < 0)
				failed = 1;
			free(r);
		}
		return failed;
	}

	ref = argv[1];
	argv += 2;
	if (!strcmp(argv[0], "--mailinfo")) {
		for (argv++; *argv; argv++)
			if (load_mailinfo(*argv, &in, &nr) < 0)
				return 1;
	} else if (!strcmp(argv[0], "--mbox") && argv[1]) {
		if (load_mbox(argv[1], &in, &nr) < 0)
			return 1;
	} else {
		usage();
	}
	return run(repo, ref, in, nr, &opts, dry_run, "") < 0 ? 1 : 0;
}
