/**
 * The dead-letter consumer (invariant 2: nothing lost): every message of the DLQ batch — routed
 * by the queue name the manifest declares — is kept once in `dead_letters` with its payload and
 * attempts, redelivery adds nothing, and a failed store is retried with the DLQ's delay.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeadLetterRow } from "../../worker/src/db/dead-letters";
import { manifest } from "../../worker/src/manifest";
import {
  allAcked,
  allRetried,
  DEAD_LETTER_QUEUE,
  deliver,
  generateEvents,
  type QueueMessage,
  readAggregates,
  resetStorage,
} from "./harness";

const events = generateEvents({ prefix: "dead", count: 5, seed: 30 });
const letters: QueueMessage[] = [
  ...events.map((body, i) => ({
    id: `dlq-${i}`,
    body,
    attempts: manifest.queues.events.consumer.maxRetries + 1,
  })),
  { id: "dlq-odd", body: { note: "not an event at all" }, attempts: 6 },
];

const readDeadLetters = async () =>
  (await env.DB.prepare("SELECT * FROM dead_letters ORDER BY message_id").all<DeadLetterRow>()).results;

beforeEach(() => resetStorage());
afterEach(() => {
  vi.restoreAllMocks();
});

describe("dead-letter consumer", () => {
  it("listens on the queue the manifest names, and the Worker's config agrees", () => {
    expect(DEAD_LETTER_QUEUE).toBe("events-dlq");
    expect(env.DEAD_LETTER_QUEUE).toBe(manifest.queues.deadLetters.name);
  });

  it("keeps every dead letter once with its payload and attempts, and stores no event", async () => {
    expect(await deliver(DEAD_LETTER_QUEUE, letters)).toEqual(allAcked(letters));
    const rows = await readDeadLetters();
    expect(rows.map((r) => r.message_id)).toEqual(letters.map((m) => m.id).sort());
    for (const m of letters) {
      const row = rows.find((r) => r.message_id === m.id);
      expect(JSON.parse(row?.payload ?? "null")).toEqual(m.body);
      expect(row?.attempts).toBe(m.attempts);
      expect(row?.reason).toMatch(/retries/);
      expect(row?.replayed_at).toBeNull();
    }
    // A dead letter is kept for inspection and replay, not counted as traffic.
    expect((await readAggregates(env.DB)).storedIds).toEqual([]);

    const again = letters.map((m) => ({ ...m, attempts: (m.attempts ?? 1) + 1 }));
    expect(await deliver(DEAD_LETTER_QUEUE, again)).toEqual(allAcked(letters));
    expect(await readDeadLetters()).toEqual(rows);
  });

  it("keeps a body that JSON cannot express instead of failing the whole batch", async () => {
    const odd: QueueMessage[] = [
      { id: "bigint", body: { id: "x", bytes: 10n } },
      { id: "plain", body: events[0] },
    ];
    expect(await deliver(DEAD_LETTER_QUEUE, odd)).toEqual(allAcked(odd));
    const rows = await readDeadLetters();
    expect(rows.map((r) => r.message_id)).toEqual(["bigint", "plain"]);
    expect(rows[0]?.payload).toContain("10");
  });

  it("retries the batch with the dead-letter queue's delay when it cannot be stored", async () => {
    vi.spyOn(env.DB, "batch").mockRejectedValueOnce(new Error("injected: D1 unavailable"));
    const delay = manifest.queues.deadLetters.consumer.retryDelaySeconds;
    expect(await deliver(DEAD_LETTER_QUEUE, letters)).toEqual(allRetried(letters, delay));
    expect(await readDeadLetters()).toEqual([]);
    expect(await deliver(DEAD_LETTER_QUEUE, letters)).toEqual(allAcked(letters));
    expect((await readDeadLetters()).length).toBe(letters.length);
  });
});
