/**
 * mergeEncodedHll (the range reads' fast path) gives exactly the union that decoding each stored
 * sketch and merging it gives, for sparse and dense sketches, into sparse and dense unions.
 */
import { describe, expect, it } from "vitest";
import { decodeHll, encodeHll, mergeEncodedHll } from "../../worker/src/sketches/codec";
import { HyperLogLog } from "../../worker/src/sketches/hll";

const sketch = (prefix: string, n: number) => {
  const hll = new HyperLogLog();
  for (let i = 0; i < n; i++) hll.add(`${prefix}-${i}`);
  return encodeHll(hll);
};

describe("mergeEncodedHll", () => {
  it.each([
    ["small sparse sketches", [30, 50, 80]],
    ["sparse sketches whose union turns dense", [300, 300, 300]],
    ["a dense sketch among sparse ones", [60, 5_000, 90]],
  ])("equals decode-then-merge for %s", async (_what, sizes) => {
    const encoded = await Promise.all(sizes.map((n, i) => sketch(`s${i}`, n)));
    const slow = new HyperLogLog();
    for (const bytes of encoded) slow.merge(await decodeHll(bytes));
    const fast = new HyperLogLog();
    for (const bytes of encoded) await mergeEncodedHll(fast, bytes);
    expect(fast.isSparse).toBe(slow.isSparse);
    expect([...fast.registers()]).toEqual([...slow.registers()]);
    expect(fast.count()).toBe(slow.count());
  });
});
