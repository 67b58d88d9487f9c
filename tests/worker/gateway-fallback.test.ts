/**
 * Invariant 2 at the gateway: when the queue send fails the same events go to D1 directly
 * (through the consumer's idempotent write path), and the client's response never depends on
 * analytics. Faults are injected at the edges: spies on the queue's sendBatch and on D1 batch().
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { TEST_SECRETS } from "../secrets";
import {
  callWorker,
  captureQueue,
  consume,
  envWith,
  readAggregates,
  resetStorage,
  storedEvents,
  type TruthEvent,
  truthOf,
} from "./harness";

const IP = "192.0.2.55";
const START = Date.UTC(2026, 10, 21, 14, 5);

const request = (path: string, ray: string) =>
  new Request(`http://gateway.test${path}`, { headers: { "CF-Ray": ray, "CF-Connecting-IP": IP } });

beforeEach(async () => {
  await resetStorage();
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    return path.startsWith("/missing")
      ? new Response("nope", { status: 404 })
      : new Response("hello world", { status: 200 });
  });
  vi.spyOn(Date, "now").mockReturnValue(START);
});
afterEach(() => vi.restoreAllMocks());

const traffic = [
  ["/users/1", "ray-1", 200],
  ["/users/2", "ray-2", 200],
  ["/missing/3", "ray-3", 404],
] as const;

/**
 * The aggregates of the events the Worker tried to queue (the i-th for the i-th request, the
 * traffic sent twice): ids and durations as it made them, every other field known here.
 */
const truth = (sent: readonly TruthEvent[]) =>
  truthOf(
    sent.map((event, i) => {
      const [path, , status] = traffic[i % traffic.length] ?? ["", "", 0];
      const known = { ts: START, path: path.replace(/\d+$/, ":id"), method: "GET", status } as const;
      return { ...event, ...known, bytes: status === 200 ? 11 : 4 };
    }),
  );

it("writes events to D1 directly when the queue send throws; stored once, response unaffected", async () => {
  const queue = captureQueue();
  queue.sendBatch.mockRejectedValue(new Error("Queue send failed: service unavailable"));
  const warn = vi.spyOn(console, "warn");

  for (const [path, ray, status] of traffic) {
    const { response, body } = await callWorker(request(path, ray));
    expect(response.status).toBe(status);
    expect(body).toBe(status === 200 ? "hello world" : "nope");
  }
  expect(queue.sendBatch).toHaveBeenCalledTimes(traffic.length);
  expect(await readAggregates()).toEqual(truth(queue.events()));

  // The same requests again (same ray, client, path, start ms), and the events the queue may
  // have half-accepted arriving through the consumer too: still stored exactly once.
  for (const [path, ray] of traffic) await callWorker(request(path, ray));
  const rows = await storedEvents();
  await consume(
    rows.map((r) => ({
      id: r.id,
      ts: r.ts,
      method: r.method,
      path: r.path,
      status: r.status,
      durationMs: r.duration_ms,
      bytes: r.bytes,
      clientHash: r.client_hash,
      colo: null,
      country: null,
      source: "gateway",
    })),
  );
  expect(queue.events()).toHaveLength(2 * traffic.length);
  expect(await readAggregates()).toEqual(truth(queue.events()));
  expect(await storedEvents()).toHaveLength(traffic.length);
  const counter = await env.DB.prepare(
    "SELECT value FROM pipeline_counters WHERE name = 'events_stored'",
  ).first("value");
  expect(counter).toBe(traffic.length);
  expect(warn.mock.calls.flat().join(" ")).toContain("stored 1 events directly");
});

it("still answers normally when both the queue and D1 fail, logging only counts and errors", async () => {
  const queue = captureQueue();
  queue.sendBatch.mockRejectedValue(new Error("queue down"));
  vi.spyOn(env.DB, "batch").mockRejectedValue(new Error("D1_ERROR: database unavailable"));
  const error = vi.spyOn(console, "error").mockImplementation(() => {});

  const { response, body } = await callWorker(request("/users/9", "ray-9"));
  expect(response.status).toBe(200);
  expect(body).toBe("hello world");

  const logged = error.mock.calls.flat().join(" ");
  expect(logged).toContain("1 events not delivered");
  expect(logged).toContain("queue down");
  expect(logged).toContain("database unavailable");
  for (const secret of [IP, TEST_SECRETS.CLIENT_IP_SALT, TEST_SECRETS.ADMIN_TOKEN])
    expect(logged).not.toContain(secret);
  vi.mocked(env.DB.batch).mockRestore();
  expect(await storedEvents()).toEqual([]);
});

it("still answers normally when recording itself throws (no salt to hash the client with)", async () => {
  const noSalt = envWith({ CLIENT_IP_SALT: "" });
  const queue = captureQueue(noSalt);
  const error = vi.spyOn(console, "error").mockImplementation(() => {});
  const { response, body } = await callWorker(request("/users/1", "ray-1"), noSalt);
  expect(response.status).toBe(200);
  expect(body).toBe("hello world");
  expect(queue.events()).toEqual([]);
  expect(error.mock.calls.flat().join(" ")).toContain("CLIENT_IP_SALT is not set");
});
