/**
 * Exact counters of a range from path_stats_hourly (hourly forever, never tiered), grouped
 * (total, per path, per time bucket): requests, 4xx/5xx, duration sum and max.
 */
import type { HourRange, PathFilter } from "./read-stats";
import { type Grouping, groupByKey, keyColumns, keyOfRow, rowFilterSql } from "./stats-grouping";

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
}

/** Counters of every group with traffic in the range, by grouping key. */
export async function readCountersBy(
  db: D1Database,
  range: HourRange,
  filter: PathFilter,
  grouping: Grouping,
): Promise<Map<string, Counters>> {
  const f = rowFilterSql(filter, grouping, 3);
  const { results } = await db
    .prepare(
      `SELECT ${keyColumns(grouping, "hour")} sum(requests) AS requests, sum(status_4xx) AS errors4xx,
         sum(status_5xx) AS errors5xx, sum(duration_sum_ms) AS durationSumMs, max(duration_max_ms) AS durationMaxMs
       FROM path_stats_hourly WHERE hour >= ?1 AND hour < ?2 ${f.sql} ${groupByKey(grouping)}`,
    )
    .bind(range.fromHour, range.toHour, ...f.params)
    .all<Counters>();
  // A total over no rows is one row of NULL sums: no group.
  return new Map(results.filter((row) => row.requests !== null).map((row) => [keyOfRow(grouping, row), row]));
}
