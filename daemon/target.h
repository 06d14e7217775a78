/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TARGET_H
#define CTHULHU_TARGET_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct db;
struct strbuf;

/*
 * The topic a queued series is meant for.  The maintainer's choice
 * (`cthulhu target SERIES TOPIC`, series.target_topic) wins; else the
 * shortlog prefixes of its patches ([topic "X"] prefixes = "KVM:
 * x86/pmu:", the longest prefix a patch subject starts with, the topic
 * most patches point at); else the files its patches touch ([topic "X"]
 * paths, directories or fnmatch() patterns, the topic with most files);
 * else [tree] default-topic.  Ties go to the topic first in next's order.
 */
enum target_source {
	TARGET_NONE,
	TARGET_MAINTAINER,
	TARGET_PREFIX,
	TARGET_PATHS,
	TARGET_DEFAULT,
};

struct target {
	char *topic; /* NULL for none */
	enum target_source source;
	char *detail; /* the prefix or path that decided, NULL for none */
};

void target_release(struct target *t);

/* "maintainer", "prefix", "paths", "default" or "none". */
const char *target_source_name(enum target_source source);

/*
 * The target of series_id into out (released by the caller with
 * target_release()).  Reads only: fit for the query-only HTTP routes.
 */
int target_guess(struct db *db, const struct config *cfg, int64_t series_id,
		 struct target *out, struct strbuf *err);

/*
 * Whether series_id may be applied to topic: ERR_CONFLICT saying which
 * topic it is for and why, unless force (then the same sentence goes to
 * *warning, a new string, and 0 is returned).  A series without a target
 * goes anywhere.
 */
int target_check(struct db *db, const struct config *cfg, int64_t series_id,
		 const char *topic, bool force, char **warning,
		 struct strbuf *err);

/*
 * Append what of cfg the targets depend on (the topics, their prefixes,
 * paths and order, [tree] default-topic): a reload that changes it has
 * the queue look at every series again.
 */
void target_config_key(const struct config *cfg, struct strbuf *out);

#endif
