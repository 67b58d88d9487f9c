/**
 * Byte encodings of the stored sketches (BLOB columns of path_sketches).
 *
 * Latency: [1][n][zigzag(first key)][count] then (key delta, count) pairs, keys ascending —
 * ~3 bytes a bucket. HyperLogLog: [1][n][sorted (index·64 + rank) as deltas] while sparse
 * (≤ 400 entries, ≤ ~1.5 KB), or [2][deflate-raw of the 4096 one-byte registers] when dense:
 * register values cluster around log2(n/m), so ~3.4 bits a register (≤ ~1.8 KB) instead of 4 KB.
 * The "fast" dense layout, for the pre-merged daily sketches that range reads merge by the
 * hundred (kept 30 days, so their size matters less than their decoding): [3][base] then one
 * nibble a register (value − base, 15 = see the exceptions) and the exceptions as (index delta,
 * value) varints — 2 KB, decoded in one pass instead of an inflate each.
 * docs/storage.md turns these sizes into the storage budget.
 */
import { inflateSync } from "fflate";
import { HyperLogLog, REGISTERS } from "./hll";
import type { LatencyHistogram } from "./latency";
import { unzigzag, VarintReader, writeVarint, zigzag } from "./varint";

const LATENCY_V1 = 1;
const HLL_SPARSE = 1;
const HLL_DENSE = 2;
const HLL_DENSE_NIBBLES = 3;
/** A nibble that stands for "value in the exception list". */
const NIBBLE_ESCAPE = 15;

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

/** Dense registers as base + one nibble each, values past base + 14 as exceptions. */
function encodeNibbles(registers: Uint8Array): Uint8Array {
  const base = registers.reduce((min, r) => Math.min(min, r), 255);
  const out: number[] = [HLL_DENSE_NIBBLES, base];
  const exceptions: number[] = [];
  for (let i = 0; i < REGISTERS; i += 2) {
    const nibble = (r: number) => Math.min(r - base, NIBBLE_ESCAPE);
    const [a, b] = [registers[i] ?? 0, registers[i + 1] ?? 0];
    out.push(nibble(a) | (nibble(b) << 4));
    if (a - base >= NIBBLE_ESCAPE) exceptions.push(i);
    if (b - base >= NIBBLE_ESCAPE) exceptions.push(i + 1);
  }
  writeVarint(out, exceptions.length);
  let previous = 0;
  for (const index of exceptions) {
    writeVarint(out, index - previous);
    writeVarint(out, registers[index] ?? 0);
    previous = index;
  }
  return Uint8Array.from(out);
}

function decodeNibbles(bytes: Uint8Array): Uint8Array {
  const base = bytes[1] ?? 0;
  if (bytes.length < 2 + REGISTERS / 2) throw new SketchFormatError("dense HyperLogLog is truncated");
  const registers = new Uint8Array(REGISTERS);
  for (let i = 0; i < REGISTERS / 2; i++) {
    const byte = bytes[2 + i] ?? 0;
    registers[2 * i] = base + (byte & 0x0f);
    registers[2 * i + 1] = base + (byte >> 4);
  }
  const reader = new VarintReader(bytes, 2 + REGISTERS / 2);
  let index = 0;
  for (let n = reader.read(); n > 0; n--) {
    index += reader.read();
    if (index >= REGISTERS) throw new SketchFormatError("dense HyperLogLog exception out of range");
    registers[index] = reader.read();
  }
  return registers;
}

/**
 * Encodes a HyperLogLog: sparse entries while sparse; when dense, deflated registers ("compact",
 * kept for years) or nibbles ("fast", for the pre-merged sketches that reads merge by the hundred).
 */
export async function encodeHll(
  hll: HyperLogLog,
  layout: "compact" | "fast" = "compact",
): Promise<Uint8Array> {
  if (!hll.isSparse && layout === "fast") return encodeNibbles(hll.registers());
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
 * The registers of a dense encoding. Inflated synchronously (fflate): a DecompressionStream per
 * sketch costs about a millisecond of stream set-up, and a range read inflates hundreds of them.
 */
function denseRegisters(bytes: Uint8Array): Uint8Array {
  if (bytes[0] === HLL_DENSE_NIBBLES) return decodeNibbles(bytes);
  let registers: Uint8Array;
  try {
    registers = inflateSync(bytes.subarray(1));
  } catch (error) {
    throw new SketchFormatError(`dense HyperLogLog does not inflate: ${String(error)}`);
  }
  if (registers.length !== REGISTERS) throw new SketchFormatError("dense HyperLogLog has the wrong size");
  return registers;
}

/**
 * Merges an encoded HyperLogLog into `into` without building it first: sparse entries and dense
 * registers go straight in (a range read unions thousands of sketches; building each one first
 * doubled the work).
 */
export async function mergeEncodedHll(into: HyperLogLog, bytes: Uint8Array): Promise<HyperLogLog> {
  if (bytes[0] === HLL_DENSE || bytes[0] === HLL_DENSE_NIBBLES)
    return into.mergeRegisters(denseRegisters(bytes));
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
  if (bytes[0] === HLL_DENSE || bytes[0] === HLL_DENSE_NIBBLES)
    return HyperLogLog.fromRegisters(denseRegisters(bytes));
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
