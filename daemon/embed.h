/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_EMBED_H
#define CTHULHU_EMBED_H

#include <stddef.h>

/*
 * A file compiled into the binary by build-aux/embed.sh.  The data is
 * followed by a NUL byte that len does not count, so text can be used as a
 * C string.  Arrays of these end with an entry whose name is NULL.
 */
struct embedded_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};

/* The migrations in schema/, sorted by name. */
extern const struct embedded_file schema_files[];
/* The dashboard's files in web/. */
extern const struct embedded_file web_files[];

const struct embedded_file *embed_find(const struct embedded_file *files,
				       const char *name);

#endif
