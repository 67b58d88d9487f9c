/**
 * Invariant 1 with packed messages (one message, many events), through the real queue handler:
 * duplicates inside a message and across messages, the same packed message redelivered,
 * overlapping packs, concurrent invocations, a failure at every statement of a delivery of
 * thousands of events (several insert statements in one transaction), old single-event messages
 * beside packed ones, and invalid events inside a pack rejected one by one.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import { manifest } from "../../worker/src/manifest";
import { packEvents } from "../../worker/src/shared/pack";
import {
  allAcked,
  allRetried,
  deliver,
  EVENTS_QUEUE,
  generateEvents,
  HOUR,
  type QueueMessage,
  readAggregates,
  resetStorage,
  snapshotTables,
  storedEvents,
  truthOf,
} from "./harness";

const RETRY_DELAY = manifest.queues.events.consumer.retryDelaySeconds;

/** Packed messages (as the senders build them) with ids `${prefix}-${i}`. */
const packed = (events: readonly TrafficEvent[], prefix: string): QueueMessage[] =>
  packEvents(events).map((p, i) => ({ id: `${prefix}-${i}`, body: p.body }));
const onePack = (events: readonly unknown[], id: string): QueueMessage => ({
  id,
  body: { pack: 1, events: [...events] },
});

async function queueRejections(): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT code, sum(count) AS n FROM rejections WHERE source = 'queue' GROUP BY code",
  ).all<{ code: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.code, r.n]));
}

beforeEach(() => resetStorage());
afterEach(() => vi.restoreAllMocks());

