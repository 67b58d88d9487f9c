/**
 * mergeEncodedHll (the range reads' fast path) gives exactly the union that decoding each stored
 * sketch and merging it gives, for sparse and dense sketches, into sparse and dense unions; a
 * damaged dense sketch is a SketchFormatError.
 */
import { describe, expect, it } from "vitest";
import { decodeHll, encodeHll, mergeEncodedHll, SketchFormatError } from "../../worker/src/sketches/codec";
import { HyperLogLog, REGISTERS } from "../../worker/src/sketches/hll";

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
    ["dense sketches only (pre-merged and tiered days)", [5_000, 20_000, 1_500]],
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

  it("round-trips the fast dense layout exactly, values far from the base included", async () => {
    const registers = Uint8Array.from({ length: REGISTERS }, (_, i) => (i % 97 === 0 ? 53 : 3 + (i % 5)));
    const crafted = HyperLogLog.fromRegisters(registers);
    const fast = await encodeHll(crafted, "fast");
    expect(fast[0]).toBe(3);
    expect(fast.length).toBeLessThan(2_300);
    expect([...(await decodeHll(fast)).registers()]).toEqual([...registers]);
    const big = new HyperLogLog();
    for (let i = 0; i < 50_000; i++) big.add(`b-${i}`);
    const union = await mergeEncodedHll(new HyperLogLog(), await encodeHll(big, "fast"));
    expect([...union.registers()]).toEqual([...big.registers()]);
    expect((await encodeHll(new HyperLogLog().add("x"), "fast"))[0]).toBe(1);
  });

  it("rejects a dense sketch that does not inflate to 4096 registers", async () => {
    const dense = await sketch("d", 5_000);
    await expect(mergeEncodedHll(new HyperLogLog(), dense.subarray(0, 20))).rejects.toThrow(
      SketchFormatError,
    );
    await expect(decodeHll(Uint8Array.of(2, 0x03, 0x00))).rejects.toThrow(SketchFormatError);
    await expect(decodeHll(Uint8Array.of(3, 0, 0))).rejects.toThrow(SketchFormatError);
  });
});
