/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_CHECKS_H
#define CTHULHU_STORE_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct strbuf;

/*
 * The store of the checks of queued series: the table checks
 * (schema/0019-checks.sql); see store/topics.h for the store layer.  A
 * check is patchwork's: a context (cthulhu's own are "apply", "merge"
 * and "gate"; an outside CI names its own), a state, a description and
 * a URL.  One per series and context; putting one replaces the older.
 */
struct store_check {
	int64_t id, series_id;
	char *context;
	char *state; /* pending, success, warning, fail */
	char *description;
	char *target_url; /* NULL for none */
	char *origin;	  /* cthulhu, api */
	char *inputs;	  /* what it was computed from; NULL for none */
	char *log;	  /* the failure's detail or log; NULL for none */
	int64_t created_at, updated_at;
};

struct store_check_list {
	struct store_check *v;
	size_t nr;
};

void store_check_release(struct store_check *c);
void store_check_list_release(struct store_check_list *list);

/* Whether state is one a check may have. */
bool store_check_state_valid(const char *state);

/*
 * Record c (all but id and created_at; updated_at is its time): a new
 * row, or the one of the same series and context replaced, keeping its
 * created_at when the state is the same.
 */
int store_check_put(struct db *db, const struct store_check *c,
		    struct strbuf *err);
/* The check of series_id named context; *found whether there is one. */
int store_check_get(struct db *db, int64_t series_id, const char *context,
		    struct store_check *out, bool *found, struct strbuf *err);
/* The checks of series_id, cthulhu's first, then by context. */
int store_checks_of(struct db *db, int64_t series_id,
		    struct store_check_list *out, struct strbuf *err);
/*
 * Call fn with each check of the series in ids (a JSON array of ids,
 * "[1,2]"), by series then by context, with only series_id, context and
 * state read (borrowed, valid until fn returns): for the queue's
 * summaries.  A non-zero return of fn stops and is returned.
 */
int store_check_states_each(struct db *db, const char *ids,
			    int (*fn)(const struct store_check *c, void *data),
			    void *data, struct strbuf *err);
/* Forget the check of series_id named context; none is no error. */
int store_check_forget(struct db *db, int64_t series_id, const char *context,
		       struct strbuf *err);

#endif
