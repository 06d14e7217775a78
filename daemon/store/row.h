/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_ROW_H
#define CTHULHU_STORE_ROW_H

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

#endif
