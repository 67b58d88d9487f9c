/**
 * Fixtures of the stats API tests: traffic on days in every lifecycle state (hot and pending
 * rollup, rolled up, archived and cleaned, tiered to daily sketches and cleaned), built through
 * the real write path and the real cron jobs; ground truth computed from the generated events
 * alone; and helpers to call the API and read CSV.
 */
import { expect } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import { api, DAY, generateEvents, HOUR, load, runCron, statsOf } from "./harness";

export { api, DAY, HOUR };

/** Day starts (UTC ms) in each lifecycle state after setupLifecycle(). */
export const X0 = Date.UTC(2026, 5, 1);
export const DAYS = {
  tiered: X0,
  cleaned: X0 + 30 * DAY,
  rolledUp: X0 + 38 * DAY,
  hot: X0 + 39 * DAY,
} as const;
/** The range [from, to) that covers every state. */
export const ALL_DAYS = { from: DAYS.tiered, to: DAYS.hot + DAY };

export const PATHS = ["/users/:id", "/orders", "/search", "/health"] as const;

/** Loads traffic for every day of DAYS and runs rollup, archive and cleanup as the crons would. */
export async function setupLifecycle(): Promise<TrafficEvent[]> {
  const events = Object.values(DAYS).flatMap((day, i) =>
    generateEvents({
      prefix: `d${i}`,
      count: 320,
      seed: 100 + i,
      startMs: day,
      spanMs: DAY,
      clients: 60,
      paths: PATHS,
      methods: ["GET", "POST"],
    }),
  );
  await load(events);
  // Closes every hour before the hot day; tiers days older than HOURLY_SKETCH_DAYS (30).
  await runCron("rollup", DAYS.hot + 7 * 60_000);
  // Archives days older than HOT_DAYS (3) and cleans those older than MAX_EVENT_AGE_DAYS (7):
  // the tiered and the cleaned day.
  await runCron("archive", DAYS.hot + 2 * HOUR);
  await runCron("cleanup", DAYS.hot + 3 * HOUR);
  return events;
}

/** The days whose detail rows are gone, as the API reads them (unique clients from HLL). */
export const isColdDay = (day: number) => day === DAYS.tiered || day === DAYS.cleaned;

/** Figures of a set of events, computed directly (the harness's model of the stats). */
export const truthOf = statsOf;
export type Truth = ReturnType<typeof statsOf>;

export const within = (from: number, to: number) => (e: TrafficEvent) => e.ts >= from && e.ts < to;

/** A percentile within the sketch's 1% of the truth (both null without traffic). */
export function expectPercentile(got: number | null | undefined, want: number | null, what: string) {
  if (want === null) return expect(got ?? null, what).toBeNull();
  expect(Math.abs((got ?? Number.NaN) - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(
    0.01 * want + 1e-9,
  );
}

/** Unique clients: exact while hot, within the HyperLogLog's error (3σ ≈ 5%, at least 1) once cold. */
export function expectClients(got: number, want: number, cold: boolean, what: string) {
  if (!cold) return expect(got, what).toBe(want);
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(Math.max(1, 0.05 * want));
}

/** Counts exact, error rate to 12 digits. */
export function expectCounts(
  got: { requests: number; errors4xx: number; errors5xx: number; errorRate: number },
  want: Truth,
  what: string,
) {
  expect({ requests: got.requests, errors4xx: got.errors4xx, errors5xx: got.errors5xx }, what).toEqual({
    requests: want.requests,
    errors4xx: want.errors4xx,
    errors5xx: want.errors5xx,
  });
  expect(got.errorRate, what).toBeCloseTo(want.errorRate, 12);
}

/** GET a stats endpoint with the token (or `token`), query from an object. */
export async function getStats(
  endpoint: string,
  params: Record<string, string | number> = {},
  init: RequestInit = {},
  token?: string | null,
): Promise<Response> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return api(`/api/stats/${endpoint}?${query}`, init, token === undefined ? undefined : token);
}

/** JSON of a 200 answer. */
export async function statsJson<T>(
  endpoint: string,
  params: Record<string, string | number> = {},
): Promise<T> {
  const res = await getStats(endpoint, params);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json<T>();
}

/** RFC 4180 CSV → rows of fields (quoted fields may hold commas, quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && ch === ",") {
      row.push(field);
      field = "";
    } else if (!quoted && ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else {
      field += ch;
    }
  }
  return rows;
}

/** A JSON row flattened as the CSV shows it: nested keys joined by dots, null as "". */
export function flatten(row: unknown, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(row as Record<string, unknown>)) {
    if (value !== null && typeof value === "object") Object.assign(out, flatten(value, `${prefix}${key}.`));
    else out[`${prefix}${key}`] = value === null ? "" : String(value);
  }
  return out;
}
