-- Core pipeline: detail events, hourly aggregates, per-day path registry, pipeline bookkeeping.
-- Times are epoch milliseconds (UTC); an "hour" is the epoch ms at the start of a UTC hour.

-- Hot detail events: kept HOT_DAYS, then archived to R2 and deleted.
-- seq is AUTOINCREMENT so it never repeats, even after deletes: a write attempt finds exactly
-- the rows it inserted as seq > (max seq before it), and jobs can use seq as a cursor.
CREATE TABLE traffic_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  ts INTEGER NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  latency_bucket INTEGER NOT NULL,
  bytes INTEGER,
  client_hash TEXT NOT NULL,
  colo TEXT,
  country TEXT,
  source TEXT NOT NULL
);
CREATE INDEX traffic_events_ts ON traffic_events (ts);

-- Exact counters per (hour, path, method), kept forever. Updated only by commutative upserts.
CREATE TABLE path_stats_hourly (
  hour INTEGER NOT NULL,
  path TEXT NOT NULL,
  method TEXT NOT NULL,
  requests INTEGER NOT NULL,
  status_1xx INTEGER NOT NULL,
  status_2xx INTEGER NOT NULL,
  status_3xx INTEGER NOT NULL,
  status_4xx INTEGER NOT NULL,
  status_5xx INTEGER NOT NULL,
  duration_sum_ms REAL NOT NULL,
  duration_min_ms REAL NOT NULL,
  duration_max_ms REAL NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (hour, path, method)
) WITHOUT ROWID;
CREATE INDEX path_stats_hourly_path ON path_stats_hourly (path, method, hour);

-- Latency histogram per (hour, path, method): DDSketch bucket key -> count (merge = add).
CREATE TABLE path_latency_hourly (
  hour INTEGER NOT NULL,
  path TEXT NOT NULL,
  method TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (hour, path, method, bucket)
) WITHOUT ROWID;

-- Distinct path templates admitted per UTC day (the cardinality cap); others become (other).
CREATE TABLE daily_paths (
  day TEXT NOT NULL,
  path TEXT NOT NULL,
  PRIMARY KEY (day, path)
) WITHOUT ROWID;

-- Hours that received events since the rollup job last looked at them (late data included).
CREATE TABLE rollup_pending (
  hour INTEGER PRIMARY KEY
);

-- Scratch row of one write attempt, inserted and deleted inside the same D1 transaction.
CREATE TABLE write_attempts (
  attempt TEXT PRIMARY KEY,
  after_seq INTEGER NOT NULL
) WITHOUT ROWID;

-- Monotonic pipeline counters (events_stored) and high-water marks (last_batch_at).
CREATE TABLE pipeline_counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

-- Rejected events counted per UTC day, source (ingest | queue) and reason code.
CREATE TABLE rejections (
  day TEXT NOT NULL,
  source TEXT NOT NULL,
  code TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (day, source, code)
) WITHOUT ROWID;

-- Invalid queue messages, once per message id (redelivery cannot count one twice).
CREATE TABLE rejected_messages (
  message_id TEXT PRIMARY KEY,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Messages the events queue gave up on, kept for inspection and replay.
CREATE TABLE dead_letters (
  message_id TEXT PRIMARY KEY,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  replayed_at INTEGER
) WITHOUT ROWID;

-- Last run and outcome of each scheduled job, shown by the health endpoint.
CREATE TABLE job_runs (
  job TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT NOT NULL,
  report TEXT NOT NULL
) WITHOUT ROWID;
