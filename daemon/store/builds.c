/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store of next's builds (see builds.h).
 */
#include <string.h>

#include "daemon/db.h"
#include "daemon/store/builds.h"
#include "lib/strbuf.h"

int store_builds_latest_base(struct db *db, char base[REPO_HEXSZ + 1],
			     struct strbuf *err)
{
	json_t *row = NULL;
	const char *hex;
	int ret;

	*base = '\0';
	ret = db_query_row(db, &row, err,
			   "SELECT base FROM builds WHERE "
			   "base IS NOT NULL ORDER BY id DESC LIMIT 1",
			   NULL);
	if (ret < 0)
		return ret;
	hex = json_string_value(json_object_get(row, "base"));
	if (hex && strlen(hex) == REPO_HEXSZ)
		memcpy(base, hex, REPO_HEXSZ + 1);
	json_decref(row);
	return 0;
}
