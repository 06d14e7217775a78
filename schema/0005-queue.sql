-- The review queue and the lint findings.  Owned by daemon/queue.c.
--
-- A series is in the queue while series.state is not applied, dropped,
-- rejected or superseded and no newer version supersedes it.  Its place:
-- lane (1 fixes for the current release, 2 other fixes, 3 other trees and
-- other maintainers' acks, 4 the rest), then the arrival of its first
-- version, unless a manual bump set a place of its own.

-- One row per series the queue has looked at.
CREATE TABLE queue (
	series_id INTEGER PRIMARY KEY REFERENCES series (id),
	root_id INTEGER NOT NULL,		-- the first version of the series
	queued INTEGER NOT NULL DEFAULT 1,	-- in the queue now
	lane INTEGER NOT NULL,			-- 1..4, by the rules
	sublane INTEGER NOT NULL DEFAULT 0,	-- 0 first (stable fixes in lane 2)
	reason TEXT NOT NULL,			-- why it is in its lane
	arrival INTEGER NOT NULL,		-- Date: of the first version
	-- The sort key: (olane, rank, series_id).  olane is lane * 10 +
	-- sublane unless a bump moved the series to another lane's place.
	olane INTEGER NOT NULL,
	rank INTEGER NOT NULL,
	lint_errors INTEGER NOT NULL DEFAULT 0,
	lint_warnings INTEGER NOT NULL DEFAULT 0,
	lint_infos INTEGER NOT NULL DEFAULT 0,
	entered_at INTEGER NOT NULL,		-- when it entered the queue
	left_at INTEGER,			-- when it left it (state, supersede)
	left_state TEXT,			-- the state it left with
	updated_at INTEGER NOT NULL
);
CREATE INDEX queue_order ON queue (olane, rank, series_id) WHERE queued;
CREATE INDEX queue_left ON queue (left_at) WHERE left_at IS NOT NULL;
CREATE INDEX queue_root ON queue (root_id);
CREATE INDEX queue_entered ON queue (entered_at);

-- Manual bumps, kept by the first version so that a new version keeps
-- the place its predecessor was bumped to.
CREATE TABLE queue_bumps (
	root_id INTEGER PRIMARY KEY,
	olane INTEGER NOT NULL,
	rank INTEGER NOT NULL,
	reason TEXT NOT NULL,
	position INTEGER NOT NULL,		-- the place asked for
	at INTEGER NOT NULL
);

-- Series to look at again: filled by the triggers below whenever intake,
-- apply or the queue itself change a series, its patches or its trailers;
-- emptied by the queue-scan job.
CREATE TABLE queue_dirty (
	series_id INTEGER PRIMARY KEY
);

CREATE TRIGGER queue_series_new AFTER INSERT ON series
BEGIN
	INSERT OR IGNORE INTO queue_dirty (series_id) VALUES (NEW.id);
END;

CREATE TRIGGER queue_series_changed
AFTER UPDATE OF state, superseded_by, supersedes, complete, total, updated_at
ON series
BEGIN
	INSERT OR IGNORE INTO queue_dirty (series_id) VALUES (NEW.id);
END;

CREATE TRIGGER queue_patch_new AFTER INSERT ON patches
BEGIN
	INSERT OR IGNORE INTO queue_dirty (series_id) VALUES (NEW.series_id);
END;

CREATE TRIGGER queue_trailer_new AFTER INSERT ON trailers
BEGIN
	INSERT OR IGNORE INTO queue_dirty (series_id) VALUES (NEW.series_id);
END;

-- Lint findings: patch_id NULL for what concerns the series as a whole.
CREATE TABLE lint_findings (
	id INTEGER PRIMARY KEY,
	series_id INTEGER NOT NULL REFERENCES series (id),
	patch_id INTEGER REFERENCES patches (id),
	rule TEXT NOT NULL,
	severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
	message TEXT NOT NULL
);
CREATE INDEX lint_findings_series ON lint_findings (series_id, patch_id);
