/**
 * Hostile input to `POST /_pathmeter/ingest` (issue 12), property-based: whatever the body,
 * the answer is a 202 with one rejection code per refused event, or a 4xx with an error code —
 * never a 5xx — and whatever ingest accepts, the real consumer stores without a retry or a crash.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_INGEST_BYTES } from "../../worker/src/ingest/route";
import { recordReliability } from "../reliability-record";
import { callWorker, captureQueue, consume, ingestRequest, resetStorage } from "./harness";
import { hostileEvent, nested, RUNS, storedTally } from "./hostile-arbitraries";

const REJECTION_CODES = [
  "invalid_event",
  "invalid_id",
  "invalid_ts",
  "invalid_method",
  "invalid_path",
  "invalid_status",
  "invalid_duration",
  "invalid_bytes",
  "invalid_client",
  "invalid_source",
  "too_old",
  "in_future",
];
const BODY_ERRORS: Record<number, string[]> = {
  400: ["invalid_json", "bad_request"],
  413: ["body_too_large", "too_many_events"],
  415: ["unsupported_media_type"],
};
const CONTENT_TYPES = [
  "application/json",
  "application/x-ndjson",
  "application/ndjson",
  "text/plain",
  "application/json; charset=utf-16",
  "application/vnd.api+json",
  "application/xml",
  "multipart/form-data; boundary=x",
  "",
];

interface Accepted {
  accepted: number;
  rejected: { index: number; code: string; message: string }[];
}

/** Sends a body; checks the answer is a 202 or a coded 4xx; returns the 202's JSON or null. */
/** Requests sent and 5xx answers seen by this file's tests, for the reliability report. */
const tally = { requests: 0, fiveXx: 0 };

async function ingestChecked(body: BodyInit, contentType: string | null): Promise<Accepted | null> {
  const { response, body: text } = await callWorker(ingestRequest(body, { contentType }));
  tally.requests += 1;
  if (response.status >= 500) tally.fiveXx += 1;
  const json = JSON.parse(text) as Accepted & { error?: { code: string; message: string } };
  if (response.status === 202) {
    expect(json.accepted).toBeGreaterThanOrEqual(0);
    for (const r of json.rejected) {
      expect(REJECTION_CODES).toContain(r.code);
      expect(r.message.length).toBeGreaterThan(0);
    }
    return json;
  }
  expect(BODY_ERRORS[response.status], `${response.status} ${text}`).toContain(json.error?.code);
  expect(json.error?.message.length).toBeGreaterThan(0);
  return null;
}

/** Delivers what ingest queued to the real consumer (every message acked, none retried); returns the queued ids. */
async function consumeQueued(queue: ReturnType<typeof captureQueue>): Promise<string[]> {
  const bodies = queue.bodies();
  const events = queue.events().map((e) => e.id);
  for (let i = 0; i < bodies.length; i += 100) {
    const outcome = await consume(bodies.slice(i, i + 100));
    expect(outcome.retried).toEqual([]);
  }
  queue.sendBatch.mockClear();
  queue.send.mockClear();
  return events;
}

const storedCount = async () =>
  (await env.DB.prepare("SELECT count(*) AS n FROM traffic_events").first<{ n: number }>())?.n ?? 0;

beforeEach(async () => {
  await resetStorage();
  tally.requests = 0;
  tally.fiveXx = 0;
});
afterEach(() => vi.restoreAllMocks());

