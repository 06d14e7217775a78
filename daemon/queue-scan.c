/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Looking at a series for the review queue: lint its patches and the
 * series, find its lane (and the reason) and whether it is queued, place
 * it by arrival unless a bump placed it, and write its queue row.
 * queue.c runs this on the series the triggers noted and keeps the
 * in-memory order of the places it gives.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/cycle.h"
#include "daemon/db.h"
#include "lib/error.h"
#include "daemon/lint.h"
#include "lib/log.h"
#include "daemon/mail.h"
#include "daemon/queue-scan.h"
#include "daemon/store/queue.h"
#include "daemon/store/series.h"
#include "daemon/repo.h"
#include "daemon/target.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/*
 * The rank of a series that no bump moved: its arrival in 1/2^20 s, plus
 * the low bits of its first version's id to part series of the same
 * second, leaving room between neighbours for bumps to land.
 */
#define RANK(arrival, root) \
	((int64_t)(arrival)*QUEUE_RANK_SECOND + ((int64_t)(root)&0x3ff) * 1024)

/* The states that take a series out of the queue. */
static bool state_leaves(const char *state)
{
	return !strcmp(state, "applied") || !strcmp(state, "dropped") ||
	       !strcmp(state, "rejected") || !strcmp(state, "superseded");
}

static int lint_lookup(void *data, const char *hex, struct strbuf *subject)
{
	struct queue_scan *sc = data;
	char full[41];

	if (!sc->repo)
		return -ENOENT;
	return cycle_lookup_commit(sc->repo, hex, full, subject);
}

int queue_scan_init(struct queue_scan *sc, struct db *db,
		    const struct config *cfg, struct strbuf *err)
{
	struct strbuf ignore = STRBUF_INIT;
	int ret;

	memset(sc, 0, sizeof(*sc));
	sc->db = db;
	sc->cfg = cfg;
	sc->now = time(NULL);
	sc->repo = repo_thread(&ignore);
	if (sc->repo && cfg->mainline)
		sc->have_cycle = !cycle_compute(sc->repo, cfg->mainline,
						&sc->cycle, &ignore);
	strbuf_release(&ignore);
	/* A bad [lint] or [queue] value must not stop the queue: say so. */
	lint_config_init(&sc->lint);
	ret = lint_config_load(&sc->lint, cfg, err);
	if (ret < 0) {
		log_warn("queue: %s; using the defaults from there on",
			 err->buf);
		strbuf_reset(err);
	}
	sc->lint.lookup = lint_lookup;
	sc->lint.lookup_data = sc;
	sc->fixes_topic = config_get(cfg, "queue.fixes-topic");
	if (!sc->fixes_topic)
		sc->fixes_topic = "fixes";
	sc->other_maintainers = config_get(cfg, "queue.other-maintainers");
	sc->other_trees = config_get(cfg, "queue.other-trees");
	if (config_get_bool(cfg, "queue.stable-first", true, &sc->stable_first,
			    err) < 0) {
		log_warn("queue: %s; taking true", err->buf);
		strbuf_reset(err);
		sc->stable_first = true;
	}
	return 0;
}

void queue_scan_release(struct queue_scan *sc)
{
	lint_config_release(&sc->lint);
}

/* Whether word is one of the comma- or space-separated list (any case). */
static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	if (!list || !n)
		return false;
	while (*p) {
		p += strspn(p, ", \t");
		if (!strncasecmp(p, word, n) && (!p[n] || strchr(", \t", p[n])))
			return true;
		p += strcspn(p, ", \t");
	}
	return false;
}

/* The e-mail address of "Name <addr>" or of a bare address; in buf. */
static const char *trailer_email(const char *value, char *buf, size_t size)
{
	const char *lt = strchr(value, '<'), *gt;
	size_t n;

	if (lt && (gt = strchr(lt, '>'))) {
		n = gt - lt - 1;
		value = lt + 1;
	} else {
		n = strcspn(value, " \t");
	}
	if (n >= size)
		n = size - 1;
	memcpy(buf, value, n);
	buf[n] = '\0';
	return buf;
}

/* The lane of a series, best first, with its reason. */
struct lane {
	int lane, sub;
	struct strbuf reason;
};

