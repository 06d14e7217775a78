/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-topic pull requests (git request-pull)
 *
 * The "pull-request" job tags a topic's tip (an annotated tag, signed
 * with gpg as `git tag -s` does when [pull] signingkey is set) and writes
 * the request as `git request-pull BASE URL TAG` prints it: the merge
 * base and the tip with their subjects and dates, the URL and the tag,
 * the tag's message, the shortlog grouped by author and the diffstat
 * with its summary.  BASE is [tree] base ("auto": the newest v* tag on
 * mainline), else [tree] mainline.  After git's text comes a section
 * that lists the conflicts the topic met in recent builds of next, so
 * that the upstream maintainer sees them before merging.
 *
 * Everything that can fail is worked out before the tag is written: an
 * error leaves no tag behind.  With [pull] push the tag is then pushed
 * there (a failed push is a warning: the tag stands), and the URL in the
 * request defaults to that remote's.  The text is saved under
 * <state>/pull-requests/ and returned.
 *
 * The text is pullreq-text.c's, the tag pullreq-tag.c's and the
 * conflicts section pullreq-conflicts.c's; this file runs the job.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/engine.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/merge.h"
#include "daemon/pullreq-conflicts.h"
#include "daemon/pullreq-tag.h"
#include "daemon/pullreq-text.h"
#include "daemon/pullreq.h"
#include "daemon/repo.h"
#include "daemon/store/topics.h"
#include "lib/strbuf.h"
#include "daemon/topic.h"
#include "lib/xalloc.h"

struct pullreq {
	const struct config *cfg;
	git_repository *repo;
	const char *topic;
	char *branch;	       /* full ref */
	const char *base_name; /* [tree] base or mainline as written */
	git_oid base_rev;      /* base_name as a commit */
	git_oid base;	       /* merge base of base_rev and tip */
	git_oid tip;
	char *tag;
	char *url;
	struct strbuf message; /* the tag's message, cleaned up */
	struct strbuf request; /* git request-pull's text */
	struct strbuf conflicts_text;
	json_t *conflicts;
	json_t *warnings;
	bool signed_tag;
	git_oid tag_oid;
};

/* --- publishing -------------------------------------------------------- */

/*
 * The remote of [pull] push: a configured remote of the repository, or
 * a path or URL; *url gets the URL it fetches from (caller frees).
 */
static int push_remote(struct pullreq *pr, const char *name,
		       git_remote **remote, char **url, struct strbuf *err)
{
	int ret;

	ret = git_remote_lookup(remote, pr->repo, name);
	if (ret == GIT_ENOTFOUND || ret == GIT_EINVALIDSPEC)
		ret = git_remote_create_anonymous(remote, pr->repo, name);
	if (ret < 0)
		return repo_error(err, ERR_INVALID,
				  "pull.push: unknown remote '%s'", name);
	*url = xstrdup(git_remote_url(*remote) ?: name);
	return 0;
}

static int push_rejected(const char *refname, const char *status, void *data)
{
	struct strbuf *why = data;

	if (status)
		strbuf_addf(why, "%s'%s' rejected: %s", why->len ? "; " : "",
			    refname, status);
	return 0;
}

/* Push refs/tags/<tag> to [pull] push, never over a tag there. */
static int push_tag(struct pullreq *pr, git_remote *remote, const char *name,
		    struct strbuf *err)
{
	git_push_options opts = GIT_PUSH_OPTIONS_INIT;
	struct strbuf spec = STRBUF_INIT, why = STRBUF_INIT;
	char *specs[1];
	git_strarray arr = { specs, 1 };
	int ret;

	strbuf_addf(&spec, "refs/tags/%s:refs/tags/%s", pr->tag, pr->tag);
	specs[0] = spec.buf;
	opts.callbacks.push_update_reference = push_rejected;
	opts.callbacks.payload = &why;
	ret = git_remote_push(remote, &arr, &opts);
	if (ret < 0)
		ret = repo_error(err, -EIO, "cannot push tag '%s' to '%s'",
				 pr->tag, name);
	else if (why.len)
		ret = error_set(err, -EIO, "cannot push tag '%s' to '%s': %s",
				pr->tag, name, why.buf);
	strbuf_release(&spec);
	strbuf_release(&why);
	return ret;
}

/* --- the job ----------------------------------------------------------- */

/* Save text as <state>/pull-requests/<tag>.txt; the path, caller frees. */
static char *save_request(const char *tag, const struct strbuf *text,
			  struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, tmp = STRBUF_INIT;
	const char *p;
	int fd;

	strbuf_addf(&path, "%s/pull-requests/", the_daemon.state_dir);
	for (p = tag; *p; p++)
		strbuf_addch(&path, *p == '/' ? '-' : *p);
	strbuf_addstr(&path, ".txt");
	strbuf_addf(&tmp, "%s.XXXXXX", path.buf);
	fd = mkstemp(tmp.buf);
	if (fd < 0)
		goto fail;
	if (write(fd, text->buf, text->len) != (ssize_t)text->len) {
		close(fd);
		unlink(tmp.buf);
		goto fail;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp.buf, path.buf) < 0) {
		unlink(tmp.buf);
		goto fail;
	}
	strbuf_release(&tmp);
	return strbuf_detach(&path, NULL);
