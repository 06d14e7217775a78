-- Semantic conflicts and integration reports.
--
-- The gate names the pair: a culprit that passes the gate on the base
-- alone is bisected again over the merges before it for the topic it
-- fails together with.  While that goes on the candidate stays
-- 'bisecting' with culprit_probe set (the first failing probe of the
-- bisection); lo and hi then bound the merges the culprit is tried on.
ALTER TABLE gate_candidates ADD COLUMN culprit_probe INTEGER;
-- the topic the culprit fails together with, NULL for none
ALTER TABLE gate_candidates ADD COLUMN partner TEXT;
-- 1: the run is of the culprit merged onto probe (the base for 0)
-- rather than of the probe itself
ALTER TABLE gate_runs ADD COLUMN pair INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gate_ejections ADD COLUMN partner TEXT;
