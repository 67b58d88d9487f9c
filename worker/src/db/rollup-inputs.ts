/**
 * What the rollup reads and moves: rollup_pending (hours with new detail rows), the client
 * hashes of an hour's detail rows, and its open latency counts (path_latency_open, one JSON row
 * per (hour, path, method), read a bucket a row through the view path_latency_hourly), which the
 * rollup moves into the compacted sketches (db/sketch-store.ts) in the same batch.
 */
import { HOUR_MS } from "../shared/time";
import { casGuard } from "./sketch-store";

/** An open latency row moved into a sketch: [hour, path, method, total count read]. */
export type MovedLatency = [number, string, string, number];

/** The highest seq stored so far (0 for an empty table). */
export async function latestSeq(db: D1Database): Promise<number> {
  const top = await db
    .prepare("SELECT coalesce(max(seq), 0) AS seq FROM traffic_events")
    .first<{ seq: number }>();
  return top?.seq ?? 0;
}

/** Pending hours in [from, to), oldest first. */
export async function pendingHours(db: D1Database, from: number, to: number): Promise<number[]> {
  const { results } = await db
    .prepare("SELECT hour FROM rollup_pending WHERE hour >= ?1 AND hour < ?2 ORDER BY hour")
    .bind(from, to)
    .all<{ hour: number }>();
  return results.map((r) => r.hour);
}

/**
 * Takes `hour` off rollup_pending unless a row with seq > upToSeq (newer than the ones rolled
 * up) arrived for it meanwhile; true when it did. `alongside` statements commit in the same
 * transaction (they see the hour gone, or still there when it stays).
 */
export async function finishPendingHour(
  db: D1Database,
  hour: number,
  upToSeq: number,
  alongside: readonly D1PreparedStatement[] = [],
): Promise<boolean> {
  const [finished] = await db.batch([
    db
      .prepare(
        `DELETE FROM rollup_pending WHERE hour = ?1 AND NOT EXISTS (
           SELECT 1 FROM traffic_events WHERE ts >= ?1 AND ts < ?2 AND seq > ?3)`,
      )
      .bind(hour, hour + HOUR_MS, upToSeq),
    ...alongside,
  ]);
  return finished?.meta.changes === 1;
}

export interface ClientRow {
  seq: number;
  ts: number;
  path: string;
  method: string;
  client_hash: string;
}

/** One page of the hour's rows with seq ≤ upToSeq after `cursor`, in the ts index's (ts, seq) order. */
export async function readHourClientsPage(
  db: D1Database,
  page: { hour: number; upToSeq: number; after: { ts: number; seq: number }; limit: number },
): Promise<ClientRow[]> {
  const { results } = await db
    .prepare(
      `SELECT seq, ts, path, method, client_hash FROM traffic_events
       WHERE ts >= ?1 AND ts < ?2 AND seq <= ?3 AND (ts > ?4 OR (ts = ?4 AND seq > ?5))
       ORDER BY ts, seq LIMIT ?6`,
    )
    .bind(page.hour, page.hour + HOUR_MS, page.upToSeq, page.after.ts, page.after.seq, page.limit)
    .all<ClientRow>();
  return results;
}

export interface BucketRow {
  path: string;
  method: string;
  bucket: number;
  count: number;
}

/** One page of the hour's latency bucket rows after (path, method, bucket) `after`. */
export async function readHourBucketsPage(
  db: D1Database,
  page: { hour: number; after: [string, string, number]; limit: number },
): Promise<BucketRow[]> {
  const { results } = await db
    .prepare(
      `SELECT path, method, bucket, count FROM path_latency_hourly
       WHERE hour = ?1 AND (path, method, bucket) > (?2, ?3, ?4) ORDER BY path, method, bucket LIMIT ?5`,
    )
    .bind(page.hour, ...page.after, page.limit)
    .all<BucketRow>();
  return results;
}

/**
 * Statements deleting the open latency rows moved into sketches, failing the batch unless every
 * row read is still there with the total read: the total only grows (late events add to it), so
 * an equal total means the row is unchanged; otherwise late events or another rollup got to it
 * first, the whole batch rolls back and the rollup reads the hour again.
 */
export function moveLatencyStatements(db: D1Database, moved: readonly MovedLatency[]): D1PreparedStatement[] {
  if (moved.length === 0) return [];
  return [
    db
      .prepare(
        `DELETE FROM path_latency_open WHERE (hour, path, method, total) IN (
           SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]' FROM json_each(?1))`,
      )
      .bind(JSON.stringify(moved)),
    casGuard(db, moved.length),
  ];
}
