/**
 * Detail rows as they are archived: the JSONL line of an event (every stored field, fixed key
 * order, so the archive and its verification produce the same bytes), paged reads of a day's
 * rows by seq cursor, and the days that still hold rows.
 */
import { DAY_MS, dayStartOf } from "../shared/time";

export interface ArchivedEvent {
  seq: number;
  id: string;
  ts: number;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  latencyBucket: number;
  bytes: number | null;
  clientHash: string;
  colo: string | null;
  country: string | null;
  source: string;
}

const SELECT_EVENT = `SELECT seq, id, ts, method, path, status, duration_ms AS durationMs,
  latency_bucket AS latencyBucket, bytes, client_hash AS clientHash, colo, country, source FROM traffic_events`;

/**
 * Pages of the rows of the day starting at `day` with afterSeq < seq ≤ upToSeq, in seq order,
 * at most `limit` rows in all. Walks the primary key (`+ts` keeps SQLite off the ts index), so
 * each page costs its own rows plus the few later-day rows interleaved with them. 5,000 rows
 * (~1.5 MB) a page keeps a day of 1,000,000 events at 200 queries, well inside the 1,000 D1
 * queries a Worker invocation may make.
 */
export async function* dayRowPages(
  db: D1Database,
  day: number,
  afterSeq: number,
  upToSeq: number,
  limit = Number.POSITIVE_INFINITY,
  pageSize = 5_000,
): AsyncGenerator<ArchivedEvent[]> {
  let cursor = afterSeq;
  let left = limit;
  while (left > 0) {
    const { results } = await db
      .prepare(
        `${SELECT_EVENT} WHERE seq > ?1 AND seq <= ?2 AND +ts >= ?3 AND +ts < ?4 ORDER BY seq LIMIT ?5`,
      )
      .bind(cursor, upToSeq, day, day + DAY_MS, Math.min(pageSize, left))
      .all<ArchivedEvent>();
    if (results.length === 0) return;
    yield results;
    left -= results.length;
    cursor = results[results.length - 1]?.seq ?? upToSeq;
  }
}

/** seq range and count of the day's rows with seq > afterSeq (the ts index covers this). */
export async function dayRowBounds(db: D1Database, day: number, afterSeq: number) {
  const row = await db
    .prepare(
      `SELECT min(seq) AS minSeq, max(seq) AS maxSeq, count(*) AS rows FROM traffic_events
       WHERE ts >= ?1 AND ts < ?2 AND seq > ?3`,
    )
    .bind(day, day + DAY_MS, afterSeq)
    .first<{ minSeq: number | null; maxSeq: number | null; rows: number }>();
  return { minSeq: row?.minSeq ?? null, maxSeq: row?.maxSeq ?? null, rows: row?.rows ?? 0 };
}

/** Starts of the UTC days before `cutoff` that still hold detail rows, oldest first. */
export async function daysWithRowsBefore(db: D1Database, cutoff: number): Promise<number[]> {
  const days: number[] = [];
  let from = 0;
  for (;;) {
    const row = await db
      .prepare("SELECT min(ts) AS ts FROM traffic_events WHERE ts >= ?1 AND ts < ?2")
      .bind(from, cutoff)
      .first<{ ts: number | null }>();
    if (row?.ts === null || row?.ts === undefined) return days;
    const day = dayStartOf(row.ts);
    days.push(day);
    from = day + DAY_MS;
  }
}

/**
 * Deletes up to `limit` rows of the day starting at `day` with seq ≤ upToSeq (the rows covered
 * by verified archive parts); returns how many were deleted.
 */
export async function deleteArchivedRows(
  db: D1Database,
  day: number,
  upToSeq: number,
  limit: number,
): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM traffic_events WHERE seq IN (
         SELECT seq FROM traffic_events WHERE ts >= ?1 AND ts < ?2 AND seq <= ?3 LIMIT ?4)`,
    )
    .bind(day, day + DAY_MS, upToSeq, limit)
    .run();
  return result.meta.changes;
}

/** Rows of the day starting at `day` with seq > afterSeq (arrived after its last archive part). */
export async function countRowsAfter(db: D1Database, day: number, afterSeq: number): Promise<number> {
  const row = await db
    .prepare("SELECT count(*) AS n FROM traffic_events WHERE ts >= ?1 AND ts < ?2 AND seq > ?3")
    .bind(day, day + DAY_MS, afterSeq)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
