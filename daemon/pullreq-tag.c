/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tag of a pull request: its name from [pull] tag-format, its
 * default message, and the annotated tag object at the topic's tip,
 * signed as `git tag -s` signs it when [pull] signingkey is set and gpg
 * is there.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <git2.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "lib/error.h"
#include "lib/log.h"
#include "daemon/pullreq-tag.h"
#include "daemon/pullreq-text.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

extern char **environ;

#define DEFAULT_TAG_FORMAT "%n-%t-%d"

/* --- the tag ----------------------------------------------------------- */

/* Lower case, anything but [a-z0-9._-] made '-'. */
static void add_slug(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			c = '-';
		strbuf_addch(sb, c);
	}
}

int pullreq_tag_format(const struct config *cfg, const char *topic,
		       struct strbuf *out, struct strbuf *err)
{
	const char *fmt = config_get(cfg, "pull.tag-format");
	struct strbuf tree = STRBUF_INIT;
	const char *slash;
	time_t now = time(NULL);
	struct tm tm;
	int ret = 0;

	if (!fmt || !*fmt)
		fmt = DEFAULT_TAG_FORMAT;
	add_slug(&tree, cfg->tree_name);
	slash = strchr(topic, '/');
	if (slash && (size_t)(slash - topic) < tree.len &&
	    tree.buf[tree.len - (slash - topic) - 1] == '-' &&
	    !strncasecmp(tree.buf + tree.len - (slash - topic), topic,
			 slash - topic))
		topic = slash + 1;
	localtime_r(&now, &tm);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			strbuf_addch(out, *fmt);
			continue;
		}
		switch (*++fmt) {
		case 'n':
			strbuf_addbuf(out, &tree);
			break;
		case 't':
			add_slug(out, topic);
			break;
		case 'd':
			strbuf_addf(out, "%04d.%02d.%02d", tm.tm_year + 1900,
				    tm.tm_mon + 1, tm.tm_mday);
			break;
		case '%':
			strbuf_addch(out, '%');
			break;
		default:
			ret = error_set(
				err, ERR_INVALID,
				"pull.tag-format: unknown placeholder '%%%.1s' in '%s'",
				fmt, config_get(cfg, "pull.tag-format"));
			goto out;
		}
	}
out:
	strbuf_release(&tree);
	return ret;
}

int pullreq_tag_check_name(struct git_repository *repo, const char *tag,
			   struct strbuf *err)
{
	struct strbuf ref = STRBUF_INIT;
	git_reference *existing = NULL;
	int valid = 0, ret = 0;

	strbuf_addf(&ref, "refs/tags/%s", tag);
	if (!*tag || *tag == '-' ||
	    git_reference_name_is_valid(&valid, ref.buf) < 0 || !valid) {
		ret = error_set(err, ERR_INVALID,
				"'%s' is not a valid tag name", tag);
		goto out;
	}
	if (!git_reference_lookup(&existing, repo, ref.buf))
		ret = error_set(err, ERR_EXISTS, "tag '%s' already exists",
				tag);
out:
	git_reference_free(existing);
	strbuf_release(&ref);
	return ret;
}

int pullreq_tag_default_message(const struct config *cfg,
				const struct pullreq_range *pr,
				struct strbuf *out, struct strbuf *err)
{
	git_revwalk *walk = NULL;
	time_t now = time(NULL);
	git_commit *c;
	struct tm tm;
	git_oid oid;
	int ret;

	localtime_r(&now, &tm);
	strbuf_addf(out, "%s %s changes for %04d-%02d-%02d:\n\n",
		    cfg->tree_name, pr->topic, tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday);
	if (git_revwalk_new(&walk, pr->repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) <
		    0 ||
	    git_revwalk_push(walk, pr->tip) < 0 ||
	    git_revwalk_hide(walk, pr->base_rev) < 0) {
		ret = repo_error(err, -EIO, "cannot walk '%s'", pr->topic);
		goto out;
	}
	while (!(ret = git_revwalk_next(&oid, walk))) {
		if (git_commit_lookup(&c, pr->repo, &oid) < 0)
			continue;
		if (git_commit_parentcount(c) < 2) {
			strbuf_addstr(out, " - ");
			pullreq_text_subject(out, git_commit_message(c));
			strbuf_addch(out, '\n');
		}
		git_commit_free(c);
	}
	ret = ret == GIT_ITEROVER ?
		      0 :
		      repo_error(err, -EIO, "cannot walk '%s'", pr->topic);
out:
	git_revwalk_free(walk);
	return ret;
}

/* The program named, found on PATH unless it has a '/'; caller frees. */
static char *find_program(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	struct strbuf sb = STRBUF_INIT;

	if (strchr(name, '/'))
		return access(name, X_OK) ? NULL : xstrdup(name);
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		strbuf_reset(&sb);
		if (end == p)
			strbuf_addstr(&sb, ".");
		else
			strbuf_add(&sb, p, end - p);
		strbuf_addf(&sb, "/%s", name);
		if (!access(sb.buf, X_OK))
			return strbuf_detach(&sb, NULL);
	}
	strbuf_release(&sb);
	return NULL;
}

/*
 * Sign payload as `git tag -s` does: `gpg --status-fd=2 -bsau KEY` with
 * the payload on standard input; the armored signature is appended to
 * sig.  The payload and gpg's messages go through files so that no pipe
 * can fill; when gpg fails, err gets its "gpg: " lines.
 */
