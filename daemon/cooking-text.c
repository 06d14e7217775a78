/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "What's cooking" report as text (see cooking-text.h).
 */
#include <string.h>
#include <time.h>

#include "daemon/cooking-text.h"
#include "daemon/cooking.h"
#include "lib/strbuf.h"

#define RULE "--------------------------------------------------\n"

/* The groups of the report, in the order they are shown. */
static const struct {
	const char *title;
	const char *states[2];
} groups[] = {
	{ "In next", { COOKING_IN_NEXT } },
	{ "Conflicting", { COOKING_CONFLICT } },
	{ "Ejected by the gate", { COOKING_EJECTED } },
	{ "Held back", { COOKING_HELD } },
	{ "Waiting", { COOKING_PENDING, COOKING_MISSING } },
};

void cooking_date(struct strbuf *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
	strbuf_addstr(out, buf);
}

void cooking_subject(const struct cooking *c, struct strbuf *out)
{
	strbuf_addf(out, "What's cooking in %s (", c->tree);
	cooking_date(out, c->generated_at);
	strbuf_addch(out, ')');
}

/* Each line of text after one space, as git's report indents. */
static void add_indented(struct strbuf *out, const char *text)
{
	const char *p = text, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (nl > p)
			strbuf_addch(out, ' ');
		strbuf_add(out, p, nl - p);
		strbuf_addch(out, '\n');
		p = *nl ? nl + 1 : nl;
	}
}

void cooking_topic_text(const struct cooking_topic *t, struct strbuf *out)
{
	size_t i;

	strbuf_addf(out, "* %s ", t->name);
	if (t->since) {
		strbuf_addch(out, '(');
		cooking_date(out, t->since);
		strbuf_addstr(out, ") ");
	}
	strbuf_addf(out, "%zu commit%s\n", t->nr_commits,
		    t->nr_commits == 1 ? "" : "s");
	for (i = 0; i < t->nr_shown; i++)
		strbuf_addf(out, " %c %s\n", t->commits[i].in_next ? '+' : '-',
			    t->commits[i].subject);
	if (t->nr_commits > t->nr_shown)
		strbuf_addf(out, " (and %zu more)\n",
			    t->nr_commits - t->nr_shown);
	if (t->description) {
		strbuf_addch(out, '\n');
		add_indented(out, t->description);
	}
	strbuf_addch(out, '\n');
	add_indented(out, t->why);
}

static void add_header(const struct cooking *c, struct strbuf *out)
{
	const struct cooking_counts *n = &c->counts;
	struct tm tm;
	time_t tt = (time_t)c->generated_at;
	char when[64];
	int l;

	gmtime_r(&tt, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	strbuf_addf(out,
		    "Here are the topics of %s as of %s: what each is for,\n",
		    c->tree, when);
	if (c->base)
		strbuf_addf(out, "its commits over the base %s (%.12s)",
			    c->base_name ? c->base_name : "", c->base);
	else
		strbuf_addstr(out, "its commits (no base known yet)");
	strbuf_addstr(
		out,
		" and where it stands.\n"
		"Commits marked '+' are in next, those marked '-' are not.\n\n");
	if (c->build_id) {
		strbuf_addf(out, "next was made by build #%lld",
			    (long long)c->build_id);
		if (c->build_state && !strcmp(c->build_state, "stopped"))
			strbuf_addf(out, ", which stopped at '%s'",
				    c->stopped_at ? c->stopped_at : "?");
		if (c->build_gate)
			strbuf_addf(out, " (gate: %s)", c->build_gate);
		strbuf_addch(out, ';');
	} else {
		strbuf_addstr(out, "next has not been built yet;");
	}
	if (c->next)
		strbuf_addf(out, " it is at %.12s.\n", c->next);
	else
		strbuf_addstr(out, " it does not exist.\n");
	strbuf_addf(out,
		    "%zu topic%s: %zu in next, %zu conflicting, %zu ejected by the gate,\n"
		    "%zu held back, %zu waiting.\n\n",
		    c->nr_topics, c->nr_topics == 1 ? "" : "s", n->in_next,
		    n->conflict, n->ejected, n->held, n->pending + n->missing);
	strbuf_addf(out, "The review queue holds %lld series:",
		    (long long)c->lanes[0].count);
	for (l = 1; l <= QUEUE_LANES; l++)
		strbuf_addf(out, "%s %lld %s", l > 1 ? "," : "",
			    (long long)c->lanes[l].count, cooking_lane_name(l));
	strbuf_addstr(out, ".\n");
}

void cooking_text(const struct cooking *c, struct strbuf *out)
{
	size_t g, i, s;

	add_header(c, out);
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		bool any = false;

		for (i = 0; i < c->nr_topics; i++) {
			const struct cooking_topic *t = &c->topics[i];

			for (s = 0; s < 2 && groups[g].states[s]; s++)
				if (!strcmp(t->state, groups[g].states[s]))
					break;
			if (s == 2 || !groups[g].states[s])
				continue;
			if (!any)
				strbuf_addf(out, "\n" RULE "[%s]\n",
					    groups[g].title);
			any = true;
			strbuf_addch(out, '\n');
			cooking_topic_text(t, out);
		}
	}
}
