/**
 * The content of a KV snapshot: the top-N paths of a range by requests, each with its counts,
 * error rate, latency percentiles and unique clients — read through db/read-stats.ts, so the
 * numbers are the same as the stats API's whatever rollup, archive and cleanup have done.
 */
import {
  type HourRange,
  type PathTotals,
  readLatencyHistogram,
  readTopPathTotals,
  readUniqueClients,
} from "../db/read-stats";
import type { SnapshotPath } from "../shared/snapshot";
import { errorRate, latencyFigures } from "../shared/stats-math";

/** Paths read concurrently; D1 queues the rest anyway, this keeps memory flat. */
const CONCURRENCY = 8;

async function readPathFigures(db: D1Database, range: HourRange, row: PathTotals): Promise<SnapshotPath> {
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
    errorRate: errorRate(row.requests, row.errors4xx, row.errors5xx),
    latencyMs: latencyFigures(histogram, row.durationSumMs, row.requests),
    uniqueClients,
  };
}

/** The top `n` (path, method) pairs of `range` by requests (ties by path, method), each described. */
export async function readTopPaths(db: D1Database, range: HourRange, n: number): Promise<SnapshotPath[]> {
  const results = await readTopPathTotals(db, range, n);
  const paths: SnapshotPath[] = [];
  for (let i = 0; i < results.length; i += CONCURRENCY) {
    paths.push(
      ...(await Promise.all(results.slice(i, i + CONCURRENCY).map((row) => readPathFigures(db, range, row)))),
    );
  }
  return paths;
}
