/**
 * The one write path for traffic events, shared by the queue consumer and the gateway's direct
 * fallback: statements that run inside ONE `db.batch()` (one D1 transaction), so the detail rows
 * and every aggregate built from them commit together or not at all.
 *
 * Exactly-once under redelivery, duplicates and concurrent consumers comes from two facts:
 * - detail rows are inserted with `ON CONFLICT (id) DO NOTHING`, so an id is stored once;
 * - aggregates are built from `seq > after_seq`, i.e. only from the rows THIS transaction
 *   inserted (seq is AUTOINCREMENT and D1 has one writer), and applied as commutative upserts
 *   (`n = n + excluded.n`, min/max), never read-modify-write in JS.
 *
 * Events travel as JSON parameters read by `json_each`: two bound parameters per statement
 * whatever the batch size (D1 allows 100). One delivery of packed messages holds thousands of
 * events, so the insert is repeated per chunk of ≤ MAX_CHUNK_BYTES of JSON (D1 caps a statement
 * at 100 KB); the aggregates then run ONCE over every row the transaction inserted, so their
 * upserts are amortised over the whole delivery, which still commits all or nothing.
 */
import type { TrafficEvent } from "../event";
import { bucketOf } from "../sketches/latency";

export interface WriteOptions {
  /** Distinct path templates admitted per UTC day; later new ones are stored as `(other)`. */
  maxPathsPerDay: number;
  /** Unique id of this attempt (defaults to a random UUID). */
  attempt?: string;
}

export const OTHER_PATH = "(other)";

/** Rows inserted by the current attempt. `?1` is always the attempt id. */
const MINE = "seq > (SELECT after_seq FROM write_attempts WHERE attempt = ?1)";
const HOUR = "(ts - ts % 3600000)";
const DAY = "date(ts / 1000, 'unixepoch')";

