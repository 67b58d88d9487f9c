/**
 * Cardinality estimators for the HyperLogLog registers.
 *
 * Dense: Otmar Ertl's "improved raw estimator" (New cardinality estimation algorithms for
 * HyperLogLog sketches, 2017, algorithm 6) — unbiased over the whole range without HLL++'s
 * empirical bias tables; it is what Redis uses. Sparse: linear counting over 2^25 buckets.
 */

const ALPHA_INF = 1 / (2 * Math.LN2);

/** σ(x) = x + Σ_{k≥1} x^(2^k)·2^(k−1), σ(1) = ∞. */
function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let y = 1;
  let z = x;
  let previous: number;
  let power = x;
  do {
    power *= power;
    previous = z;
    z += power * y;
    y += y;
  } while (z !== previous);
  return z;
}

/** τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))²·2^−k) / 3, τ(0) = τ(1) = 0. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  let root = x;
  do {
    root = Math.sqrt(root);
    previous = z;
    y *= 0.5;
    z -= (1 - root) ** 2 * y;
  } while (z !== previous);
  return z / 3;
}

/**
 * Estimate from a register histogram: `counts[k]` = number of registers holding k, for
 * k = 0..q+1, where q is the number of hash bits left after the register index.
 */
export function ertlEstimate(counts: readonly number[], registers: number): number {
  const q = counts.length - 2;
  let z = registers * tau(1 - (counts[q + 1] ?? 0) / registers);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + (counts[k] ?? 0));
  z += registers * sigma((counts[0] ?? 0) / registers);
  return (ALPHA_INF * registers * registers) / z;
}

/** Linear counting: distinct values behind `occupied` of `buckets` hashed buckets. */
export function linearCount(occupied: number, buckets: number): number {
  return buckets * Math.log(buckets / (buckets - occupied));
}
