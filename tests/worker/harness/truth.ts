/**
 * The one ground-truth model of the worker tests: what the pipeline must hold, computed in plain
 * TypeScript from the events a test sent (independently of the Worker's SQL and stats code), and
 * the same aggregates read back from D1 in the same shape. Latency bucket keys come from
 * `bucketOf`, whose accuracy tests/unit/latency.test.ts proves; what is checked here is that
 * every event lands in its bucket exactly once.
 */
import { env } from "cloudflare:test";
import { TEST_SECRETS } from "../../secrets";
import { HOUR } from "./events";
import { bucketOf, OTHER_PATH, type TrafficEvent } from "./worker";

/** The fields of an event the aggregates are built from. */
export type TruthEvent = Pick<
  TrafficEvent,
  "id" | "ts" | "path" | "method" | "status" | "durationMs" | "bytes"
>;

/** A row of path_stats_hourly. */
export interface HourlyRow {
  hour: number;
  path: string;
  method: string;
  requests: number;
  status_1xx: number;
  status_2xx: number;
  status_3xx: number;
  status_4xx: number;
  status_5xx: number;
  duration_sum_ms: number;
  duration_min_ms: number;
  duration_max_ms: number;
  bytes: number;
}

/** A row of path_latency_hourly. */
export interface LatencyCell {
  hour: number;
  path: string;
  method: string;
  bucket: number;
  count: number;
}

/** Every aggregate of the write path, each in its table's key order. */
export interface Aggregates {
  storedIds: string[];
  hourly: HourlyRow[];
  latency: LatencyCell[];
  dailyPaths: { day: string; path: string }[];
  pendingHours: number[];
  eventsStored: number;
}