describe("ingest never answers 5xx", () => {
  it("to events whose every field may be hostile; each is accepted or rejected with a code; the consumer stores the accepted", async ({
    task,
  }) => {
    const queue = captureQueue();
    const now = Date.now();
    let accepted = 0;
    let sent = 0;
    const queuedIds = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(hostileEvent(now), { minLength: 1, maxLength: 30 }), async (events) => {
        sent += events.length;
        const answer = await ingestChecked(JSON.stringify(events), "application/json");
        if (answer === null) throw new Error("a JSON array of ≤ 1000 objects must be answered 202");
        expect(answer.accepted + answer.rejected.length).toBe(events.length);
        expect(answer.rejected.map((r) => r.index)).toEqual([
          ...new Set(answer.rejected.map((r) => r.index)),
        ]);
        const before = await storedCount();
        const queued = await consumeQueued(queue);
        for (const id of queued) queuedIds.add(id);
        expect(queued.length).toBe(answer.accepted);
        accepted += answer.accepted;
        // Ids repeat across runs only when the sender gave the same id: stored at most once.
        expect(await storedCount()).toBeLessThanOrEqual(before + answer.accepted);
      }),
      RUNS,
    );
    const stored = await storedTally([...queuedIds]);
    recordReliability(task, {
      scenario: "ingest: events with hostile fields, then the consumer",
      events: sent,
      faults: "wrong types, huge/non-finite numbers, far-future/ancient ts, NUL, long strings, nesting",
      lost: queuedIds.size - stored.storedIds,
      doubleCounted: stored.doubleCounted,
      fiveXx: tally.fiveXx,
    });
    expect(stored).toEqual({ storedIds: queuedIds.size, doubleCounted: 0, uncounted: 0 });
    // The generator mixes valid events in: the consumer saw real work.
    expect(accepted).toBeGreaterThan(RUNS.numRuns);
  });

  it("to any body text under any content type", async ({ task }) => {
    const body = fc.oneof(
      fc.json({ maxDepth: 4 }),
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.array(fc.json({ maxDepth: 2 }), { maxLength: 20 }).map((lines) => lines.join("\n")),
      fc.integer({ min: 1, max: 200_000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
      fc.integer({ min: 1, max: 200_000 }).map((depth) => `[${"[".repeat(depth)}`),
      fc.constantFrom(
        "1e999",
        "[1e999]",
        '[{"ts":1e999,"status":-1e999}]',
        "\uFEFF[]",
        "[]",
        "{}",
        "null",
        "\u0000",
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(...CONTENT_TYPES), async (text, contentType) => {
        await ingestChecked(text, contentType);
      }),
      RUNS,
    );
    recordReliability(task, {
      scenario: "ingest: any body text under any content type",
      events: tally.requests,
      faults: "malformed JSON/NDJSON, 200,000-deep nesting, 1e999, BOM, NUL, odd media types",
      lost: 0,
      doubleCounted: 0,
      fiveXx: tally.fiveXx,
    });
  });

  it("to deep nesting inside an event: the event is rejected with a code", async () => {
    const now = Date.now();
    for (const field of ["path", "ts", "method", "id", "clientIp"]) {
      const event = {
        ts: now,
        method: "GET",
        path: "/x",
        status: 200,
        durationMs: 1,
        [field]: nested(50_000),
      };
      const answer = await ingestChecked(JSON.stringify([event]), "application/json");
      expect(
        answer?.rejected.map((r) => r.index),
        field,
      ).toEqual([0]);
    }
  });
});

describe("oversized requests are refused with a code", () => {
  const event = { ts: Date.now(), method: "GET", path: "/x", status: 200, durationMs: 1 };

  it("a body over 1 MiB, with or without a Content-Length: 413 body_too_large", async () => {
    const big = `[${JSON.stringify({ ...event, pad: "x".repeat(MAX_INGEST_BYTES) })}]`;
    expect(await ingestChecked(big, "application/json")).toBeNull();
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
        for (let sent = 0; sent <= MAX_INGEST_BYTES; sent += chunk.byteLength) controller.enqueue(chunk);
        controller.close();
      },
    });
    const { response, body } = await callWorker(
      new Request(ingestRequest("").url, {
        method: "POST",
        headers: ingestRequest("").headers,
        body: streamed,
      }),
    );
    expect(response.status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ error: { code: "body_too_large" } });
  });

  it("more than 1000 events, as JSON or NDJSON: 413 too_many_events", async () => {
    const many = Array.from({ length: 1001 }, () => event);
    for (const [text, type] of [
      [JSON.stringify(many), "application/json"],
      [many.map((e) => JSON.stringify(e)).join("\n"), "application/x-ndjson"],
    ] as const) {
      const { response, body } = await callWorker(ingestRequest(text, { contentType: type }));
      expect(response.status).toBe(413);
      expect(JSON.parse(body)).toMatchObject({ error: { code: "too_many_events" } });
    }
  });
});
