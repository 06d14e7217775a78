-- Intake: every mail received, and the series and patches made of them.
-- Owned by daemon/series.c; apply, notify and queue read these tables.

-- One row per distinct Message-ID, with the mail's bytes as received
-- (after mbox unescaping), so a notification can reply to it.
CREATE TABLE messages (
	id INTEGER PRIMARY KEY,
	msgid TEXT NOT NULL UNIQUE,		-- without <>
	in_reply_to TEXT,			-- first id of In-Reply-To, without <>
	refs TEXT NOT NULL DEFAULT '[]',	-- JSON array, nearest first
	from_name TEXT NOT NULL DEFAULT '',
	from_email TEXT NOT NULL DEFAULT '',
	date INTEGER,				-- Date:, unix seconds
	tz INTEGER,				-- minutes east of UTC
	subject TEXT NOT NULL DEFAULT '',	-- decoded Subject:
	kind TEXT NOT NULL
		CHECK (kind IN ('patch', 'cover', 'reply', 'other')),
	series_id INTEGER REFERENCES series (id),
	flags TEXT NOT NULL DEFAULT '',		-- mail_flags_describe()
	raw BLOB NOT NULL,
	received_at INTEGER NOT NULL
);
CREATE INDEX messages_irt ON messages (in_reply_to);

-- messages.refs, one row per id, to find who refers to a Message-ID.
CREATE TABLE message_refs (
	ref TEXT NOT NULL,
	message_id INTEGER NOT NULL REFERENCES messages (id),
	PRIMARY KEY (ref, message_id)
) WITHOUT ROWID;
CREATE INDEX messages_series ON messages (series_id);
CREATE INDEX messages_from ON messages (from_email);

-- A patch series: one version of it.  name is the cover letter's subject,
-- or the first patch's, without prefix; total is T of [PATCH M/T] (1 for
-- a lone patch).  supersedes names the older version this one replaces.
CREATE TABLE series (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL DEFAULT '',	-- Subject: of the cover or first patch
	author_name TEXT NOT NULL DEFAULT '',
	author_email TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	total INTEGER NOT NULL DEFAULT 1,
	tags TEXT NOT NULL DEFAULT '[]',	-- JSON: prefix tags besides PATCH, vN, M/T
	rfc INTEGER NOT NULL DEFAULT 0,
	resend INTEGER NOT NULL DEFAULT 0,
	cover_id INTEGER REFERENCES messages (id),
	complete INTEGER NOT NULL DEFAULT 0,	-- every patch 1..total arrived
	base_commit TEXT,
	supersedes INTEGER REFERENCES series (id),
	superseded_by INTEGER REFERENCES series (id),
	state TEXT NOT NULL DEFAULT 'new',	-- new, superseded; apply/queue add theirs
	date INTEGER NOT NULL,			-- Date: of its first message
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX series_author ON series (author_email, version);

-- The prerequisite-patch-id lines of a series (cover or patches).
CREATE TABLE series_prereqs (
	series_id INTEGER NOT NULL REFERENCES series (id),
	patch_id TEXT NOT NULL,
	PRIMARY KEY (series_id, patch_id)
);

-- One patch mail of a series; number is M of M/T (1 for a lone patch).
CREATE TABLE patches (
	id INTEGER PRIMARY KEY,
	series_id INTEGER NOT NULL REFERENCES series (id),
	message_id INTEGER NOT NULL UNIQUE REFERENCES messages (id),
	number INTEGER NOT NULL,
	subject TEXT NOT NULL,			-- as git am commits it
	author_name TEXT NOT NULL,		-- as git am takes it (in-body From: wins)
	author_email TEXT NOT NULL,
	author_date INTEGER,
	author_tz INTEGER,
	has_diff INTEGER NOT NULL DEFAULT 1,
	UNIQUE (series_id, number)
);

-- Trailers that replies gave (Reviewed-by, Acked-by, Tested-by,
-- Reported-by): patch_id NULL means the whole series (a reply to the
-- cover letter).  The trailers of a patch are its rows and its series'.
CREATE TABLE trailers (
	id INTEGER PRIMARY KEY,
	series_id INTEGER NOT NULL REFERENCES series (id),
	patch_id INTEGER REFERENCES patches (id),
	key TEXT NOT NULL,
	value TEXT NOT NULL,
	message_id INTEGER NOT NULL REFERENCES messages (id)
);
CREATE INDEX trailers_series ON trailers (series_id, patch_id);
