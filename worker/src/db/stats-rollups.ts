/**
 * Counter roll-ups of the query API (migrations/0004): the all-paths total of an hour and the
 * per-path totals of a whole UTC day, recomputed from path_stats_hourly when the rollup job closes
 * an hour — in the same D1 batch as the hour's removal from rollup_pending, so a roll-up row is
 * never older than the hourly rows while its hours are not pending. Readers (stats-counters.ts)
 * use a roll-up row only when none of its hours is pending; late events put their hour back in
 * rollup_pending in the same transaction as their counters, so answers stay exact.
 */
import { DAY_MS } from "../shared/time";
import { invalidatePremergeStatement } from "./sketch-premerge";

const SUMS = `sum(requests), sum(status_4xx), sum(status_5xx), sum(duration_sum_ms), max(duration_max_ms)`;
const REPLACE = `requests = excluded.requests, status_4xx = excluded.status_4xx, status_5xx = excluded.status_5xx,
  duration_sum_ms = excluded.duration_sum_ms, duration_max_ms = excluded.duration_max_ms`;
const DAY_NOT_PENDING = "NOT EXISTS (SELECT 1 FROM rollup_pending WHERE hour >= ?1 AND hour < ?1 + ?2)";

/**
 * Statements to run right after the hour left rollup_pending (same batch): the hour's total, the
 * day's pre-merged sketches marked for a new merge (the hour's sketches changed), and — when the
 * hour's day is over (ends at or before `closedBefore`) and none of its hours is pending — the
 * day's per-path rows and its total.
 */
export function counterRollupStatements(
  db: D1Database,
  hour: number,
  closedBefore: number,
): D1PreparedStatement[] {
  const statements = [
    db
      .prepare(
        `INSERT INTO stats_hourly_totals SELECT hour, ${SUMS} FROM path_stats_hourly WHERE hour = ?1 GROUP BY hour
         ON CONFLICT (hour) DO UPDATE SET ${REPLACE}`,
      )
      .bind(hour),
    invalidatePremergeStatement(db, hour),
  ];
  const day = hour - (hour % DAY_MS);
  if (day + DAY_MS > closedBefore) return statements;
  return [
    ...statements,
    db
      .prepare(
        `INSERT INTO path_stats_daily SELECT ?1, path, method, ${SUMS} FROM path_stats_hourly
         WHERE hour >= ?1 AND hour < ?1 + ?2 AND ${DAY_NOT_PENDING} GROUP BY path, method
         ON CONFLICT (day, path, method) DO UPDATE SET ${REPLACE}`,
      )
      .bind(day, DAY_MS),
    db
      .prepare(
        `INSERT INTO path_stats_daily SELECT ?1, '*', '*', ${SUMS} FROM path_stats_hourly
         WHERE hour >= ?1 AND hour < ?1 + ?2 AND ${DAY_NOT_PENDING} HAVING count(*) > 0
         ON CONFLICT (day, path, method) DO UPDATE SET ${REPLACE}`,
      )
      .bind(day, DAY_MS),
  ];
}
