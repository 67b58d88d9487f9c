/**
 * Ground truth for the pipeline's aggregates, computed in plain TypeScript from the events a test
 * generated (independently of the SQL write path), and the same aggregates as stored in D1.
 * Latency bucket keys come from `bucketOf`, whose accuracy tests/unit/latency.test.ts proves;
 * what is checked here is that every event lands in its bucket exactly once.
 */
import type { TrafficEvent } from "../../worker/src/event";
import { bucketOf } from "../../worker/src/sketches/latency";

const HOUR_MS = 3_600_000;

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

export interface Aggregates {
  storedIds: string[];
  hourly: HourlyRow[];
  latency: { hour: number; path: string; method: string; bucket: number; count: number }[];
  dailyPaths: { day: string; path: string }[];
  pendingHours: number[];
  eventsStored: number;
  /** Scratch rows of write attempts left behind: always 0 after a commit or a rollback. */
  openAttempts: number;
}

const compareKeys = (a: readonly (string | number)[], b: readonly (string | number)[]): number => {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

/** Each id once (the first occurrence), as a stored event. */
export function uniqueById(events: readonly TrafficEvent[]): TrafficEvent[] {
  const byId = new Map<string, TrafficEvent>();
  for (const e of events) if (!byId.has(e.id)) byId.set(e.id, e);
  return [...byId.values()];
}

const statusClass = (status: number) => Math.min(5, Math.floor(status / 100));

/** What every aggregate must hold after `events` (duplicates included) were delivered. */
export function truthOf(delivered: readonly TrafficEvent[]): Aggregates {
  const events = uniqueById(delivered);
  const hourly = new Map<string, HourlyRow>();
  const latency = new Map<
    string,
    { hour: number; path: string; method: string; bucket: number; count: number }
  >();
  const days = new Set<string>();
  const hours = new Set<number>();
  for (const e of events) {
    const hour = e.ts - (e.ts % HOUR_MS);
    const key = JSON.stringify([hour, e.path, e.method]);
    const row = hourly.get(key) ?? {
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
    const cls = `status_${statusClass(e.status)}xx` as "status_1xx";
    row[cls] += 1;
    row.duration_sum_ms += e.durationMs;
    row.duration_min_ms = Math.min(row.duration_min_ms, e.durationMs);
    row.duration_max_ms = Math.max(row.duration_max_ms, e.durationMs);
    row.bytes += e.bytes ?? 0;
    hourly.set(key, row);
    const bucket = bucketOf(e.durationMs);
    const bucketKey = JSON.stringify([hour, e.path, e.method, bucket]);
    const cell = latency.get(bucketKey) ?? { hour, path: e.path, method: e.method, bucket, count: 0 };
    cell.count += 1;
    latency.set(bucketKey, cell);
    days.add(JSON.stringify([new Date(e.ts).toISOString().slice(0, 10), e.path]));
    hours.add(hour);
  }
  return {
    storedIds: events.map((e) => e.id).sort(),
    hourly: [...hourly.values()].sort((a, b) =>
      compareKeys([a.hour, a.path, a.method], [b.hour, b.path, b.method]),
    ),
    latency: [...latency.values()].sort((a, b) =>
      compareKeys([a.hour, a.path, a.method, a.bucket], [b.hour, b.path, b.method, b.bucket]),
    ),
    dailyPaths: [...days]
      .map((d) => JSON.parse(d) as [string, string])
      .sort(compareKeys)
      .map(([day, path]) => ({ day, path })),
    pendingHours: [...hours].sort((a, b) => a - b),
    eventsStored: events.length,
    openAttempts: 0,
  };
}

/** The same aggregates as D1 holds them. */
export async function readAggregates(db: D1Database): Promise<Aggregates> {
  const [ids, hourly, latency, dailyPaths, pending, stored, attempts] = await db.batch([
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
    db.prepare("SELECT count(*) AS n FROM write_attempts"),
  ]);
  const rows = <T>(result: D1Result | undefined) => (result?.results ?? []) as T[];
  return {
    storedIds: rows<{ id: string }>(ids).map((r) => r.id),
    hourly: rows<HourlyRow>(hourly),
    latency: rows<Aggregates["latency"][number]>(latency),
    dailyPaths: rows<{ day: string; path: string }>(dailyPaths),
    pendingHours: rows<{ hour: number }>(pending).map((r) => r.hour),
    eventsStored: rows<{ value: number }>(stored)[0]?.value ?? 0,
    openAttempts: rows<{ n: number }>(attempts)[0]?.n ?? 0,
  };
}