describe("events consumer, packed messages", () => {
  it("stores thousands of events of one delivery in one transaction, exactly", async () => {
    const events = generateEvents({ prefix: "big", count: 6_000, seed: 30, clients: 500 });
    const messages = packed(events, "p");
    expect(messages.length).toBeGreaterThan(5);
    const batch = vi.spyOn(env.DB, "batch");
    expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allAcked(messages));
    expect(batch).toHaveBeenCalledTimes(1);
    // Several insert statements (≤ 100 KB each), one transaction.
    expect(batch.mock.calls[0]?.[0].length).toBeGreaterThan(15);
    expect(await readAggregates(env.DB)).toEqual(truthOf(events));
  });

  it("counts duplicates inside one message and across messages of a batch once", async () => {
    const events = generateEvents({ prefix: "dup", count: 200, seed: 31 });
    const messages = [
      onePack([...events.slice(0, 120), ...events.slice(0, 30)], "a"),
      onePack([...events.slice(100, 200), ...events.slice(150, 160)], "b"),
    ];
    expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allAcked(messages));
    expect(await readAggregates(env.DB)).toEqual(truthOf(events));
  });

  it("counts a redelivered packed message once", async () => {
    const events = generateEvents({ prefix: "again", count: 300, seed: 32 });
    const messages = packed(events, "m");
    await deliver(EVENTS_QUEUE, messages);
    const redelivered = messages.map((m) => ({ ...m, attempts: 2 }));
    expect(await deliver(EVENTS_QUEUE, redelivered)).toEqual(allAcked(messages));
    expect(await readAggregates(env.DB)).toEqual(truthOf(events));
  });

  it("counts overlapping packs (new message ids) once, concurrently and in sequence", async () => {
    const events = generateEvents({ prefix: "overlap", count: 600, seed: 33 });
    const packs = [0, 100, 200, 250, 300, 400].map((start, i) =>
      onePack(events.slice(start, start + 200), `w${i}`),
    );
    const results = await Promise.all(packs.map((m) => deliver(EVENTS_QUEUE, [m])));
    for (const [i, result] of results.entries()) expect(result).toEqual(allAcked(packs.slice(i, i + 1)));
    expect(await readAggregates(env.DB)).toEqual(truthOf(events));
    await deliver(EVENTS_QUEUE, [onePack(events.slice(50, 550), "late")]);
    expect(await readAggregates(env.DB)).toEqual(truthOf(events));
  });

  it("reads old single-event messages and packed ones in one batch", async () => {
    const events = generateEvents({ prefix: "mixed", count: 90, seed: 34 });
    const messages: QueueMessage[] = [
      ...events.slice(0, 30).map((body, i) => ({ id: `single-${i}`, body })),
      onePack(events.slice(30, 90), "pack"),
      { id: "single-dup", body: events[40] },
    ];
    expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allAcked(messages));
    expect(await readAggregates(env.DB)).toEqual(truthOf(events));
  });

  it("rejects invalid events inside a pack one by one, once per redelivery, and stores the rest", async () => {
    const events = generateEvents({ prefix: "partly", count: 50, seed: 35 });
    const message = onePack(events, "p");
    const body = message.body as { events: unknown[] };
    body.events.splice(10, 0, { id: "" }, "junk", { ...events[0], id: "other", status: 700 });
    expect(await deliver(EVENTS_QUEUE, [message])).toEqual(allAcked([message]));
    expect(await deliver(EVENTS_QUEUE, [{ ...message, attempts: 2 }])).toEqual(allAcked([message]));
    expect(await readAggregates(env.DB)).toEqual(truthOf(events));
    expect(await queueRejections()).toEqual({ invalid_id: 1, invalid_event: 1, invalid_status: 1 });
    const { results } = await env.DB.prepare(
      "SELECT message_id FROM rejected_messages ORDER BY message_id",
    ).all();
    expect(results.map((r) => r.message_id)).toEqual(["p#10", "p#11", "p#12"]);
  });

  it("rejects an event older than the acceptance window with too_old", async () => {
    const [old] = generateEvents({
      prefix: "old",
      count: 1,
      startMs: Date.now() - 9 * 24 * HOUR,
      spanMs: HOUR,
    });
    const fresh = generateEvents({ prefix: "fresh", count: 5, seed: 36 });
    const message = onePack([...fresh, old], "p");
    expect(await deliver(EVENTS_QUEUE, [message])).toEqual(allAcked([message]));
    expect(await readAggregates(env.DB)).toEqual(truthOf(fresh));
    expect(await queueRejections()).toEqual({ too_old: 1 });
  });

  it("stores ids given in any order once, with distinct seqs, and of one id given twice the first copy", async () => {
    const events = generateEvents({ prefix: "order", count: 300, seed: 38 }).reverse();
    const [first] = events;
    if (!first) throw new Error("no events generated");
    const second = { ...first, status: 599 };
    expect(await deliver(EVENTS_QUEUE, [onePack([...events, second], "p")])).toEqual(
      allAcked([onePack([], "p")]),
    );
    const rows = await storedEvents();
    expect(rows).toHaveLength(events.length);
    expect(new Set(rows.map((r) => r.seq)).size).toBe(events.length);
    expect(rows.find((r) => r.id === first.id)?.status).toBe(first.status);
    expect(await readAggregates(env.DB)).toEqual(truthOf(events));
  });

  it("rejects an event more than 65 minutes ahead of its clock with in_future, and keeps any the API took", async () => {
    const [far] = generateEvents({ prefix: "far", count: 1, startMs: Date.parse("2099-01-01"), spanMs: 1 });
    const [ahead] = generateEvents({
      prefix: "ahead",
      count: 1,
      startMs: Date.now() + 66 * 60_000,
      spanMs: 1,
    });
    // The API took it at +5 minutes by its clock; this consumer's clock is 10 minutes behind.
    const [inside] = generateEvents({
      prefix: "inside",
      count: 1,
      startMs: Date.now() + 15 * 60_000,
      spanMs: 1,
    });
    if (!far || !ahead || !inside) throw new Error("no events generated");
    const fresh = generateEvents({ prefix: "fresh", count: 5, seed: 37 });
    const message = onePack([...fresh, far, ahead, inside], "p");
    expect(await deliver(EVENTS_QUEUE, [message])).toEqual(allAcked([message]));
    expect(await readAggregates(env.DB)).toEqual(truthOf([...fresh, inside]));
    expect(await queueRejections()).toEqual({ in_future: 2 });
  });

  it("stores an event the ingest API accepted just before it aged out, delivered minutes later", async () => {
    const noon = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR + 12 * HOUR;
    const [edge] = generateEvents({
      prefix: "edge",
      count: 1,
      startMs: noon - 7 * 24 * HOUR + 60_000,
      spanMs: 1,
    });
    // Accepted by the API at noon (60 s inside the window), delivered 10 minutes later.
    vi.spyOn(Date, "now").mockReturnValue(noon + 10 * 60_000);
    const message = onePack([edge], "p");
    expect(await deliver(EVENTS_QUEUE, [message])).toEqual(allAcked([message]));
    expect((await readAggregates()).storedIds).toEqual([edge?.id]);
    expect(await queueRejections()).toEqual({});
  });

  // Two deliveries of 750 events per statement position: more work than the default 5 s allow.
  it("rolls back a failure at EVERY statement of a multi-chunk delivery; the redelivery counts once", {
    timeout: 60_000,
  }, async () => {
    const base = generateEvents({ prefix: "base", count: 500, seed: 37 });
    await deliver(EVENTS_QUEUE, packed(base, "base"));
    const delivered = [...base];
    let k = 1;
    for (; k < 80; k++) {
      const events = [
        ...base.slice(k, k + 50),
        ...generateEvents({ prefix: `s${k}`, count: 700, seed: 100 + k }),
      ];
      const messages = [...packed(events, `s${k}`), onePack([{ id: "" }], `s${k}-bad`)];
      const before = await snapshotTables(env.DB);
      const prepare = env.DB.prepare.bind(env.DB);
      let calls = 0;
      vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
        calls += 1;
        return calls === k ? prepare("SELECT json('injected failure: not json')") : prepare(sql);
      });
      const result = await deliver(EVENTS_QUEUE, messages);
      vi.restoreAllMocks();
      delivered.push(...events);
      if (calls < k) {
        expect(result).toEqual(allAcked(messages));
        break;
      }
      expect(result, `statement ${k}`).toEqual(allRetried(messages, RETRY_DELAY));
      expect(await snapshotTables(env.DB), `statement ${k} left a trace`).toEqual(before);
      expect(
        await deliver(
          EVENTS_QUEUE,
          messages.map((m) => ({ ...m, attempts: 2 })),
        ),
      ).toEqual(allAcked(messages));
      expect(await readAggregates(env.DB), `after statement ${k} failed`).toEqual(truthOf(delivered));
    }
    // Two insert chunks, every aggregate statement and the rejection statements all failed once.
    expect(k - 1).toBeGreaterThanOrEqual(12);
    expect(await queueRejections()).toEqual({ invalid_id: k });
  });
});
