/**
 * Rollup of one closed hour. From the detail rows: a HyperLogLog of client hashes per
 * (path, method) and for all paths. From path_latency_hourly: the hour's bucket rows, moved
 * into the compacted sketch — the sketch write (compare-and-swap) and the subtraction of exactly
 * the counts merged happen in ONE D1 batch, so a count is never lost or counted twice, even when
 * late events add to the same bucket rows meanwhile. Late data for a day already tiered goes
 * into its daily sketch. The hour leaves rollup_pending only if no row newer than the ones read
 * arrived meanwhile, so an interrupted or overtaken rollup is simply redone (merges are
 * idempotent for clients, and moved bucket counts are gone from the source).
 */

import { ALL, casGuard, groupKey, isCasConflict, readSketchesAt } from "../db/sketch-store";
import { counterRollupStatements } from "../db/stats-rollups";
import { dayStartOf, HOUR_MS } from "./clock";
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

/** One batch: the sketches of `chunk` and of the total, and the subtraction of the moved buckets. */
async function chunkStatements(
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
  const moved: [number, string, string, number, number][] = [];
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
    for (const [bucket, count] of delta.latency) moved.push([hour, group[0], group[1], bucket, count]);
    await write(group, delta);
  }
  await write([ALL, ALL], total);
  if (moved.length > 0) {
    statements.push(
      db
        .prepare(
          // The hour travels in each entry so SQLite walks json_each and looks rows up by primary
          // key; a constant hour would make it scan the hour's rows × json_each (quadratic).
          `UPDATE path_latency_hourly SET count = count - m.n
           FROM (SELECT value ->> '$[0]' AS hour, value ->> '$[1]' AS path, value ->> '$[2]' AS method,
                   value ->> '$[3]' AS bucket, value ->> '$[4]' AS n FROM json_each(?1)) AS m
           WHERE path_latency_hourly.hour = m.hour AND path_latency_hourly.path = m.path
             AND path_latency_hourly.method = m.method AND path_latency_hourly.bucket = m.bucket`,
        )
        .bind(JSON.stringify(moved)),
      // Every bucket row read must still be there: otherwise someone else moved it first.
      casGuard(db, moved.length),
      db.prepare("DELETE FROM path_latency_hourly WHERE hour = ?1 AND count = 0").bind(hour),
    );
  }
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
    const { statements, sketches } = await chunkStatements(db, hour, chunk);
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
  const top = await db
    .prepare("SELECT coalesce(max(seq), 0) AS seq FROM traffic_events")
    .first<{ seq: number }>();
  const upToSeq = top?.seq ?? 0;
  const clients: Deltas = new Map();
  const rowsRead = await addHourClients(db, hour, upToSeq, clients);
  let casRetries = 0;
  for (;;) {
    try {
      const compacted = await compactHour(db, hour, clients);
      const [finished] = await db.batch([
        db
          .prepare(
            `DELETE FROM rollup_pending WHERE hour = ?1 AND NOT EXISTS (
               SELECT 1 FROM traffic_events WHERE ts >= ?1 AND ts < ?2 AND seq > ?3)`,
          )
          .bind(hour, hour + HOUR_MS, upToSeq),
        // The query API's counter roll-ups, consistent with the removal above (same transaction).
        ...counterRollupStatements(db, hour, closedBefore),
      ]);
      return { rowsRead, ...compacted, casRetries, done: finished?.meta.changes === 1 };
    } catch (error) {
      if (!isCasConflict(error) || ++casRetries >= MAX_ATTEMPTS) throw error;
    }
  }
}
