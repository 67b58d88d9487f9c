/**
 * POST /_pathmeter/ingest end to end in workerd: per-event validation with partial acceptance,
 * NDJSON, ids (given, derived exactly as the gateway derives them, duplicates), rejection
 * counting, and storage through the real queue consumer compared with independent ground truth.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { unpack } from "../../worker/src/shared/pack";
import {
  aggregatesOfKnown,
  callWorker,
  captureQueue,
  consume,
  expectedClientHash,
  ingest,
  rejectionCounts,
  resetStorage,
  storedAggregates,
  storedEvents,
} from "./harness";

const NOW = Date.UTC(2026, 10, 24, 12, 30);
const DAY = 86_400_000;
const valid = (over: Record<string, unknown> = {}) => ({
  ts: NOW - 60_000,
  method: "GET",
  path: "/users/1",
  status: 200,
  durationMs: 12.5,
  bytes: 100,
  clientIp: "203.0.113.9",
  requestId: "req-0",
  ...over,
});

beforeEach(async () => {
  await resetStorage();
  vi.spyOn(Date, "now").mockReturnValue(NOW);
});
afterEach(() => vi.restoreAllMocks());

const ingestRejections = () => rejectionCounts("ingest");

describe("per-event validation", () => {
  it("accepts the valid events and rejects each invalid one with its index and code", async () => {
    const queue = captureQueue();
    const cases: [unknown, string | null][] = [
      [valid({ requestId: "a" }), null],
      [valid({ status: "200" }), "invalid_status"],
      [valid({ method: 5 }), "invalid_method"],
      [valid({ method: "FETCH" }), "invalid_method"],
      [valid({ path: 7 }), "invalid_path"],
      [valid({ path: "users/1" }), "invalid_path"],
      [valid({ ts: "yesterday" }), "invalid_ts"],
      [valid({ ts: 1_700_000_000 }), "invalid_ts"],
      [valid({ durationMs: "NaN" }), "invalid_duration"],
      [valid({ durationMs: -1 }), "invalid_duration"],
      [valid({ durationMs: null }), "invalid_duration"],
      [valid({ durationMs: "12" }), "invalid_duration"],
      [valid({ bytes: -1 }), "invalid_bytes"],
      [valid({ bytes: 1.5 }), "invalid_bytes"],
      [valid({ clientIp: undefined, clientHash: "198.51.100.4" }), "invalid_client"],
      [valid({ clientHash: "abc123" }), "invalid_client"],
      [valid({ clientIp: "not an ip" }), "invalid_client"],
      [valid({ id: "" }), "invalid_id"],
      [valid({ id: "x".repeat(81) }), "invalid_id"],
      [valid({ requestId: 5 }), "invalid_event"],
      [null, "invalid_event"],
      [[1, 2], "invalid_event"],
      [valid({ ts: NOW - 8 * DAY }), "too_old"],
      [valid({ ts: NOW + 6 * 60_000 }), "in_future"],
      [valid({ ts: NOW + 4 * 60_000, requestId: "b", method: "post" }), null],
      [valid({ ts: NOW - 6 * DAY, requestId: "c", bytes: undefined, clientIp: undefined }), null],
    ];
    // 1e999 is valid JSON that parses to Infinity: spliced in as text.
    const body = JSON.stringify(cases.map(([e]) => e)).replace(
      /]$/,
      `,${JSON.stringify(valid()).replace('"durationMs":12.5', '"durationMs":1e999')}]`,
    );
    const { status, json } = await ingest(body);
    expect(status).toBe(202);

    const expected = [...cases.map(([, code]) => code), "invalid_duration"];
    const rejected = json.rejected as { index: number; code: string; message: string }[];
    expect(rejected.map((r) => [r.index, r.code])).toEqual(
      expected.flatMap((code, index) => (code === null ? [] : [[index, code]])),
    );
    for (const r of rejected) expect(r.message.length).toBeGreaterThan(0);
    expect(json.accepted).toBe(3);

    const events = queue.events();
    expect(events.map((e) => [e.method, e.path, e.bytes, e.source])).toEqual([
      ["GET", "/users/:id", 100, "ingest"],
      ["POST", "/users/:id", 100, "ingest"],
      ["GET", "/users/:id", null, "ingest"],
    ]);
    await consume(events);
    expect(await storedAggregates()).toEqual(
      aggregatesOfKnown([
        { ts: NOW - 60_000, path: "/users/:id", method: "GET", status: 200, durationMs: 12.5, bytes: 100 },
        {
          ts: NOW + 4 * 60_000,
          path: "/users/:id",
          method: "POST",
          status: 200,
          durationMs: 12.5,
          bytes: 100,
        },
        { ts: NOW - 6 * DAY, path: "/users/:id", method: "GET", status: 200, durationMs: 12.5, bytes: null },
      ]),
    );

    const counts: Record<string, number> = {};
    for (const code of expected) if (code !== null) counts[code] = (counts[code] ?? 0) + 1;
    expect(await ingestRejections()).toEqual(counts);
  });

  it("hashes clientIp with the gateway's HMAC and keeps a given clientHash; never stores the IP", async () => {
    const queue = captureQueue();
    const ip = "2001:db8::42";
    const { json } = await ingest(
      JSON.stringify([
        valid({ clientIp: ip, requestId: "h1" }),
        valid({ clientIp: undefined, clientHash: "partner-hash_01", requestId: "h2" }),
      ]),
    );
    expect(json).toEqual({ accepted: 2, rejected: [] });
    expect(queue.events().map((e) => e.clientHash)).toEqual([
      await expectedClientHash(ip),
      "partner-hash_01",
    ]);
    await consume(queue.events());
    expect(JSON.stringify(await storedEvents())).not.toContain(ip);
  });
});

describe("formats", () => {
  it("reads NDJSON by content type and by detection", async () => {
    const queue = captureQueue();
    const lines = (tag: string) =>
      [valid({ requestId: `${tag}-1` }), valid({ requestId: `${tag}-2`, status: 503 })].map((e) =>
        JSON.stringify(e),
      );
    const answers = [
      await ingest(`${lines("nd").join("\r\n")}\r\n`, { contentType: "application/x-ndjson" }),
      await ingest(`\n${lines("plain").join("\n\n")}`, { contentType: "text/plain" }),
      await ingest(lines("none").join("\n"), { contentType: null }),
      await ingest(lines("json").join("\n"), { contentType: "application/json" }),
    ];
    for (const { status, json } of answers) {
      expect(status).toBe(202);
      expect(json).toEqual({ accepted: 2, rejected: [] });
    }
    await consume(queue.events());
    const truth = Array.from({ length: 8 }, (_, i) => ({
      ts: NOW - 60_000,
      path: "/users/:id",
      method: "GET" as const,
      status: i % 2 ? 503 : 200,
      durationMs: 12.5,
      bytes: 100,
    }));
    expect(await storedAggregates()).toEqual(aggregatesOfKnown(truth));
  });

  it("reports the index of a rejected NDJSON line among the events", async () => {
    const body = [valid(), { ...valid(), status: 99 }].map((e) => JSON.stringify(e)).join("\n");
    const { json } = await ingest(body, { contentType: "application/x-ndjson" });
    expect(json).toMatchObject({ accepted: 1, rejected: [{ index: 1, code: "invalid_status" }] });
  });
});

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
