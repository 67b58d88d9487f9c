/**
 * Tiering: hourly sketches older than the cutoff are merged into one daily sketch per
 * (path, method, day) and deleted, in the same D1 batch (daily write by compare-and-swap, hourly
 * rows deleted only at the version read), so the day's numbers never change while it happens.
 * Counters (path_stats_hourly) stay hourly forever; only sketches are tiered. The day's pre-merged
 * sketches (premerge-days.ts) of the tiered groups go in the same batch.
 */

import { dropPremergeStatements } from "../db/sketch-premerge";
import {
  deleteSketchesStatements,
  groupKey,
  hourlySketchDaysBefore,
  hourlySketchGroupsOfDay,
  isCasConflict,
  readHourlySketchesOfDay,
  readSketchesAt,
} from "../db/sketch-store";
import { withCasRetry } from "../shared/cas";
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
    statements.push(...merged.statements, ...deleteSketchesStatements(db, hours));
  }
  // The day's pre-merged sketches would count these groups twice beside their daily ones.
  if (statements.length > 0) await db.batch([...statements, ...dropPremergeStatements(db, day, groups)]);
  return [hourly.length, written];
}

/** Tiers every hourly sketch that starts before `cutoff` (a UTC day boundary). */
export async function tierSketches(db: D1Database, cutoff: number): Promise<TieringReport> {
  const report: TieringReport = { days: 0, hourlySketchesMerged: 0, dailySketchesWritten: 0, casRetries: 0 };
  for (const day of await hourlySketchDaysBefore(db, cutoff)) {
    const groups: Group[] = await hourlySketchGroupsOfDay(db, day);
    for (let i = 0; i < groups.length; i += GROUPS_PER_BATCH) {
      const chunk = groups.slice(i, i + GROUPS_PER_BATCH);
      const { result, retries } = await withCasRetry(() => tierChunk(db, day, chunk), {
        isConflict: isCasConflict,
        maxAttempts: MAX_ATTEMPTS,
      });
      report.hourlySketchesMerged += result[0];
      report.dailySketchesWritten += result[1];
      report.casRetries += retries;
    }
    report.days++;
  }
  return report;
}
