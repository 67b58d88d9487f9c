/**
 * The gateway in workerd: proxying (upstream stubbed at the outbound-fetch edge), one event per
 * request, the client hash, event ids, and the reserved prefix. Events are captured at the real
 * queue and stored by the real consumer; aggregates are compared with independent ground truth.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TEST_SECRETS } from "../secrets";
import {
  aggregatesOfKnown,
  callWorker,
  captureQueue,
  consume,
  envWith,
  expectedClientHash,
  forwardedRequest,
  resetStorage,
  storedAggregates,
  storedEvents,
  stubUpstream,
} from "./harness";

const upstream = stubUpstream;
const forwarded = forwardedRequest;

beforeEach(() => resetStorage());
afterEach(() => vi.restoreAllMocks());

describe("proxy", () => {
  it("forwards method, headers, body and query string; returns status, headers and body unchanged", async () => {
    const fetchSpy = upstream(
      () =>
        new Response('{"created":true}', {
          status: 201,
          statusText: "Created",
          headers: { "X-Upstream": "u1", "Content-Type": "application/json" },
        }),
    );
    const { response, body } = await callWorker(
      new Request("http://gateway.test/users/42/orders?expand=items&x=1", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Client": "c1",
          Authorization: "Bearer upstream-token",
        },
        body: '{"qty":3}',
      }),
    );
    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Created");
    expect(response.headers.get("X-Upstream")).toBe("u1");
    expect(body).toBe('{"created":true}');

    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const sent = forwarded(fetchSpy);
    expect(sent.url).toBe("http://upstream.test/users/42/orders?expand=items&x=1");
    expect(sent.method).toBe("POST");
    expect(sent.headers.get("X-Client")).toBe("c1");
    expect(sent.headers.get("Authorization")).toBe("Bearer upstream-token");
    expect(sent.headers.get("Content-Type")).toBe("application/json");
    expect(await sent.text()).toBe('{"qty":3}');
    expect(sent.redirect).toBe("manual");
  });

  it("streams a request body and a response body of unknown length through", async () => {
    const chunks = ["alpha-", "beta-", "gamma"];
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const echoed = input instanceof Request ? await input.text() : "";
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of [echoed, ...chunks]) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      });
      return new Response(stream, { status: 200 });
    });
    const queue = captureQueue();
    const upload = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("up-1;"));
        controller.enqueue(new TextEncoder().encode("up-2;"));
        controller.close();
      },
    });
    const { response, body } = await callWorker(
      new Request("http://gateway.test/upload", {
        method: "PUT",
        body: upload,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(200);
    expect(body).toBe("up-1;up-2;alpha-beta-gamma");
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    // No Content-Length from the upstream: the recorded size is what was actually streamed.
    expect(queue.events().map((e) => e.bytes)).toEqual([new TextEncoder().encode(body).byteLength]);
  });

  it("passes redirects back without following them", async () => {
    const fetchSpy = upstream(
      () => new Response(null, { status: 302, headers: { Location: "http://upstream.test/elsewhere" } }),
    );
    const { response } = await callWorker(new Request("http://gateway.test/old"));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("http://upstream.test/elsewhere");
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  it("answers 502 upstream_unreachable when the upstream cannot be reached, and records the 502", async () => {
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("Network connection lost."));
    const queue = captureQueue();
    const { response, body } = await callWorker(new Request("http://gateway.test/health/7"));
    expect(response.status).toBe(502);
    expect(JSON.parse(body)).toMatchObject({ error: { code: "upstream_unreachable" } });
    expect(queue.events()).toMatchObject([{ path: "/health/:id", status: 502, method: "GET" }]);
  });

  it("answers 503 not_configured without an upstream, and records it", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const noUpstream = envWith({ UPSTREAM_URL: "" });
    const queue = captureQueue(noUpstream);
    const { response, body } = await callWorker(new Request("http://gateway.test/anything"), noUpstream);
    expect(response.status).toBe(503);
    expect(JSON.parse(body)).toMatchObject({ error: { code: "not_configured" } });
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(queue.events()).toMatchObject([{ path: "/anything", status: 503 }]);
  });

  it("keeps the reserved prefix to itself: not proxied, not recorded, token required", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const queue = captureQueue();
    const noToken = await callWorker(
      new Request("http://gateway.test/_pathmeter/ingest", { method: "POST", body: "[]" }),
    );
    const wrongToken = await callWorker(
      new Request("http://gateway.test/_pathmeter/ingest", {
        method: "POST",
        body: "[]",
        headers: { Authorization: "Bearer nope" },
      }),
    );
    const unknown = await callWorker(
      new Request("http://gateway.test/_pathmeter/no-such-endpoint", {
        headers: { Authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
      }),
    );
    expect(noToken.response.status).toBe(401);
    expect(JSON.parse(noToken.body)).toMatchObject({ error: { code: "unauthorized" } });
    expect(wrongToken.response.status).toBe(401);
    expect(unknown.response.status).toBe(404);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(queue.events()).toEqual([]);
  });
});

describe("recording", () => {
  it("sends one event per request with template, status, bytes and the keyed client hash; stores no raw IP", async () => {
    const statuses = [200, 404, 500, 201];
    let call = 0;
    upstream(() => {
      const status = statuses[call++ % statuses.length] ?? 200;
      return new Response("x".repeat(status), { status, headers: { "Content-Length": String(status) } });
    });
    const queue = captureQueue();
    const ip = "203.0.113.77";
    const requests = [
      ["GET", "/users/123?page=2"],
      ["GET", "/users/987/"],
      ["DELETE", "/sessions/550e8400-e29b-41d4-a716-446655440000"],
      ["POST", "//users//5//avatar"],
    ] as const;
    const truth = [];
    for (const [index, [method, path]] of requests.entries()) {
      const before = Date.now();
      const { response } = await callWorker(
        new Request(`http://gateway.test${path}`, { method, headers: { "CF-Connecting-IP": ip } }),
      );
      const status = statuses[index] ?? 200;
      expect(response.status).toBe(status);
      truth.push({ before, method, status, bytes: status });
    }

    const events = queue.events();
    expect(events).toHaveLength(requests.length);
    const hash = await expectedClientHash(ip);
    expect(events.map((e) => [e.method, e.path, e.status, e.bytes, e.clientHash, e.source])).toEqual([
      ["GET", "/users/:id", 200, 200, hash, "gateway"],
      ["GET", "/users/:id", 404, 404, hash, "gateway"],
      ["DELETE", "/sessions/:id", 500, 500, hash, "gateway"],
      ["POST", "/users/:id/avatar", 201, 201, hash, "gateway"],
    ]);
    for (const [index, event] of events.entries()) {
      expect(event.id).toMatch(new RegExp(`^${event.ts}-[0-9a-f]{32}$`));
      expect(event.ts).toBeGreaterThanOrEqual(truth[index]?.before ?? Number.NaN);
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
    }

    const result = await consume(events);
    expect(result.acked).toHaveLength(events.length);
    expect(result.retried).toEqual([]);
    // The durations are the Worker's own measurement; every other field is known here.
    const expected = aggregatesOfKnown(
      events.map((e, i) => ({
        ts: e.ts,
        durationMs: e.durationMs,
        path: ["/users/:id", "/users/:id", "/sessions/:id", "/users/:id/avatar"][i] ?? "",
        method: requests[i]?.[0] ?? "GET",
        status: statuses[i] ?? 0,
        bytes: statuses[i] ?? 0,
      })),
    );
    expect(await storedAggregates()).toEqual(expected);
    const rows = await storedEvents();
    expect(rows).toHaveLength(4);
    expect(JSON.stringify(rows)).not.toContain(ip);
  });

  it("takes colo and country from request.cf when present", async () => {
    upstream(() => new Response("ok"));
    const queue = captureQueue();
    const request = new Request("http://gateway.test/geo", {
      cf: { colo: "AMS", country: "NL" },
    } as RequestInit);
    await callWorker(request);
    expect(queue.events()).toMatchObject([{ colo: "AMS", country: "NL" }]);
  });

  it("gives the same request (same CF-Ray, client, path, start ms) the same event id, stored once", async () => {
    upstream(() => new Response("ok"));
    const queue = captureQueue();
    const start = Date.UTC(2026, 10, 20, 9, 30);
    vi.spyOn(Date, "now").mockReturnValue(start);
    const request = (ray: string) =>
      new Request("http://gateway.test/orders/77", {
        headers: { "CF-Ray": ray, "CF-Connecting-IP": "198.51.100.1" },
      });
    await callWorker(request("8a1b2c3d4e5f6a7b-AMS"));
    await callWorker(request("8a1b2c3d4e5f6a7b-AMS"));
    await callWorker(request("ffffffffffffffff-AMS"));
    const [first, second, third] = queue.events();
    expect(first?.id).toBe(second?.id);
    expect(third?.id).not.toBe(first?.id);
    expect(first?.id.startsWith(`${start}-`)).toBe(true);

    expect(await consume(queue.events())).toMatchObject({ retried: [] });
    expect(await storedAggregates()).toEqual(
      aggregatesOfKnown(
        [first, third].map((e) => ({
          ts: start,
          durationMs: e?.durationMs ?? Number.NaN,
          path: "/orders/:id",
          method: "GET",
          status: 200,
          bytes: 2,
        })),
      ),
    );
  });

  it("falls back to X-Request-Id, then to a random id, for the request id", async () => {
    upstream(() => new Response("ok"));
    const queue = captureQueue();
    vi.spyOn(Date, "now").mockReturnValue(Date.UTC(2026, 10, 20, 9, 31));
    const request = (headers: Record<string, string>) => new Request("http://gateway.test/a", { headers });
    await callWorker(request({ "X-Request-Id": "req-1" }));
    await callWorker(request({ "X-Request-Id": "req-1" }));
    await callWorker(request({}));
    await callWorker(request({}));
    const ids = queue.events().map((e) => e.id);
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
  });
});
