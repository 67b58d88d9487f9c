/**
 * Detail rows as they are archived: the JSONL line of an event (every stored field, fixed key
 * order, so the archive and its verification produce the same bytes), paged reads of a day's
 * rows by seq cursor, the days that still hold rows, and their removal by cleanup. A day's rows
 * are all in the slot table of that day (shared/day-slots.ts); the slot may also hold another
 * day's rows when the ring wrapped, so every read still filters on ts.
 */
import { slotOf } from "../shared/day-slots";
import { DAY_MS, dayStartOf } from "../shared/time";
import { ALL_SLOTS, slotTable } from "./detail-slots";
import { isCasConflict } from "./sketch-store";

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

const selectEvent = (
  day: number,
): string => `SELECT seq, id, ts, method, path, status, duration_ms AS durationMs,
  latency_bucket AS latencyBucket, bytes, client_hash AS clientHash, colo, country, source FROM ${slotTable(slotOf(day))}`;

/**
 * Pages of the rows of the day starting at `day` with afterSeq < seq ≤ upToSeq, in seq order,
 * at most `limit` rows in all. Walks the slot's primary key, so each page costs its own rows plus
 * the rows of another day interleaved with them (none unless the ring wrapped). 5,000 rows
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
        `${selectEvent(day)} WHERE seq > ?1 AND seq <= ?2 AND ts >= ?3 AND ts < ?4 ORDER BY seq LIMIT ?5`,
      )
      .bind(cursor, upToSeq, day, day + DAY_MS, Math.min(pageSize, left))
      .all<ArchivedEvent>();
    if (results.length === 0) return;
    yield results;
    left -= results.length;
    cursor = results[results.length - 1]?.seq ?? upToSeq;
  }
}

/** seq range and count of the day's rows with seq > afterSeq (a rowid range of its slot). */
export async function dayRowBounds(db: D1Database, day: number, afterSeq: number) {
  const row = await db
    .prepare(
      `SELECT min(seq) AS minSeq, max(seq) AS maxSeq, count(*) AS rows FROM ${slotTable(slotOf(day))}
       WHERE ts >= ?1 AND ts < ?2 AND seq > ?3`,
    )
    .bind(day, day + DAY_MS, afterSeq)
    .first<{ minSeq: number | null; maxSeq: number | null; rows: number }>();
  return { minSeq: row?.minSeq ?? null, maxSeq: row?.maxSeq ?? null, rows: row?.rows ?? 0 };
}

/** Starts of the days of one slot's rows before `cutoff`, given the first and last ts among them. */
async function daysOfSlot(
  db: D1Database,
  slot: number,
  span: { first: number; last: number },
  cutoff: number,
): Promise<number[]> {
  const days = [dayStartOf(span.first)];
  // Rows of several days share the slot only when the ring wrapped: walk them a day at a time.
  for (let day = dayStartOf(span.first); day < dayStartOf(span.last); ) {
    const row = await db
      .prepare(`SELECT min(ts) AS ts FROM ${slotTable(slot)} WHERE ts >= ?1 AND ts < ?2`)
      .bind(day + DAY_MS, cutoff)
      .first<{ ts: number | null }>();
    if (row?.ts === null || row?.ts === undefined) break;
    day = dayStartOf(row.ts);
    days.push(day);
  }
  return days;
}

/** Starts of the UTC days before `cutoff` that still hold detail rows, oldest first. */
export async function daysWithRowsBefore(db: D1Database, cutoff: number): Promise<number[]> {
  const spans = await db.batch<{ first: number | null; last: number | null }>(
    ALL_SLOTS.map((slot) =>
      db
        .prepare(`SELECT min(ts) AS first, max(ts) AS last FROM ${slotTable(slot)} WHERE ts < ?1`)
        .bind(cutoff),
    ),
  );
  const days: number[] = [];
  for (const [slot, span] of spans.entries()) {
    const { first, last } = span.results[0] ?? { first: null, last: null };
    if (first !== null && last !== null) days.push(...(await daysOfSlot(db, slot, { first, last }, cutoff)));
  }
  return days.sort((a, b) => a - b);
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
      `DELETE FROM ${slotTable(slotOf(day))} WHERE seq IN (
         SELECT seq FROM ${slotTable(slotOf(day))} WHERE ts >= ?1 AND ts < ?2 AND seq <= ?3 LIMIT ?4)`,
    )
    .bind(day, day + DAY_MS, upToSeq, limit)
    .run();
  return result.meta.changes;
}

/** Rows of the day starting at `day` with seq > afterSeq (arrived after its last archive part). */
export async function countRowsAfter(db: D1Database, day: number, afterSeq: number): Promise<number> {
  const row = await db
    .prepare(`SELECT count(*) AS n FROM ${slotTable(slotOf(day))} WHERE ts >= ?1 AND ts < ?2 AND seq > ?3`)
    .bind(day, day + DAY_MS, afterSeq)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * Empties the slot of the day starting at `day` with DROP TABLE + CREATE TABLE (D1 counts ~0 rows
 * written, instead of one per deleted row) when it holds nothing but rows of that day with
 * seq ≤ upToSeq, i.e. only rows covered by verified archive parts; `alongside` statements commit
 * in the same transaction. The slot is re-created from its own schema in sqlite_master, so it
 * stays identical to the migrations' slot. Returns the number of rows dropped, or null when the
 * slot also holds other rows (the ring wrapped, or rows not archived yet): delete them one by one.
 */
export async function dropDaySlot(
  db: D1Database,
  day: number,
  upToSeq: number,
  alongside: readonly D1PreparedStatement[] = [],
): Promise<number | null> {
  const table = slotTable(slotOf(day));
  const others = `ts < ?1 OR ts >= ?2 OR seq > ?3`;
  const [content, schema] = await db.batch<{ rows: number; others: number } & { sql: string }>([
    db
      .prepare(`SELECT count(*) AS rows, coalesce(sum(${others}), 0) AS others FROM ${table}`)
      .bind(day, day + DAY_MS, upToSeq),
    // 'table' sorts after 'index': the table first, then any index of it.
    db
      .prepare("SELECT sql FROM sqlite_master WHERE tbl_name = ?1 AND sql IS NOT NULL ORDER BY type DESC")
      .bind(table),
  ]);
  const counted = content?.results[0];
  const creates = (schema?.results ?? []).map((row) => row.sql);
  if (!counted || counted.others > 0 || creates.length === 0) return null;
  const guard = `INSERT INTO cas_guard (lost) SELECT 1 WHERE EXISTS (SELECT 1 FROM ${table} WHERE ${others})`;
  try {
    await db.batch([
      // A row that arrived since the count (it cannot be one of the day's archived rows) fails the
      // CHECK of cas_guard, and the whole batch rolls back: nothing dropped.
      db.prepare(guard).bind(day, day + DAY_MS, upToSeq),
      db.prepare(`DROP TABLE ${table}`),
      ...creates.map((sql) => db.prepare(sql)),
      ...alongside,
    ]);
  } catch (error) {
    if (isCasConflict(error)) return null;
    throw error;
  }
  return counted.rows;
}
