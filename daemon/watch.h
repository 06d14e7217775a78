/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_WATCH_H
#define CTHULHU_WATCH_H

struct strbuf;

/*
 * The ref watcher: inotify on the repository's loose refs and packed-refs,
 * with a poll as fallback, each of which kicks a "topic-scan" job on the
 * engine.
 */
int watch_start(const char *gitdir, unsigned int poll_seconds,
		struct strbuf *err);
void watch_stop(void);

#endif
