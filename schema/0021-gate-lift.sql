-- A merge-fix lifts an ejection (daemon/gate-lift.c): recording a fix of
-- a topic the gate ejected, its own or one of the pair the gate named,
-- lets the next build try the topic again at its tip with the fix, and
-- a candidate that passes with it clears the ejection.  Two states are
-- new: lifted (a merge-fix was recorded: the topic is merged at its tip
-- again, with the fix, while the gate looks at it) and cleared (a
-- candidate with it passed); merge_fix is the commit that lifted it.
-- SQLite cannot change a CHECK in place, so the table is made again,
-- with every column and state of 0009-gate.sql and 0013-conflict-mail.sql.
CREATE TABLE gate_ejections_new (
	id INTEGER PRIMARY KEY,
	candidate INTEGER NOT NULL REFERENCES gate_candidates (id)
		ON DELETE CASCADE,
	topic TEXT NOT NULL,
	bad_tip TEXT NOT NULL,			-- the tip that broke the gate
	good_tip TEXT,				-- its tip in the last passing next
	-- ejected: left out of next while its branch is at bad_tip;
	-- trying: merged at good_tip in a candidate; fallback: in next at
	-- good_tip; dropped: good_tip failed too, left out; reported:
	-- publish = always, nothing ejected; lifted: a merge-fix was
	-- recorded, the topic is merged at bad_tip with it again; cleared:
	-- a candidate with it (lifted) passed
	state TEXT NOT NULL
		CHECK (state IN ('ejected', 'trying', 'fallback', 'dropped',
				 'reported', 'lifted', 'cleared')),
	fail_run INTEGER REFERENCES gate_runs (id),	-- the merge that fails
	pass_run INTEGER REFERENCES gate_runs (id),	-- the one before it
	reason TEXT NOT NULL,
	notification INTEGER,			-- notifications.id
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	partner TEXT,				-- the topic it fails together with
	merge_fix TEXT				-- the commit that lifted it
);
INSERT INTO gate_ejections_new (id, candidate, topic, bad_tip, good_tip, state,
				fail_run, pass_run, reason, notification,
				created_at, updated_at, partner)
	SELECT id, candidate, topic, bad_tip, good_tip, state, fail_run,
	       pass_run, reason, notification, created_at, updated_at, partner
	FROM gate_ejections;
DROP TABLE gate_ejections;
ALTER TABLE gate_ejections_new RENAME TO gate_ejections;
CREATE INDEX gate_ejections_topic ON gate_ejections (topic, id);
