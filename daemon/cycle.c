/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The release cycle of mainline, from its version tags.  The tags are
 * read with libgit2, sorted by version, newest first, and the newest one
 * reachable from the mainline ref says where the cycle is; the rc tags of
 * the same version give the cadence from which the dates still to come
 * are estimated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "daemon/config.h"
#include "daemon/cycle.h"
#include "daemon/daemon.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define DAY 86400
#define FINAL_RC 1000 /* sorts vX.Y after all its rcs */
#define MERGE_WINDOW_WEEKS 2

struct vtag {
	char name[32];
	int major, minor, rc; /* rc FINAL_RC for a release */
	git_oid commit;
	time_t date;
	int reach; /* reachable from mainline: 1, 0, -1 unknown */
};

struct vtags {
	struct vtag *v;
	size_t nr, alloc;
	git_repository *git;
	git_oid tip; /* mainline */
};

/* "v6.9" or "v6.9-rc3"; anything else (v6.9.1, v6.9-foo) is not ours. */
static bool parse_version(const char *s, int *major, int *minor, int *rc)
{
	char *end;
	long n;

	if (*s++ != 'v' || *s < '0' || *s > '9')
		return false;
	n = strtol(s, &end, 10);
	if (*end != '.' || n < 0 || n > 1000)
		return false;
	*major = n;
	s = end + 1;
	if (*s < '0' || *s > '9')
		return false;
	n = strtol(s, &end, 10);
	if (n < 0 || n > 1000)
		return false;
	*minor = n;
	if (!*end) {
		*rc = FINAL_RC;
		return true;
	}
	if (strncmp(end, "-rc", 3) || end[3] < '1' || end[3] > '9')
		return false;
	n = strtol(end + 3, &end, 10);
	if (*end || n < 1 || n >= FINAL_RC)
		return false;
	*rc = n;
	return true;
}

static int collect_tag(const char *refname, git_oid *oid, void *data)
{
	struct vtags *tags = data;
	git_object *obj = NULL, *peeled = NULL;
	const git_signature *sig;
	const char *name;
	struct vtag t;

	if (!skip_prefix(refname, "refs/tags/", &name) ||
	    strlen(name) >= sizeof(t.name) ||
	    !parse_version(name, &t.major, &t.minor, &t.rc))
		return 0;
	if (git_object_lookup(&obj, tags->git, oid, GIT_OBJECT_ANY) < 0)
		goto out;
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0)
		goto out;
	/* An annotated tag's date is the tagger's; a light one, the commit's. */
	sig = git_object_type(obj) == GIT_OBJECT_TAG ?
		      git_tag_tagger((git_tag *)obj) :
		      NULL;
	t.date = sig ? sig->when.time : git_commit_time((git_commit *)peeled);
	git_oid_cpy(&t.commit, git_object_id(peeled));
	strcpy(t.name, name);
	t.reach = -1;
	if (tags->nr == tags->alloc) {
		tags->alloc = tags->alloc ? 2 * tags->alloc : 64;
		tags->v = xrealloc(tags->v, tags->alloc * sizeof(*tags->v));
	}
	tags->v[tags->nr++] = t;
out:
	git_object_free(peeled);
	git_object_free(obj);
	return 0;
}

/* Newest version first. */
static int vtag_cmp(const void *a, const void *b)
{
	const struct vtag *x = a, *y = b;

	if (x->major != y->major)
		return y->major - x->major;
	if (x->minor != y->minor)
		return y->minor - x->minor;
	return y->rc - x->rc;
}

/* Whether t is on mainline; asked of git once per tag. */
static bool reachable(const struct vtags *tags, struct vtag *t)
{
	if (t->reach < 0)
		t->reach = git_oid_equal(&tags->tip, &t->commit) ||
			   git_graph_descendant_of(tags->git, &tags->tip,
						   &t->commit) == 1;
	return t->reach;
}

