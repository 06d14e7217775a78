/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading db_query()'s rows into the store's structs (see row.h).
 */
#include "daemon/store/row.h"
#include "lib/xalloc.h"

char *row_strdup(json_t *row, const char *column)
{
	const char *s = json_string_value(json_object_get(row, column));

	return s ? xstrdup(s) : NULL;
}

int64_t row_int(json_t *row, const char *column)
{
	return json_integer_value(json_object_get(row, column));
}

int64_t row_int_or_none(json_t *row, const char *column)
{
	json_t *v = json_object_get(row, column);

	return json_is_integer(v) ? json_integer_value(v) : STORE_NONE;
}
