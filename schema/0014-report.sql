-- The report goes to [report] to: allow its kind.  SQLite cannot change
-- a CHECK in place, so the table is made again (as 0009 did).  The kinds
-- of 0013-conflict-mail.sql, applied before this one in a new database,
-- are kept.
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

-- The "What's cooking" report (daemon/cooking*.c): every report mailed
-- is a row, with the notification that carries it.  A periodic report
-- ([report] every = daily or weekly) records the period it was for
-- ("2026-12-07", "2026-W49"), once: a restart within the period finds
-- the row and sends no second mail.  A report asked for by hand
-- (cthulhu cooking --mail) has no period and changes no schedule.
CREATE TABLE reports (
	id INTEGER PRIMARY KEY,
	trigger TEXT NOT NULL CHECK (trigger IN ('periodic', 'demand')),
	period TEXT UNIQUE,			-- NULL for a report on demand
	notification INTEGER NOT NULL REFERENCES notifications (id),
	topics INTEGER NOT NULL,		-- how many topics it covered
	created_at INTEGER NOT NULL
);
