/**
 * Two ranges side by side per (path, method): requests, error rate and p95 of each and their
 * change. Rows are the paths seen in either range, by current requests, then base requests;
 * latency sketches are read only for the rows answered.
 */
import type { HourRange, PathFilter } from "../db/read-stats";
import { groupKey } from "../db/sketch-store";
import { type Counters, NO_COUNTS, readCountersBy } from "../db/stats-counters";
import type { PathGroup } from "../db/stats-grouping";
import { readLatencyBy } from "../db/stats-latency";
import { errorRate } from "../shared/stats-math";
import { percentiles } from "../sketches/latency";
import type { CompareRow } from "./stats-schemas";

export interface CompareInput {
  current: HourRange;
  base: HourRange;
  limit: number;
  method?: string;
}

/** The compared rows, at most `limit`. */
export async function readComparison(db: D1Database, input: CompareInput): Promise<CompareRow[]> {
  const filter: PathFilter = input.method === undefined ? {} : { method: input.method };
  const [current, base] = await Promise.all([
    readCountersBy(db, input.current, filter, { by: "path" }),
    readCountersBy(db, input.base, filter, { by: "path" }),
  ]);
  const keys = [...new Set([...current.keys(), ...base.keys()])];
  const sideOf = (counters: Map<string, Counters>, key: string) => counters.get(key) ?? NO_COUNTS;
  const groupOf = (key: string): PathGroup => JSON.parse(key) as [string, string];
  const chosen = keys
    .sort(
      (a, b) =>
        sideOf(current, b).requests - sideOf(current, a).requests ||
        sideOf(base, b).requests - sideOf(base, a).requests ||
        (a < b ? -1 : 1),
    )
    .slice(0, input.limit);
  if (chosen.length === 0) return [];
  const grouping = { by: "path" as const, only: chosen.map(groupOf) };
  const [currentLatency, baseLatency] = await Promise.all([
    readLatencyBy(db, input.current, filter, grouping),
    readLatencyBy(db, input.base, filter, grouping),
  ]);
  return chosen.map((key) => {
    const [path, method] = groupOf(key);
    const side = (counters: Map<string, Counters>, latency: typeof currentLatency) => {
      const c = sideOf(counters, key);
      const histogram = latency.get(groupKey(path, method));
      return {
        requests: c.requests,
        errorRate: errorRate(c.requests, c.errors4xx, c.errors5xx),
        p95: percentiles(histogram ?? new Map()).p95,
      };
    };
    const now = side(current, currentLatency);
    const then = side(base, baseLatency);
    return {
      path,
      method,
      current: now,
      base: then,
      change: {
        requests: now.requests - then.requests,
        requestsRatio: then.requests > 0 ? now.requests / then.requests - 1 : null,
        // Like p95: a side without requests has no error rate to compare (0 is not a rate there).
        errorRate: now.requests > 0 && then.requests > 0 ? now.errorRate - then.errorRate : null,
        p95: now.p95 === null || then.p95 === null ? null : Number((now.p95 - then.p95).toPrecision(9)),
      },
    };
  });
}
