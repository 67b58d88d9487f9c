-- Detail rows in a ring of day partitions (issue 8, docs/cost.md): fewer D1 rows written per event.
--
-- traffic_events (a row + its UNIQUE (id) entry + its ts index entry at insert, and one row
-- written per event again when cleanup deleted it: 4 rows an event) becomes 14 slot tables
-- traffic_events_p0 … p13. The event of UTC day number d (ts / 86400000) is stored in slot
-- d % 14 (worker/src/shared/day-slots.ts). A slot has no ts index (a day's reads scan its own
-- slot; D1 rows read cost a thousandth of rows written), so an insert writes 2 rows, and cleanup
-- empties a day by DROP TABLE + CREATE TABLE of its slot, which writes ~0 rows per event.
-- The dedupe on id spans the whole ring: the write path inserts a row only if no slot holds its id.
--
-- seq is no longer AUTOINCREMENT: the write path numbers rows from pipeline_counters.last_seq
-- (worker/src/db/detail-slots.ts). It starts above every seq ever used — rows still stored and
-- rows already archived and deleted (archive_metadata) — so seqs never repeat.
--
-- traffic_events becomes a view over the slots, with the same columns, for every reader that
-- does not need a particular day (tests, tools). D1 allows 5 terms per compound SELECT, so the
-- view nests its UNION ALLs. Destructive: DROP TABLE traffic_events (its rows copied first) and
-- write_attempts (scratch rows, always empty between transactions). pulumi preview warns about
-- it (docs/deploy.md). Until the new Worker is uploaded, the previous Worker's writes fail and
-- are retried by the queue (not lost).

-- One slot. Keep the schema of all 14 identical: cleanup re-creates a slot from its own entry
-- in sqlite_master.
CREATE TABLE traffic_events_p0 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p1 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p2 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p3 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p4 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p5 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p6 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p7 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p8 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p9 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p10 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p11 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p12 (
  seq INTEGER PRIMARY KEY,
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
CREATE TABLE traffic_events_p13 (
  seq INTEGER PRIMARY KEY,
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

INSERT INTO pipeline_counters (name, value)
  SELECT 'last_seq', max(
    coalesce((SELECT max(seq) FROM traffic_events), 0),
    coalesce((SELECT max(max_seq) FROM archive_metadata), 0),
    coalesce((SELECT max(after_seq) FROM archive_metadata), 0))
  WHERE true
  ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value);

INSERT INTO traffic_events_p0 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 0;
INSERT INTO traffic_events_p1 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 1;
INSERT INTO traffic_events_p2 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 2;
INSERT INTO traffic_events_p3 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 3;
INSERT INTO traffic_events_p4 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 4;
INSERT INTO traffic_events_p5 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 5;
INSERT INTO traffic_events_p6 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 6;
INSERT INTO traffic_events_p7 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 7;
INSERT INTO traffic_events_p8 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 8;
INSERT INTO traffic_events_p9 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 9;
INSERT INTO traffic_events_p10 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 10;
INSERT INTO traffic_events_p11 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 11;
INSERT INTO traffic_events_p12 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 12;
INSERT INTO traffic_events_p13 (seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
  SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events WHERE ts / 86400000 % 14 = 13;

DROP TABLE traffic_events;
DROP TABLE write_attempts;

CREATE VIEW traffic_events AS
  SELECT * FROM (
    SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p0
    UNION ALL SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p1
    UNION ALL SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p2
    UNION ALL SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p3)
  UNION ALL
  SELECT * FROM (
    SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p4
    UNION ALL SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p5
    UNION ALL SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p6
    UNION ALL SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p7)
  UNION ALL
  SELECT * FROM (
    SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p8
    UNION ALL SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p9
    UNION ALL SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p10
    UNION ALL SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p11)
  UNION ALL
  SELECT * FROM (
    SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p12
    UNION ALL SELECT seq, id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source FROM traffic_events_p13);
