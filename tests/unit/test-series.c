// SPDX-License-Identifier: GPL-2.0
/*
 * Series grouping on patchwork's series fixtures ($CORPUS/patchwork/
 * series): each mbox goes into a fresh database through
 * series_ingest_mbox(), and the covers, patches, comments and the split
 * into series (ordered by date) must be those test_series.py asserts.
 * Then duplicates, reply trailers, supersedes and refused mail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/db.h"
#include "lib/error.h"
#include "daemon/mail.h"
#include "daemon/series.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tests/unit/tap.h"
#include "tests/unit/corpus.h"

static char dir[] = "/tmp/cthulhu-test-series.XXXXXX";
static int nr_db;

static struct db *fresh_db(void)
{
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	struct db *db = NULL;

	strbuf_addf(&path, "%s/db%d.sqlite", dir, nr_db++);
	if (db_open(path.buf, &db, &err) || db_migrate(db, &err)) {
		printf("# cannot make database: %s\n", err.buf);
		exit(1);
	}
	strbuf_release(&path);
	strbuf_release(&err);
	return db;
}

static json_t *submit(struct db *db, const char *buf, size_t len, int *ret)
{
	struct strbuf err = STRBUF_INIT;
	json_t *res = NULL;

	*ret = series_ingest_mbox(db, buf, len, MBOX_AUTO, &res, &err);
	if (*ret < 0)
		printf("# submit: %s\n", err.buf);
	strbuf_release(&err);
	return res;
}

static json_t *submit_file(struct db *db, const char *name)
{
	struct strbuf path = STRBUF_INIT, buf = STRBUF_INIT;
	json_t *res;
	int ret;

	strbuf_addf(&path, "%s/patchwork/series/%s", corpus_dir(), name);
	if (strbuf_read_file(&buf, path.buf) < 0) {
		printf("# cannot read %s\n", path.buf);
		exit(1);
	}
	res = submit(db, buf.buf, buf.len, &ret);
	strbuf_release(&path);
	strbuf_release(&buf);
	return res;
}

/* One text line of the query's first column, values joined with ','. */
static char *column(struct db *db, const char *sql)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	json_t *rows = db_query(db, &err, sql, ""), *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		json_t *v = json_object_iter_value(json_object_iter(row));

		if (i)
			strbuf_addch(&sb, ',');
		if (json_is_integer(v))
			strbuf_addf(&sb, "%lld",
				    (long long)json_integer_value(v));
		else if (json_is_string(v))
			strbuf_addstr(&sb, json_string_value(v));
		else
			strbuf_addstr(&sb, "null");
	}
	json_decref(rows);
	strbuf_release(&err);
	return strbuf_detach(&sb, NULL);
}

static const struct {
	const char *file;
	const char *kinds;   /* covers,patches,comments */
	const char *patches; /* patches per series, by date */
	const char *covers;  /* cover or not per series, by date */
} cases[] = {
	{ "base-single-patch.mbox", "0,1,0", "1", "0" },
	{ "base-cover-letter.mbox", "1,2,0", "2", "1" },
	{ "base-deep-threaded.mbox", "1,2,0", "2", "1" },
	{ "base-out-of-order.mbox", "1,2,0", "2", "1" },
	{ "base-no-cover-letter.mbox", "0,2,0", "2", "0" },
	{ "base-different-versions.mbox", "1,4,0", "4", "1" },
	{ "bugs-multiple-references.mbox", "1,4,0", "4", "1" },
	{ "base-no-references.mbox", "0,2,0", "2", "0" },
	{ "base-no-references-no-cover.mbox", "1,2,0", "2", "1" },
	{ "bugs-multiple-content-types.mbox", "0,1,1", "1", "0" },
	{ "revision-basic.mbox", "2,4,0", "2,2", "1,1" },
	{ "revision-threaded-to-single-patch.mbox", "0,2,0", "1,1", "0,0" },
	{ "revision-threaded-to-cover.mbox", "2,4,0", "2,2", "1,1" },
	{ "revision-threaded-to-patch.mbox", "2,4,0", "2,2", "1,1" },
	{ "revision-out-of-order.mbox", "2,4,0", "2,2", "1,1" },
	{ "revision-no-cover-letter.mbox", "1,4,0", "2,2", "1,0" },
	{ "revision-unlabeled.mbox", "2,4,0", "2,2", "1,1" },
	{ "revision-unlabeled-noreferences.mbox", "0,4,0", "2,2", "0,0" },
	{ "bugs-unnumbered.mbox", "1,2,0", "1,1", "1,0" },
	{ "bugs-nocover-noversion.mbox", "0,4,0", "2,2", "0,0" },
	{ "bugs-nocover.mbox", "0,4,0", "2,2", "0,0" },
	{ "bugs-spamming.mbox", "0,3,0", "1,1,1", "0,0,0" },
	{ "bugs-mixed-versions.mbox", "0,2,0", "1,1", "0,0" },
	{ "base-incomplete.mbox", "1,1,0", "1", "1" },
	{ "base-extra-patches.mbox", "1,3,0", "3", "1" },
	{ "mercurial-cover-letter.mbox", "1,2,0", "2", "1" },
	{ "mercurial-no-cover-letter.mbox", "0,2,0", "2", "0" },
	{ "dependency-base-patch.mbox", "1,2,0", "2", "1" },
};

