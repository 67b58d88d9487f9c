/**
 * No secret leaves the Worker (issue 12, invariant 6): after a run that exercises every path that
 * answers or logs — gateway traffic, ingest (valid, rejected, malformed), a failed queue send, a
 * failed D1 batch, a dead letter, every job, settings that cannot be parsed, refused requests —
 * neither the admin token nor the client-IP salt appears in any response (body or header) of any
 * route, in anything the Worker logged, in anything it sent upstream, or in D1, KV or R2.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { TEST_SECRETS } from "../secrets";
import { reservedRoutes } from "./access-routes";
import {
  callWorker,
  captureQueue,
  consume,
  DAY,
  DEAD_LETTER_QUEUE,
  deliver,
  envWith,
  gunzip,
  ingestRequest,
  resetStorage,
  snapshotTables,
} from "./harness";

const SECRETS = Object.entries(TEST_SECRETS);
const ORIGIN = "http://gateway.test";
const authorised = { Authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` };

/** Which secrets (by name) occur in `text`. */
const secretsIn = (text: string): string[] =>
  SECRETS.filter(([, value]) => text.includes(value)).map(([name]) => name);

const logs: string[] = [];
const answers: { what: string; text: string }[] = [];
let upstreamRequests: string[] = [];

async function record(what: string, request: Request, testEnv = env): Promise<void> {
  const { response, body } = await callWorker(request, testEnv);
  answers.push({ what, text: `${response.status} ${JSON.stringify([...response.headers])} ${body}` });
}

const clientRequest = (path: string, ip: string) =>
  new Request(`${ORIGIN}${path}`, { headers: { "CF-Connecting-IP": ip, "User-Agent": "secrets-test" } });

/** Gateway traffic, stored through the real queue and consumer, and once through the D1 fallback. */
async function gatewayTraffic(queue: ReturnType<typeof captureQueue>): Promise<void> {
  for (const [i, path] of ["/users/1", "/orders/2?x=1", "/missing/3"].entries())
    await record(`gateway ${path}`, clientRequest(path, `198.51.100.${i}`));
  queue.sendBatch.mockRejectedValueOnce(new Error("Queue send failed: injected"));
  await record("gateway, queue down", clientRequest("/users/4", "198.51.100.9"));
  const batch = vi.spyOn(env.DB, "batch").mockRejectedValueOnce(new Error("D1_ERROR: injected"));
  await consume(queue.bodies());
  batch.mockRestore();
  await consume(queue.bodies());
}

/** Ingest: valid events five days back (so archive and cleanup have work), rejected and malformed ones. */
async function ingestTraffic(queue: ReturnType<typeof captureQueue>): Promise<void> {
  const old = Date.now() - 5 * DAY;
  const events = Array.from({ length: 30 }, (_, i) => ({
    ts: old + i * 60_000,
    method: "GET",
    path: `/v1/items/${i}`,
    status: i % 7 === 0 ? 500 : 200,
    durationMs: i,
    clientIp: `203.0.113.${i}`,
  }));
  queue.sendBatch.mockClear();
  queue.send.mockClear();
  await record("ingest", ingestRequest(JSON.stringify(events)));
  await consume(queue.bodies());
  await record("ingest, rejected", ingestRequest(JSON.stringify([{ ts: 0 }, { nope: true }, 17])));
  await record("ingest, malformed", ingestRequest("[{"));
  await record("ingest, NDJSON", ingestRequest('{"a":1}\n{', { contentType: "application/x-ndjson" }));
}

beforeAll(async () => {
  await resetStorage();
  for (const level of ["log", "info", "warn", "error", "debug"] as const)
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logs.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(" "));
    });
  const upstream = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const request = input instanceof Request ? input : new Request(String(input));
    upstreamRequests.push(`${request.url} ${JSON.stringify([...request.headers])} ${await request.text()}`);
    return new Response("upstream says hi");
  });
  const queue = captureQueue();
  await gatewayTraffic(queue);
  await ingestTraffic(queue);
  await deliver(DEAD_LETTER_QUEUE, [{ id: "dlq-1", body: { id: "x", ts: Date.now() } }]);
  const now = encodeURIComponent(new Date().toISOString());
  for (const job of ["rollup", "snapshot", "archive", "cleanup", "capacity", "snapshotPrune"])
    await record(
      `job ${job}`,
      new Request(`${ORIGIN}/_pathmeter/api/ops/jobs/${job}?now=${now}`, {
        method: "POST",
        headers: authorised,
      }),
    );
  for (const [name, value] of [
    ["MAX_PATHS_PER_DAY", "lots"],
    ["UPSTREAM_URL", "::"],
    ["RESERVED_PREFIX", "x"],
  ] as const)
    await record(`bad ${name}`, clientRequest("/users/1", "198.51.100.7"), envWith({ [name]: value }));
  for (const route of reservedRoutes()) {
    const url = `${ORIGIN}/_pathmeter${route.path}`;
    await record(
      `${route.method} ${route.path}`,
      new Request(url, { method: route.method, headers: authorised }),
    );
    await record(`${route.method} ${route.path} unauthorised`, new Request(url, { method: route.method }));
  }
  upstream.mockRestore();
  upstreamRequests = [...upstreamRequests];
}, 60_000);

describe("no secret leaves the Worker", () => {
  it("the run exercised what it claims: stored events, an archive, logged faults", async () => {
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM traffic_events").first<{ n: number }>();
    expect((stored?.n ?? 0) + (await env.ARCHIVE.list()).objects.length).toBeGreaterThan(0);
    expect((await env.ARCHIVE.list()).objects.length).toBeGreaterThan(0);
    expect(logs.join("\n")).toMatch(/queue send failed/);
    expect(logs.join("\n")).toMatch(/MAX_PATHS_PER_DAY/);
    expect(answers.length).toBeGreaterThan(2 * reservedRoutes().length);
  });

  it("in no response of any route, body or header", () => {
    for (const { what, text } of answers) expect(secretsIn(text), what).toEqual([]);
  });

  it("in nothing the Worker logged", () => {
    for (const line of logs) expect(secretsIn(line), line).toEqual([]);
  });

  it("in nothing sent to the upstream", () => {
    expect(upstreamRequests.length).toBeGreaterThan(0);
    for (const request of upstreamRequests) expect(secretsIn(request), request).toEqual([]);
  });

  it("in no D1 row, KV value or R2 object", async () => {
    expect(secretsIn(JSON.stringify(await snapshotTables(env.DB)))).toEqual([]);
    for (const key of (await env.SNAPSHOTS.list()).keys)
      expect(secretsIn(`${key.name} ${await env.SNAPSHOTS.get(key.name)}`), key.name).toEqual([]);
    for (const object of (await env.ARCHIVE.list()).objects) {
      const body = await env.ARCHIVE.get(object.key);
      const bytes = new Uint8Array((await body?.arrayBuffer()) ?? new ArrayBuffer(0));
      const text = object.key.endsWith(".gz") ? await gunzip(bytes) : new TextDecoder().decode(bytes);
      expect(secretsIn(`${object.key} ${text}`), object.key).toEqual([]);
    }
  });
});
