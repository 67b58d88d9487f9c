/**
 * The figures every stats answer derives from counters and a latency histogram: error rate,
 * average and percentiles. (To be replaced by worker/src/shared/stats-math.ts once it exists.)
 */
import type { Counters } from "../db/stats-counters";
import { type LatencyHistogram, percentiles } from "../sketches/latency";

/** (errors4xx + errors5xx) / requests, a fraction in [0, 1]; 0 without requests. */
export const errorRateOf = (c: Pick<Counters, "requests" | "errors4xx" | "errors5xx">): number =>
  c.requests > 0 ? (c.errors4xx + c.errors5xx) / c.requests : 0;

/** Mean duration in ms rounded to the microsecond; null without requests. */
export const averageOf = (c: Pick<Counters, "requests" | "durationSumMs">): number | null =>
  c.requests > 0 ? Math.round((c.durationSumMs / c.requests) * 1000) / 1000 : null;

/** Counters of a group without traffic. */
export const NO_TRAFFIC: Counters = {
  requests: 0,
  errors4xx: 0,
  errors5xx: 0,
  durationSumMs: 0,
  durationMaxMs: null,
  paths: 0,
};

/** p50/p95/p99 (within 1%) and the exact average of a group. */
export function latencyFigures(counters: Counters, histogram: LatencyHistogram | undefined) {
  return { ...percentiles(histogram ?? new Map()), avg: averageOf(counters) };
}
