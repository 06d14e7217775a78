-- The Cthulhu merge: one row per build of next, one per topic in a build,
-- and the recorded resolutions of conflicts.

CREATE TABLE builds (
	id INTEGER PRIMARY KEY,
	trigger TEXT NOT NULL,			-- topic, api, startup, base, rerun
	full INTEGER NOT NULL DEFAULT 0,	-- 1: nothing reused by request
	-- running: merging; updating: result known, next being moved;
	-- done: next is result; stopped: a conflict under on-conflict=stop,
	-- next left alone; failed: error says why; interrupted: cut short
	-- by a crash before next moved
	state TEXT NOT NULL DEFAULT 'running'
		CHECK (state IN ('running', 'updating', 'done', 'stopped',
				 'failed', 'interrupted')),
	base_rev TEXT,				-- [tree] base as configured
	base TEXT,				-- its commit
	old_next TEXT,				-- next when the build began
	result TEXT,				-- the commit next was set to
	merges_reused INTEGER NOT NULL DEFAULT 0,
	merges_done INTEGER NOT NULL DEFAULT 0,
	conflicts INTEGER NOT NULL DEFAULT 0,
	fallbacks INTEGER NOT NULL DEFAULT 0,	-- merges the fast path passed on
	pushed TEXT,				-- the remote next was pushed to
	error TEXT,
	started_at INTEGER NOT NULL,		-- unix seconds
	finished_at INTEGER,
	duration_ms INTEGER
);
CREATE INDEX builds_state ON builds (state, id);

CREATE TABLE build_topics (
	build INTEGER NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
	pos INTEGER NOT NULL,			-- 0-based, in merge order
	topic TEXT NOT NULL,
	branch TEXT NOT NULL,
	tip TEXT,				-- NULL: the branch is missing
	-- merged, reused (kept from the previous next), nothing (already
	-- in the base or next), conflict, resolved (by a recorded
	-- resolution), missing (no branch)
	outcome TEXT NOT NULL
		CHECK (outcome IN ('merged', 'reused', 'nothing', 'conflict',
				   'resolved', 'missing')),
	merge_commit TEXT,			-- next after this topic
	conflicts TEXT,				-- JSON array of paths
	method TEXT,				-- fast, cached, git, libgit2
	resolution INTEGER,			-- resolutions.id when resolved
	duration_ms INTEGER,
	PRIMARY KEY (build, pos)
);

-- Recorded resolutions (rerere in SQLite), keyed by the normalised
-- conflict hunks of one path.
CREATE TABLE resolutions (
	id INTEGER PRIMARY KEY,
	topic TEXT NOT NULL,
	path TEXT NOT NULL,
	key TEXT NOT NULL,			-- hash of the normalised hunks
	conflict BLOB NOT NULL,			-- the normalised hunks
	resolution BLOB NOT NULL,		-- what each hunk became
	created_at INTEGER NOT NULL,
	used_at INTEGER,
	uses INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX resolutions_key ON resolutions (key);
