/**
 * POST /_pathmeter/ingest end to end in workerd: per-event validation with partial acceptance,
 * client hashing, NDJSON, rejection counting, and storage through the real queue consumer compared
 * with independent ground truth. Ids, duplicates and delivery: ingest-delivery.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  aggregatesOfKnown,
  captureQueue,
  consume,
  expectedClientHash,
  ingest,
  storedAggregates,
  storedEvents,
} from "./harness";
import { DAY, ingestRejections, NOW, useIngestSetup, valid } from "./ingest-fixtures";

useIngestSetup();

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

  it("without id or requestId, tells events apart by everything they say; a resent one is still stored once", async () => {
    const queue = captureQueue();
    // One client, one path, one (coarse) timestamp: what a sender logging whole seconds produces.
    const facts = [
      { method: "GET", status: 200 },
      { method: "POST", status: 201 },
      { method: "DELETE", status: 500 },
      { method: "GET", status: 200, durationMs: 99 },
      { method: "GET", status: 200, bytes: 7 },
      { method: "GET", status: 200 },
    ];
    const body = JSON.stringify(facts.map((f) => valid({ requestId: undefined, ts: NOW - 60_000, ...f })));
    expect((await ingest(body)).json.accepted).toBe(6);
    expect((await ingest(body)).json.accepted).toBe(6);
    await consume(queue.events());
    const stored = await storedEvents();
    expect(stored.map((e) => [e.method, e.status, e.duration_ms, e.bytes]).sort()).toEqual(
      [
        ["DELETE", 500, 12.5, 100],
        ["GET", 200, 12.5, 100],
        ["GET", 200, 12.5, 7],
        ["GET", 200, 99, 100],
        ["POST", 201, 12.5, 100],
      ].sort(),
    );
  });

  it("takes OTHER for a method outside the list, and names the list when rejecting one", async () => {
    const queue = captureQueue();
    const { json } = await ingest(
      JSON.stringify([
        valid({ method: "other", requestId: "o1" }),
        valid({ method: "PROPFIND", requestId: "o2" }),
      ]),
    );
    expect(json.accepted).toBe(1);
    expect(queue.events().map((e) => e.method)).toEqual(["OTHER"]);
    expect(json.rejected).toEqual([
      {
        index: 1,
        code: "invalid_method",
        message:
          "method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT, OTHER (OTHER for any other method)",
      },
    ]);
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
