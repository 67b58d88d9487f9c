/**
 * The figures derived from stored counts, computed one way for every reader (the stats API's
 * summary and the KV snapshot), so two answers about the same range cannot drift apart.
 */
import { type LatencyHistogram, percentiles } from "../sketches/latency";

/** (errors4xx + errors5xx) / requests, a fraction in [0, 1]; 0 when there were no requests. */
export const errorRate = (requests: number, errors4xx: number, errors5xx: number): number =>
  requests > 0 ? (errors4xx + errors5xx) / requests : 0;

/** Mean duration in ms, rounded to the microsecond; null when there were no requests. */
export const averageMs = (durationSumMs: number, requests: number): number | null =>
  // Microsecond precision is far below anything a latency reader cares about.
  requests > 0 ? Math.round((durationSumMs / requests) * 1000) / 1000 : null;

/** p50/p95/p99 of a latency histogram (within 1%) and the exact average, in ms. */
export function latencyFigures(
  histogram: LatencyHistogram,
  durationSumMs: number,
  requests: number,
): { p50: number | null; p95: number | null; p99: number | null; avg: number | null } {
  return { ...percentiles(histogram), avg: averageMs(durationSumMs, requests) };
}
