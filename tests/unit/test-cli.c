/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CLI's pieces that need no daemon: URL escaping, the number-list
 * parser, the text table, the value formats and the HTTP/1.1 answer
 * reader of the Unix socket transport (fed through a pipe).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/transport.h"
#include "tests/unit/tap.h"

static void test_escape(void)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "/api/v1/topics/");
	url_escape(&sb, "x86/pmu", true);
	is_str(sb.buf, "/api/v1/topics/x86/pmu",
	       "url_escape keeps '/' in names");
	strbuf_reset(&sb);
	url_escape(&sb, "kvm/odd#1% ?&+é", true);
	is_str(sb.buf, "kvm/odd%231%25%20%3F%26%2B%C3%A9",
	       "url_escape escapes reserved and non-ASCII bytes");
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "/api/v1/events");
	url_add_query(&sb, "since", "3");
	url_add_query(&sb, "topic", "x86/pmu");
	is_str(sb.buf, "/api/v1/events?since=3&topic=x86%2Fpmu",
	       "url_add_query: '?' first, then '&', '/' escaped in values");
	strbuf_release(&sb);
}

static void test_numbers(void)
{
	struct cli cli = { 0 };
	json_t *a;
	char *s;

	a = cli_parse_numbers(&cli, "patches", "1,3-5,9");
	s = json_dumps(a, JSON_COMPACT);
	is_str(s, "[1,3,4,5,9]", "cli_parse_numbers expands ranges");
	free(s);
	json_decref(a);
	a = cli_parse_numbers(&cli, "patches", "7");
	is_int(json_array_size(a), 1, "cli_parse_numbers takes one number");
	json_decref(a);
}

static char *print_table(struct table *t, bool header)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	table_print(t, f, header);
	fclose(f);
	return buf;
}

static void test_table(void)
{
	static const char *const cols[] = { "NAME", "ORDER", "TIP" };
	struct table *t = table_new(3, cols);
	char *out;

	table_add(t, "x86/pmu");
	table_addf(t, "%d", 1);
	table_add(t, NULL);
	table_add(t, "sümbol");
	table_add(t, "12");
	table_add(t, "abc");
	out = print_table(t, true);
	is_str(out,
	       "NAME     ORDER  TIP\n"
	       "x86/pmu  1      -\n"
	       "sümbol   12     abc\n",
	       "table: columns aligned by characters, last one unpadded, NULL as '-'");
	free(out);

	table_add(t, "svm");
	out = print_table(t, false);
	is_str(out, "svm\n",
	       "table: a short row is filled, no trailing blanks");
	free(out);

	table_add(t, "a");
	table_add(t, "");
	table_add(t, "b");
	out = print_table(t, false);
	is_str(out,
	       "a        "
	       "       b\n",
	       "table: later rows keep the widths");
	free(out);
	table_free(t);
}

static void test_formats(void)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *v;

	fmt_duration(&sb, 42);
	is_str(sb.buf, "42s", "fmt_duration: seconds");
	strbuf_reset(&sb);
	fmt_duration(&sb, 3725);
	is_str(sb.buf, "1h 2m", "fmt_duration: hours and minutes");
	strbuf_reset(&sb);
	fmt_duration(&sb, 2 * 86400 + 3 * 3600 + 5);
	is_str(sb.buf, "2d 3h", "fmt_duration: days and hours");
	strbuf_reset(&sb);

	v = json_string("91cc79e6e51315774ea473d97201fc5406a6b11b");
	fmt_sha(&sb, v);
	is_str(sb.buf, "91cc79e6e513", "fmt_sha: 12 characters");
	json_decref(v);
	strbuf_reset(&sb);
	fmt_sha(&sb, json_null());
	is_str(sb.buf, "-", "fmt_sha: null is '-'");
	strbuf_reset(&sb);

	v = json_pack("{s:[i,s]}", "a", 1, "b");
	json_text(&sb, v);
	is_str(sb.buf, "{\"a\":[1,\"b\"]}",
	       "json_text: compact JSON for containers");
	json_decref(v);
	strbuf_reset(&sb);
	v = json_string("as is");
	json_text(&sb, v);
	is_str(sb.buf, "as is", "json_text: a string as it is");
	json_decref(v);
	strbuf_release(&sb);

	is_str(short_ref("refs/heads/x86/pmu"), "x86/pmu",
	       "short_ref strips refs/heads/");
	is_str(short_ref("refs/tags/v6.9"), "refs/tags/v6.9",
	       "short_ref keeps other refs");
}

/*
 * Read answer (len bytes, then the end of the stream) as the daemon's:
 * the code, the reply and the message.  It must fit in a pipe.
 */
