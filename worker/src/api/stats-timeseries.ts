/**
 * The time series of a range: one point per UTC hour or day, every bucket present (zeros and
 * null latencies where there was no traffic), for all traffic or one path and/or method.
 */
import type { HourRange, PathFilter } from "../db/read-stats";
import { readClientsBy } from "../db/stats-clients";
import { NO_COUNTS, readCountersBy } from "../db/stats-counters";
import { timeKey } from "../db/stats-grouping";
import { readLatencyBy } from "../db/stats-latency";
import { errorRate } from "../shared/stats-math";
import { isoTime } from "../shared/time";
import { percentiles } from "../sketches/latency";
import type { Point } from "./stats-schemas";

export interface TimeseriesInput {
  range: HourRange;
  /** HOUR_MS or DAY_MS; the range is aligned to it. */
  stepMs: number;
  filter: PathFilter;
}

/** Every bucket of the range, oldest first. */
export async function readTimeseries(db: D1Database, input: TimeseriesInput): Promise<Point[]> {
  const grouping = { by: "time" as const, stepMs: input.stepMs };
  const [counters, latency, clients] = await Promise.all([
    readCountersBy(db, input.range, input.filter, grouping),
    readLatencyBy(db, input.range, input.filter, grouping),
    readClientsBy(db, input.range, input.filter, grouping),
  ]);
  const points: Point[] = [];
  for (let t = input.range.fromHour; t < input.range.toHour; t += input.stepMs) {
    const key = timeKey(t);
    const c = counters.get(key) ?? NO_COUNTS;
    points.push({
      t: isoTime(t),
      requests: c.requests,
      errors4xx: c.errors4xx,
      errors5xx: c.errors5xx,
      errorRate: errorRate(c.requests, c.errors4xx, c.errors5xx),
      // A bucket without requests has no latency, even where the sketch is a tiered day's: its
      // hours share the day's histogram, and an empty hour would show the busy ones' percentiles.
      latencyMs: percentiles(c.requests > 0 ? (latency.get(key) ?? new Map()) : new Map()),
      uniqueClients: clients.get(key) ?? 0,
    });
  }
  return points;
}
