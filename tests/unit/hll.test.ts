import { describe, expect, it } from "vitest";
import { decodeHll, decodeLatency, encodeHll, encodeLatency } from "../../worker/src/sketches/codec";
import { HyperLogLog, REGISTERS, SPARSE_MAX_ENTRIES } from "../../worker/src/sketches/hll";
import { murmur3 } from "../../worker/src/sketches/murmur3";

const sketchOf = (from: number, to: number, prefix = "client") => {
  const hll = new HyperLogLog();
  for (let i = from; i < to; i++) hll.add(`${prefix}-${i}`);
  return hll;
};

describe("murmur3", () => {
  it("matches the reference vectors of MurmurHash3_x86_32", () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(murmur3(bytes(""), 0)).toBe(0);
    expect(murmur3(bytes(""), 1)).toBe(0x514e28b7);
    expect(murmur3(bytes("Hello, world!"), 1234)).toBe(0xfaf6cdb3);
    expect(murmur3(bytes("The quick brown fox jumps over the lazy dog"), 0)).toBe(0x2e4ff723);
    expect(murmur3(bytes("abc"), 0)).toBe(0xb3dd93fa);
  });
});

describe("HyperLogLog", () => {
  it("counts small sets exactly while sparse", () => {
    for (const n of [0, 1, 17, 250, SPARSE_MAX_ENTRIES]) {
      const hll = sketchOf(0, n);
      expect(hll.isSparse).toBe(true);
      expect(hll.count()).toBe(n);
    }
    expect(sketchOf(0, SPARSE_MAX_ENTRIES + 1).isSparse).toBe(false);
  });

  it("ignores clients added again", () => {
    const hll = sketchOf(0, 5_000);
    const before = hll.estimate();
    for (let i = 0; i < 5_000; i += 7) hll.add(`client-${i}`);
    expect(hll.estimate()).toBe(before);
  });

  it("keeps the relative error near 1.04/sqrt(4096) = 1.625% across cardinalities", {
    timeout: 60_000,
  }, () => {
    const errors: number[] = [];
    for (let trial = 0; trial < 24; trial++) {
      for (const n of [3_000, 12_000, 40_000]) {
        const estimate = sketchOf(0, n, `t${trial}`).estimate();
        errors.push((estimate - n) / n);
      }
    }
    const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
    const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
    expect(rms).toBeLessThan(0.017);
    // unbiased: the mean error of 72 trials is well inside 3σ/√72 ≈ 0.6%
    expect(Math.abs(mean)).toBeLessThan(0.006);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(0.05);
  });

  it("merges like the union, whatever the order and representation", () => {
    const a = sketchOf(0, 30_000);
    const b = sketchOf(20_000, 50_000);
    const small = sketchOf(49_990, 50_050);
    const union = sketchOf(0, 50_050);
    const merged = new HyperLogLog().merge(small).merge(a).merge(b);
    expect(merged.registers()).toEqual(union.registers());
    const other = sketchOf(20_000, 50_000).merge(small).merge(sketchOf(0, 30_000));
    expect(other.registers()).toEqual(union.registers());
    // merging a sketch into itself changes nothing
    expect(merged.merge(merged).registers()).toEqual(union.registers());
  });

  it("keeps sparse merges sparse and exact while small", () => {
    const merged = sketchOf(0, 150).merge(sketchOf(100, 300));
    expect(merged.isSparse).toBe(true);
    expect(merged.count()).toBe(300);
  });
});

describe("sketch codec", () => {
  it("round-trips sparse and dense HyperLogLogs", async () => {
    for (const n of [0, 3, 400, 401, 2_000, 100_000]) {
      const hll = sketchOf(0, n);
      const bytes = await encodeHll(hll);
      const back = await decodeHll(bytes);
      expect(back.isSparse).toBe(hll.isSparse);
      expect(back.registers()).toEqual(hll.registers());
      expect(back.estimate()).toBe(hll.estimate());
    }
  });

  it("stores a dense HyperLogLog in well under its 4096 registers", { timeout: 60_000 }, async () => {
    const sizes = await Promise.all(
      [1_000, 10_000, 1_000_000].map(async (n) => (await encodeHll(sketchOf(0, n))).length),
    );
    for (const size of sizes) expect(size).toBeLessThan(REGISTERS / 2);
    expect((await encodeHll(sketchOf(0, SPARSE_MAX_ENTRIES))).length).toBeLessThan(1_500);
  });

  it("round-trips latency histograms with negative, zero-bucket and huge counts", () => {
    const histogram = new Map([
      [-100_000, 3],
      [-35, 1],
      [0, 2 ** 40],
      [347, 12],
      [900, 1],
    ]);
    expect(decodeLatency(encodeLatency(histogram))).toEqual(histogram);
    const into = new Map([[347, 1]]);
    expect(decodeLatency(encodeLatency(histogram), into).get(347)).toBe(13);
    expect(decodeLatency(encodeLatency(new Map()))).toEqual(new Map());
  });

  it("rejects unknown formats", async () => {
    expect(() => decodeLatency(Uint8Array.of(9))).toThrow(/format/);
    await expect(decodeHll(Uint8Array.of(9))).rejects.toThrow(/format/);
  });
});
