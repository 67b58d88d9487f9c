/**
 * Invariant 2 for bad input: every kind of invalid queue message is acked (never retried
 * forever), counted once per message in `rejections` with its reason code even when redelivered,
 * and kept with its payload in `rejected_messages`; valid neighbours in the batch are stored.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { RejectionCode } from "../../worker/src/event";
import {
  allAcked,
  deliver,
  EVENTS_QUEUE,
  generateEvents,
  messagesOf,
  type QueueMessage,
  readAggregates,
  resetStorage,
  snapshotTables,
  truthOf,
} from "./harness";

const [event] = generateEvents({ prefix: "template", count: 1 });
if (!event) throw new Error("no template event");
const patched = (patch: Record<string, unknown>) => ({ ...event, ...patch });
const without = (field: string) => Object.fromEntries(Object.entries(event).filter(([k]) => k !== field));

/** [description, body, the code it must be rejected with] */
const INVALID: [string, unknown, RejectionCode][] = [
  ["a string", "GET /users 200", "invalid_event"],
  ["a number", 42, "invalid_event"],
  ["null", null, "invalid_event"],
  ["an array of events", [event], "invalid_event"],
  ["a boolean", true, "invalid_event"],
  ["no id", without("id"), "invalid_id"],
  ["an empty id", patched({ id: "" }), "invalid_id"],
  ["an 81-character id", patched({ id: "x".repeat(81) }), "invalid_id"],
  ["a numeric id", patched({ id: 123 }), "invalid_id"],
  ["ts as an ISO string", patched({ ts: "2026-11-20T10:00:00Z" }), "invalid_ts"],
  ["ts in seconds", patched({ ts: 1_795_168_800 }), "invalid_ts"],
  ["a fractional ts", patched({ ts: 1_795_168_800_000.5 }), "invalid_ts"],
  ["ts NaN", patched({ ts: Number.NaN }), "invalid_ts"],
  ["a lower-case method", patched({ method: "get" }), "invalid_method"],
  ["an unknown method", patched({ method: "FETCH" }), "invalid_method"],
  ["an empty path", patched({ path: "" }), "invalid_path"],
  ["a relative path", patched({ path: "users/:id" }), "invalid_path"],
  ["an oversized path", patched({ path: `/${"a".repeat(300)}` }), "invalid_path"],
  ["status 99", patched({ status: 99 }), "invalid_status"],
  ["status 600", patched({ status: 600 }), "invalid_status"],
  ["a fractional status", patched({ status: 200.5 }), "invalid_status"],
  ["status as a string", patched({ status: "200" }), "invalid_status"],
  ["durationMs NaN", patched({ durationMs: Number.NaN }), "invalid_duration"],
  ["a negative duration", patched({ durationMs: -1 }), "invalid_duration"],
  ["an infinite duration", patched({ durationMs: Number.POSITIVE_INFINITY }), "invalid_duration"],
  ["a duration over a day", patched({ durationMs: 86_400_001 }), "invalid_duration"],
  ["durationMs as a string", patched({ durationMs: "12" }), "invalid_duration"],
  ["negative bytes", patched({ bytes: -1 }), "invalid_bytes"],
  ["fractional bytes", patched({ bytes: 1.5 }), "invalid_bytes"],
  ["no clientHash", without("clientHash"), "invalid_client"],
  ["a 65-character clientHash", patched({ clientHash: "c".repeat(65) }), "invalid_client"],
  ["a long colo", patched({ colo: "x".repeat(17) }), "invalid_event"],
  ["a numeric country", patched({ country: 7 }), "invalid_event"],
  ["an unknown source", patched({ source: "carrier-pigeon" }), "invalid_source"],
  ["no source", without("source"), "invalid_source"],
  ["a 50 KB body", { id: "big", junk: "x".repeat(50_000) }, "invalid_ts"],
];

const invalidMessages: QueueMessage[] = INVALID.map(([, body], i) => ({ id: `bad-${i}`, body }));

const expectedCounts = () => {
  const counts: Record<string, number> = {};
  for (const [, , code] of INVALID) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
};

async function rejectionCounts(): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT source, code, sum(count) AS n FROM rejections GROUP BY source, code",
  ).all<{ source: string; code: string; n: number }>();
  expect(results.every((r) => r.source === "queue")).toBe(true);
  return Object.fromEntries(results.map((r) => [r.code, r.n]));
}

beforeEach(() => resetStorage());

describe("events consumer, invalid messages", () => {
  it("acks every kind of invalid message and counts it under its reason code", async () => {
    expect(await deliver(EVENTS_QUEUE, invalidMessages)).toEqual(allAcked(invalidMessages));
    expect(await rejectionCounts()).toEqual(expectedCounts());
    const { results } = await env.DB.prepare(
      "SELECT message_id, code, reason, payload FROM rejected_messages",
    ).all<{ message_id: string; code: string; reason: string; payload: string }>();
    const byId = new Map(results.map((r) => [r.message_id, r]));
    for (const [i, [what, body, code]] of INVALID.entries()) {
      const row = byId.get(`bad-${i}`);
      expect(row?.code, what).toBe(code);
      expect(row?.reason.length, what).toBeGreaterThan(10);
      const json = JSON.stringify(body);
      if (json.length <= 2_000) expect(row?.payload, what).toBe(json);
    }
    const big = byId.get(`bad-${INVALID.length - 1}`)?.payload ?? "";
    expect(big.startsWith('{"id":"big","junk":"xxx')).toBe(true);
    expect(big.length).toBeLessThanOrEqual(2_001);
    expect((await readAggregates(env.DB)).storedIds).toEqual([]);
  });

  it("counts a redelivered invalid message once", async () => {
    await deliver(EVENTS_QUEUE, invalidMessages);
    const before = await snapshotTables(env.DB);
    const again = invalidMessages.map((m) => ({ ...m, attempts: 2 }));
    expect(await deliver(EVENTS_QUEUE, again)).toEqual(allAcked(invalidMessages));
    expect(await snapshotTables(env.DB)).toEqual(before);
    expect(await rejectionCounts()).toEqual(expectedCounts());
  });

  it("stores the valid events of a mixed batch and rejects the rest", async () => {
    const valid = generateEvents({ prefix: "mixed", count: 60, seed: 20 });
    const validMessages = messagesOf(valid, "ok");
    const mixed = validMessages.flatMap((m, i) => {
      const bad = invalidMessages[i];
      return bad ? [m, bad] : [m];
    });
    expect(mixed.length).toBe(60 + INVALID.length);
    expect(await deliver(EVENTS_QUEUE, mixed)).toEqual(allAcked(mixed));
    expect(await deliver(EVENTS_QUEUE, mixed)).toEqual(allAcked(mixed));
    expect(await readAggregates(env.DB)).toEqual(truthOf(valid));
    expect(await rejectionCounts()).toEqual(expectedCounts());
  });
});
