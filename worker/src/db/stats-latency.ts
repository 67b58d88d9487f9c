/**
 * Latency histograms of a range, grouped (total, per path, per time bucket): the bucket rows not
 * yet compacted (path_latency_hourly) plus the compacted sketches covering the range
 * (path_sketches, hourly or daily). Rollup moves counts from the first to the second in one
 * transaction, so the sum is exact at every moment; see read-stats.ts.
 */
import { decodeLatency } from "../sketches/codec";
import { addToHistogram, type LatencyHistogram } from "../sketches/latency";
import type { HourRange, PathFilter } from "./read-stats";
import { toBytes } from "./sketch-store";
import {
  COVERING_SKETCHES,
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
  sketch: unknown;
}

/** Stored sketches of `kind` covering the range that the grouping and filter select. */
export async function readCoveringSketchRows(
  db: D1Database,
  range: HourRange,
  filter: PathFilter,
  grouping: Grouping,
  kind: "latency" | "clients",
): Promise<SketchRow[]> {
  const f = sketchFilterSql(filter, grouping, 5);
  const { results } = await db
    .prepare(
      `SELECT grain, start, path, method, sketch FROM path_sketches
       WHERE kind = ?4 AND ${COVERING_SKETCHES} ${f.sql}`,
    )
    .bind(...coveringParams(range), kind, ...f.params)
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
    const decoded = decodeLatency(toBytes(row.sketch));
    for (const key of keys) {
      const histogram = histogramOf(histograms, key);
      for (const [bucket, count] of decoded) addToHistogram(histogram, bucket, count);
    }
  }
  return histograms;
}
