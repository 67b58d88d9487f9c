/**
 * deliverEvents' chunking: ≤ 100 messages and ≤ 256 KB per sendBatch. The local queue of the test
 * pool accepts oversized batches (it does not enforce Queues' limits), so the chunk sizes are
 * asserted on what reaches sendBatch.
 */
import { env } from "cloudflare:test";
import { afterEach, expect, it, vi } from "vitest";
import { deliverEvents, queueChunks } from "../../worker/src/delivery/send-events";
import type { TrafficEvent } from "../../worker/src/event";
import { captureQueue } from "./harness";

afterEach(() => vi.restoreAllMocks());

/** An event padded to about `size` bytes of JSON (the chunker measures, it does not validate). */
const padded = (i: number, size: number): TrafficEvent => ({
  id: `pad-${i}`,
  ts: Date.UTC(2026, 10, 25),
  method: "GET",
  path: `/${"p".repeat(size)}`,
  status: 200,
  durationMs: 1,
  bytes: null,
  clientHash: "c",
  colo: null,
  country: null,
  source: "ingest",
});
const jsonBytes = (events: readonly TrafficEvent[]) =>
  events.reduce((n, e) => n + new TextEncoder().encode(JSON.stringify(e)).byteLength, 0);

it("chunks by message count and by bytes", () => {
  const small = Array.from({ length: 250 }, (_, i) => padded(i, 10));
  expect(queueChunks(small).map((c) => c.length)).toEqual([100, 100, 50]);

  const large = Array.from({ length: 10 }, (_, i) => padded(i, 100_000));
  const chunks = queueChunks(large);
  expect(chunks.flat()).toEqual(large);
  for (const chunk of chunks) expect(jsonBytes(chunk)).toBeLessThanOrEqual(256_000);
  expect(chunks.map((c) => c.length)).toEqual([2, 2, 2, 2, 2]);
});

it("sends a batch larger than 256 KB in chunks within the limit", async () => {
  const events = Array.from({ length: 6 }, (_, i) => padded(i, 60_000));
  expect(jsonBytes(events)).toBeGreaterThan(256_000);
  const queue = captureQueue();
  const sink = { queue: env.EVENTS_QUEUE, db: env.DB, maxPathsPerDay: 10 };
  expect(await deliverEvents(sink, events)).toBe("queued");
  const batches = queue.sendBatch.mock.calls.map(([messages]) => [...messages].map((m) => m.body));
  expect(batches.map((b) => b.length)).toEqual([3, 3]);
  for (const batch of batches) expect(jsonBytes(batch)).toBeLessThanOrEqual(256_000);
  expect(queue.events()).toEqual(events);
});
