/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text of the notifications to authors: the default one, or a
 * template of the maintainer's with ${variables}, as `b4 ty` writes its
 * thanks and the KVM x86 tree its "Applied to kvm-x86 pmu, thanks!".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/config.h"
#include "lib/error.h"
#include "daemon/notify-text.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static json_int_t jint(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* "[n/T] subject" as b4 and the tip tree write them. */
static void patch_line(struct strbuf *out, json_t *p)
{
	if (jint(p, "total") > 1)
		strbuf_addf(out, "[%lld/%lld] ", (long long)jint(p, "number"),
			    (long long)jint(p, "total"));
	strbuf_addstr(out, jstr(p, "subject"));
	strbuf_addch(out, '\n');
}

/* The commit as [notify] commit-url names it, else 12 hex digits. */
static void commit_ref(struct strbuf *out, const struct config *cfg,
		       const char *sha)
{
	const char *mask = config_get(cfg, "notify.commit-url");
	const char *p;

	if (!mask || !*mask) {
		strbuf_addf(out, "%.12s", sha);
		return;
	}
	/* config.c let through "%s", "%.Ns" and "%%" only */
	for (p = mask; *p; p++) {
		char *end;
		long n;

		if (*p != '%') {
			strbuf_addch(out, *p);
			continue;
		}
		if (p[1] == '%') {
			strbuf_addch(out, '%');
			p++;
			continue;
		}
		if (p[1] == 's') {
			strbuf_addstr(out, sha);
			p++;
			continue;
		}
		if (p[1] == '.') {
			n = strtol(p + 2, &end, 10);
			if (*end == 's') {
				strbuf_addf(out, "%.*s", (int)n, sha);
				p = end;
				continue;
			}
		}
		strbuf_addch(out, *p);
	}
}

static void add_greeting(struct strbuf *body, json_t *info)
{
	json_t *reply = json_object_get(info, "reply");
	const char *name = jstr(reply, "from_name");

	strbuf_addf(body, "Hi %s,\n\n",
		    *name ? name : jstr(reply, "from_email"));
}

static const char *short_branch(json_t *info)
{
	const char *branch = jstr(info, "branch");

	skip_prefix(branch, "refs/heads/", &branch);
	return branch;
}

static void add_tree(struct strbuf *body, const struct config *cfg,
		     json_t *info)
{
	strbuf_addf(body, "tree %s, topic %s (branch %s)",
		    cfg->tree_name ? cfg->tree_name : "", jstr(info, "topic"),
		    short_branch(info));
}

/* The variables of every template. */
static json_t *common_vars(const struct config *cfg, json_t *info)
{
	json_t *reply = json_object_get(info, "reply");
	const char *name = jstr(reply, "from_name");
	const char *subject = jstr(reply, "subject");

	while (!strncasecmp(subject, "re:", 3)) {
		subject += 3;
		while (*subject == ' ' || *subject == '\t')
			subject++;
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "author",
			 *name ? name : jstr(reply, "from_email"),
			 "author_email", jstr(reply, "from_email"), "subject",
			 subject, "tree", cfg->tree_name ? cfg->tree_name : "",
			 "topic", jstr(info, "topic"), "branch",
			 short_branch(info), "maintainer",
			 cfg->committer_name ? cfg->committer_name : "");
}

static void set_var(json_t *vars, const char *name, const struct strbuf *sb)
{
	json_object_set_new(vars, name, json_string(sb->buf));
}

/* ${name} of tpl from vars; an unknown one stays, "$$" is "$". */
static void expand(struct strbuf *out, const char *tpl, json_t *vars)
{
	const char *p = tpl;

	while (*p) {
		const char *end;
		json_t *v;

		if (p[0] == '$' && p[1] == '$') {
			strbuf_addch(out, '$');
			p += 2;
			continue;
		}
		if (p[0] != '$' || p[1] != '{' || !(end = strchr(p + 2, '}'))) {
			strbuf_addch(out, *p++);
			continue;
		}
		{
			char *name = xstrndup(p + 2, end - p - 2);

			v = json_object_get(vars, name);
			free(name);
		}
		if (json_is_string(v))
			strbuf_addstr(out, json_string_value(v));
		else
			strbuf_add(out, p, end + 1 - p);
		p = end + 1;
	}
}

/*
 * The template of key when set, expanded into body (1), or 0 when unset:
 * the caller writes its default text.
 */
static int from_template(const struct config *cfg, const char *key,
			 json_t *vars, struct strbuf *body, struct strbuf *err)
{
	struct strbuf tpl = STRBUF_INIT;
	char *path = config_get_path(cfg, key);
	int ret = 1;

	if (!path)
		return 0;
	if (strbuf_read_file(&tpl, path) < 0)
		ret = error_set(err, -EIO, "cannot read [%s] '%s': %s", key,
				path, strerror(errno));
	else
		expand(body, tpl.buf, vars);
	strbuf_release(&tpl);
	free(path);
	return ret;
}

int notify_text_applied(const struct config *cfg, json_t *info,
			struct strbuf *body, struct strbuf *err)
{
	struct strbuf summary = STRBUF_INIT, commits = STRBUF_INIT;
	struct strbuf missing = STRBUF_INIT;
	json_t *vars = common_vars(cfg, info), *p, *t;
	size_t i, k;
	int ret;

