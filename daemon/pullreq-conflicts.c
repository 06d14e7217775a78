/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The conflicts a topic met in recent builds of next, from the builds
 * and build_topics tables, for the section after git's text in a pull
 * request: so that the upstream maintainer sees them before merging.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/db.h"
#include "lib/log.h"
#include "daemon/pullreq-conflicts.h"
#include "daemon/store/builds.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define CONFLICTS_HEADER "Conflicts met in recent builds of next"
/* How many of the latest builds that merged the topic are looked at. */
#define CONFLICT_BUILDS 10

static const char *jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static json_int_t jint(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* --- conflicts in next ------------------------------------------------- */

static void add_time(struct strbuf *sb, json_int_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strbuf_addf(sb, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/*
 * An entry of list equal to entry but for its builds (the same tip,
 * outcome, paths and topics before it), or NULL; borrowed.
 */
static json_t *same_conflict(json_t *list, json_t *entry)
{
	static const char *const keys[] = {
		"tip",
		"outcome",
		"paths",
		"after",
	};
	json_t *e;
	size_t i, k;

	json_array_foreach(list, i, e) {
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			if (!json_equal(json_object_get(e, keys[k]),
					json_object_get(entry, keys[k])))
				break;
		if (k == ARRAY_SIZE(keys))
			return e;
	}
	return NULL;
}

/* The conflicts as text: CONFLICTS_HEADER, then a paragraph each. */
static void write_conflicts(struct strbuf *out, const char *topic,
			    json_t *conflicts, size_t nr_builds)
{
	json_t *entry, *builds, *after, *p;
	size_t i, j;

	strbuf_addstr(out, "\n" CONFLICTS_HEADER);
	if (!json_array_size(conflicts)) {
		strbuf_addf(
			out, ": none%s\n",
			nr_builds ?
				"" :
				" (no build of next has merged this topic yet)");
		return;
	}
	strbuf_addstr(out, ":\n");
	json_array_foreach(conflicts, i, entry) {
		const char *tip = jstr(entry, "tip");
		const char *outcome = jstr(entry, "outcome");
		bool current =
			json_is_true(json_object_get(entry, "current_tip"));

		builds = json_object_get(entry, "builds");
		strbuf_addstr(out, json_array_size(builds) > 1 ? "\n  builds" :
								 "\n  build");
		json_array_foreach(builds, j, p)
			strbuf_addf(out, "%s %lld", j ? "," : "",
				    (long long)json_integer_value(p));
		strbuf_addstr(out, " (");
		add_time(out, jint(entry, "at"));
		strbuf_addf(out, "), %s at %.12s%s: %s\n", topic,
			    tip ? tip : "?",
			    current ? " (this tip)" : " (an earlier tip)",
			    outcome && !strcmp(outcome, "resolved") ?
				    "conflict, settled by a recorded resolution" :
				    "conflict, left out of next");
		after = json_object_get(entry, "after");
		if (json_array_size(after)) {
			strbuf_addstr(out, "    merged after the base and");
			json_array_foreach(after, j, p)
				strbuf_addf(out, "%s %s", j ? "," : "",
					    json_string_value(p));
			strbuf_addch(out, '\n');
		}
		json_array_foreach(json_object_get(entry, "paths"), j, p)
			strbuf_addf(out, "      %s\n", json_string_value(p));
	}
}

json_t *pullreq_conflicts_find(struct db *db, const char *topic,
			       const char *tip_hex, struct strbuf *text)
{
	struct store_build_topic_list past = { 0 };
	int64_t *builds = NULL, *started = NULL;
	json_t *entry, *paths, *after, *same, *build;
	json_t *conflicts = json_array();
	struct strbuf err = STRBUF_INIT;
	char **names;
	size_t i, j, nr;

	if (store_topic_in_builds(db, topic, CONFLICT_BUILDS, &past, &builds,
				  &started, &err) < 0)
		log_warn("pull-request: cannot read the builds of next: %s",
			 err.buf);
	for (i = 0; i < past.nr; i++) {
		const struct store_build_topic *t = &past.v[i];

		if (!t->outcome || (strcmp(t->outcome, "conflict") &&
				    strcmp(t->outcome, "resolved")))
			continue;
		paths = json_array();
		for (j = 0; j < t->nr_conflicts; j++)
			json_array_append_new(paths,
					      json_string(t->conflicts[j]));
		after = json_array();
		if (!store_build_merged_before(db, builds[i], t->pos, &names,
					       &nr, &err)) {
			for (j = 0; j < nr; j++) {
				json_array_append_new(after,
						      json_string(names[j]));
				free(names[j]);
			}
			free(names);
		}
		build = json_integer(builds[i]);
		entry = json_pack("{s:[O], s:I, s:s, s:s*, s:b, s:o, s:o}",
				  "builds", build, "at", (json_int_t)started[i],
				  "outcome", t->outcome, "tip", t->tip,
				  "current_tip",
				  t->tip && !strcmp(t->tip, tip_hex), "paths",
				  paths, "after", after);
		same = same_conflict(conflicts, entry);
		if (same)
			json_array_append(json_object_get(same, "builds"),
					  build);
		else
			json_array_append(conflicts, entry);
		json_decref(build);
		json_decref(entry);
	}
	write_conflicts(text, topic, conflicts, past.nr);
	store_build_topic_list_release(&past);
	free(builds);
	free(started);
	strbuf_release(&err);
	return conflicts;
}
