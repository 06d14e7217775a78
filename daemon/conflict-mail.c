/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Conflict mail of next (see conflict-mail.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/conflict-mail.h"
#include "daemon/db.h"
#include "daemon/notify.h"
#include "daemon/repo.h"
#include "daemon/store/builds.h"
#include "daemon/store/conflict-mails.h"
#include "daemon/store/notifications.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* Commits named per side of a conflict, at most. */
#define SIDE_MAX 10
/* Topics' changes remembered (slots; all forgotten when half full). */
#define CHANGES_MEMO_SIZE 4096

/* A conflict of the build: the topic, its files and the earlier topics. */
struct conflict {
	const struct store_build_topic *t;
	struct strbuf files;  /* one a line */
	struct strbuf others; /* one a line */
	struct strbuf body;   /* the mail's text */
	bool held;	      /* open and mailed before */
};

static bool merged_in(const struct store_build_topic *t)
{
	return t->outcome && t->tip &&
	       (!strcmp(t->outcome, "merged") ||
		!strcmp(t->outcome, "reused") ||
		!strcmp(t->outcome, "resolved"));
}

/*
 * "commit:\n\n  SHA ("subject")\n" for the lines of log ("SHA SUBJECT\n"
 * each, as log_paths() gives them).
 */
static void add_commits(struct strbuf *body, const char *log)
{
	const char *p, *eol, *sp;
	size_t n = 0;

	for (p = log; (p = strchr(p, '\n')); p++)
		n++;
	strbuf_addstr(body, n == 1 ? "commit:\n\n" : "commits:\n\n");
	for (p = log; (eol = strchr(p, '\n')); p = eol + 1) {
		sp = memchr(p, ' ', eol - p);
		if (!sp)
			sp = eol;
		strbuf_addf(body, "  %.12s (\"%.*s\")\n", p,
			    (int)(sp < eol ? eol - sp - 1 : 0),
			    sp < eol ? sp + 1 : eol);
	}
	strbuf_addch(body, '\n');
}

/*
 * A topic's commits over the base and the paths each changes, by the
 * two commits: every build asks of each topic merged before each
 * conflict while the conflicts hold, so that a build walks the topics
 * that moved, not all of them for every conflict.  Engine thread only.
 */
static struct topic_changes {
	char base[REPO_HEXSZ + 1], tip[REPO_HEXSZ + 1];
	struct repo_change_list list;
	char **all; /* every path the commits change, sorted, borrowed */
	size_t nr_all;
} * changes_memo;
static size_t changes_nr;

static uint32_t changes_hash(const char *base, const char *tip)
{
	uint32_t h = 2166136261u;
	const char *p;

	for (p = base; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (p = tip; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

static void changes_clear(void)
{
	size_t i;

	for (i = 0; changes_memo && i < CHANGES_MEMO_SIZE; i++) {
		repo_change_list_release(&changes_memo[i].list);
		free(changes_memo[i].all);
	}
	free(changes_memo);
	changes_memo = NULL;
	changes_nr = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Whether sorted paths have path p or a path under it (a folder's, as
 * git log -- p matches).
 */
static bool has_path(char *const *paths, size_t nr, const char *p)
{
	size_t lo = 0, hi = nr, len = strlen(p);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(paths[mid], p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < nr && !strncmp(paths[lo], p, len); lo++)
		if (!paths[lo][len] || paths[lo][len] == '/')
			return true;
	return false;
}

static int topic_changes(struct repo *repo, const char *base, const char *tip,
			 const struct topic_changes **out, struct strbuf *err)
{
	struct topic_changes *e;
	size_t pos, i, k, n;
	int ret;

	if (changes_nr * 2 >= CHANGES_MEMO_SIZE)
		changes_clear();
	if (!changes_memo)
		changes_memo =
			xcalloc(CHANGES_MEMO_SIZE, sizeof(*changes_memo));
	pos = changes_hash(base, tip) & (CHANGES_MEMO_SIZE - 1);
	for (e = &changes_memo[pos]; *e->tip; e = &changes_memo[pos]) {
		if (!strcmp(e->base, base) && !strcmp(e->tip, tip)) {
			*out = e;
			return 0;
		}
		pos = (pos + 1) & (CHANGES_MEMO_SIZE - 1);
	}
	ret = repo_log_changes(repo, base, tip, &e->list, err);
	if (ret < 0)
		return ret;
	for (i = n = 0; i < e->list.nr; i++)
		n += e->list.v[i].nr_paths;
	e->all = xcalloc(n ? n : 1, sizeof(*e->all));
	for (i = 0; i < e->list.nr; i++)
		for (k = 0; k < e->list.v[i].nr_paths; k++)
			e->all[e->nr_all++] = e->list.v[i].paths[k];
	qsort(e->all, e->nr_all, sizeof(*e->all), cmp_str);
	snprintf(e->base, sizeof(e->base), "%s", base);
	snprintf(e->tip, sizeof(e->tip), "%s", tip);
	changes_nr++;
	*out = e;
	return 0;
}

/*
 * The commits of base..tip that change any of paths, without merges,
 * newest first, at most SIDE_MAX, one "SHA1 SUBJECT\n" line each (git
 * log --no-merges base..tip -- paths), added to out.
 */
static int log_paths(struct repo *repo, const char *base, const char *tip,
		     const char *const *paths, size_t nr, struct strbuf *out,
		     struct strbuf *err)
{
	const struct topic_changes *tc;
	size_t i, k, n = 0;
	int ret;

	ret = topic_changes(repo, base, tip, &tc, err);
	if (ret < 0)
		return ret;
	for (k = 0; k < nr; k++)
		if (has_path(tc->all, tc->nr_all, paths[k]))
			break;
	if (k == nr)
		return 0;
	for (i = 0; i < tc->list.nr && n < SIDE_MAX; i++) {
		const struct repo_change *c = &tc->list.v[i];

		for (k = 0; k < nr; k++)
			if (has_path(c->paths, c->nr_paths, paths[k]))
				break;
		if (k == nr)
			continue;
		strbuf_addf(out, "%s %s\n", c->commit, c->subject);
		n++;
	}
	return 0;
}

/*
 * Find what conflict c is made of in the build's topics v[0..i), its
 * topic being v[i], and write its mail's text.
 */
static int conflict_fill(struct repo *repo, const struct config *cfg,
			 const char *base, const struct store_build_topic *v,
			 size_t i, struct conflict *c, struct strbuf *err)
{
	const struct store_build_topic *t = &v[i];
	const char *const *paths = (const char *const *)t->conflicts;
	struct strbuf log = STRBUF_INIT, sides = STRBUF_INIT;
	size_t j, k, nr_others = 0;
	bool stop;
	int ret = 0;

	for (k = 0; k < t->nr_conflicts; k++)
		strbuf_addf(&c->files, "%s\n", t->conflicts[k]);
	for (j = 0; j < i; j++) {
		if (!merged_in(&v[j]))
			continue;
		strbuf_reset(&log);
		ret = log_paths(repo, base, v[j].tip, paths, t->nr_conflicts,
				&log, err);
		if (ret < 0)
			goto out;
		if (!log.len)
			continue;
		strbuf_addf(&c->others, "%s\n", v[j].topic);
		add_commits(&sides, log.buf);
		strbuf_addf(&sides, "from the %s topic and ", v[j].topic);
		nr_others++;
	}
	strbuf_reset(&log);
	ret = log_paths(repo, base, t->tip, paths, t->nr_conflicts, &log, err);
	if (ret < 0)
		goto out;

	strbuf_addf(&c->body,
		    "Hi all,\n\nToday's %s next merge of the %s topic got a conflict in:\n\n",
		    cfg->tree_name ? cfg->tree_name : "", t->topic);
	for (k = 0; k < t->nr_conflicts; k++)
		strbuf_addf(&c->body, "  %s\n", t->conflicts[k]);
	strbuf_addstr(&c->body, "\nbetween ");
	if (nr_others)
		strbuf_addbuf(&c->body, &sides);
	else
		strbuf_addf(&c->body, "the base %.12s and ", base);
	if (log.len) {
		add_commits(&c->body, log.buf);
		strbuf_addf(&c->body, "from the %s topic.\n\n", t->topic);
	} else {
		strbuf_addf(&c->body, "the %s topic at %.12s.\n\n", t->topic,
			    t->tip);
	}
	if (t->merge_fix_failed)
		strbuf_addf(&c->body,
			    "The conflict is the merge-fix %.12s, which no longer applies to\n"
			    "the merge of the %s topic.\n\n",
			    t->merge_fix_failed, t->topic);
	stop = config_get(cfg, "next.on-conflict") &&
	       !strcmp(config_get(cfg, "next.on-conflict"), "stop");
	strbuf_addf(
		&c->body,
		stop ? "Next stops before the %s topic while the conflict holds.\n" :
		       "Next is built without the %s topic while the conflict holds.\n",
		t->topic);
	strbuf_addf(&c->body,
		    "Fix it up once, in a checkout of the conflicted merge, and record the\n"
		    "resolution so that every build of next uses it:\n\n"
		    "    cthulhu resolve %s --checkout DIR\n"
		    "    cthulhu resolve %s --record DIR\n\n"
		    "This mail is sent once while the conflict holds; a short note follows\n"
		    "when it is gone.\n",
		    t->topic, t->topic);
out:
	strbuf_release(&log);
	strbuf_release(&sides);
	return ret;
}

/* "the x86/a topic", "the x86/a and x86/c topics", from others' lines. */
static void add_others(struct strbuf *sb, const char *others)
{
	size_t n = 0, k = 0;
	const char *p, *eol;

	for (p = others; *p; p = eol + 1) {
		eol = strchrnul(p, '\n');
		n++;
		if (!*eol)
			break;
	}
	if (!n) {
		strbuf_addstr(sb, "the base");
		return;
	}
	strbuf_addstr(sb, "the ");
	for (p = others; *p; p = eol + 1) {
		eol = strchrnul(p, '\n');
		if (k)
			strbuf_addstr(sb, k + 1 == n ? " and " : ", ");
		strbuf_add(sb, p, eol - p);
		k++;
		if (!*eol)
			break;
	}
	strbuf_addstr(sb, n == 1 ? " topic" : " topics");
}

/*
 * Tell topic's owner of a conflict with the topics others names (one a
 * line), their owners and the maintainer on Cc.
 */
static int notify_conflict(struct db *db, const struct config *cfg,
			   const char *kind, const char *topic,
			   const char *others, const char *in_reply_to,
			   const char *subject, const char *body, int64_t *id,
			   struct strbuf *err)
{
	char *copy = xstrdup(others ? others : ""), *p, *eol;
	const char **names;
	size_t nr = 0;
	int ret;

	names = xcalloc(strlen(copy) + 1, sizeof(*names));
	for (p = copy; *p; p = eol + 1) {
		eol = strchrnul(p, '\n');
		names[nr++] = p;
		if (!*eol)
			break;
		*eol = 0;
	}
	ret = notify_owners(db, cfg, kind, topic, names, nr, in_reply_to,
			    subject, body, id, err);
	free(names);
	free(copy);
	return ret;
}

static void conflict_release(struct conflict *c)
{
	strbuf_release(&c->files);
	strbuf_release(&c->others);
	strbuf_release(&c->body);
}

/* The open conflict of the build that is row, or NULL. */
static struct conflict *find_held(struct conflict *v, size_t nr,
				  const struct store_conflict_mail *row)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(v[i].t->topic, row->topic) &&
		    !strcmp(v[i].files.buf, row->files ? row->files : "") &&
		    !strcmp(v[i].others.buf, row->others ? row->others : ""))
			return &v[i];
	return NULL;
}

/* Mail conflict c, and record it open. */
static int mail_conflict(struct db *db, const struct config *cfg, int64_t build,
			 struct conflict *c, struct strbuf *err)
{
	struct store_conflict_mail row = { 0 };
	struct strbuf subject = STRBUF_INIT;
	int64_t id = 0;
	int ret;

	strbuf_addf(&subject, "%s next: manual merge of the %s topic with ",
		    cfg->tree_name ? cfg->tree_name : "", c->t->topic);
	add_others(&subject, c->others.buf);
	ret = notify_conflict(db, cfg, "conflict", c->t->topic, c->others.buf,
			      NULL, subject.buf, c->body.buf, &id, err);
	if (!ret) {
		row.topic = c->t->topic;
		row.files = c->files.buf;
		row.others = c->others.buf;
		row.build = build;
		row.notification = id;
		row.created_at = time(NULL);
		ret = store_conflict_mail_add(db, &row, err);
	}
	if (!ret)
		log_info("next: conflict of '%s' mailed (notification %" PRId64
			 ")",
			 c->t->topic, id);
	strbuf_release(&subject);
	return ret;
}

/*
 * The short note that conflict row is gone in build: topic t merged
 * (NULL: it conflicts differently now).
 */
static int mail_resolved(struct db *db, const struct config *cfg, int64_t build,
			 const struct store_conflict_mail *row,
			 const struct store_build_topic *t, struct strbuf *err)
{
	struct strbuf subject = STRBUF_INIT, body = STRBUF_INIT;
	struct store_notification n = { 0 };
	const char *p, *eol;
	int64_t id = 0;
	int ret;

	if (row->notification &&
	    !store_notification_get(db, row->notification, &n, NULL))
		strbuf_addf(&subject, "Re: %s", n.subject ? n.subject : "");
	else
		strbuf_addf(&subject,
			    "%s next: conflict of the %s topic resolved",
			    cfg->tree_name ? cfg->tree_name : "", row->topic);
	strbuf_addf(&body, "Hi all,\n\nThe conflict of the %s topic with ",
		    row->topic);
	add_others(&body, row->others ? row->others : "");
	strbuf_addstr(&body, " in:\n\n");
	for (p = row->files ? row->files : ""; *p; p = eol + 1) {
		eol = strchrnul(p, '\n');
		strbuf_addf(&body, "  %.*s\n", (int)(eol - p), p);
		if (!*eol)
			break;
	}
	strbuf_addf(&body, "\nis gone in build %" PRId64 " of next: ", build);
	if (!t)
		strbuf_addf(&body,
			    "the %s topic conflicts differently now (a new mail says how).\n",
			    row->topic);
	else if (!strcmp(t->outcome, "resolved"))
		strbuf_addf(&body,
			    "the %s topic merges with a recorded resolution.\n",
			    row->topic);
	else
		strbuf_addf(&body, "the %s topic merges cleanly.\n",
			    row->topic);
	ret = notify_conflict(db, cfg, "conflict-resolved", row->topic,
			      row->others, n.msgid, subject.buf, body.buf, &id,
			      err);
	if (!ret)
		ret = store_conflict_mail_resolve(db, row->id, build, id,
						  time(NULL), err);
	if (!ret)
		log_info("next: conflict of '%s' resolved (notification %" PRId64
			 ")",
			 row->topic, id);
	store_notification_release(&n);
	strbuf_release(&subject);
	strbuf_release(&body);
	return ret;
}

/* The topic named in the build's topics, or NULL. */
static const struct store_build_topic *
topic_in(const struct store_build_topic_list *topics, const char *name)
{
	size_t i;

	for (i = 0; i < topics->nr; i++)
		if (topics->v[i].topic && !strcmp(topics->v[i].topic, name))
			return &topics->v[i];
	return NULL;
}

int conflict_mail_build(struct db *db, const struct config *cfg, int64_t build,
			const char *base, struct strbuf *err)
{
	struct store_build_topic_list topics = { 0 };
	struct store_conflict_mail_list open = { 0 };
	struct conflict *v = NULL;
	struct repo *repo;
	size_t nr = 0, i;
	int ret;

	repo = repo_thread(err);
	if (!repo)
		return -EIO;
	ret = store_build_topics(db, build, &topics, err);
	if (ret < 0)
		return ret;
	v = xcalloc(topics.nr ? topics.nr : 1, sizeof(*v));
	for (i = 0; i < topics.nr; i++) {
		const struct store_build_topic *t = &topics.v[i];

		if (!t->outcome || strcmp(t->outcome, "conflict") || !t->tip ||
		    !t->nr_conflicts)
			continue;
		v[nr].t = t;
		strbuf_init(&v[nr].files, 0);
		strbuf_init(&v[nr].others, 0);
		strbuf_init(&v[nr].body, 0);
		nr++;
		ret = conflict_fill(repo, cfg, base, topics.v, i, &v[nr - 1],
				    err);
		if (ret < 0)
			goto out;
	}
	ret = store_conflict_mails_open(db, &open, err);
	if (ret < 0)
		goto out;
	ret = db_begin(db, err);
	if (ret < 0)
		goto out;
	for (i = 0; !ret && i < open.nr; i++) {
		const struct store_conflict_mail *row = &open.v[i];
		const struct store_build_topic *t =
			topic_in(&topics, row->topic);
		struct conflict *held = find_held(v, nr, row);

		if (held) {
			held->held = true;
			continue;
		}
		/* not merged in this build: nothing is known of it */
		if (!t || !t->outcome ||
		    (!merged_in(t) && strcmp(t->outcome, "nothing") &&
		     strcmp(t->outcome, "conflict")))
			continue;
		ret = mail_resolved(db, cfg, build, row,
				    strcmp(t->outcome, "conflict") ? t : NULL,
				    err);
	}
	for (i = 0; !ret && i < nr; i++)
		if (!v[i].held)
			ret = mail_conflict(db, cfg, build, &v[i], err);
	if (ret < 0)
		db_rollback(db);
	else
		ret = db_commit(db, err);
out:
	for (i = 0; i < nr; i++)
		conflict_release(&v[i]);
	free(v);
	store_conflict_mail_list_release(&open);
	store_build_topic_list_release(&topics);
	return ret;
}
