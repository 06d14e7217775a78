/* SPDX-License-Identifier: GPL-2.0 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <git2.h>

#include "daemon/config.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/*
 * Every key cthulhu reads, as fnmatch() patterns over the normalised key
 * ("topic.*.branch" matches any topic).  A key outside this list is
 * probably a typo, so it is logged as a warning rather than ignored.
 */
static const char *const known_keys[] = { "tree.name",
					  "tree.repo",
					  "tree.next",
					  "tree.base",
					  "tree.mainline",
					  "tree.committer",
					  "state.dir",
					  "http.listen",
					  "http.body-limit",
					  "http.threads",
					  "http.max-connections",
					  "http.max-per-client",
					  "http.max-streams",
					  "http.header-timeout",
					  "http.allowed-hosts",
					  "watch.poll",
					  "log.level",
					  "topic.*.branch",
					  "topic.*.order",
					  "topic.*.into-next",
					  "topic.*.owner",
					  "topic.*.prefixes",
					  "topic.*.paths",
					  "tree.default-topic",
					  "next.on-conflict",
					  "next.push",
					  "next.debounce",
					  "intake.maildir",
					  "intake.max-mail-size",
					  "inbox.*.url",
					  "inbox.*.poll",
					  "inbox.*.timeout",
					  "inbox.*.backfill",
					  "apply.link",
					  "apply.signoff",
					  "apply.cover-trailers",
					  "apply.followup-trailers",
					  "notify.from",
					  "notify.sendmail",
					  "queue.*",
					  "lint.*",
					  "pull.*",
					  "cycle.*",
					  "gate.command",
					  "gate.timeout",
					  "gate.jobs",
					  "gate.publish",
					  "gate.mode",
					  "gate.remote",
					  "gate.push-ref",
					  "check.enabled",
					  "check.jobs",
					  "gate.retries",
					  "gate.reprobe",
					  "notify.maintainer",
					  "report.to",
					  "report.every",
					  "notify.commit-url",
					  "notify.applied-template",
					  "notify.dropped-template",
					  "notify.sha1-changed-template",
					  "notify.check-failed-template",
					  "check.notify-author",
					  NULL };

static bool key_is_known(const char *key)
{
	const char *const *k;

	for (k = known_keys; *k; k++)
		if (!fnmatch(*k, key, 0))
			return true;
	return false;
}

/*
 * libgit2 does not say on which line a value stands, so find it by
 * reading the file: the last line that sets the variable inside a
 * matching section header.  0 when not found.
 */
static int config_line_of(const struct config *cfg, const char *key)
{
	const char *var = strrchr(key, '.');
	size_t seclen = var ? (size_t)(var - key) : 0;
	struct strbuf text = STRBUF_INIT, sect = STRBUF_INIT;
	int line = 0, found = 0;
	char *p, *eol;

	if (!var || strbuf_read_file(&text, cfg->path) < 0)
		goto out;
	var++;
	for (p = text.buf; *p; p = eol ? eol + 1 : p + strlen(p)) {
		char *s = p, *q;

		eol = strchr(p, '\n');
		if (eol)
			*eol = '\0';
		line++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[') {
			/* [section "sub"] or [section.sub] */
			strbuf_reset(&sect);
			for (q = s + 1; *q && *q != ']'; q++) {
				if (*q == '"' || (*q == ' ' && !sect.len))
					continue;
				if (*q == ' ') {
					strbuf_addch(&sect, '.');
					continue;
				}
				strbuf_addch(&sect, *q);
			}
			s = q + (*q == ']');
			while (*s == ' ' || *s == '\t')
				s++;
		}
		if (sect.len != seclen || strncasecmp(sect.buf, key, seclen))
			continue;
		if (!strncasecmp(s, var, strlen(var))) {
			q = s + strlen(var);
			if (!*q || *q == ' ' || *q == '\t' || *q == '=')
				found = line;
		}
		if (!eol)
			break;
	}
out:
	strbuf_release(&text);
	strbuf_release(&sect);
	return found;
}

