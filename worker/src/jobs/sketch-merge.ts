/**
 * Folding new data into a stored sketch, for the rollup and the tiering: decode what was read,
 * add the latency counts, union the HyperLogLog, and produce the compare-and-swap write — or
 * nothing when the sketch would not change (so a re-run writes nothing and bumps no version).
 */
import { casWriteStatements, type SketchKey, type StoredSketch } from "../db/sketch-store";
import { decodeHll, decodeLatency, encodeHll, encodeLatency } from "../sketches/codec";
import { HyperLogLog } from "../sketches/hll";
import { addToHistogram, type LatencyHistogram } from "../sketches/latency";

/** What is added to a sketch: bucket counts (moved, so added exactly once) and clients (idempotent). */
export interface SketchDelta {
  latency: LatencyHistogram;
  clients: HyperLogLog;
}

export const emptyDelta = (): SketchDelta => ({ latency: new Map(), clients: new HyperLogLog() });

/** Adds `from` into `into` (counts added, clients unioned). */
export function addDelta(into: SketchDelta, from: SketchDelta): SketchDelta {
  for (const [bucket, count] of from.latency) addToHistogram(into.latency, bucket, count);
  into.clients.merge(from.clients);
  return into;
}

/** Decodes a stored sketch into a delta (e.g. to merge hourly sketches into a daily one). */
export async function deltaOf(sketch: StoredSketch): Promise<SketchDelta> {
  return { latency: decodeLatency(sketch.latency), clients: await decodeHll(sketch.clients) };
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** The CAS write of `existing` (or a new row at `key`) plus `delta`; [] when nothing changes. */
export async function mergeWrite(
  db: D1Database,
  key: SketchKey,
  existing: StoredSketch | undefined,
  delta: SketchDelta,
): Promise<D1PreparedStatement[]> {
  const merged = existing ? addDelta(await deltaOf(existing), delta) : delta;
  const clients = await encodeHll(merged.clients);
  const unchanged = existing
    ? delta.latency.size === 0 && sameBytes(clients, existing.clients)
    : delta.latency.size === 0 && merged.clients.estimate() === 0;
  if (unchanged) return [];
  return casWriteStatements(db, key, existing, encodeLatency(merged.latency), clients);
}
