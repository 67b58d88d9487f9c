/**
 * The gateway's coalescing (gateway/coalesce.ts): the events of concurrent requests leave in one
 * packed send — flushed by size or by time —, the request whose context runs a batch's flush (the
 * one that opened it, or filled it) waits for it with waitUntil (so none is lost), the others of
 * the batch do not, and a failed send falls back to D1 directly.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import { EventCoalescer } from "../../worker/src/gateway/coalesce";
import { pathStats } from "../../worker/src/gateway/path-stats";
import { TEST_SECRETS } from "../secrets";
import {
  callWorker,
  captureQueue,
  consume,
  generateEvents,
  HOUR,
  readAggregates,
  resetStorage,
  storedEvents,
  truthOf,
} from "./harness";

const sink = () => ({ queue: env.EVENTS_QUEUE, db: env.DB, maxPathsPerDay: 100 });
const events = (n: number, prefix: string): TrafficEvent[] =>
  generateEvents({ prefix, count: n, spanMs: HOUR });

/**
 * An app recording GET /items/:id with pathStats, flushing at `maxEvents`, or after `maxDelayMs`
 * (by default longer than the test's own timeout: only the size can flush).
 */
function itemsApp(maxEvents: number, maxDelayMs = 600_000) {
  const app = new Hono<{ Bindings: typeof env }>();
  app.use(
    pathStats<{ Bindings: typeof env }>({
      setup: (c) => ({
        salt: TEST_SECRETS.CLIENT_IP_SALT,
        routes: [],
        sink: { ...sink(), queue: c.env.EVENTS_QUEUE },
      }),
      coalesce: { maxEvents, maxDelayMs },
    }),
  );
  app.get("/items/:id", (c) => c.text("ok"));
  return app;
}

beforeEach(() => resetStorage());
afterEach(() => vi.restoreAllMocks());

it("flushes by size: the N-th event sends the batch without waiting for the delay", async () => {
  const queue = captureQueue();
  // A delay longer than the test's own timeout: only the size can flush these.
  const coalescer = new EventCoalescer(sink(), { maxEvents: 5, maxDelayMs: 600_000 });
  const batch = events(7, "size");
  const first = batch.slice(0, 5).map((e) => coalescer.add(e));
  expect(await Promise.all(first)).toEqual(Array(5).fill("queued"));
  expect(queue.bodies()).toEqual([{ pack: 1, events: batch.slice(0, 5) }]);
  // The next events open a new batch, which the size flushes again later.
  const rest = [...batch.slice(5), ...events(3, "more")].map((e) => coalescer.add(e));
  expect(await Promise.all(rest)).toEqual(Array(5).fill("queued"));
  expect(queue.sendBatch).toHaveBeenCalledTimes(2);
});

it("flushes by time: a lone event is sent after the delay", async () => {
  const queue = captureQueue();
  const coalescer = new EventCoalescer(sink(), { maxEvents: 1_000, maxDelayMs: 5 });
  const batch = events(3, "time");
  expect(await Promise.all(batch.map((e) => coalescer.add(e)))).toEqual(["queued", "queued", "queued"]);
  expect(queue.sendBatch).toHaveBeenCalledTimes(1);
  expect(queue.events()).toEqual(batch);
});

it("says which joins run the flush: the one that opens a batch and the one that fills it", () => {
  const coalescer = new EventCoalescer(sink(), { maxEvents: 3, maxDelayMs: 600_000 });
  const joins = events(7, "owner").map((e) => coalescer.join(e).runsFlush);
  // Batches [0 1 2] (filled), [3 4 5] (filled), [6] (opened, left to its timer).
  expect(joins).toEqual([true, false, true, true, false, true, true]);
});

