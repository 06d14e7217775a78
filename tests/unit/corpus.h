/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TEST_CORPUS_H
#define CTHULHU_TEST_CORPUS_H

/*
 * The mail corpus for the unit tests: $CORPUS (the Makefile sets it from
 * configure's --with-corpus), else ../shared/corpus.  It is not part of
 * a clone, so a test that reads it asks have_corpus() first: when the
 * corpus is missing that part is one skipped TAP result giving the
 * reason, or, under CI=true (CI has the corpus), a failed one.
 * Include after tap.h.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

__attribute__((unused)) static const char *corpus_dir(void)
{
	const char *c = getenv("CORPUS");

	return c && *c ? c : "../shared/corpus";
}

/* what: the checks that need it, for the message */
__attribute__((unused)) static bool have_corpus(const char *what)
{
	const char *ci = getenv("CI");
	struct stat st;

	if (!stat(corpus_dir(), &st) && S_ISDIR(st.st_mode))
		return true;
	if (ci && !strcmp(ci, "true")) {
		ok(0,
		   "no mail corpus at '%s' for %s (CI=true: CI must "
		   "have it)",
		   corpus_dir(), what);
		return false;
	}
	tap_count++;
	printf("ok %d # SKIP no mail corpus at '%s': %s do not run\n",
	       tap_count, corpus_dir(), what);
	fflush(stdout);
	return false;
}

#endif
