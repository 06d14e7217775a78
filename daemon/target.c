/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The target topic of a queued series (see target.h): read from the
 * config's [topic "X"] prefixes and paths and [tree] default-topic, and
 * the maintainer's choice kept in series.target_topic.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/am.h"
#include "daemon/config.h"
#include "daemon/store/queue.h"
#include "daemon/store/series.h"
#include "daemon/target.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

void target_release(struct target *t)
{
	free(t->topic);
	free(t->detail);
	memset(t, 0, sizeof(*t));
}

const char *target_source_name(enum target_source source)
{
	switch (source) {
	case TARGET_MAINTAINER:
		return "maintainer";
	case TARGET_PREFIX:
		return "prefix";
	case TARGET_PATHS:
		return "paths";
	case TARGET_DEFAULT:
		return "default";
	case TARGET_NONE:
		break;
	}
	return "none";
}

/* The index of topic name in cfg->topics (next's order), -1 for none. */
static int topic_index(const struct config *cfg, const char *name)
{
	const struct topic_conf *t = config_topic(cfg, name);

	return t ? (int)(t - cfg->topics) : -1;
}

static bool path_matches(const char *pattern, const char *path)
{
	size_t n = strlen(pattern);

	if (n && pattern[n - 1] == '/')
		return !strncmp(path, pattern, n);
	if (!strcmp(pattern, path))
		return true;
	if (!strncmp(path, pattern, n) && path[n] == '/')
		return true;
	return !fnmatch(pattern, path, FNM_PATHNAME);
}

/*
 * The vote of a series' patches (subjects or paths) among the topics:
 * the items of every [topic "X"] var (comma-separated, repeated keys add
 * up, trimmed), read once; per topic its votes and the item that decided
 * its first one.
 */
struct tally {
	struct tally_item {
		int topic;
		char *item;
	} * items;
	size_t nr_items;
	bool path; /* items are paths, not prefixes */
	size_t *votes;
	const char **first; /* per topic; borrowed from items */
	size_t nr;
};

static void tally_add_items(struct tally *t, int topic, const char *value)
{
	const char *p = value;

	while (*p) {
		const char *end = strchrnul(p, ','), *s = p, *e = end;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > s) {
			t->items = xrealloc(t->items, (t->nr_items +
						       1) * sizeof(*t->items));
			t->items[t->nr_items].topic = topic;
			t->items[t->nr_items++].item = xstrndup(s, e - s);
		}
		p = *end ? end + 1 : end;
	}
}

/* A tally over var ("prefixes" or "paths") of cfg's topics. */
static void tally_init(struct tally *t, const struct config *cfg,
		       const char *var)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->path = !strcmp(var, "paths");
	t->nr = cfg->nr_topics;
	t->votes = xcalloc(t->nr + 1, sizeof(*t->votes));
	t->first = xcalloc(t->nr + 1, sizeof(*t->first));
	for (i = 0; i < cfg->nr_entries; i++) {
		const char *key = cfg->entries[i].key, *rest, *dot;
		char *name;
		int topic;

		if (!skip_prefix(key, "topic.", &rest) ||
		    !cfg->entries[i].value)
			continue;
		dot = strrchr(rest, '.');
		if (!dot || dot == rest || strcmp(dot + 1, var))
			continue;
		name = xstrndup(rest, dot - rest);
		topic = topic_index(cfg, name);
		free(name);
		if (topic >= 0)
			tally_add_items(t, topic, cfg->entries[i].value);
	}
}

static void tally_release(struct tally *t)
{
	size_t i;

	for (i = 0; i < t->nr_items; i++)
		free(t->items[i].item);
	free(t->items);
	free(t->votes);
	free(t->first);
}

/*
 * Vote for the topic whose item fits s best (the longest prefix s starts
 * with, or the longest path pattern s falls under); whether one did.
 */
static bool tally_vote(struct tally *t, const char *s)
{
	const struct tally_item *best = NULL;
	size_t i, len = 0;

	for (i = 0; i < t->nr_items; i++) {
		const char *item = t->items[i].item;
		size_t n = strlen(item);

		if (n <= len || !(t->path ? path_matches(item, s) :
					    !strncasecmp(s, item, n)))
			continue;
		best = &t->items[i];
		len = n;
	}
	if (!best)
		return false;
	t->votes[best->topic]++;
	if (!t->first[best->topic])
		t->first[best->topic] = best->item;
	return true;
}

