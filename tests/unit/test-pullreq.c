/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pieces of a pull request on their own, on a repository made with
 * git: the shortlog against `git shortlog` (a mailmap, a merge, commits
 * of the same second, "[PATCH]" prefixes), the diffstat against
 * `git diff -M --stat --summary` (renames inside folders, a rename with
 * a mode change, a changed binary, a quoted name, a scaled graph), the
 * whole request against `git request-pull` for a base that moved past
 * the merge base, git's stripspace and subject rules, and the tag: its
 * name from [pull] tag-format, the checks of a name, the default
 * message, the tag object as git reads it, and its signature by a gpg
 * that stands in for gpg.  t0570 to t0575 see the same through the
 * daemon's pull-request job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <git2.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/pullreq-tag.h"
#include "daemon/pullreq-text.h"
#include "daemon/repo.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"
#include "tests/unit/git-cli.h"
#include "tests/unit/state.h"

/*
 * c NAME EMAIL EPOCH MESSAGE: commit what is staged as the author at
 * EPOCH; the committer's date is EPOCH too, in another zone.
 */
#define COMMIT                                                          \
	"c() { GIT_AUTHOR_NAME=\"$1\" GIT_AUTHOR_EMAIL=\"$2\" "         \
	"GIT_AUTHOR_DATE=\"$3 +0200\" GIT_COMMITTER_DATE=\"$3 -0130\" " \
	"git commit -q -m \"$4\"; }; "

static void make_repo(void)
{
	ok(!sh(COMMIT
	       "git init -q -b master work && cd work &&"
	       " mkdir -p arch/x86/kvm/pmu lib/a &&"
	       " seq 1 50 > arch/x86/kvm/pmu/old.c && seq 11 60 > lib/a/x.c &&"
	       " seq 1 20 > script.sh && printf '\\000\\001bin' > blob.bin &&"
	       " seq 1 40 > gone.c && seq 1 300 > many.c &&"
	       " seq 1 10 > trim.c && echo hi > 'say\"hi\".txt' &&"
	       " printf 'Robert Builder <bob@example.org>\\n"
	       "Robert Builder <bob@example.org> <bob@old.example.org>\\n'"
	       "  > .mailmap && git add . &&"
	       " c 'A U Thor' a@example.org 1700000000 base && git tag v1 &&"
	       " git checkout -q -b topic &&"
	       " git mv arch/x86/kvm/pmu/old.c arch/x86/kvm/pmu/new.c &&"
	       " c 'Zed Zebra' z@example.org 1700000100 'KVM: x86/pmu: Rename old.c' &&"
	       " mkdir lib/b && git mv lib/a/x.c lib/b/x.c &&"
	       " c 'Bob Builder' bob@old.example.org 1700000100"
	       "  '[PATCH v3 2/9] lib: Move x.c' &&"
	       " mkdir tools && git mv script.sh tools/script.sh &&"
	       " chmod +x tools/script.sh && git add tools &&"
	       " c 'alice lowercase' alice@example.org 1700000100 'tools: Move the"
	       " script, and make it executable' &&"
	       " printf '\\000\\001\\002binary' > blob.bin && git add blob.bin &&"
	       " c 'Zed Zebra' z@example.org 1700000200 'Change the blob' &&"
	       " git checkout -q -b side v1 &&"
	       " git rm -q gone.c &&"
	       " c 'Zed Zebra' z@example.org 1700000200 'Remove gone.c' &&"
	       " sed -i 3,7d trim.c && git add trim.c &&"
	       " c 'Bob Builder' bob@example.org 1700000200 'Trim trim.c' &&"
	       " git checkout -q topic &&"
	       " GIT_COMMITTER_DATE='1700000300 +0000' git merge -q --no-edit"
	       "  side &&"
	       " seq 1 300 | sed '50,299s/$/ changed/' > many.c &&"
	       " echo bye > 'say\"hi\".txt' && echo new > added.c &&"
	       " git add . && c 'Émile Accent' e@example.org 1700000400"
	       "  'Change many lines' &&"
	       " git checkout -q master && echo later > later.c &&"
	       " git add later.c && c 'A U Thor' a@example.org 1700000500"
	       "  'A commit on the base only'"),
	   "make a repository with git");
}

