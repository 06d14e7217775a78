-- The topic a queued series is meant for (daemon/target.c): the one the
-- maintainer chose with `cthulhu target`, NULL for none, on the series;
-- the one the queue's scan found (the choice, else the config's
-- prefixes, paths or default-topic), why and from what, on its queue row.
ALTER TABLE series ADD COLUMN target_topic TEXT;
ALTER TABLE queue ADD COLUMN target TEXT;
ALTER TABLE queue ADD COLUMN target_source TEXT;
ALTER TABLE queue ADD COLUMN target_detail TEXT;