static int parse(const char *answer, size_t len, size_t limit,
		 struct client_reply *r, struct strbuf *err)
{
	int fds[2], ret;

	client_reply_release(r);
	strbuf_reset(err);
	if (pipe(fds) || write(fds[1], answer, len) != (ssize_t)len) {
		perror("pipe");
		exit(1);
	}
	close(fds[1]);
	ret = http_read_response(fds[0], limit, r, err);
	close(fds[0]);
	return ret;
}

#define PARSE(s) parse(s, sizeof(s) - 1, 1 << 20, &r, &err)

/* A failure: the code, and the message contains want. */
#define FAILS(s, code, want, desc)                                          \
	do {                                                                \
		int ret_ = PARSE(s);                                        \
		is_int(ret_, code, "%s: exit code", desc);                  \
		ok(strstr(err.buf, want) != NULL, "%s: '%s' in '%s'", desc, \
		   want, err.buf);                                          \
	} while (0)

static void test_http_answers(void)
{
	struct client_reply r = CLIENT_REPLY_INIT;
	struct strbuf err = STRBUF_INIT, big = STRBUF_INIT, want = STRBUF_INIT;
	size_t i, k, n;
	int ret;

	ret = PARSE("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		    "Content-Length: 11\r\n\r\n{\"a\":true}\nleft over");
	is_int(ret, CLI_OK, "Content-Length: read");
	is_int(r.status, 200, "Content-Length: the status");
	is_str(r.body.buf, "{\"a\":true}\n",
	       "Content-Length: the body, and no byte more");

	ret = PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "4;ext=1\r\n{\"a\"\r\nA\r\n:[1,2,3]}\n\r\n"
		    "0\r\nX-Trailer: y\r\n\r\n");
	is_int(ret, CLI_OK, "chunked: read");
	is_str(r.body.buf, "{\"a\":[1,2,3]}\n",
	       "chunked: the chunks joined, extensions and trailers dropped");

	/* Chunks across the reader's 16 KiB buffer. */
	strbuf_addstr(&big,
		      "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n");
	for (i = 0, n = 0; n < 40000; i++) {
		strbuf_addf(&big, "%x\r\n", 999);
		for (k = 0; k < 999; k++) {
			strbuf_addch(&big, 'a' + (i + k) % 26);
			strbuf_addch(&want, 'a' + (i + k) % 26);
		}
		strbuf_addstr(&big, "\r\n");
		n += 999;
	}
	strbuf_addstr(&big, "0\r\n\r\n");
	ret = parse(big.buf, big.len, 1 << 20, &r, &err);
	is_int(ret, CLI_OK, "chunked, 40 KB: read");
	ok(r.body.len == want.len && !memcmp(r.body.buf, want.buf, want.len),
	   "chunked, 40 KB: the body as sent (%zu bytes)", r.body.len);

	ret = PARSE("HTTP/1.0 200 OK\r\n\r\nto the end");
	is_int(ret, CLI_OK, "no length: read to the end of the stream");
	is_str(r.body.buf, "to the end", "no length: the body");

	ret = PARSE("HTTP/1.1 100 Continue\r\n\r\n"
		    "HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}");
	is_int(ret, CLI_OK, "100 Continue, then the answer");
	is_int(r.status, 201,
	       "100 Continue: the status of the answer that follows");
	is_str(r.body.buf, "{}", "100 Continue: its body");

	ret = PARSE("HTTP/1.1 404 Not Found\nContent-Length: 2\n\n{}");
	is_int(ret, CLI_OK, "bare LF line ends are taken");
	is_int(r.status, 404, "bare LF: an error status is an answer too");

	ret = PARSE("HTTP/1.1 204 No Content\r\n\r\n");
	is_int(ret, CLI_OK, "204: no body to wait for");
	is_int(r.body.len, 0, "204: an empty body");

	ret = PARSE("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
	is_int(ret, CLI_OK, "chunked and Content-Length: chunked wins");
	is_str(r.body.buf, "ok", "chunked and Content-Length: the chunks");

	FAILS("", CLI_UNREACHABLE, "closed the connection without an answer",
	      "nothing at all");
	FAILS("HTTP/1.1 20", CLI_UNREACHABLE, "cut short in its status line",
	      "cut in the status line");
	FAILS("HTTP/1.1 200 OK\r\nContent-Len", CLI_UNREACHABLE,
	      "cut short in its headers", "cut in the headers");
	FAILS("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", CLI_UNREACHABLE,
	      "cut short in its headers", "cut before the empty line");
	FAILS("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
	      CLI_UNREACHABLE, "cut short: 3 of its 10 body bytes came",
	      "cut in a sized body");
	FAILS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
	      CLI_UNREACHABLE, "cut short in its chunked body",
	      "cut in a chunk");
	FAILS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
	      CLI_UNREACHABLE, "cut short in its chunked body",
	      "cut before the last chunk");
	FAILS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
	      CLI_UNREACHABLE, "cut short in its chunked body",
	      "cut in the trailers");

	FAILS("SSH-2.0-OpenSSH_9.2\r\n", CLI_UNREACHABLE,
	      "malformed status line 'SSH-2.0-OpenSSH_9.2'", "not HTTP");
	FAILS("HTTP/2 200\r\n\r\n", CLI_UNREACHABLE,
	      "malformed status line 'HTTP/2 200'", "HTTP/2");
	FAILS("HTTP/1.1 2000 OK\r\n\r\n", CLI_UNREACHABLE,
	      "malformed status line", "a status of four digits");
	FAILS("HTTP/1.1 OK\r\n\r\n", CLI_UNREACHABLE,
	      "malformed status line 'HTTP/1.1 OK'", "no status");
	FAILS("HTTP/1.1 600 Odd\r\n\r\n", CLI_UNREACHABLE,
	      "malformed status line", "a status over 599");
	FAILS("garbage", CLI_UNREACHABLE, "malformed status line 'garbage'",
	      "a word and the end");
	FAILS("\x16\x03\x01\x02\x00\x01\r\n", CLI_UNREACHABLE,
	      "malformed status line '?\?\?\?\?\?'", "binary shown as '?'");
	FAILS("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", CLI_UNREACHABLE,
	      "malformed header line 'NoColon'", "a header without a colon");
	FAILS("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", CLI_UNREACHABLE,
	      "malformed header line ' folded'", "a folded header");
	FAILS("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", CLI_UNREACHABLE,
	      "malformed header line 'Content-Length: 12x'",
	      "a bad Content-Length");
	FAILS("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
	      CLI_UNREACHABLE, "malformed header line 'Content-Length: 3'",
	      "two Content-Lengths");
	FAILS("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
	      CLI_UNREACHABLE, "malformed header line",
	      "a Content-Length past 64 bits");
	FAILS("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	      CLI_UNREACHABLE,
	      "Transfer-Encoding 'gzip, chunked', not 'chunked'",
	      "a coding other than chunked");
	FAILS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	      CLI_UNREACHABLE, "malformed chunk size 'zz'", "a bad chunk size");
	FAILS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n0\r\n\r\n",
	      CLI_UNREACHABLE, "malformed end of chunk 'X'",
	      "a chunk longer than said");
	FAILS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "10000000000000000\r\n",
	      CLI_UNREACHABLE, "malformed chunk size",
	      "a chunk size past 64 bits");

	FAILS("HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\nab",
	      CLI_REFUSED, "larger than the limit of 1 MiB",
	      "a Content-Length over the limit");
	FAILS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n",
	      CLI_REFUSED, "larger than the limit of 1 MiB",
	      "a chunk over the limit");
	ret = parse("HTTP/1.0 200 OK\r\n\r\n0123456789", 29, 9, &r, &err);
	is_int(ret, CLI_REFUSED, "a body to the end over the limit: exit code");
	is_str(err.buf, "the answer is larger than the limit of 9 bytes",
	       "a body to the end over the limit: said so");
	ret = parse(big.buf, big.len, 39999, &r, &err);
	is_int(ret, CLI_REFUSED, "chunks adding up over the limit: exit code");
	ret = parse(big.buf, big.len, 40959, &r, &err);
	is_int(ret, CLI_OK, "chunks up to the limit are taken");

	strbuf_reset(&big);
	strbuf_addstr(&big, "HTTP/1.1 200 OK\r\nX-Long: ");
	for (i = 0; i < 9000; i++)
		strbuf_addch(&big, 'x');
	strbuf_addstr(&big, "\r\n\r\n");
	ret = parse(big.buf, big.len, 1 << 20, &r, &err);
	is_int(ret, CLI_UNREACHABLE, "a header line over 8 KiB: exit code");
	is_str(err.buf,
	       "the answer has a line longer than 8192 bytes in its headers",
	       "a header line over 8 KiB: said so");

	client_reply_release(&r);
	strbuf_release(&err);
	strbuf_release(&big);
	strbuf_release(&want);
}

int main(void)
{
	test_escape();
	test_numbers();
	test_table();
	test_formats();
	test_http_answers();
	return done_testing();
}
