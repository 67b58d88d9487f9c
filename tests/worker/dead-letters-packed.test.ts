/**
 * Invariant 2 for packed messages that reach the dead-letter queue: replay unpacks them, sends
 * their valid events packed again (ids unchanged), leaves out the invalid ones, and the consumer
 * counts each event once, even when the replayed events were partly stored before.
 */
import { createMessageBatch, env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../worker/src/index";
import { manifest } from "../../worker/src/manifest";
import { isPack } from "../../worker/src/shared/pack";
import { api, captureQueue, consume, generateEvents, HOUR, load } from "./harness";

const YESTERDAY = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR - 24 * HOUR;
const events = generateEvents({
  prefix: "dlp",
  count: 30,
  startMs: YESTERDAY + 9 * HOUR,
  spanMs: HOUR,
  clients: 5,
});

afterEach(() => vi.restoreAllMocks());

const stored = async () =>
  env.DB.prepare(
    "SELECT count(*) AS rows, (SELECT sum(requests) FROM path_stats_hourly) AS requests FROM traffic_events",
  ).first();

describe("packed dead letters", () => {
  it("are replayed event by event and counted once", async () => {
    await load(events.slice(0, 10));
    const packed = { pack: 1, events: [...events.slice(0, 20), { id: "" }] };
    const dlq = createMessageBatch<unknown>(manifest.queues.deadLetters.name, [
      { id: "p1", timestamp: new Date(), attempts: 6, body: packed },
      { id: "p2", timestamp: new Date(), attempts: 6, body: { pack: 1, events: events.slice(20) } },
      { id: "p3", timestamp: new Date(), attempts: 6, body: { pack: 1, events: ["junk"] } },
    ]);
    await worker.queue(dlq, env);

    const queue = captureQueue();
    const response = await api("/api/ops/dead-letters/replay", { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      replayed: 2,
      messageIds: ["p1", "p2"],
      skipped: [{ messageId: "p3", code: "invalid_event" }],
    });
    expect(queue.bodies().every(isPack)).toBe(true);
    expect(queue.events().map((e) => e.id)).toEqual(events.map((e) => e.id));
    await consume(queue.bodies());
    await consume(queue.bodies());
    expect(await stored()).toEqual({ rows: 30, requests: 30 });
  });
});
