/**
 * Byte encodings of the stored sketches (BLOB columns of path_sketches).
 *
 * Latency: [1][n][zigzag(first key)][count] then (key delta, count) pairs, keys ascending —
 * ~3 bytes a bucket. HyperLogLog: [1][n][sorted (index·64 + rank) as deltas] while sparse
 * (≤ 400 entries, ≤ ~1.5 KB), or [2][deflate-raw of the 4096 one-byte registers] when dense:
 * register values cluster around log2(n/m), so ~3.4 bits a register (≤ ~1.8 KB) instead of 4 KB.
 * docs/storage.md turns these sizes into the storage budget.
 */
import { HyperLogLog, REGISTERS } from "./hll";
import type { LatencyHistogram } from "./latency";
import { unzigzag, VarintReader, writeVarint, zigzag } from "./varint";

const LATENCY_V1 = 1;
const HLL_SPARSE = 1;
const HLL_DENSE = 2;

export class SketchFormatError extends Error {
  override name = "SketchFormatError";
}

/** Encodes a latency histogram (bucket key → count, counts > 0). */
export function encodeLatency(histogram: LatencyHistogram): Uint8Array {
  const entries = [...histogram].filter(([, count]) => count > 0).sort((a, b) => a[0] - b[0]);
  const out: number[] = [LATENCY_V1];
  writeVarint(out, entries.length);
  let previous = 0;
  entries.forEach(([key, count], i) => {
    writeVarint(out, i === 0 ? zigzag(key) : key - previous);
    writeVarint(out, count);
    previous = key;
  });
  return Uint8Array.from(out);
}

export function decodeLatency(bytes: Uint8Array, into: LatencyHistogram = new Map()): LatencyHistogram {
  if (bytes[0] !== LATENCY_V1) throw new SketchFormatError(`unknown latency sketch format ${bytes[0]}`);
  const reader = new VarintReader(bytes, 1);
  const n = reader.read();
  let key = 0;
  for (let i = 0; i < n; i++) {
    key = i === 0 ? unzigzag(reader.read()) : key + reader.read();
    into.set(key, (into.get(key) ?? 0) + reader.read());
  }
  return into;
}

async function transform(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  // The copy gives Blob an ArrayBuffer-backed view (a subarray of a larger buffer may not be).
  const output = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(output).arrayBuffer());
}

/** Encodes a HyperLogLog: sparse entries while sparse, deflated registers when dense. */
export async function encodeHll(hll: HyperLogLog): Promise<Uint8Array> {
  if (!hll.isSparse) {
    const deflated = await transform(hll.registers(), new CompressionStream("deflate-raw"));
    return Uint8Array.of(HLL_DENSE, ...deflated);
  }
  const out: number[] = [HLL_SPARSE];
  const entries = hll.sparseEntries();
  writeVarint(out, entries.length);
  let previous = 0;
  for (const [index, rank] of entries) {
    const key = index * 64 + rank;
    writeVarint(out, key - previous);
    previous = key;
  }
  return Uint8Array.from(out);
}

/**
 * Merges an encoded HyperLogLog into `into`; sparse entries go straight in (a range read unions
 * thousands of small sketches, and building each one first doubled the work).
 */
export async function mergeEncodedHll(into: HyperLogLog, bytes: Uint8Array): Promise<HyperLogLog> {
  if (bytes[0] !== HLL_SPARSE) return into.merge(await decodeHll(bytes));
  const reader = new VarintReader(bytes, 1);
  const n = reader.read();
  let key = 0;
  for (let i = 0; i < n; i++) {
    key += reader.read();
    into.mergeSparseEntry(Math.floor(key / 64), key % 64);
  }
  return into;
}

export async function decodeHll(bytes: Uint8Array): Promise<HyperLogLog> {
  if (bytes[0] === HLL_DENSE) {
    const registers = await transform(bytes.subarray(1), new DecompressionStream("deflate-raw"));
    if (registers.length !== REGISTERS) throw new SketchFormatError("dense HyperLogLog has the wrong size");
    return HyperLogLog.fromRegisters(registers);
  }
  if (bytes[0] !== HLL_SPARSE) throw new SketchFormatError(`unknown HyperLogLog format ${bytes[0]}`);
  const reader = new VarintReader(bytes, 1);
  const n = reader.read();
  const entries: [number, number][] = [];
  let key = 0;
  for (let i = 0; i < n; i++) {
    key += reader.read();
    entries.push([Math.floor(key / 64), key % 64]);
  }
  return HyperLogLog.fromSparse(entries);
}
