/**
 * The latency sketch (invariant 3): every quantile within 1% relative of the exact nearest-rank
 * value on generated data (zeros, sub-millisecond, wide ranges, ties, bucket edges), and merging
 * hourly sketches by adding counts gives exactly the sketch of all the values.
 */
import { describe, expect, it } from "vitest";
import { seededRandom as random } from "../../scripts/lib/seeded-random";
import {
  addToHistogram,
  bucketOf,
  bucketValue,
  type LatencyHistogram,
  percentiles,
  quantile,
  RELATIVE_ACCURACY,
  ZERO_BUCKET,
} from "../../worker/src/sketches/latency";

const sketchOf = (values: readonly number[]): LatencyHistogram => {
  const histogram: LatencyHistogram = new Map();
  for (const v of values) addToHistogram(histogram, bucketOf(v), 1);
  return histogram;
};

/** Exact nearest rank with q given in thousandths, so the rank is computed without float error. */
const exactQuantile = (sorted: readonly number[], thousandths: number): number =>
  sorted[Math.max(1, Math.ceil((thousandths * sorted.length) / 1000)) - 1] ?? Number.NaN;

/**
 * |estimate − exact| ≤ 1% of exact, plus 1e-8 relative for float noise and the 9-digit rounding
 * of reported percentiles; an exact zero must be reported as zero.
 */
const expectWithinAccuracy = (estimate: number | null, exact: number, label: string) => {
  expect(estimate, label).not.toBeNull();
  const error = Math.abs((estimate ?? Number.NaN) - exact);
  expect(error, `${label}: ${estimate} vs exact ${exact}`).toBeLessThanOrEqual(
    (RELATIVE_ACCURACY + 1e-8) * exact,
  );
};

const rand = random(7);
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const DATASETS: Record<string, number[]> = {
  "log-uniform 1 µs … 1 day": Array.from({ length: 5_000 }, () => 0.001 * 86_400_000_000 ** rand()),
  "typical API latencies with 5% zeros": Array.from({ length: 3_000 }, () =>
    rand() < 0.05 ? 0 : Math.round(20 + 400 * rand() ** 3),
  ),
  "sub-millisecond": Array.from({ length: 1_000 }, () => 0.001 + 0.9 * rand()),
  "heavy ties": Array.from({ length: 777 }, () => [1, 5, 5, 5, 250, 250, 3_000][Math.floor(rand() * 7)] ?? 1),
  "exact bucket edges γ^k": Array.from({ length: 600 }, (_, i) => GAMMA ** (i - 300)),
  "a single value": [42.42],
  "thirty values": Array.from({ length: 30 }, (_, i) => 10 * 1.5 ** i),
  "a hundred values 5% apart": Array.from({ length: 100 }, (_, i) => 10 * 1.05 ** i),
};
/** In thousandths; 0.07 and 0.57 are where q·n in floating point lands just off an integer. */
const QUANTILES = [1, 10, 70, 100, 250, 500, 570, 750, 900, 950, 990, 999, 1000];

describe("DDSketch latency buckets", () => {
  it.each(Object.keys(DATASETS))(
    "every quantile is within 1 percent of the exact nearest rank: %s",
    (name) => {
      const values = DATASETS[name] ?? [];
      expect(values.length).toBeGreaterThan(0);
      const sorted = [...values].sort((a, b) => a - b);
      const sketch = sketchOf(values);
      for (const q of QUANTILES)
        expectWithinAccuracy(quantile(sketch, q / 1000), exactQuantile(sorted, q), `q=${q / 1000}`);
      const reported = percentiles(sketch);
      expectWithinAccuracy(reported.p50, exactQuantile(sorted, 500), "p50");
      expectWithinAccuracy(reported.p95, exactQuantile(sorted, 950), "p95");
      expectWithinAccuracy(reported.p99, exactQuantile(sorted, 990), "p99");
    },
  );

  it("reports every single value within 1%", () => {
    for (let v = 0.001; v < 86_400_000; v *= 1.0037)
      expectWithinAccuracy(bucketValue(bucketOf(v)), v, `v=${v}`);
  });

  it("counts zero (and anything under 1 µs) in the zero bucket, reported as 0", () => {
    expect(bucketOf(0)).toBe(ZERO_BUCKET);
    expect(bucketOf(0.0004)).toBe(ZERO_BUCKET);
    expect(bucketValue(ZERO_BUCKET)).toBe(0);
    expect(quantile(sketchOf([0, 0, 0, 5]), 0.5)).toBe(0);
  });

  it("merges by adding counts: hourly sketches combine into the sketch of all values", () => {
    const values = DATASETS["log-uniform 1 µs … 1 day"] ?? [];
    const hours = [
      values.slice(0, 1000),
      values.slice(1000, 1001),
      values.slice(1001, 4000),
      values.slice(4000),
    ];
    const merged: LatencyHistogram = new Map();
    for (const hour of hours.reverse())
      for (const [bucket, count] of sketchOf(hour)) addToHistogram(merged, bucket, count);
    const direct = sketchOf(values);
    expect(new Map([...merged].sort(([a], [b]) => a - b))).toEqual(
      new Map([...direct].sort(([a], [b]) => a - b)),
    );
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of QUANTILES) {
      expect(quantile(merged, q / 1000)).toBe(quantile(direct, q / 1000));
      expectWithinAccuracy(quantile(merged, q / 1000), exactQuantile(sorted, q), `merged q=${q / 1000}`);
    }
  });

  it("answers null for an empty sketch", () => {
    expect(quantile(new Map(), 0.5)).toBeNull();
    expect(percentiles(new Map())).toEqual({ p50: null, p95: null, p99: null });
  });
});
