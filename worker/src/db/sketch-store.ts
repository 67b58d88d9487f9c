/**
 * D1 access to the compacted sketches (path_sketches): reads, and compare-and-swap writes.
 *
 * Every sketch update is a read-modify-write in JS (HyperLogLog and bucket merges cannot be done
 * in SQL), so each write is conditional on the version read (or on the row still being absent)
 * and followed by a guard: `INSERT INTO cas_guard SELECT 1 WHERE changes() <> 1`. cas_guard's
 * CHECK forbids any row, so a lost race fails the statement and D1 rolls the whole batch back;
 * the caller re-reads and retries. Two concurrent jobs can therefore never lose or double a merge.
 */
import { DAY_MS } from "../shared/time";

export type Grain = "hour" | "day";
export type SketchKind = "latency" | "clients";

/** path and method of the all-paths total sketch (no real path or method looks like this). */
export const ALL = "*";

export interface SketchKey {
  kind: SketchKind;
  grain: Grain;
  start: number;
  path: string;
  method: string;
}

export interface StoredSketch extends SketchKey {
  id: number;
  version: number;
  sketch: Uint8Array;
}

/** The latency and client sketches of one (grain, start, path, method), where they exist. */
export type SketchPair = Partial<Record<SketchKind, StoredSketch>>;

interface SketchRow extends Omit<StoredSketch, "sketch"> {
  sketch: unknown;
}

/** D1 returns BLOBs as arrays of byte values (or ArrayBuffers in some runtimes). */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return Uint8Array.from(value as number[]);
  throw new TypeError("expected a BLOB column");
}

const toSketch = (row: SketchRow): StoredSketch => ({ ...row, sketch: toBytes(row.sketch) });

/** A collision-free map key for (path, method): paths may contain any separator. */
export const groupKey = (path: string, method: string): string => JSON.stringify([path, method]);

const COLUMNS = "id, kind, grain, start, path, method, version, sketch";
const IN_GROUPS = "(path, method) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?3))";

/** The sketches of `groups` at (grain, start), by groupKey. */
export async function readSketchesAt(
  db: D1Database,
  grain: Grain,
  start: number,
  groups: readonly (readonly [string, string])[],
): Promise<Map<string, SketchPair>> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM path_sketches
       WHERE kind IN ('latency', 'clients') AND grain = ?1 AND start = ?2 AND ${IN_GROUPS}`,
    )
    .bind(grain, start, JSON.stringify(groups))
    .all<SketchRow>();
  const pairs = new Map<string, SketchPair>();
  for (const row of results) {
    const key = groupKey(row.path, row.method);
    pairs.set(key, { ...pairs.get(key), [row.kind]: toSketch(row) });
  }
  return pairs;
}

/** Hourly sketches (both kinds) of `groups` in the UTC day starting at `day`. */
export async function readHourlySketchesOfDay(
  db: D1Database,
  day: number,
  groups: readonly (readonly [string, string])[],
): Promise<StoredSketch[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM path_sketches WHERE grain = 'hour' AND start >= ?1 AND start < ?2 AND ${IN_GROUPS}`,
    )
    .bind(day, day + DAY_MS, JSON.stringify(groups))
    .all<SketchRow>();
  return results.map(toSketch);
}

/** Fails the batch (rolling it back) unless the previous statement changed exactly `expected` rows. */
export const casGuard = (db: D1Database, expected: number): D1PreparedStatement =>
  db.prepare("INSERT INTO cas_guard (lost) SELECT 1 WHERE changes() <> ?1").bind(expected);

/** True when a batch failed because a compare-and-swap lost a race (retry after re-reading). */
export const isCasConflict = (error: unknown): boolean =>
  error instanceof Error && /CHECK constraint failed: lost = 0/.test(error.message);

/**
 * Statements writing a sketch if it is still as read: `expected` is the row read before the
 * merge, or undefined when there was none (then the row must still be absent).
 */
export function casWriteStatements(
  db: D1Database,
  key: SketchKey,
  expected: StoredSketch | undefined,
  sketch: Uint8Array,
): D1PreparedStatement[] {
  const write = expected
    ? db
        .prepare("UPDATE path_sketches SET sketch = ?2, version = version + 1 WHERE id = ?1 AND version = ?3")
        .bind(expected.id, sketch, expected.version)
    : db
        .prepare(
          `INSERT INTO path_sketches (kind, grain, start, path, method, sketch, version)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT DO NOTHING`,
        )
        .bind(key.kind, key.grain, key.start, key.path, key.method, sketch);
  return [write, casGuard(db, 1)];
}

/** Starts of the UTC days holding hourly sketches that start before `cutoff`, oldest first. */
export async function hourlySketchDaysBefore(db: D1Database, cutoff: number): Promise<number[]> {
  const { results } = await db
    .prepare(
      `SELECT DISTINCT start - start % ${DAY_MS} AS day FROM path_sketches
       WHERE grain = 'hour' AND start < ?1 ORDER BY day`,
    )
    .bind(cutoff)
    .all<{ day: number }>();
  return results.map((r) => r.day);
}

/** The (path, method) groups with hourly sketches in the UTC day starting at `day`. */
export async function hourlySketchGroupsOfDay(db: D1Database, day: number): Promise<[string, string][]> {
  const { results } = await db
    .prepare(
      "SELECT DISTINCT path, method FROM path_sketches WHERE grain = 'hour' AND start >= ?1 AND start < ?2",
    )
    .bind(day, day + DAY_MS)
    .all<{ path: string; method: string }>();
  return results.map((r) => [r.path, r.method]);
}

/** Statements deleting hourly sketches at the versions read; the batch fails if any changed. */
export const deleteSketchesStatements = (
  db: D1Database,
  sketches: readonly Pick<StoredSketch, "id" | "version">[],
): D1PreparedStatement[] => [
  db
    .prepare(
      `DELETE FROM path_sketches WHERE grain = 'hour'
       AND (id, version) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?1))`,
    )
    .bind(JSON.stringify(sketches.map((s) => [s.id, s.version]))),
  casGuard(db, sketches.length),
];
