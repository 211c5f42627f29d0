-- The counters written to the WAL again.
ALTER TABLE rate_limits SET LOGGED;