	json_array_foreach(json_object_get(info, "applied"), i, p) {
		patch_line(&summary, p);
		strbuf_addstr(&summary, "      ");
		commit_ref(&summary, cfg, jstr(p, "commit"));
		strbuf_addch(&summary, '\n');
		json_array_foreach(json_object_get(p, "trailers"), k, t)
			strbuf_addf(&summary, "      + %s\n",
				    json_string_value(t));
		commit_ref(&commits, cfg, jstr(p, "commit"));
		strbuf_addch(&commits, '\n');
	}
	json_array_foreach(json_object_get(info, "not_applied"), i, p)
		patch_line(&missing, p);
	set_var(vars, "summary", &summary);
	set_var(vars, "commits", &commits);
	set_var(vars, "not_applied", &missing);
	ret = from_template(cfg, "notify.applied-template", vars, body, err);
	if (ret)
		goto out;
	add_greeting(body, info);
	strbuf_addstr(body, "Applied to ");
	add_tree(body, cfg, info);
	strbuf_addstr(body, ", thanks!\n\n");
	strbuf_addbuf(body, &summary);
	if (missing.len) {
		strbuf_addstr(body, "\nNot applied:\n\n");
		strbuf_addbuf(body, &missing);
	}
	strbuf_addstr(
		body,
		"\nThe SHA1s may change if the topic is rebased; you will be told.\n");
out:
	json_decref(vars);
	strbuf_release(&summary);
	strbuf_release(&commits);
	strbuf_release(&missing);
	return ret < 0 ? ret : 0;
}

int notify_text_dropped(const struct config *cfg, json_t *info,
			struct strbuf *body, struct strbuf *err)
{
	struct strbuf commit = STRBUF_INIT, patch = STRBUF_INIT;
	json_t *vars = common_vars(cfg, info);
	int ret;

	commit_ref(&commit, cfg, jstr(info, "commit"));
	patch_line(&patch, info);
	strbuf_rtrim(&patch);
	set_var(vars, "commit", &commit);
	set_var(vars, "patch", &patch);
	json_object_set_new(vars, "reason", json_string(jstr(info, "reason")));
	ret = from_template(cfg, "notify.dropped-template", vars, body, err);
	if (ret)
		goto out;
	add_greeting(body, info);
	strbuf_addf(body, "Commit %.12s (\"%s\") was dropped from ",
		    jstr(info, "commit"), jstr(info, "subject"));
	add_tree(body, cfg, info);
	strbuf_addstr(body, ".\n\nReason:\n\n");
	strbuf_addstr(body, jstr(info, "reason"));
	strbuf_rtrim(body);
	strbuf_addstr(
		body,
		"\n\nPlease send a new version of the patch once this is resolved.\n");
out:
	json_decref(vars);
	strbuf_release(&commit);
	strbuf_release(&patch);
	return ret < 0 ? ret : 0;
}

int notify_text_sha1_changed(const struct config *cfg, json_t *info,
			     struct strbuf *body, struct strbuf *err)
{
	struct strbuf summary = STRBUF_INIT;
	json_t *vars = common_vars(cfg, info), *p;
	size_t i;
	int ret;

	json_array_foreach(json_object_get(info, "changed"), i, p) {
		patch_line(&summary, p);
		strbuf_addf(&summary, "      %.12s -> ", jstr(p, "old"));
		commit_ref(&summary, cfg, jstr(p, "new"));
		strbuf_addch(&summary, '\n');
	}
	set_var(vars, "summary", &summary);
	json_object_set_new(vars, "why", json_string(jstr(info, "why")));
	ret = from_template(cfg, "notify.sha1-changed-template", vars, body,
			    err);
	if (ret)
		goto out;
	add_greeting(body, info);
	strbuf_addstr(body, "The commits of your patches changed SHA1 in ");
	add_tree(body, cfg, info);
	strbuf_addf(body, " (%s):\n\n", jstr(info, "why"));
	strbuf_addbuf(body, &summary);
out:
	json_decref(vars);
	strbuf_release(&summary);
	return ret < 0 ? ret : 0;
}

int notify_text_check_failed(const struct config *cfg, json_t *info,
			     struct strbuf *body, struct strbuf *err)
{
	json_t *vars = common_vars(cfg, info);
	const char *url = jstr(info, "target_url");
	const char *log = jstr(info, "log");
	const char *p, *eol;
	int ret;

	json_object_set_new(vars, "context",
			    json_string(jstr(info, "context")));
	json_object_set_new(vars, "state", json_string(jstr(info, "state")));
	json_object_set_new(vars, "description",
			    json_string(jstr(info, "description")));
	json_object_set_new(vars, "target_url", json_string(url));
	json_object_set_new(vars, "log", json_string(log));
	ret = from_template(cfg, "notify.check-failed-template", vars, body,
			    err);
	if (ret)
		goto out;
	add_greeting(body, info);
	strbuf_addf(body, "The check '%s' of your series failed in tree %s",
		    jstr(info, "context"),
		    cfg->tree_name ? cfg->tree_name : "");
	strbuf_addstr(body, *jstr(info, "description") ? ":\n\n" : ".\n");
	for (p = jstr(info, "description"); *p; p = *eol ? eol + 1 : eol) {
		eol = strchrnul(p, '\n');
		strbuf_addf(body, "    %.*s\n", (int)(eol - p), p);
	}
	if (*url)
		strbuf_addf(body, "\nDetails: %s\n", url);
	if (*log) {
		strbuf_addstr(body, "\nThe end of its log:\n\n");
		strbuf_addstr(body, log);
		strbuf_rtrim(body);
		strbuf_addch(body, '\n');
	}
	strbuf_addstr(body, "\nPlease look into it and send a new version if "
			    "the series needs one.\n");
out:
	json_decref(vars);
	return ret < 0 ? ret : 0;
}
