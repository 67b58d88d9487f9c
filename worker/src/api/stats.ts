/**
 * The summary of a time range (`GET /api/stats/summary`, routed in stats-routes.ts): totals read
 * from the hourly aggregates (counts, status classes, duration sum/max), the merged latency
 * sketch and the unique clients — the same grouped reads the leaderboard and time series use.
 */
import { type HourRange, readLatencyHistogram, readUniqueClients } from "../db/read-stats";
import { OTHER_PATH } from "../db/write-events";
import { percentiles } from "../sketches/latency";
import { isoTime } from "./range";

export interface Summary {
  /** Start of the range as aligned to whole UTC hours, ISO-8601. */
  from: string;
  /** Exclusive end of the range as aligned to whole UTC hours, ISO-8601. */
  to: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  /** (errors4xx + errors5xx) / requests, a fraction in [0, 1]; 0 when there were no requests. */
  errorRate: number;
  /** Milliseconds; percentiles within 1% (DDSketch), avg and max exact; null without requests. */
  latencyMs: {
    p50: number | null;
    p95: number | null;
    p99: number | null;
    avg: number | null;
    max: number | null;
  };
  /** Distinct client hashes in the range. */
  uniqueClients: number;
  /** Distinct path templates seen in the range; the `(other)` overflow bucket is not a template. */
  paths: number;
}

interface Totals {
  requests: number;
  errors4xx: number;
  errors5xx: number;
  durationSumMs: number;
  durationMaxMs: number | null;
  paths: number;
}

/** Exact totals of path_stats_hourly over [fromHour, toHour). */
async function readTotals(db: D1Database, range: HourRange): Promise<Totals> {
  const row = await db
    .prepare(
      `SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(status_4xx), 0) AS errors4xx,
         coalesce(sum(status_5xx), 0) AS errors5xx, coalesce(sum(duration_sum_ms), 0) AS durationSumMs,
         max(duration_max_ms) AS durationMaxMs, count(DISTINCT nullif(path, ?3)) AS paths
       FROM path_stats_hourly WHERE hour >= ?1 AND hour < ?2`,
    )
    .bind(range.fromHour, range.toHour, OTHER_PATH)
    .first<Totals>();
  return row ?? { requests: 0, errors4xx: 0, errors5xx: 0, durationSumMs: 0, durationMaxMs: null, paths: 0 };
}

/** The summary of one whole-hour range. */
export async function readSummary(db: D1Database, range: HourRange): Promise<Summary> {
  const [totals, histogram, uniqueClients] = await Promise.all([
    readTotals(db, range),
    readLatencyHistogram(db, range),
    readUniqueClients(db, range),
  ]);
  const { requests, errors4xx, errors5xx } = totals;
  const hasRequests = requests > 0;
  return {
    from: isoTime(range.fromHour),
    to: isoTime(range.toHour),
    requests,
    errors4xx,
    errors5xx,
    errorRate: hasRequests ? (errors4xx + errors5xx) / requests : 0,
    latencyMs: {
      ...percentiles(histogram),
      // Microsecond precision is far below anything a latency reader cares about.
      avg: hasRequests ? Math.round((totals.durationSumMs / requests) * 1000) / 1000 : null,
      max: hasRequests ? totals.durationMaxMs : null,
    },
    uniqueClients,
    paths: totals.paths,
  };
}
