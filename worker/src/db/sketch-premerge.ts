/**
 * D1 access to the daily pre-merged sketches (migrations/0006): which closed days wait for a
 * merge, a day's hourly-sketch fingerprint, and the writes — the merged rows, the fingerprint that
 * makes them readable (guarded: written only if the hourly sketches are still those merged and no
 * hour of the day is pending), and the invalidations the rollup and the tiering commit alongside
 * their own writes. Read by stats-sketch-rows.ts.
 */
import { DAY_MS } from "../shared/time";
import { casGuard, type SketchKind } from "./sketch-store";
import { fromHex } from "./stats-sketch-rows";

/** How a day's hourly sketches are fingerprinted: count + sum(version), which only grow. */
const FINGERPRINT = "count(*) + coalesce(sum(version), 0)";
const DAY_PENDING = "EXISTS (SELECT 1 FROM rollup_pending WHERE hour >= ?1 AND hour < ?1 + ?2)";

/**
 * Closed days (ending at or before `closedBefore`, starting at or after `from`) waiting for a
 * merge, with no hour pending, newest first (the most read), at most `limit`.
 */
export async function daysToPremerge(
  db: D1Database,
  window: { from: number; closedBefore: number; limit: number },
): Promise<number[]> {
  const { results } = await db
    .prepare(
      `SELECT day FROM sketch_days d WHERE fingerprint IS NULL AND day >= ?1 AND day + ?3 <= ?2
         AND NOT EXISTS (SELECT 1 FROM rollup_pending p WHERE p.hour >= d.day AND p.hour < d.day + ?3)
       ORDER BY day DESC LIMIT ?4`,
    )
    .bind(window.from, window.closedBefore, DAY_MS, window.limit)
    .all<{ day: number }>();
  return results.map((r) => r.day);
}

/** The (path, method) groups with hourly sketches in a day, and the day's fingerprint. */
export async function readDayGroups(
  db: D1Database,
  day: number,
): Promise<{ groups: [string, string][]; fingerprint: number }> {
  const { results } = await db
    .prepare(
      `SELECT path, method, ${FINGERPRINT} AS n FROM path_sketches
       WHERE grain = 'hour' AND start >= ?1 AND start < ?1 + ?2 GROUP BY path, method`,
    )
    .bind(day, DAY_MS)
    .all<{ path: string; method: string; n: number }>();
  return {
    groups: results.map((r) => [r.path, r.method]),
    fingerprint: results.reduce((sum, r) => sum + r.n, 0),
  };
}

/** The hourly sketches (both kinds) of `groups` in a day, each group by its unique index. */
export async function readHourlySketchesOfGroups(
  db: D1Database,
  day: number,
  groups: readonly (readonly [string, string])[],
): Promise<PremergedSketch[]> {
  // hex(): a BLOB crosses the D1 boundary as an array of numbers, ~4× slower than its hex text.
  const { results } = await db
    .prepare(
      `SELECT s.kind, s.path, s.method, hex(s.sketch) AS sketch FROM json_each(?3) AS g
       CROSS JOIN path_sketches AS s ON s.kind IN ('latency', 'clients') AND s.grain = 'hour'
         AND s.path = g.value ->> '$[0]' AND s.method = g.value ->> '$[1]' AND s.start >= ?1 AND s.start < ?1 + ?2`,
    )
    .bind(day, DAY_MS, JSON.stringify(groups))
    .all<{ kind: SketchKind; path: string; method: string; sketch: string }>();
  return results.map((r) => ({ ...r, sketch: fromHex(r.sketch) }));
}

/** A sketch of a (path, method) to merge or store. */
export interface PremergedSketch {
  kind: SketchKind;
  path: string;
  method: string;
  sketch: Uint8Array;
}

/**
 * Upserts of a day's merged sketches at `fingerprint`. A row merged at a newer fingerprint is
 * never replaced by an older one (a slower concurrent merge), so rows only move forward.
 */
export const premergedRowStatements = (
  db: D1Database,
  day: number,
  fingerprint: number,
  sketches: readonly PremergedSketch[],
): D1PreparedStatement[] =>
  sketches.map((s) =>
    db
      .prepare(
        `INSERT INTO path_sketches_premerged (kind, path, method, day, fingerprint, sketch)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (kind, day, path, method) DO UPDATE SET fingerprint = excluded.fingerprint,
           sketch = excluded.sketch WHERE excluded.fingerprint >= fingerprint`,
      )
      .bind(s.kind, s.path, s.method, day, fingerprint, s.sketch),
  );

/**
 * Makes the day's rows at `fingerprint` readable. The batch fails (cas_guard) unless the day's
 * hourly sketches still have that fingerprint and none of its hours is pending; then the day
 * stays unmerged and the next rollup merges it again.
 */
export const publishPremergeStatements = (
  db: D1Database,
  day: number,
  fingerprint: number,
): D1PreparedStatement[] => [
  db
    .prepare(
      `INSERT INTO cas_guard (lost) SELECT 1 WHERE ${DAY_PENDING} OR (SELECT ${FINGERPRINT} FROM path_sketches
         WHERE grain = 'hour' AND start >= ?1 AND start < ?1 + ?2) <> ?3`,
    )
    .bind(day, DAY_MS, fingerprint),
  db.prepare("UPDATE sketch_days SET fingerprint = ?2 WHERE day = ?1").bind(day, fingerprint),
  casGuard(db, 1),
];

/**
 * Marks the day of `hour` as to be merged again (its pre-merged rows unreadable until then); the
 * rollup runs it in the batch that takes the hour off rollup_pending.
 */
export const invalidatePremergeStatement = (db: D1Database, hour: number): D1PreparedStatement =>
  db
    .prepare(
      `INSERT INTO sketch_days (day, fingerprint) VALUES (?1 - ?1 % ?2, NULL)
       ON CONFLICT (day) DO UPDATE SET fingerprint = NULL`,
    )
    .bind(hour, DAY_MS);

/**
 * Drops a day's pre-merged rows of `groups` and its fingerprint, in the batch that tiers those
 * groups' hourly sketches into daily ones (which then answer for the day on their own).
 */
export const dropPremergeStatements = (
  db: D1Database,
  day: number,
  groups: readonly (readonly [string, string])[],
): D1PreparedStatement[] => [
  db.prepare("DELETE FROM sketch_days WHERE day = ?1").bind(day),
  db
    .prepare(
      `DELETE FROM path_sketches_premerged WHERE kind IN ('latency', 'clients') AND day = ?1
       AND (path, method) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?2))`,
    )
    .bind(day, JSON.stringify(groups)),
];
