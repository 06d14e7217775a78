/* SPDX-License-Identifier: GPL-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "lib/strbuf.h"
#include "tests/unit/tap.h"

int main(void)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	const char *rest;
	char *s;
	size_t len;
	int i;

	is_int(sb.len, 0, "a new strbuf is empty");
	is_str(sb.buf, "", "and reads as an empty string");
	strbuf_addstr(&sb, "hello");
	strbuf_addch(&sb, ' ');
	strbuf_addf(&sb, "%s %d", "world", 42);
	is_str(sb.buf, "hello world 42", "add, addch and addf append");
	for (i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%04d", i);
	is_int(sb.len, 14 + 4000, "addf grows past the first allocation");
	strbuf_reset(&sb);
	strbuf_add(&sb, "a\0b", 3);
	is_int(sb.len, 3, "add keeps NUL bytes");
	strbuf_reset(&sb);
	strbuf_addstr(&sb, " \t padded \n");
	strbuf_trim(&sb);
	is_str(sb.buf, "padded", "trim strips both ends");
	s = strbuf_detach(&sb, &len);
	is_str(s, "padded", "detach hands over the buffer");
	is_int(len, 6, "detach reports the length");
	is_int(sb.len, 0, "detach leaves the strbuf empty");
	free(s);
	ok(starts_with("refs/heads/x", "refs/heads/"), "starts_with");
	ok(!starts_with("refs/tags/x", "refs/heads/"), "starts_with refuses");
	ok(ends_with("index.html", ".html"), "ends_with");
	ok(skip_prefix("topic.x86/pmu.branch", "topic.", &rest) &&
		   !strcmp(rest, "x86/pmu.branch"),
	   "skip_prefix gives the rest");
	is_int(error_set(&err, -ENOENT, "unknown topic '%s'", "svm"), -ENOENT,
	       "error_set returns the code");
	is_str(err.buf, "unknown topic 'svm'", "error_set writes the message");
	error_set(&err, -EINVAL, "second");
	is_str(err.buf, "second", "error_set replaces the message");
	is_int(strbuf_read_file(&sb, "/nonexistent/file"), -ENOENT,
	       "read_file of a missing file gives -ENOENT");
	strbuf_release(&sb);
	strbuf_release(&err);
	return done_testing();
}
