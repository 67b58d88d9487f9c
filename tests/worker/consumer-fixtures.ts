/**
 * Test fixtures for the queue consumer: deterministic generated traffic events, queue messages
 * built from them, and delivery through the REAL Worker queue handler (worker/src/index.ts)
 * with the ack/retry result the Queues runtime would see.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { expect, vi } from "vitest";
import { seededRandom as random } from "../../scripts/lib/seeded-random";
import type { Env } from "../../worker/src/env";
import type { HttpMethod, TrafficEvent } from "../../worker/src/event";
import worker from "../../worker/src/index";
import { manifest } from "../../worker/src/manifest";

export const HOUR_MS = 3_600_000;
export const EVENTS_QUEUE = manifest.queues.events.name;
export const DEAD_LETTER_QUEUE = manifest.queues.deadLetters.name;
/**
 * Events start here by default: 21:00 UTC two days ago, so a few hours span two UTC days and
 * stay inside the acceptance window (MAX_EVENT_AGE_DAYS) that the consumer enforces.
 */
export const DEFAULT_START_MS =
  Math.floor(Date.now() / (24 * HOUR_MS)) * 24 * HOUR_MS - 2 * 24 * HOUR_MS + 21 * HOUR_MS;

export { random };

const PATHS = ["/", "/users", "/users/:id", "/users/:id/orders", "/orders/:id", "/search", "/v2/items/:id"];
const METHODS: HttpMethod[] = ["GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];
const STATUSES = [101, 200, 200, 200, 201, 204, 301, 304, 400, 401, 404, 404, 429, 500, 502, 503];

export interface GenerateOptions {
  /** Prefix of the generated ids; events of different prefixes never share an id. */
  prefix: string;
  count: number;
  seed?: number;
  startMs?: number;
  hours?: number;
  clients?: number;
}

/**
 * Events spread over `hours` hours from `startMs`. Durations are multiples of 1/4 ms (exact in
 * binary, so sums compare exactly) from 0 to a minute, log-uniform, with some zeros.
 */
export function generateEvents(options: GenerateOptions): TrafficEvent[] {
  const { prefix, count, seed = 1, startMs = DEFAULT_START_MS, hours = 5, clients = 40 } = options;
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const ts = startMs + Math.floor(rand() * hours * HOUR_MS);
    const zero = rand() < 0.03;
    const durationMs = zero ? 0 : Math.round(4 * 0.25 * 240_000 ** rand()) / 4;
    return {
      id: `${ts}-${prefix}-${i}`,
      ts,
      method: pick(METHODS),
      path: pick(PATHS),
      status: pick(STATUSES),
      durationMs,
      bytes: rand() < 0.1 ? null : Math.floor(rand() * 100_000),
      clientHash: `client-${Math.floor(rand() * clients)}`,
      colo: rand() < 0.5 ? "FRA" : null,
      country: rand() < 0.5 ? "DE" : null,
      source: rand() < 0.5 ? "gateway" : "ingest",
    };
  });
}

export interface QueueMessage {
  /** Queue-assigned message id: the same across redeliveries of one message. */
  id: string;
  body: unknown;
  attempts?: number;
}

/** One message per event, with message ids `${prefix}-${i}`. */
export const messagesOf = (events: readonly unknown[], prefix: string): QueueMessage[] =>
  events.map((body, i) => ({ id: `${prefix}-${i}`, body }));

/** What the queue runtime is told about a batch, in a stable order. */
export interface Outcome {
  acked: string[];
  retried: { msgId: string; delaySeconds: number | undefined }[];
}

/** The Worker's exported handlers, typed for message bodies of any shape. */
const handlers: ExportedHandler<Env, unknown> = worker;

/**
 * Delivers one batch to the real `queue()` handler and returns the acks and retries it made,
 * each retry with its delay. A handler that throws rejects, as the runtime would see it.
 */
export async function deliver(
  queueName: string,
  messages: readonly QueueMessage[],
  /** Called with the batch before the handler runs, e.g. to spy on a message's ack. */
  onBatch?: (batch: MessageBatch<unknown>) => void,
): Promise<Outcome> {
  const batch = createMessageBatch<unknown>(
    queueName,
    messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  // getQueueResult reports which messages were retried but not the delay; the spies keep it.
  const retries = batch.messages.map((m) => ({ id: m.id, spy: vi.spyOn(m, "retry") }));
  onBatch?.(batch);
  const ctx = createExecutionContext();
  if (!handlers.queue) throw new Error("the Worker exports no queue handler");
  await handlers.queue(batch, env, ctx);
  // Typed here: the pinned workers-types declare FetcherQueueResult only in their experimental set.
  const result: { explicitAcks: string[]; retryMessages: { msgId: string }[] } = await getQueueResult(
    batch,
    ctx,
  );
  const retried = retries.flatMap(({ id, spy }) =>
    spy.mock.calls.map(([options]) => ({ msgId: id, delaySeconds: options?.delaySeconds })),
  );
  expect(retried.map((r) => r.msgId).sort()).toEqual(result.retryMessages.map((r) => r.msgId).sort());
  return {
    acked: [...result.explicitAcks].sort(),
    retried: retried.sort((a, b) => a.msgId.localeCompare(b.msgId)),
  };
}

const sortedIds = (messages: readonly QueueMessage[]) => [...new Set(messages.map((m) => m.id))].sort();

/** Every message explicitly acked and none retried. */
export const allAcked = (messages: readonly QueueMessage[]): Outcome => ({
  acked: sortedIds(messages),
  retried: [],
});

/** Every message retried with `delaySeconds`, none acked: the batch was not stored. */
export const allRetried = (messages: readonly QueueMessage[], delaySeconds: number): Outcome => ({
  acked: [],
  retried: sortedIds(messages).map((msgId) => ({ msgId, delaySeconds })),
});

/** Every pipeline table with its ORDER BY (its primary key). */
const DATA_TABLES: Record<string, string> = {
  traffic_events: "seq",
  path_stats_hourly: "hour, path, method",
  path_latency_open: "hour, path, method",
  daily_paths: "day, path",
  rollup_pending: "hour",
  write_attempts: "attempt",
  pipeline_counters: "name",
  rejections: "day, source, code",
  rejected_messages: "message_id",
  dead_letters: "message_id",
  job_runs: "job",
};
const TABLES = Object.keys(DATA_TABLES);

/** Empties every pipeline table (storage is shared by the tests of one file). */
export async function resetPipeline(db: D1Database): Promise<void> {
  await db.batch(TABLES.map((table) => db.prepare(`DELETE FROM ${table}`)));
}

/** Every row of every pipeline table, in a stable order: to prove an attempt left no trace. */
export async function snapshotTables(db: D1Database): Promise<Record<string, unknown[]>> {
  const results = await db.batch(
    TABLES.map((table) => db.prepare(`SELECT * FROM ${table} ORDER BY ${DATA_TABLES[table]}`)),
  );
  return Object.fromEntries(TABLES.map((table, i) => [table, results[i]?.results ?? []]));
}
