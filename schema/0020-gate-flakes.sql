-- Flakes (daemon/gate.c): a gate run that fails is run again up to
-- [gate] retries times before it counts, and before a topic is ejected
-- the culprit's probe and the one before it are run once more (the
-- re-probe, [gate] reprobe).  Every attempt is a row of its own with its
-- own log.

-- Which attempt of its probe in its round the run is: 1, then one more
-- for each failed or timed-out attempt before it.
ALTER TABLE gate_runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
-- 1: the run passed after an earlier attempt of its probe failed
ALTER TABLE gate_runs ADD COLUMN flaky INTEGER NOT NULL DEFAULT 0;
-- NULL: a run of the bisection; reprobe: the culprit's probe or the one
-- before it, run once more before the culprit is ejected; rerun: the
-- whole candidate run again after a re-probe did not repeat the failure
ALTER TABLE gate_runs ADD COLUMN recheck TEXT
	CHECK (recheck IN ('reprobe', 'rerun'));
-- NULL, or why the candidate is flaky: a run of it passed on a retry, or
-- a re-probe did not repeat the failure its bisection found
ALTER TABLE gate_candidates ADD COLUMN flaky TEXT;