static int config_error(const struct config *cfg, struct strbuf *err,
			const char *key, const char *fmt, const char *arg)
{
	int line = config_line_of(cfg, key);
	struct strbuf what = STRBUF_INIT;

	strbuf_addf(&what, fmt, arg ? arg : "");
	if (line)
		error_set(err, ERR_INVALID, "%s:%d: '%s': %s", cfg->path, line,
			  key, what.buf);
	else
		error_set(err, ERR_INVALID, "%s: '%s': %s", cfg->path, key,
			  what.buf);
	strbuf_release(&what);
	return ERR_INVALID;
}

static uint32_t key_hash(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

/* The index slot of key: its entry's, or the free one it would take. */
static size_t index_slot(const struct config *cfg, const char *key)
{
	size_t mask = cfg->index_size - 1, pos = key_hash(key) & mask;

	while (cfg->index[pos] &&
	       strcmp(cfg->entries[cfg->index[pos] - 1].key, key))
		pos = (pos + 1) & mask;
	return pos;
}

/*
 * Index the entries by key, the last of each winning as in git: every
 * job asks config_get() of keys of every topic, and a tree of 400
 * topics has thousands of entries.
 */
static void config_index(struct config *cfg)
{
	size_t i;

	free(cfg->index);
	for (cfg->index_size = 16; cfg->index_size < 2 * cfg->nr_entries;)
		cfg->index_size *= 2;
	cfg->index = xcalloc(cfg->index_size, sizeof(*cfg->index));
	for (i = 0; i < cfg->nr_entries; i++)
		cfg->index[index_slot(cfg, cfg->entries[i].key)] =
			(uint32_t)i + 1;
}

const char *config_get(const struct config *cfg, const char *key)
{
	size_t i;

	if (cfg->index) {
		i = cfg->index[index_slot(cfg, key)];
		return i ? cfg->entries[i - 1].value : NULL;
	}
	for (i = cfg->nr_entries; i-- > 0;)
		if (!strcmp(cfg->entries[i].key, key))
			return cfg->entries[i].value;
	return NULL;
}

int config_get_bool(const struct config *cfg, const char *key, bool def,
		    bool *out, struct strbuf *err)
{
	const char *v = config_get(cfg, key);

	*out = def;
	if (!v)
		return 0;
	if (!*v || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on") || !strcmp(v, "1")) {
		/* A bare "key" with no value means true, as in git. */
		*out = true;
		return 0;
	}
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "off") || !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	return config_error(cfg, err, key, "'%s' is not a boolean", v);
}

int config_get_int(const struct config *cfg, const char *key, int64_t def,
		   int64_t *out, struct strbuf *err)
{
	const char *v = config_get(cfg, key);
	long long n;
	char *end;

	*out = def;
	if (!v)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || errno)
		return config_error(cfg, err, key, "'%s' is not a number", v);
	switch (*end) {
	case 'k':
	case 'K':
		n *= 1024;
		end++;
		break;
	case 'm':
	case 'M':
		n *= 1024 * 1024;
		end++;
		break;
	case 'g':
	case 'G':
		n *= 1024LL * 1024 * 1024;
		end++;
		break;
	}
	if (*end)
		return config_error(cfg, err, key, "'%s' is not a number", v);
	*out = n;
	return 0;
}

const struct topic_conf *config_topic(const struct config *cfg,
				      const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nr_topics; i++)
		if (!strcmp(cfg->topics[i].name, name))
			return &cfg->topics[i];
	return NULL;
}

const struct inbox_conf *config_inbox(const struct config *cfg,
				      const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nr_inboxes; i++)
		if (!strcmp(cfg->inboxes[i].name, name))
			return &cfg->inboxes[i];
	return NULL;
}