const SQL = {
  mark: `INSERT INTO write_attempts (attempt, after_seq)
    SELECT ?1, coalesce(max(seq), 0) FROM traffic_events`,
  // Rows are positional arrays (see toRow): smaller than objects, so fewer, faster statements.
  insert: `INSERT INTO traffic_events
      (id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source)
    SELECT e.value ->> 0, e.value ->> 1, e.value ->> 2, e.value ->> 3, e.value ->> 4, e.value ->> 5,
      e.value ->> 6, e.value ->> 7, e.value ->> 8, e.value ->> 9, e.value ->> 10, e.value ->> 11
    FROM json_each(?2) AS e WHERE true
    ON CONFLICT (id) DO NOTHING`,
  // Admit new (day, path) pairs while the day is under the cap. row_number() ranks this
  // attempt's new paths so the cap holds exactly even when one batch brings many new paths.
  admitPaths: `INSERT INTO daily_paths (day, path)
    SELECT day, path FROM (
      SELECT n.day, n.path,
        row_number() OVER (PARTITION BY n.day ORDER BY n.path) AS rank,
        (SELECT count(*) FROM daily_paths d WHERE d.day = n.day) AS admitted
      FROM (SELECT DISTINCT ${DAY} AS day, path FROM traffic_events WHERE ${MINE}) AS n
      WHERE NOT EXISTS (SELECT 1 FROM daily_paths d WHERE d.day = n.day AND d.path = n.path)
    ) WHERE admitted + rank <= ?2
    ON CONFLICT DO NOTHING`,
  capPaths: `UPDATE traffic_events SET path = '${OTHER_PATH}'
    WHERE ${MINE} AND NOT EXISTS (
      SELECT 1 FROM daily_paths d WHERE d.day = date(traffic_events.ts / 1000, 'unixepoch')
        AND d.path = traffic_events.path)`,
  hourly: `INSERT INTO path_stats_hourly (hour, path, method, requests, status_1xx, status_2xx, status_3xx,
      status_4xx, status_5xx, duration_sum_ms, duration_min_ms, duration_max_ms, bytes)
    SELECT ${HOUR}, path, method, count(*),
      sum(status < 200), sum(status BETWEEN 200 AND 299), sum(status BETWEEN 300 AND 399),
      sum(status BETWEEN 400 AND 499), sum(status >= 500),
      sum(duration_ms), min(duration_ms), max(duration_ms), coalesce(sum(bytes), 0)
    FROM traffic_events WHERE ${MINE} GROUP BY 1, 2, 3
    ON CONFLICT (hour, path, method) DO UPDATE SET
      requests = requests + excluded.requests,
      status_1xx = status_1xx + excluded.status_1xx,
      status_2xx = status_2xx + excluded.status_2xx,
      status_3xx = status_3xx + excluded.status_3xx,
      status_4xx = status_4xx + excluded.status_4xx,
      status_5xx = status_5xx + excluded.status_5xx,
      duration_sum_ms = duration_sum_ms + excluded.duration_sum_ms,
      duration_min_ms = min(duration_min_ms, excluded.duration_min_ms),
      duration_max_ms = max(duration_max_ms, excluded.duration_max_ms),
      bytes = bytes + excluded.bytes`,
  // One row per (hour, path, method): the bucket counts as a JSON object, added key by key.
  latency: `INSERT INTO path_latency_open (hour, path, method, buckets, total)
    SELECT hour, path, method, json_group_object(bucket, n), sum(n) FROM (
      SELECT ${HOUR} AS hour, path, method, latency_bucket AS bucket, count(*) AS n
      FROM traffic_events WHERE ${MINE} GROUP BY 1, 2, 3, 4)
    GROUP BY hour, path, method
    ON CONFLICT (hour, path, method) DO UPDATE SET
      buckets = (SELECT json_group_object(key, n) FROM (
        SELECT key, sum(value) AS n FROM (
          SELECT key, value FROM json_each(path_latency_open.buckets)
          UNION ALL SELECT key, value FROM json_each(excluded.buckets))
        GROUP BY key)),
      total = total + excluded.total`,
  pending: `INSERT INTO rollup_pending (hour)
    SELECT DISTINCT ${HOUR} FROM traffic_events WHERE ${MINE}
    ON CONFLICT DO NOTHING`,
  counted: `INSERT INTO pipeline_counters (name, value)
    SELECT 'events_stored', count(*) FROM traffic_events WHERE ${MINE}
    ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
  lastBatch: `INSERT INTO pipeline_counters (name, value) VALUES ('last_batch_at', ?1)
    ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`,
  unmark: "DELETE FROM write_attempts WHERE attempt = ?1",
} as const;

/** JSON bytes per insert statement's parameter: D1 allows 100 KB per statement. */
export const MAX_CHUNK_BYTES = 90_000;

const encoder = new TextEncoder();

/** The row `json_each` reads: a TrafficEvent's columns in insert order, latency bucket included. */
export const eventRow = (e: TrafficEvent): (string | number | null)[] => [
  e.id,
  e.ts,
  e.method,
  e.path,
  e.status,
  e.durationMs,
  bucketOf(e.durationMs),
  e.bytes,
  e.clientHash,
  e.colo,
  e.country,
  e.source,
];

/** JSON arrays of rows, each ≤ MAX_CHUNK_BYTES (a single oversized row travels alone). */
export function rowChunks(events: readonly TrafficEvent[]): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let bytes = 2;
  for (const event of events) {
    const json = JSON.stringify(eventRow(event));
    const size = encoder.encode(json).byteLength;
    if (parts.length > 0 && bytes + 1 + size > MAX_CHUNK_BYTES) {
      chunks.push(`[${parts.join(",")}]`);
      parts = [];
      bytes = 2;
    }
    parts.push(json);
    bytes += size + 1;
  }
  if (parts.length > 0) chunks.push(`[${parts.join(",")}]`);
  return chunks;
}

/**
 * Statements that store `events` exactly once and fold the newly stored ones into every
 * aggregate. Run them with `db.batch([...])`, optionally followed by more statements that must
 * commit in the same transaction. Empty input gives no statements.
 */
export function eventWriteStatements(
  db: D1Database,
  events: readonly TrafficEvent[],
  options: WriteOptions,
  now: number = Date.now(),
): D1PreparedStatement[] {
  if (events.length === 0) return [];
  const attempt = options.attempt ?? crypto.randomUUID();
  return [
    db.prepare(SQL.mark).bind(attempt),
    ...rowChunks(events).map((rows) => db.prepare(SQL.insert).bind(attempt, rows)),
    db.prepare(SQL.admitPaths).bind(attempt, options.maxPathsPerDay),
    db.prepare(SQL.capPaths).bind(attempt),
    db.prepare(SQL.hourly).bind(attempt),
    db.prepare(SQL.latency).bind(attempt),
    db.prepare(SQL.pending).bind(attempt),
    db.prepare(SQL.counted).bind(attempt),
    db.prepare(SQL.lastBatch).bind(now),
    db.prepare(SQL.unmark).bind(attempt),
  ];
}

/** Stores events in one transaction; used where nothing else has to commit with them. */
export async function writeEvents(
  db: D1Database,
  events: readonly TrafficEvent[],
  options: WriteOptions,
): Promise<void> {
  // One transaction, however many events: the statements split them within D1's limits.
  const statements = eventWriteStatements(db, events, options);
  if (statements.length > 0) await db.batch(statements);
}