/* The mean gap in days between the consecutive rcs of one version. */
static double rc_cadence(struct vtags *tags, int major, int minor)
{
	time_t prev = 0;
	double sum = 0;
	int n = 0;
	size_t i;

	/* Sorted newest first: walk backwards for rc1, rc2, ... */
	for (i = tags->nr; i-- > 0;) {
		struct vtag *t = &tags->v[i];

		if (t->major != major || t->minor != minor ||
		    t->rc == FINAL_RC || !reachable(tags, t))
			continue;
		if (prev && t->date > prev) {
			sum += (double)(t->date - prev) / DAY;
			n++;
		}
		prev = t->date;
	}
	return n ? sum / n : 0;
}

/* The tag vMAJOR.MINOR-rcRC if it is on mainline, else NULL. */
static const struct vtag *find_tag(struct vtags *tags, int major, int minor,
				   int rc)
{
	size_t i;

	for (i = 0; i < tags->nr; i++)
		if (tags->v[i].major == major && tags->v[i].minor == minor &&
		    tags->v[i].rc == rc && reachable(tags, &tags->v[i]))
			return &tags->v[i];
	return NULL;
}

/* Set mark to the tag vMAJOR.MINOR-rcN if it exists, else estimate it. */
static void mark_rc(struct cycle_mark *mark, struct vtags *tags, int major,
		    int minor, int rc, time_t from, int from_rc, double cadence)
{
	const struct vtag *t = find_tag(tags, major, minor, rc);

	snprintf(mark->tag, sizeof(mark->tag), "v%d.%d-rc%d", major, minor, rc);
	if (t) {
		mark->date = t->date;
		mark->estimate = false;
	} else {
		mark->date = from + (time_t)((rc - from_rc) * cadence * DAY);
		mark->estimate = true;
	}
}

int cycle_compute(struct repo *repo, const char *mainline_ref,
		  struct cycle *out, struct strbuf *err)
{
	struct vtags tags = { NULL, 0, 0, repo_git(repo), { { 0 } } };
	const struct vtag *cur = NULL, *prev = NULL;
	double cadence;
	int major, minor, ret = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (git_reference_name_to_id(&tags.tip, tags.git, mainline_ref) < 0)
		return repo_error(err, ERR_NOT_FOUND,
				  "cannot resolve mainline ref '%s'",
				  mainline_ref);
	if (git_tag_foreach(tags.git, collect_tag, &tags) < 0) {
		ret = repo_error(err, -EIO, "cannot list tags");
		goto out;
	}
	qsort(tags.v, tags.nr, sizeof(*tags.v), vtag_cmp);

	for (i = 0; i < tags.nr; i++) {
		if (reachable(&tags, &tags.v[i])) {
			cur = &tags.v[i];
			break;
		}
	}
	if (!cur) {
		ret = error_set(
			err, ERR_NOT_FOUND,
			"no version tag (vX.Y, vX.Y-rcN) is reachable from '%s'",
			mainline_ref);
		goto out;
	}
	/* The last release: the newest final tag at or below cur. */
	for (; i < tags.nr; i++) {
		if (tags.v[i].rc == FINAL_RC && reachable(&tags, &tags.v[i])) {
			prev = &tags.v[i];
			break;
		}
	}

	strcpy(out->tag, cur->name);
	out->tag_date = cur->date;
	git_oid_tostr(out->tip_oid, sizeof(out->tip_oid), &tags.tip);
	if (prev) {
		strcpy(out->previous, prev->name);
		out->previous_date = prev->date;
		git_oid_tostr(out->previous_oid, sizeof(out->previous_oid),
			      &prev->commit);
	}

	if (cur->rc == FINAL_RC) {
		/* Merge window: the next version's rcs are all to come. */
		major = cur->major;
		minor = cur->minor + 1;
		out->rc = 0;
		cadence = rc_cadence(&tags, cur->major, cur->minor);
	} else {
		major = cur->major;
		minor = cur->minor;
		out->rc = cur->rc;
		snprintf(out->release, sizeof(out->release), "v%d.%d", major,
			 minor);
		cadence = rc_cadence(&tags, major, minor);
		if (!cadence && prev)
			cadence = rc_cadence(&tags, prev->major, prev->minor);
	}
	if (cadence < 1)
		cadence = 7;
	out->cadence_days = cadence;