/* Make path absolute, relative to the folder of the config file. */
static char *config_path_value(const struct config *cfg, const char *v)
{
	struct strbuf sb = STRBUF_INIT;
	const char *slash;

	if (v[0] == '/')
		return xstrdup(v);
	if (v[0] == '~' && v[1] == '/' && getenv("HOME")) {
		strbuf_addf(&sb, "%s%s", getenv("HOME"), v + 1);
		return strbuf_detach(&sb, NULL);
	}
	slash = strrchr(cfg->path, '/');
	strbuf_add(&sb, cfg->path, slash - cfg->path + 1);
	strbuf_addstr(&sb, v);
	return strbuf_detach(&sb, NULL);
}

static int parse_ident(const char *v, char **name, char **email)
{
	const char *lt = strchr(v, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	size_t n;

	if (!lt || !gt || gt[1] || gt == lt + 1)
		return ERR_INVALID;
	n = lt - v;
	while (n && v[n - 1] == ' ')
		n--;
	if (!n)
		return ERR_INVALID;
	*name = xstrndup(v, n);
	*email = xstrndup(lt + 1, gt - lt - 1);
	return 0;
}

static bool valid_ref(const char *name)
{
	int valid = 0;

	return !git_reference_name_is_valid(&valid, name) && valid;
}

static int topic_cmp(const void *a, const void *b)
{
	const struct topic_conf *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->name, y->name);
}

static struct topic_conf *config_topic_add(struct config *cfg, const char *name)
{
	struct topic_conf *t;
	size_t i;

	for (i = 0; i < cfg->nr_topics; i++)
		if (!strcmp(cfg->topics[i].name, name))
			return &cfg->topics[i];
	cfg->topics = xrealloc(cfg->topics,
			       (cfg->nr_topics + 1) * sizeof(*cfg->topics));
	t = &cfg->topics[cfg->nr_topics++];
	t->name = xstrdup(name);
	t->branch = NULL;
	t->owner_name = t->owner_email = NULL;
	/* Unordered topics keep the order in which the file names them. */
	t->order = (int)(cfg->nr_topics * 10);
	t->into_next = strcmp(name, "fixes") != 0;
	return t;
}

static int config_read_entries(struct config *cfg, struct strbuf *err)
{
	git_config *gcfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	int ret;

	if (access(cfg->path, R_OK) < 0)
		return error_set(err, ERR_INVALID, "cannot read '%s': %s",
				 cfg->path, strerror(errno));
	ret = git_config_open_ondisk(&gcfg, cfg->path);
	if (ret < 0) {
		const git_error *ge = git_error_last();
		const char *msg = ge ? ge->message : "parse error", *in, *colon;

		/*
		 * libgit2 says "failed to parse config file: <what> (in
		 * <file>:<line>)"; turn that into git's "<file>:<line>: <what>".
		 */
		skip_prefix(msg, "failed to parse config file: ", &msg);
		in = strstr(msg, " (in ");
		colon = in ? strrchr(in, ':') : NULL;
		if (in && colon)
			ret = error_set(err, ERR_INVALID, "%s:%d: %.*s",
					cfg->path, atoi(colon + 1),
					(int)(in - msg), msg);
		else
			ret = error_set(err, ERR_INVALID, "%s: %s", cfg->path,
					msg);
		goto out;
	}
	ret = git_config_iterator_new(&it, gcfg);
	if (ret < 0) {
		ret = error_set(err, ERR_INVALID, "cannot read '%s'",
				cfg->path);
		goto out;
	}
	while (!git_config_next(&e, it)) {
		struct config_entry *ce;

		cfg->entries =
			xrealloc(cfg->entries,
				 (cfg->nr_entries + 1) * sizeof(*cfg->entries));
		ce = &cfg->entries[cfg->nr_entries++];
		ce->key = xstrdup(e->name);
		ce->value = xstrdup(e->value ? e->value : "");
		ce->line = 0;
	}
	config_index(cfg);
	ret = 0;
out:
	git_config_iterator_free(it);
	git_config_free(gcfg);
	return ret;
}

