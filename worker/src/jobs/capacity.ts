/**
 * The capacity job (daily 04:00): D1's size (as D1 reports it after a query), row counts per
 * table and the bytes held by sketches, with a warning past 80% of D1's 10 GB database limit.
 * The report is stored in job_runs, so the health endpoint shows it.
 */
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

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export const capacity: JobFn = async function capacity({ env }) {
  const { results: tables } = await env.DB.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table'
     AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name`,
  ).all<{ name: string }>();
  const counts = await env.DB.batch<{ n: number }>(
    // Table names come from sqlite_master, not from input; identifiers cannot be bound.
    tables.map((t) => env.DB.prepare(`SELECT count(*) AS n FROM ${quoteIdentifier(t.name)}`)),
  );
  const sketches = await env.DB.prepare(
    `SELECT kind || ':' || grain AS tier, count(*) AS rows, coalesce(sum(length(sketch)), 0) AS bytes
     FROM path_sketches GROUP BY kind, grain ORDER BY kind, grain`,
  ).all<{ tier: string; rows: number; bytes: number }>();
  const databaseBytes = sketches.meta.size_after;
  const rows = Object.fromEntries(tables.map((t, i) => [t.name, counts[i]?.results[0]?.n ?? 0]));
  const findings = capacityFindings(databaseBytes);
  return {
    outcome: findings.warning ? "warning" : "ok",
    details: {
      databaseBytes,
      limitBytes: D1_LIMIT_BYTES,
      ...findings,
      rows,
      sketchBytes: Object.fromEntries(
        sketches.results.map((s) => [s.tier, { rows: s.rows, bytes: s.bytes }]),
      ),
    },
  };
};
