/**
 * Latency sketch: DDSketch-style logarithmic buckets (Masson et al., VLDB 2019).
 *
 * A value v > 0 falls in bucket k = ceil(log_γ v) with γ = (1+α)/(1-α); reporting the bucket as
 * 2γ^k/(γ+1) is within relative error α of every value in it. Sketches merge by adding counts,
 * so hourly histograms combine into any range exactly as if built from the raw values.
 */

/** Relative accuracy of every reported percentile. */
export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Values below this many ms (1 µs) are counted as zero: their absolute error is negligible. */
const MIN_TRACKED_MS = 0.001;
/** Bucket key of the zero bucket; far below log_γ(MIN_TRACKED_MS) ≈ -346. */
export const ZERO_BUCKET = -100_000;

/** Sparse histogram: bucket key → count. */
export type LatencyHistogram = Map<number, number>;

export function bucketOf(durationMs: number): number {
  if (durationMs < MIN_TRACKED_MS) return ZERO_BUCKET;
  return Math.ceil(Math.log(durationMs) / LOG_GAMMA);
}

/** The representative value of a bucket: within RELATIVE_ACCURACY of anything in it. */
export function bucketValue(bucket: number): number {
  if (bucket === ZERO_BUCKET) return 0;
  return (2 * GAMMA ** bucket) / (GAMMA + 1);
}

export function addToHistogram(into: LatencyHistogram, bucket: number, count: number): LatencyHistogram {
  into.set(bucket, (into.get(bucket) ?? 0) + count);
  return into;
}

/**
 * The q-quantile (0 < q ≤ 1) by nearest rank: the value at rank ⌈q·n⌉ of the sorted values,
 * within RELATIVE_ACCURACY. Null for an empty histogram.
 */
export function quantile(histogram: LatencyHistogram, q: number): number | null {
  let total = 0;
  for (const count of histogram.values()) total += count;
  if (total === 0) return null;
  // q·n in floating point can land just above an integer (0.07 × 100 = 7.000000000000001); the
  // relative nudge keeps ⌈q·n⌉ at the true rank without moving any genuine fraction.
  const rank = Math.max(1, Math.ceil(q * total * (1 - 4 * Number.EPSILON)));
  const keys = [...histogram.keys()].sort((a, b) => a - b);
  let seen = 0;
  for (const key of keys) {
    seen += histogram.get(key) ?? 0;
    if (seen >= rank) return bucketValue(key);
  }
  return bucketValue(keys[keys.length - 1] ?? ZERO_BUCKET);
}

/**
 * p50/p95/p99 rounded to 9 significant digits, or nulls when empty. Relative rounding adds at most
 * 5e-9 to the 1% error at any magnitude; a fixed 0.01 ms step broke it below a few milliseconds.
 */
export function percentiles(histogram: LatencyHistogram): {
  p50: number | null;
  p95: number | null;
  p99: number | null;
} {
  const round = (v: number | null) => (v === null ? null : Number(v.toPrecision(9)));
  return {
    p50: round(quantile(histogram, 0.5)),
    p95: round(quantile(histogram, 0.95)),
    p99: round(quantile(histogram, 0.99)),
  };
}
