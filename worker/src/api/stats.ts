/**
 * Stats API: `GET /summary?from&to` — totals of a time range, read from the hourly aggregates
 * (counts, status classes, duration sum/max), the merged latency sketch and the detail rows
 * (unique clients). The full query API (paths, timeseries) builds on the same reads.
 */
import { type HourRange, readLatencyHistogram, readUniqueClients } from "../db/read-stats";
import { NO_COUNTS, readCountersBy } from "../db/stats-counters";
import { TOTAL_KEY } from "../db/stats-grouping";
import { errorRate, latencyFigures } from "../shared/stats-math";
import { isoTime } from "../shared/time";

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

/** The summary of one whole-hour range. */
export async function readSummary(db: D1Database, range: HourRange): Promise<Summary> {
  const [counters, histogram, uniqueClients] = await Promise.all([
    readCountersBy(db, range, {}, { by: "total" }),
    readLatencyHistogram(db, range),
    readUniqueClients(db, range),
  ]);
  const totals = counters.get(TOTAL_KEY) ?? NO_COUNTS;
  const { requests, errors4xx, errors5xx } = totals;
  return {
    from: isoTime(range.fromHour),
    to: isoTime(range.toHour),
    requests,
    errors4xx,
    errors5xx,
    errorRate: errorRate(requests, errors4xx, errors5xx),
    latencyMs: {
      ...latencyFigures(histogram, totals.durationSumMs, requests),
      max: requests > 0 ? totals.durationMaxMs : null,
    },
    uniqueClients,
    paths: totals.paths,
  };
}