/* Whether two texts are equal; the first lines that differ when not. */
static bool same_text(const char *got, const char *want, const char *what)
{
	const char *g = got, *w = want;
	bool same = !strcmp(got, want);

	ok(same, "%s", what);
	if (same)
		return true;
	while (*g && *w) {
		size_t gl = pullreq_text_line_len(g),
		       wl = pullreq_text_line_len(w);

		if (gl != wl || memcmp(g, w, gl)) {
			printf("#   got  %.*s#   want %.*s", (int)gl, g,
			       (int)wl, w);
			break;
		}
		g += gl;
		w += wl;
	}
	if (!*g || !*w)
		printf("#   got %zu bytes, want %zu\n", strlen(got),
		       strlen(want));
	return false;
}

/* Write text as the file name in the folder, executable when mode. */
static int write_file(const char *name, const char *text, bool executable)
{
	struct strbuf path = STRBUF_INIT;
	FILE *f;
	int ret;

	strbuf_addf(&path, "%s/%s", git_tmp, name);
	f = fopen(path.buf, "w");
	ret = f ? 0 : -1;
	if (f) {
		fputs(text, f);
		ret = fclose(f) ? -1 : 0;
	}
	if (!ret && executable)
		ret = sh("chmod +x '%s'", name);
	strbuf_release(&path);
	return ret;
}

static void test_text_rules(void)
{
	static const char messy[] = "\n  \nFirst line  \n\n\n\tindented\t\n"
				    "trailing\t \n\n\n";
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;

	pullreq_text_stripspace(&sb, messy);
	write_file("messy", messy, false);
	sh_out(&out, "git stripspace < messy");
	is_str(sb.buf, out.buf, "pullreq_text_stripspace() is git stripspace");
	strbuf_reset(&sb);
	pullreq_text_stripspace(&sb, "  \n\n");
	is_str(sb.buf, "", "of blank lines only: nothing");

	strbuf_reset(&sb);
	pullreq_text_subject(&sb,
			     "\n\nKVM: x86: Join\n  these lines \n\nbody\n");
	is_str(sb.buf, "KVM: x86: Join   these lines",
	       "pullreq_text_subject(): the first paragraph's lines joined");
	strbuf_reset(&sb);
	pullreq_text_subject(&sb, "no newline");
	is_str(sb.buf, "no newline", "a subject without a newline");

	is_int(pullreq_text_trimmed_len("ab \t\r\n", 6), 2,
	       "pullreq_text_trimmed_len() cuts trailing space");
	is_int(pullreq_text_line_len("ab\ncd"), 3,
	       "pullreq_text_line_len() counts the newline");
	is_int(pullreq_text_line_len("cd"), 2, "and a last line without one");
	strbuf_release(&sb);
	strbuf_release(&out);
}

