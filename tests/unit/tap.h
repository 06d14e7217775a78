/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TAP_H
#define CTHULHU_TAP_H

/*
 * A minimal TAP producer for the unit tests, read by automake's
 * tap-driver.sh.  Each check prints "ok N - name" or "not ok N - name"
 * with the values that differed; done_testing() prints the plan and
 * returns the exit code.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3), unused)) static int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

#define is_int(got, want, ...)                                           \
	do {                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (!ok(g_ == w_, __VA_ARGS__))                          \
			printf("#   got %lld, want %lld\n", g_, w_);     \
	} while (0)

#define is_str(got, want, ...)                                          \
	do {                                                            \
		const char *g_ = (got), *w_ = (want);                   \
		int same_ = (g_ && w_) ? !strcmp(g_, w_) : g_ == w_;    \
		if (!ok(same_, __VA_ARGS__))                            \
			printf("#   got  '%s'\n#   want '%s'\n",        \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

__attribute__((unused)) static int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
