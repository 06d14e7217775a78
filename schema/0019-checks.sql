-- The checks of a queued series, in the shape of patchwork's Checks API:
-- cthulhu's own speculative checks (context apply, merge, gate) and those
-- an outside CI posts over the API.  One row per series and context: a
-- newer result of the same context replaces the older one.
CREATE TABLE checks (
	id INTEGER PRIMARY KEY,
	series_id INTEGER NOT NULL REFERENCES series (id),
	context TEXT NOT NULL,
	state TEXT NOT NULL
		CHECK (state IN ('pending', 'success', 'warning', 'fail')),
	description TEXT NOT NULL DEFAULT '',
	target_url TEXT,
	-- cthulhu: a speculative check of the daemon's; api: posted by a CI
	origin TEXT NOT NULL DEFAULT 'cthulhu'
		CHECK (origin IN ('cthulhu', 'api')),
	-- what the result was computed from (the series, its topic's tip,
	-- next, the tree tested), so that it is redone when they move and
	-- reused when they did not; NULL for outside checks
	inputs TEXT,
	log TEXT,			-- the failure's detail or the gate's log
	created_at INTEGER NOT NULL,	-- unix seconds
	updated_at INTEGER NOT NULL,
	UNIQUE (series_id, context)
);
CREATE INDEX checks_series ON checks (series_id);
