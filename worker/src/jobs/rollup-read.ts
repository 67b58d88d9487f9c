/**
 * What the rollup reads for one hour: the client hashes of its detail rows (paged in seq order,
 * up to a fixed seq so later arrivals are left for the next run) and its
 * latency bucket rows not compacted yet, gathered per (path, method).
 */
import { readHourBucketsPage, readHourClientsPage } from "../db/rollup-inputs";
import { groupKey } from "../db/sketch-store";
import { addToHistogram } from "../sketches/latency";
import { emptyDelta, type SketchDelta } from "./sketch-merge";

const ROWS_PER_PAGE = 5_000;
const BUCKETS_PER_PAGE = 10_000;

export type Group = readonly [string, string];
/** What an hour adds to each (path, method), by groupKey. */
export type Deltas = Map<string, { group: Group; delta: SketchDelta }>;

const deltaFor = (deltas: Deltas, path: string, method: string): SketchDelta => {
  const key = groupKey(path, method);
  let entry = deltas.get(key);
  if (!entry) {
    entry = { group: [path, method], delta: emptyDelta() };
    deltas.set(key, entry);
  }
  return entry.delta;
};

/** Client hashes of the hour's rows with seq ≤ upToSeq, paged in seq order. */
export async function addHourClients(
  db: D1Database,
  hour: number,
  upToSeq: number,
  deltas: Deltas,
): Promise<number> {
  let afterSeq = 0;
  let rows = 0;
  for (;;) {
    const results = await readHourClientsPage(db, { hour, upToSeq, afterSeq, limit: ROWS_PER_PAGE });
    for (const row of results) deltaFor(deltas, row.path, row.method).clients.add(row.client_hash);
    rows += results.length;
    const last = results.at(-1);
    if (!last || results.length < ROWS_PER_PAGE) return rows;
    afterSeq = last.seq;
  }
}

/** The hour's (not yet compacted) latency bucket rows. */
export async function addHourBuckets(db: D1Database, hour: number, deltas: Deltas): Promise<void> {
  let cursor: [string, string, number] = ["", "", Number.MIN_SAFE_INTEGER];
  for (;;) {
    const results = await readHourBucketsPage(db, { hour, after: cursor, limit: BUCKETS_PER_PAGE });
    for (const row of results)
      addToHistogram(deltaFor(deltas, row.path, row.method).latency, row.bucket, row.count);
    const last = results.at(-1);
    if (!last || results.length < BUCKETS_PER_PAGE) return;
    cursor = [last.path, last.method, last.bucket];
  }
}
