-- Apply, drop and notifications.  Owned by daemon/applied.c and
-- daemon/notify.c.

-- One row per patch applied to a topic.  commit is its current SHA1 on
-- the topic: when the topic is rebased (or a commit before it dropped)
-- the row follows the commit and the old SHA1 goes to applied_history.
CREATE TABLE applied (
	id INTEGER PRIMARY KEY,
	patch_id INTEGER REFERENCES patches (id),
	series_id INTEGER REFERENCES series (id),
	number INTEGER NOT NULL,		-- n of [n/T]
	total INTEGER NOT NULL,			-- T of [n/T]
	topic TEXT NOT NULL,
	commit_sha TEXT NOT NULL,
	patchid TEXT NOT NULL,			-- git patch-id --stable
	subject TEXT NOT NULL,			-- as committed
	author_name TEXT NOT NULL,
	author_email TEXT NOT NULL,
	method TEXT NOT NULL CHECK (method IN ('apply', '3way')),
	state TEXT NOT NULL DEFAULT 'applied'
		CHECK (state IN ('applied', 'dropped', 'gone')),
	reason TEXT,				-- why it was dropped
	notification_id INTEGER,		-- the notification that told of it
	applied_at INTEGER NOT NULL,
	changed_at INTEGER
);
CREATE INDEX applied_commit ON applied (commit_sha);
CREATE INDEX applied_topic ON applied (topic, state);
CREATE INDEX applied_patch ON applied (patch_id);

-- Earlier SHA1s of an applied patch, oldest first.
CREATE TABLE applied_history (
	applied_id INTEGER NOT NULL REFERENCES applied (id),
	old_sha TEXT NOT NULL,
	new_sha TEXT NOT NULL,
	why TEXT NOT NULL,			-- 'drop', 'rebase'
	at INTEGER NOT NULL
);
CREATE INDEX applied_history_id ON applied_history (applied_id);

-- Every notification: a row first (with the whole message), then the
-- mail: the outbox file and, when [notify] sendmail is set, the pipe.
-- A row still 'pending' at start-up is delivered then; 'sending' means a
-- delivery was cut short inside sendmail and is not repeated.
CREATE TABLE notifications (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('applied', 'dropped', 'sha1-changed')),
	series_id INTEGER REFERENCES series (id),
	topic TEXT,
	msgid TEXT NOT NULL UNIQUE,		-- our Message-ID, without <>
	in_reply_to TEXT,			-- the mail answered, without <>
	to_addr TEXT NOT NULL,
	subject TEXT NOT NULL,
	raw BLOB NOT NULL,			-- the RFC 5322 message
	state TEXT NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
	file TEXT,				-- name in <state>/outbox/new
	error TEXT,
	created_at INTEGER NOT NULL,
	sent_at INTEGER
);
CREATE INDEX notifications_state ON notifications (state, id);
