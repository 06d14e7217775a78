/* SPDX-License-Identifier: GPL-2.0 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"

static enum log_level max_level = LOG_LVL_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	max_level = level;
}

int log_level_parse(const char *name)
{
	if (!strcmp(name, "error"))
		return LOG_LVL_ERROR;
	if (!strcmp(name, "warn") || !strcmp(name, "warning"))
		return LOG_LVL_WARN;
	if (!strcmp(name, "info"))
		return LOG_LVL_INFO;
	if (!strcmp(name, "debug"))
		return LOG_LVL_DEBUG;
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static int journal = -1;
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > max_level)
		return;
	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;

	pthread_mutex_lock(&log_lock);
	if (journal) {
		fprintf(stderr, "<%d>", level);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s: ", stamp, ts.tv_nsec / 1000000,
			level_names[level]);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}