/* [gate]: the gate of next (daemon/gate.c reads it). */
static int config_check_gate(struct config *cfg, struct strbuf *err)
{
	const char *v;
	int64_t n;
	bool b;
	int ret;

	v = config_get(cfg, "gate.mode");
	if (v && strcmp(v, "local") && strcmp(v, "external"))
		return config_error(cfg, err, "gate.mode",
				    "'%s' is neither 'local' nor 'external'",
				    v);
	if (v && !strcmp(v, "external")) {
		const char *ref = config_get(cfg, "gate.push-ref");
		const char *remote = config_get(cfg, "gate.remote");

		if (!remote || !*remote)
			return config_error(
				cfg, err, "gate.remote",
				"missing: mode = external pushes candidates to a remote%s",
				NULL);
		if (!ref || !*ref)
			return config_error(
				cfg, err, "gate.push-ref",
				"missing: mode = external pushes candidates to a ref%s",
				NULL);
		if (!starts_with(ref, "refs/") || !valid_ref(ref))
			return config_error(cfg, err, "gate.push-ref",
					    "'%s' is not a full ref name (refs/...)",
					    ref);
	}
	v = config_get(cfg, "gate.publish");
	if (v && strcmp(v, "gated") && strcmp(v, "always"))
		return config_error(cfg, err, "gate.publish",
				    "'%s' is neither 'gated' nor 'always'", v);
	ret = config_get_int(cfg, "gate.timeout", 3600, &n, err);
	if (ret)
		return ret;
	if (n < 0 || n > 7 * 86400)
		return config_error(cfg, err, "gate.timeout",
				    "must be 0 (none) to 604800 seconds%s",
				    NULL);
	ret = config_get_int(cfg, "gate.jobs", 1, &n, err);
	if (ret)
		return ret;
	if (n < 1 || n > 64)
		return config_error(cfg, err, "gate.jobs", "must be 1 to 64%s",
				    NULL);
	ret = config_get_int(cfg, "gate.retries", 0, &n, err);
	if (ret)
		return ret;
	if (n < 0 || n > 10)
		return config_error(cfg, err, "gate.retries",
				    "must be 0 to 10%s", NULL);
	return config_get_bool(cfg, "gate.reprobe", n > 0, &b, err);
}

/* [check]: the speculative checks of queued series (daemon/check.c). */
static int config_check_check(struct config *cfg, struct strbuf *err)
{
	bool on;
	int64_t n;
	int ret;

	ret = config_get_bool(cfg, "check.enabled", true, &on, err);
	if (ret)
		return ret;
	ret = config_get_int(cfg, "check.jobs", 1, &n, err);
	if (ret)
		return ret;
	if (n < 1 || n > 64)
		return config_error(cfg, err, "check.jobs", "must be 1 to 64%s",
				    NULL);
	return 0;
}

static struct inbox_conf *config_inbox_add(struct config *cfg, const char *name)
{
	struct inbox_conf *ib;
	size_t i;

	for (i = 0; i < cfg->nr_inboxes; i++)
		if (!strcmp(cfg->inboxes[i].name, name))
			return &cfg->inboxes[i];
	cfg->inboxes = xrealloc(cfg->inboxes,
				(cfg->nr_inboxes + 1) * sizeof(*cfg->inboxes));
	ib = &cfg->inboxes[cfg->nr_inboxes++];
	ib->name = xstrdup(name);
	ib->url = NULL;
	ib->local = false;
	ib->poll = 300;
	ib->timeout = 60;
	ib->backfill = 14;
	return ib;
}

/*
 * An inbox's name names its mirror's folder in the state dir: letters,
 * digits, '.', '_' and '-', not starting with '.'.
 */
static bool inbox_name_valid(const char *name)
{
	const char *p;

	if (!*name || *name == '.' || strlen(name) > 64)
		return false;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
	return true;
}