static void test_corpus(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct db *db = fresh_db();
		json_t *res = submit_file(db, cases[i].file);
		char *kinds, *patches, *covers;

		kinds = column(db,
			       "SELECT (SELECT COUNT(*) FROM messages WHERE "
			       "kind = 'cover') || ',' || (SELECT COUNT(*) FROM "
			       "messages WHERE kind = 'patch') || ',' || (SELECT "
			       "COUNT(*) FROM messages WHERE kind IN ('reply', "
			       "'other'))");
		patches = column(db, "SELECT (SELECT COUNT(*) FROM patches p "
				     "WHERE p.series_id = s.id) FROM series s "
				     "ORDER BY s.date, s.id");
		covers = column(db, "SELECT cover_id IS NOT NULL FROM series "
				    "ORDER BY date, id");
		is_str(kinds, cases[i].kinds, "%s: [covers, patches, comments]",
		       cases[i].file);
		is_str(patches, cases[i].patches, "%s: patches per series",
		       cases[i].file);
		is_str(covers, cases[i].covers, "%s: covers per series",
		       cases[i].file);
		free(kinds);
		free(patches);
		free(covers);
		json_decref(res);
		db_close(db);
	}
}

static void test_details(void)
{
	struct db *db;
	json_t *res, *s;
	char *v;
	int ret;

	db = fresh_db();
	res = submit_file(db, "base-cover-letter.mbox");
	s = json_array_get(json_object_get(res, "series"), 0);
	is_str(json_string_value(json_object_get(s, "name")), "A sample series",
	       "cover letter names the series");
	ok(json_is_true(json_object_get(s, "complete")), "2 of 2: complete");
	is_str(json_string_value(json_object_get(s, "action")), "created",
	       "answer says created");
	is_int(json_integer_value(
		       json_object_get(json_object_get(res, "messages"),
				       "ingested")),
	       3, "3 ingested");
	json_decref(res);
	/* the same mail again: all duplicates, nothing new */
	res = submit_file(db, "base-cover-letter.mbox");
	is_int(json_integer_value(
		       json_object_get(json_object_get(res, "messages"),
				       "duplicates")),
	       3, "submitted twice: 3 duplicates");
	is_int(json_array_size(json_object_get(res, "series")), 0,
	       "no series touched the second time");
	v = column(db, "SELECT COUNT(*) FROM messages");
	is_str(v, "3", "still 3 messages");
	free(v);
	json_decref(res);
	db_close(db);

	db = fresh_db();
	res = submit_file(db, "base-incomplete.mbox");
	s = json_array_get(json_object_get(res, "series"), 0);
	ok(json_is_false(json_object_get(s, "complete")), "1 of 2: incomplete");
	json_decref(res);
	db_close(db);

	db = fresh_db();
	res = submit_file(db, "base-out-of-order.mbox");
	v = column(db, "SELECT name FROM series");
	is_str(v, "A sample series",
	       "out of order: the cover names it at last");
	free(v);
	json_decref(res);
	db_close(db);

	db = fresh_db();
	res = submit_file(db, "base-different-versions.mbox");
	v = column(db, "SELECT version || ' ' || name FROM series");
	is_str(v, "3 net: dsa: Multi-CPU ground work",
	       "v3 from the cover, (v3) dropped from the name");
	free(v);
	v = column(db, "SELECT tags FROM series");
	is_str(v, "[\"net-next\"]", "extra prefix tag kept");
	free(v);
	json_decref(res);
	db_close(db);

	db = fresh_db();
	res = submit_file(db, "revision-basic.mbox");
	v = column(db, "SELECT ifnull(supersedes, 0) || '/' || state FROM "
		       "series ORDER BY id");
	is_str(v, "0/superseded,1/new",
	       "v2 supersedes v1 (same cover subject)");
	free(v);
	json_decref(res);
	db_close(db);

	db = fresh_db();
	res = submit_file(db, "revision-no-cover-letter.mbox");
	v = column(db, "SELECT ifnull(supersedes, 0) FROM series ORDER BY id");
	is_str(v, "0,1", "v2 without cover supersedes v1 (same first patch)");
	free(v);
	json_decref(res);
	db_close(db);

	db = fresh_db();
	res = submit_file(db, "bugs-multiple-content-types.mbox");
	v = column(db, "SELECT key || ': ' || value FROM trailers");
	is_str(v, "Acked-by: Björn Töpel <bjorn.topel@intel.com>",
	       "utf-8 Acked-by of a reply collected onto the patch");
	free(v);
	json_decref(res);
	db_close(db);

	/* unthreaded mail without Date: grouped as sent now */
	db = fresh_db();
	{
		static const char nodate[] =
			"From x Mon Sep 17 00:00:00 2001\n"
			"From: A <a@example.org>\nSubject: [PATCH 1/2] one\n"
			"Message-Id: <nd1@x>\n\n---\ndiff --git a/a b/a\n"
			"From x Mon Sep 17 00:00:00 2001\n"
			"From: A <a@example.org>\nSubject: [PATCH 2/2] two\n"
			"Message-Id: <nd2@x>\n\n---\ndiff --git a/b b/b\n";

		res = submit(db, nodate, sizeof(nodate) - 1, &ret);
		v = column(db, "SELECT count(*) || ' ' || sum(complete) FROM "
			       "series");
		is_str(v, "1 1",
		       "two unthreaded mails without Date: one series");
		free(v);
		v = column(db, "SELECT flags FROM messages ORDER BY id");
		is_str(v, "bad-date,bad-date", "flagged bad-date");
		free(v);
		json_decref(res);
	}
	db_close(db);

	/* refused mail leaves no row */
	db = fresh_db();
	res = submit(db, "Subject: no sender\nMessage-Id: <x@y>\n\nhi\n", 40,
		     &ret);
	is_int(ret, ERR_UNPROCESSABLE, "mail without From: refused");
	v = column(db, "SELECT COUNT(*) FROM messages");
	is_str(v, "0", "and nothing written");
	free(v);
	json_decref(res);
	res = submit(db, "\x01\x02junk\xff\xfe\x00\x00", 10, &ret);
	is_int(ret, ERR_UNPROCESSABLE, "binary junk refused");
	json_decref(res);
	db_close(db);
}

