-- The gate runs of cthulhu's speculative checks, one per tree tested
-- with a command: a queued series' apply onto its topic, merged into
-- next, is run through [gate] command in the gate's worktrees, and any
-- other series or version that makes the same tree reuses the result.
-- A row is written 'running' before the process starts; a start finds
-- those a crash left, kills what they started and forgets them, so the
-- check is run again.  Ids are never reused: a forgotten run's id (and
-- the marker of its processes) stays its own.
CREATE TABLE check_runs (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	tree TEXT NOT NULL,
	commit_id TEXT NOT NULL,	-- the speculative next checked out
	command TEXT NOT NULL,
	state TEXT NOT NULL
		CHECK (state IN ('running', 'passed', 'failed', 'timeout')),
	exit_code INTEGER,
	log TEXT,			-- the log file's path
	duration_ms INTEGER,
	created_at INTEGER NOT NULL,
	finished_at INTEGER
);
CREATE INDEX check_runs_tree ON check_runs (tree, command);

-- Queued series whose changes overlap: the same lines of a file, or one
-- that no longer applies once the other is applied.  One row each way,
-- so that each series lists the other; both are redone when either
-- series is checked again.
CREATE TABLE series_conflicts (
	series_id INTEGER NOT NULL REFERENCES series (id),
	other_id INTEGER NOT NULL REFERENCES series (id),
	-- 'lines': both change the same lines; 'apply': other does not
	-- apply after series (or series after other)
	how TEXT NOT NULL CHECK (how IN ('lines', 'apply')),
	path TEXT NOT NULL,		-- the first file they meet in
	detail TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	PRIMARY KEY (series_id, other_id)
);
CREATE INDEX series_conflicts_other ON series_conflicts (other_id);
