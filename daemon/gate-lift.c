/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A merge-fix lifts an ejection (see gate-lift.h).
 */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "daemon/bus.h"
#include "daemon/gate-lift.h"
#include "daemon/store/gate.h"
#include "lib/log.h"
#include "lib/strbuf.h"

/*
 * Lift the ejection of topic that names partner (NULL: any): any such
 * ejection, or with new_fix only one whose ejecting candidate lacked
 * commit (a fix a build finds).  The topic's name goes to names (may be
 * NULL) and *any is set when one was lifted.
 */
static int lift_one(struct db *db, bool new_fix, const char *topic,
		    const char *partner, const char *with, const char *commit,
		    json_t *names, bool *any, struct strbuf *err)
{
	bool lifted;
	int ret;

	ret = store_gate_ejection_lift(db, topic, partner, commit, new_fix,
				       time(NULL), &lifted, err);
	if (ret < 0 || !lifted)
		return ret;
	if (names)
		json_array_append_new(names, json_string(topic));
	*any = true;
	log_info("gate: merge-fix %.12s lifts the ejection of '%s'", commit,
		 topic);
	bus_publish("gate", json_pack("{s:s, s:s, s:s?, s:s}", "event",
				      "lifted", "topic", topic, "with", with,
				      "merge_fix", commit));
	return 0;
}

/* Lift what the fix of topic (with: the pair's other topic) mends. */
static int lift_fix(struct db *db, bool new_fix, const char *topic,
		    const char *with, const char *commit, json_t *names,
		    bool *any, struct strbuf *err)
{
	int ret;

	if (!with)
		return lift_one(db, new_fix, topic, NULL, NULL, commit, names,
				any, err);
	/* a pair's fix mends either of the two the gate paired */
	ret = lift_one(db, new_fix, topic, with, with, commit, names, any, err);
	if (!ret)
		ret = lift_one(db, new_fix, with, topic, topic, commit, names,
			       any, err);
	return ret;
}

int gate_lift(struct db *db, const char *topic, const char *with,
	      const char *commit, json_t *lifted, struct strbuf *err)
{
	bool any = false;

	return lift_fix(db, false, topic, with, commit, lifted, &any, err);
}

int gate_lift_new_fix(struct db *db, const char *topic, const char *with,
		      const char *commit, bool *lifted, struct strbuf *err)
{
	*lifted = false;
	return lift_fix(db, true, topic, with, commit, NULL, lifted, err);
}

void gate_lift_settle(struct db *db, int64_t build)
{
	struct strbuf err = STRBUF_INIT;

	if (store_gate_ejections_clear(db, build, time(NULL), &err) < 0)
		log_warn("gate: cannot clear the lifted ejections of build %lld: %s",
			 (long long)build, err.buf);
	strbuf_release(&err);
}

void gate_lift_says(const struct store_gate_ejection *e, struct strbuf *out)
{
	bool cleared = e->state && !strcmp(e->state, "cleared");

	strbuf_addf(out, "merge-fix %.12s recorded: ",
		    e->merge_fix ? e->merge_fix : "");
	strbuf_addstr(out,
		      cleared ? "the gate passes with it, in next at its tip" :
				"tried at its tip again, with the fix");
	strbuf_addf(out, "; it was ejected: %s", e->reason ? e->reason : "");
}
