/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STRBUF_H
#define CTHULHU_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A growable, always NUL-terminated byte buffer, after git's strbuf.
 *
 * buf is never NULL: an empty strbuf points at a shared empty string until
 * the first write, so STRBUF_INIT needs no allocation.  len counts the bytes
 * before the terminating NUL; the buffer may hold NUL bytes of its own.
 */
struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT                  \
	{                            \
		0, 0, strbuf_slopbuf \
	}

void strbuf_init(struct strbuf *sb, size_t hint);
/* Free the contents; sb is left empty and can be used again. */
void strbuf_release(struct strbuf *sb);
/* Hand the buffer to the caller, who frees it with free(). */
char *strbuf_detach(struct strbuf *sb, size_t *len);

void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
static inline void strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addbuf(struct strbuf *sb, const struct strbuf *other);
__attribute__((format(printf, 2, 3))) void strbuf_addf(struct strbuf *sb,
						       const char *fmt, ...);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

void strbuf_rtrim(struct strbuf *sb);
void strbuf_trim(struct strbuf *sb);
/* Turn every run of whitespace into one space (git's cleanup_space). */
void strbuf_squeeze_space(struct strbuf *sb);
/* Remove n bytes at pos (those there are, when fewer follow pos). */
void strbuf_remove(struct strbuf *sb, size_t pos, size_t n);

/* Read the whole file at path, appending; 0 or -errno. */
int strbuf_read_file(struct strbuf *sb, const char *path);
/* Read everything from fd until EOF, appending; 0 or -errno. */
int strbuf_read_fd(struct strbuf *sb, int fd);

bool starts_with(const char *s, const char *prefix);
bool ends_with(const char *s, const char *suffix);
/* If s starts with prefix, set *rest past it and return true. */
bool skip_prefix(const char *s, const char *prefix, const char **rest);

/*
 * Error reporting: a function that fails writes what went wrong into the
 * caller's err (may be NULL) and returns a negative errno-style code.
 * error_set() replaces err's text; the code is returned for convenience:
 *   return error_set(err, -ENOENT, "unknown topic '%s'", name);
 */
__attribute__((format(printf, 3, 4))) int
error_set(struct strbuf *err, int code, const char *fmt, ...);

#endif