/* [inbox "NAME"]: public-inbox v2 inboxes (daemon/inbox.c reads them). */
static int config_check_inboxes(struct config *cfg, struct strbuf *err)
{
	size_t i;
	int ret;

	for (i = 0; i < cfg->nr_entries; i++) {
		const char *key = cfg->entries[i].key, *rest, *dot;
		const char *v = cfg->entries[i].value;
		struct inbox_conf *ib;
		char *name;

		if (!skip_prefix(key, "inbox.", &rest))
			continue;
		dot = strrchr(rest, '.');
		if (!dot || dot == rest)
			continue;
		name = xstrndup(rest, dot - rest);
		if (!inbox_name_valid(name)) {
			ret = config_error(cfg, err, key,
					   "inbox '%s' is not a valid name "
					   "(letters, digits, '.', '_', '-')",
					   name);
			free(name);
			return ret;
		}
		ib = config_inbox_add(cfg, name);
		free(name);
		if (!strcmp(dot + 1, "url")) {
			struct strbuf sb = STRBUF_INIT;

			free(ib->url);
			ib->url = NULL;
			ib->local = !starts_with(v, "http://") &&
				    !starts_with(v, "https://");
			if (!*v)
				return config_error(cfg, err, key,
						    "empty: a public-inbox URL "
						    "or directory%s",
						    NULL);
			if (ib->local && strstr(v, "://"))
				return config_error(cfg, err, key,
						    "'%s' is neither an http(s) "
						    "URL nor a directory",
						    v);
			if (ib->local) {
				ib->url = config_path_value(cfg, v);
				continue;
			}
			strbuf_addstr(&sb, v);
			if (sb.buf[sb.len - 1] != '/')
				strbuf_addch(&sb, '/');
			ib->url = strbuf_detach(&sb, NULL);
		} else if (!strcmp(dot + 1, "poll")) {
			int64_t n;

			ret = config_get_int(cfg, key, 300, &n, err);
			if (ret)
				return ret;
			if (n < 0 || n > 86400)
				return config_error(cfg, err, key,
						    "must be 0 (never poll) to "
						    "86400 seconds%s",
						    NULL);
			ib->poll = (unsigned int)n;
		} else if (!strcmp(dot + 1, "timeout")) {
			int64_t n;

			ret = config_get_int(cfg, key, 60, &n, err);
			if (ret)
				return ret;
			if (n < 1 || n > 3600)
				return config_error(cfg, err, key,
						    "must be 1 to 3600 seconds%s",
						    NULL);
			ib->timeout = (unsigned int)n;
		} else if (!strcmp(dot + 1, "backfill")) {
			int64_t n;

			ret = config_get_int(cfg, key, 14, &n, err);
			if (ret)
				return ret;
			if (n < 0 || n > 36500)
				return config_error(cfg, err, key,
						    "must be 0 to 36500 days%s",
						    NULL);
			ib->backfill = (unsigned int)n;
		}
	}
	for (i = 0; i < cfg->nr_inboxes; i++)
		if (!cfg->inboxes[i].url)
			return config_error(cfg, err, "inbox.url",
					    "inbox '%s' has no url",
					    cfg->inboxes[i].name);
	return 0;
}

/* [report]: the "What's cooking" mail (daemon/cooking-mail.c reads it). */
static int config_check_report(struct config *cfg, struct strbuf *err)
{
	const char *every = config_get(cfg, "report.every");
	const char *to = config_get(cfg, "report.to");
	bool quoted = false, at = false;
	const char *p;

	if (every && strcmp(every, "daily") && strcmp(every, "weekly") &&
	    strcmp(every, "never"))
		return config_error(cfg, err, "report.every",
				    "'%s' is not daily, weekly or never",
				    every);
	if (every && strcmp(every, "never") && (!to || !*to))
		return config_error(
			cfg, err, "report.every",
			"'%s' needs [report] to: nobody to mail the report to",
			every);
	/*
	 * GMime parses the list when mailing; catch here what is no
	 * address: a part between commas (outside quotes) without an '@'.
	 */
	for (p = to; p && *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '@')
			at = true;
		if ((*p == ',' && !quoted) || !p[1]) {
			if (!at)
				return config_error(
					cfg, err, "report.to",
					"'%s' is not a list of addresses", to);
			at = false;
		}
	}
	return 0;
}

