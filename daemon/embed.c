/* SPDX-License-Identifier: GPL-2.0 */
#include <string.h>

#include "daemon/embed.h"

const struct embedded_file *embed_find(const struct embedded_file *files,
				       const char *name)
{
	for (; files->name; files++)
		if (!strcmp(files->name, name))
			return files;
	return NULL;
}
