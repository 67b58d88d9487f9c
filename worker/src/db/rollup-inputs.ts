/**
 * What the rollup reads and moves: rollup_pending (hours with new detail rows), the client
 * hashes of an hour's detail rows (in the slot table of its day), and its open latency counts (path_latency_open, one JSON row
 * per (hour, path, method), read a bucket a row through the view path_latency_hourly), which the
 * rollup moves into the compacted sketches (db/sketch-store.ts) in the same batch.
 */
import { slotOf } from "../shared/day-slots";
import { HOUR_MS } from "../shared/time";
import { LAST_SEQ, slotTable } from "./detail-slots";
import { casGuard } from "./sketch-store";

/** An open latency row moved into a sketch: [hour, path, method, total count read]. */
export type MovedLatency = [number, string, string, number];

/** The last seq handed out (0 before the first event): every stored row has seq ≤ it, every later one > it. */
export async function latestSeq(db: D1Database): Promise<number> {
  const top = await db.prepare(`SELECT ${LAST_SEQ} AS seq`).first<{ seq: number }>();
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
           SELECT 1 FROM ${slotTable(slotOf(hour))} WHERE seq > ?3 AND ts >= ?1 AND ts < ?2)`,
      )
      .bind(hour, hour + HOUR_MS, upToSeq),
    ...alongside,
  ]);
  return finished?.meta.changes === 1;
}

export interface ClientRow {
  seq: number;
  path: string;
  method: string;
  client_hash: string;
}

/**
 * One page of the hour's rows with afterSeq < seq ≤ upToSeq, in seq order: a rowid range of the
 * slot of the hour's day (no ts index; the rows of the rest of the day are read and skipped).
 */
export async function readHourClientsPage(
  db: D1Database,
  page: { hour: number; upToSeq: number; afterSeq: number; limit: number },
): Promise<ClientRow[]> {
  const { results } = await db
    .prepare(
      `SELECT seq, path, method, client_hash FROM ${slotTable(slotOf(page.hour))}
       WHERE seq > ?3 AND seq <= ?4 AND ts >= ?1 AND ts < ?2 ORDER BY seq LIMIT ?5`,
    )
    .bind(page.hour, page.hour + HOUR_MS, page.afterSeq, page.upToSeq, page.limit)
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
