/**
 * POST /_pathmeter/ingest end to end in workerd: ids (given, derived exactly as the gateway derives
 * them, duplicates stored once), packing into queue messages, and the fallbacks when the queue or
 * D1 refuse the events, compared with independent ground truth.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { unpack } from "../../worker/src/shared/pack";
import {
  aggregatesOfKnown,
  callWorker,
  captureQueue,
  consume,
  ingest,
  storedAggregates,
  storedEvents,
} from "./harness";
import { ingestRejections, NOW, useIngestSetup, valid } from "./ingest-fixtures";

useIngestSetup();

describe("ids and duplicates", () => {
  it("stores an id given twice in one request, and the same request sent three times, once", async () => {
    const queue = captureQueue();
    const body = JSON.stringify([
      valid({ id: "dup-1", requestId: undefined }),
      valid({ id: "dup-1", requestId: undefined }),
      valid({ id: "solo-2", status: 404 }),
      valid({ requestId: undefined, path: "/orders/9" }),
      valid({ requestId: undefined, path: "/orders/9" }),
    ]);
    for (let i = 0; i < 3; i++) expect((await ingest(body)).json).toEqual({ accepted: 5, rejected: [] });

    const events = queue.events();
    expect(events).toHaveLength(15);
    // Events without an id get the gateway's derivation: identical inputs, identical id.
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    await consume(events.slice(0, 7));
    await consume(events.slice(7));
    expect(await storedAggregates()).toEqual(
      aggregatesOfKnown(
        [
          { path: "/users/:id", status: 200 },
          { path: "/users/:id", status: 404 },
          { path: "/orders/:id", status: 200 },
        ].map((e) => ({ ...e, ts: NOW - 60_000, method: "GET", durationMs: 12.5, bytes: 100 })),
      ),
    );
  });

  it("derives the same id as the gateway for the same request, so both paths store it once", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("hello", { status: 200 }));
    const queue = captureQueue();
    const ip = "198.51.100.23";
    await callWorker(
      new Request("http://gateway.test/carts/41?ref=mail", {
        headers: { "CF-Connecting-IP": ip, "CF-Ray": "ray-77" },
      }),
    );
    await ingest(
      JSON.stringify([
        {
          ts: NOW,
          method: "GET",
          path: "/carts/41?ref=mail",
          status: 200,
          durationMs: 3,
          bytes: 5,
          clientIp: ip,
          requestId: "ray-77",
        },
      ]),
    );
    const [fromGateway, fromIngest] = queue.events();
    expect(fromIngest?.id).toBe(fromGateway?.id);
    expect(fromIngest?.path).toBe("/carts/:id");
    await consume(queue.events());
    expect(await storedEvents()).toHaveLength(1);
  });
});

describe("delivery", () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => valid({ requestId: `bulk-${i}`, status: 200 + (i % 3) }));
  const truthOf = (n: number) =>
    aggregatesOfKnown(many(n).map((e) => ({ ...e, path: "/users/:id", method: "GET" as const, bytes: 100 })));

  it("packs one request's events into as few messages as fit: 250 events, one message", async () => {
    const queue = captureQueue();
    const { json } = await ingest(JSON.stringify(many(250)));
    expect(json).toEqual({ accepted: 250, rejected: [] });
    expect(queue.sendBatch.mock.calls.map(([messages]) => [...messages].length)).toEqual([1]);
    expect(queue.bodies()).toEqual([{ pack: 1, events: queue.events() }]);
    await consume(queue.bodies());
    expect(await storedAggregates()).toEqual(truthOf(250));
  });

  it("writes the events of a refused sendBatch call to D1 directly; together stored exactly once", async () => {
    const realSendBatch = env.EVENTS_QUEUE.sendBatch.bind(env.EVENTS_QUEUE);
    const queue = captureQueue();
    let calls = 0;
    queue.sendBatch.mockImplementation(async (messages, options) => {
      if (++calls === 2) throw new Error("Queue send failed: 429 Too Many Requests");
      return realSendBatch(messages, options);
    });
    vi.spyOn(console, "warn").mockImplementation(() => {});
    // 1,000 events (the most a request may carry) with long paths need two sendBatch calls.
    const path = `/catalog${"/reviews/latest".repeat(13)}`;
    const events = many(1_000).map((e) => ({ ...e, path }));
    expect((await ingest(JSON.stringify(events))).json).toEqual({ accepted: 1_000, rejected: [] });
    const truth = aggregatesOfKnown(events.map((e) => ({ ...e, method: "GET" as const, bytes: 100 })));

    // The first call went to the queue; the refused one and any after it went to D1.
    expect(calls).toBe(2);
    const [firstCall, refusedCall] = queue.sendBatch.mock.calls.map(([messages]) =>
      [...messages].map((m) => m.body),
    );
    const queued = (firstCall ?? []).flatMap(unpack);
    expect(queued.length).toBeGreaterThan(0);
    expect(await storedEvents()).toHaveLength(1_000 - queued.length);
    await consume(firstCall ?? []);
    expect(await storedAggregates()).toEqual(truth);
    // Whatever the queue may have half-accepted of the refused call dedupes on arrival.
    await consume(refusedCall ?? []);
    expect(await storedAggregates()).toEqual(truth);
  });

  it("answers 503 unavailable when neither the queue nor D1 takes the events; a retry stores them once", async () => {
    const queue = captureQueue();
    queue.sendBatch.mockRejectedValue(new Error("queue down"));
    const batch = vi.spyOn(env.DB, "batch").mockRejectedValue(new Error("D1 down"));
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const body = JSON.stringify([...many(3), valid({ status: 42 })]);

    const failed = await ingest(body);
    expect(failed.status).toBe(503);
    expect(failed.json).toMatchObject({ error: { code: "unavailable" } });
    batch.mockRestore();
    expect(await ingestRejections()).toEqual({});

    const retried = await ingest(body);
    expect(retried.status).toBe(202);
    expect(retried.json).toMatchObject({ accepted: 3, rejected: [{ index: 3, code: "invalid_status" }] });
    const again = await ingest(body);
    expect(again.status).toBe(202);
    expect(await storedAggregates()).toEqual(truthOf(3));
    expect(await ingestRejections()).toEqual({ invalid_status: 2 });
  });
});
