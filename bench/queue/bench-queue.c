/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The position of a series in a queue of N series (100,000 by default):
 * the in-memory order of daemon/queue.c (what GET /api/v1/series/ID and
 * GET /api/v1/queue use) against the SQL peer, a count(*) over the
 * queue_order index.  Also times loading the order at start-up, moving a
 * series (a bump or a state change) and the whole queue_series_json()
 * that the API answers with.  Not a test: it prints numbers.
 *
 *   bench/queue/bench-queue [N] [DB-PATH]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/db.h"
#include "daemon/queue.h"
#include "lib/strbuf.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Print the mean, median, 99th percentile and worst of n samples. */
static void report(const char *what, double *v, int n)
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += v[i];
	qsort(v, n, sizeof(*v), cmp_double);
	printf("%s: mean %.2f us, median %.2f us, p99 %.2f us, worst %.1f us (%d runs)\n",
	       what, sum / n, v[n / 2], v[n * 99 / 100], v[n - 1], n);
}

static int fill(struct db *db, int64_t n, struct strbuf *err)
{
	int64_t i, t0 = 1700000000;
	int ret;

	ret = db_begin(db, err);
	for (i = 1; !ret && i <= n; i++) {
		int lane = 1 + (i * 7919) % 100 / 10 % 4;
		int64_t arrival = t0 + i * 60;

		ret = db_exec(db, err,
			      "INSERT INTO series (id, name, subject, "
			      "author_email, date, created_at, updated_at) "
			      "VALUES (?, 'bench', 'KVM: x86: Bench', "
			      "'a@example.org', ?, ?, ?)",
			      "iiii", i, arrival, arrival, arrival);
		if (!ret)
			ret = db_exec(db, err,
				      "INSERT INTO queue (series_id, "
				      "root_id, queued, lane, reason, arrival, "
				      "olane, rank, entered_at, updated_at) "
				      "VALUES (?1, ?1, 1, ?2, 'bench', ?3, ?4, "
				      "?5, ?3, ?3)",
				      "idiii", i, lane, arrival,
				      (int64_t)lane * 10, arrival * (1 << 20));
	}
	if (!ret)
		ret = db_exec(db, err, "DELETE FROM queue_dirty", NULL);
	if (!ret)
		ret = db_commit(db, err);
	else
		db_rollback(db);
	return ret;
}

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	int64_t n = argc > 1 ? atoll(argv[1]) : 100000, pos, count, id;
	char path[] = "/tmp/bench-queue-XXXXXX";
	const char *dbpath = argc > 2 ? argv[2] : NULL;
	static double samples[10000];
	double t;
	int i, rounds = 10000, fd;
	struct db *db;
	json_t *entry;

	if (!dbpath) {
		fd = mkstemp(path);
		if (fd < 0)
			return 1;
		close(fd);
		unlink(path);
		dbpath = path;
	}
	if (db_open(dbpath, &db, &err) || db_migrate(db, &err)) {
		fprintf(stderr, "bench-queue: %s\n", err.buf);
		return 1;
	}
	db_set_path(dbpath);
	t = now_us();
	if (fill(db, n, &err)) {
		fprintf(stderr, "bench-queue: %s\n", err.buf);
		return 1;
	}
	printf("filled %lld series in %.0f ms\n", (long long)n,
	       (now_us() - t) / 1000);

	t = now_us();
	if (queue_index_load(db, &err)) {
		fprintf(stderr, "bench-queue: %s\n", err.buf);
		return 1;
	}
	printf("load the in-memory order: %.1f ms\n", (now_us() - t) / 1000);

	srand(42);
	for (i = 0; i < rounds; i++) {
		id = 1 + rand() % n;
		t = now_us();
		queue_position(db, id, &pos, &err);
		samples[i] = now_us() - t;
		if (!pos)
			printf("series %lld has no position\n", (long long)id);
	}
	report("queue_position(), in-memory order", samples, rounds);

	for (i = 0; i < 200; i++) {
		id = 1 + rand() % n;
		t = now_us();
		db_query_int(db, &count, &err,
			     "SELECT count(*) FROM queue q, queue me "
			     "WHERE me.series_id = ?1 AND q.queued AND "
			     "(q.olane, q.rank, q.series_id) <= "
			     "(me.olane, me.rank, me.series_id)",
			     "i", id);
		samples[i] = now_us() - t;
		queue_position(db, id, &pos, &err);
		if (pos != count)
			printf("disagree on %lld: %lld vs %lld\n",
			       (long long)id, (long long)pos, (long long)count);
	}
	report("peer: SQL count(*) over the queue_order index", samples, 200);

	for (i = 0; i < 1000; i++) {
		id = 1 + rand() % n;
		t = now_us();
		queue_index_set(id, true, 1, 10, (int64_t)i);
		samples[i] = now_us() - t;
	}
	report("queue_index_set(), move a series (bump, state)", samples, 1000);

	for (i = 0; i < 1000; i++) {
		id = 1 + rand() % n;
		t = now_us();
		queue_series_json(db, id, &entry, &err);
		samples[i] = now_us() - t;
		json_decref(entry);
	}
	report("queue_series_json(), the API's entry with position and wait",
	       samples, 1000);

	db_close(db);
	if (dbpath == path) {
		unlink(path);
		strbuf_addf(&err, "%s-wal", path);
		unlink(err.buf);
		strbuf_reset(&err);
		strbuf_addf(&err, "%s-shm", path);
		unlink(err.buf);
	}
	strbuf_release(&err);
	return 0;
}
