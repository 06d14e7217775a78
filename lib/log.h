/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_LOG_H
#define CTHULHU_LOG_H

/*
 * Logging to stderr, one line a message, with a level, as systemd's journal
 * reads it: "<N>" prefixes when stderr is the journal, a timestamp otherwise.
 */
enum log_level {
	LOG_LVL_ERROR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

void log_set_level(enum log_level level);
/* Parse "error", "warn", "info" or "debug"; -1 if none of them. */
int log_level_parse(const char *name);

__attribute__((format(printf, 2, 3))) void log_msg(enum log_level level,
						   const char *fmt, ...);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* Print "fatal: ..." and exit(1); only before the daemon serves. */
__attribute__((format(printf, 1, 2), noreturn)) void die(const char *fmt, ...);

#endif
