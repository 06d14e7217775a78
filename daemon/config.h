/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CONFIG_H
#define CTHULHU_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;

struct topic_conf {
	char *name;
	char *branch; /* full ref name, "refs/heads/<branch>" */
	int order;
	bool into_next;
	/* topic.NAME.owner "Name <email>": who is told of its conflicts */
	char *owner_name, *owner_email; /* NULL for none */
};

/*
 * [inbox "NAME"]: a public-inbox v2 inbox (daemon/inbox.c follows it).
 * url is an http(s) base URL ending in '/' ("https://lore.kernel.org/kvm/")
 * or, for an inbox on this machine, the absolute path of its directory
 * (local true); poll is in seconds, 0 for an inbox only looked up;
 * timeout is how many seconds a fetch waits for the server's next byte;
 * backfill how many days of mail before its first read are submitted.
 */
struct inbox_conf {
	char *name;
	char *url;
	bool local;
	unsigned int poll;
	unsigned int timeout;
	unsigned int backfill;
};

/*
 * cthulhu.conf, read with libgit2's config parser (git-config syntax).
 * The common keys are fields; every key read is also kept as a
 * (normalised key, value) pair for config_get() so that later sections
 * need no new fields.  Keys are normalised as git does: section and
 * variable lower case, subsection as written ("topic.x86/pmu.branch").
 */
struct config {
	char *path; /* absolute path of the file read */

	char *tree_name; /* tree.name */
	char *repo;	 /* tree.repo, absolute */
	char *next;	 /* tree.next as a full ref, default refs/heads/next */
	char *base;	 /* tree.base, a commit-ish or "auto" */
	char *mainline;	 /* tree.mainline, a ref, may be NULL */
	char *committer_name; /* from tree.committer "Name <email>" */
	char *committer_email;

	char *state_dir; /* state.dir, absolute */

	char *http_listen;	/* http.listen "ADDR:PORT", NULL when "0" */
	size_t http_body_limit; /* http.body-limit, bytes */
	unsigned int
		http_max_connections; /* http.max-connections, per listener */
	unsigned int http_max_per_client; /* http.max-per-client, 0: no limit */
	unsigned int http_max_streams;	  /* http.max-streams, per listener */
	unsigned int http_header_timeout; /* http.header-timeout, s, 0: off */

	unsigned int poll_seconds; /* watch.poll, 0 turns polling off */
	size_t intake_max_mail;	   /* intake.max-mail-size, bytes */

	struct topic_conf *topics; /* sorted by order, then name */
	size_t nr_topics;

	struct inbox_conf *inboxes; /* in the order the file names them */
	size_t nr_inboxes;

	struct config_entry {
		char *key;
		char *value;
		int line;
	} * entries;
	size_t nr_entries;
	/*
	 * config_get()'s index: entry + 1 of the last entry of each key,
	 * 0 free; a power of two of slots, a few per topic's keys.
	 */
	uint32_t *index;
	size_t index_size;
};

/*
 * Read and check the file at path.  Relative paths in it are taken
 * relative to the file's folder.  On error, err names the file, the line
 * where known, and the key.  Unknown keys are logged as warnings.
 * Caller frees the result with config_free().
 */
int config_load(const char *path, struct config **out, struct strbuf *err);
void config_free(struct config *cfg);

/* The last value of a normalised key, or NULL; borrowed from cfg. */
const char *config_get(const struct config *cfg, const char *key);
/* Typed readers: return def when the key is absent; -EINVAL on a bad value. */
int config_get_bool(const struct config *cfg, const char *key, bool def,
		    bool *out, struct strbuf *err);
int config_get_int(const struct config *cfg, const char *key, int64_t def,
		   int64_t *out, struct strbuf *err);

/*
 * The value of key as a path: absolute, or taken relative to the folder
 * of the config file; NULL when unset or empty.  Caller frees.
 */
char *config_get_path(const struct config *cfg, const char *key);

const struct topic_conf *config_topic(const struct config *cfg,
				      const char *name);
const struct inbox_conf *config_inbox(const struct config *cfg,
				      const char *name);

#endif
