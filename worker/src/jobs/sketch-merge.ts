/**
 * Folding new data into stored sketches, for the rollup and the tiering: decode what was read,
 * add the latency counts, union the HyperLogLog, and produce the compare-and-swap writes — none
 * for a sketch that would not change (so a re-run writes nothing and bumps no version).
 */
import { casWriteStatements, type SketchKey, type SketchPair } from "../db/sketch-store";
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

/** Decodes stored sketches into a delta (e.g. to merge hourly sketches into a daily one). */
export async function deltaOf(pair: SketchPair): Promise<SketchDelta> {
  return {
    latency: pair.latency ? decodeLatency(pair.latency.sketch) : new Map(),
    clients: pair.clients ? await decodeHll(pair.clients.sketch) : new HyperLogLog(),
  };
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

export interface MergeWrite {
  statements: D1PreparedStatement[];
  /** Sketch rows written (0, 1 or 2). */
  rows: number;
}

/** The CAS writes of `existing` (or new rows at `at`) plus `delta`; none when nothing changes. */
export async function mergeWrite(
  db: D1Database,
  at: Omit<SketchKey, "kind">,
  existing: SketchPair | undefined,
  delta: SketchDelta,
): Promise<MergeWrite> {
  const statements: D1PreparedStatement[] = [];
  if (delta.latency.size > 0) {
    const latency = existing?.latency ? decodeLatency(existing.latency.sketch) : new Map<number, number>();
    for (const [bucket, count] of delta.latency) addToHistogram(latency, bucket, count);
    statements.push(
      ...casWriteStatements(db, { ...at, kind: "latency" }, existing?.latency, encodeLatency(latency)),
    );
  }
  const stored = existing?.clients;
  const clients = stored ? (await decodeHll(stored.sketch)).merge(delta.clients) : delta.clients;
  const bytes = await encodeHll(clients);
  const unchanged = stored ? sameBytes(bytes, stored.sketch) : clients.estimate() === 0;
  if (!unchanged) statements.push(...casWriteStatements(db, { ...at, kind: "clients" }, stored, bytes));
  return { statements, rows: statements.length / 2 };
}
