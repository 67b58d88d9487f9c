/**
 * pathStats() as a plain hono middleware in someone else's app (no proxy): with pathmeter's
 * binding names by default, or with the app's own bindings through `setup`.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { afterEach, expect, it, vi } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import { pathStats } from "../../worker/src/gateway/path-stats";
import { TEST_SECRETS } from "../secrets";
import {
  captureQueue,
  clearPipeline,
  consume,
  expectedClientHash,
  hourlyTruth,
  storedHourly,
} from "./gateway-harness";

afterEach(() => vi.restoreAllMocks());

async function serve<E extends object>(app: Hono<{ Bindings: E }>, request: Request, bindings: E) {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, bindings, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  return { response, body };
}

it("records an existing app's requests with its own binding names", async () => {
  await clearPipeline();
  interface OtherEnv {
    IP_SALT: string;
    ANALYTICS_Q: Queue<TrafficEvent>;
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

  const events = queue.events();
  expect(events.map((e) => [e.method, e.path, e.status, e.bytes])).toEqual([
    ["GET", "/shop/:shopId/items/:itemId", 200, ok.body.length],
    ["POST", "/boom", 500, failed.body.length],
  ]);
  expect(events[0]?.clientHash).toBe(await expectedClientHash(ip));
  await consume(events);
  expect(await storedHourly()).toEqual(
    hourlyTruth([
      {
        ts: events[0]?.ts ?? 0,
        path: "/shop/:shopId/items/:itemId",
        method: "GET",
        status: 200,
        bytes: ok.body.length,
      },
      { ts: events[1]?.ts ?? 0, path: "/boom", method: "POST", status: 500, bytes: failed.body.length },
    ]),
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