/* Whether mask holds one "%s" or "%.Ns" and no other conversion. */
static bool commit_url_valid(const char *mask)
{
	int conversions = 0;
	const char *p;

	for (p = mask; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		if (p[1] == '.') {
			p += 2;
			if (!isdigit((unsigned char)*p))
				return false;
			while (isdigit((unsigned char)p[1]))
				p++;
		}
		if (p[1] != 's')
			return false;
		p++;
		conversions++;
	}
	return conversions == 1;
}

/* [notify]: the commit links and the templates of the notifications. */
static int config_check_notify(struct config *cfg, struct strbuf *err)
{
	static const char *const templates[] = {
		"notify.applied-template",
		"notify.dropped-template",
		"notify.sha1-changed-template",
		"notify.check-failed-template",
	};
	struct strbuf why = STRBUF_INIT;
	bool b;
	const char *v;
	size_t i;
	int ret = 0;

	ret = config_get_bool(cfg, "check.notify-author", false, &b, err);
	if (ret)
		return ret;
	v = config_get(cfg, "notify.commit-url");
	if (v && *v && !commit_url_valid(v))
		return config_error(
			cfg, err, "notify.commit-url",
			"'%s' must hold one %%s (or %%.12s) for the commit", v);
	for (i = 0; i < ARRAY_SIZE(templates) && !ret; i++) {
		char *path = config_get_path(cfg, templates[i]);

		if (path && access(path, R_OK) < 0) {
			strbuf_addf(&why, "cannot read '%s': %s", path,
				    strerror(errno));
			ret = config_error(cfg, err, templates[i], "%s",
					   why.buf);
		}
		free(path);
	}
	strbuf_release(&why);
	return ret;
}

char *config_get_path(const struct config *cfg, const char *key)
{
	const char *v = config_get(cfg, key);

	return v && *v ? config_path_value(cfg, v) : NULL;
}

