/**
 * Latency histograms of a range, grouped (total, per path, per time bucket): the bucket rows not
 * yet compacted (path_latency_hourly) plus the compacted sketches covering the range
 * (stats-sketch-rows.ts: hourly, daily or pre-merged daily). Rollup moves counts from the first to the second in one
 * transaction, so the sum is exact at every moment; see read-stats.ts.
 */
import { decodeLatency } from "../sketches/codec";
import { addToHistogram, type LatencyHistogram } from "../sketches/latency";
import type { HourRange, PathFilter } from "./read-stats";

import { type Grouping, keyColumns, keyGroupBy, keyOfRow, rowFilterSql, sketchKeys } from "./stats-grouping";
import { fromHex, readCoveringSketchRows } from "./stats-sketch-rows";

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
