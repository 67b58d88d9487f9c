/**
 * The cleanup job (daily 03:00): deletes a day's detail rows once the whole day has left the
 * acceptance window (MAX_EVENT_AGE_DAYS; until then its rows are the dedupe record of their ids,
 * so a late duplicate is never counted or archived again) and every archive part of the day is
 * verified (verify-part.ts), in bounded batches, resumable. It refuses a day — and says why
 * in its report — when the day is not archived, a part is unfinished or fails verification, or
 * an hour of the day still awaits rollup (its unique clients would depend on the rows).
 *
 * Before the first delete, day_lifecycle.cleaning_since is set: from then on readers take the
 * day's unique clients from the HyperLogLogs. A day's rows live in the slot table of their day
 * (shared/day-slots.ts): when the slot holds nothing but rows covered by verified parts, the
 * whole slot is dropped and re-created, ~0 rows written; otherwise (the ring wrapped, or late
 * rows not archived yet) the covered rows are deleted in bounded batches, one row written each.
 * Later arrivals stay until the next archive run puts them in a new part. Aggregates and
 * sketches are never touched here.
 */

import { type ArchivePart, partsCleanedStatement, readParts, setPartStatus } from "../db/archive-parts";
import { dayCleanedStatement, markDayCleaning } from "../db/day-lifecycle";
import { countRowsAfter, daysWithRowsBefore, deleteArchivedRows, dropDaySlot } from "../db/event-rows";
import { pendingHours } from "../db/rollup-inputs";
import type { Env } from "../env";
import { oldestKeptDay } from "../shared/acceptance-window";
import { DAY_MS, dayStartOf, isoDay, isoTime } from "../shared/time";
import type { JobFn } from "./job";
import { verifyPart } from "./verify-part";

export interface CleanupOptions {
  /** Rows deleted per statement. @default 5_000 */
  batchRows?: number;
  /** Delete statements per run, over all days; the next run continues. @default 400 */
  maxBatches?: number;
}

export interface DayCleanup {
  day: string;
  deleted: number;
  /** True when every archived row of the day is gone. */
  done: boolean;
  /** How the rows went: the day's slot dropped whole, or deleted row by row. */
  emptiedBy?: "drop" | "delete";
  refused?: string;
  /** Rows that arrived after the last part; they wait for the next archive run. */
  notYetArchived?: number;
}

/**
 * Checks that `day` may be cleaned: every part finished and verified (verifying an uploaded part
 * marks it verified, a failing one invalid or damaged), no hour still pending rollup. Returns
 * why the day must wait, or null when it may be cleaned.
 */
async function verifyDayForCleanup(
  env: Env,
  day: number,
  parts: ArchivePart[],
  now: number,
): Promise<string | null> {
  if (parts.length === 0) return "not archived yet";
  const unfinished = parts.find((p) => p.status === "writing");
  if (unfinished)
    return `part ${unfinished.part} is not completely uploaded (the next archive run redoes it)`;
  const bad = parts.find((p) => p.status === "invalid" || p.status === "damaged");
  if (bad) return `part ${bad.part} is ${bad.status}: ${bad.reason ?? "no reason recorded"}`;
  const pending = await pendingHours(env.DB, day, day + DAY_MS);
  if (pending.length > 0) return `hours not rolled up yet: ${pending.map(isoTime).join(", ")}`;
  for (const part of parts) {
    if (part.status === "cleaned") continue;
    // An "uploaded" part's rows are all still in D1 (nothing is deleted before all parts verify);
    // a "verified" part's rows may be partly deleted, so only its object is checked again.
    const withRows = part.status === "uploaded";
    const reason = await verifyPart(env.DB, env.ARCHIVE, part, withRows);
    if (reason) {
      await setPartStatus(env.DB, part, withRows ? "invalid" : "damaged", reason, now);
      return `part ${part.part} failed verification: ${reason}`;
    }
    if (withRows) await setPartStatus(env.DB, part, "verified", null, now);
  }
  return null;
}

async function cleanupDay(
  env: Env,
  day: number,
  budget: { batches: number },
  batchRows: number,
): Promise<DayCleanup> {
  const iso = isoDay(day);
  const parts = await readParts(env.DB, iso);
  const wallNow = Date.now();
  const refused = await verifyDayForCleanup(env, day, parts, wallNow);
  if (refused) return { day: iso, deleted: 0, done: false, refused };
  const coveredSeq = Math.max(...parts.map((p) => p.maxSeq ?? 0));
  await markDayCleaning(env.DB, iso, wallNow);
  const cleaned = () => [
    partsCleanedStatement(env.DB, iso, wallNow),
    dayCleanedStatement(env.DB, iso, wallNow),
  ];
  const dropped = await dropDaySlot(env.DB, day, coveredSeq, cleaned());
  if (dropped !== null) return { day: iso, deleted: dropped, done: true, emptiedBy: "drop" };
  let deleted = 0;
  let done = false;
  while (budget.batches > 0 && !done) {
    budget.batches--;
    const changes = await deleteArchivedRows(env.DB, day, coveredSeq, batchRows);
    deleted += changes;
    done = changes < batchRows;
  }
  if (done) await env.DB.batch(cleaned());
  const late = await countRowsAfter(env.DB, day, coveredSeq);
  return { day: iso, deleted, done, emptiedBy: "delete", ...(late ? { notYetArchived: late } : {}) };
}

/** The cleanup job with its options (tests use small batches). */
export const cleanupJob = (options: CleanupOptions = {}): JobFn =>
  async function cleanup({ env, config, now }) {
    // HOT_DAYS ≤ MAX_EVENT_AGE_DAYS (config.ts), so this is the window's first day; min() for safety.
    const cutoff = Math.min(
      dayStartOf(now) - config.hotDays * DAY_MS,
      oldestKeptDay(now, config.maxEventAgeDays),
    );
    const budget = { batches: options.maxBatches ?? 400 };
    const days: DayCleanup[] = [];
    for (const day of await daysWithRowsBefore(env.DB, cutoff)) {
      if (budget.batches === 0) break;
      days.push(await cleanupDay(env, day, budget, options.batchRows ?? 5_000));
    }
    const refused = days.filter((d) => d.refused);
    return {
      outcome: refused.length > 0 ? "warning" : "ok",
      details: { before: isoDay(cutoff), days, refused: refused.length, budgetLeft: budget.batches },
    };
  };
