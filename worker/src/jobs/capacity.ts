/**
 * The capacity job (daily 04:00): D1's size (as D1 reports it after a query), row counts per
 * table and the bytes held by sketches, with a warning past 80% of D1's 10 GB database limit.
 * The report is stored in job_runs, so the health endpoint shows it.
 */
import { countRowsPerTable, measureSketches } from "../db/capacity";
import type { JobFn } from "./job";

/** D1's maximum database size on Workers Paid: 10 GB. */
export const D1_LIMIT_BYTES = 10_000_000_000;
export const WARN_FRACTION = 0.8;

/** The share of the limit used and, past WARN_FRACTION, a warning saying what to do. */
export function capacityFindings(databaseBytes: number, limitBytes: number = D1_LIMIT_BYTES) {
  const usedFraction = databaseBytes / limitBytes;
  const warning =
    usedFraction > WARN_FRACTION
      ? `D1 holds ${(usedFraction * 100).toFixed(1)}% of its ${limitBytes} byte limit (warning above ${WARN_FRACTION * 100}%): ` +
        "lower HOT_DAYS or HOURLY_SKETCH_DAYS, or check that archive and cleanup run"
      : null;
  return { usedPercent: Math.round(usedFraction * 10_000) / 100, warning };
}

export const capacity: JobFn = async function capacity({ env }) {
  const rows = await countRowsPerTable(env.DB);
  // Measured after the counts, so the size D1 reports is as of this run.
  const { databaseBytes, sketchBytes } = await measureSketches(env.DB);
  const findings = capacityFindings(databaseBytes);
  return {
    outcome: findings.warning ? "warning" : "ok",
    details: { databaseBytes, limitBytes: D1_LIMIT_BYTES, ...findings, rows, sketchBytes },
  };
};