static void test_trailers(void)
{
	static const char mbox[] =
		"From x Mon Sep 17 00:00:00 2001\n"
		"From: Au Thor <au@example.org>\n"
		"Subject: [PATCH v2 0/2] KVM: x86: Two fixes\n"
		"Message-Id: <c@x>\nDate: Tue, 13 Jun 2017 12:00:00 +0000\n\n"
		"Cover.\n\nbase-commit: 0123456789abcdef0123456789abcdef01234567\n"
		"From x Mon Sep 17 00:00:00 2001\n"
		"From: Au Thor <au@example.org>\n"
		"Subject: [PATCH v2 1/2] KVM: x86: One\n"
		"Message-Id: <p1@x>\nIn-Reply-To: <c@x>\nReferences: <c@x>\n"
		"Date: Tue, 13 Jun 2017 12:00:01 +0000\n\n"
		"One.\n\nSigned-off-by: Au Thor <au@example.org>\n---\n"
		"diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n"
		"From x Mon Sep 17 00:00:00 2001\n"
		"From: Rev Iewer <rev@example.org>\n"
		"Subject: Re: [PATCH v2 2/2] KVM: x86: Two\n"
		"Message-Id: <r2@x>\nIn-Reply-To: <p2@x>\n"
		"References: <c@x> <p2@x>\n"
		"Date: Tue, 13 Jun 2017 13:00:00 +0000\n\n"
		"> Acked-by: Someone <quoted@example.org>\n\n"
		"Tested-by: Rev Iewer <rev@example.org>\n"
		"From x Mon Sep 17 00:00:00 2001\n"
		"From: Au Thor <au@example.org>\n"
		"Subject: [PATCH v2 2/2] KVM: x86: Two\n"
		"Message-Id: <p2@x>\nIn-Reply-To: <c@x>\nReferences: <c@x>\n"
		"Date: Tue, 13 Jun 2017 12:00:02 +0000\n\n"
		"Two.\n---\n"
		"diff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -1 +1 @@\n-a\n+b\n"
		"From x Mon Sep 17 00:00:00 2001\n"
		"From: Main Tainer <m@example.org>\n"
		"Subject: Re: [PATCH v2 0/2] KVM: x86: Two fixes\n"
		"Message-Id: <r0@x>\nIn-Reply-To: <c@x>\nReferences: <c@x>\n"
		"Date: Tue, 13 Jun 2017 14:00:00 +0000\n\n"
		"> Reviewed-by: Not <me@example.org>\n"
		"For the series:\n\nReviewed-by: Main Tainer <m@example.org>\n";
	struct strbuf err = STRBUF_INIT;
	struct db *db = fresh_db();
	json_t *res, *t, *s = NULL;
	int64_t p1 = 0, p2 = 0;
	char *v;
	int ret;

	res = submit(db, mbox, sizeof(mbox) - 1, &ret);
	is_int(ret, 0, "threaded series with replies ingested");
	db_query_int(db, &p1, &err, "SELECT id FROM patches WHERE number = 1",
		     "");
	db_query_int(db, &p2, &err, "SELECT id FROM patches WHERE number = 2",
		     "");
	t = series_patch_trailers(db, p1, &err);
	v = json_dumps(t, JSON_COMPACT);
	is_str(v, "[\"Reviewed-by: Main Tainer <m@example.org>\"]",
	       "a reply to the cover reaches patch 1");
	free(v);
	json_decref(t);
	t = series_patch_trailers(db, p2, &err);
	v = json_dumps(t, JSON_COMPACT);
	is_str(v,
	       "[\"Tested-by: Rev Iewer <rev@example.org>\","
	       "\"Reviewed-by: Main Tainer <m@example.org>\"]",
	       "a reply that came before its patch is attached later; "
	       "quoted trailers ignored");
	free(v);
	json_decref(t);
	v = column(db, "SELECT base_commit || ' ' || complete FROM series");
	is_str(v, "0123456789abcdef0123456789abcdef01234567 1",
	       "base-commit of the cover, complete");
	free(v);
	json_decref(res);

	is_int(series_get(db, 1, &s, &err), 0, "series_get");
	is_int(json_array_size(json_object_get(s, "patches")), 2,
	       "series_get: two patches");
	is_int(json_array_size(json_object_get(s, "replies")), 2,
	       "series_get: two replies");
	json_decref(s);
	is_int(series_supersede(db, 1, 1, &err), ERR_INVALID,
	       "a series does not supersede itself");
	is_int(series_supersede(db, 1, 99, &err), ERR_NOT_FOUND,
	       "superseding an unknown series: not found");
	strbuf_release(&err);
	db_close(db);
}

