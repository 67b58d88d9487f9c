/**
 * Whole-request errors of POST /_pathmeter/ingest, each with its documented status and code,
 * and nothing sent to the queue for any of them.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { callWorker, captureQueue, envWith, ingest, ingestRequest } from "./harness";

const event = (i = 0) => ({
  ts: Date.now() - 1_000,
  method: "GET",
  path: `/e/${i}`,
  status: 200,
  durationMs: 5,
});
let queue: ReturnType<typeof captureQueue>;

beforeEach(() => {
  queue = captureQueue();
});
afterEach(() => {
  expect(queue.events()).toEqual([]);
  vi.restoreAllMocks();
});

const errorOf = (json: Record<string, unknown>) => json.error as { code: string; message: string };

it("401 unauthorized without a token or with a wrong one", async () => {
  const none = await ingest(JSON.stringify([event()]), { token: null });
  const wrong = await ingest(JSON.stringify([event()]), { token: "not-the-token" });
  for (const answer of [none, wrong]) {
    expect(answer.status).toBe(401);
    expect(errorOf(answer.json).code).toBe("unauthorized");
  }
});

it("400 invalid_json for a body that is not JSON, naming the NDJSON line", async () => {
  const broken = await ingest('[{"ts": 1,}');
  expect(broken.status).toBe(400);
  expect(errorOf(broken.json).code).toBe("invalid_json");

  const ndjson = `${JSON.stringify(event(1))}\n{"ts": oops}\n${JSON.stringify(event(3))}`;
  const line = await ingest(ndjson, { contentType: "application/x-ndjson" });
  expect(line.status).toBe(400);
  expect(errorOf(line.json)).toMatchObject({
    code: "invalid_json",
    message: expect.stringContaining("line 2"),
  });

  const empty = await ingest("  \n ");
  expect(empty.status).toBe(400);
  expect(errorOf(empty.json).code).toBe("invalid_json");
});

it("400 invalid_json for a literal NaN (JSON has no NaN)", async () => {
  const answer = await ingest('[{"ts": 1, "method": "GET", "path": "/", "status": 200, "durationMs": NaN}]');
  expect(answer.status).toBe(400);
  expect(errorOf(answer.json).code).toBe("invalid_json");
});

it("400 bad_request for JSON that is not an array of events", async () => {
  for (const body of ["42", '"events"', "null", "true"]) {
    const answer = await ingest(body);
    expect(answer.status).toBe(400);
    expect(errorOf(answer.json).code).toBe("bad_request");
  }
});

it("413 too_many_events above 1000 events, as a JSON array and as NDJSON", async () => {
  const events = Array.from({ length: 1001 }, (_, i) => event(i));
  const array = await ingest(JSON.stringify(events));
  const ndjson = await ingest(events.map((e) => JSON.stringify(e)).join("\n"), {
    contentType: "application/x-ndjson",
  });
  for (const answer of [array, ndjson]) {
    expect(answer.status).toBe(413);
    expect(errorOf(answer.json).code).toBe("too_many_events");
  }
});

it("413 body_too_large above 1 MiB, with and without a Content-Length", async () => {
  const big = JSON.stringify([{ ...event(), padding: "x".repeat(1024 * 1024) }]);
  const declared = await ingest(big);
  expect(declared.status).toBe(413);
  expect(errorOf(declared.json).code).toBe("body_too_large");

  const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 20) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const request = ingestRequest(stream);
  expect(request.headers.has("Content-Length")).toBe(false);
  const { response, body } = await callWorker(request);
  expect(response.status).toBe(413);
  expect(errorOf(JSON.parse(body)).code).toBe("body_too_large");
});

it("415 unsupported_media_type for bodies that are not JSON or NDJSON", async () => {
  for (const contentType of ["text/html", "application/xml", "multipart/form-data; boundary=x"]) {
    const answer = await ingest(JSON.stringify([event()]), { contentType });
    expect(answer.status).toBe(415);
    expect(errorOf(answer.json).code).toBe("unsupported_media_type");
  }
});

it("503 not_configured when a client IP must be hashed but CLIENT_IP_SALT is unset", async () => {
  const noSalt = envWith({ CLIENT_IP_SALT: "" });
  const noSaltQueue = captureQueue(noSalt);
  const answer = await ingest(JSON.stringify([{ ...event(), clientIp: "192.0.2.1" }]), {}, noSalt);
  expect(answer.status).toBe(503);
  expect(errorOf(answer.json).code).toBe("not_configured");
  expect(noSaltQueue.events()).toEqual([]);
});
