/**
 * pathStats() as a plain hono middleware in someone else's app (no proxy): with pathmeter's
 * binding names by default, or with the app's own bindings through `setup`.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { afterEach, expect, it, vi } from "vitest";
import { pathStats } from "../../worker/src/gateway/path-stats";
import type { EventPack } from "../../worker/src/shared/pack";
import { TEST_SECRETS } from "../secrets";
import {
  aggregatesOfKnown,
  captureQueue,
  consume,
  expectedClientHash,
  resetStorage,
  storedAggregates,
} from "./harness";

afterEach(() => vi.restoreAllMocks());

async function serve<E extends object>(app: Hono<{ Bindings: E }>, request: Request, bindings: E) {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, bindings, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  return { response, body };
}

it("records an existing app's requests with its own binding names", async () => {
  await resetStorage();
  interface OtherEnv {
    IP_SALT: string;
    ANALYTICS_Q: Queue<EventPack>;
    ANALYTICS_DB: D1Database;
  }
  const bindings: OtherEnv = {
    IP_SALT: TEST_SECRETS.CLIENT_IP_SALT,
    ANALYTICS_Q: env.EVENTS_QUEUE,
    ANALYTICS_DB: env.DB,
  };
  const app = new Hono<{ Bindings: OtherEnv }>();
  app.use(
    "*",
    pathStats<{ Bindings: OtherEnv }>({
      setup: (c) => ({
        salt: c.env.IP_SALT,
        routes: ["/shop/:shopId/items/:itemId"],
        sink: { queue: c.env.ANALYTICS_Q, db: c.env.ANALYTICS_DB, maxPathsPerDay: 100 },
      }),
    }),
  );
  app.get("/shop/:shopId/items/:itemId", (c) => c.json({ item: c.req.param("itemId") }));
  app.post("/boom", () => {
    throw new Error("handler failed");
  });
  app.onError((_err, c) => c.json({ error: "boom" }, 500));

  const queue = captureQueue();
  const ip = "192.0.2.200";
  const ok = await serve(
    app,
    new Request("http://app.test/shop/9/items/abc?ref=x", { headers: { "CF-Connecting-IP": ip } }),
    bindings,
  );
  const failed = await serve(app, new Request("http://app.test/boom", { method: "POST" }), bindings);
  expect(ok.response.status).toBe(200);
  expect(ok.body).toBe('{"item":"abc"}');
  expect(failed.response.status).toBe(500);

  const known = [
    { method: "GET", path: "/shop/:shopId/items/:itemId", status: 200, bytes: ok.body.length },
    { method: "POST", path: "/boom", status: 500, bytes: failed.body.length },
  ] as const;
  const events = queue.events();
  expect(events.map((e) => [e.method, e.path, e.status, e.bytes])).toEqual(
    known.map((k) => [k.method, k.path, k.status, k.bytes]),
  );
  expect(events[0]?.clientHash).toBe(await expectedClientHash(ip));
  expect(await consume(events)).toMatchObject({ retried: [] });
  // Time and duration are the middleware's own measurement; every other field is known here.
  const measured = (i: number) => ({
    ts: events[i]?.ts ?? 0,
    durationMs: events[i]?.durationMs ?? Number.NaN,
  });
  expect(await storedAggregates()).toEqual(
    aggregatesOfKnown(known.map((k, i) => ({ ...k, ...measured(i) }))),
  );
});

it("uses pathmeter's bindings by default, and never breaks the app when they are missing", async () => {
  const withDefaults = new Hono<{ Bindings: typeof env }>();
  withDefaults.use(pathStats());
  withDefaults.get("/ping", (c) => c.text("pong"));
  const queue = captureQueue();
  expect((await serve(withDefaults, new Request("http://app.test/ping"), env)).body).toBe("pong");
  expect(queue.events()).toMatchObject([{ path: "/ping", status: 200, source: "gateway" }]);

  const bare = new Hono<{ Bindings: { NOTHING: string } }>();
  bare.use(pathStats());
  bare.get("/ping", (c) => c.text("pong"));
  const error = vi.spyOn(console, "error").mockImplementation(() => {});
  const { response, body } = await serve(bare, new Request("http://app.test/ping"), { NOTHING: "" });
  expect([response.status, body]).toEqual([200, "pong"]);
  expect(error.mock.calls.flat().join(" ")).toContain("pass options.setup");
});
