/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_RESOLUTIONS_H
#define CTHULHU_STORE_RESOLUTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of recorded conflict resolutions: the table resolutions
 * (schema/0002-next.sql); see store/topics.h for the store layer.  A
 * resolution is found by key, the hash of a conflict's normalised hunks
 * (resolve.c); its hunks are bytes.
 */
struct store_resolution {
	int64_t id;
	char *topic, *path, *key;
	int64_t created_at;
	int64_t used_at; /* STORE_NONE: never used */
	int64_t uses;
};

struct store_resolution_list {
	struct store_resolution *v;
	size_t nr;
};

void store_resolution_release(struct store_resolution *r);
void store_resolution_list_release(struct store_resolution_list *list);

/* The resolution of key, *found whether there is one. */
int store_resolution_by_key(struct db *db, const char *key,
			    struct store_resolution *out, bool *found,
			    struct strbuf *err);
/* Its hunks: the normalised conflict and what each hunk became. */
int store_resolution_hunks(struct db *db, int64_t id, struct strbuf *conflict,
			   struct strbuf *resolution, struct strbuf *err);
/* All, newest first. */
int store_resolutions_list(struct db *db, struct store_resolution_list *out,
			   struct strbuf *err);
/* How many topic has. */
int store_resolutions_count(struct db *db, const char *topic, int64_t *n,
			    struct strbuf *err);

/* Record (or replace, by key) a resolution. */
int store_resolution_put(struct db *db, const char *topic, const char *path,
			 const char *key, const struct strbuf *conflict,
			 const char *resolution, size_t resolution_len,
			 int64_t created_at, struct strbuf *err);
/* A merge used it at at. */
int store_resolution_used(struct db *db, int64_t id, int64_t at,
			  struct strbuf *err);
/* Forget it; ERR_NOT_FOUND when there is none. */
int store_resolution_forget(struct db *db, int64_t id, struct strbuf *err);

#endif
