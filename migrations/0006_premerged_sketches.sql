-- Daily pre-merged sketches for the query API: for each closed UTC day whose sketches are still
-- hourly (the last HOURLY_SKETCH_DAYS), the latency and client sketches of every (path, method) —
-- and of the all-paths total ('*', '*') — merged over the day's 24 hours, so a range reads one
-- sketch per path and day instead of 24. Written by the rollup job (worker/src/jobs/premerge-days.ts),
-- never per event; hourly sketches stay the source of truth (hourly time series read them).
--
-- A day's pre-merged rows are used only while its sketch_days row holds the fingerprint they were
-- computed at and none of its hours waits in rollup_pending. The rollup sets the fingerprint to
-- NULL in the same transaction as it takes any hour of the day off rollup_pending (late events,
-- replays), and the tiering deletes the day's rows when it merges the hourly sketches into daily
-- ones; the rollup then re-merges the day and writes the fingerprint only if the hourly sketches
-- are still those it merged (count + sum of their versions, which only grow).
CREATE TABLE sketch_days (
  day INTEGER PRIMARY KEY,
  -- count(*) + sum(version) of the day's hourly sketches when merged; NULL: to be (re)merged.
  fingerprint INTEGER
);

-- Keyed by day first: reads join the current days, then seek (path, method) or scan the day.
CREATE TABLE path_sketches_premerged (
  kind TEXT NOT NULL CHECK (kind IN ('latency', 'clients')),
  day INTEGER NOT NULL,
  path TEXT NOT NULL,
  method TEXT NOT NULL,
  fingerprint INTEGER NOT NULL,
  sketch BLOB NOT NULL,
  PRIMARY KEY (kind, day, path, method)
) WITHOUT ROWID;

-- Days holding hourly sketches now: the next rollup merges them.
INSERT INTO sketch_days (day, fingerprint)
  SELECT DISTINCT start - start % 86400000, NULL FROM path_sketches WHERE grain = 'hour';
