/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon/queue.c's in-memory order against the database and against a
 * brute-force count: positions after loading, after random moves and
 * removals; queue_series_lane() and queue_state_valid().
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/db.h"
#include "daemon/queue.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"

#define N 300

static struct {
	int olane;
	int64_t rank;
	int queued;
} keys[N + 1];

/* Position of id by counting every queued key before it. */
static int64_t brute_position(int64_t id)
{
	int64_t pos = 1, i;

	if (!keys[id].queued)
		return 0;
	for (i = 1; i <= N; i++) {
		if (i == id || !keys[i].queued)
			continue;
		if (keys[i].olane < keys[id].olane ||
		    (keys[i].olane == keys[id].olane &&
		     (keys[i].rank < keys[id].rank ||
		      (keys[i].rank == keys[id].rank && i < id))))
			pos++;
	}
	return pos;
}

static int check_all(struct db *db, const char *what)
{
	struct strbuf err = STRBUF_INIT;
	int64_t id, pos;
	int bad = 0;

	for (id = 1; id <= N; id++) {
		if (queue_position(db, id, &pos, &err) < 0 ||
		    pos != brute_position(id)) {
			if (!bad)
				printf("# %s: series %lld at %lld, want %lld\n",
				       what, (long long)id, (long long)pos,
				       (long long)brute_position(id));
			bad++;
		}
	}
	strbuf_release(&err);
	return !bad;
}

int main(void)
{
	struct strbuf err = STRBUF_INIT;
	char path[] = "/tmp/test-queue-XXXXXX";
	struct db *db;
	int64_t id, pos;
	int fd, i, ret = 0;

	fd = mkstemp(path);
	close(fd);
	unlink(path);
	ok(!db_open(path, &db, &err) && !db_migrate(db, &err),
	   "a database with every migration");

	srand(7);
	ret = db_begin(db, &err);
	for (id = 1; !ret && id <= N; id++) {
		keys[id].olane = 10 * (1 + rand() % 4) + rand() % 2;
		/* Few distinct ranks, so that ties fall back to the id. */
		keys[id].rank = rand() % 50;
		keys[id].queued = rand() % 5 != 0;
		ret = db_exec(db, &err,
			      "INSERT INTO series (id, author_email, "
			      "date, created_at, updated_at) VALUES "
			      "(?, 'a@b.org', 1, 1, 1)",
			      "i", id);
		if (!ret)
			ret = db_exec(db, &err,
				      "INSERT INTO queue (series_id, "
				      "root_id, queued, lane, reason, arrival, "
				      "olane, rank, entered_at, updated_at) "
				      "VALUES (?1, ?1, ?2, ?3, 'test', 1, ?4, "
				      "?5, 1, 1)",
				      "iddii", id, keys[id].queued,
				      keys[id].olane / 10, keys[id].olane,
				      keys[id].rank);
	}
	if (!ret)
		ret = db_commit(db, &err);
	is_int(ret, 0, "%d series in the queue table", N);
	if (ret)
		printf("# %s\n", err.buf);

	ok(check_all(db, "loaded"),
	   "positions after loading equal the brute count");

	for (i = 0; i < 2000; i++) {
		id = 1 + rand() % N;
		keys[id].queued = rand() % 4 != 0;
		keys[id].olane = 10 * (1 + rand() % 4);
		keys[id].rank = rand() % 50;
		queue_index_set(id, keys[id].queued, keys[id].olane / 10,
				keys[id].olane, keys[id].rank);
	}
	ok(check_all(db, "moved"),
	   "positions after 2000 random moves and removals");
	{
		int64_t want[5] = { 0 }, total = 0;
		json_t *res = queue_list(db, 0, 0, 5, &err), *lane;
		size_t k;
		int same = res != NULL;

		for (id = 1; id <= N; id++)
			if (keys[id].queued) {
				want[keys[id].olane / 10]++;
				total++;
			}
		json_array_foreach(json_object_get(res, "lanes"), k, lane)
			same &= json_integer_value(
					json_object_get(lane, "count")) ==
				want[json_integer_value(
					json_object_get(lane, "lane"))];
		ok(same, "queue_list(): the lane counts follow the moves");
		is_int(json_integer_value(json_object_get(res, "total")), total,
		       "queue_list(): the total follows the moves");
		json_decref(res);
	}

	queue_index_set(5, true, 1, 0, -1);
	keys[5].queued = 1;
	keys[5].olane = 0;
	keys[5].rank = -1;
	queue_position(db, 5, &pos, &err);
	is_int(pos, 1, "a key before every other is position 1");
	ok(check_all(db, "first"), "and every other moved down one");

	queue_index_reset();
	ok(queue_position(db, 1, &pos, &err) == 0,
	   "after a reset the order is loaded again from the database");
	/* The table still has the keys as inserted: compare with SQL. */
	{
		int64_t want = 0;

		db_query_int(db, &want, &err,
			     "SELECT CASE WHEN me.queued THEN "
			     "(SELECT count(*) FROM queue q WHERE q.queued AND "
			     "(q.olane, q.rank, q.series_id) <= "
			     "(me.olane, me.rank, me.series_id)) ELSE 0 END "
			     "FROM queue me WHERE me.series_id = 1",
			     NULL);
		is_int(pos, want, "series 1: position as SQL counts it");
	}

	{
		int64_t lane = 0;

		db_query_int(db, &lane, &err,
			     "SELECT lane FROM queue WHERE "
			     "series_id = 7",
			     NULL);
		is_int(queue_series_lane(db, 7), lane,
		       "queue_series_lane() of a series");
		is_int(queue_series_lane(db, 9999), 0,
		       "queue_series_lane() of an unknown series is 0");
	}
	ok(queue_state_valid("changes-requested") && queue_state_valid("new") &&
		   !queue_state_valid("applied") && !queue_state_valid("bogus"),
	   "queue_state_valid() takes the review states only");
	ret = done_testing();
	db_close(db);
	unlink(path);
	strbuf_addf(&err, "%s-wal", path);
	unlink(err.buf);
	strbuf_reset(&err);
	strbuf_addf(&err, "%s-shm", path);
	unlink(err.buf);
	strbuf_release(&err);
	return ret;
}
