-- The Cthulhu merge on criss-cross histories: the virtual merge bases it
-- made (merge-ort's merge of several merge bases, a pure function of
-- them), kept across restarts, and what each build made and reused.

CREATE TABLE virtual_bases (
	key TEXT PRIMARY KEY,		-- merge.c's hash of the bases and depth
	tree TEXT NOT NULL,		-- the virtual base's tree
	made_at INTEGER NOT NULL	-- unix seconds
);
CREATE INDEX virtual_bases_made ON virtual_bases (made_at);

-- merges made to make virtual bases, and virtual bases found made before
ALTER TABLE builds ADD COLUMN virtual_merges INTEGER NOT NULL DEFAULT 0;
ALTER TABLE builds ADD COLUMN virtual_bases_reused INTEGER NOT NULL DEFAULT 0;