fail:
	error_set(err, -errno, "cannot write '%s': %s", path.buf,
		  strerror(errno));
	strbuf_release(&tmp);
	strbuf_release(&path);
	return NULL;
}

/* [tree] base ("auto": the newest v* tag on mainline), else mainline. */
static int resolve_base(struct pullreq *pr, struct strbuf *err)
{
	const struct config *cfg = pr->cfg;
	char hex[MERGE_HEXSZ + 1];
	struct merge *m = NULL;
	git_object *obj = NULL, *peeled = NULL;
	char *name = NULL;
	int ret;

	pr->base_name = cfg->base ? cfg->base : cfg->mainline;
	if (!pr->base_name)
		return error_set(err, ERR_INVALID,
				 "no [tree] base or [tree] mainline configured");
	if (!strcmp(pr->base_name, "auto")) {
		ret = merge_open(cfg->repo, &m, err);
		if (!ret)
			ret = merge_newest_tag(m, "v*", cfg->mainline, hex,
					       &name, err);
		if (!ret && git_oid_fromstr(&pr->base_rev, hex) < 0)
			ret = error_set(err, -EIO, "bad commit id '%s'", hex);
		free(name);
		merge_free(m);
		return ret;
	}
	if (git_revparse_single(&obj, pr->repo, pr->base_name) < 0) {
		ret = repo_error(err, ERR_NOT_FOUND, "unknown base '%s'",
				 pr->base_name);
		goto out;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		ret = repo_error(err, ERR_INVALID, "base '%s' is not a commit",
				 pr->base_name);
		goto out;
	}
	git_oid_cpy(&pr->base_rev, git_object_id(peeled));
	ret = 0;
out:
	git_object_free(peeled);
	git_object_free(obj);
	return ret;
}

static int make_state_dir(struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	int ret = 0;

	strbuf_addf(&path, "%s/pull-requests", the_daemon.state_dir);
	if (mkdir(path.buf, 0700) < 0 && errno != EEXIST)
		ret = error_set(err, -errno, "cannot make '%s': %s", path.buf,
				strerror(errno));
	strbuf_release(&path);
	return ret;
}

int pullreq_job_pull_request(struct job_ctx *ctx, json_t *args, json_t **result,
			     struct strbuf *err)
{
	const char *tag = json_string_value(json_object_get(args, "tag"));
	const char *msg = json_string_value(json_object_get(args, "message"));
	struct strbuf log_and_stat = STRBUF_INIT, buf = STRBUF_INIT;
	struct strbuf text = STRBUF_INIT, base_hex = STRBUF_INIT;
	const char *url, *push, *pushed = NULL;
	struct pullreq_range range = { 0 };
	struct pullreq pr = { 0 };
	git_remote *remote = NULL;
	char hex[REPO_HEXSZ + 1];
	struct store_topic topic = { 0 };
	struct repo *repo;
	size_t count = 0;
	char *file = NULL;
	git_oid mb;
	int ret;

	pr.cfg = ctx->config;
	pr.topic = json_string_value(json_object_get(args, "topic"));
	strbuf_init(&pr.message, 0);
	strbuf_init(&pr.request, 0);
	strbuf_init(&pr.conflicts_text, 0);
	pr.warnings = json_array();
	if (!pr.topic || !*pr.topic) {
		ret = error_set(err, ERR_INVALID,
				"pull-request needs a 'topic'");
		goto out;
	}
	ret = store_topic_get(ctx->db, pr.topic, &topic, err);
	if (ret)
		goto out;
	pr.branch = xstrdup(topic.branch);
	repo = repo_thread(err);
	if (!repo) {
		ret = -EIO;
		goto out;
	}
	pr.repo = repo_git(repo);
	ret = repo_ref_oid(repo, pr.branch, hex, NULL);
	if (ret) {
		ret = error_set(err, ERR_NOT_FOUND,
				"topic '%s' has no branch '%s'", pr.topic,
				pr.branch);
		goto out;
	}
	git_oid_fromstr(&pr.tip, hex);
	ret = resolve_base(&pr, err);
	if (ret)
		goto out;
	if (git_merge_base(&mb, pr.repo, &pr.base_rev, &pr.tip) < 0) {
		ret = repo_error(
			err, ERR_INVALID,
			"topic '%s' has no commits in common with the base '%s'",
			pr.topic, pr.base_name);
		goto out;
	}
	git_oid_cpy(&pr.base, &mb);
	if (git_oid_equal(&pr.base, &pr.tip)) {
		ret = error_set(err, ERR_INVALID,
				"topic '%s' has no commits over the base '%s'",
				pr.topic, pr.base_name);
		goto out;
	}
	range.repo = pr.repo;
	range.topic = pr.topic;
	range.base_rev = &pr.base_rev;
	range.base = &pr.base;
	range.tip = &pr.tip;

