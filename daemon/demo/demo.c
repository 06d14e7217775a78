/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `cthulhud --demo DIR`: make a maintainer tree to try cthulhu on, with
 * nothing but libgit2 (no git command at run time).
 *
 * The tree is built in DIR.new-PID and renamed to DIR once complete, so an
 * interrupted first run leaves no half-made demo that a second run would
 * take for a finished one.  What the tree holds is data (demo-data.c); this
 * file turns it into objects, refs, mbox files and cthulhu.conf.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <git2.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/demo/demo-data.h"
#include "daemon/demo/demo.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/repo.h"
#include "daemon/mail.h"
#include "daemon/series.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define DEMO_TREE_NAME "kvm-x86"
#define DEMO_BASE "v6.9-rc2"
#define DEMO_LISTEN "127.0.0.1:8080"
#define DEMO_LORE "https://lore.kernel.org/r/"
#define DEMO_GIT_VERSION "2.44.0"
#define DEMO_MAX_BRANCHES 16

/*
 * Topics in the order next merges them; fixes stays out of next.  The
 * prefixes are the shortlogs the KVM x86 tree's topics take, so that
 * each queued series has its target topic.
 */
static const struct {
	const char *name;
	bool into_next;
	const char *prefixes;
} demo_topics[] = {
	{ "x86/mmu", true, "KVM: x86/mmu:" },
	{ "x86/pmu", true, "KVM: x86/pmu:" },
	{ "svm", true, "KVM: SVM:, KVM: nSVM:" },
	{ "vmx", true, "KVM: VMX:, KVM: nVMX:" },
	{ "selftests", true, "KVM: selftests:" },
	{ "fixes", false, NULL },
};

struct demo_branch {
	const char *name;
	git_oid tip;
};

/* Everything a build of the demo tree needs along the way. */
struct demo {
	git_repository *repo;
	time_t now;
	const char *dir;   /* the final, absolute DIR */
	const char *build; /* where it is built: DIR.new-PID */
	struct demo_branch branches[DEMO_MAX_BRANCHES];
	size_t nr_branches;
	git_oid *commit_oids; /* parallel to demo_commits[] */
	char **cover_ids;     /* Message-ID of each series' first message */
};

static char *path_join(const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", a, b);
	return strbuf_detach(&sb, NULL);
}

/* An absolute form of path, without resolving symlinks; caller frees. */
static char *absolute_path(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char cwd[PATH_MAX];

	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)))
		strbuf_addf(&sb, "%s/", cwd);
	strbuf_addstr(&sb, path);
	while (sb.len > 1 && sb.buf[sb.len - 1] == '/')
		strbuf_setlen(&sb, sb.len - 1);
	return strbuf_detach(&sb, NULL);
}

static int write_file(const char *path, const struct strbuf *sb,
		      struct strbuf *err)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return error_set(err, -errno, "cannot create '%s': %s", path,
				 strerror(errno));
	if (fwrite(sb->buf, 1, sb->len, f) != sb->len) {
		fclose(f);
		return error_set(err, -EIO, "cannot write '%s'", path);
	}
	if (fclose(f))
		return error_set(err, -errno, "cannot write '%s': %s", path,
				 strerror(errno));
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path);
}

static void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Make the folders above path, as mkdir -p does for its dirname. */
static int make_parents(const char *path, struct strbuf *err)
{
	char *p = xstrdup(path), *s;
	int ret = 0;

	for (s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST) {
			ret = error_set(err, -errno, "cannot create '%s': %s",
					p, strerror(errno));
			break;
		}
		*s = '/';
	}
	free(p);
	return ret;
}

