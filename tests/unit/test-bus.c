/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The change bus without a daemon: messages reach a reader in order and
 * as Server-Sent Events, a reader that comes back with the id it saw
 * gets what it missed, one whose id is gone gets "resync", an idle
 * reader gets a keepalive comment, a reader blocked in bus_reader_next()
 * wakes for a message published by another thread, and bus_stop() ends
 * every reader.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/bus.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"

static int count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* The id of the first "event: KIND" in text (the line before it), or 0. */
static unsigned long long id_of(const char *text, const char *kind)
{
	struct strbuf want = STRBUF_INIT;
	const char *p, *q;
	unsigned long long id = 0;

	strbuf_addf(&want, "\nevent: %s\n", kind);
	p = strstr(text, want.buf);
	if (p) {
		for (q = p; q > text && q[-1] != '\n'; q--)
			;
		if (!strncmp(q, "id: ", 4))
			id = strtoull(q + 4, NULL, 10);
	}
	strbuf_release(&want);
	return id;
}

static void *publish_later(void *arg)
{
	usleep(100 * 1000);
	bus_publish("next", json_pack("{s:i}", "build", 7));
	return NULL;
}

static void *read_until_stop(void *arg)
{
	struct bus_reader *r = arg;
	struct strbuf out = STRBUF_INIT;
	intptr_t rc;

	do {
		strbuf_reset(&out);
		rc = bus_reader_next(r, &out, 60000);
	} while (!rc);
	strbuf_release(&out);
	return (void *)rc;
}

int main(void)
{
	struct strbuf out = STRBUF_INIT;
	struct bus_reader *r, *back, *lost, *idle;
	unsigned long long hello, first;
	pthread_t t;
	void *res;
	int i;

	r = bus_reader_new(0);
	is_int(bus_reader_next(r, &out, 10), 0, "a new reader reads");
	ok(strstr(out.buf, "retry: 1000\n") != NULL, "it is told to retry "
						     "after a second");
	ok(strstr(out.buf, "event: hello\n") != NULL, "and greeted");
	hello = id_of(out.buf, "hello");

	bus_publish("topic", json_pack("{s:s}", "topic", "x86/pmu"));
	bus_publish("job",
		    json_pack("{s:s, s:s}", "type", "apply", "state", "done"));
	bus_publish("change", NULL);
	strbuf_reset(&out);
	bus_reader_next(r, &out, 10);
	ok(strstr(out.buf, "event: topic\ndata: {\"topic\":\"x86/pmu\"}\n\n") !=
		   NULL,
	   "a message is an SSE event with its JSON on one data line");
	ok(strstr(out.buf, "event: topic") < strstr(out.buf, "event: job") &&
		   strstr(out.buf, "event: job") <
			   strstr(out.buf, "event: change"),
	   "messages come in the order published");
	ok(strstr(out.buf, "event: change\ndata: {}\n") != NULL,
	   "a message without data carries {}");
	first = id_of(out.buf, "topic");
	ok(first > hello, "ids grow (%llu after %llu)", first, hello);
	is_int(id_of(out.buf, "job"), first + 1, "one by one");
	is_int(bus_last_id(), first + 2, "bus_last_id() is the latest");

	strbuf_reset(&out);
	bus_reader_next(r, &out, 50);
	is_str(out.buf, ": keepalive\n\n",
	       "nothing new: a keepalive comment "
	       "after the timeout");

	back = bus_reader_new(first);
	strbuf_reset(&out);
	bus_reader_next(back, &out, 10);
	is_int(count(out.buf, "event: "), 3,
	       "a reader back from the first "
	       "message gets the two after it, after its hello");
	ok(!strstr(out.buf, "event: topic"), "not the one it had");
	ok(!strstr(out.buf, "resync"), "and no resync");

	lost = bus_reader_new(12345);
	strbuf_reset(&out);
	bus_reader_next(lost, &out, 10);
	ok(strstr(out.buf, "event: resync\n") != NULL, "an id of another run "
						       "gets a resync");
	ok(!strstr(out.buf, "event: topic"), "and not old messages");

	/* Overflow the ring under a reader that does not read. */
	idle = bus_reader_new(0);
	strbuf_reset(&out);
	bus_reader_next(idle, &out, 10);
	for (i = 0; i < BUS_RING + 10; i++)
		bus_publish("change", NULL);
	strbuf_reset(&out);
	bus_reader_next(idle, &out, 10);
	ok(strstr(out.buf, "event: resync\n") != NULL,
	   "a reader that fell "
	   "behind the ring gets a resync");
	is_int(count(out.buf, "event: "), 1, "and only that");
	strbuf_reset(&out);
	bus_reader_next(r, &out, 10);
	strbuf_reset(&out);

	pthread_create(&t, NULL, publish_later, NULL);
	bus_reader_next(r, &out, 10000);
	pthread_join(t, NULL);
	ok(strstr(out.buf, "event: next\ndata: {\"build\":7}\n") != NULL,
	   "a waiting reader wakes for another thread's message");

	pthread_create(&t, NULL, read_until_stop, back);
	usleep(50 * 1000);
	bus_stop();
	pthread_join(t, &res);
	is_int((intptr_t)res, ERR_UNAVAILABLE,
	       "bus_stop() ends a waiting "
	       "reader");
	strbuf_reset(&out);
	is_int(bus_reader_next(r, &out, 10), ERR_UNAVAILABLE,
	       "and every later read");
	bus_stop();
	ok(1, "a second bus_stop() is harmless");

	bus_reader_free(r);
	bus_reader_free(back);
	bus_reader_free(lost);
	bus_reader_free(idle);
	strbuf_release(&out);
	return done_testing();
}