/*
 * A patchwork dependency template ($CORPUS/patchwork/series/
 * dependency-*.mbox.template) made a mailbox the way str.format() does:
 * "{name}" replaced, "{{" and "}}" unescaped.
 */
static json_t *submit_template(struct db *db, const char *name,
			       const char *token1, const char *token2)
{
	struct strbuf path = STRBUF_INIT, buf = STRBUF_INIT, out = STRBUF_INIT;
	const char *p;
	json_t *res;
	int ret;

	strbuf_addf(&path, "%s/patchwork/series/%s", corpus_dir(), name);
	if (strbuf_read_file(&buf, path.buf) < 0) {
		printf("# cannot read %s\n", path.buf);
		exit(1);
	}
	for (p = buf.buf; *p; p++) {
		if ((p[0] == '{' && p[1] == '{') ||
		    (p[0] == '}' && p[1] == '}')) {
			strbuf_addch(&out, *p++);
		} else if (!strncmp(p, "{depends_token}", 15)) {
			strbuf_addstr(&out, token1);
			p += 14;
		} else if (!strncmp(p, "{depends_token_1}", 17)) {
			strbuf_addstr(&out, token1);
			p += 16;
		} else if (!strncmp(p, "{depends_token_2}", 17)) {
			strbuf_addstr(&out, token2);
			p += 16;
		} else {
			strbuf_addch(&out, *p);
		}
	}
	res = submit(db, out.buf, out.len, &ret);
	strbuf_release(&path);
	strbuf_release(&buf);
	strbuf_release(&out);
	return res;
}

