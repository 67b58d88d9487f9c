/**
 * The rollup job (hourly, a few minutes past the hour): every closed hour marked in
 * rollup_pending — late data included — is rolled up (rollup-hour.ts), then hourly sketches
 * older than HOURLY_SKETCH_DAYS are merged into daily ones (tier-sketches.ts), and closed days
 * still kept hourly get their daily pre-merged sketches for the query API (premerge-days.ts).
 */
import { pendingHours } from "../db/rollup-inputs";
import { DAY_MS, dayStartOf, hourOf, isoTime } from "../shared/time";
import type { JobFn } from "./job";
import { premergeDays } from "./premerge-days";
import { type HourRollup, rollupHour } from "./rollup-hour";
import { tierSketches } from "./tier-sketches";

export const rollup: JobFn = async function rollup({ env, config, now }) {
  const closedBefore = hourOf(now);
  const hours = await pendingHours(env.DB, 0, closedBefore);
  const totals = { rowsRead: 0, sketchesWritten: 0, bucketRowsMoved: 0, casRetries: 0 };
  const stillPending: string[] = [];
  for (const hour of hours) {
    const done: HourRollup = await rollupHour(env.DB, hour, closedBefore);
    totals.rowsRead += done.rowsRead;
    totals.sketchesWritten += done.sketchesWritten;
    totals.bucketRowsMoved += done.bucketRowsMoved;
    totals.casRetries += done.casRetries;
    if (!done.done) stillPending.push(isoTime(hour));
  }
  const tierCutoff = dayStartOf(now) - config.hourlySketchDays * DAY_MS;
  const tiering = await tierSketches(env.DB, tierCutoff);
  const premerge = await premergeDays(env.DB, tierCutoff, closedBefore);
  return {
    outcome: "ok",
    details: {
      closedBefore: isoTime(closedBefore),
      hoursRolledUp: hours.length - stillPending.length,
      hoursLeftPending: stillPending,
      ...totals,
      tiering: { before: isoTime(tierCutoff), ...tiering },
      premerge,
    },
  };
};
