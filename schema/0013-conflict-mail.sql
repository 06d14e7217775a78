-- Semantic conflicts and integration reports.
--
-- The gate names the pair: a culprit that passes the gate on the base
-- alone is bisected again over the merges before it for the topic it
-- fails together with.  While that goes on the candidate stays
-- 'bisecting' with culprit_probe set (the first failing probe of the
-- bisection); lo and hi then bound the merges the culprit is tried on.
ALTER TABLE gate_candidates ADD COLUMN culprit_probe INTEGER;
-- the topic the culprit fails together with, NULL for none
ALTER TABLE gate_candidates ADD COLUMN partner TEXT;
-- 1: the run is of the culprit merged onto probe (the base for 0)
-- rather than of the probe itself
ALTER TABLE gate_runs ADD COLUMN pair INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gate_ejections ADD COLUMN partner TEXT;

-- The conflict mails of next (daemon/conflict-mail.c): one row per
-- conflict of a topic's merge, open while the same topic conflicts on
-- the same files with the same earlier topics, so that a conflict is
-- mailed once however often next is built, and resolved with a short
-- note when it goes away.
CREATE TABLE conflict_mails (
	id INTEGER PRIMARY KEY,
	topic TEXT NOT NULL,			-- the topic whose merge conflicts
	files TEXT NOT NULL,			-- the paths, sorted, one a line
	others TEXT NOT NULL,			-- the earlier topics, one a line
	state TEXT NOT NULL DEFAULT 'open'
		CHECK (state IN ('open', 'resolved')),
	build INTEGER,				-- the build that found it
	notification INTEGER,			-- notifications.id of the mail
	resolved_build INTEGER,			-- the build it was gone in
	resolved_notification INTEGER,		-- the note that said so
	created_at INTEGER NOT NULL,
	resolved_at INTEGER
);
CREATE INDEX conflict_mails_open ON conflict_mails (state, topic);

-- Conflict mails are notifications: allow their kinds.  SQLite cannot
-- change a CHECK in place, so the table is made again.  0014-report.sql
-- makes it again too, and a database that has 0014 already gets this one
-- after it: both allow every kind ('report' too).
CREATE TABLE notifications_new (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('applied', 'dropped', 'sha1-changed',
					   'gate-ejected', 'report',
					   'conflict', 'conflict-resolved')),
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