/* The winner into out (source), or false when no topic has a vote. */
static bool tally_decide(struct tally *t, const struct config *cfg,
			 enum target_source source, struct target *out)
{
	size_t i, best = 0;

	for (i = 1; i < t->nr; i++)
		if (t->votes[i] > t->votes[best])
			best = i;
	if (!t->nr || !t->votes[best])
		return false;
	out->topic = xstrdup(cfg->topics[best].name);
	out->source = source;
	out->detail = xstrdup(t->first[best]);
	return true;
}

/* A subject without its leading "[PATCH v2 1/3]" tags. */
static const char *subject_bare(const char *s)
{
	while (*s == '[') {
		const char *end = strchr(s, ']');

		if (!end)
			break;
		s = end + 1;
		while (*s == ' ')
			s++;
	}
	return s;
}

static int by_prefixes(struct db *db, const struct config *cfg,
		       int64_t series_id, struct target *out, bool *decided,
		       struct strbuf *err)
{
	struct store_patch_list patches = { 0 };
	struct store_series series = { 0 };
	struct tally t;
	bool found;
	size_t i;
	int ret;

	tally_init(&t, cfg, "prefixes");
	ret = t.nr_items ? store_series_patches(db, series_id, &patches, err) :
			   0;
	if (ret < 0 || !t.nr_items)
		goto out;
	for (i = 0; i < patches.nr; i++)
		if (patches.v[i].subject)
			tally_vote(&t, patches.v[i].subject);
	*decided = tally_decide(&t, cfg, TARGET_PREFIX, out);
	if (*decided || patches.nr)
		goto out;
	/* Nothing but a cover letter yet: go by its subject. */
	ret = store_series_get(db, series_id, &series, &found, err);
	if (ret < 0 || !found || !series.subject)
		goto out;
	tally_vote(&t, subject_bare(series.subject));
	*decided = tally_decide(&t, cfg, TARGET_PREFIX, out);
out:
	store_series_release(&series);
	store_patch_list_release(&patches);
	tally_release(&t);
	return ret;
}

/* Vote for each file the diff touches ("--- a/X", "+++ b/Y"), once each. */
static void vote_diff_paths(struct tally *t, const char *diff, size_t len)
{
	const char *p = diff, *end = diff + len;
	char *last = NULL;

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		const char *path = NULL;
		size_t n;

		if (!eol)
			eol = end;
		n = eol - p;
		if (n > 6 && !strncmp(p, "+++ b/", 6))
			path = p + 6;
		else if (n > 6 && !strncmp(p, "--- a/", 6))
			path = p + 6;
		if (path) {
			char *s = xstrndup(path, eol - path);

			/* git ends the name with a tab when it has blanks */
			s[strcspn(s, "\t")] = '\0';
			if (!last || strcmp(last, s)) {
				tally_vote(t, s);
				free(last);
				last = s;
			} else {
				free(s);
			}
		}
		p = eol + 1;
	}
	free(last);
}

static int by_paths(struct db *db, const struct config *cfg, int64_t series_id,
		    struct target *out, bool *decided, struct strbuf *err)
{
	struct store_patch_list patches = { 0 };
	struct am_opts opts;
	struct tally t;
	size_t i;
	int ret;

	tally_init(&t, cfg, "paths");
	am_opts_from_config(&opts, cfg);
	ret = t.nr_items ? store_series_patches(db, series_id, &patches, err) :
			   0;
	if (ret < 0 || !t.nr_items)
		goto out;
	for (i = 0; i < patches.nr; i++) {
		struct am_patch p = { 0 };

		if (!patches.v[i].has_diff)
			continue;
		ret = am_patch_load(db, &opts, patches.v[i].id,
				    patches.v[i].message_id,
				    patches.v[i].number, (int64_t)patches.nr,
				    &p, err);
		if (ret < 0)
			goto out;
		if (p.patch.diff)
			vote_diff_paths(&t, p.patch.diff, p.patch.diff_len);
		am_patch_release(&p);
	}
	*decided = tally_decide(&t, cfg, TARGET_PATHS, out);
out:
	store_patch_list_release(&patches);
	tally_release(&t);
	return ret;
}

