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

void *row_list(json_t *rows, size_t size,
	       void (*from_row)(json_t *row, void *elem), size_t *nr)
{
	json_t *row;
	char *v;
	size_t i;

	*nr = 0;
	if (!rows)
		return NULL;
	v = xcalloc(json_array_size(rows) ? json_array_size(rows) : 1, size);
	json_array_foreach(rows, i, row)
		from_row(row, v + i * size);
	*nr = json_array_size(rows);
	json_decref(rows);
	return v;
}

void row_strv(const char *text, char ***v, size_t *nr)
{
	json_t *a = text ? json_loads(text, 0, NULL) : NULL;
	json_t *s;
	size_t i;

	*v = xcalloc(json_array_size(a) + 1, sizeof(**v));
	*nr = 0;
	json_array_foreach(a, i, s)
		if (json_is_string(s))
			(*v)[(*nr)++] = xstrdup(json_string_value(s));
	json_decref(a);
}

json_t *store_json_str(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;

	return v ? v : json_null();
}

json_t *store_json_int(int64_t v)
{
	return v == STORE_NONE ? json_null() : json_integer(v);
}
