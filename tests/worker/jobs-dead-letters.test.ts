/**
 * Dead letters over the ops API: paginated listing, and replay onto the events queue with the
 * event ids unchanged — so replaying (twice, or after a crash between the send and the mark)
 * never counts an event twice, even one that was stored before it was dead-lettered.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import {
  api,
  captureQueue,
  DEAD_LETTER_QUEUE,
  deliver as deliverBatch,
  EVENTS_QUEUE,
  generateEvents,
  HOUR,
  load,
} from "./harness";

/** Yesterday 00:00 UTC: dead letters replayed now must be inside the acceptance window. */
const YESTERDAY = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR - 24 * HOUR;

const events = generateEvents({
  prefix: "dl",
  count: 4,
  startMs: YESTERDAY + 9 * HOUR,
  spanMs: HOUR,
  clients: 4,
});

/** Delivers messages on their 6th attempt (past the events queue's retries); all are acked. */
async function deliver(queue: string, messages: readonly { id: string; body: unknown }[]) {
  const outcome = await deliverBatch(
    queue,
    messages.map((m) => ({ ...m, attempts: 6 })),
  );
  expect(outcome.retried).toEqual([]);
}

/** Replays through the API, capturing what was sent to the events queue. */
async function replay(body?: unknown): Promise<{ response: Response; sent: TrafficEvent[] }> {
  const queue = captureQueue();
  const init = body === undefined ? { method: "POST" } : { method: "POST", body: JSON.stringify(body) };
  const response = await api("/api/ops/dead-letters/replay", init);
  const sent = queue.events();
  vi.restoreAllMocks();
  return { response, sent };
}

const stored = async () =>
  (await env.DB.prepare(
    "SELECT count(*) AS rows, (SELECT sum(requests) FROM path_stats_hourly) AS requests FROM traffic_events",
  ).first()) ?? {};

beforeAll(async () => {
  // The first event was stored, then its ack was lost: it is in D1 AND in the DLQ.
  await load(events.slice(0, 1));
  await deliver(DEAD_LETTER_QUEUE, [
    ...events.map((body, i) => ({ id: `m${i}`, body })),
    { id: "m9", body: { not: "an event" } },
  ]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("dead letters", () => {
  it("lists them page by page, oldest first", async () => {
    const seen: string[] = [];
    let cursor: string | null = "";
    let pages = 0;
    while (cursor !== null) {
      const response = await api(`/api/ops/dead-letters?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        deadLetters: { messageId: string; payload: unknown; attempts: number }[];
        nextCursor: string | null;
      };
      seen.push(...page.deadLetters.map((d) => d.messageId));
      cursor = page.nextCursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(["m0", "m1", "m2", "m3", "m9"]);
    const first = (await (await api("/api/ops/dead-letters?limit=1")).json()) as { deadLetters: unknown[] };
    expect(first.deadLetters[0]).toMatchObject({
      messageId: "m0",
      payload: events[0],
      attempts: 6,
      replayedAt: null,
    });
  });

  it("answers 400 for a bad limit, status, cursor or body", async () => {
    for (const query of ["limit=0", "limit=x", "limit=501", "status=done", "cursor=%%%"]) {
      const response = await api(`/api/ops/dead-letters?${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_parameter");
    }
    const badJson = await api("/api/ops/dead-letters/replay", { method: "POST", body: "{" });
    expect(badJson.status).toBe(400);
    const badIds = await api("/api/ops/dead-letters/replay", {
      method: "POST",
      body: JSON.stringify({ ids: [1] }),
    });
    expect(badIds.status).toBe(400);
  });

  it("replays the valid ones with their ids, and the consumer counts each event once", async () => {
    expect(await stored()).toEqual({ rows: 1, requests: 1 });
    const { response, sent } = await replay();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      replayed: 4,
      messageIds: ["m0", "m1", "m2", "m3"],
      skipped: [{ messageId: "m9", code: "invalid_id" }],
    });
    expect(sent.map((e) => e.id)).toEqual(events.map((e) => e.id));
    // delivered, and delivered again (at-least-once)
    await deliver(
      EVENTS_QUEUE,
      sent.map((body, i) => ({ id: `r${i}`, body })),
    );
    await deliver(
      EVENTS_QUEUE,
      sent.map((body, i) => ({ id: `r${i}`, body })),
    );
    expect(await stored()).toEqual({ rows: 4, requests: 4 });
    const pending = (await (await api("/api/ops/dead-letters?status=pending")).json()) as {
      deadLetters: unknown[];
    };
    expect(pending.deadLetters).toHaveLength(1);
    const again = await replay();
    expect(await again.response.json()).toMatchObject({ replayed: 0 });
    expect(again.sent).toEqual([]);
  });

  it("counts once even when a replay crashed after sending, before marking", async () => {
    const late = generateEvents({
      prefix: "dl2",
      count: 2,
      startMs: YESTERDAY + 11 * HOUR,
      spanMs: HOUR,
      clients: 2,
    });
    await deliver(
      DEAD_LETTER_QUEUE,
      late.map((body, i) => ({ id: `n${i}`, body })),
    );
    const db = env.DB;
    const prepare = db.prepare.bind(db);
    vi.spyOn(db, "prepare").mockImplementation((sql: string) => {
      if (sql.startsWith("UPDATE dead_letters")) throw new Error("injected: D1 statement failed");
      return prepare(sql);
    });
    const crashed = await replay({ ids: ["n0", "n1"] });
    expect(crashed.response.status).toBe(500);
    expect(crashed.sent.map((e) => e.id)).toEqual(late.map((e) => e.id));
    const retried = await replay({ ids: ["n0", "n1"] });
    expect(await retried.response.json()).toMatchObject({ replayed: 2 });
    for (const attempt of [crashed.sent, retried.sent])
      await deliver(
        EVENTS_QUEUE,
        attempt.map((body, i) => ({ id: `x${i}`, body })),
      );
    expect(await stored()).toEqual({ rows: 6, requests: 6 });
  });
});
