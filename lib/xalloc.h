/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_XALLOC_H
#define CTHULHU_XALLOC_H

#include <stddef.h>

/*
 * Allocation that cannot fail: out of memory ends the process with a
 * message, as git's xmalloc() does.  Running on after a failed allocation
 * would only move the crash somewhere harder to read.
 */
__attribute__((noreturn)) void die_oom(void);
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xstrdup() that passes NULL through. */
char *xstrdup_or_null(const char *s);

#define ALLOC_ARRAY(p, n) ((p) = xcalloc((n), sizeof(*(p))))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
