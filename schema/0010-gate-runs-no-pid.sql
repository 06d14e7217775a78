-- gate_runs.pid named a run's process group, for a restart to kill.  A
-- restart now finds a run's processes by the marker in their environment
-- (daemon/gate-proc.h), and nothing reads or writes the column.
ALTER TABLE gate_runs DROP COLUMN pid;
