// SPDX-License-Identifier: GPL-2.0
/*
 * Series grouping: the input is an mbox submitted to a fresh in-memory
 * database through series_ingest_mbox(), as `cthulhu submit` does, then
 * every series made is read back as the API serves it, and the mbox is
 * submitted again (all duplicates now).
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon/db.h"
#include "daemon/mail.h"
#include "daemon/series.h"
#include "lib/strbuf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	mail_global_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	json_t *res = NULL, *list, *s, *one;
	struct db *db = NULL;
	size_t i;

	if (db_open(":memory:", &db, &err) || db_migrate(db, &err)) {
		fprintf(stderr, "fuzz-series: %s\n", err.buf);
		abort();
	}
	series_ingest_mbox(db, (const char *)data, size, MBOX_AUTO, &res, &err);
	json_decref(res);
	res = NULL;
	strbuf_reset(&err);
	list = series_list(db, NULL, NULL, 100, &err);
	json_array_foreach(list, i, s) {
		one = NULL;
		if (!series_get(db,
				json_integer_value(json_object_get(s, "id")),
				&one, &err))
			json_decref(one);
		strbuf_reset(&err);
	}
	json_decref(list);
	series_ingest_mbox(db, (const char *)data, size, MBOX_AUTO, &res, &err);
	json_decref(res);
	db_close(db);
	strbuf_release(&err);
	return 0;
}
