/**
 * How the stats reads group what they read: one total (summary), one group per (path, method)
 * (leaderboard, compare) or one per time bucket (time series). Each grouping says which SQL
 * columns make its key in a table and which keys a stored sketch contributes to — a daily sketch
 * covers all 24 hourly buckets of its day (the finest resolution kept once sketches are tiered).
 */
import { DAY_MS, HOUR_MS } from "../shared/time";
import type { HourRange, PathFilter } from "./read-stats";
import { ALL, groupKey } from "./sketch-store";

/** A (path, method) pair. */
export type PathGroup = readonly [string, string];

export type Grouping =
  | { by: "total" }
  /** `only`: read just these groups (e.g. the top N of a leaderboard already ranked by counts). */
  | { by: "path"; only?: readonly PathGroup[] }
  /** `stepMs`: HOUR_MS or DAY_MS; buckets start at multiples of it (UTC hours or days). */
  | { by: "time"; stepMs: number };

/** The key of the one group of a total. */
export const TOTAL_KEY = "";

/** The key of a time bucket. */
export const timeKey = (start: number): string => String(start);

/** Key columns (with a trailing comma when any) of `table`'s time column for a grouping. */
export function keyColumns(grouping: Grouping, timeColumn: string): string {
  if (grouping.by === "path") return "path, method,";
  if (grouping.by === "time") return `${timeColumn} - ${timeColumn} % ${grouping.stepMs} AS t,`;
  return "";
}

/** GROUP BY terms for the key (with a trailing comma when any). */
export const keyGroupBy = (grouping: Grouping): string =>
  grouping.by === "path" ? "path, method," : grouping.by === "time" ? "t," : "";

/** `GROUP BY ...` of the key alone (empty for a total). */
export const groupByKey = (grouping: Grouping): string =>
  grouping.by === "total" ? "" : `GROUP BY ${keyGroupBy(grouping).replace(/,$/, "")}`;

/** The key of a row selected with keyColumns. */
export function keyOfRow(grouping: Grouping, row: { path?: string; method?: string; t?: number }): string {
  if (grouping.by === "path") return groupKey(row.path ?? "", row.method ?? "");
  if (grouping.by === "time") return timeKey(row.t ?? 0);
  return TOTAL_KEY;
}

export interface BoundSql {
  sql: string;
  params: (string | number)[];
}

/** `AND path = ? AND method = ?` for the filters that are set, params numbered from `first`. */
export function filterSql(filter: PathFilter, first: number): BoundSql {
  const parts: string[] = [];
  const params: string[] = [];
  for (const column of ["path", "method"] as const) {
    const value = filter[column];
    if (value === undefined) continue;
    params.push(value);
    parts.push(`AND ${column} = ?${first + params.length - 1}`);
  }
  return { sql: parts.join(" "), params };
}

/** The filter plus, for a restricted path grouping, `AND (path, method) IN (...)`. */
export function rowFilterSql(filter: PathFilter, grouping: Grouping, first: number): BoundSql {
  const f = filterSql(filter, first);
  if (grouping.by !== "path" || grouping.only === undefined) return f;
  const n = first + f.params.length;
  return {
    sql: `${f.sql} AND (path, method) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?${n}))`,
    params: [...f.params, JSON.stringify(grouping.only)],
  };
}

/**
 * Which sketch rows to read: per-path groupings read the per-path sketches (never the all-paths
 * total); totals and time series read the total sketches unless a path or method is filtered.
 */
export function sketchFilterSql(filter: PathFilter, grouping: Grouping, first: number): BoundSql {
  if (grouping.by === "path") {
    const f = rowFilterSql(filter, grouping, first);
    return { sql: `${f.sql} AND path <> '${ALL}'`, params: f.params };
  }
  const unfiltered = filter.path === undefined && filter.method === undefined;
  return filterSql(unfiltered ? { path: ALL, method: ALL } : filter, first);
}

/** Keys a stored sketch contributes to, within the range. */
export function sketchKeys(
  grouping: Grouping,
  range: HourRange,
  row: { grain: string; start: number; path: string; method: string },
): string[] {
  if (grouping.by === "path") return [groupKey(row.path, row.method)];
  if (grouping.by === "total") return [TOTAL_KEY];
  const { stepMs } = grouping;
  if (row.grain === "hour" || stepMs >= DAY_MS) return [timeKey(row.start - (row.start % stepMs))];
  const keys: string[] = [];
  for (let hour = row.start; hour < row.start + DAY_MS; hour += HOUR_MS)
    if (hour >= range.fromHour && hour < range.toHour) keys.push(timeKey(hour));
  return keys;
}

/** Params ?1..?3 of a covering-sketches read: from, to, and the earliest daily sketch start + 1 day. */
export const coveringParams = (range: HourRange): number[] => [
  range.fromHour,
  range.toHour,
  range.fromHour - DAY_MS,
];
