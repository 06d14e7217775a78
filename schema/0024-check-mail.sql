-- The author's mail about a failing check ([check] notify-author,
-- daemon/check-notify.c): one row per mail, so that the same failure
-- (the same context of the same series with the same inputs or the same
-- description) is mailed once, however often it is recorded again, and
-- a different failure is mailed anew.
CREATE TABLE check_mails (
	id INTEGER PRIMARY KEY,
	series_id INTEGER NOT NULL REFERENCES series (id),
	context TEXT NOT NULL,
	state TEXT NOT NULL,		-- the check's state when mailed
	description TEXT NOT NULL,
	inputs TEXT,			-- the check's inputs; NULL for none
	notification INTEGER,		-- notifications.id of the mail
	created_at INTEGER NOT NULL
);
CREATE INDEX check_mails_series ON check_mails (series_id, context);

-- Those mails are notifications: allow their kind, 'check-failed'.
-- SQLite cannot change a CHECK in place, so the table is made again
-- with every kind 0014-report.sql allows.  reports refers to it, and
-- with foreign keys on a table that is referred to cannot be dropped:
-- reports is made again too, pointing at the new table, whose rename
-- then carries the reference along.
CREATE TABLE notifications_new (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('applied', 'dropped', 'sha1-changed',
					   'gate-ejected', 'report',
					   'conflict', 'conflict-resolved',
					   'check-failed')),
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
CREATE TABLE reports_new (
	id INTEGER PRIMARY KEY,
	trigger TEXT NOT NULL CHECK (trigger IN ('periodic', 'demand')),
	period TEXT UNIQUE,			-- NULL for a report on demand
	notification INTEGER NOT NULL REFERENCES notifications_new (id),
	topics INTEGER NOT NULL,		-- how many topics it covered
	created_at INTEGER NOT NULL
);
INSERT INTO reports_new (id, trigger, period, notification, topics, created_at)
	SELECT id, trigger, period, notification, topics, created_at
	FROM reports;
DROP TABLE reports;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
ALTER TABLE reports_new RENAME TO reports;
CREATE INDEX notifications_state ON notifications (state, id);