	if (tag && *tag) {
		pr.tag = xstrdup(tag);
	} else {
		struct strbuf name = STRBUF_INIT;

		ret = pullreq_tag_format(pr.cfg, pr.topic, &name, err);
		pr.tag = strbuf_detach(&name, NULL);
		if (ret)
			goto out;
	}
	ret = pullreq_tag_check_name(pr.repo, pr.tag, err);
	if (ret)
		goto out;
	url = config_get(pr.cfg, "pull.url");
	push = config_get(pr.cfg, "pull.push");
	if (push && *push) {
		ret = push_remote(&pr, push, &remote, &pr.url, err);
		if (ret)
			goto out;
	}
	if (url && *url) {
		free(pr.url);
		pr.url = xstrdup(url);
	} else if (!pr.url) {
		pr.url = xstrdup(pr.cfg->repo);
	}

	if (msg && *msg) {
		pullreq_text_stripspace(&pr.message, msg);
	} else {
		struct strbuf def = STRBUF_INIT;

		ret = pullreq_tag_default_message(pr.cfg, &range, &def, err);
		pullreq_text_stripspace(&pr.message, def.buf);
		strbuf_release(&def);
		if (ret)
			goto out;
	}
	if (!pr.message.len) {
		ret = error_set(err, ERR_INVALID, "the tag message is empty");
		goto out;
	}

	/* All that can fail before the tag exists. */
	ret = pullreq_text_shortlog(&range, &log_and_stat, &count, err);
	if (!ret)
		ret = pullreq_text_diffstat(&range, &log_and_stat, err);
	if (!ret)
		ret = make_state_dir(err);
	if (ret)
		goto out;
	pr.conflicts = pullreq_conflicts_find(ctx->db, pr.topic, hex,
					      &pr.conflicts_text);

	ret = pullreq_tag_create(pr.cfg, &range, pr.tag, pr.message.buf,
				 pr.warnings, &pr.signed_tag, &pr.tag_oid, &buf,
				 err);
	if (ret)
		goto out;
	log_info("pull-request: tag '%s' at %.12s for '%s'%s", pr.tag, hex,
		 pr.topic, pr.signed_tag ? ", signed" : "");
	if (remote) {
		/* the tag stands: a failed push is the maintainer's to redo */
		if (push_tag(&pr, remote, push, err)) {
			json_array_append_new(pr.warnings,
					      json_string(err->buf));
			log_warn("pull-request: %s", err->buf);
			strbuf_reset(err);
		} else {
			pushed = push;
		}
	}
	ret = pullreq_text_request(&range, pr.url, pr.tag, buf.buf,
				   &log_and_stat, &pr.request, err);
	if (ret)
		goto out;
	strbuf_addbuf(&text, &pr.request);
	strbuf_addbuf(&text, &pr.conflicts_text);
	file = save_request(pr.tag, &text, err);
	if (!file) {
		json_array_append_new(pr.warnings, json_string(err->buf));
		log_warn("pull-request: %s", err->buf);
		strbuf_reset(err);
	}
	strbuf_addstr(&base_hex, git_oid_tostr_s(&pr.base));
	*result = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, "
			    "s:s*, s:s*, s:I, s:s, s:O, s:s, s:O}",
			    "topic", pr.topic, "branch", pr.branch, "tag",
			    pr.tag, "tag_object", git_oid_tostr_s(&pr.tag_oid),
			    "commit", hex, "base", base_hex.buf, "base_rev",
			    pr.base_name, "url", pr.url, "signed",
			    pr.signed_tag, "pushed", pushed, "file", file,
			    "commits", (json_int_t)count, "request",
			    pr.request.buf, "conflicts", pr.conflicts, "text",
			    text.buf, "warnings", pr.warnings);
	ret = 0;
out:
	git_remote_free(remote);
	free(file);
	free(pr.branch);
	free(pr.tag);
	free(pr.url);
	strbuf_release(&pr.message);
	strbuf_release(&pr.request);
	strbuf_release(&pr.conflicts_text);
	json_decref(pr.conflicts);
	json_decref(pr.warnings);
	store_topic_release(&topic);
	strbuf_release(&log_and_stat);
	strbuf_release(&buf);
	strbuf_release(&text);
	strbuf_release(&base_hex);
	return ret;
}
