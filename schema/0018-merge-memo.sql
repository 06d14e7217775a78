-- Why the fast path left a topic's merge to git (or libgit2): merge.c's
-- reason, NULL when the fast path decided it.
ALTER TABLE build_topics ADD COLUMN fallback_reason TEXT;

-- Merges memoised by their inputs (merge.c's memo: the three trees, or
-- the two commits), clean, conflicting or handed to git alike, kept
-- across restarts so that a conflict is not merged again at each build.
CREATE TABLE merge_memo (
	key TEXT PRIMARY KEY,		-- "trees B O T" or "commits O T", hex
	clean INTEGER NOT NULL,
	tree TEXT,			-- NULL: a conflict known without git
	base TEXT,			-- the first merge base
	nr_bases INTEGER NOT NULL DEFAULT 0,
	fallback_reason TEXT,		-- why the fast path left it to git
	conflicts TEXT,			-- JSON array of paths
	made_at INTEGER NOT NULL	-- unix seconds
);
CREATE INDEX merge_memo_made ON merge_memo (made_at);