#define BASE_COVER "<20240610210912.161735-1-ahassick@iol.unh.edu>"
#define BASE_PATCH1 "<20240610210912.161735-3-ahassick@iol.unh.edu>"
#define BASE_PATCH2 "20240610210912.161735-5-ahassick@iol.unh.edu"
#define ONE_COVER "<20240611160854.192806-1-ahassick@iol.unh.edu>"

/* The dependencies of series id, as "1,2". */
static char *deps_of(struct db *db, int id)
{
	struct strbuf sql = STRBUF_INIT;
	char *v;

	strbuf_addf(&sql,
		    "SELECT depends_on FROM series_deps WHERE "
		    "series_id = %d ORDER BY rowid",
		    id);
	v = column(db, sql.buf);
	strbuf_release(&sql);
	return v;
}

/* patchwork's SeriesDependencyTestCase on its templates. */
static void test_dependencies(void)
{
	static const struct {
		const char *what, *file, *token;
		const char *want;
	} t[] = {
		{ "by series URL", "dependency-one-cover.mbox.template",
		  "http://example.com/project/test/list/?series=1", "1" },
		{ "by patch URL", "dependency-one-cover.mbox.template",
		  "http://example.com/project/test/patch/"
		  "20240610210912.161735-3-ahassick@iol.unh.edu/",
		  "1" },
		{ "by cover URL", "dependency-one-cover.mbox.template",
		  "http://example.com/project/test/cover/"
		  "20240610210912.161735-1-ahassick@iol.unh.edu/",
		  "1" },
		{ "by patch Message-ID",
		  "dependency-one-first-patch.mbox.template", BASE_PATCH1,
		  "1" },
		{ "by cover Message-ID", "dependency-one-cover.mbox.template",
		  BASE_COVER, "1" },
		{ "patch Message-ID on the cover",
		  "dependency-one-cover.mbox.template", BASE_PATCH1, "1" },
		{ "patch 2 Message-ID without <>",
		  "dependency-one-cover.mbox.template", BASE_PATCH2, "1" },
		{ "no circular relation", "dependency-one-cover.mbox.template",
		  ONE_COVER, "" },
		{ "an unknown Message-ID", "dependency-one-cover.mbox.template",
		  "<nobody@example.org>", "" },
		{ "an unknown series", "dependency-one-cover.mbox.template",
		  "http://example.com/project/test/list/?series=42", "" },
	};
	static const char *const multi[] = {
		"dependency-multi.mbox.template",
		"dependency-multi-2.mbox.template",
	};
	struct db *db;
	json_t *res, *deps, *s;
	size_t i;
	char *v;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		db = fresh_db();
		json_decref(submit_file(db, "dependency-base-patch.mbox"));
		json_decref(submit_template(db, t[i].file, t[i].token, NULL));
		v = column(db, "SELECT COUNT(*) FROM series");
		is_str(v, "2", "%s: two series", t[i].what);
		free(v);
		v = deps_of(db, 2);
		is_str(v, t[i].want, "%s: dependencies '%s'", t[i].what,
		       t[i].want);
		free(v);
		v = deps_of(db, 1);
		is_str(v, "", "%s: none for the base series", t[i].what);
		free(v);
		db_close(db);
	}
	for (i = 0; i < ARRAY_SIZE(multi); i++) {
		struct strbuf err = STRBUF_INIT;

		db = fresh_db();
		json_decref(submit_file(db, "dependency-base-patch.mbox"));
		json_decref(
			submit_template(db,
					"dependency-one-cover.mbox.template",
					BASE_COVER, NULL));
		res = submit_template(db, multi[i],
				      "http://example.com/series/1/",
				      ONE_COVER);
		s = json_array_get(json_object_get(res, "series"), 0);
		is_int(json_integer_value(json_object_get(s, "id")), 3,
		       "%s: series 3", multi[i]);
		json_decref(res);
		v = deps_of(db, 3);
		is_str(v, "1,2", "%s: depends on series 1 then 2", multi[i]);
		free(v);
		res = NULL;
		if (ok(!series_get(db, 3, &res, &err), "%s: series_get",
		       multi[i])) {
			deps = json_object_get(res, "dependencies");
			is_int(json_array_size(deps), 2,
			       "%s: 2 dependencies in the JSON", multi[i]);
			is_int(json_integer_value(
				       json_object_get(json_array_get(deps, 1),
						       "id")),
			       2, "%s: the second is series 2", multi[i]);
		}
		json_decref(res);
		strbuf_release(&err);
		db_close(db);
	}
}

