/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_SPAWN_H
#define CTHULHU_SPAWN_H

#include <stddef.h>

struct strbuf;

/*
 * Run a program other than the gate's (the gate runner forks its own
 * process group, gate-run.c): argv[0] is looked up in PATH when it has no
 * '/', argv goes to it word for word and no shell sees any of it.  The
 * child starts with no signal blocked and SIGPIPE at its default; it gets
 * input (len bytes) on its standard input, or /dev/null when input is
 * NULL, and shares cthulhud's standard output and error.  Wait for it:
 * 0 when it exits 0, else a negative code with err set.
 */
int spawn_run(const char *const *argv, const char *input, size_t len,
	      struct strbuf *err);

/*
 * Split cmd at spaces and tabs into words, with no quoting and nothing
 * else a shell would do; *argv is a NULL-terminated array pointing into
 * *buf.  Caller frees both with free().  How many words.
 */
size_t spawn_split(const char *cmd, char ***argv, char **buf);

#endif
