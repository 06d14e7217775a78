/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_ROW_H
#define CTHULHU_STORE_ROW_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/*
 * Reading the rows db_query() gives (objects keyed by column) into the
 * store's structs: for daemon/store/ only, the one place rows are read.
 */

/* The column as a new string, NULL when it is null or not text. */
char *row_strdup(json_t *row, const char *column);
/* The column as an integer, 0 when it is null or not an integer. */
int64_t row_int(json_t *row, const char *column);

/* An integer column's NULL in the store's structs. */
#define STORE_NONE INT64_MIN
/* The column as an integer, STORE_NONE when it is null. */
int64_t row_int_or_none(json_t *row, const char *column);

/*
 * The rows of a query (taken) as a new array of *nr elements of size
 * bytes, each filled by from_row(row, element); NULL when the query
 * failed (rows NULL).  The array has room for one element at least.
 */
void *row_list(json_t *rows, size_t size,
	       void (*from_row)(json_t *row, void *elem), size_t *nr);
/*
 * A column holding a JSON array of strings, as a new NULL-terminated
 * string array *v of *nr strings (empty when text is NULL or not such an
 * array; other elements left out).
 */
void row_strv(const char *text, char ***v, size_t *nr);

/*
 * The store's values as JSON, for the edges that build the API's
 * answers from the typed rows: NULL and STORE_NONE as null, and text
 * that is not UTF-8 as null (as db_query() gives it).
 */
json_t *store_json_str(const char *s);
json_t *store_json_int(int64_t v);

#endif