static void lane_offer(struct lane *l, int lane, int sub, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void lane_offer(struct lane *l, int lane, int sub, const char *fmt, ...)
{
	va_list ap;

	if (lane > l->lane || (lane == l->lane && sub >= l->sub))
		return;
	l->lane = lane;
	l->sub = sub;
	strbuf_reset(&l->reason);
	va_start(ap, fmt);
	strbuf_vaddf(&l->reason, fmt, ap);
	va_end(ap);
}

/* Place a Fixes: tag: lane 1 for the rc range, lane 2 otherwise. */
static void lane_fixes(struct queue_scan *sc, struct lane *l, const char *value)
{
	struct strbuf subject = STRBUF_INIT;
	char *hex = NULL, *quoted = NULL, full[41];
	enum cycle_where where;

	if (!lint_fixes_parse(value, &hex, &quoted)) {
		lane_offer(l, 2, 1, "Fixes: %s", value);
		return;
	}
	if (!sc->repo || cycle_lookup_commit(sc->repo, hex, full, &subject)) {
		lane_offer(l, 2, 1, "Fixes: %.12s (not in the repository)",
			   hex);
		goto out;
	}
	where = sc->have_cycle ?
			cycle_commit_where(sc->repo, &sc->cycle, full) :
			CYCLE_NOT_MAINLINE;
	if (where == CYCLE_CURRENT)
		lane_offer(l, 1, 0,
			   "fix for the current release: Fixes: %.12s (\"%s\") is after %s",
			   full, subject.buf,
			   *sc->cycle.previous ? sc->cycle.previous :
						 "the last release");
	else if (where == CYCLE_OLDER)
		lane_offer(l, 2, sc->stable_first ? 0 : 1,
			   "fix for an older release: Fixes: %.12s (\"%s\") is in %s or earlier",
			   full, subject.buf, sc->cycle.previous);
	else
		lane_offer(l, 2, 1,
			   "fix: Fixes: %.12s (\"%s\") is not in mainline",
			   full, subject.buf);
out:
	strbuf_release(&subject);
	free(hex);
	free(quoted);
}

/* The parsed mails of a series: its patches in order, then its cover. */
struct smail {
	struct mail *m;
	int64_t patch_id; /* 0 for the cover letter */
};

static void smails_free(struct smail *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		mail_free(v[i].m);
	free(v);
}

static int load_mails(struct queue_scan *sc, const struct store_series *series,
		      struct smail **out, size_t *nr, struct strbuf *err)
{
	struct store_patch_list patches = { 0 };
	struct strbuf raw = STRBUF_INIT, perr = STRBUF_INIT;
	struct smail *v;
	size_t i, n = 0;
	int ret;

	ret = store_series_patches(sc->db, series->id, &patches, err);
	if (ret < 0)
		return ret;
	ALLOC_ARRAY(v, patches.nr + 2);
	/* The patches in order, then the cover letter (patch_id 0). */
	for (i = 0; i <= patches.nr; i++) {
		int64_t msg = i < patches.nr ? patches.v[i].message_id :
					       series->cover_id;

		if (i == patches.nr && msg == STORE_NONE)
			break;
		strbuf_reset(&raw);
		if (store_message_raw_of(sc->db, msg, &raw, err) < 0)
			continue;
		strbuf_reset(&perr);
		if (mail_parse(raw.buf, raw.len, &v[n].m, &perr) < 0)
			continue;
		v[n].patch_id = i < patches.nr ? patches.v[i].id : 0;
		n++;
	}
	store_patch_list_release(&patches);
	strbuf_release(&raw);
	strbuf_release(&perr);
	*out = v;
	*nr = n;
	return 0;
}

static bool mail_to_stable(const struct mail *m)
{
	size_t i;

	for (i = 0; i < m->nr_cc; i++)
		if (!strcasecmp(m->cc[i].email, "stable@vger.kernel.org"))
			return true;
	for (i = 0; i < m->nr_to; i++)
		if (!strcasecmp(m->to[i].email, "stable@vger.kernel.org"))
			return true;
	return false;
}

static int store_findings(struct queue_scan *sc, int64_t series_id,
			  int64_t patch_id, const struct lint_findings *f,
			  int64_t counts[3], struct strbuf *err)
{
	size_t i;
	int ret;

	for (i = 0; i < f->nr; i++) {
		ret = store_lint_add(sc->db, series_id, patch_id,
				     lint_rule_name(f->v[i].rule),
				     lint_severity_name(f->v[i].severity),
				     f->v[i].message, err);
		if (ret < 0)
			return ret;
		if (f->v[i].severity >= LINT_INFO)
			counts[f->v[i].severity - LINT_INFO]++;
	}
	return 0;
}

int queue_scan_series(struct queue_scan *sc, int64_t id, struct queue_key *key,
		      bool *queued, struct strbuf *err)
{
	struct lint_findings found = LINT_FINDINGS_INIT;
	struct lane lane = { 5, 0, STRBUF_INIT };
	struct lint_patch *lp = NULL;
	struct lint_trailer *lt = NULL;
	struct lint_series ls = { 0 };
	struct smail *mails = NULL;
	struct store_series series = { 0 };
	struct store_trailer_list reviews = { 0 };
	struct target target = { 0 };
	int64_t bump_olane = 0, bump_rank = 0;
	bool bumped, exists;
	int64_t root = id, arrival = 0, counts[3] = { 0, 0, 0 };
	size_t nr_mails = 0, i, j, k, nr_lt = 0, nr_lp = 0;
	const char *state = "";
	char email[256];
	bool has_base;
	int ret;

	ret = store_series_get(sc->db, id, &series, &exists, err);
	if (ret < 0)
		goto out;
	if (!exists) {
		/* Gone: take it out. */
		ret = store_queue_drop(sc->db, id, err);
		*queued = false;
		key->id = id;
		goto out;
	}
	state = series.state ? series.state : "";
	*queued = !state_leaves(state) && series.superseded_by == STORE_NONE;

	/* The first version: its arrival is the series' place in line. */
	ret = store_series_origin(sc->db, id, &arrival, &root, err);
	if (ret < 0)
		goto out;

	ret = load_mails(sc, &series, &mails, &nr_mails, err);
	if (ret < 0)
		goto out;

	/* Lint: each patch, then the series. */
	ret = store_lint_clear(sc->db, id, err);
	if (ret < 0)
		goto out;
	ALLOC_ARRAY(lp, nr_mails + 1);
	has_base = series.base_commit && *series.base_commit;
	for (i = 0; i < nr_mails; i++) {
		struct mail *m = mails[i].m;

		has_base |= *m->base_commit != '\0';
		if (!mails[i].patch_id)
			continue;
		lt = xrealloc(lt, (nr_lt + m->nr_trailers + 1) * sizeof(*lt));
		lp[nr_lp].subject_raw = m->subject;
		lp[nr_lp].subject = m->subject_clean;
		lp[nr_lp].body = m->body;
		lp[nr_lp].diff = m->patch;
		lp[nr_lp].cc_stable = mail_to_stable(m);
		lp[nr_lp].nr_trailers = m->nr_trailers;
		/* lp[].trailers is set once lt stops moving. */
		for (j = 0; j < m->nr_trailers; j++) {
			lt[nr_lt + j].key = m->trailers[j].key;
			lt[nr_lt + j].value = m->trailers[j].value;
		}
		nr_lt += m->nr_trailers;
		nr_lp++;
	}
	for (i = 0, k = 0; i < nr_lp; i++) {
		lp[i].trailers = lt + k;
		k += lp[i].nr_trailers;
	}
	for (i = 0, j = 0; i < nr_mails; i++) {
		if (!mails[i].patch_id)
			continue;
		lint_patch(&sc->lint, &lp[j++], &found);
		ret = store_findings(sc, id, mails[i].patch_id, &found, counts,
				     err);
		lint_findings_release(&found);
		if (ret < 0)
			goto out;
	}
	ls.version = series.version;
	ls.has_base_commit = has_base;
	ls.patches = lp;
	ls.nr_patches = nr_lp;
	/* The thread's first mail: the cover letter, else patch 1. */
	if (nr_mails) {
		struct mail *first = mails[nr_mails - 1].patch_id ?
					     mails[0].m :
					     mails[nr_mails - 1].m;

		ls.in_reply_to = first->in_reply_to;
		if (*first->in_reply_to && root != id)
			store_queue_root_has_mail(sc->db, root,
						  first->in_reply_to,
						  &ls.in_reply_to_earlier,
						  NULL);
	}
	lint_series(&sc->lint, &ls, &found);
	ret = store_findings(sc, id, 0, &found, counts, err);
	lint_findings_release(&found);
	if (ret < 0)
		goto out;

	/* The lane. */
	for (i = 0; i < series.nr_tags; i++) {
		const char *tag = series.tags[i];

		if (!strcasecmp(tag, sc->fixes_topic))
			lane_offer(&lane, 1, 0,
				   "aimed at the %s topic ([PATCH %s])",
				   sc->fixes_topic, tag);
		else if (in_list(sc->other_trees, tag))
			lane_offer(&lane, 3, 0,
				   "goes through another tree ([PATCH %s])",
				   tag);
	}
	for (i = 0; i < nr_lt; i++) {
		if (!strcasecmp(lt[i].key, "Fixes"))
			lane_fixes(sc, &lane, lt[i].value);
		else if (!strcasecmp(lt[i].key, "Cc") &&
			 strcasestr(lt[i].value, "stable@vger.kernel.org"))
			lane_offer(&lane, 2, sc->stable_first ? 0 : 1,
				   "fix for stable: Cc: stable@vger.kernel.org");
		else if ((!strcasecmp(lt[i].key, "Acked-by") ||
			  !strcasecmp(lt[i].key, "Reviewed-by")) &&
			 in_list(sc->other_maintainers,
				 trailer_email(lt[i].value, email,
					       sizeof(email))))
			lane_offer(&lane, 3, 0, "%s: %s (another maintainer)",
				   lt[i].key, lt[i].value);
	}
	/* Acks and reviews that came as replies. */
	if (sc->other_maintainers) {
		ret = store_series_reviews(sc->db, id, &reviews, err);
		if (ret < 0)
			goto out;
		for (i = 0; i < reviews.nr; i++) {
			const char *v = reviews.v[i].value;

			if (v &&
			    in_list(sc->other_maintainers,
				    trailer_email(v, email, sizeof(email))))
				lane_offer(&lane, 3, 0,
					   "%s: %s (another maintainer)",
					   reviews.v[i].key, v);
		}
	}
	lane_offer(&lane, 4, 0, "in order of arrival");

	/* The place: a bump of any version wins over lane and arrival. */
	ret = store_queue_bump_key(sc->db, root, &bump_olane, &bump_rank,
				   &bumped, err);
	if (ret < 0)
		goto out;
	key->id = id;
	key->lane = lane.lane;
	if (bumped) {
		key->olane = bump_olane;
		key->rank = bump_rank;
	} else {
		key->olane = lane.lane * 10 + lane.sub;
		key->rank = RANK(arrival, root);
	}

	/* Where it is meant to go; a guess that fails is no target. */
	ret = target_guess(sc->db, sc->cfg, id, &target, err);
	if (ret < 0) {
		log_warn("queue: series %lld: no target topic: %s",
			 (long long)id, err->buf);
		strbuf_reset(err);
	}
	{
		struct store_queue_scan q = {
			.series_id = id,
			.root_id = root,
			.queued = *queued,
			.lane = lane.lane,
			.sublane = lane.sub,
			.reason = lane.reason.buf,
			.arrival = arrival,
			.olane = key->olane,
			.rank = key->rank,
			.lint_errors = counts[LINT_ERROR - LINT_INFO],
			.lint_warnings = counts[LINT_WARNING - LINT_INFO],
			.lint_infos = counts[0],
			.at = (int64_t)sc->now,
			.left_state = series.superseded_by == STORE_NONE ?
					      state :
					      "superseded",
			.target = target.topic,
			.target_source = target.topic ? target_source_name(
								target.source) :
							NULL,
			.target_detail = target.detail,
		};

		ret = store_queue_put(sc->db, &q, err);
	}
out:
	target_release(&target);
	store_trailer_list_release(&reviews);
	store_series_release(&series);
	free(lp);
	free(lt);
	smails_free(mails, nr_mails);
	strbuf_release(&lane.reason);
	return ret;
}