static bool dir_is_empty(const char *path)
{
	struct dirent *de;
	bool empty = true;
	DIR *d = opendir(path);

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

/* A time in the past: hours ago, moved by a few minutes per item. */
static git_time_t demo_time(const struct demo *demo, int hours, int jitter)
{
	return (git_time_t)demo->now - (git_time_t)hours * 3600 -
	       (git_time_t)((jitter * 1237) % 3000);
}

static int demo_signature(git_signature **out, int person, git_time_t when,
			  struct strbuf *err)
{
	const struct demo_person *p = &demo_people[person];

	if (git_signature_new(out, p->name, p->email, when, p->tz) < 0)
		return repo_error(err, -EIO, "cannot make a signature for '%s'",
				  p->name);
	return 0;
}

static struct demo_branch *demo_branch(struct demo *demo, const char *name)
{
	size_t i;

	for (i = 0; i < demo->nr_branches; i++)
		if (!strcmp(demo->branches[i].name, name))
			return &demo->branches[i];
	if (demo->nr_branches == DEMO_MAX_BRANCHES)
		return NULL;
	demo->branches[demo->nr_branches].name = name;
	memset(&demo->branches[demo->nr_branches].tip, 0, sizeof(git_oid));
	return &demo->branches[demo->nr_branches++];
}

static const git_oid *demo_commit_by_subject(const struct demo *demo,
					     const char *subject)
{
	size_t i;

	for (i = 0; demo_commits[i].branch; i++)
		if (!strcmp(demo_commits[i].subject, subject))
			return &demo->commit_oids[i];
	return NULL;
}

/* Append the content of path in tree to sb. */
static int demo_read_blob(struct demo *demo, git_tree *tree, const char *path,
			  struct strbuf *sb, struct strbuf *err)
{
	git_tree_entry *te;
	git_blob *blob;
	int ret = 0;

	if (git_tree_entry_bypath(&te, tree, path) < 0)
		return repo_error(err, -EIO, "demo data: no '%s'", path);
	if (git_blob_lookup(&blob, demo->repo, git_tree_entry_id(te)) < 0) {
		ret = repo_error(err, -EIO, "demo data: cannot read '%s'",
				 path);
		goto out;
	}
	strbuf_add(sb, git_blob_rawcontent(blob),
		   (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
out:
	git_tree_entry_free(te);
	return ret;
}

/* Replace the one occurrence of old in sb by new. */
static int demo_replace(struct strbuf *sb, const char *path, const char *old,
			const char *new, struct strbuf *err)
{
	struct strbuf next = STRBUF_INIT;
	const char *at = strstr(sb->buf, old);

	if (!at || strstr(at + 1, old))
		return error_set(err, -EINVAL,
				 "demo data: edit of '%s' does not apply",
				 path);
	strbuf_add(&next, sb->buf, (size_t)(at - sb->buf));
	strbuf_addstr(&next, new);
	strbuf_addstr(&next, at + strlen(old));
	strbuf_release(sb);
	*sb = next;
	return 0;
}

/*
 * The tree of base with the edits done; its id goes to *out.  Each edit
 * replaces the one occurrence of its old text, so a typo in demo-data.c
 * shows up here rather than as a silently different tree.
 */
static int demo_apply_edits(struct demo *demo, git_tree *base,
			    const struct demo_edit *edits, git_oid *out,
			    struct strbuf *err)
{
	struct strbuf text[DEMO_MAX_EDITS];
	const char *paths[DEMO_MAX_EDITS];
	git_tree_update updates[DEMO_MAX_EDITS];
	size_t nr = 0, i, j;
	int ret = 0;

	for (i = 0; !ret && i < DEMO_MAX_EDITS && edits[i].path; i++) {
		const struct demo_edit *e = &edits[i];
		struct strbuf *sb = NULL;

		/* Several edits of one file apply one after the other. */
		for (j = 0; j < nr; j++)
			if (!strcmp(paths[j], e->path))
				sb = &text[j];
		if (!sb) {
			sb = &text[nr];
			paths[nr++] = e->path;
			strbuf_init(sb, 0);
			if (e->old)
				ret = demo_read_blob(demo, base, e->path, sb,
						     err);
		}
		if (ret)
			break;
		if (e->old) {
			ret = demo_replace(sb, e->path, e->old, e->new, err);
		} else {
			strbuf_reset(sb);
			strbuf_addstr(sb, e->new);
		}
	}
	if (ret)
		goto out;

	memset(updates, 0, sizeof(updates));
	for (j = 0; j < nr; j++) {
		if (git_blob_create_from_buffer(&updates[j].id, demo->repo,
						text[j].buf, text[j].len) < 0) {
			ret = repo_error(err, -EIO, "cannot write '%s'",
					 paths[j]);
			goto out;
		}
		updates[j].action = GIT_TREE_UPDATE_UPSERT;
		updates[j].filemode = GIT_FILEMODE_BLOB;
		updates[j].path = paths[j];
	}
	if (git_tree_create_updated(out, demo->repo, base, nr, updates) < 0)
		ret = repo_error(err, -EIO, "cannot write a tree");
out:
	for (j = 0; j < nr; j++)
		strbuf_release(&text[j]);
	return ret;
}

/* The tree of the first commit, from demo_tree[]. */
static int demo_first_tree(struct demo *demo, git_oid *out, struct strbuf *err)
{
	git_treebuilder *tb;
	git_tree_update *updates;
	git_tree *empty;
	git_oid empty_id;
	size_t nr, i;
	int ret = 0;

	for (nr = 0; demo_tree[nr].path; nr++)
		;
	ALLOC_ARRAY(updates, nr);
	if (git_treebuilder_new(&tb, demo->repo, NULL) < 0 ||
	    git_treebuilder_write(&empty_id, tb) < 0 ||
	    git_tree_lookup(&empty, demo->repo, &empty_id) < 0) {
		free(updates);
		return repo_error(err, -EIO, "cannot write the empty tree");
	}
	git_treebuilder_free(tb);
	for (i = 0; i < nr; i++) {
		if (git_blob_create_from_buffer(&updates[i].id, demo->repo,
						demo_tree[i].text,
						strlen(demo_tree[i].text)) <
		    0) {
			ret = repo_error(err, -EIO, "cannot write '%s'",
					 demo_tree[i].path);
			goto out;
		}
		updates[i].action = GIT_TREE_UPDATE_UPSERT;
		updates[i].filemode = GIT_FILEMODE_BLOB;
		updates[i].path = demo_tree[i].path;
	}
	if (git_tree_create_updated(out, demo->repo, empty, nr, updates) < 0)
		ret = repo_error(err, -EIO, "cannot write the first tree");
out:
	git_tree_free(empty);
	free(updates);
	return ret;
}

/*
 * A Message-ID as git send-email makes them:
 * <20240404180712.3141592-2-author@example.com>, without the brackets.
 */
static char *demo_message_id(git_time_t when, int pid, int n, const char *email)
{
	struct strbuf sb = STRBUF_INIT;
	time_t t = (time_t)when;
	struct tm tm;
	char date[32];

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y%m%d%H%M%S", &tm);
	strbuf_addf(&sb, "%s.%d-%d-%s", date, pid, n, email);
	return strbuf_detach(&sb, NULL);
}

static void add_sob(struct strbuf *sb, int person)
{
	strbuf_addf(sb, "Signed-off-by: %s <%s>\n", demo_people[person].name,
		    demo_people[person].email);
}

/* Fixes: and Cc: stable trailers, as a maintainer wants to see them. */
static int add_fix_trailers(struct demo *demo, struct strbuf *sb,
			    const char *fixes, bool stable, struct strbuf *err)
{
	if (fixes) {
		const git_oid *oid = demo_commit_by_subject(demo, fixes);
		char hex[GIT_OID_HEXSZ + 1];

		if (!oid)
			return error_set(err, -EINVAL,
					 "demo data: no commit '%s' to fix",
					 fixes);
		git_oid_tostr(hex, sizeof(hex), oid);
		strbuf_addf(sb, "Fixes: %.12s (\"%s\")\n", hex, fixes);
	}
	if (stable)
		strbuf_addstr(sb, "Cc: stable@vger.kernel.org\n");
	return 0;
}

/* Whether text ends in a paragraph of trailers ("Reviewed-by: ..."). */
static bool ends_with_trailer(const char *text)
{
	size_t len = strlen(text);
	const char *line, *colon, *space;

	if (len < 2)
		return false;
	for (line = text + len - 2; line > text && line[-1] != '\n'; line--)
		;
	colon = strchr(line, ':');
	space = strchr(line, ' ');
	return colon && space && colon < space && strstr(line, "-by: ");
}

/*
 * An applied commit's message: what the author sent, then the Link: to
 * the posting and the maintainer's sign-off, as the tree's tooling adds
 * them.  Release commits are a bare subject.
 */
static int demo_commit_message(struct demo *demo, size_t idx, const char *msgid,
			       struct strbuf *sb, struct strbuf *err)
{
	const struct demo_commit *c = &demo_commits[idx];
	int ret;

	strbuf_addf(sb, "%s\n", c->subject);
	if (!*c->body)
		return 0;
	strbuf_addf(sb, "\n%s", c->body);
	if (!ends_with_trailer(c->body))
		strbuf_addch(sb, '\n');
	ret = add_fix_trailers(demo, sb, c->fixes, c->stable, err);
	add_sob(sb, c->author);
	strbuf_addf(sb, "Link: " DEMO_LORE "%s\n", msgid);
	add_sob(sb, DEMO_MAINTAINER);
	return ret;
}

/* Make every commit of demo_commits[] and the annotated tags. */
static int demo_make_history(struct demo *demo, struct strbuf *err)
{
	struct demo_branch *master = NULL;
	size_t i;
	int ret = 0;

	for (i = 0; demo_commits[i].branch; i++)
		;
	ALLOC_ARRAY(demo->commit_oids, i + 1);

	for (i = 0; demo_commits[i].branch; i++) {
		const struct demo_commit *c = &demo_commits[i];
		struct demo_branch *b = demo_branch(demo, c->branch);
		git_signature *author = NULL, *committer = NULL;
		git_commit *parent = NULL;
		git_tree *tree = NULL, *ptree = NULL;
		struct strbuf msg = STRBUF_INIT;
		git_oid tree_id;
		git_time_t at = demo_time(demo, c->authored, (int)i);
		char *msgid;
		int committer_id;

		if (!b)
			return error_set(err, -EINVAL,
					 "demo data: too many branches");
		if (!strcmp(c->branch, "master"))
			master = b;
		if (git_oid_is_zero(&b->tip) && master && b != master)
			b->tip = master->tip;

		if (!git_oid_is_zero(&b->tip)) {
			if (git_commit_lookup(&parent, demo->repo, &b->tip) <
				    0 ||
			    git_commit_tree(&ptree, parent) < 0) {
				ret = repo_error(err, -EIO, "cannot read '%s'",
						 c->branch);
				goto next;
			}
			ret = demo_apply_edits(demo, ptree, c->edits, &tree_id,
					       err);
		} else {
			ret = demo_first_tree(demo, &tree_id, err);
		}
		if (ret)
			goto next;

		msgid = demo_message_id(at, 1000003 + (int)i * 7919, 1,
					demo_people[c->author].email);
		ret = demo_commit_message(demo, i, msgid, &msg, err);
		free(msgid);
		if (ret)
			goto next;

		committer_id = strcmp(c->branch, "master") ? DEMO_MAINTAINER :
							     0;
		ret = demo_signature(&author, c->author, at, err);
		if (!ret)
			ret = demo_signature(&committer, committer_id,
					     demo_time(demo, c->committed,
						       (int)i),
					     err);
		if (ret)
			goto next;
		if (git_tree_lookup(&tree, demo->repo, &tree_id) < 0 ||
		    git_commit_create(&demo->commit_oids[i], demo->repo, NULL,
				      author, committer, NULL, msg.buf, tree,
				      parent ? 1 : 0,
				      (const git_commit **)&parent) < 0) {
			ret = repo_error(err, -EIO, "cannot commit '%s'",
					 c->subject);
			goto next;
		}
		b->tip = demo->commit_oids[i];

		if (c->tag) {
			git_object *target = NULL;
			git_oid tag_id;
			struct strbuf tmsg = STRBUF_INIT;

			strbuf_addf(&tmsg, "%s\n", c->subject);
			if (git_object_lookup(&target, demo->repo, &b->tip,
					      GIT_OBJECT_COMMIT) < 0 ||
			    git_tag_create(&tag_id, demo->repo, c->tag, target,
					   committer, tmsg.buf, 0) < 0)
				ret = repo_error(err, -EIO, "cannot tag '%s'",
						 c->tag);
			git_object_free(target);
			strbuf_release(&tmsg);
		}
next:
		git_signature_free(author);
		git_signature_free(committer);
		git_tree_free(tree);
		git_tree_free(ptree);
		git_commit_free(parent);
		strbuf_release(&msg);
		if (ret)
			return ret;
	}

	for (i = 0; i < demo->nr_branches; i++) {
		struct strbuf ref = STRBUF_INIT;
		git_reference *r;

		strbuf_addf(&ref, "refs/heads/%s", demo->branches[i].name);
		if (git_reference_create(&r, demo->repo, ref.buf,
					 &demo->branches[i].tip, 0,
					 "cthulhud --demo") < 0)
			ret = repo_error(err, -EIO, "cannot create '%s'",
					 ref.buf);
		else
			git_reference_free(r);
		strbuf_release(&ref);
		if (ret)
			return ret;
	}
	return 0;
}

/* An RFC 5322 date in the person's time zone. */
static void add_mail_date(struct strbuf *sb, git_time_t when, int tz)
{
	time_t t = (time_t)when + tz * 60;
	struct tm tm;
	char buf[64];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%a, %-d %b %Y %H:%M:%S", &tm);
	strbuf_addf(sb, "%s %c%02d%02d", buf, tz < 0 ? '-' : '+', abs(tz) / 60,
		    abs(tz) % 60);
}

/* A display name and address, the name RFC 2047-encoded when not ASCII. */
static void add_mail_addr(struct strbuf *sb, int person)
{
	const struct demo_person *p = &demo_people[person];
	const unsigned char *s;
	bool ascii = true;

	for (s = (const unsigned char *)p->name; *s; s++)
		if (*s >= 0x80)
			ascii = false;
	if (ascii) {
		strbuf_addf(sb, "%s <%s>", p->name, p->email);
		return;
	}
	strbuf_addstr(sb, "=?UTF-8?q?");
	for (s = (const unsigned char *)p->name; *s; s++) {
		if (*s == ' ')
			strbuf_addch(sb, '_');
		else if (*s >= 0x80 || *s == '=' || *s == '?' || *s == '_')
			strbuf_addf(sb, "=%02X", *s);
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addf(sb, "?= <%s>", p->email);
}

/* mboxrd: a body line that reads as a "From " separator gets a '>'. */
static void add_mbox_body(struct strbuf *mbox, const char *text)
{
	const char *line = text;

	while (*line) {
		const char *end = strchrnul(line, '\n');
		const char *p = line;

		while (*p == '>')
			p++;
		if (starts_with(p, "From "))
			strbuf_addch(mbox, '>');
		strbuf_add(mbox, line, (size_t)(end - line));
		strbuf_addch(mbox, '\n');
		line = *end ? end + 1 : end;
	}
}

static int demo_diff(struct demo *demo, const git_oid *from, const git_oid *to,
		     struct strbuf *stat, struct strbuf *patch,
		     struct strbuf *err)
{
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_diff_stats *stats = NULL;
	git_buf buf = GIT_BUF_INIT;
	int ret = 0;

	if (git_tree_lookup(&a, demo->repo, from) < 0 ||
	    git_tree_lookup(&b, demo->repo, to) < 0 ||
	    git_diff_tree_to_tree(&diff, demo->repo, a, b, NULL) < 0 ||
	    git_diff_get_stats(&stats, diff) < 0 ||
	    git_diff_stats_to_buf(&buf, stats,
				  GIT_DIFF_STATS_FULL |
					  GIT_DIFF_STATS_INCLUDE_SUMMARY,
				  72) < 0) {
		ret = repo_error(err, -EIO, "cannot diff the demo series");
		goto out;
	}
	strbuf_add(stat, buf.ptr, buf.size);
	git_buf_dispose(&buf);
	if (patch) {
		if (git_diff_to_buf(&buf, diff, GIT_DIFF_FORMAT_PATCH) < 0) {
			ret = repo_error(err, -EIO,
					 "cannot format the demo patch");
			goto out;
		}
		strbuf_add(patch, buf.ptr, buf.size);
		git_buf_dispose(&buf);
	}
out:
	git_diff_stats_free(stats);
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	return ret;
}

/* The headers of one message of series s; ids[0..n-1] came before it. */
static void add_mail_headers(struct strbuf *mbox, const struct demo_series *s,
			     const char *from_line, const char *subject,
			     int number, int total, git_time_t when, char **ids,
			     int n)
{
	int i;

	strbuf_addf(mbox,
		    "From %s Mon Sep 17 00:00:00 2001\nFrom: ", from_line);
	add_mail_addr(mbox, s->author);
	strbuf_addstr(mbox, "\nTo: ");
	add_mail_addr(mbox, DEMO_MAINTAINER);
	strbuf_addstr(mbox,
		      "\nCc: kvm@vger.kernel.org, linux-kernel@vger.kernel.org");
	if (*s->cc)
		strbuf_addf(mbox, ", %s", s->cc);
	strbuf_addstr(mbox, "\nSubject: [PATCH");
	if (s->version > 1)
		strbuf_addf(mbox, " v%d", s->version);
	if (total > 1 || s->cover)
		strbuf_addf(mbox, " %d/%d", number, total);
	strbuf_addf(mbox, "] %s\nDate: ", subject);
	add_mail_date(mbox, when, demo_people[s->author].tz);
	strbuf_addf(mbox, "\nMessage-ID: <%s>\n", ids[n]);
	if (n > 0) {
		/* Shallow threads hang off the first message, deep ones chain. */
		strbuf_addf(mbox, "In-Reply-To: <%s>\nReferences:",
			    ids[s->deep ? n - 1 : 0]);
		for (i = 0; i < (s->deep ? n : 1); i++)
			strbuf_addf(mbox, "%s<%s>", i ? "\n " : " ", ids[i]);
		strbuf_addch(mbox, '\n');
	}
	strbuf_addstr(mbox, "MIME-Version: 1.0\n"
			    "Content-Type: text/plain; charset=UTF-8\n"
			    "Content-Transfer-Encoding: 8bit\n\n");
}

/*
 * Write series s as DIR/mail/<file>: patches made on the tip of its topic
 * (commits that no ref points at, so the mail applies to the tree as it
 * is), with a cover letter when s has one, as `git format-patch
 * --cover-letter --base` and `git send-email` write them.
 */
static int demo_write_series(struct demo *demo, size_t idx, struct strbuf *err)
{
	const struct demo_series *s = &demo_series[idx];
	const struct demo_person *who = &demo_people[s->author];
	git_oid trees[DEMO_MAX_PATCHES + 1], commits[DEMO_MAX_PATCHES + 1];
	char *ids[DEMO_MAX_PATCHES + 1] = { 0 };
	struct strbuf mbox = STRBUF_INIT, text = STRBUF_INIT;
	struct strbuf stat = STRBUF_INIT, patch = STRBUF_INIT;
	struct demo_branch *topic = demo_branch(demo, s->topic);
	char base_hex[GIT_OID_HEXSZ + 1], hex[GIT_OID_HEXSZ + 1];
	git_signature *sig = NULL;
	git_time_t sent = demo_time(demo, s->sent, (int)idx);
	int i, n = 0, pid = 3141592 + (int)idx * 104729, ret = 0;
	char *path;

	if (!topic || git_oid_is_zero(&topic->tip))
		return error_set(err, -EINVAL, "demo data: no topic '%s'",
				 s->topic);
	git_oid_tostr(base_hex, sizeof(base_hex), &topic->tip);
	commits[0] = topic->tip;
	{
		git_commit *c;

		if (git_commit_lookup(&c, demo->repo, &topic->tip) < 0)
			return repo_error(err, -EIO, "cannot read '%s'",
					  s->topic);
		trees[0] = *git_commit_tree_id(c);
		git_commit_free(c);
	}

	ret = demo_signature(&sig, s->author, sent, err);
	for (i = 0; !ret && i < s->nr_patches; i++) {
		git_tree *base = NULL, *tree = NULL;
		git_commit *parent = NULL;

		strbuf_reset(&text);
		strbuf_addf(&text, "%s\n\n%s", s->patches[i].subject,
			    s->patches[i].body);
		if (!ends_with_trailer(s->patches[i].body))
			strbuf_addch(&text, '\n');
		ret = add_fix_trailers(demo, &text, s->fixes, s->stable, err);
		if (ret)
			break;
		add_sob(&text, s->author);
		if (git_tree_lookup(&base, demo->repo, &trees[i]) < 0) {
			ret = repo_error(err, -EIO, "cannot read a tree");
			break;
		}
		ret = demo_apply_edits(demo, base, s->patches[i].edits,
				       &trees[i + 1], err);
		if (!ret &&
		    (git_tree_lookup(&tree, demo->repo, &trees[i + 1]) < 0 ||
		     git_commit_lookup(&parent, demo->repo, &commits[i]) < 0 ||
		     git_commit_create(&commits[i + 1], demo->repo, NULL, sig,
				       sig, NULL, text.buf, tree, 1,
				       (const git_commit **)&parent) < 0))
			ret = repo_error(err, -EIO, "cannot commit '%s'",
					 s->patches[i].subject);
		git_tree_free(base);
		git_tree_free(tree);
		git_commit_free(parent);
	}
	if (ret)
		goto out;

	for (i = 0; i < s->nr_patches + (s->cover ? 1 : 0); i++)
		ids[i] = demo_message_id(sent, pid, i + 1, who->email);

	if (s->cover) {
		strbuf_reset(&text);
		strbuf_addstr(&text, s->cover_body);
		if (s->previous >= 0 && demo->cover_ids[s->previous])
			strbuf_addf(&text,
				    "\nv%d: https://lore.kernel.org/all/%s\n",
				    demo_series[s->previous].version,
				    demo->cover_ids[s->previous]);
		strbuf_addf(&text, "\n%s (%d):\n", who->name, s->nr_patches);
		for (i = 0; i < s->nr_patches; i++)
			strbuf_addf(&text, "  %s\n", s->patches[i].subject);
		strbuf_addch(&text, '\n');
		ret = demo_diff(demo, &trees[0], &trees[s->nr_patches], &text,
				NULL, err);
		if (ret)
			goto out;
		strbuf_addf(&text,
			    "\nbase-commit: %s\n-- \n" DEMO_GIT_VERSION "\n",
			    base_hex);
		add_mail_headers(&mbox, s,
				 "0000000000000000000000000000000000000000",
				 s->cover, 0, s->nr_patches, sent, ids, n);
		add_mbox_body(&mbox, text.buf);
		strbuf_addch(&mbox, '\n');
		n++;
	}
	for (i = 0; i < s->nr_patches; i++) {
		git_commit *c;

		strbuf_reset(&text);
		strbuf_reset(&stat);
		strbuf_reset(&patch);
		if (git_commit_lookup(&c, demo->repo, &commits[i + 1]) < 0) {
			ret = repo_error(err, -EIO, "cannot read a demo patch");
			goto out;
		}
		/* The message minus its subject line and the blank after it. */
		strbuf_addstr(&text, strchr(git_commit_message(c), '\n') + 2);
		git_commit_free(c);
		ret = demo_diff(demo, &trees[i], &trees[i + 1], &stat, &patch,
				err);
		if (ret)
			goto out;
		strbuf_addf(&text, "---\n%s\n%s", stat.buf, patch.buf);
		if (!s->cover && i == s->nr_patches - 1)
			strbuf_addf(&text, "\nbase-commit: %s\n", base_hex);
		strbuf_addstr(&text, "-- \n" DEMO_GIT_VERSION "\n");
		git_oid_tostr(hex, sizeof(hex), &commits[i + 1]);
		add_mail_headers(&mbox, s, hex, s->patches[i].subject, i + 1,
				 s->nr_patches, sent + n, ids, n);
		add_mbox_body(&mbox, text.buf);
		strbuf_addch(&mbox, '\n');
		n++;
	}

	demo->cover_ids[idx] = xstrdup(ids[0]);
	path = path_join(demo->build, "mail");
	if (mkdir(path, 0755) && errno != EEXIST)
		ret = error_set(err, -errno, "cannot create '%s': %s", path,
				strerror(errno));
	free(path);
	if (!ret) {
		struct strbuf file = STRBUF_INIT;

		strbuf_addf(&file, "%s/mail/%s", demo->build, s->file);
		ret = write_file(file.buf, &mbox, err);
		strbuf_release(&file);
	}
out:
	for (i = 0; i <= DEMO_MAX_PATCHES; i++)
		free(ids[i]);
	git_signature_free(sig);
	strbuf_release(&mbox);
	strbuf_release(&text);
	strbuf_release(&stat);
	strbuf_release(&patch);
	return ret;
}

static int demo_write_config(struct demo *demo, const char *http_listen,
			     struct strbuf *err)
{
	const struct demo_person *m = &demo_people[DEMO_MAINTAINER];
	struct strbuf sb = STRBUF_INIT;
	char *path;
	size_t i;
	int ret;

	strbuf_addf(&sb,
		    "# cthulhu.conf of the demo made by `cthulhud --demo %s`.\n"
		    "# See cthulhu.conf(5).  Run it again with the same folder\n"
		    "# to pick up where you left off.\n"
		    "[tree]\n"
		    "\tname = " DEMO_TREE_NAME "\n"
		    "\trepo = %s/repo.git\n"
		    "\tnext = next\n"
		    "\tbase = " DEMO_BASE "\n"
		    "\tmainline = refs/heads/master\n"
		    "\tcommitter = %s <%s>\n"
		    "[state]\n"
		    "\tdir = %s/state\n"
		    "[http]\n"
		    "\tlisten = %s\n",
		    demo->dir, demo->dir, m->name, m->email, demo->dir,
		    http_listen ? http_listen : DEMO_LISTEN);
	for (i = 0; i < ARRAY_SIZE(demo_topics); i++) {
		strbuf_addf(&sb, "[topic \"%s\"]\n\torder = %zu\n",
			    demo_topics[i].name, (i + 1) * 10);
		if (!demo_topics[i].into_next)
			strbuf_addstr(&sb, "\tinto-next = false\n");
		if (demo_topics[i].prefixes)
			strbuf_addf(&sb, "\tprefixes = %s\n",
				    demo_topics[i].prefixes);
	}
	path = path_join(demo->build, "cthulhu.conf");
	ret = write_file(path, &sb, err);
	free(path);
	strbuf_release(&sb);
	return ret;
}

static int demo_create(struct demo *demo, const char *http_listen,
		       struct strbuf *err)
{
	git_repository_init_options opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	char *repo_path = path_join(demo->build, "repo.git");
	size_t i, nr_series;
	int ret;

	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
		     GIT_REPOSITORY_INIT_NO_REINIT;
	opts.initial_head = "master";
	opts.description = "kvm-x86: the cthulhu demo tree";
	if (git_repository_init_ext(&demo->repo, repo_path, &opts) < 0) {
		ret = repo_error(err, -EIO, "cannot create '%s'", repo_path);
		free(repo_path);
		return ret;
	}
	free(repo_path);

	ret = demo_make_history(demo, err);
	for (nr_series = 0; demo_series[nr_series].file; nr_series++)
		;
	ALLOC_ARRAY(demo->cover_ids, nr_series + 1);
	for (i = 0; !ret && i < nr_series; i++)
		ret = demo_write_series(demo, i, err);
	if (!ret)
		ret = demo_write_config(demo, http_listen, err);

	for (i = 0; i < nr_series; i++)
		free(demo->cover_ids[i]);
	free(demo->cover_ids);
	free(demo->commit_oids);
	git_repository_free(demo->repo);
	demo->repo = NULL;
	return ret;
}

/* On a second run, only --http changes the config (libgit2 keeps the rest). */
static int demo_set_listen(const char *config_path, const char *http_listen,
			   struct strbuf *err)
{
	git_config *cfg;
	int ret = 0;

	if (git_config_open_ondisk(&cfg, config_path) < 0)
		return repo_error(err, -EIO, "cannot open '%s'", config_path);
	if (git_config_set_string(cfg, "http.listen", http_listen) < 0)
		ret = repo_error(err, -EIO, "cannot set http.listen in '%s'",
				 config_path);
	git_config_free(cfg);
	return ret;
}

int demo_prepare(const char *dir, const char *http_listen, char **config_path,
		 struct strbuf *err)
{
	struct demo demo;
	struct strbuf build = STRBUF_INIT;
	char *abs = absolute_path(dir), *conf;
	struct stat st;
	int ret = 0;

	conf = path_join(abs, "cthulhu.conf");
	if (!stat(abs, &st)) {
		if (!access(conf, F_OK)) {
			log_info("demo: reusing %s", abs);
			if (http_listen)
				ret = demo_set_listen(conf, http_listen, err);
			goto out;
		}
		if (!S_ISDIR(st.st_mode) || !dir_is_empty(abs)) {
			ret = error_set(err, ERR_EXISTS,
					"'%s' exists and is not a cthulhu demo "
					"(no cthulhu.conf); name a new folder",
					abs);
			goto out;
		}
	} else if (errno != ENOENT) {
		ret = error_set(err, -errno, "cannot use '%s': %s", abs,
				strerror(errno));
		goto out;
	}

	memset(&demo, 0, sizeof(demo));
	demo.now = time(NULL);
	demo.dir = abs;
	strbuf_addf(&build, "%s.new-%d", abs, (int)getpid());
	demo.build = build.buf;
	remove_tree(build.buf);
	log_info("demo: making a kvm-x86 tree in %s", abs);
	ret = make_parents(abs, err);
	if (ret)
		goto out;
	if (mkdir(build.buf, 0755)) {
		ret = error_set(err, -errno, "cannot create '%s': %s",
				build.buf, strerror(errno));
		goto out;
	}
	ret = demo_create(&demo, http_listen, err);
	if (!ret && rename(build.buf, abs))
		ret = error_set(err, -errno, "cannot rename '%s' to '%s': %s",
				build.buf, abs, strerror(errno));
	if (ret)
		remove_tree(build.buf);
out:
	strbuf_release(&build);
	free(abs);
	if (ret) {
		free(conf);
		return ret;
	}
	*config_path = conf;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int demo_seed_mail(const char *dir,
		   int (*submit)(const char *path, void *data,
				 struct strbuf *err),
		   void *data, struct strbuf *err)
{
	char *mail = NULL, *mark, **names = NULL;
	size_t nr = 0, i;
	struct dirent *de;
	struct strbuf sb = STRBUF_INIT;
	DIR *d;
	int ret = 0;

	{
		char *abs = absolute_path(dir);

		mail = path_join(abs, "mail");
		free(abs);
	}
	{
		char *abs = absolute_path(dir);

		mark = path_join(abs, "state/demo-mail-submitted");
		free(abs);
	}
	if (!access(mark, F_OK))
		goto out;
	d = opendir(mail);
	if (!d) {
		ret = error_set(err, -errno, "cannot read '%s': %s", mail,
				strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		if (!ends_with(de->d_name, ".mbox"))
			continue;
		names = xrealloc(names, (nr + 1) * sizeof(*names));
		names[nr++] = path_join(mail, de->d_name);
	}
	closedir(d);
	qsort(names, nr, sizeof(*names), compare_names);
	for (i = 0; !ret && i < nr; i++)
		ret = submit(names[i], data, err);
	if (!ret) {
		strbuf_addstr(&sb, "submitted by cthulhud --demo\n");
		ret = write_file(mark, &sb, err);
	}
out:
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	free(mark);
	free(mail);
	strbuf_release(&sb);
	return ret;
}

static int demo_submit_file(const char *path, void *data, struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = strbuf_read_file(&sb, path);

	if (ret < 0) {
		strbuf_release(&sb);
		return error_set(err, ret, "cannot read '%s': %s", path,
				 strerror(-ret));
	}
	ret = series_submit(sb.buf, sb.len, MBOX_AUTO, NULL, err);
	strbuf_release(&sb);
	if (ret)
		return ret;
	log_info("demo: submitted %s", path);
	return 0;
}

int demo_submit_mail(const char *dir, struct strbuf *err)
{
	return demo_seed_mail(dir, demo_submit_file, NULL, err);
}

/* The cthulhu next to this cthulhud when run from a build, else the PATH's. */
static char *cli_path(void)
{
	char exe[PATH_MAX], *slash, *cli;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (len <= 0)
		return xstrdup("cthulhu");
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return xstrdup("cthulhu");
	*slash = '\0';
	cli = path_join(exe, "cthulhu");
	if (!access(cli, X_OK) && strcmp(exe, "/usr/bin") &&
	    strcmp(exe, "/usr/local/bin") && strcmp(exe, "/usr/sbin") &&
	    strcmp(exe, "/usr/local/sbin"))
		return cli;
	free(cli);
	return xstrdup("cthulhu");
}

void demo_print_welcome(const char *dir)
{
	const struct config *cfg = daemon_config_get();
	char *abs = absolute_path(dir), *cli = cli_path();
	const char *sock = the_daemon.socket_path;
	struct strbuf url = STRBUF_INIT;

	if (cfg->http_listen) {
		const char *port = strrchr(cfg->http_listen, ':');
		size_t host_len = port ? (size_t)(port - cfg->http_listen) : 0;

		if (!port || !host_len ||
		    !strncmp(cfg->http_listen, "0.0.0.0", host_len))
			strbuf_addf(&url, "http://127.0.0.1%s/",
				    port ? port : "");
		else if (!strncmp(cfg->http_listen, "[::]", host_len))
			strbuf_addf(&url, "http://[::1]%s/", port);
		else
			strbuf_addf(&url, "http://%s/", cfg->http_listen);
	} else {
		strbuf_addstr(&url, "off (http.listen = 0)");
	}

	printf("\n"
	       "cthulhu demo: the '%s' tree is up.\n"
	       "\n"
	       "  dashboard   %s\n"
	       "  socket      %s\n"
	       "  repository  %s\n"
	       "  config      %s/cthulhu.conf\n"
	       "  mail        %s/mail/*.mbox (patch series to review)\n"
	       "\n"
	       "Try, from another terminal:\n"
	       "\n"
	       "  %s --socket %s status\n"
	       "  %s --socket %s topics\n"
	       "  %s --socket %s events\n"
	       "\n"
	       "Move a topic and watch next follow, e.g.\n"
	       "  git -C %s branch -f x86/pmu x86/pmu~1\n"
	       "\n"
	       "Ctrl-C stops the daemon; the same command starts it again on "
	       "the same tree.\n\n",
	       cfg->tree_name ? cfg->tree_name : DEMO_TREE_NAME, url.buf, sock,
	       cfg->repo, abs, abs, cli, sock, cli, sock, cli, sock, cfg->repo);
	fflush(stdout);
	daemon_config_put();
	strbuf_release(&url);
	free(cli);
	free(abs);
}
