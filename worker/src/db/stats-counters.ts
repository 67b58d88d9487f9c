/**
 * Exact counters of a range, grouped (total, per path, per time bucket): requests, 4xx/5xx,
 * duration sum and max, and distinct path templates. Read from the counter roll-ups where they
 * are current (stats-rollups.ts): whole days from path_stats_daily and, for an unfiltered time
 * series, hours from stats_hourly_totals — each only while none of its hours waits in
 * rollup_pending — and path_stats_hourly for the rest. One statement, so one consistent snapshot.
 */
import { DAY_MS, HOUR_MS } from "../shared/time";
import type { HourRange, PathFilter } from "./read-stats";
import { type Grouping, groupByKey, keyColumns, keyOfRow, rowFilterSql } from "./stats-grouping";
import { OTHER_PATH } from "./write-events";

export interface Counters {
  path?: string;
  method?: string;
  /** Start of the time bucket (time groupings). */
  t?: number;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  durationSumMs: number;
  durationMaxMs: number | null;
  /** Distinct path templates, `(other)` not counted. */
  paths: number;
}

/** Counters of a group without traffic. */
export const NO_COUNTS: Counters = {
  requests: 0,
  errors4xx: 0,
  errors5xx: 0,
  durationSumMs: 0,
  durationMaxMs: null,
  paths: 0,
};

const COLUMNS = "requests, status_4xx, status_5xx, duration_sum_ms, duration_max_ms";
const SUMS = `sum(requests) AS requests, sum(status_4xx) AS errors4xx, sum(status_5xx) AS errors5xx,
  sum(duration_sum_ms) AS durationSumMs, max(duration_max_ms) AS durationMaxMs`;

/** Whole rolled-up days of the range from path_stats_daily, every other hour from path_stats_hourly. */
function byDaySql(grouping: Grouping, filter: string): string {
  return `WITH RECURSIVE days(day) AS (
      SELECT ?3 UNION ALL SELECT day + ${DAY_MS} FROM days WHERE day + ${DAY_MS} < ?2
    ),
    whole(day) AS (
      SELECT day FROM days WHERE day >= ?1 AND day + ${DAY_MS} <= ?2
        AND EXISTS (SELECT 1 FROM path_stats_daily d WHERE d.day = days.day AND d.path = '*' AND d.method = '*')
        AND NOT EXISTS (SELECT 1 FROM rollup_pending p WHERE p.hour >= days.day AND p.hour < days.day + ${DAY_MS})
    ),
    picked AS (
      SELECT path, method, ${COLUMNS} FROM whole CROSS JOIN path_stats_daily d ON d.day = whole.day
        WHERE d.path <> '*' ${filter}
      UNION ALL
      SELECT path, method, ${COLUMNS} FROM days CROSS JOIN path_stats_hourly h
        ON h.hour >= max(days.day, ?1) AND h.hour < min(days.day + ${DAY_MS}, ?2)
        WHERE days.day NOT IN whole ${filter}
    )
    SELECT ${keyColumns(grouping, "")} ${SUMS}, count(DISTINCT nullif(path, '${OTHER_PATH}')) AS paths
    FROM picked ${groupByKey(grouping)}`;
}

/** Per time bucket, all paths: hours from stats_hourly_totals where current, else path_stats_hourly. */
function byHourSql(stepMs: number): string {
  return `WITH RECURSIVE hours(hour) AS (
      SELECT ?1 UNION ALL SELECT hour + ${HOUR_MS} FROM hours WHERE hour + ${HOUR_MS} < ?2
    ),
    ready(hour) AS (
      SELECT t.hour FROM stats_hourly_totals t WHERE t.hour >= ?1 AND t.hour < ?2
        AND NOT EXISTS (SELECT 1 FROM rollup_pending p WHERE p.hour = t.hour)
    ),
    picked AS (
      SELECT t.hour, ${COLUMNS} FROM ready CROSS JOIN stats_hourly_totals t ON t.hour = ready.hour
      UNION ALL
      SELECT h.hour, ${COLUMNS} FROM hours CROSS JOIN path_stats_hourly h ON h.hour = hours.hour
        WHERE hours.hour NOT IN ready
    )
    SELECT hour - hour % ${stepMs} AS t, ${SUMS}, 0 AS paths FROM picked GROUP BY t`;
}

/** A filtered time series: the hourly rows of the path and/or method. */
function filteredSql(grouping: Grouping, filter: string): string {
  return `SELECT ${keyColumns(grouping, "hour")} ${SUMS}, count(DISTINCT nullif(path, '${OTHER_PATH}')) AS paths
    FROM path_stats_hourly WHERE hour >= ?1 AND hour < ?2 ${filter} ${groupByKey(grouping)}`;
}

/** The statement of a grouping and filter, with its parameters. */
function countersQuery(
  range: HourRange,
  filter: PathFilter,
  grouping: Grouping,
): { sql: string; params: unknown[] } {
  const { fromHour, toHour } = range;
  const f = rowFilterSql(filter, grouping, 4);
  const params = [fromHour, toHour, fromHour - (fromHour % DAY_MS), ...f.params];
  if (grouping.by !== "time") return { sql: byDaySql(grouping, f.sql), params };
  if (filter.path === undefined && filter.method === undefined)
    return { sql: byHourSql(grouping.stepMs), params: [fromHour, toHour] };
  return { sql: filteredSql(grouping, f.sql), params };
}

/** Counters of every group with traffic in the range, by grouping key. */
export async function readCountersBy(
  db: D1Database,
  range: HourRange,
  filter: PathFilter,
  grouping: Grouping,
): Promise<Map<string, Counters>> {
  const { sql, params } = countersQuery(range, filter, grouping);
  const { results } = await db
    .prepare(sql)
    .bind(...params)
    .all<Counters>();
  // A total over no rows is one row of NULL sums: no group.
  return new Map(results.filter((row) => row.requests !== null).map((row) => [keyOfRow(grouping, row), row]));
}
