-- Lifecycle: compacted sketches, day states, R2 archive parts, snapshot versions.
-- Times are epoch milliseconds (UTC); days are 'YYYY-MM-DD' (UTC).

-- Compacted sketches, one row per (kind, grain, start, path, method): kind 'latency' is the
-- DDSketch (bucket counts moved here from path_latency_hourly), kind 'clients' the HyperLogLog of
-- client hashes, both encoded by worker/src/sketches/codec.ts. Separate rows, because a dense
-- HyperLogLog (~1.8 KB) and a latency sketch together would fill a 4 KB page alone (see
-- docs/storage.md). grain 'hour' rows are kept HOURLY_SKETCH_DAYS, then merged into 'day' rows.
-- path = '*' AND method = '*' is the all-paths total. `version` is the compare-and-swap token of
-- every read-modify-write (see worker/src/db/sketch-store.ts).
CREATE TABLE path_sketches (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('latency', 'clients')),
  grain TEXT NOT NULL CHECK (grain IN ('hour', 'day')),
  start INTEGER NOT NULL,
  path TEXT NOT NULL,
  method TEXT NOT NULL,
  sketch BLOB NOT NULL,
  version INTEGER NOT NULL,
  UNIQUE (kind, grain, path, method, start)
);
CREATE INDEX path_sketches_start ON path_sketches (grain, start);

-- Always empty: a compare-and-swap that lost inserts lost = 1 here, the CHECK fails and the whole
-- D1 batch (one transaction) rolls back. `INSERT INTO cas_guard SELECT 1 WHERE changes() <> ?n`.
CREATE TABLE cas_guard (
  lost INTEGER NOT NULL CHECK (lost = 0)
);

-- Per UTC day: from `cleaning_since` on, cleanup may have deleted some of the day's detail rows,
-- so unique clients of the day come from the HyperLogLogs; `cleaned_at` when all archived rows
-- are gone.
CREATE TABLE day_lifecycle (
  day TEXT PRIMARY KEY,
  cleaning_since INTEGER,
  cleaned_at INTEGER
) WITHOUT ROWID;

-- One row per archive part (one R2 object archive/YYYY/MM/DD/part-NNNN.jsonl.gz). A part holds
-- the day's events with after_seq < seq <= max_seq, in seq order; later arrivals get a new part.
-- status: writing (upload in progress or crashed) → uploaded → verified (object and D1 rows
-- match) → cleaned (rows deleted); invalid = failed verification with the rows intact (the next
-- archive run rewrites it); damaged = the object changed after its rows began to be deleted.
CREATE TABLE archive_metadata (
  day TEXT NOT NULL,
  part INTEGER NOT NULL,
  key TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('writing', 'uploaded', 'verified', 'invalid', 'damaged', 'cleaned')),
  after_seq INTEGER NOT NULL,
  max_seq INTEGER,
  min_seq INTEGER,
  records INTEGER,
  uncompressed_bytes INTEGER,
  compressed_bytes INTEGER,
  sha256 TEXT,
  upload_id TEXT,
  reason TEXT,
  created_at INTEGER NOT NULL,
  uploaded_at INTEGER,
  verified_at INTEGER,
  cleaned_at INTEGER,
  PRIMARY KEY (day, part)
) WITHOUT ROWID;

-- The KV snapshot version counter (KV is eventually consistent, so never a counter there).
-- created_at is the wall clock of the run: a new version is refused within 1 s of the last one
-- (KV allows one write per second per key). digest (sha256 of the published content) lets a
-- run that would publish the same content again skip it.
CREATE TABLE snapshot_versions (
  version INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at INTEGER NOT NULL,
  as_of INTEGER NOT NULL,
  top_n INTEGER NOT NULL,
  paths INTEGER NOT NULL,
  digest TEXT NOT NULL,
  published_at INTEGER,
  pruned_at INTEGER
);
