/**
 * The one write path for traffic events, shared by the queue consumer and the gateway's direct
 * fallback: statements that run inside ONE `db.batch()` (one D1 transaction), so the detail rows
 * and every aggregate built from them commit together or not at all.
 *
 * Detail rows go to the slot table of their UTC day (shared/day-slots.ts). Exactly-once under
 * redelivery, duplicates and concurrent consumers comes from three facts:
 * - a row is inserted only if no other slot holds its id (index lookups: rows read, not written)
 *   and with `ON CONFLICT (id) DO NOTHING` in its own slot, so an id is stored once in the ring;
 *   slots are written one statement after the other, so the same id twice in a batch, for two
 *   days, is seen by the second statement;
 * - rows are numbered seq = last_seq + their position in the batch, and aggregates are built from
 *   `seq > last_seq` — only the rows THIS transaction inserted — before the last statement
 *   advances last_seq (db/detail-slots.ts); D1 has one writer;
 * - aggregates are commutative upserts (`n = n + excluded.n`, min/max), never read-modify-write
 *   in JS.
 *
 * Events travel as JSON parameters read by `json_each`: two bound parameters per statement
 * whatever the batch size (D1 allows 100). One delivery of packed messages holds thousands of
 * events, so the insert is repeated per slot and chunk of ≤ MAX_CHUNK_BYTES of JSON (D1 caps a
 * statement at 100 KB); the aggregates then run ONCE over every row the transaction inserted, so
 * their upserts are amortised over the whole delivery, which still commits all or nothing.
 */
import type { TrafficEvent } from "../event";
import { slotOf } from "../shared/day-slots";
import { utf8Bytes } from "../shared/pack";
import { bucketOf } from "../sketches/latency";
import { ALL_SLOTS, LAST_SEQ, slotRows, slotTable } from "./detail-slots";

export interface WriteOptions {
  /** Distinct path templates admitted per UTC day; later new ones are stored as `(other)`. */
  maxPathsPerDay: number;
}

export const OTHER_PATH = "(other)";

const HOUR = "(ts - ts % 3600000)";
const DAY = "date(ts / 1000, 'unixepoch')";
const COLUMNS =
  "id, ts, method, path, status, duration_ms, latency_bucket, bytes, client_hash, colo, country, source";

/**
 * The insert into one slot: `?1` the rows (positional arrays, see eventRow), `?2` the rows before
 * them in the batch. The id is extracted once per row (a materialized CTE) rather than once per
 * other slot's lookup: that halved the insert's time locally.
 */
const insertSql = (slot: number): string => {
  const elsewhere = ALL_SLOTS.filter((other) => other !== slot)
    .map((other) => `NOT EXISTS (SELECT 1 FROM ${slotTable(other)} WHERE id = r.id)`)
    .join(" AND ");
  return `WITH r AS MATERIALIZED (SELECT e.key AS k, e.value ->> 0 AS id, e.value AS v FROM json_each(?1) AS e)
    INSERT INTO ${slotTable(slot)} (seq, ${COLUMNS})
    SELECT ${LAST_SEQ} + ?2 + r.k + 1, r.id, r.v ->> 1, r.v ->> 2, r.v ->> 3,
      r.v ->> 4, r.v ->> 5, r.v ->> 6, r.v ->> 7, r.v ->> 8, r.v ->> 9,
      r.v ->> 10, r.v ->> 11
    FROM r WHERE ${elsewhere}
    ON CONFLICT (id) DO NOTHING`;
};

/** Marks the batch's rows over the per-day cap as `(other)` (a row written only per such row). */
const capSql = (slot: number): string => {
  const table = slotTable(slot);
  return `UPDATE ${table} SET path = '${OTHER_PATH}'
    WHERE seq > ${LAST_SEQ} AND NOT EXISTS (
      SELECT 1 FROM daily_paths d WHERE d.day = date(${table}.ts / 1000, 'unixepoch') AND d.path = ${table}.path)`;
};

const SLOT_SQL = ALL_SLOTS.map((slot) => ({ insert: insertSql(slot), cap: capSql(slot) }));

/** Aggregate statements over `mine`, the rows this transaction inserted into some slots. */
const aggregateSql = (mine: string) => ({
  // Admit new (day, path) pairs while the day is under the cap. row_number() ranks this
  // attempt's new paths so the cap holds exactly even when one batch brings many new paths.
  admitPaths: `INSERT INTO daily_paths (day, path)
    SELECT day, path FROM (
      SELECT n.day, n.path,
        row_number() OVER (PARTITION BY n.day ORDER BY n.path) AS rank,
        (SELECT count(*) FROM daily_paths d WHERE d.day = n.day) AS admitted
      FROM (SELECT DISTINCT ${DAY} AS day, path FROM ${mine}) AS n
      WHERE NOT EXISTS (SELECT 1 FROM daily_paths d WHERE d.day = n.day AND d.path = n.path)
    ) WHERE admitted + rank <= ?1
    ON CONFLICT DO NOTHING`,
  hourly: `INSERT INTO path_stats_hourly (hour, path, method, requests, status_1xx, status_2xx, status_3xx,
      status_4xx, status_5xx, duration_sum_ms, duration_min_ms, duration_max_ms, bytes)
    SELECT ${HOUR}, path, method, count(*),
      sum(status < 200), sum(status BETWEEN 200 AND 299), sum(status BETWEEN 300 AND 399),
      sum(status BETWEEN 400 AND 499), sum(status >= 500),
      sum(duration_ms), min(duration_ms), max(duration_ms), coalesce(sum(bytes), 0)
    FROM ${mine} WHERE true GROUP BY 1, 2, 3
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
  // One row per (hour, path, method): the bucket counts as a JSON object. A conflict patches in
  // only the keys this batch brings, each the sum of both sides: work per key of the batch, not
  // per key stored (a merge of every stored key took a third of a large delivery). Keys are
  // looked up by the quoted path '$."k"': a bare '5' is not read as a label by every SQLite.
  latency: `INSERT INTO path_latency_open (hour, path, method, buckets, total)
    SELECT hour, path, method, json_group_object(bucket, n), sum(n) FROM (
      SELECT ${HOUR} AS hour, path, method, latency_bucket AS bucket, count(*) AS n
      FROM ${mine} GROUP BY 1, 2, 3, 4)
    GROUP BY hour, path, method
    ON CONFLICT (hour, path, method) DO UPDATE SET
      buckets = json_patch(path_latency_open.buckets, (
        SELECT json_group_object(key, value + coalesce(path_latency_open.buckets ->> ('$."' || key || '"'), 0))
        FROM json_each(excluded.buckets))),
      total = total + excluded.total`,
  pending: `INSERT INTO rollup_pending (hour)
    SELECT DISTINCT ${HOUR} FROM ${mine} WHERE true
    ON CONFLICT DO NOTHING`,
  counted: `INSERT INTO pipeline_counters (name, value)
    SELECT 'events_stored', count(*) FROM ${mine} WHERE true
    ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
});

