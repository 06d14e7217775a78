/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CLI's pieces that need no daemon: URL escaping, the number-list
 * parser, the text table and the value formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tests/unit/tap.h"

static void test_escape(void)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "/api/v1/topics/");
	url_escape(&sb, "x86/pmu", true);
	is_str(sb.buf, "/api/v1/topics/x86/pmu", "url_escape keeps '/' in names");
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
	is_str(out, "svm\n", "table: a short row is filled, no trailing blanks");
	free(out);

	table_add(t, "a");
	table_add(t, "");
	table_add(t, "b");
	out = print_table(t, false);
	is_str(out, "a        "
	       "       b\n", "table: later rows keep the widths");
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
	is_str(sb.buf, "{\"a\":[1,\"b\"]}", "json_text: compact JSON for containers");
	json_decref(v);
	strbuf_reset(&sb);
	v = json_string("as is");
	json_text(&sb, v);
	is_str(sb.buf, "as is", "json_text: a string as it is");
	json_decref(v);
	strbuf_release(&sb);

	is_str(short_ref("refs/heads/x86/pmu"), "x86/pmu", "short_ref strips refs/heads/");
	is_str(short_ref("refs/tags/v6.9"), "refs/tags/v6.9", "short_ref keeps other refs");
}

int main(void)
{
	test_escape();
	test_numbers();
	test_table();
	test_formats();
	return done_testing();
}
