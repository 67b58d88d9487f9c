/**
 * The one packing module (shared/pack.ts) and delivery through it: events packed into messages
 * of ≤ 120,000 JSON bytes (Queues allow 128 KB), sendBatch calls of ≤ 100 messages and ≤ 256 KB.
 * The local queue of the test pool does not enforce Queues' limits, so sizes are asserted on
 * what reaches sendBatch.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, expect, it, vi } from "vitest";
import { deliverEvents } from "../../worker/src/delivery/send-events";
import type { TrafficEvent } from "../../worker/src/event";
import {
  isPack,
  jsonBytes,
  MAX_PACK_BYTES,
  MAX_SEND_BYTES,
  MAX_SEND_MESSAGES,
  packEvents,
  sendGroups,
  unpack,
} from "../../worker/src/shared/pack";
import { captureQueue } from "./harness";

afterEach(() => vi.restoreAllMocks());

/** An event padded to about `size` bytes of JSON (packing measures, it does not validate). */
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

it("measures a value's JSON as its UTF-8 bytes, whatever characters it holds", () => {
  const utf8 = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;
  for (const path of ["/users/1", "/café", "/ключ/€", "/😀", "/\ud800", "/\u0000\u007f\u0080", "/\uffff"])
    expect(jsonBytes({ path })).toBe(utf8({ path }));
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), (a, b) => {
      expect(jsonBytes({ a, b })).toBe(utf8({ a, b }));
    }),
  );
});

it("packs events in order into as few messages of at most 120,000 bytes as fit", () => {
  const events = Array.from({ length: 1_000 }, (_, i) => padded(i, 200));
  const packs = packEvents(events);
  const total = events.reduce((n, e) => n + jsonBytes(e) + 1, 0);
  expect(packs.length).toBe(Math.ceil(total / MAX_PACK_BYTES));
  for (const pack of packs) {
    expect(jsonBytes(pack.body)).toBe(pack.bytes);
    expect(pack.bytes).toBeLessThanOrEqual(MAX_PACK_BYTES);
  }
  expect(packs.flatMap((p) => unpack(p.body))).toEqual(events);
  expect(packs.every((p) => isPack(p.body))).toBe(true);
});

it("groups messages into sendBatch calls by count and by bytes", () => {
  const small = Array.from({ length: 250 }, (_, i) => ({ bytes: 100, i }));
  expect(sendGroups(small).map((g) => g.length)).toEqual([100, 100, 50]);
  const large = Array.from({ length: 5 }, (_, i) => ({ bytes: MAX_PACK_BYTES, i }));
  const groups = sendGroups(large);
  expect(groups.map((g) => g.length)).toEqual([2, 2, 1]);
  for (const group of groups) {
    expect(group.length).toBeLessThanOrEqual(MAX_SEND_MESSAGES);
    expect(group.reduce((n, m) => n + m.bytes, 0)).toBeLessThanOrEqual(MAX_SEND_BYTES);
  }
});

it("unpacks old single-event bodies and garbage as one candidate each", () => {
  const [event] = [padded(1, 1)];
  expect(unpack(event)).toEqual([event]);
  expect(unpack("junk")).toEqual(["junk"]);
  expect(unpack({ pack: 2, events: [event] })).toEqual([{ pack: 2, events: [event] }]);
  expect(unpack({ pack: 1, events: [] })).toEqual([]);
});

it("delivers 1,000 ingest-sized events in as few messages as fit, 2 per sendBatch call", async () => {
  const events = Array.from({ length: 1_000 }, (_, i) => padded(i, 250));
  const queue = captureQueue();
  const sink = { queue: env.EVENTS_QUEUE, db: env.DB, maxPathsPerDay: 10 };
  expect(await deliverEvents(sink, events)).toBe("queued");
  const calls = queue.sendBatch.mock.calls.map(([messages]) => [...messages].map((m) => m.body));
  const messages = packEvents(events).length;
  expect(messages).toBeLessThanOrEqual(4);
  expect(calls.map((c) => c.length)).toEqual(messages === 4 ? [2, 2] : [2, 1]);
  for (const call of calls) {
    expect(call.reduce((n, body) => n + jsonBytes(body), 0)).toBeLessThanOrEqual(MAX_SEND_BYTES);
    for (const body of call) expect(jsonBytes(body)).toBeLessThanOrEqual(MAX_PACK_BYTES);
  }
  expect(queue.events()).toEqual(events);
});
