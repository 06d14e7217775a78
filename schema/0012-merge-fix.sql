-- Merge-fixes (daemon/merge-fix.c): a commit whose change (its tree
-- against its first parent's) is applied to a topic's merge into next,
-- for the semantic conflicts a textual merge cannot see.  A topic's own
-- fix is the ref refs/merge-fix/<topic>, as git's maintainer keeps it;
-- a fix of a pair of topics, applied at the later of their two merges
-- and only when both are in next, is a row here, its commit kept from
-- gc by the ref refs/cthulhu/merge-fix/<commit>.
CREATE TABLE merge_fixes (
	id INTEGER PRIMARY KEY,
	topic TEXT NOT NULL,
	other TEXT NOT NULL,			-- the topic of the pair
	commit_id TEXT NOT NULL,		-- 40 hex
	recorded_at INTEGER NOT NULL,		-- unix seconds
	UNIQUE (topic, other)
);

-- The fixes applied to a topic's merge in a build (a JSON array of
-- commits, in the order applied), and the one that no longer applied
-- (the topic's outcome is then 'conflict', on the paths it conflicts).
ALTER TABLE build_topics ADD COLUMN merge_fixes TEXT;
ALTER TABLE build_topics ADD COLUMN merge_fix_failed TEXT;
