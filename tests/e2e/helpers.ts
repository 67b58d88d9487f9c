/**
 * Helpers for end-to-end tests against the local stack over real HTTP: authenticated calls to
 * pathmeter's API, bounded polling, and the independent arithmetic of the ground truth.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { LocalStack } from "../../scripts/local-stack";
import type { TrafficEvent } from "../../worker/src/event";

export const HOUR_MS = 3_600_000;

export const floorHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** A fresh state directory and a function that removes it. */
export async function tempStateDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "pathmeter-e2e-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Where a running stack answers and its admin token: a LocalStack, or `npm start` in a child process. */
export type StackAddress = Pick<LocalStack, "url" | "adminToken">;

/** The pathmeter API of a running stack, with its bearer token. */
export function adminApi(stack: StackAddress) {
  const headers = { Authorization: `Bearer ${stack.adminToken}` };
  const base = `${stack.url}/_pathmeter`;
  const getJson = async <T>(route: string): Promise<T> => {
    const res = await fetch(`${base}${route}`, { headers });
    if (!res.ok) throw new Error(`GET ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    getJson,
    /** POSTs events to the ingest API as a JSON array or NDJSON; returns status and body. */
    async ingest(events: readonly unknown[], format: "json" | "ndjson" = "json") {
      const body =
        format === "json" ? JSON.stringify(events) : events.map((e) => JSON.stringify(e)).join("\n");
      const contentType = format === "json" ? "application/json" : "application/x-ndjson";
      const res = await fetch(`${base}/ingest`, {
        method: "POST",
        headers: { ...headers, "Content-Type": contentType },
        body,
      });
      return { status: res.status, body: (await res.json()) as { accepted: number; rejected: unknown[] } };
    },
    summary: (from: number, to: number) => getJson<Summary>(`/api/stats/summary?from=${from}&to=${to}`),
    health: () => getJson<{ eventsStored: number }>("/api/ops/health"),
  };
}

/** An event as the tests send it to the ingest API: with its id, so duplicates are recognisable. */
export type IngestedEvent = Pick<
  TrafficEvent,
  "id" | "ts" | "path" | "status" | "durationMs" | "clientHash"
> & {
  method: string;
  bytes?: number;
};

/** The summary as documented in ARCHITECTURE.md. */
export interface Summary {
  from: string;
  to: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  errorRate: number;
  latencyMs: {
    p50: number | null;
    p95: number | null;
    p99: number | null;
    avg: number | null;
    max: number | null;
  };
  uniqueClients: number;
  paths: number;
}

/**
 * Polls the health endpoint until exactly `expected` events are stored. Fails at once when more
 * are stored (something was counted twice) and, with the last value seen, at the deadline.
 */
export async function waitForEventsStored(
  stack: StackAddress,
  expected: number,
  timeoutMs = 60_000,
): Promise<void> {
  const api = adminApi(stack);
  const deadline = Date.now() + timeoutMs;
  let stored = -1;
  while (Date.now() < deadline) {
    stored = (await api.health()).eventsStored;
    if (stored === expected) return;
    if (stored > expected) throw new Error(`${stored} events stored, expected exactly ${expected}`);
    await sleep(200);
  }
  throw new Error(`only ${stored} of ${expected} events stored after ${timeoutMs} ms`);
}

/** Runs `task` over `items` with at most `concurrency` in flight; results keep the input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** The q-quantile by nearest rank: the value at rank ⌈q·n⌉ of the sorted values. */
export function nearestRank(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error("nearestRank of no values");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
}

/** The latency sketch's documented relative error (ARCHITECTURE.md, invariant 3): 1%. */
export const SKETCH_RELATIVE_ERROR = 0.01;
/**
 * What may come on top of it: the API reports percentiles to 9 significant digits (≤ 5e-9
 * relative) and the bucket arithmetic is floating point; nothing else. The old absolute
 * 0.005 ms slack for a rounding to 0.01 ms the sketch no longer does let a 0.1 ms p95 be 6% off.
 */
const REPORTING_SLACK = 1e-8;

/**
 * Whether a reported percentile is within the sketch's 1% relative error of the exact value.
 * A value of 0 must be reported as exactly 0 (the sketch's zero bucket).
 */
export const withinOnePercent = (reported: number | null, exact: number): boolean =>
  reported !== null && Math.abs(reported - exact) <= (SKETCH_RELATIVE_ERROR + REPORTING_SLACK) * exact;

export { seededRandom } from "../../scripts/lib/seeded-random";