static void test_tag_names(struct git_repository *git)
{
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT, want = STRBUF_INIT;
	struct config *cfg;
	char date[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y.%m.%d", &tm);
	cfg = state_config("[tree]\n\tname = kvm-x86\n");
	pullreq_tag_format(cfg, "x86/pmu", &sb, &err);
	strbuf_addf(&want, "kvm-x86-pmu-%s", date);
	is_str(sb.buf, want.buf,
	       "tag-format by default: the tree's last part not repeated");
	strbuf_reset(&sb);
	pullreq_tag_format(cfg, "svm", &sb, &err);
	strbuf_reset(&want);
	strbuf_addf(&want, "kvm-x86-svm-%s", date);
	is_str(sb.buf, want.buf, "a topic without a folder");
	config_free(cfg);

	cfg = state_config("[tree]\n\tname = KVM\n"
			   "[pull]\n\ttag-format = for-%t/%n_%%\n");
	strbuf_reset(&sb);
	is_int(pullreq_tag_format(cfg, "x86/PMU fixes", &sb, &err), 0,
	       "[pull] tag-format with %%t, %%n and %%%%");
	is_str(sb.buf, "for-x86-pmu-fixes/kvm_%",
	       "names made lower case, other characters '-'");
	config_free(cfg);
	cfg = state_config("[pull]\n\ttag-format = %n-%q\n");
	strbuf_reset(&sb);
	is_int(pullreq_tag_format(cfg, "x", &sb, &err), ERR_INVALID,
	       "an unknown placeholder is ERR_INVALID");
	ok(strstr(err.buf, "'%q'") != NULL, "naming it: %s", err.buf);
	strbuf_reset(&err);
	config_free(cfg);

	is_int(pullreq_tag_check_name(git, "kvm-x86-pmu-1", &err), 0,
	       "pullreq_tag_check_name() of a new name");
	is_int(pullreq_tag_check_name(git, "v1", &err), ERR_EXISTS,
	       "of an existing tag: ERR_EXISTS");
	is_str(err.buf, "tag 'v1' already exists", "saying so");
	strbuf_reset(&err);
	is_int(pullreq_tag_check_name(git, "a..b", &err), ERR_INVALID,
	       "'a..b' is no tag name");
	strbuf_reset(&err);
	is_int(pullreq_tag_check_name(git, "-x", &err), ERR_INVALID,
	       "nor a name that starts with '-'");
	strbuf_reset(&err);
	is_int(pullreq_tag_check_name(git, "", &err), ERR_INVALID,
	       "nor an empty one");
	strbuf_release(&err);
	strbuf_release(&sb);
	strbuf_release(&want);
}

int main(void)
{
	struct strbuf err = STRBUF_INIT, got = STRBUF_INIT, want = STRBUF_INIT;
	struct strbuf log_and_stat = STRBUF_INIT, buf = STRBUF_INIT;
	struct strbuf sb = STRBUF_INIT;
	char base_rev_hex[REPO_HEXSZ + 1], base_hex[REPO_HEXSZ + 1];
	char tip_hex[REPO_HEXSZ + 1], date[16];
	git_oid base_rev, base, tip, tag_oid;
	struct pullreq_range pr = { 0 };
	struct git_repository *git = NULL;
	struct repo *repo = NULL;
	struct config *cfg;
	json_t *warnings;
	bool signed_tag = false;
	size_t count = 0;
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	if (!git_cli_init("test-pullreq"))
		return 1;
	setenv("COLUMNS", "80", 1);
	make_repo();
	ok(!repo_global_init(&err), "repo_global_init(): %s", err.buf);
	strbuf_addf(&sb, "%s/work", git_tmp);
	ret = repo_open(sb.buf, &repo, &err);
	is_int(ret, 0, "repo_open(): %s", err.buf);
	if (ret)
		return done_testing();
	git = repo_git(repo);
	rev_parse("work", "master", base_rev_hex);
	rev_parse("work", "v1", base_hex);
	rev_parse("work", "topic", tip_hex);
	git_oid_fromstr(&base_rev, base_rev_hex);
	git_oid_fromstr(&base, base_hex);
	git_oid_fromstr(&tip, tip_hex);
	pr.repo = git;
	pr.topic = "topic";
	pr.base_rev = &base_rev;
	pr.base = &base;
	pr.tip = &tip;

	test_text_rules();

	/* --- the shortlog and the diffstat -------------------------------- */
	ret = pullreq_text_shortlog(&pr, &got, &count, &err);
	is_int(ret, 0, "pullreq_text_shortlog(): %s", err.buf);
	sh_out(&want, "cd work && git shortlog ^master topic");
	same_text(got.buf, want.buf, "is git shortlog ^base tip");
	ok(strstr(got.buf, "Robert Builder (2):\n") != NULL,
	   "with the mailmap's name for both of Bob's addresses");
	ok(strstr(got.buf, "      lib: Move x.c\n") != NULL,
	   "and a [PATCH] prefix cut");
	strbuf_reset(&sb);
	sh_out(&sb, "git -C work rev-list --count ^master topic");
	is_int(count, atoi(sb.buf), "counting every commit, the merge too");

	strbuf_reset(&got);
	strbuf_reset(&want);
	ret = pullreq_text_diffstat(&pr, &got, &err);
	is_int(ret, 0, "pullreq_text_diffstat(): %s", err.buf);
	sh_out(&want, "cd work && git diff -M --stat --summary v1 topic");
	same_text(got.buf, want.buf, "is git diff -M --stat --summary");
	ok(strstr(got.buf, " lib/{a => b}/x.c ") &&
		   strstr(got.buf, " arch/x86/kvm/pmu/{old.c => new.c} "),
	   "which covers renames inside folders");
	ok(strstr(got.buf, "\"say\\\"hi\\\".txt\"") &&
		   strstr(got.buf, "Bin 5 -> 9 bytes") &&
		   strstr(got.buf,
			  " rename script.sh => tools/script.sh (100%)\n"
			  " mode change 100644 => 100755\n"),
	   "a quoted name, a changed binary, a rename with a mode change");

	/* --- the tag ------------------------------------------------------ */
	test_tag_names(git);
	cfg = state_config("[tree]\n\tname = kvm-x86\n"
			   "\tcommitter = Kim Maintainer <kim@example.org>\n");
	strbuf_reset(&got);
	ret = pullreq_tag_default_message(cfg, &pr, &got, &err);
	is_int(ret, 0, "pullreq_tag_default_message(): %s", err.buf);
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	strbuf_reset(&want);
	strbuf_addf(&want, "kvm-x86 topic changes for %s:\n\n", date);
	sh_out(&want, "git -C work log --reverse --topo-order --no-merges"
		      " --format=' - %%s' ^master topic");
	same_text(got.buf, want.buf,
		  "a line per commit but the merge, oldest first");

	warnings = json_array();
	strbuf_reset(&buf);
	ret = pullreq_tag_create(cfg, &pr, "kvm-x86-topic-1",
				 "The message.\n\nSecond paragraph.\n",
				 warnings, &signed_tag, &tag_oid, &buf, &err);
	is_int(ret, 0, "pullreq_tag_create(): %s", err.buf);
	ok(!signed_tag && !json_array_size(warnings),
	   "unsigned without [pull] signingkey, no warning");
	strbuf_reset(&got);
	sh_out(&got, "git -C work cat-file tag kvm-x86-topic-1");
	is_str(got.buf, buf.buf, "buf is the tag object git reads");
	strbuf_reset(&got);
	sh_out(&got, "git -C work rev-parse kvm-x86-topic-1 kvm-x86-topic-1^{}"
		     " && git -C work cat-file -p kvm-x86-topic-1 | sed -n 4p");
	strbuf_reset(&want);
	strbuf_addf(&want, "%s\n%s\n", git_oid_tostr_s(&tag_oid), tip_hex);
	ok(starts_with(got.buf, want.buf) &&
		   strstr(got.buf, "tagger Kim Maintainer <kim@example.org> "),
	   "refs/tags/kvm-x86-topic-1 is the tag, at the tip, by the "
	   "committer");
	/*
	 * Not asked here: pullreq_tag_create() over an existing tag, where
	 * libgit2 1.5's git_tag_create_from_buffer() leaks the ref's name
	 * (pullreq_tag_check_name() above refuses the name first).
	 */

	/* --- the request -------------------------------------------------- */
	strbuf_reset(&log_and_stat);
	pullreq_text_shortlog(&pr, &log_and_stat, &count, &err);
	pullreq_text_diffstat(&pr, &log_and_stat, &err);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/work", git_tmp);
	strbuf_reset(&got);
	ret = pullreq_text_request(&pr, sb.buf, "kvm-x86-topic-1", buf.buf,
				   &log_and_stat, &got, &err);
	is_int(ret, 0, "pullreq_text_request(): %s", err.buf);
	strbuf_reset(&want);
	sh_out(&want, "cd work && git request-pull master '%s' kvm-x86-topic-1",
	       sb.buf);
	same_text(got.buf, want.buf, "is git request-pull's text");
	strbuf_reset(&sb);
	strbuf_addf(&sb, "The following changes since commit %s:\n", base_hex);
	ok(starts_with(got.buf, sb.buf), "from the merge base, not the base");

	/* --- a signed tag, by a gpg that stands in ------------------------ */
	ok(!sh("mkdir -p state/pull-requests"), "the state's pull-requests/");
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/state", git_tmp);
	the_daemon.state_dir = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb,
		    "#!/bin/sh\n"
		    "echo \"$@\" > %s/gpg-args\n"
		    "cat > %s/gpg-payload\n"
		    "printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nsig\\n"
		    "-----END PGP SIGNATURE-----\\n'\n",
		    git_tmp, git_tmp);
	ok(!write_file("gpg", sb.buf, true) &&
		   !write_file("bad-gpg",
			       "#!/bin/sh\n"
			       "echo 'gpg: skipped \"K\": No secret key' >&2\n"
			       "exit 2\n",
			       true),
	   "a gpg that signs, one that fails");
	config_free(cfg);
	strbuf_reset(&sb);
	strbuf_addf(&sb,
		    "[tree]\n\tcommitter = Kim Maintainer <kim@example.org>\n"
		    "[pull]\n\tsigningkey = K\n\tgpg-program = %s/gpg\n",
		    git_tmp);
	cfg = state_config(sb.buf);
	strbuf_reset(&buf);
	ret = pullreq_tag_create(cfg, &pr, "signed-1", "Signed.\n", warnings,
				 &signed_tag, &tag_oid, &buf, &err);
	is_int(ret, 0, "pullreq_tag_create() with [pull] signingkey: %s",
	       err.buf);
	ok(signed_tag, "signs the tag");
	strbuf_reset(&got);
	sh_out(&got, "cat gpg-args; cat gpg-payload");
	strbuf_reset(&want);
	strbuf_addstr(&want, "--status-fd=2 -bsau K\n");
	strbuf_add(&want, buf.buf, strstr(buf.buf, "-----BEGIN") - buf.buf);
	is_str(got.buf, want.buf,
	       "gpg got git's arguments and the tag without its signature");
	strbuf_reset(&got);
	sh_out(&got, "git -C work cat-file tag signed-1");
	ok(!strcmp(got.buf, buf.buf) &&
		   ends_with(got.buf, "-----END PGP SIGNATURE-----\n"),
	   "the tag object carries the signature");
	strbuf_reset(&got);
	pullreq_text_request(&pr, "URL", "signed-1", buf.buf, &log_and_stat,
			     &got, &err);
	ok(strstr(got.buf, "\nSigned.\n") && !strstr(got.buf, "PGP"),
	   "the request has the message without the signature");

	config_free(cfg);
	strbuf_reset(&sb);
	strbuf_addf(&sb,
		    "[pull]\n\tsigningkey = K\n\tgpg-program = %s/bad-gpg\n",
		    git_tmp);
	cfg = state_config(sb.buf);
	strbuf_reset(&buf);
	ret = pullreq_tag_create(cfg, &pr, "signed-2", "Signed.\n", warnings,
				 &signed_tag, &tag_oid, &buf, &err);
	is_int(ret, -EIO, "a gpg that fails fails the tag");
	is_str(err.buf,
	       "gpg failed to sign the tag with key 'K': "
	       "skipped \"K\": No secret key",
	       "with gpg's words");
	strbuf_reset(&err);
	rev_parse("work", "refs/tags/signed-2", tip_hex);
	is_str(tip_hex, "", "and makes no tag");
	config_free(cfg);
	cfg = state_config("[pull]\n\tsigningkey = K\n"
			   "\tgpg-program = /nonexistent/gpg\n");
	signed_tag = false;
	ret = pullreq_tag_create(cfg, &pr, "signed-3", "Signed.\n", warnings,
				 &signed_tag, &tag_oid, &buf, &err);
	ok(!ret && !signed_tag, "without gpg the tag is made unsigned");
	is_int(json_array_size(warnings), 1, "with a warning");
	ok(strstr(json_string_value(json_array_get(warnings, 0)),
		  "not signed") != NULL,
	   "that says so: %s", json_string_value(json_array_get(warnings, 0)));

	config_free(cfg);
	json_decref(warnings);
	free(the_daemon.state_dir);
	repo_free(repo);
	repo_global_shutdown();
	git_cli_cleanup();
	strbuf_release(&err);
	strbuf_release(&got);
	strbuf_release(&want);
	strbuf_release(&log_and_stat);
	strbuf_release(&buf);
	strbuf_release(&sb);
	return done_testing();
}
