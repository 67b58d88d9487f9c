/**
 * The content of a KV snapshot: the top-N paths of a range by requests, each with its counts,
 * error rate, latency percentiles and unique clients — read through db/read-stats.ts, so the
 * numbers are the same as the stats API's whatever rollup, archive and cleanup have done.
 */
import { type HourRange, readLatencyHistogram, readUniqueClients } from "../db/read-stats";
import { percentiles } from "../sketches/latency";

export interface SnapshotPath {
  path: string;
  method: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  /** (errors4xx + errors5xx) / requests. */
  errorRate: number;
  /** Milliseconds; percentiles within 1%, avg exact. */
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; avg: number | null };
  uniqueClients: number;
}

interface TopRow {
  path: string;
  method: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  durationSumMs: number;
}

/** Paths read concurrently; D1 queues the rest anyway, this keeps memory flat. */
const CONCURRENCY = 8;

async function describe(db: D1Database, range: HourRange, row: TopRow): Promise<SnapshotPath> {
  const filter = { path: row.path, method: row.method };
  const [histogram, uniqueClients] = await Promise.all([
    readLatencyHistogram(db, range, filter),
    readUniqueClients(db, range, filter),
  ]);
  return {
    path: row.path,
    method: row.method,
    requests: row.requests,
    errors4xx: row.errors4xx,
    errors5xx: row.errors5xx,
    errorRate: row.requests > 0 ? (row.errors4xx + row.errors5xx) / row.requests : 0,
    latencyMs: {
      ...percentiles(histogram),
      avg: row.requests > 0 ? Math.round((row.durationSumMs / row.requests) * 1000) / 1000 : null,
    },
    uniqueClients,
  };
}

/** The top `n` (path, method) pairs of `range` by requests (ties by path, method). */
export async function readTopPaths(db: D1Database, range: HourRange, n: number): Promise<SnapshotPath[]> {
  const { results } = await db
    .prepare(
      `SELECT path, method, sum(requests) AS requests, sum(status_4xx) AS errors4xx,
         sum(status_5xx) AS errors5xx, sum(duration_sum_ms) AS durationSumMs
       FROM path_stats_hourly WHERE hour >= ?1 AND hour < ?2
       GROUP BY path, method ORDER BY requests DESC, path, method LIMIT ?3`,
    )
    .bind(range.fromHour, range.toHour, n)
    .all<TopRow>();
  const paths: SnapshotPath[] = [];
  for (let i = 0; i < results.length; i += CONCURRENCY) {
    paths.push(
      ...(await Promise.all(results.slice(i, i + CONCURRENCY).map((row) => describe(db, range, row)))),
    );
  }
  return paths;
}
