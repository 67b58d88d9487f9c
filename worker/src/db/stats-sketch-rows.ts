/**
 * The stored sketches covering a range, as hex rows, for the latency and unique-client reads:
 * hourly sketches (path_sketches, grain 'hour') inside the range, daily ones of tiered days
 * overlapping it, and — for every whole day of the range whose pre-merged sketches are current
 * (migrations/0006: fingerprint set, no hour pending) — that day's one pre-merged sketch per
 * group instead of its 24 hourly ones. A pre-merged sketch is exactly the merge of those hourly
 * sketches, so answers are the same either way; an hourly time series never reads them (it
 * needs each hour).
 */
import { DAY_MS } from "../shared/time";
import type { HourRange, PathFilter } from "./read-stats";
import { coveringParams, type Grouping, sketchFilterSql } from "./stats-grouping";

/** Nibble of each hex digit's char code (both cases); a table beats parseInt by ~10×. */
const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 16; i++) {
  NIBBLE[i.toString(16).charCodeAt(0)] = i;
  NIBBLE[i.toString(16).toUpperCase().charCodeAt(0)] = i;
}

/** Bytes of a hex string (as SQLite's hex() writes them). */
export function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = ((NIBBLE[hex.charCodeAt(2 * i)] ?? 0) << 4) | (NIBBLE[hex.charCodeAt(2 * i + 1)] ?? 0);
  return bytes;
}

export interface SketchRow {
  /** 'hour' or 'day' (a tiered or pre-merged day: covers the day's 24 hours). */
  grain: string;
  start: number;
  path: string;
  method: string;
  /** Upper-case hex of the stored bytes. */
  sketch: string;
}

/**
 * CTEs: `merged(day, fp)`, the whole days of the range with current pre-merged sketches, and
 * `hourly(day)`, the other days the range touches (read from their hourly sketches, one index
 * range per day, so a merged day's hourly sketches are not even scanned).
 */
const DAYS_CTE = `RECURSIVE days(day) AS (
    SELECT ?1 - ?1 % ${DAY_MS} UNION ALL SELECT day + ${DAY_MS} FROM days WHERE day + ${DAY_MS} < ?2
  ),
  merged(day, fp) AS (
    SELECT m.day, m.fingerprint FROM days CROSS JOIN sketch_days m ON m.day = days.day
    WHERE m.fingerprint IS NOT NULL AND m.day >= ?1 AND m.day + ${DAY_MS} <= ?2
      AND NOT EXISTS (SELECT 1 FROM rollup_pending p WHERE p.hour >= m.day AND p.hour < m.day + ${DAY_MS})
  ),
  hourly(day) AS (SELECT day FROM days WHERE day NOT IN (SELECT day FROM merged))`;

interface Source {
  /** FROM clause of path_sketches AS s (tiered daily sketches). */
  stored: string;
  /** FROM clause of path_sketches AS s joined to the `hourly` days (as `d`). */
  hourly: string;
  /** FROM clause of the pre-merged sketches AS s joined to `merged`. */
  premerged: string;
  where: string;
  params: string[];
}

/**
 * Where the sketch rows come from and which ones: for a leaderboard's chosen groups, a walk over
 * the groups that looks each one up by its unique index (kind, grain/day, path, method, start);
 * otherwise the filter (the all-paths total when nothing is filtered).
 */
function sketchSource(filter: PathFilter, grouping: Grouping): Source {
  const premerged =
    "merged CROSS JOIN path_sketches_premerged AS s ON s.day = merged.day AND s.fingerprint = merged.fp";
  const hourly = "hourly AS d CROSS JOIN path_sketches AS s";
  if (grouping.by === "path" && grouping.only !== undefined)
    return {
      stored: "json_each(?5) AS g CROSS JOIN path_sketches AS s",
      hourly: `json_each(?5) AS g CROSS JOIN ${hourly}`,
      premerged: `json_each(?5) AS g CROSS JOIN ${premerged}`,
      where: "AND s.path = g.value ->> '$[0]' AND s.method = g.value ->> '$[1]'",
      params: [JSON.stringify(grouping.only)],
    };
  const f = sketchFilterSql(filter, grouping, 5);
  return { stored: "path_sketches AS s", hourly, premerged, where: f.sql, params: f.params.map(String) };
}

/** An hourly series needs each hour's own sketch; every other grouping may read pre-merged days. */
const readsPremerged = (grouping: Grouping): boolean => grouping.by !== "time" || grouping.stepMs >= DAY_MS;

/** Stored sketches of `kind` covering the range that the grouping and filter select. */
export async function readCoveringSketchRows(
  db: D1Database,
  range: HourRange,
  filter: PathFilter,
  grouping: Grouping,
  kind: "latency" | "clients",
): Promise<SketchRow[]> {
  const source = sketchSource(filter, grouping);
  // hex(): a BLOB crosses the D1 boundary as an array of numbers, ~4× slower than its hex text.
  const columns = "s.path, s.method, hex(s.sketch) AS sketch";
  const stored = `SELECT s.grain, s.start, ${columns} FROM ${source.stored} WHERE s.kind = ?4`;
  // Index ranges (hourly sketches inside the range, daily ones overlapping it), not one OR.
  const hourly = `${stored} AND s.grain = 'hour' AND s.start >= ?1 AND s.start < ?2 ${source.where}`;
  const daily = `${stored} AND s.grain = 'day' AND s.start > ?3 AND s.start < ?2 ${source.where}`;
  const sql = readsPremerged(grouping)
    ? `WITH ${DAYS_CTE}
       SELECT s.grain, s.start, ${columns} FROM ${source.hourly} WHERE s.kind = ?4 AND s.grain = 'hour'
         AND s.start >= max(d.day, ?1) AND s.start < min(d.day + ${DAY_MS}, ?2) ${source.where}
       UNION ALL ${daily}
       UNION ALL SELECT 'day', s.day, ${columns} FROM ${source.premerged} WHERE s.kind = ?4 ${source.where}`
    : `${hourly} UNION ALL ${daily}`;
  const { results } = await db
    .prepare(sql)
    .bind(...coveringParams(range), kind, ...source.params)
    .all<SketchRow>();
  return results;
}