	if (out->rc == 0) {
		out->phase = CYCLE_MERGE_WINDOW;
		mark_rc(&out->rc1, &tags, major, minor, 1,
			cur->date + MERGE_WINDOW_WEEKS * 7 * DAY, 1, cadence);
	} else {
		mark_rc(&out->rc1, &tags, major, minor, 1, cur->date, out->rc,
			cadence);
		if (out->rc >= 7)
			out->phase = CYCLE_PULL_REQUESTS;
		else if (out->rc == 6)
			out->phase = CYCLE_FIXES_CLOSED;
		else if (out->rc == 5)
			out->phase = CYCLE_FEATURES_CLOSED;
		else
			out->phase = CYCLE_REVIEW;
	}
	mark_rc(&out->features_close, &tags, major, minor, 5,
		out->rc ? cur->date : out->rc1.date, out->rc ? out->rc : 1,
		cadence);
	mark_rc(&out->fixes_close, &tags, major, minor, 6,
		out->rc ? cur->date : out->rc1.date, out->rc ? out->rc : 1,
		cadence);
	mark_rc(&out->pull_requests, &tags, major, minor, 7,
		out->rc ? cur->date : out->rc1.date, out->rc ? out->rc : 1,
		cadence);

	out->review_window = out->rc >= 1 && out->rc <= 6;
	out->features_closed = out->rc == 0 || out->rc >= 5;
	out->fixes_closed = out->rc == 0 || out->rc >= 6;
	out->pull_request_week = out->rc >= 7;
out:
	free(tags.v);
	return ret;
}

const char *cycle_phase_name(enum cycle_phase phase)
{
	switch (phase) {
	case CYCLE_MERGE_WINDOW:
		return "merge-window";
	case CYCLE_REVIEW:
		return "review";
	case CYCLE_FEATURES_CLOSED:
		return "features-closed";
	case CYCLE_FIXES_CLOSED:
		return "fixes-closed";
	case CYCLE_PULL_REQUESTS:
		return "pull-requests";
	}
	return "?";
}

/* Whole days from now to when, rounded up; 0 once it has passed. */
static json_int_t days_until(time_t when, time_t now)
{
	if (when <= now)
		return 0;
	return (json_int_t)((when - now + DAY - 1) / DAY);
}

static json_t *mark_json(const struct cycle_mark *m, time_t now)
{
	return json_pack("{s:s, s:I, s:b, s:I}", "tag", m->tag, "date",
			 (json_int_t)m->date, "estimate", m->estimate,
			 "days_left", days_until(m->date, now));
}

static void summary(const struct cycle *c, time_t now, struct strbuf *sb)
{
	if (c->phase == CYCLE_MERGE_WINDOW)
		strbuf_addf(sb,
			    "merge window after %s; rc1 expected in ~%lld days",
			    c->tag, (long long)days_until(c->rc1.date, now));
	else
		strbuf_addf(sb, "%s: %s", c->tag,
			    c->phase == CYCLE_REVIEW ?
				    "review window" :
			    c->phase == CYCLE_FEATURES_CLOSED ?
				    "soft close for features" :
			    c->phase == CYCLE_FIXES_CLOSED ?
				    "soft close for features and fixes" :
				    "pull requests for the merge window");
	if (!c->features_closed)
		strbuf_addf(sb, "; features close in ~%lld days",
			    (long long)days_until(c->features_close.date, now));
	if (!c->fixes_closed)
		strbuf_addf(sb, ", fixes in ~%lld days",
			    (long long)days_until(c->fixes_close.date, now));
	if (!c->features_closed || !c->fixes_closed ||
	    c->phase == CYCLE_MERGE_WINDOW)
		strbuf_addstr(sb, " (estimate)");
}