static int config_check(struct config *cfg, struct strbuf *err)
{
	const char *v;
	int64_t n;
	size_t i;
	int ret;

	for (i = 0; i < cfg->nr_entries; i++) {
		const char *key = cfg->entries[i].key;

		if (!key_is_known(key)) {
			int line = config_line_of(cfg, key);

			log_warn("%s:%d: unknown key '%s' ignored", cfg->path,
				 line, key);
		}
	}

	v = config_get(cfg, "tree.name");
	cfg->tree_name = xstrdup(v && *v ? v : "cthulhu");
	v = config_get(cfg, "tree.repo");
	if (!v || !*v)
		return config_error(cfg, err, "tree.repo",
				    "missing: the path of the git repository%s",
				    NULL);
	cfg->repo = config_path_value(cfg, v);
	v = config_get(cfg, "tree.next");
	if (!v || !*v)
		v = "next";
	cfg->next = starts_with(v, "refs/") ? xstrdup(v) : NULL;
	if (!cfg->next) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "refs/heads/%s", v);
		cfg->next = strbuf_detach(&sb, NULL);
	}
	if (!valid_ref(cfg->next))
		return config_error(cfg, err, "tree.next",
				    "'%s' is not a valid branch name", v);
	v = config_get(cfg, "tree.base");
	cfg->base = xstrdup_or_null(v && *v ? v : NULL);
	v = config_get(cfg, "tree.mainline");
	cfg->mainline = xstrdup_or_null(v && *v ? v : NULL);
	v = config_get(cfg, "tree.committer");
	if (!v)
		v = "cthulhu <cthulhu@localhost>";
	if (parse_ident(v, &cfg->committer_name, &cfg->committer_email))
		return config_error(cfg, err, "tree.committer",
				    "'%s' is not of the form 'Name <email>'",
				    v);

	v = config_get(cfg, "state.dir");
	cfg->state_dir = config_path_value(cfg, v && *v ? v : "state");

	v = config_get(cfg, "http.listen");
	if (!v)
		v = "127.0.0.1:8080";
	if (strcmp(v, "0") && strcmp(v, "off")) {
		const char *colon = strrchr(v, ':');
		char *end;
		long port;

		if (!colon || colon == v)
			return config_error(
				cfg, err, "http.listen",
				"'%s' is not ADDR:PORT (or 0 for no TCP)", v);
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 0 || port > 65535 || end == colon + 1)
			return config_error(cfg, err, "http.listen",
					    "'%s' has no valid port", v);
		cfg->http_listen = xstrdup(v);
	}
	ret = config_get_int(cfg, "http.body-limit", 64 * 1024 * 1024, &n, err);
	if (ret)
		return ret;
	if (n <= 0)
		return config_error(cfg, err, "http.body-limit",
				    "must be positive%s", NULL);
	cfg->http_body_limit = (size_t)n;
	ret = config_get_int(cfg, "http.max-connections", 256, &n, err);
	if (ret)
		return ret;
	if (n < 1 || n > 4096)
		return config_error(cfg, err, "http.max-connections",
				    "must be 1 to 4096%s", NULL);
	cfg->http_max_connections = (unsigned int)n;
	ret = config_get_int(cfg, "http.max-per-client", 32, &n, err);
	if (ret)
		return ret;
	if (n < 0 || n > 4096)
		return config_error(cfg, err, "http.max-per-client",
				    "must be 0 to 4096%s", NULL);
	cfg->http_max_per_client = (unsigned int)n;
	ret = config_get_int(cfg, "http.max-streams", 64, &n, err);
	if (ret)
		return ret;
	if (n < 1 || n > 4096)
		return config_error(cfg, err, "http.max-streams",
				    "must be 1 to 4096%s", NULL);
	cfg->http_max_streams = (unsigned int)n;
	ret = config_get_int(cfg, "http.header-timeout", 10, &n, err);
	if (ret)
		return ret;
	if (n < 0 || n > 3600)
		return config_error(cfg, err, "http.header-timeout",
				    "must be 0 to 3600 seconds%s", NULL);
	cfg->http_header_timeout = (unsigned int)n;
	ret = config_get_int(cfg, "watch.poll", 5, &n, err);
	if (ret)
		return ret;
	if (n < 0 || n > 86400)
		return config_error(cfg, err, "watch.poll",
				    "must be 0 to 86400 seconds%s", NULL);
	cfg->poll_seconds = (unsigned int)n;
	ret = config_get_int(cfg, "intake.max-mail-size", 32 * 1024 * 1024, &n,
			     err);
	if (ret)
		return ret;
	if (n <= 0)
		return config_error(cfg, err, "intake.max-mail-size",
				    "must be positive%s", NULL);
	cfg->intake_max_mail = (size_t)n;

	ret = config_check_notify(cfg, err);
	if (ret)
		return ret;
	ret = config_check_gate(cfg, err);
	if (!ret)
		ret = config_check_check(cfg, err);
	if (ret)
		return ret;
	ret = config_check_inboxes(cfg, err);
	if (ret)
		return ret;
	ret = config_check_report(cfg, err);
	if (ret)
		return ret;

	/* [topic "NAME"] sections. */
	for (i = 0; i < cfg->nr_entries; i++) {
		const char *key = cfg->entries[i].key, *rest, *dot;
		struct topic_conf *t;
		char *name;

		if (!skip_prefix(key, "topic.", &rest))
			continue;
		dot = strrchr(rest, '.');
		if (!dot || dot == rest)
			continue;
		name = xstrndup(rest, dot - rest);
		t = config_topic_add(cfg, name);
		free(name);
		v = cfg->entries[i].value;
		if (!strcmp(dot + 1, "branch")) {
			struct strbuf sb = STRBUF_INIT;

			if (!starts_with(v, "refs/"))
				strbuf_addstr(&sb, "refs/heads/");
			strbuf_addstr(&sb, v);
			free(t->branch);
			t->branch = strbuf_detach(&sb, NULL);
			if (!valid_ref(t->branch))
				return config_error(
					cfg, err, key,
					"'%s' is not a valid branch name", v);
		} else if (!strcmp(dot + 1, "order")) {
			char *end;
			long o = strtol(v, &end, 10);

			if (!*v || *end || o < INT_MIN / 2 || o > INT_MAX / 2)
				return config_error(cfg, err, key,
						    "'%s' is not a number", v);
			t->order = (int)o;
		} else if (!strcmp(dot + 1, "owner")) {
			free(t->owner_name);
			free(t->owner_email);
			t->owner_name = t->owner_email = NULL;
			if (parse_ident(v, &t->owner_name, &t->owner_email) ||
			    !strchr(t->owner_email, '@'))
				return config_error(
					cfg, err, key,
					"'%s' is not of the form 'Name <email>'",
					v);
		} else if (!strcmp(dot + 1, "into-next")) {
			bool b;

			ret = config_get_bool(cfg, key, true, &b, err);
			if (ret)
				return ret;
			t->into_next = b;
		}
	}
	for (i = 0; i < cfg->nr_topics; i++) {
		struct topic_conf *t = &cfg->topics[i];

		if (!t->branch) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "refs/heads/%s", t->name);
			t->branch = strbuf_detach(&sb, NULL);
			if (!valid_ref(t->branch))
				return config_error(
					cfg, err, "topic.branch",
					"topic '%s' is not a valid branch name",
					t->name);
		}
		if (!strcmp(t->branch, cfg->next))
			return config_error(cfg, err, "topic.branch",
					    "topic '%s' is the next branch itself",
					    t->name);
	}
	v = config_get(cfg, "tree.default-topic");
	if (v && !config_topic(cfg, v))
		return config_error(cfg, err, "tree.default-topic",
				    "'%s' is not a topic of the tree", v);
	/* qsort() wants a non-NULL array even for no elements. */
	if (cfg->nr_topics)
		qsort(cfg->topics, cfg->nr_topics, sizeof(*cfg->topics),
		      topic_cmp);
	return 0;
}

