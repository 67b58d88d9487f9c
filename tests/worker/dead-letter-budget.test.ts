/**
 * Nothing lost from the dead-letter queue (invariant 2): while D1 cannot take them, dead letters
 * are retried, never acked, on every delivery up to the last one the retry budget allows; and the
 * budget (deliveries × delay) outlasts neither the Free plan's 1-day retention nor stops short of
 * most of it.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { manifest } from "../../worker/src/manifest";
import { allAcked, allRetried, DEAD_LETTER_QUEUE, deliver, type QueueMessage, resetStorage } from "./harness";

const { maxRetries, retryDelaySeconds, maxWaitTimeMs } = manifest.queues.deadLetters.consumer;
const FREE_PLAN_RETENTION_SECONDS = 86_400;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("dead-letter retry budget", () => {
  it("spans most of a day and stays inside the Free plan's retention", () => {
    const spanSeconds = (maxRetries + 1) * (retryDelaySeconds + maxWaitTimeMs / 1000);
    expect(spanSeconds).toBeLessThan(FREE_PLAN_RETENTION_SECONDS);
    expect(spanSeconds).toBeGreaterThan(FREE_PLAN_RETENTION_SECONDS * 0.9);
  });

  it("retries, never acks, a dead letter it cannot store, up to its last delivery, then keeps it", async () => {
    await resetStorage();
    const letters = (attempts: number): QueueMessage[] => [
      { id: `budget-${attempts}`, body: { note: "a dead event" }, attempts },
    ];
    const failing = vi.spyOn(env.DB, "batch").mockRejectedValue(new Error("injected: D1 unavailable"));
    for (const attempts of [1, 2, maxRetries, maxRetries + 1])
      expect(await deliver(DEAD_LETTER_QUEUE, letters(attempts)), `attempt ${attempts}`).toEqual(
        allRetried(letters(attempts), retryDelaySeconds),
      );
    failing.mockRestore();
    expect(await deliver(DEAD_LETTER_QUEUE, letters(maxRetries + 1))).toEqual(
      allAcked(letters(maxRetries + 1)),
    );
    const row = await env.DB.prepare("SELECT attempts FROM dead_letters WHERE message_id = ?1")
      .bind(`budget-${maxRetries + 1}`)
      .first<{ attempts: number }>();
    expect(row?.attempts).toBe(maxRetries + 1);
  });
});
