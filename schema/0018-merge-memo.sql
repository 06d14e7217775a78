-- Why the fast path left a topic's merge to git (or libgit2): merge.c's
-- reason, NULL when the fast path decided it.
ALTER TABLE build_topics ADD COLUMN fallback_reason TEXT;