int target_guess(struct db *db, const struct config *cfg, int64_t series_id,
		 struct target *out, struct strbuf *err)
{
	const char *dflt = config_get(cfg, "tree.default-topic");
	bool decided = false;
	char *chosen = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = store_series_target(db, series_id, &chosen, err);
	if (ret < 0)
		return ret;
	if (chosen && config_topic(cfg, chosen)) {
		out->topic = chosen;
		out->source = TARGET_MAINTAINER;
		return 0;
	}
	free(chosen);
	ret = by_prefixes(db, cfg, series_id, out, &decided, err);
	if (ret < 0 || decided)
		return ret;
	ret = by_paths(db, cfg, series_id, out, &decided, err);
	if (ret < 0 || decided)
		return ret;
	if (dflt && config_topic(cfg, dflt)) {
		out->topic = xstrdup(dflt);
		out->source = TARGET_DEFAULT;
	}
	return 0;
}

/* Why t names its topic, for messages: "its subjects start with 'X'". */
static void target_why(const struct target *t, struct strbuf *sb)
{
	switch (t->source) {
	case TARGET_MAINTAINER:
		strbuf_addstr(sb, "set with 'cthulhu target'");
		break;
	case TARGET_PREFIX:
		strbuf_addf(sb, "its subjects start with '%s'", t->detail);
		break;
	case TARGET_PATHS:
		strbuf_addf(sb, "it touches '%s'", t->detail);
		break;
	case TARGET_DEFAULT:
		strbuf_addstr(sb, "[tree] default-topic");
		break;
	case TARGET_NONE:
		break;
	}
}

int target_check(struct db *db, const struct config *cfg, int64_t series_id,
		 const char *topic, bool force, char **warning,
		 struct strbuf *err)
{
	struct strbuf msg = STRBUF_INIT;
	int64_t lane = 0;
	struct target t;
	const struct topic_conf *tc;
	int ret;

	*warning = NULL;
	ret = target_guess(db, cfg, series_id, &t, err);
	if (ret < 0)
		return ret;
	/* The default is a guess of last resort, not worth a --force. */
	if (!t.topic || t.source == TARGET_DEFAULT || !strcmp(t.topic, topic))
		goto out;
	/* A fix for the current release goes to a topic outside next. */
	tc = config_topic(cfg, topic);
	if (tc && !tc->into_next &&
	    store_queue_lane(db, series_id, &lane, err) == 0 && lane == 1)
		goto out;
	strbuf_reset(err);
	strbuf_addf(&msg, "series %lld is for '%s' (", (long long)series_id,
		    t.topic);
	target_why(&t, &msg);
	strbuf_addf(&msg, "), not '%s'", topic);
	if (force) {
		strbuf_addstr(&msg, "; applied as forced");
		*warning = strbuf_detach(&msg, NULL);
		goto out;
	}
	ret = error_set(
		err, ERR_CONFLICT,
		"%s; apply it with --force to take it anyway, or retarget it with 'cthulhu target %lld %s'",
		msg.buf, (long long)series_id, topic);
out:
	strbuf_release(&msg);
	target_release(&t);
	return ret;
}

void target_config_key(const struct config *cfg, struct strbuf *out)
{
	const char *dflt = config_get(cfg, "tree.default-topic");
	size_t i;

	strbuf_addf(out, "default=%s\n", dflt ? dflt : "");
	for (i = 0; i < cfg->nr_entries; i++) {
		const char *key = cfg->entries[i].key;
		const char *dot = strrchr(key, '.');

		if (!starts_with(key, "topic.") || !dot)
			continue;
		/* The topics' order decides ties. */
		if (strcmp(dot + 1, "prefixes") && strcmp(dot + 1, "paths") &&
		    strcmp(dot + 1, "order"))
			continue;
		strbuf_addf(out, "%s=%s\n", key,
			    cfg->entries[i].value ? cfg->entries[i].value : "");
	}
	for (i = 0; i < cfg->nr_topics; i++)
		strbuf_addf(out, "topic=%s %d\n", cfg->topics[i].name,
			    cfg->topics[i].into_next);
}
