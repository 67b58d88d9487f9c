/**
 * Reads shared by the stats API and the snapshot job: latency histograms and unique clients
 * over a half-open range of whole hours [fromHour, toHour) (epoch ms). Callers never see where
 * the numbers live; the lifecycle jobs move them without changing any answer:
 *
 * - Latency: bucket rows not yet compacted (path_latency_hourly) + the compacted sketches
 *   (path_sketches). Rollup moves counts from the first to the second in one transaction, so
 *   the sum is exact at every moment. A day whose hourly sketches were merged into a daily one
 *   is read whole when the range covers only part of it (the finest resolution kept).
 * - Unique clients: exact `count(DISTINCT client_hash)` while no day of the range has lost
 *   detail rows to cleanup. Otherwise (a "mixed" or cold range) the HyperLogLog union of the
 *   stored sketches covering the range and of the client hashes of the hours still pending
 *   rollup (rows not in any sketch yet; late rows of a cleaned day included) — within 1.7%,
 *   and exact for up to a few hundred clients while the union stays sparse.
 */
import { DAY_MS, HOUR_MS, isoDay } from "../shared/time";
import { decodeHll, decodeLatency } from "../sketches/codec";
import { HyperLogLog } from "../sketches/hll";
import { addToHistogram, type LatencyHistogram } from "../sketches/latency";
import { anyDayCleaning } from "./day-lifecycle";
import { ALL, type SketchKind, toBytes } from "./sketch-store";
import { OTHER_PATH } from "./write-events";

export interface HourRange {
  fromHour: number;
  toHour: number;
}

export interface PathFilter {
  path?: string;
  method?: string;
}

/** `AND path = ? AND method = ?` for the filters that are set, with their params. */
export function filterSql(filter: PathFilter, firstParam: number): { sql: string; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  if (filter.path !== undefined) {
    params.push(filter.path);
    parts.push(`AND path = ?${firstParam + params.length - 1}`);
  }
  if (filter.method !== undefined) {
    params.push(filter.method);
    parts.push(`AND method = ?${firstParam + params.length - 1}`);
  }
  return { sql: parts.join(" "), params };
}

/** Sketch rows matching the filter; no filter at all reads the all-paths total sketches. */
const sketchFilterSql = (filter: PathFilter, firstParam: number) =>
  filter.path === undefined && filter.method === undefined
    ? filterSql({ path: ALL, method: ALL }, firstParam)
    : filterSql(filter, firstParam);

/** Every sketch of `kind` covering the range: hourly ones inside it, daily ones overlapping it. */
async function readCoveringSketches(
  db: D1Database,
  range: HourRange,
  filter: PathFilter,
  kind: SketchKind,
): Promise<Uint8Array[]> {
  const f = sketchFilterSql(filter, 5);
  const { results } = await db
    .prepare(
      `SELECT sketch FROM path_sketches WHERE kind = ?4
       AND ((grain = 'hour' AND start >= ?1 AND start < ?2) OR (grain = 'day' AND start > ?3 AND start < ?2))
       ${f.sql}`,
    )
    .bind(range.fromHour, range.toHour, range.fromHour - DAY_MS, kind, ...f.params)
    .all<{ sketch: unknown }>();
  return results.map((row) => toBytes(row.sketch));
}

/** The merged latency histogram of every (path, method, hour) in range matching the filter. */
export async function readLatencyHistogram(
  db: D1Database,
  range: HourRange,
  filter: PathFilter = {},
): Promise<LatencyHistogram> {
  const f = filterSql(filter, 3);
  const [{ results }, sketches] = await Promise.all([
    db
      .prepare(
        `SELECT bucket, sum(count) AS count FROM path_latency_hourly
         WHERE hour >= ?1 AND hour < ?2 ${f.sql} GROUP BY bucket`,
      )
      .bind(range.fromHour, range.toHour, ...f.params)
      .all<{ bucket: number; count: number }>(),
    readCoveringSketches(db, range, filter, "latency"),
  ]);
  const histogram: LatencyHistogram = new Map();
  for (const row of results) addToHistogram(histogram, row.bucket, row.count);
  for (const bytes of sketches) decodeLatency(bytes, histogram);
  return histogram;
}

/** Distinct clients in range matching the filter: exact while hot, HyperLogLog once cleaned. */
export async function readUniqueClients(
  db: D1Database,
  range: HourRange,
  filter: PathFilter = {},
): Promise<number> {
  const f = filterSql(filter, 3);
  if (!(await anyDayCleaning(db, isoDay(range.fromHour), isoDay(range.toHour - 1)))) {
    const row = await db
      .prepare(
        `SELECT count(DISTINCT client_hash) AS n FROM traffic_events
         WHERE ts >= ?1 AND ts < ?2 ${f.sql}`,
      )
      .bind(range.fromHour, range.toHour, ...f.params)
      .first<{ n: number }>();
    return row?.n ?? 0;
  }
  const [sketches, pending] = await Promise.all([
    readCoveringSketches(db, range, filter, "clients"),
    db
      .prepare(
        `SELECT DISTINCT client_hash AS hash FROM traffic_events
         WHERE ts >= ?1 AND ts < ?2 ${f.sql}
         AND ts - ts % ${HOUR_MS} IN (SELECT hour FROM rollup_pending WHERE hour >= ?1 AND hour < ?2)`,
      )
      .bind(range.fromHour, range.toHour, ...f.params)
      .all<{ hash: string }>(),
  ]);
  const union = new HyperLogLog();
  for (const bytes of sketches) union.merge(await decodeHll(bytes));
  for (const row of pending.results) union.add(row.hash);
  return union.count();
}

/** Exact totals of a range: counts, duration sum and max, distinct path templates. */
export interface RangeTotals {
  requests: number;
  errors4xx: number;
  errors5xx: number;
  durationSumMs: number;
  durationMaxMs: number | null;
  paths: number;
}

/** Exact totals of path_stats_hourly over [fromHour, toHour); `(other)` is not counted as a path. */
export async function readRangeTotals(db: D1Database, range: HourRange): Promise<RangeTotals> {
  const row = await db
    .prepare(
      `SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(status_4xx), 0) AS errors4xx,
         coalesce(sum(status_5xx), 0) AS errors5xx, coalesce(sum(duration_sum_ms), 0) AS durationSumMs,
         max(duration_max_ms) AS durationMaxMs, count(DISTINCT nullif(path, ?3)) AS paths
       FROM path_stats_hourly WHERE hour >= ?1 AND hour < ?2`,
    )
    .bind(range.fromHour, range.toHour, OTHER_PATH)
    .first<RangeTotals>();
  return row ?? { requests: 0, errors4xx: 0, errors5xx: 0, durationSumMs: 0, durationMaxMs: null, paths: 0 };
}

/** Totals of one (path, method) over a range, as ranked by `readTopPathTotals`. */
export interface PathTotals {
  path: string;
  method: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  durationSumMs: number;
}

/** The top `n` (path, method) pairs of `range` by requests (ties by path, method). */
export async function readTopPathTotals(db: D1Database, range: HourRange, n: number): Promise<PathTotals[]> {
  const { results } = await db
    .prepare(
      `SELECT path, method, sum(requests) AS requests, sum(status_4xx) AS errors4xx,
         sum(status_5xx) AS errors5xx, sum(duration_sum_ms) AS durationSumMs
       FROM path_stats_hourly WHERE hour >= ?1 AND hour < ?2
       GROUP BY path, method ORDER BY requests DESC, path, method LIMIT ?3`,
    )
    .bind(range.fromHour, range.toHour, n)
    .all<PathTotals>();
  return results;
}