static int gpg_sign(const char *gpg, const char *key, const char *payload,
		    struct strbuf *sig, struct strbuf *err)
{
	char *argv[] = { (char *)gpg, "--status-fd=2", "-bsau", (char *)key,
			 NULL };
	struct strbuf in_path = STRBUF_INIT, err_path = STRBUF_INIT;
	struct strbuf errout = STRBUF_INIT, said = STRBUF_INIT;
	int in = -1, errfd = -1, outp[2] = { -1, -1 }, ret, status = -1;
	size_t len = strlen(payload), line;
	posix_spawn_file_actions_t fa;
	const char *p;
	char buf[4096];
	ssize_t got;
	pid_t pid;

	strbuf_addf(&in_path, "%s/pull-requests/.payload.XXXXXX",
		    the_daemon.state_dir);
	strbuf_addf(&err_path, "%s/pull-requests/.gpg-err.XXXXXX",
		    the_daemon.state_dir);
	in = mkstemp(in_path.buf);
	errfd = in < 0 ? -1 : mkstemp(err_path.buf);
	if (in < 0 || errfd < 0) {
		ret = error_set(err, -errno,
				"cannot make a file in '%s/pull-requests': %s",
				the_daemon.state_dir, strerror(errno));
		goto out;
	}
	if (write(in, payload, len) != (ssize_t)len ||
	    lseek(in, 0, SEEK_SET) < 0) {
		ret = error_set(err, -EIO, "cannot write '%s'", in_path.buf);
		goto out;
	}
	if (pipe2(outp, O_CLOEXEC) < 0) {
		ret = error_set(err, -errno, "cannot make a pipe: %s",
				strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	ret = posix_spawn(&pid, gpg, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(outp[1]);
	outp[1] = -1;
	if (ret) {
		ret = error_set(err, -ret, "cannot run '%s': %s", gpg,
				strerror(ret));
		goto out;
	}
	while ((got = read(outp[0], buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		strbuf_add(sig, buf, got);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && !WEXITSTATUS(status) &&
	    starts_with(sig->buf, "-----BEGIN PGP SIGNATURE-----")) {
		ret = 0;
		goto out;
	}
	strbuf_read_file(&errout, err_path.buf);
	for (p = errout.buf; *p; p += pullreq_text_line_len(p))
		if (starts_with(p, "gpg: ")) {
			line = pullreq_text_line_len(p + 5);
			strbuf_addstr(&said, said.len ? "; " : ": ");
			strbuf_add(&said, p + 5,
				   pullreq_text_trimmed_len(p + 5, line));
		}
	ret = error_set(err, -EIO, "gpg failed to sign the tag with key '%s'%s",
			key, said.buf);
out:
	if (in >= 0) {
		close(in);
		unlink(in_path.buf);
	}
	if (errfd >= 0) {
		close(errfd);
		unlink(err_path.buf);
	}
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	strbuf_release(&in_path);
	strbuf_release(&err_path);
	strbuf_release(&errout);
	strbuf_release(&said);
	return ret;
}

int pullreq_tag_create(const struct config *cfg, const struct pullreq_range *pr,
		       const char *tag, const char *message, json_t *warnings,
		       bool *signed_tag, struct git_oid *tag_oid,
		       struct strbuf *buf, struct strbuf *err)
{
	const char *key = config_get(cfg, "pull.signingkey");
	const char *program = config_get(cfg, "pull.gpg-program");
	struct strbuf sig = STRBUF_INIT;
	git_signature *tagger = NULL;
	char *gpg = NULL;
	int off, aoff, ret;

	if (git_signature_now(&tagger, cfg->committer_name,
			      cfg->committer_email) < 0) {
		ret = repo_error(err, -EIO, "cannot make the tagger");
		goto out;
	}
	off = tagger->when.offset;
	aoff = off < 0 ? -off : off;
	strbuf_addf(buf,
		    "object %s\ntype commit\ntag %s\n"
		    "tagger %s <%s> %lld %c%02d%02d\n\n%s",
		    git_oid_tostr_s(pr->tip), tag, tagger->name, tagger->email,
		    (long long)tagger->when.time, off < 0 ? '-' : '+',
		    aoff / 60, aoff % 60, message);

	if (key && *key) {
		gpg = find_program(program && *program ? program : "gpg");
		if (!gpg) {
			json_array_append_new(
				warnings,
				json_sprintf(
					"gpg not found ('%s'): tag '%s' is not signed",
					program && *program ? program : "gpg",
					tag));
			log_warn("pull-request: gpg not found, tag '%s' not signed",
				 tag);
		} else {
			ret = gpg_sign(gpg, key, buf->buf, &sig, err);
			if (ret)
				goto out;
			strbuf_addbuf(buf, &sig);
			*signed_tag = true;
		}
	}
	ret = git_tag_create_from_buffer(tag_oid, pr->repo, buf->buf, 0);
	if (ret == GIT_EEXISTS) {
		ret = error_set(err, ERR_EXISTS, "tag '%s' already exists",
				tag);
		goto out;
	}
	if (ret < 0) {
		ret = repo_error(err, -EIO, "cannot write tag '%s'", tag);
		goto out;
	}
	ret = 0;
out:
	free(gpg);
	strbuf_release(&sig);
	git_signature_free(tagger);
	return ret;
}
