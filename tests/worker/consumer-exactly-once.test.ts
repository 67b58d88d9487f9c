/**
 * Invariant 1 under at-least-once delivery, through the real queue handler and real D1: the same
 * id twice in a batch, a whole batch delivered again, overlapping batches, and consumer
 * invocations running concurrently all count every event exactly once in every aggregate.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import {
  allAcked,
  deliver,
  EVENTS_QUEUE,
  generateEvents,
  HOUR,
  messagesOf,
  readAggregates,
  resetStorage,
  truthOf,
} from "./harness";

beforeEach(() => resetStorage());

describe("events consumer, exactly once", () => {
  it("stores one batch and every aggregate equals the ground truth", async () => {
    const events = generateEvents({ prefix: "one", count: 100 });
    const messages = messagesOf(events, "m");
    expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allAcked(messages));
    const stored = await readAggregates(env.DB);
    expect(stored).toEqual(truthOf(events));
    // The ground truth is not vacuous: the batch spans hours, days, paths and status classes.
    expect(stored.pendingHours.length).toBeGreaterThan(3);
    expect(new Set(stored.dailyPaths.map((d) => d.day)).size).toBe(2);
    expect(stored.hourly.some((r) => r.status_5xx > 0 && r.status_4xx > 0)).toBe(true);
  });

  it("counts the same id twice in one batch once", async () => {
    const events = generateEvents({ prefix: "dup", count: 40, seed: 2 });
    const twice = [...events, ...events.slice(0, 15), ...events.slice(0, 5)];
    const messages = messagesOf(twice, "m");
    expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allAcked(messages));
    expect(await readAggregates(env.DB)).toEqual(truthOf(events));
  });

  it("counts a whole batch delivered twice once", async () => {
    const events = generateEvents({ prefix: "again", count: 100, seed: 3 });
    const messages = messagesOf(events, "m");
    await deliver(EVENTS_QUEUE, messages);
    const redelivered = messages.map((m) => ({ ...m, attempts: 2 }));
    expect(await deliver(EVENTS_QUEUE, redelivered)).toEqual(allAcked(messages));
    expect(await readAggregates(env.DB)).toEqual(truthOf(events));
  });

  it("counts overlapping batches (duplicate sends with new message ids) once", async () => {
    const events = generateEvents({ prefix: "overlap", count: 150, seed: 4 });
    const batches = [events.slice(0, 100), events.slice(50, 150), events.slice(25, 125)];
    for (const [i, batch] of batches.entries()) {
      const messages = messagesOf(batch, `send${i}`);
      expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allAcked(messages));
      expect(await readAggregates(env.DB)).toEqual(truthOf(batches.slice(0, i + 1).flat()));
    }
  });

  it("is exact with concurrent consumer invocations over overlapping batches", async () => {
    const events = generateEvents({ prefix: "conc", count: 300, seed: 5 });
    const batches = [0, 40, 80, 120, 160, 200].map((start, i) => ({
      events: events.slice(start, start + 100),
      prefix: `worker${i}`,
    }));
    const results = await Promise.all(
      batches.map((b) => deliver(EVENTS_QUEUE, messagesOf(b.events, b.prefix))),
    );
    for (const [i, result] of results.entries()) {
      const batch = batches[i];
      if (!batch) throw new Error("missing batch");
      expect(result).toEqual(allAcked(messagesOf(batch.events, batch.prefix)));
    }
    expect(await readAggregates(env.DB)).toEqual(truthOf(events));
  });

  it("adds later batches of the same hours to the existing aggregate rows", async () => {
    const first = generateEvents({ prefix: "early", count: 100, seed: 6, spanMs: 2 * HOUR });
    const later = generateEvents({ prefix: "late", count: 100, seed: 7, spanMs: 2 * HOUR });
    await deliver(EVENTS_QUEUE, messagesOf(first, "a"));
    await deliver(EVENTS_QUEUE, messagesOf([...later, ...first.slice(0, 10)], "b"));
    const stored = await readAggregates(env.DB);
    expect(stored).toEqual(truthOf([...first, ...later]));
    expect(stored.hourly.length).toBeLessThan(truthOf(first).hourly.length + truthOf(later).hourly.length);
  });
});
