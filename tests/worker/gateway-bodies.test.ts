/**
 * Every proxied request is recorded exactly once, whatever the upstream's body does (issue 12):
 * a HEAD answered with a body, a body that fails half-way, a client that goes away, null-body
 * statuses (204, 304) that still carry one, OPTIONS, an upgrade the upstream refuses. The
 * client's response never fails because of analytics.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, expect, it, type MockInstance, vi } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import { callWorker, captureQueue, resetStorage } from "./harness";
import { worker } from "./harness/worker";

const ORIGIN = "http://gateway.test";
const encoder = new TextEncoder();

/** The upstream answers every request with `respond()` (stubbed at the outbound-fetch edge). */
const upstream = (respond: (request: Request) => Response | Promise<Response>) =>
  vi
    .spyOn(globalThis, "fetch")
    .mockImplementation(async (input) =>
      respond(input instanceof Request ? input : new Request(String(input))),
    );

/** A body of unknown length: no Content-Length, so the gateway counts what it streams. */
const streamOf = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });

/** What recording reported as failed (it logs and never throws). */
let errors: MockInstance<typeof console.error>;

beforeEach(async () => {
  await resetStorage();
  errors = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const recorded = (events: TrafficEvent[]) =>
  events.map((e) => ({ method: e.method, path: e.path, status: e.status, bytes: e.bytes }));

it("records a HEAD whose upstream answers with a body of unknown length, once, with 0 bytes sent", async () => {
  upstream(() => new Response(streamOf("a body a HEAD should not have"), { status: 200 }));
  const queue = captureQueue();
  const { response, body } = await callWorker(new Request(`${ORIGIN}/items/9`, { method: "HEAD" }));
  expect(response.status).toBe(200);
  expect(body).toBe("");
  expect(recorded(queue.events())).toEqual([{ method: "HEAD", path: "/items/:id", status: 200, bytes: 0 }]);
  expect(errors).not.toHaveBeenCalled();
});

it("records a HEAD whose upstream body never ends", async () => {
  // Never closed: only a gateway that lets go of the body (and does not wait for it) records this.
  upstream(() => new Response(new ReadableStream<Uint8Array>({ start() {} }), { status: 200 }));
  const queue = captureQueue();
  const { response } = await callWorker(new Request(`${ORIGIN}/slow`, { method: "HEAD" }));
  expect(response.status).toBe(200);
  expect(recorded(queue.events())).toEqual([{ method: "HEAD", path: "/slow", status: 200, bytes: 0 }]);
});

it("records a response whose upstream body fails half-way, once, with the bytes that got through", async () => {
  upstream(() => {
    let sent = false;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) throw new Error("upstream connection reset mid-body");
        sent = true;
        controller.enqueue(encoder.encode("12345"));
      },
    });
    return new Response(failing, { status: 200 });
  });
  const queue = captureQueue();
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${ORIGIN}/files/77`), env, ctx);
  // The client sees the upstream's failure (the body errors), as it would without the gateway.
  await expect(response.text()).rejects.toThrow();
  await waitOnExecutionContext(ctx);
  expect(recorded(queue.events())).toEqual([{ method: "GET", path: "/files/:id", status: 200, bytes: 5 }]);
});

it("records a request whose client goes away before the body is read, once", async () => {
  // An endless body: only the client's cancel ends the stream.
  upstream(
    () => new Response(new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(encoder.encode("x")) })),
  );
  const queue = captureQueue();
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${ORIGIN}/feed`), env, ctx);
  const reader = response.body?.getReader();
  await reader?.read();
  await reader?.cancel("client went away");
  await waitOnExecutionContext(ctx);
  const events = queue.events();
  expect(events.map((e) => [e.path, e.status])).toEqual([["/feed", 200]]);
  expect(events[0]?.bytes).toBeGreaterThanOrEqual(1);
});

it.each([204, 205, 304])(
  "records a %i whose upstream still sends a body; the client gets no body",
  async (status) => {
    upstream(() => {
      const response = new Response(streamOf("stray body"), { status: 200 });
      // A Response cannot be built with a body and a null-body status; a real upstream can send one.
      Object.defineProperty(response, "status", { value: status });
      return response;
    });
    const queue = captureQueue();
    const { response, body } = await callWorker(new Request(`${ORIGIN}/cache/abc12345`));
    expect(response.status).toBe(status);
    expect(body).toBe("");
    expect(recorded(queue.events())).toEqual([{ method: "GET", path: "/cache/:id", status, bytes: 0 }]);
  },
);

it("records OPTIONS (a CORS preflight) like any other method", async () => {
  upstream(() => new Response(null, { status: 204, headers: { "Access-Control-Allow-Methods": "GET" } }));
  const queue = captureQueue();
  const { response } = await callWorker(
    new Request(`${ORIGIN}/users/5`, { method: "OPTIONS", headers: { Origin: "http://app.test" } }),
  );
  expect(response.status).toBe(204);
  expect(recorded(queue.events())).toEqual([
    { method: "OPTIONS", path: "/users/:id", status: 204, bytes: 0 },
  ]);
});

it("records an upgrade request the upstream refuses, and one whose upstream cannot be reached", async () => {
  const fetchSpy = upstream(() => new Response("upgrade required", { status: 426 }));
  const queue = captureQueue();
  const upgrade = () =>
    new Request(`${ORIGIN}/socket`, { headers: { Upgrade: "websocket", Connection: "Upgrade" } });
  expect((await callWorker(upgrade())).response.status).toBe(426);
  fetchSpy.mockRejectedValue(new TypeError("Network connection lost."));
  vi.spyOn(console, "warn").mockImplementation(() => {});
  expect((await callWorker(upgrade())).response.status).toBe(502);
  expect(recorded(queue.events())).toEqual([
    { method: "GET", path: "/socket", status: 426, bytes: 16 },
    { method: "GET", path: "/socket", status: 502, bytes: expect.any(Number) },
  ]);
});

it("passes an accepted WebSocket upgrade through and records it once, as a 101 of unknown size", async () => {
  upstream(() => {
    const [client] = Object.values(new WebSocketPair());
    return new Response(null, { status: 101, webSocket: client });
  });
  const queue = captureQueue();
  const { response } = await callWorker(
    new Request(`${ORIGIN}/socket/42`, { headers: { Upgrade: "websocket", Connection: "Upgrade" } }),
  );
  expect(response.status).toBe(101);
  expect(response.webSocket).not.toBeNull();
  expect(recorded(queue.events())).toEqual([
    { method: "GET", path: "/socket/:id", status: 101, bytes: null },
  ]);
  expect(errors).not.toHaveBeenCalled();
});