json_t *cycle_json(const struct cycle *c, time_t now)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *o;

	summary(c, now, &sb);
	o = json_pack(
		"{s:s, s:s, s:I, s:s?, s:s?, s:I, s:i, s:f, s:b, s:b, s:b, s:b, s:b}",
		"phase", cycle_phase_name(c->phase), "tag", c->tag, "tag_date",
		(json_int_t)c->tag_date, "release",
		*c->release ? c->release : NULL, "previous",
		*c->previous ? c->previous : NULL, "previous_date",
		(json_int_t)c->previous_date, "rc", c->rc, "cadence_days",
		(double)(long)(c->cadence_days * 10 + 0.5) / 10, "merge_window",
		c->phase == CYCLE_MERGE_WINDOW, "review_window",
		c->review_window, "features_closed", c->features_closed,
		"fixes_closed", c->fixes_closed, "pull_request_week",
		c->pull_request_week);
	json_object_set_new(o, "rc1", mark_json(&c->rc1, now));
	json_object_set_new(o, "features_close",
			    mark_json(&c->features_close, now));
	json_object_set_new(o, "fixes_close", mark_json(&c->fixes_close, now));
	json_object_set_new(o, "pull_requests",
			    mark_json(&c->pull_requests, now));
	json_object_set_new(o, "summary", json_string(sb.buf));
	strbuf_release(&sb);
	return o;
}

int cycle_current(struct cycle *out, struct strbuf *err)
{
	const struct config *cfg;
	struct repo *repo;
	char *mainline;
	bool engine = engine_on_engine_thread();
	int ret;

	cfg = engine ? daemon_config_engine() : daemon_config_get();
	mainline = xstrdup_or_null(cfg->mainline);
	if (!engine)
		daemon_config_put();
	if (!mainline)
		return error_set(err, ERR_NOT_FOUND,
				 "no mainline ref configured ([tree] mainline)");
	repo = repo_thread(err);
	if (!repo) {
		ret = -EIO;
		goto out;
	}
	ret = cycle_compute(repo, mainline, out, err);
out:
	free(mainline);
	return ret;
}

json_t *cycle_current_json(void)
{
	struct strbuf err = STRBUF_INIT;
	struct cycle c;
	json_t *o;

	o = cycle_current(&c, &err) ? json_null() : cycle_json(&c, time(NULL));
	strbuf_release(&err);
	return o;
}

static bool closed(bool features, struct strbuf *why)
{
	struct strbuf err = STRBUF_INIT;
	struct cycle c;
	bool ret;

	if (cycle_current(&c, &err) < 0) {
		strbuf_release(&err);
		return false;
	}
	ret = features ? c.features_closed : c.fixes_closed;
	if (ret && why)
		strbuf_addf(why, "%s soft close: mainline is at %s%s",
			    features ? "feature" : "fixes", c.tag,
			    c.phase == CYCLE_MERGE_WINDOW ? " (merge window)" :
							    "");
	strbuf_release(&err);
	return ret;
}

bool cycle_feature_closed(struct strbuf *why)
{
	return closed(true, why);
}

bool cycle_fixes_closed(struct strbuf *why)
{
	return closed(false, why);
}

int cycle_lookup_commit(struct repo *repo, const char *hex, char *full,
			struct strbuf *subject)
{
	git_object *obj = NULL;
	git_commit *commit = NULL;
	git_oid oid;
	size_t n = strlen(hex);
	int ret = -ENOENT;

	if (n < 4 || n > GIT_OID_HEXSZ || git_oid_fromstrn(&oid, hex, n) < 0)
		return -ENOENT;
	if (git_object_lookup_prefix(&obj, repo_git(repo), &oid, n,
				     GIT_OBJECT_ANY) < 0)
		goto out;
	if (git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) < 0)
		goto out;
	git_oid_tostr(full, GIT_OID_HEXSZ + 1, git_commit_id(commit));
	if (subject)
		strbuf_addstr(subject, git_commit_summary(commit) ?
					       git_commit_summary(commit) :
					       "");
	ret = 0;
out:
	git_commit_free(commit);
	git_object_free(obj);
	return ret;
}

enum cycle_where cycle_commit_where(struct repo *repo, const struct cycle *c,
				    const char *full)
{
	if (!*c->tip_oid || !repo_is_ancestor(repo, full, c->tip_oid))
		return CYCLE_NOT_MAINLINE;
	if (*c->previous_oid && repo_is_ancestor(repo, full, c->previous_oid))
		return CYCLE_OLDER;
	return CYCLE_CURRENT;
}
