/**
 * The rollup's last step: merges the hourly sketches of each closed day (not yet tiered) into one
 * latency and one client sketch per (path, method) and for all paths (migrations/0006), so the
 * query API reads one sketch per path and day instead of 24. Merging gives exactly the sketch a
 * reader would build from the 24 hourly ones (counts added, HyperLogLog registers maxed), so no
 * answer changes — only its cost.
 *
 * Idempotent and late-data aware like the hourly rollup: a day is merged when the rollup marked it
 * (any of its hours left rollup_pending), all of its hours are closed and none is pending; the
 * merged rows become readable only in a batch that checks the hourly sketches are still those
 * merged (fingerprint), so late data arriving meanwhile leaves the day marked for the next run.
 */
import {
  daysToPremerge,
  type PremergedSketch,
  premergedRowStatements,
  publishPremergeStatements,
  readDayGroups,
  readHourlySketchesOfGroups,
} from "../db/sketch-premerge";
import { groupKey, isCasConflict } from "../db/sketch-store";
import { decodeLatency, encodeHll, encodeLatency, mergeEncodedHll } from "../sketches/codec";
import { HyperLogLog } from "../sketches/hll";
import type { LatencyHistogram } from "../sketches/latency";

/** Groups merged per D1 batch (two upserts each). */
const GROUPS_PER_BATCH = 50;
/** Days merged per run: one a day in steady state; a backfill or late data spreads over runs. */
const DAYS_PER_RUN = 3;

export interface PremergeReport {
  daysMerged: number;
  sketchesWritten: number;
  /** Days left for the next run because their hourly sketches changed while merging. */
  daysChangedMeanwhile: number;
}

/** The merged latency and client sketches of each group's hourly sketches. */
async function mergeGroups(hourly: readonly PremergedSketch[]): Promise<PremergedSketch[]> {
  const latency = new Map<string, { path: string; method: string; histogram: LatencyHistogram }>();
  const clients = new Map<string, { path: string; method: string; hll: HyperLogLog }>();
  for (const s of hourly) {
    const key = groupKey(s.path, s.method);
    if (s.kind === "latency") {
      const entry = latency.get(key) ?? { path: s.path, method: s.method, histogram: new Map() };
      latency.set(key, entry);
      decodeLatency(s.sketch, entry.histogram);
    } else {
      const entry = clients.get(key) ?? { path: s.path, method: s.method, hll: new HyperLogLog() };
      clients.set(key, entry);
      await mergeEncodedHll(entry.hll, s.sketch);
    }
  }
  const merged: PremergedSketch[] = [];
  for (const { path, method, histogram } of latency.values())
    merged.push({ kind: "latency", path, method, sketch: encodeLatency(histogram) });
  for (const { path, method, hll } of clients.values())
    merged.push({ kind: "clients", path, method, sketch: await encodeHll(hll, "fast") });
  return merged;
}

/** Merges one day; false when its hourly sketches changed meanwhile (it stays marked). */
async function premergeDay(db: D1Database, day: number): Promise<{ published: boolean; written: number }> {
  const { groups, fingerprint } = await readDayGroups(db, day);
  let written = 0;
  for (let i = 0; i < groups.length; i += GROUPS_PER_BATCH) {
    const hourly = await readHourlySketchesOfGroups(db, day, groups.slice(i, i + GROUPS_PER_BATCH));
    const statements = premergedRowStatements(db, day, fingerprint, await mergeGroups(hourly));
    if (statements.length > 0) await db.batch(statements);
    written += statements.length;
  }
  try {
    await db.batch(publishPremergeStatements(db, day, fingerprint));
    return { published: true, written };
  } catch (error) {
    if (isCasConflict(error)) return { published: false, written };
    throw error;
  }
}

/** Merges the marked closed days in [from, closedBefore) (from: the tiering cutoff). */
export async function premergeDays(
  db: D1Database,
  from: number,
  closedBefore: number,
): Promise<PremergeReport> {
  const report: PremergeReport = { daysMerged: 0, sketchesWritten: 0, daysChangedMeanwhile: 0 };
  for (const day of await daysToPremerge(db, { from, closedBefore, limit: DAYS_PER_RUN })) {
    const { published, written } = await premergeDay(db, day);
    report.sketchesWritten += written;
    if (published) report.daysMerged++;
    else report.daysChangedMeanwhile++;
  }
  return report;
}
