/**
 * Reads shared by the stats API and the snapshot job: counters, latency histograms and unique
 * clients over a half-open range of whole hours [fromHour, toHour) (epoch ms).
 *
 * Latency and unique clients are read through these functions only, so the lifecycle jobs can
 * add their compacted sketches and HyperLogLogs here without touching the callers.
 */
import { addToHistogram, type LatencyHistogram } from "../sketches/latency";

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

/** The merged latency histogram of every (path, method, hour) in range matching the filter. */
export async function readLatencyHistogram(
  db: D1Database,
  range: HourRange,
  filter: PathFilter = {},
): Promise<LatencyHistogram> {
  const f = filterSql(filter, 3);
  const { results } = await db
    .prepare(
      `SELECT bucket, sum(count) AS count FROM path_latency_hourly
       WHERE hour >= ?1 AND hour < ?2 ${f.sql} GROUP BY bucket`,
    )
    .bind(range.fromHour, range.toHour, ...f.params)
    .all<{ bucket: number; count: number }>();
  const histogram: LatencyHistogram = new Map();
  for (const row of results) addToHistogram(histogram, row.bucket, row.count);
  return histogram;
}

/** Distinct clients in range matching the filter, exact while the detail rows are hot. */
export async function readUniqueClients(
  db: D1Database,
  range: HourRange,
  filter: PathFilter = {},
): Promise<number> {
  const f = filterSql(filter, 3);
  const row = await db
    .prepare(
      `SELECT count(DISTINCT client_hash) AS n FROM traffic_events
       WHERE ts >= ?1 AND ts < ?2 ${f.sql}`,
    )
    .bind(range.fromHour, range.toHour, ...f.params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
