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
import type { LatencyHistogram } from "../sketches/latency";
import { readClientsBy } from "./stats-clients";
import { TOTAL_KEY } from "./stats-grouping";
import { readLatencyBy } from "./stats-latency";

export interface HourRange {
  fromHour: number;
  toHour: number;
}

export interface PathFilter {
  path?: string;
  method?: string;
}

/**
 * The merged latency histogram of every (path, method, hour) in range matching the filter.
 * The grouped form (per path, per time bucket) is readLatencyBy in stats-latency.ts.
 */
export async function readLatencyHistogram(
  db: D1Database,
  range: HourRange,
  filter: PathFilter = {},
): Promise<LatencyHistogram> {
  const byKey = await readLatencyBy(db, range, filter, { by: "total" });
  return byKey.get(TOTAL_KEY) ?? new Map();
}

/**
 * Distinct clients in range matching the filter: exact while hot, HyperLogLog once cleaned.
 * The grouped form is readClientsBy in stats-clients.ts.
 */
export async function readUniqueClients(
  db: D1Database,
  range: HourRange,
  filter: PathFilter = {},
): Promise<number> {
  const byKey = await readClientsBy(db, range, filter, { by: "total" });
  return byKey.get(TOTAL_KEY) ?? 0;
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
