/**
 * Tiering: hourly sketches older than the cutoff are merged into one daily sketch per
 * (path, method, day) and deleted, in the same D1 batch (daily write by compare-and-swap, hourly
 * rows deleted only at the version read), so the day's numbers never change while it happens.
 * Counters (path_stats_hourly) stay hourly forever; only sketches are tiered.
 */
import {
  casGuard,
  groupKey,
  isCasConflict,
  readHourlySketchesOfDay,
  readSketchesAt,
} from "../db/sketch-store";
import { DAY_MS } from "../shared/time";
import { addDelta, deltaOf, emptyDelta, mergeWrite } from "./sketch-merge";

const GROUPS_PER_BATCH = 40;
const MAX_ATTEMPTS = 5;

export interface TieringReport {
  days: number;
  /** Sketch rows (latency and clients counted apart). */
  hourlySketchesMerged: number;
  dailySketchesWritten: number;
  casRetries: number;
}

type Group = readonly [string, string];

/** Merges one chunk of groups of one day; returns [hourly rows merged, daily rows written]. */
async function tierChunk(db: D1Database, day: number, groups: Group[]): Promise<[number, number]> {
  const [hourly, daily] = await Promise.all([
    readHourlySketchesOfDay(db, day, groups),
    readSketchesAt(db, "day", day, groups),
  ]);
  const statements: D1PreparedStatement[] = [];
  let written = 0;
  for (const [path, method] of groups) {
    const hours = hourly.filter((s) => s.path === path && s.method === method);
    if (hours.length === 0) continue;
    const delta = emptyDelta();
    for (const sketch of hours) addDelta(delta, await deltaOf({ [sketch.kind]: sketch }));
    const merged = await mergeWrite(
      db,
      { grain: "day", start: day, path, method },
      daily.get(groupKey(path, method)),
      delta,
    );
    written += merged.rows;
    statements.push(
      ...merged.statements,
      db
        .prepare(
          `DELETE FROM path_sketches WHERE grain = 'hour'
           AND (id, version) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?1))`,
        )
        .bind(JSON.stringify(hours.map((s) => [s.id, s.version]))),
      casGuard(db, hours.length),
    );
  }
  if (statements.length > 0) await db.batch(statements);
  return [hourly.length, written];
}

/** Tiers every hourly sketch that starts before `cutoff` (a UTC day boundary). */
export async function tierSketches(db: D1Database, cutoff: number): Promise<TieringReport> {
  const report: TieringReport = { days: 0, hourlySketchesMerged: 0, dailySketchesWritten: 0, casRetries: 0 };
  const { results: days } = await db
    .prepare(
      `SELECT DISTINCT start - start % ${DAY_MS} AS day FROM path_sketches
       WHERE grain = 'hour' AND start < ?1 ORDER BY day`,
    )
    .bind(cutoff)
    .all<{ day: number }>();
  for (const { day } of days) {
    const { results } = await db
      .prepare(
        "SELECT DISTINCT path, method FROM path_sketches WHERE grain = 'hour' AND start >= ?1 AND start < ?2",
      )
      .bind(day, day + DAY_MS)
      .all<{ path: string; method: string }>();
    const groups: Group[] = results.map((r) => [r.path, r.method]);
    for (let i = 0; i < groups.length; i += GROUPS_PER_BATCH) {
      for (let attempt = 1; ; attempt++) {
        try {
          const [merged, written] = await tierChunk(db, day, groups.slice(i, i + GROUPS_PER_BATCH));
          report.hourlySketchesMerged += merged;
          report.dailySketchesWritten += written;
          break;
        } catch (error) {
          if (!isCasConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
          report.casRetries++;
        }
      }
    }
    report.days++;
  }
  return report;
}
