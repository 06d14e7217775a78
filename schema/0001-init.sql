-- The foundation: settings, jobs, topics and their moves.
-- (Applied migrations are recorded by db.c in schema_migrations.)

CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT
);

-- Every mutation runs as a job on the engine thread, in id order.
CREATE TABLE jobs (
	id INTEGER PRIMARY KEY,
	type TEXT NOT NULL,
	args TEXT NOT NULL DEFAULT '{}',	-- JSON
	state TEXT NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'running', 'done', 'failed')),
	result TEXT,				-- JSON answer when done
	error TEXT,				-- message when failed
	code INTEGER,				-- negative error code when failed
	attempts INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,		-- unix seconds
	started_at INTEGER,
	finished_at INTEGER
);
CREATE INDEX jobs_state ON jobs (state, id);

-- The topics cthulhu tracks: from cthulhu.conf (source 'config') or added
-- through the API (source 'api').  tip is the last tip seen, NULL when the
-- branch does not exist.
CREATE TABLE topics (
	name TEXT PRIMARY KEY,
	branch TEXT NOT NULL,			-- full ref name
	ord INTEGER NOT NULL DEFAULT 0,
	into_next INTEGER NOT NULL DEFAULT 1,
	source TEXT NOT NULL DEFAULT 'config' CHECK (source IN ('config', 'api')),
	tip TEXT,
	moved_at INTEGER,
	created_at INTEGER NOT NULL
);

-- One row per move of a topic's branch.
CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	topic TEXT NOT NULL,
	old TEXT,				-- NULL: the branch appeared
	new TEXT,				-- NULL: the branch was deleted
	kind TEXT NOT NULL CHECK (kind IN ('created', 'fast-forward', 'forced', 'deleted')),
	source TEXT NOT NULL,			-- inotify, poll, poke, startup, job
	at INTEGER NOT NULL
);
CREATE INDEX events_topic ON events (topic, id);
