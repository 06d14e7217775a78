-- The gate of next (daemon/gate.c): a build of next is a candidate until
-- its gate command passes; only then does next move.  One row per
-- candidate, one per gate run (the whole candidate, or one merge of it
-- while bisecting), one per topic ejected from next.

-- NULL: the build was not gated (next moved at once, as before the
-- gate); pending, passed, failed, stale (a newer candidate replaced it)
ALTER TABLE builds ADD COLUMN gate TEXT;
-- NULL, or how the gate changed the topic's place in the build:
-- ejected (left out, its outcome is then 'missing'), fallback (merged
-- at its last good tip rather than its branch's tip)
ALTER TABLE build_topics ADD COLUMN gate TEXT;

CREATE TABLE gate_candidates (
	id INTEGER PRIMARY KEY,
	build INTEGER NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
	commit_sha TEXT NOT NULL,		-- the candidate next
	tree TEXT NOT NULL,			-- its tree
	published TEXT,				-- next when the gate began
	-- gating: the whole candidate is run; bisecting: looking for the
	-- first merge that fails; passed; failed (culprit found);
	-- base-failed (the base alone fails: nothing published); stale
	-- (a newer build replaced it); error
	state TEXT NOT NULL
		CHECK (state IN ('gating', 'bisecting', 'passed', 'failed',
				 'base-failed', 'stale', 'error')),
	publish TEXT NOT NULL,			-- gated or always
	round INTEGER NOT NULL DEFAULT 0,	-- bisection round, 0: whole
	lo INTEGER NOT NULL DEFAULT -1,		-- highest probe known to pass
	hi INTEGER,				-- lowest probe known to fail
	probes TEXT,				-- JSON [{topic, tip, commit}]
	culprit TEXT,				-- the topic found
	reason TEXT,
	created_at INTEGER NOT NULL,
	finished_at INTEGER
);
CREATE INDEX gate_candidates_state ON gate_candidates (state, id);

CREATE TABLE gate_runs (
	id INTEGER PRIMARY KEY,
	candidate INTEGER NOT NULL REFERENCES gate_candidates (id)
		ON DELETE CASCADE,
	round INTEGER NOT NULL,
	probe INTEGER,				-- index in probes; NULL: whole
	topic TEXT,				-- the last topic merged in commit
	commit_sha TEXT NOT NULL,
	tree TEXT NOT NULL,
	-- queued, running, passed, failed (non-zero exit), timeout (killed),
	-- cancelled (its candidate went stale), interrupted (cthulhud
	-- stopped), cached (a run of the same tree passed before), error
	state TEXT NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'running', 'passed', 'failed',
				 'timeout', 'cancelled', 'interrupted',
				 'cached', 'error')),
	command TEXT NOT NULL,
	slot INTEGER,				-- the work tree it ran in
	pid INTEGER,				-- its process group while running
	exit_code INTEGER,
	log TEXT,				-- the log file's path
	log_url TEXT,				-- mode = external: the CI's log
	error TEXT,
	created_at INTEGER NOT NULL,
	started_at INTEGER,
	finished_at INTEGER,
	duration_ms INTEGER
);
CREATE INDEX gate_runs_candidate ON gate_runs (candidate, id);
CREATE INDEX gate_runs_tree ON gate_runs (tree, state);

CREATE TABLE gate_ejections (
	id INTEGER PRIMARY KEY,
	candidate INTEGER NOT NULL REFERENCES gate_candidates (id)
		ON DELETE CASCADE,
	topic TEXT NOT NULL,
	bad_tip TEXT NOT NULL,			-- the tip that broke the gate
	good_tip TEXT,				-- its tip in the last passing next
	-- ejected: left out of next while its branch is at bad_tip;
	-- trying: merged at good_tip in a candidate; fallback: in next at
	-- good_tip; dropped: good_tip failed too, left out; reported:
	-- publish = always, nothing ejected
	state TEXT NOT NULL
		CHECK (state IN ('ejected', 'trying', 'fallback', 'dropped',
				 'reported')),
	fail_run INTEGER REFERENCES gate_runs (id),	-- the merge that fails
	pass_run INTEGER REFERENCES gate_runs (id),	-- the one before it
	reason TEXT NOT NULL,
	notification INTEGER,			-- notifications.id
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX gate_ejections_topic ON gate_ejections (topic, id);

-- Gate notifications go to the maintainer: allow their kind.  SQLite
-- cannot change a CHECK in place, so the table is made again.
CREATE TABLE notifications_new (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('applied', 'dropped', 'sha1-changed',
					   'gate-ejected')),
	series_id INTEGER REFERENCES series (id),
	topic TEXT,
	msgid TEXT NOT NULL UNIQUE,
	in_reply_to TEXT,
	to_addr TEXT NOT NULL,
	subject TEXT NOT NULL,
	raw BLOB NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
	file TEXT,
	error TEXT,
	created_at INTEGER NOT NULL,
	sent_at INTEGER
);
INSERT INTO notifications_new (id, kind, series_id, topic, msgid, in_reply_to,
			       to_addr, subject, raw, state, file, error,
			       created_at, sent_at)
	SELECT id, kind, series_id, topic, msgid, in_reply_to, to_addr, subject,
	       raw, state, file, error, created_at, sent_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_state ON notifications (state, id);
