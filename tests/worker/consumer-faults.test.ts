/**
 * Invariant 1 under crashes: a throw injected between every pair of consumer steps (building
 * the statements, inside the D1 transaction at every statement, at the commit, after the commit,
 * half-way through the acks), then redelivery. Nothing of a failed attempt is visible, the batch
 * is retried, and the redelivered batch is counted exactly once: aggregates and rejections.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { manifest } from "../../worker/src/manifest";
import {
  allAcked,
  allRetried,
  deliver,
  EVENTS_QUEUE,
  generateEvents,
  messagesOf,
  type QueueMessage,
  readAggregates,
  rejectionCounts,
  resetStorage,
  snapshotTables,
  truthOf,
} from "./harness";

const RETRY_DELAY = manifest.queues.events.consumer.retryDelaySeconds;
const base = generateEvents({ prefix: "base", count: 60, seed: 10 });

/** A batch of 60 events (10 already stored, 50 new) plus two invalid messages. */
function scenario(n: number) {
  const events = [...base.slice(n, n + 10), ...generateEvents({ prefix: `s${n}`, count: 50, seed: 100 + n })];
  const invalid: QueueMessage[] = [
    { id: `s${n}-bad-event`, body: "not an event" },
    { id: `s${n}-bad-id`, body: { id: "" } },
  ];
  return { events, messages: [...messagesOf(events, `s${n}`), ...invalid] };
}

const redelivery = (messages: readonly QueueMessage[]) => messages.map((m) => ({ ...m, attempts: 2 }));

const queueRejections = () => rejectionCounts("queue");

/** Makes the k-th statement prepared from now on fail when it RUNS (valid SQL, runtime error). */
function failStatementAt(k: number) {
  const prepare = env.DB.prepare.bind(env.DB);
  let calls = 0;
  vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
    calls += 1;
    if (calls !== k) return prepare(sql);
    const params = Math.max(0, ...[...sql.matchAll(/\?(\d+)/g)].map((m) => Number(m[1])));
    const placeholders = Array.from({ length: params }, (_, i) => `, ?${i + 1}`).join("");
    return prepare(`SELECT json('injected failure: not json')${placeholders}`);
  });
  return { fired: () => calls >= k };
}

/** Makes the k-th prepare call throw, i.e. a crash while the statements are being built. */
function throwAtPrepare(k: number) {
  const prepare = env.DB.prepare.bind(env.DB);
  let calls = 0;
  vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
    calls += 1;
    if (calls === k) throw new Error(`injected crash at statement ${k}`);
    return prepare(sql);
  });
  return { fired: () => calls >= k };
}

beforeEach(async () => {
  await resetStorage();
  await deliver(EVENTS_QUEUE, messagesOf(base, "base"));
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("events consumer, crash and redelivery", () => {
  it("rolls back a statement failing at ANY position of the transaction and counts the redelivery once", async () => {
    const delivered = [...base];
    let k = 1;
    for (; k < 60; k++) {
      const { events, messages } = scenario(k);
      const before = await snapshotTables(env.DB);
      const injection = failStatementAt(k);
      const result = await deliver(EVENTS_QUEUE, messages);
      vi.restoreAllMocks();
      delivered.push(...events);
      if (!injection.fired()) {
        // k is past the last statement: this attempt ran clean, which ends the sweep.
        expect(result).toEqual(allAcked(messages));
        break;
      }
      expect(result, `statement ${k}`).toEqual(allRetried(messages, RETRY_DELAY));
      expect(await snapshotTables(env.DB), `statement ${k} left a trace`).toEqual(before);
      expect(await deliver(EVENTS_QUEUE, redelivery(messages))).toEqual(allAcked(messages));
      expect(await readAggregates(env.DB), `after statement ${k} failed`).toEqual(truthOf(delivered));
      expect(await queueRejections()).toEqual({ invalid_event: k, invalid_id: k });
    }
    // Every statement of the write path (≥ 10) and of both rejections (2 each) was a failure point.
    expect(k - 1).toBeGreaterThanOrEqual(14);
    expect(await readAggregates(env.DB)).toEqual(truthOf(delivered));
  });

  it("stores nothing when building statement k throws, and counts the redelivery once", async () => {
    const delivered = [...base];
    let k = 1;
    for (; k < 60; k++) {
      const { events, messages } = scenario(k);
      const before = await snapshotTables(env.DB);
      const injection = throwAtPrepare(k);
      await deliver(EVENTS_QUEUE, messages).then(
        () => expect(injection.fired(), `statement ${k}`).toBe(false),
        (error: Error) => expect(error.message).toBe(`injected crash at statement ${k}`),
      );
      vi.restoreAllMocks();
      delivered.push(...events);
      if (!injection.fired()) break;
      expect(await snapshotTables(env.DB)).toEqual(before);
      await deliver(EVENTS_QUEUE, redelivery(messages));
      expect(await readAggregates(env.DB)).toEqual(truthOf(delivered));
    }
    expect(k - 1).toBeGreaterThanOrEqual(14);
    expect(await queueRejections()).toEqual({ invalid_event: k, invalid_id: k });
  });

  it("retries the whole batch with a delay when the transaction fails, then counts it once", async () => {
    const { events, messages } = scenario(1);
    const before = await snapshotTables(env.DB);
    vi.spyOn(env.DB, "batch").mockRejectedValueOnce(new Error("injected: D1 unavailable"));
    expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allRetried(messages, RETRY_DELAY));
    expect(await snapshotTables(env.DB)).toEqual(before);
    expect(await deliver(EVENTS_QUEUE, redelivery(messages))).toEqual(allAcked(messages));
    expect(await readAggregates(env.DB)).toEqual(truthOf([...base, ...events]));
    expect(await queueRejections()).toEqual({ invalid_event: 1, invalid_id: 1 });
  });

  it("counts once when the consumer dies after the commit but before acking", async () => {
    const { events, messages } = scenario(2);
    const batch = env.DB.batch.bind(env.DB);
    vi.spyOn(env.DB, "batch").mockImplementationOnce(async (statements: D1PreparedStatement[]) => {
      await batch(statements);
      throw new Error("injected crash after commit");
    });
    expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allRetried(messages, RETRY_DELAY));
    expect(await readAggregates(env.DB)).toEqual(truthOf([...base, ...events]));
    expect(await deliver(EVENTS_QUEUE, redelivery(messages))).toEqual(allAcked(messages));
    expect(await readAggregates(env.DB)).toEqual(truthOf([...base, ...events]));
    expect(await queueRejections()).toEqual({ invalid_event: 1, invalid_id: 1 });
  });

  it("counts once when the consumer dies half-way through the acks", async () => {
    const { events, messages } = scenario(3);
    const crashing = deliver(EVENTS_QUEUE, messages, (batch) => {
      const victim = batch.messages[30];
      if (!victim) throw new Error("batch too small");
      vi.spyOn(victim, "ack").mockImplementation(() => {
        throw new Error("injected crash while acking");
      });
    });
    await expect(crashing).rejects.toThrow("injected crash while acking");
    vi.restoreAllMocks();
    expect(await readAggregates(env.DB)).toEqual(truthOf([...base, ...events]));
    expect(await deliver(EVENTS_QUEUE, redelivery(messages))).toEqual(allAcked(messages));
    expect(await readAggregates(env.DB)).toEqual(truthOf([...base, ...events]));
    expect(await queueRejections()).toEqual({ invalid_event: 1, invalid_id: 1 });
  });
});