const SQL = {
  lastBatch: `INSERT INTO pipeline_counters (name, value) VALUES ('last_batch_at', ?1)
    ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`,
  // Last: the statements before it find this batch's rows as seq > last_seq.
  advanceSeq: `INSERT INTO pipeline_counters (name, value) VALUES ('last_seq', ?1)
    ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
} as const;

/** JSON bytes per insert statement's parameter: D1 allows 100 KB per statement. */
export const MAX_CHUNK_BYTES = 90_000;

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

/** A JSON array of rows (`rows`) and how many rows it holds. */
export interface RowChunk {
  rows: string;
  count: number;
}

/** JSON arrays of rows, each ≤ MAX_CHUNK_BYTES (a single oversized row travels alone). */
export function rowChunks(events: readonly TrafficEvent[]): RowChunk[] {
  const chunks: RowChunk[] = [];
  let parts: string[] = [];
  let bytes = 2;
  const flush = () => {
    chunks.push({ rows: `[${parts.join(",")}]`, count: parts.length });
    parts = [];
    bytes = 2;
  };
  for (const event of events) {
    const json = JSON.stringify(eventRow(event));
    const size = utf8Bytes(json);
    if (parts.length > 0 && bytes + 1 + size > MAX_CHUNK_BYTES) flush();
    parts.push(json);
    bytes += size + 1;
  }
  if (parts.length > 0) flush();
  return chunks;
}

/** The order the write path inserts a slot's events in (see bySlot). */
export const byId = (a: TrafficEvent, b: TrafficEvent): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The events by the slot of their day, slots ascending, each slot's events in id order. Ids
 * arrive in random order (client UUIDs, or ours led by ts over many hours): inserted in that
 * order, each row of a delivery lands on another page of the growing unique id index, and the
 * insert slows as the day's table grows. In id order a delivery walks the index once, left to
 * right (and so do the lookups in the other slots). The sort is stable: of one id given twice
 * for the same day, the first is the one stored, as before; given for two days, the copy in the
 * lower-numbered slot is (slots are written in ascending order).
 */
function bySlot(events: readonly TrafficEvent[]): Map<number, TrafficEvent[]> {
  const slots = new Map<number, TrafficEvent[]>();
  for (const event of events) {
    const slot = slotOf(event.ts);
    const list = slots.get(slot);
    if (list) list.push(event);
    else slots.set(slot, [event]);
  }
  for (const list of slots.values()) list.sort(byId);
  return new Map([...slots].sort(([a], [b]) => a - b));
}

/** The detail-row inserts of a write, the slots they touch and how many rows they number. */
export interface DetailInserts {
  statements: D1PreparedStatement[];
  slots: number[];
  numbered: number;
}

/**
 * The inserts that store `events` in their day's slot unless some slot holds their id: the first
 * part of every write, and on their own the floor the consumer bench compares against. Numbering
 * stays valid only if `advanceSeqStatement(db, numbered)` ends the same transaction.
 */
export function detailInsertStatements(db: D1Database, events: readonly TrafficEvent[]): DetailInserts {
  const slots = bySlot(events);
  const statements: D1PreparedStatement[] = [];
  let numbered = 0;
  for (const [slot, slotEvents] of slots)
    for (const chunk of rowChunks(slotEvents)) {
      statements.push(db.prepare(SLOT_SQL[slot]?.insert ?? "").bind(chunk.rows, numbered));
      numbered += chunk.count;
    }
  return { statements, slots: [...slots.keys()], numbered };
}

/** The last statement of a write: hands out the seqs its inserts numbered. */
export const advanceSeqStatement = (db: D1Database, numbered: number): D1PreparedStatement =>
  db.prepare(SQL.advanceSeq).bind(numbered);

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
  const inserts = detailInsertStatements(db, events);
  const mine = slotRows(
    inserts.slots,
    "ts, path, method, status, duration_ms, latency_bucket, bytes",
    `seq > ${LAST_SEQ}`,
  );
  const sql = aggregateSql(mine);
  return [
    ...inserts.statements,
    db.prepare(sql.admitPaths).bind(options.maxPathsPerDay),
    ...inserts.slots.map((slot) => db.prepare(SLOT_SQL[slot]?.cap ?? "")),
    db.prepare(sql.hourly),
    db.prepare(sql.latency),
    db.prepare(sql.pending),
    db.prepare(sql.counted),
    db.prepare(SQL.lastBatch).bind(now),
    advanceSeqStatement(db, inserts.numbered),
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
