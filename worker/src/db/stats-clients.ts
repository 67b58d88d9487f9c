/**
 * Distinct clients of a range, grouped (total, per path, per time bucket). A group whose span
 * touches no day that cleanup has started on is counted exactly from the detail rows
 * (`count(DISTINCT client_hash)`). Otherwise it is the HyperLogLog union of the stored client
 * sketches covering it and of the client hashes of hours still pending rollup (rows in no sketch
 * yet, late rows of a cleaned day included) — within 1.7%, practically exact while sparse.
 */
import { slotsOfRange } from "../shared/day-slots";
import { dayStartOf, HOUR_MS, isoDay, parseIsoDay } from "../shared/time";
import { decodeHll, mergeEncodedHll } from "../sketches/codec";
import { HyperLogLog } from "../sketches/hll";
import { daysCleaning } from "./day-lifecycle";
import { slotRows } from "./detail-slots";
import type { HourRange, PathFilter } from "./read-stats";
import { type Grouping, groupByKey, keyColumns, keyOfRow, rowFilterSql, sketchKeys } from "./stats-grouping";
import { fromHex, readCoveringSketchRows } from "./stats-sketch-rows";

/** Starts (epoch ms) of the UTC days in range on which cleanup may have deleted detail rows. */
async function cleanedDays(db: D1Database, range: HourRange): Promise<Set<number>> {
  const days = await daysCleaning(db, isoDay(range.fromHour), isoDay(range.toHour - 1));
  return new Set(days.map((day) => parseIsoDay(day) ?? 0));
}

/**
 * The detail rows of [?1, ?2) matching `filterSql`: the slot tables of the range's days (there is
 * no ts index: each slot is scanned, rows read being a thousandth of the price of rows written).
 */
const rangeRows = (range: HourRange, filterSql: string): string =>
  slotRows(
    slotsOfRange(range.fromHour, range.toHour),
    "ts, path, method, client_hash",
    `ts >= ?1 AND ts < ?2 ${filterSql}`,
  );

/** Exact distinct clients from the detail rows, by key. */
async function exactCounts(
  db: D1Database,
  range: HourRange,
  filter: PathFilter,
  grouping: Grouping,
): Promise<Map<string, number>> {
  const f = rowFilterSql(filter, grouping, 3);
  const { results } = await db
    .prepare(
      `SELECT ${keyColumns(grouping, "ts")} count(DISTINCT client_hash) AS n
       FROM ${rangeRows(range, f.sql)} ${groupByKey(grouping)}`,
    )
    .bind(range.fromHour, range.toHour, ...f.params)
    .all<{ path?: string; method?: string; t?: number; n: number }>();
  return new Map(results.map((row) => [keyOfRow(grouping, row), row.n]));
}

/** HyperLogLog unions of stored sketches and pending hours' client hashes, by key. */
async function sketchedCounts(
  db: D1Database,
  range: HourRange,
  filter: PathFilter,
  grouping: Grouping,
): Promise<Map<string, number>> {
  const f = rowFilterSql(filter, grouping, 3);
  const [sketches, pending] = await Promise.all([
    readCoveringSketchRows(db, range, filter, grouping, "clients"),
    db
      .prepare(
        `SELECT DISTINCT ${keyColumns(grouping, "ts")} client_hash AS hash FROM ${rangeRows(
          range,
          `${f.sql} AND ts - ts % ${HOUR_MS} IN (SELECT hour FROM rollup_pending WHERE hour >= ?1 AND hour < ?2)`,
        )}`,
      )
      .bind(range.fromHour, range.toHour, ...f.params)
      .all<{ path?: string; method?: string; t?: number; hash: string }>(),
  ]);
  const unions = new Map<string, HyperLogLog>();
  const unionOf = (key: string) => {
    let union = unions.get(key);
    if (!union) {
      union = new HyperLogLog();
      unions.set(key, union);
    }
    return union;
  };
  for (const row of sketches) {
    const keys = sketchKeys(grouping, range, row);
    const bytes = fromHex(row.sketch);
    const [only] = keys;
    if (keys.length === 1 && only !== undefined) await mergeEncodedHll(unionOf(only), bytes);
    else {
      const hll = await decodeHll(bytes);
      for (const key of keys) unionOf(key).merge(hll);
    }
  }
  for (const row of pending.results) unionOf(keyOfRow(grouping, row)).add(row.hash);
  return new Map([...unions].map(([key, union]) => [key, union.count()]));
}

/** Distinct clients by grouping key: exact while hot, HyperLogLog once a day was cleaned. */
export async function readClientsBy(
  db: D1Database,
  range: HourRange,
  filter: PathFilter,
  grouping: Grouping,
): Promise<Map<string, number>> {
  const cleaned = await cleanedDays(db, range);
  if (cleaned.size === 0) return exactCounts(db, range, filter, grouping);
  if (grouping.by !== "time") return sketchedCounts(db, range, filter, grouping);
  // A time bucket lies within one UTC day: only buckets of cleaned days need the sketches.
  const [exact, sketched] = await Promise.all([
    exactCounts(db, range, filter, grouping),
    sketchedCounts(db, range, filter, grouping),
  ]);
  const counts = new Map<string, number>();
  for (const [key, n] of exact) if (!cleaned.has(dayStartOf(Number(key)))) counts.set(key, n);
  for (const [key, n] of sketched) if (cleaned.has(dayStartOf(Number(key)))) counts.set(key, n);
  return counts;
}
