/**
 * Latency histograms of a range, grouped (total, per path, per time bucket): the bucket rows not
 * yet compacted (path_latency_hourly) plus the compacted sketches covering the range
 * (path_sketches, hourly or daily). Rollup moves counts from the first to the second in one
 * transaction, so the sum is exact at every moment; see read-stats.ts.
 */
import { decodeLatency } from "../sketches/codec";
import { addToHistogram, type LatencyHistogram } from "../sketches/latency";
import type { HourRange, PathFilter } from "./read-stats";

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

import {
  coveringParams,
  type Grouping,
  keyColumns,
  keyGroupBy,
  keyOfRow,
  rowFilterSql,
  sketchFilterSql,
  sketchKeys,
} from "./stats-grouping";

interface SketchRow {
  grain: string;
  start: number;
  path: string;
  method: string;
  /** Upper-case hex of the stored bytes. */
  sketch: string;
}

/**
 * Where the sketch rows come from and which ones: for a leaderboard's chosen groups, a walk over
 * the groups that looks each one up by the unique (kind, grain, path, method, start) index;
 * otherwise the filter (the all-paths total when nothing is filtered).
 */
function sketchSource(
  filter: PathFilter,
  grouping: Grouping,
): { from: string; where: string; params: string[] } {
  if (grouping.by === "path" && grouping.only !== undefined)
    return {
      from: "json_each(?5) AS g CROSS JOIN path_sketches AS s",
      where: "AND s.path = g.value ->> '$[0]' AND s.method = g.value ->> '$[1]'",
      params: [JSON.stringify(grouping.only)],
    };
  const f = sketchFilterSql(filter, grouping, 5);
  return { from: "path_sketches AS s", where: f.sql, params: f.params.map(String) };
}

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
  const select = `SELECT s.grain, s.start, s.path, s.method, hex(s.sketch) AS sketch FROM ${source.from} WHERE s.kind = ?4`;
  // Two index ranges (hourly sketches inside the range, daily ones overlapping it), not one OR.
  const { results } = await db
    .prepare(
      `${select} AND s.grain = 'hour' AND s.start >= ?1 AND s.start < ?2 ${source.where}
       UNION ALL
       ${select} AND s.grain = 'day' AND s.start > ?3 AND s.start < ?2 ${source.where}`,
    )
    .bind(...coveringParams(range), kind, ...source.params)
    .all<SketchRow>();
  return results;
}

const histogramOf = (into: Map<string, LatencyHistogram>, key: string): LatencyHistogram => {
  let histogram = into.get(key);
  if (!histogram) {
    histogram = new Map();
    into.set(key, histogram);
  }
  return histogram;
};

/** The merged latency histogram of every group of the range, by grouping key. */
export async function readLatencyBy(
  db: D1Database,
  range: HourRange,
  filter: PathFilter,
  grouping: Grouping,
): Promise<Map<string, LatencyHistogram>> {
  const f = rowFilterSql(filter, grouping, 3);
  const [{ results }, sketches] = await Promise.all([
    db
      .prepare(
        `SELECT ${keyColumns(grouping, "hour")} bucket, sum(count) AS count FROM path_latency_hourly
         WHERE hour >= ?1 AND hour < ?2 ${f.sql} GROUP BY ${keyGroupBy(grouping)} bucket`,
      )
      .bind(range.fromHour, range.toHour, ...f.params)
      .all<{ path?: string; method?: string; t?: number; bucket: number; count: number }>(),
    readCoveringSketchRows(db, range, filter, grouping, "latency"),
  ]);
  const histograms = new Map<string, LatencyHistogram>();
  for (const row of results)
    addToHistogram(histogramOf(histograms, keyOfRow(grouping, row)), row.bucket, row.count);
  for (const row of sketches) {
    const keys = sketchKeys(grouping, range, row);
    const [only] = keys;
    // One key (the usual case): decode straight into its histogram.
    if (keys.length === 1 && only !== undefined)
      decodeLatency(fromHex(row.sketch), histogramOf(histograms, only));
    else {
      const decoded = decodeLatency(fromHex(row.sketch));
      for (const key of keys) {
        const histogram = histogramOf(histograms, key);
        for (const [bucket, count] of decoded) addToHistogram(histogram, bucket, count);
      }
    }
  }
  return histograms;
}