int config_load(const char *path, struct config **out, struct strbuf *err)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	char *abs;
	int ret;

	*out = NULL;
	abs = realpath(path, NULL);
	if (!abs) {
		ret = error_set(err, ERR_INVALID, "cannot read config '%s': %s",
				path, strerror(errno));
		goto fail;
	}
	cfg->path = abs;
	ret = config_read_entries(cfg, err);
	if (ret)
		goto fail;
	ret = config_check(cfg, err);
	if (ret)
		goto fail;
	*out = cfg;
	return 0;
fail:
	config_free(cfg);
	return ret;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->tree_name);
	free(cfg->repo);
	free(cfg->next);
	free(cfg->base);
	free(cfg->mainline);
	free(cfg->committer_name);
	free(cfg->committer_email);
	free(cfg->state_dir);
	free(cfg->http_listen);
	for (i = 0; i < cfg->nr_topics; i++) {
		free(cfg->topics[i].name);
		free(cfg->topics[i].branch);
		free(cfg->topics[i].owner_name);
		free(cfg->topics[i].owner_email);
	}
	free(cfg->topics);
	for (i = 0; i < cfg->nr_inboxes; i++) {
		free(cfg->inboxes[i].name);
		free(cfg->inboxes[i].url);
	}
	free(cfg->inboxes);
	for (i = 0; i < cfg->nr_entries; i++) {
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
	}
	free(cfg->entries);
	free(cfg->index);
	free(cfg);
}
