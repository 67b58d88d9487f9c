/**
 * Shared helpers of the gateway and ingest tests: call the real Worker entry with a real
 * ExecutionContext, capture what it sends to the real events queue (call-through spies), feed
 * the captured messages to the real queue consumer, and compute ground truth independently.
 */
import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { vi } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import worker from "../../worker/src/index";
import { unpack } from "../../worker/src/shared/pack";
import { TEST_SECRETS } from "../secrets";

export type TestEnv = typeof env;

/** The test env with some vars replaced (config is parsed once per env object). */
export const envWith = (vars: Partial<Record<string, string>>): TestEnv => ({ ...env, ...vars }) as TestEnv;

/** Runs one request through the Worker, reads the whole body, then waits for its waitUntil work. */
export async function callWorker(
  request: Request,
  testEnv: TestEnv = env,
): Promise<{ response: Response; body: string }> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, testEnv, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  return { response, body };
}

/**
 * Call-through spies on the events queue: `bodies()` lists every message body sent so far,
 * `events()` the events they carry (packed messages unpacked).
 */
export function captureQueue(testEnv: TestEnv = env) {
  const sendBatch = vi.spyOn(testEnv.EVENTS_QUEUE, "sendBatch");
  const send = vi.spyOn(testEnv.EVENTS_QUEUE, "send");
  const bodies = (): unknown[] => [
    ...sendBatch.mock.calls.flatMap(([messages]) => [...messages].map((m) => m.body)),
    ...send.mock.calls.map(([body]) => body),
  ];
  const events = (): TrafficEvent[] => bodies().flatMap((body) => unpack(body) as TrafficEvent[]);
  return { sendBatch, send, bodies, events };
}

/** Delivers message bodies to the Worker's real queue handler, as the events queue would. */
export async function consume(bodies: readonly unknown[], testEnv: TestEnv = env) {
  const batch = createMessageBatch("events", [
    ...bodies.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body })),
  ]);
  const ctx = createExecutionContext();
  // The handler takes no ctx (it never defers work with waitUntil); getQueueResult reads the acks.
  await worker.queue(batch, testEnv);
  return getQueueResult(batch, ctx);
}

/** What the test knows about a request, independently of the Worker. */
export interface TruthEvent {
  ts: number;
  path: string;
  method: string;
  status: number;
  bytes: number;
}

export interface HourlyRow {
  hour: number;
  path: string;
  method: string;
  requests: number;
  status_2xx: number;
  status_4xx: number;
  status_5xx: number;
  bytes: number;
}

/** Expected path_stats_hourly rows, computed from the truth events alone. */
export function hourlyTruth(events: readonly TruthEvent[]): HourlyRow[] {
  const rows = new Map<string, HourlyRow>();
  for (const e of events) {
    const hour = e.ts - (e.ts % 3_600_000);
    const key = `${hour} ${e.path} ${e.method}`;
    const row = rows.get(key) ?? {
      hour,
      path: e.path,
      method: e.method,
      requests: 0,
      status_2xx: 0,
      status_4xx: 0,
      status_5xx: 0,
      bytes: 0,
    };
    row.requests += 1;
    if (e.status >= 200 && e.status < 300) row.status_2xx += 1;
    if (e.status >= 400 && e.status < 500) row.status_4xx += 1;
    if (e.status >= 500) row.status_5xx += 1;
    row.bytes += e.bytes;
    rows.set(key, row);
  }
  return [...rows.values()].sort(byKey);
}

const byKey = (a: HourlyRow, b: HourlyRow) =>
  a.hour - b.hour || a.path.localeCompare(b.path) || a.method.localeCompare(b.method);

/** The stored hourly aggregates, in the same order as `hourlyTruth`. */
export async function storedHourly(testEnv: TestEnv = env): Promise<HourlyRow[]> {
  const { results } = await testEnv.DB.prepare(
    `SELECT hour, path, method, requests, status_2xx, status_4xx, status_5xx, bytes FROM path_stats_hourly`,
  ).all<HourlyRow>();
  return results.sort(byKey);
}

/** Rows of traffic_events, as stored. */
export async function storedEvents(testEnv: TestEnv = env) {
  const { results } = await testEnv.DB.prepare("SELECT * FROM traffic_events ORDER BY seq").all<
    Record<string, unknown>
  >();
  return results;
}

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

/** Clears every table the write path touches, so each test starts from empty aggregates. */
export async function clearPipeline(testEnv: TestEnv = env): Promise<void> {
  await testEnv.DB.batch(
    [
      "traffic_events",
      "path_stats_hourly",
      "path_latency_open",
      "daily_paths",
      "rollup_pending",
      "pipeline_counters",
      "rejections",
    ].map((table) => testEnv.DB.prepare(`DELETE FROM ${table}`)),
  );
}

/** POSTs a body to the ingest endpoint with the test admin token (unless told otherwise). */
export function ingestRequest(
  body: BodyInit,
  options: { contentType?: string | null; token?: string | null } = {},
): Request {
  const headers = new Headers();
  const contentType = options.contentType === undefined ? "application/json" : options.contentType;
  if (contentType !== null) headers.set("Content-Type", contentType);
  const token = options.token === undefined ? TEST_SECRETS.ADMIN_TOKEN : options.token;
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  return new Request("http://gateway.test/_pathmeter/ingest", { method: "POST", headers, body });
}

/** Sends an ingest request and parses the JSON answer. */
export async function ingest(
  body: BodyInit,
  options: { contentType?: string | null; token?: string | null } = {},
  testEnv: TestEnv = env,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { response, body: text } = await callWorker(ingestRequest(body, options), testEnv);
  return { status: response.status, json: JSON.parse(text) as Record<string, unknown> };
}
