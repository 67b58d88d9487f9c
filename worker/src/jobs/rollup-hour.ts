/**
 * Rollup of one closed hour. From the detail rows: a HyperLogLog of client hashes per
 * (path, method) and for all paths. From path_latency_open: the hour's bucket counts (one JSON
 * row per (path, method)), moved into the compacted sketch — the sketch write (compare-and-swap)
 * and the delete of exactly the rows merged (compare-and-swap on their `total`, which only
 * grows) happen in ONE D1 batch, so a count is never lost or counted twice; when late events
 * added to a row meanwhile, the batch rolls back and the hour is read again. Late data for a day already tiered goes
 * into its daily sketch. The hour leaves rollup_pending only if no row newer than the ones read
 * arrived meanwhile, so an interrupted or overtaken rollup is simply redone (merges are
 * idempotent for clients, and moved bucket counts are gone from the source).
 */
import { finishPendingHour, latestSeq, type MovedLatency, moveLatencyStatements } from "../db/rollup-inputs";
import { ALL, groupKey, isCasConflict, readSketchesAt } from "../db/sketch-store";
import { counterRollupStatements } from "../db/stats-rollups";
import { withCasRetry } from "../shared/cas";
import { dayStartOf, HOUR_MS } from "../shared/time";
import { addHourBuckets, addHourClients, type Deltas, type Group } from "./rollup-read";
import { addDelta, emptyDelta, mergeWrite, type SketchDelta } from "./sketch-merge";

/** (path, method) groups per D1 batch: ~4 statements each, far below any batch limit. */
const GROUPS_PER_BATCH = 40;
const MAX_ATTEMPTS = 5;

export interface HourRollup {
  rowsRead: number;
  groups: number;
  bucketRowsMoved: number;
  sketchesWritten: number;
  casRetries: number;
  /** False when newer events for the hour arrived meanwhile: it stays pending for the next run. */
  done: boolean;
}

/**
 * Reads the stored sketches of `chunk`'s groups and of the total, and returns one batch: their
 * compare-and-swap writes with the chunk's deltas merged in, and the delete of the open latency rows moved.
 */
async function readAndMergeChunk(
  db: D1Database,
  hour: number,
  chunk: Deltas,
): Promise<{ statements: D1PreparedStatement[]; sketches: number }> {
  const groups: Group[] = [...[...chunk.values()].map((e) => e.group), [ALL, ALL]];
  const day = dayStartOf(hour);
  const [hourly, daily] = await Promise.all([
    readSketchesAt(db, "hour", hour, groups),
    readSketchesAt(db, "day", day, groups),
  ]);
  const total = emptyDelta();
  // [hour, path, method, total count]: the open latency rows this batch deletes.
  const moved: MovedLatency[] = [];
  const statements: D1PreparedStatement[] = [];
  let sketches = 0;
  const write = async ([path, method]: Group, delta: SketchDelta) => {
    const key = groupKey(path, method);
    // A day already tiered keeps only its daily sketches: late data goes there.
    const dailyPair = daily.get(key);
    const at = dailyPair ? { grain: "day" as const, start: day } : { grain: "hour" as const, start: hour };
    const written = await mergeWrite(db, { ...at, path, method }, dailyPair ?? hourly.get(key), delta);
    sketches += written.rows;
    statements.push(...written.statements);
  };
  for (const { group, delta } of chunk.values()) {
    addDelta(total, delta);
    const count = [...delta.latency.values()].reduce((n, c) => n + c, 0);
    if (count > 0) moved.push([hour, group[0], group[1], count]);
    await write(group, delta);
  }
  await write([ALL, ALL], total);
  statements.push(...moveLatencyStatements(db, moved));
  return { statements, sketches };
}

/** Writes the hour's sketches in batches of GROUPS_PER_BATCH groups. */
async function compactHour(db: D1Database, hour: number, clients: Deltas) {
  const deltas: Deltas = new Map();
  for (const [key, { group, delta }] of clients)
    deltas.set(key, { group, delta: { latency: new Map(), clients: delta.clients } });
  await addHourBuckets(db, hour, deltas);
  const entries = [...deltas];
  let sketchesWritten = 0;
  let bucketRowsMoved = 0;
  for (let i = 0; i < entries.length; i += GROUPS_PER_BATCH) {
    const chunk: Deltas = new Map(entries.slice(i, i + GROUPS_PER_BATCH));
    const { statements, sketches } = await readAndMergeChunk(db, hour, chunk);
    if (statements.length === 0) continue;
    await db.batch(statements);
    for (const { delta } of chunk.values()) bucketRowsMoved += delta.latency.size;
    sketchesWritten += sketches;
  }
  return { groups: deltas.size, sketchesWritten, bucketRowsMoved };
}

/** Rolls up one closed hour (of those before `closedBefore`); see the module comment. */
export async function rollupHour(
  db: D1Database,
  hour: number,
  closedBefore: number = hour + HOUR_MS,
): Promise<HourRollup> {
  const upToSeq = await latestSeq(db);
  const clients: Deltas = new Map();
  const rowsRead = await addHourClients(db, hour, upToSeq, clients);
  const { result, retries } = await withCasRetry(
    async () => {
      const compacted = await compactHour(db, hour, clients);
      // The query API's counter roll-ups commit with the hour's removal from rollup_pending.
      const rollups = counterRollupStatements(db, hour, closedBefore);
      return { ...compacted, done: await finishPendingHour(db, hour, upToSeq, rollups) };
    },
    { isConflict: isCasConflict, maxAttempts: MAX_ATTEMPTS },
  );
  return { rowsRead, ...result, casRetries: retries };
}
