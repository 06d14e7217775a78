/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TEST_GIT_CLI_H
#define CTHULHU_TEST_GIT_CLI_H

/*
 * The git CLI for the unit tests that work on repositories: a temporary
 * folder, git without the user's or the system's config and with fixed
 * identities, and shell commands run in that folder, their output
 * discarded (sh()) or captured (sh_out()), so that a test makes its
 * repositories as a user would and asks git what they hold.
 * Include after tap.h.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lib/strbuf.h"

static char git_tmp[64];

/*
 * Make the folder /tmp/cthulhu-NAME.XXXXXX and set git's environment;
 * false (with a TAP bail-out) when the folder cannot be made.
 */
__attribute__((unused)) static bool git_cli_init(const char *name)
{
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("GIT_AUTHOR_NAME", "A U Thor", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "C O Mitter", 1);
	setenv("GIT_COMMITTER_EMAIL", "committer@example.com", 1);
	snprintf(git_tmp, sizeof(git_tmp), "/tmp/cthulhu-%s.XXXXXX", name);
	if (!mkdtemp(git_tmp)) {
		printf("Bail out! cannot make '%s'\n", git_tmp);
		return false;
	}
	return true;
}

/* Remove the folder and everything in it. */
__attribute__((unused)) static void git_cli_cleanup(void)
{
	struct strbuf cmd = STRBUF_INIT;

	strbuf_addf(&cmd, "rm -rf '%s'", git_tmp);
	if (system(cmd.buf))
		printf("# cannot remove '%s'\n", git_tmp);
	strbuf_release(&cmd);
}

__attribute__((unused)) static int sh_run(struct strbuf *out, const char *fmt,
					  va_list ap)
{
	struct strbuf cmd = STRBUF_INIT;
	char buf[4096];
	size_t got;
	FILE *f;
	int status;

	strbuf_addf(&cmd, "cd '%s' && (", git_tmp);
	strbuf_vaddf(&cmd, fmt, ap);
	strbuf_addstr(&cmd, out ? ") 2>/dev/null" : ") >/dev/null 2>&1");
	f = popen(cmd.buf, "r");
	strbuf_release(&cmd);
	if (!f)
		return -1;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		if (out)
			strbuf_add(out, buf, got);
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Run a shell command in the folder; its exit status. */
__attribute__((format(printf, 1, 2), unused)) static int sh(const char *fmt,
							    ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sh_run(NULL, fmt, ap);
	va_end(ap);
	return ret;
}

/* The same with its standard output appended to out. */
__attribute__((format(printf, 2, 3), unused)) static int
sh_out(struct strbuf *out, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sh_run(out, fmt, ap);
	va_end(ap);
	return ret;
}

/*
 * git rev-parse --verify's answer for rev in the repository at dir
 * (relative to the folder) into hex, of 41 bytes; "" when git knows
 * no such revision.
 */
__attribute__((unused)) static void rev_parse(const char *dir, const char *rev,
					      char *hex)
{
	struct strbuf out = STRBUF_INIT;

	hex[0] = '\0';
	if (!sh_out(&out, "git -C '%s' rev-parse --verify -q '%s'", dir, rev)) {
		strbuf_rtrim(&out);
		if (out.len == 40)
			memcpy(hex, out.buf, 41);
	}
	strbuf_release(&out);
}

#endif