it("only the request that runs the flush keeps its context open, and the batch is still sent whole", async () => {
  const app = itemsApp(3);
  const queue = captureQueue();
  const serve = async (i: number) => {
    const ctx = createExecutionContext();
    await (await app.fetch(new Request(`http://app.test/items/${i}`), env, ctx)).text();
    return ctx;
  };
  let openerDone = false;
  const opener = waitOnExecutionContext(await serve(1)).then(() => {
    openerDone = true;
  });
  // The second request joins the open batch and has nothing to wait for.
  await waitOnExecutionContext(await serve(2));
  expect(queue.sendBatch).not.toHaveBeenCalled();
  expect(openerDone).toBe(false);
  // The third fills the batch and sends it; the opener's wait ends with that send.
  await waitOnExecutionContext(await serve(3));
  await opener;
  expect(queue.sendBatch).toHaveBeenCalledTimes(1);
  expect(queue.events().map((e) => e.path)).toEqual(Array(3).fill("/items/:id"));
  expect(new Set(queue.events().map((e) => e.id)).size).toBe(3);
});

it("a batch flushed by its opener's timer holds the events of requests whose contexts had ended", async () => {
  const app = itemsApp(1_000, 50);
  const queue = captureQueue();
  const serve = async (i: number) => {
    const ctx = createExecutionContext();
    await (await app.fetch(new Request(`http://app.test/items/${i}`), env, ctx)).text();
    return ctx;
  };
  const opener = waitOnExecutionContext(await serve(1));
  // Two joiners end before the timer fires: they have nothing to wait for.
  await waitOnExecutionContext(await serve(2));
  await waitOnExecutionContext(await serve(3));
  expect(queue.sendBatch).not.toHaveBeenCalled();
  // The opener's context stays open until its timer has sent all three.
  await opener;
  expect(queue.sendBatch).toHaveBeenCalledTimes(1);
  expect(queue.events()).toHaveLength(3);
  expect(new Set(queue.events().map((e) => e.id)).size).toBe(3);
});

it("falls back to D1 when the shared send fails; every event of the batch is stored once", async () => {
  const queue = captureQueue();
  queue.sendBatch.mockRejectedValue(new Error("Queue send failed: 503"));
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  const coalescer = new EventCoalescer(sink(), { maxEvents: 4, maxDelayMs: 600_000 });
  const batch = events(4, "fallback");
  expect(await Promise.all(batch.map((e) => coalescer.add(e)))).toEqual(Array(4).fill("stored"));
  expect((await storedEvents()).map((r) => String(r.id)).sort()).toEqual(batch.map((e) => e.id).sort());
  expect(warn.mock.calls.flat().join(" ")).toContain("stored 4 events directly");
});

it("many concurrent requests share one flush and lose nothing", async () => {
  const app = itemsApp(40);
  const queue = captureQueue();
  const serve = async (i: number) => {
    const ctx = createExecutionContext();
    const response = await app.fetch(
      new Request(`http://app.test/items/${i}`, { headers: { "X-Request-Id": `r-${i}` } }),
      env,
      ctx,
    );
    await response.text();
    // The first and the 40th request run the flush and wait for it; the others end at once.
    await waitOnExecutionContext(ctx);
    return response.status;
  };
  expect(await Promise.all(Array.from({ length: 40 }, (_, i) => serve(i)))).toEqual(Array(40).fill(200));
  expect(queue.sendBatch).toHaveBeenCalledTimes(1);
  const sent = queue.events();
  expect(new Set(sent.map((e) => e.id)).size).toBe(40);
  await consume(queue.bodies());
  expect(sent.every((e) => e.path === "/items/:id" && e.status === 200)).toBe(true);
  expect(await readAggregates()).toEqual(truthOf(sent));
});

it("the Worker's gateway delivers every one of many concurrent requests", async () => {
  const queue = captureQueue();
  vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("hello", { status: 200 }));
  const responses = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      callWorker(new Request(`http://gateway.test/users/${i}`, { headers: { "CF-Ray": `ray-${i}` } })),
    ),
  );
  expect(responses.map((r) => r.response.status)).toEqual(Array(30).fill(200));
  expect(new Set(queue.events().map((e) => e.id)).size).toBe(30);
  expect(queue.bodies().length).toBeLessThanOrEqual(30);
});
