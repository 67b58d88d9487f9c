-- Write path (issue 8): fewer D1 rows written per event (docs/cost.md).
--
-- Latency buckets of hours not rolled up yet: ONE row per (hour, path, method) whose `buckets` is
-- a JSON object {"<bucket key>": count}, merged by a commutative upsert, instead of one row per
-- bucket. At 40 events per (hour, path, method) almost every event had a bucket row of its own:
-- ~1 row written per event by the consumer, and 2 more when rollup subtracted and deleted it.
-- `total` (the sum of the counts) only grows until rollup deletes the row, so it is the
-- compare-and-swap token of that delete.
CREATE TABLE path_latency_open (
  hour INTEGER NOT NULL,
  path TEXT NOT NULL,
  method TEXT NOT NULL,
  buckets TEXT NOT NULL,
  total INTEGER NOT NULL,
  PRIMARY KEY (hour, path, method)
) WITHOUT ROWID;

INSERT INTO path_latency_open (hour, path, method, buckets, total)
  SELECT hour, path, method, json_group_object(bucket, count), sum(count)
  FROM path_latency_hourly WHERE count > 0 GROUP BY hour, path, method;

DROP TABLE path_latency_hourly;

-- The former table's shape, one row per bucket, for every reader (stats, rollup, tests).
CREATE VIEW path_latency_hourly AS
  SELECT o.hour AS hour, o.path AS path, o.method AS method, CAST(b.key AS INTEGER) AS bucket, b.value AS count
  FROM path_latency_open AS o, json_each(o.buckets) AS b;
