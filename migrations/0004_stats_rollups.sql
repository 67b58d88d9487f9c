-- Counter roll-ups for the query API, so a range reads one row per path and day (or one row per
-- hour for all paths) instead of one per path and hour. Written by the rollup job when it closes
-- an hour (worker/src/db/stats-rollups.ts), never per event: no row written per event, no index
-- beyond the primary keys. A roll-up row is used only while no hour it covers is waiting in
-- rollup_pending — the write path adds the hour there in the same transaction as every counter
-- change — so reads stay exact; otherwise the hourly rows are read.

-- All paths together, per hour.
CREATE TABLE stats_hourly_totals (
  hour INTEGER PRIMARY KEY,
  requests INTEGER NOT NULL,
  status_4xx INTEGER NOT NULL,
  status_5xx INTEGER NOT NULL,
  duration_sum_ms REAL NOT NULL,
  duration_max_ms REAL NOT NULL
);

-- Per (day, path, method) for whole closed UTC days; path = '*' AND method = '*' is the day's
-- total and marks the day as rolled up.
CREATE TABLE path_stats_daily (
  day INTEGER NOT NULL,
  path TEXT NOT NULL,
  method TEXT NOT NULL,
  requests INTEGER NOT NULL,
  status_4xx INTEGER NOT NULL,
  status_5xx INTEGER NOT NULL,
  duration_sum_ms REAL NOT NULL,
  duration_max_ms REAL NOT NULL,
  PRIMARY KEY (day, path, method)
) WITHOUT ROWID;

-- Backfill from what is stored now (hours and days without pending rollup).
INSERT INTO stats_hourly_totals
  SELECT hour, sum(requests), sum(status_4xx), sum(status_5xx), sum(duration_sum_ms), max(duration_max_ms)
  FROM path_stats_hourly WHERE hour NOT IN (SELECT hour FROM rollup_pending) GROUP BY hour;

INSERT INTO path_stats_daily
  SELECT hour - hour % 86400000, path, method, sum(requests), sum(status_4xx), sum(status_5xx),
    sum(duration_sum_ms), max(duration_max_ms)
  FROM path_stats_hourly
  WHERE hour - hour % 86400000 NOT IN (SELECT hour - hour % 86400000 FROM rollup_pending)
  GROUP BY 1, 2, 3;

INSERT INTO path_stats_daily
  SELECT hour - hour % 86400000, '*', '*', sum(requests), sum(status_4xx), sum(status_5xx),
    sum(duration_sum_ms), max(duration_max_ms)
  FROM path_stats_hourly
  WHERE hour - hour % 86400000 NOT IN (SELECT hour - hour % 86400000 FROM rollup_pending)
  GROUP BY 1;
