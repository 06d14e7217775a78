/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "What's cooking" report's text and schedule on their own: a
 * report made by hand written as git's text (the header, the groups in
 * their order, each topic's block with its date, its count, the '+' and
 * '-' of its shortlog, its description indented and its state line, a
 * long shortlog cut), the subject, and the periods of [report] every
 * at the turns of a day, a week and a year (ISO weeks: 2027-01-01 is
 * in 2026-W53).  t0520 and t0521 see the same through the daemon.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/cooking-mail.h"
#include "daemon/cooking-text.h"
#include "daemon/cooking.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"

#define DAY 86400

static struct cooking_commit commits_pmu[] = {
	{ .hex = "2222222222222222222222222222222222222222",
	  .subject = (char *)"KVM: x86/pmu: Second",
	  .in_next = true },
	{ .hex = "1111111111111111111111111111111111111111",
	  .subject = (char *)"KVM: x86/pmu: First",
	  .in_next = true },
};

static struct cooking_commit commits_svm[] = {
	{ .hex = "3333333333333333333333333333333333333333",
	  .subject = (char *)"KVM: SVM: Conflicting",
	  .in_next = false },
};

static void test_text(void)
{
	struct cooking_topic topics[] = {
		{ .name = (char *)"svm",
		  .state = COOKING_CONFLICT,
		  .why = (char *)"Conflicts with the topics before it.",
		  .commits = commits_svm,
		  .nr_shown = 1,
		  .nr_commits = 1,
		  .since = 1800000000 + DAY },
		{ .name = (char *)"x86/pmu",
		  .description = (char *)"PMU work.\nTwo lines.",
		  .state = COOKING_IN_NEXT,
		  .why = (char *)"In next (build #4).",
		  .commits = commits_pmu,
		  .nr_shown = 2,
		  .nr_commits = 5,
		  .since = 1800000000 },
		{ .name = (char *)"fixes",
		  .state = COOKING_HELD,
		  .why = (char *)"Held back from next (into-next = false)." },
	};
	struct cooking c = {
		.tree = (char *)"kvm-x86",
		.generated_at = 1800000000 + 3 * DAY,
		.base_name = (char *)"v6.9-rc2",
		.base = (char *)"abcdefabcdefabcdefabcdefabcdefabcdefabcd",
		.next = (char *)"0123456789012345678901234567890123456789",
		.build_id = 4,
		.build_gate = (char *)"passed",
		.topics = topics,
		.nr_topics = 3,
		.counts = { .in_next = 1, .conflict = 1, .held = 1 },
		.lanes = { { 3, 0 }, { 1, 0 }, { 0, 0 }, { 0, 0 }, { 2, 0 } },
	};
	struct strbuf sb = STRBUF_INIT;
	const char *blocks, *pmu, *svm, *fixes;

	cooking_subject(&c, &sb);
	is_str(sb.buf, "What's cooking in kvm-x86 (2027-01-18)",
	       "the subject names the tree and the day");
	strbuf_reset(&sb);
	cooking_text(&c, &sb);
	ok(starts_with(sb.buf, "Here are the topics of kvm-x86 as of "
			       "2027-01-18 08:00 UTC:"),
	   "the header says when");
	ok(strstr(sb.buf, "over the base v6.9-rc2 (abcdefabcdef)") != NULL,
	   "and names the base");
	ok(strstr(sb.buf, "next was made by build #4 (gate: passed); it is at "
			  "012345678901.\n") != NULL,
	   "and the build and next");
	ok(strstr(sb.buf, "3 topics: 1 in next, 1 conflicting, 0 ejected by "
			  "the gate,\n1 held back, 0 waiting.\n") != NULL,
	   "and counts the topics");
	ok(strstr(sb.buf,
		  "The review queue holds 3 series: 1 current fixes, 0 fixes, "
		  "0 other trees, 2 features.\n") != NULL,
	   "and the queue's lanes");
	blocks = strstr(sb.buf, "\n-----");
	pmu = strstr(sb.buf, "[In next]");
	svm = strstr(sb.buf, "[Conflicting]");
	fixes = strstr(sb.buf, "[Held back]");
	ok(blocks && pmu && svm && fixes && pmu < svm && svm < fixes,
	   "the groups come in order, whatever the topics' order");
	ok(strstr(sb.buf, "[In next]\n\n"
			  "* x86/pmu (2027-01-15) 5 commits\n"
			  " + KVM: x86/pmu: Second\n"
			  " + KVM: x86/pmu: First\n"
			  " (and 3 more)\n"
			  "\n"
			  " PMU work.\n"
			  " Two lines.\n"
			  "\n"
			  " In next (build #4).\n") != NULL,
	   "a block: the date, the count, the shortlog cut, the description");
	ok(strstr(sb.buf, "* svm (2027-01-16) 1 commit\n"
			  " - KVM: SVM: Conflicting\n"
			  "\n"
			  " Conflicts with the topics before it.\n") != NULL,
	   "one commit, not in next, no description");
	ok(strstr(sb.buf,
		  "* fixes 0 commits\n\n"
		  " Held back from next (into-next = false).\n") != NULL,
	   "a topic without commits has no date");
	ok(!strstr(sb.buf, "[Ejected"), "an empty group is left out");
	strbuf_reset(&sb);
	cooking_topic_text(&topics[1], &sb);
	ok(starts_with(sb.buf, "* x86/pmu (2027-01-15) 5 commits\n"),
	   "one topic's block on its own");
	is_int(cooking_days(&topics[1], c.generated_at), 3,
	       "x86/pmu has cooked three days");
	is_int(cooking_days(&topics[2], c.generated_at), 0,
	       "a topic without commits none");
	strbuf_release(&sb);
}

static void test_period(void)
{
	struct strbuf sb = STRBUF_INIT;
	/* 2026-12-31 23:59:59 UTC, then a second later */
	const int64_t eve = 1798761599;

	ok(!cooking_period("never", eve, &sb) && !sb.len,
	   "never has no period");
	ok(!cooking_period(NULL, eve, &sb), "nor does an unset every");
	ok(cooking_period("daily", eve, &sb), "daily has one");
	is_str(sb.buf, "2026-12-31", "the UTC day");
	strbuf_reset(&sb);
	cooking_period("daily", eve + 1, &sb);
	is_str(sb.buf, "2027-01-01", "the next second is the next day");
	strbuf_reset(&sb);
	cooking_period("weekly", eve + 1, &sb);
	is_str(sb.buf, "2026-W53", "2027-01-01 is in ISO week 53 of 2026");
	strbuf_reset(&sb);
	cooking_period("weekly", eve + 1 + 3 * DAY, &sb);
	is_str(sb.buf, "2027-W01", "the Monday after starts 2027-W01");
	strbuf_release(&sb);
}

int main(void)
{
	test_text();
	test_period();
	return done_testing();
}
