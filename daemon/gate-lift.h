/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_GATE_LIFT_H
#define CTHULHU_GATE_LIFT_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct db;
struct store_gate_ejection;
struct strbuf;

/*
 * A merge-fix lifts an ejection.  The gate ejects a topic that breaks
 * next, and names the topic it fails together with when it builds alone
 * (gate-pair.h); the mend is a merge-fix (merge-fix.h).  Recording one
 * with "cthulhu merge-fix record" lifts the topic's ejection, so that
 * the next build merges the topic at its tip again, with the fix, for
 * the gate to judge: a topic's own fix lifts its ejection, and a fix of
 * the pair (topic, with) lifts the ejection of either that names the
 * other as the topic it fails together with.  A candidate with the
 * lifted topic that passes clears the ejection, and next then has the
 * topic at its tip; one that fails again ejects it anew.
 *
 * The ejection moves to 'lifted' (schema/0021-gate-lift.sql) after the
 * fix is recorded, in the same job: a crash between the two leaves the
 * fix recorded and the ejection holding, and recording the same fix
 * again lifts it.  Each build of next also lifts what the fixes it finds
 * mend and the candidates that ejected the topics did not have
 * (gate_lift_new_fix()), which covers that crash and a topic's own fix
 * moved into refs/merge-fix/<topic> with git; a topic ejected with that
 * very fix on its merge stays out.
 */

/*
 * Lift what the merge-fix commit of topic (with: the other topic of a
 * pair, or NULL) lifts; engine thread.  The name of each topic whose
 * ejection it lifts is appended to the array lifted, and told to the
 * stream ("gate", {"event": "lifted", "topic", "with", "merge_fix"}).
 */
int gate_lift(struct db *db, const char *topic, const char *with,
	      const char *commit, json_t *lifted, struct strbuf *err);

/*
 * A merge-fix commit of topic (with: the pair's other topic, or NULL) as
 * a build of next finds it (engine thread): lift what it lifts (as
 * gate_lift() does) where the candidate that ejected the topic did not
 * have that fix, as when the fix was moved with git.  *lifted says
 * whether it lifted any.
 */
int gate_lift_new_fix(struct db *db, const char *topic, const char *with,
		      const char *commit, bool *lifted, struct strbuf *err);

/*
 * The gate passed build: clear the ejections it merged as lifted
 * (engine thread, from the gate's settling of a passing candidate).
 */
void gate_lift_settle(struct db *db, int64_t build);

/*
 * What the gate says of a topic whose ejection e a merge-fix lifted
 * ("lifted" or "cleared"), appended to out: the fix, what became of it,
 * and the ejection's reason.
 */
void gate_lift_says(const struct store_gate_ejection *e, struct strbuf *out);

#endif
