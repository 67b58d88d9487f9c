/**
 * Property: whatever the upstream's answer and body do and whatever the client does with the
 * body, a proxied request is recorded exactly once and stored once by the real consumer, and
 * pathmeter itself never answers 5xx (issue 12). Methods, statuses (null-body ones included),
 * bodies of known, unknown and endless length, bodies that fail half-way, clients that read
 * everything or go away after the first chunk.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { recordReliability } from "../reliability-record";
import { captureQueue, consume, resetStorage } from "./harness";
import { worker } from "./harness/worker";
import { RUNS, storedTally } from "./hostile-arbitraries";

const encoder = new TextEncoder();
const BODY_KINDS = ["none", "sized", "stream", "endless", "failing"] as const;
type BodyKind = (typeof BODY_KINDS)[number];

/** An upstream body of `kind`; "endless" only ends when its reader cancels. */
function bodyOf(kind: BodyKind): { body: BodyInit | null; headers: HeadersInit } {
  if (kind === "none") return { body: null, headers: {} };
  if (kind === "sized") return { body: "sized-body", headers: { "Content-Length": "10" } };
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls += 1;
      if (kind === "failing" && pulls > 1) throw new Error("upstream reset mid-body");
      if (kind === "stream" && pulls > 2) return controller.close();
      controller.enqueue(encoder.encode(`chunk-${pulls};`));
    },
  });
  return { body, headers: {} };
}

/** The upstream's answer; a null-body status with a body is what a misbehaving upstream sends. */
function answer(status: number, kind: BodyKind): Response {
  const { body, headers } = bodyOf(kind);
  const response = new Response(body, { status: body === null ? status : 200, headers });
  if (body !== null) Object.defineProperty(response, "status", { value: status });
  return response;
}

const scenario = fc
  .record({
    method: fc.constantFrom("GET", "HEAD", "POST", "OPTIONS", "DELETE"),
    status: fc.constantFrom(200, 201, 204, 205, 304, 404, 500, 503),
    body: fc.constantFrom(...BODY_KINDS),
    client: fc.constantFrom("reads" as const, "goes-away" as const),
    path: fc.constantFrom("/items/7", "/items/7?x=1", "/", "/a/b/c"),
  })
  // A client that reads everything of an endless body never finishes: it goes away instead.
  .map((s) => (s.body === "endless" ? { ...s, client: "goes-away" as const } : s));

/** What the client does with the body; a failing upstream body fails the client's read, as without us. */
async function consumeBody(response: Response, client: "reads" | "goes-away"): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  try {
    if (client === "goes-away") {
      await reader.read();
      await reader.cancel("client went away");
    } else while (!(await reader.read()).done);
  } catch {
    // The upstream's body failed half-way: the client sees that, and so would it without the gateway.
  }
}

beforeEach(() => resetStorage());
afterEach(() => vi.restoreAllMocks());

it("records every proxied request once, whatever the upstream's body and the client do", async ({ task }) => {
  const upstream = vi.spyOn(globalThis, "fetch");
  vi.spyOn(console, "error").mockImplementation(() => {});
  const queue = captureQueue();
  const tally = { requests: 0, fiveXx: 0 };
  const ids = new Set<string>();
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      queue.sendBatch.mockClear();
      queue.send.mockClear();
      upstream.mockImplementation(async () => answer(s.status, s.body));
      const ctx = createExecutionContext();
      const response = await worker.fetch(
        new Request(`http://gateway.test${s.path}`, { method: s.method }),
        env,
        ctx,
      );
      tally.requests += 1;
      if (response.status !== s.status) tally.fiveXx += response.status >= 500 ? 1 : 0;
      expect(response.status).toBe(s.status);
      await consumeBody(response, s.client);
      await waitOnExecutionContext(ctx);
      const events = queue.events();
      expect(events.map((e) => [e.method, e.status])).toEqual([[s.method, s.status]]);
      if (s.method === "HEAD" || [204, 205, 304].includes(s.status)) expect(events[0]?.bytes).toBe(0);
      for (const event of events) ids.add(event.id);
      expect((await consume(queue.bodies())).retried).toEqual([]);
    }),
    RUNS,
  );
  const stored = await storedTally([...ids]);
  recordReliability(task, {
    scenario: "gateway: any upstream body (HEAD, 204/304 with a body, endless, failing) and client",
    events: tally.requests,
    faults:
      "bodies of unknown/endless length, failing mid-body, null-body statuses with a body, clients going away",
    lost: tally.requests - stored.storedIds,
    doubleCounted: stored.doubleCounted,
    fiveXx: tally.fiveXx,
  });
  expect(stored).toEqual({ storedIds: tally.requests, doubleCounted: 0, uncounted: 0 });
}, 60_000);
