-- Why intake put each message where it is (daemon/series.c), so that
-- every grouping decision can be explained: join_reason is "created"
-- (it started its series), "reference" (it or a patch of the series
-- refers to the other), "sibling" (it and a patch of the series reply
-- to the same parent), "markers" (no reference: same sender, version
-- and total within the time window), "reply" (a reply, attached to what
-- it answers) or "comment" (a mail with a patch from another sender in
-- a series' thread, kept as a reply); join_detail says it in a sentence.
-- NULL for mail taken before this migration.

ALTER TABLE messages ADD COLUMN join_reason TEXT;
ALTER TABLE messages ADD COLUMN join_detail TEXT;