/* One generated mail, appended to mbox. */
static void gen(struct strbuf *mbox, const char *from, const char *id,
		const char *irt, int minute, const char *subject, bool diff)
{
	strbuf_addf(mbox,
		    "From x Mon Sep 17 00:00:00 2001\nFrom: %s\n"
		    "Message-Id: <%s>\n",
		    from, id);
	if (irt)
		strbuf_addf(mbox, "In-Reply-To: <%s>\nReferences: <%s>\n", irt,
			    irt);
	strbuf_addf(mbox,
		    "Date: Tue, 13 Jun 2023 12:%02d:00 +0000\n"
		    "Subject: %s\n\nText.\n",
		    minute, subject);
	if (diff)
		strbuf_addf(mbox,
			    "---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n"
			    "@@ -1 +1 @@\n-a\n+%s\n",
			    id);
}

/*
 * Grouping decisions and their reasons: siblings of a missing parent
 * with a rewritten sender, a late cover, another sender's patch in the
 * thread (a comment), another sender's sibling (a series of its own),
 * and a resend (slot taken).
 */
static void test_grouping(void)
{
	static const char *const jane = "Jane Doe <jane@example.org>";
	static const char *const gmane =
		"Jane Doe <jane-Qx7bS5mD1kLW3Pz0a9cA4g@public.gmane.org>";
	static const char *const other = "Jo Roe <jo@example.com>";
	struct strbuf mbox = STRBUF_INIT;
	struct db *db = fresh_db();
	json_t *res;
	char *v;
	int ret;

	gen(&mbox, gmane, "g.2", "nowhere", 2, "[PATCH 2/3] two", true);
	gen(&mbox, jane, "g.1", "nowhere", 1, "[PATCH 1/3] one", true);
	gen(&mbox, other, "g.x3", "nowhere", 5, "[PATCH 3/3] not hers", true);
	gen(&mbox, jane, "g.3", "nowhere", 3, "[PATCH 3/3] three", true);
	gen(&mbox, other, "g.c2", "g.2", 6, "[PATCH 2/3] instead", true);
	gen(&mbox, jane, "g.0", "nowhere", 0, "[PATCH 0/3] cover", false);
	gen(&mbox, jane, "g.r1", "g.1", 7, "[PATCH 1/3] one", true);
	res = submit(db, mbox.buf, mbox.len, &ret);
	is_int(ret, 0, "generated thread ingested");
	json_decref(res);
	v = column(db, "SELECT msgid || ':' || kind || ':' || "
		       "ifnull(series_id, '-') || ':' || join_reason FROM "
		       "messages ORDER BY id");
	is_str(v,
	       "g.2:patch:1:created,g.1:patch:1:sibling,g.x3:patch:2:created,"
	       "g.3:patch:1:sibling,g.c2:reply:1:comment,g.0:cover:1:sibling,"
	       "g.r1:patch:3:created",
	       "siblings of a missing parent, a gmane sender among them, "
	       "the late cover: one series; another sender's sibling: its "
	       "own; another sender's patch in the thread: a comment; a "
	       "resend: a new series");
	free(v);
	v = column(db, "SELECT join_detail FROM messages WHERE msgid = 'g.1'");
	is_str(v,
	       "replies to the same parent <nowhere> (not received), as patch "
	       "2 <g.2> of the series does; total 3; sender: same name",
	       "the sibling's reason");
	free(v);
	v = column(db, "SELECT join_detail FROM messages WHERE msgid = 'g.r1'");
	is_str(v,
	       "its thread reaches series 1 (through patch 1 <g.1>), which "
	       "does not take it: it has a patch 1 already",
	       "the resend's reason");
	free(v);
	v = column(db, "SELECT author_email || ' ' || complete FROM series "
		       "WHERE id = 1");
	is_str(v, "jane@example.org 1",
	       "the unrewritten address is the author; complete");
	free(v);
	strbuf_release(&mbox);
	db_close(db);
}

int main(void)
{
	struct strbuf cmd = STRBUF_INIT;

	if (!mkdtemp(dir))
		return 1;
	mail_global_init();
	if (have_corpus("the checks on patchwork's series files")) {
		test_corpus();
		test_details();
		test_dependencies();
	}
	test_trailers();
	test_grouping();
	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.buf))
		printf("# cannot remove %s\n", dir);
	strbuf_release(&cmd);
	mail_global_release();
	return done_testing();
}