const compareKeys = (a: readonly (string | number)[], b: readonly (string | number)[]): number => {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

const hourOf = (ts: number) => ts - (ts % HOUR);
const statusClass = (status: number) => Math.min(5, Math.floor(status / 100));

/** Each id once (the first occurrence), as a stored event. */
export function uniqueById<E extends Pick<TrafficEvent, "id">>(events: readonly E[]): E[] {
  const byId = new Map<string, E>();
  for (const e of events) if (!byId.has(e.id)) byId.set(e.id, e);
  return [...byId.values()];
}

function addToHourly(rows: Map<string, HourlyRow>, e: TruthEvent): void {
  const hour = hourOf(e.ts);
  const key = JSON.stringify([hour, e.path, e.method]);
  const row = rows.get(key) ?? {
    hour,
    path: e.path,
    method: e.method,
    requests: 0,
    status_1xx: 0,
    status_2xx: 0,
    status_3xx: 0,
    status_4xx: 0,
    status_5xx: 0,
    duration_sum_ms: 0,
    duration_min_ms: Number.POSITIVE_INFINITY,
    duration_max_ms: Number.NEGATIVE_INFINITY,
    bytes: 0,
  };
  row.requests += 1;
  row[`status_${statusClass(e.status)}xx` as "status_1xx"] += 1;
  row.duration_sum_ms += e.durationMs;
  row.duration_min_ms = Math.min(row.duration_min_ms, e.durationMs);
  row.duration_max_ms = Math.max(row.duration_max_ms, e.durationMs);
  row.bytes += e.bytes ?? 0;
  rows.set(key, row);
}

/** The expected path_latency_hourly cells of some events. */
function latencyCellsOf(events: readonly TruthEvent[]): LatencyCell[] {
  const cells = new Map<string, LatencyCell>();
  for (const e of events) {
    const [hour, bucket] = [hourOf(e.ts), bucketOf(e.durationMs)];
    const key = JSON.stringify([hour, e.path, e.method, bucket]);
    const cell = cells.get(key) ?? { hour, path: e.path, method: e.method, bucket, count: 0 };
    cell.count += 1;
    cells.set(key, cell);
  }
  return [...cells.values()].sort((a, b) =>
    compareKeys([a.hour, a.path, a.method, a.bucket], [b.hour, b.path, b.method, b.bucket]),
  );
}

/** What every aggregate must hold after `delivered` (duplicates included) were stored. */
export function truthOf(delivered: readonly TruthEvent[]): Aggregates {
  const events = uniqueById(delivered);
  const hourly = new Map<string, HourlyRow>();
  for (const e of events) addToHourly(hourly, e);
  // daily_paths lists the templates admitted under the per-day cap; the overflow is not one.
  const admitted = events.filter((e) => e.path !== OTHER_PATH);
  const days = new Set(
    admitted.map((e) => JSON.stringify([new Date(e.ts).toISOString().slice(0, 10), e.path])),
  );
  return {
    storedIds: events.map((e) => e.id).sort(),
    hourly: [...hourly.values()].sort((a, b) =>
      compareKeys([a.hour, a.path, a.method], [b.hour, b.path, b.method]),
    ),
    latency: latencyCellsOf(events),
    dailyPaths: [...days]
      .map((d) => JSON.parse(d) as [string, string])
      .sort(compareKeys)
      .map(([day, path]) => ({ day, path })),
    pendingHours: [...new Set(events.map((e) => hourOf(e.ts)))].sort((a, b) => a - b),
    eventsStored: events.length,
  };
}

/** The same aggregates as D1 holds them. */
export async function readAggregates(db: D1Database = env.DB): Promise<Aggregates> {
  const [ids, hourly, latency, dailyPaths, pending, stored] = await db.batch([
    db.prepare("SELECT id FROM traffic_events ORDER BY id"),
    db.prepare(
      `SELECT hour, path, method, requests, status_1xx, status_2xx, status_3xx, status_4xx, status_5xx,
         duration_sum_ms, duration_min_ms, duration_max_ms, bytes
       FROM path_stats_hourly ORDER BY hour, path, method`,
    ),
    db.prepare(
      "SELECT hour, path, method, bucket, count FROM path_latency_hourly ORDER BY hour, path, method, bucket",
    ),
    db.prepare("SELECT day, path FROM daily_paths ORDER BY day, path"),
    db.prepare("SELECT hour FROM rollup_pending ORDER BY hour"),
    db.prepare("SELECT value FROM pipeline_counters WHERE name = 'events_stored'"),
  ]);
  const rows = <T>(result: D1Result | undefined) => (result?.results ?? []) as T[];
  return {
    storedIds: rows<{ id: string }>(ids).map((r) => r.id),
    hourly: rows<HourlyRow>(hourly),
    latency: rows<LatencyCell>(latency),
    dailyPaths: rows<{ day: string; path: string }>(dailyPaths),
    pendingHours: rows<{ hour: number }>(pending).map((r) => r.hour),
    eventsStored: rows<{ value: number }>(stored)[0]?.value ?? 0,
  };
}

/** The aggregates that do not depend on event ids: everything but `storedIds`. */
export type Counts = Omit<Aggregates, "storedIds">;

const countsOf = ({ storedIds: _ids, ...counts }: Aggregates): Counts => counts;

/**
 * What the aggregates must hold after `known` were stored, for a test that knows every field of
 * its events but their ids (the Worker derives them): each known event is a distinct event.
 */
export const aggregatesOfKnown = (known: readonly Omit<TruthEvent, "id">[]): Counts =>
  countsOf(truthOf(known.map((e, i) => ({ ...e, id: `known-${i}` }))));

/** The stored aggregates, to compare with `aggregatesOfKnown`. */
export const storedAggregates = async (db: D1Database = env.DB): Promise<Counts> =>
  countsOf(await readAggregates(db));

/** The exact latency histogram (bucket → count) of some events, as the sketches must hold it. */
export function latencyHistogramOf(events: readonly Pick<TrafficEvent, "durationMs">[]): Map<number, number> {
  const histogram = new Map<number, number>();
  for (const e of events)
    histogram.set(bucketOf(e.durationMs), (histogram.get(bucketOf(e.durationMs)) ?? 0) + 1);
  return histogram;
}

/** The q-quantile (0 < q ≤ 1) by nearest rank: the value at rank ⌈q·n⌉ of the sorted values. */
export function nearestRank(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  // q·n in floating point can land just above an integer (0.07 × 100); round it back first.
  const rank = Math.ceil(Number((q * sorted.length).toPrecision(12)));
  return sorted[Math.max(1, rank) - 1] ?? Number.NaN;
}

/** How many distinct clients sent some events. */
export const distinctClients = (events: readonly Pick<TrafficEvent, "clientHash">[]): number =>
  new Set(events.map((e) => e.clientHash)).size;

/** HMAC-SHA256(test salt, ip) as 32 hex chars, computed here independently of the Worker code. */
export async function expectedClientHash(ip: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(TEST_SECRETS.CLIENT_IP_SALT),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(ip)));
  return Array.from(mac.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The stats figures of a set of stored events, computed directly (nulls when there are none). */
export function statsOf(events: readonly TrafficEvent[]) {
  const durations = events.map((e) => e.durationMs).sort((a, b) => a - b);
  const errors4xx = events.filter((e) => e.status >= 400 && e.status < 500).length;
  const errors5xx = events.filter((e) => e.status >= 500).length;
  const n = events.length;
  const percentile = (q: number) => (n > 0 ? nearestRank(durations, q) : null);
  return {
    requests: n,
    errors4xx,
    errors5xx,
    errorRate: n > 0 ? (errors4xx + errors5xx) / n : 0,
    p50: percentile(0.5),
    p95: percentile(0.95),
    p99: percentile(0.99),
    avg: n > 0 ? durations.reduce((a, b) => a + b, 0) / n : null,
    max: durations[n - 1] ?? null,
    uniqueClients: distinctClients(events),
    paths: new Set(events.map((e) => e.path)).size,
  };
}

/** The summary endpoint's figures: the stats of the events (each id once) in [fromHour, toHour). */
export const summaryTruth = (events: readonly TrafficEvent[], fromHour: number, toHour: number) =>
  statsOf(uniqueById(events).filter((e) => e.ts >= fromHour && e.ts < toHour));
