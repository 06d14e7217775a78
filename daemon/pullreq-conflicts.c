/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The conflicts a topic met in recent builds of next, from the builds
 * and build_topics tables, for the section after git's text in a pull
 * request: so that the upstream maintainer sees them before merging.
 */
#include <string.h>
#include <time.h>

#include "daemon/db.h"
#include "lib/log.h"
#include "daemon/pullreq-conflicts.h"
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
	json_t *rows, *row, *entry, *paths, *after, *topics, *p, *same;
	json_t *conflicts = json_array();
	struct strbuf err = STRBUF_INIT;
	size_t i, j;

	rows = db_query(db, &err,
			"SELECT b.id AS build, b.started_at AS at, t.pos, "
			"t.tip, t.outcome, t.conflicts FROM build_topics t "
			"JOIN builds b ON b.id = t.build "
			"WHERE t.topic = ? AND b.state <> 'running' "
			"ORDER BY b.id DESC LIMIT ?",
			"ti", topic, (int64_t)CONFLICT_BUILDS);
	if (!rows) {
		log_warn("pull-request: cannot read the builds of next: %s",
			 err.buf);
		rows = json_array();
	}
	json_array_foreach(rows, i, row) {
		const char *outcome = jstr(row, "outcome");
		const char *conf = jstr(row, "conflicts");
		const char *tip = jstr(row, "tip");
		json_t *build = json_object_get(row, "build");

		if (!outcome || (strcmp(outcome, "conflict") &&
				 strcmp(outcome, "resolved")))
			continue;
		paths = conf ? json_loads(conf, 0, NULL) : NULL;
		if (!json_is_array(paths)) {
			json_decref(paths);
			paths = json_array();
		}
		after = json_array();
		topics =
			db_query(db, &err,
				 "SELECT topic FROM build_topics "
				 "WHERE build = ? AND pos < ? "
				 "AND outcome IN ('merged', 'reused', 'resolved') "
				 "ORDER BY pos",
				 "ii", (int64_t)json_integer_value(build),
				 (int64_t)jint(row, "pos"));
		json_array_foreach(topics, j, p)
			json_array_append(after, json_object_get(p, "topic"));
		json_decref(topics);
		entry = json_pack("{s:[O], s:O, s:s, s:s*, s:b, s:o, s:o}",
				  "builds", build, "at",
				  json_object_get(row, "at"), "outcome",
				  outcome, "tip", tip, "current_tip",
				  tip && !strcmp(tip, tip_hex), "paths", paths,
				  "after", after);
		same = same_conflict(conflicts, entry);
		if (same)
			json_array_append(json_object_get(same, "builds"),
					  build);
		else
			json_array_append(conflicts, entry);
		json_decref(entry);
	}
	write_conflicts(text, topic, conflicts, json_array_size(rows));
	json_decref(rows);
	strbuf_release(&err);
	return conflicts;
}
