/**
 * Hostile requests through the gateway (issue 12), property-based: paths with dot segments,
 * percent-encodings, NUL, unicode, very long segments; odd methods; spoofed or huge client and
 * request-id headers. The client always gets the upstream's answer (never a 5xx of pathmeter's),
 * the upstream gets the request as sent (no header added), and what is recorded is a valid, bounded
 * event the real consumer stores without a retry — the raw IP never in it.
 */
import fc from "fast-check";
import { afterEach, beforeEach, expect, it, type MockInstance, vi } from "vitest";
import { EVENT_METHODS, MAX_PATH_LENGTH, validateTrafficEvent } from "../../worker/src/event";
import { recordReliability } from "../reliability-record";
import { callWorker, captureQueue, consume, resetStorage } from "./harness";
import { hostilePath, RUNS, storedTally } from "./hostile-arbitraries";

const ORIGIN = "http://gateway.test";
/**
 * Methods a Request can carry (fetch forbids CONNECT, TRACE, TRACK; OTHER is no method) and the
 * gateway proxies.
 * workerd upper-cases the standard names itself ("get", "patch"), not others ("propfind").
 */
const METHODS = [
  ...EVENT_METHODS.filter((method) => !["TRACE", "CONNECT", "OTHER"].includes(method)),
  ...["PROPFIND", "PURGE", "get", "patch", "propfind"],
];
/** How each is recorded: by name when the event model lists it (as workerd hands it over), else OTHER. */
const RECORDED_AS: Record<string, string> = {
  PROPFIND: "OTHER",
  PURGE: "OTHER",
  get: "GET",
  patch: "PATCH",
  propfind: "OTHER",
};

/** Header values a client can send: printable ASCII, tabs, very long, lists, spoofed addresses. */
const headerValue = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.constantFrom("1.2.3.4, 5.6.7.8", "\t", "unknown", "::ffff:127.0.0.1", "0", "-"),
  fc.constantFrom("x", "9").map((c) => c.repeat(8_000)),
);
const headers = fc.record(
  {
    "CF-Connecting-IP": headerValue,
    "CF-Ray": headerValue,
    "X-Request-Id": headerValue,
    "X-Forwarded-For": headerValue,
    "User-Agent": headerValue,
  },
  { requiredKeys: [] },
);

let upstream: MockInstance<typeof fetch>;
let loggedError: MockInstance<typeof console.error>;

beforeEach(async () => {
  await resetStorage();
  // As a real upstream does, a HEAD response has no body.
  upstream = vi
    .spyOn(globalThis, "fetch")
    .mockImplementation(async (input) =>
      input instanceof Request && input.method === "HEAD" ? new Response(null) : new Response("upstream-ok"),
    );
  // Nothing a client sends may make recording fail: a failure would be said in the log.
  loggedError = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

it("proxies any request unchanged and records a valid, bounded event for it", async ({ task }) => {
  const queue = captureQueue();
  const tally = { requests: 0, fiveXx: 0, recordable: 0 };
  const recordedIds = new Set<string>();
  await fc.assert(
    fc.asyncProperty(hostilePath(), fc.constantFrom(...METHODS), headers, async (path, method, sent) => {
      upstream.mockClear();
      queue.sendBatch.mockClear();
      queue.send.mockClear();
      const request = new Request(`${ORIGIN}${path}`, { method, headers: sent });
      const { response, body } = await callWorker(request);
      tally.requests += 1;
      if (response.status >= 500) tally.fiveXx += 1;
      expect(response.status, `${method} ${path}`).toBe(200);
      expect(body).toBe(method.toUpperCase() === "HEAD" ? "" : "upstream-ok");

      expect(upstream).toHaveBeenCalledTimes(1);
      const forwarded = upstream.mock.calls[0]?.[0];
      if (!(forwarded instanceof Request)) throw new Error("the upstream got no Request");
      expect(new URL(forwarded.url).pathname).toBe(new URL(request.url).pathname);
      expect([...forwarded.headers.keys()].filter((name) => !request.headers.has(name))).toEqual([]);

      // Every request is recorded; a method outside the event model (PROPFIND, PURGE) as OTHER.
      const events = queue.events();
      tally.recordable += 1;
      for (const event of events) recordedIds.add(event.id);
      expect(events.map((event) => event.method)).toEqual([RECORDED_AS[method] ?? method]);
      expect(loggedError).not.toHaveBeenCalled();
      for (const event of events) {
        expect(validateTrafficEvent(event).ok).toBe(true);
        expect(event.path.length).toBeLessThanOrEqual(MAX_PATH_LENGTH);
        expect(event.clientHash).toMatch(/^[0-9a-f]{32}$/);
        expect(JSON.stringify(event)).not.toContain(`"${sent["CF-Connecting-IP"]}"`);
      }
      expect((await consume(queue.bodies())).retried).toEqual([]);
    }),
    RUNS,
  );
  const stored = await storedTally([...recordedIds]);
  recordReliability(task, {
    scenario: "gateway: hostile paths, methods and headers, then the consumer",
    events: tally.requests,
    faults: "dot segments, %00/%2F/%zz, unicode, 5,000-char segments, odd methods, spoofed/8 kB headers",
    lost: tally.recordable - stored.storedIds,
    doubleCounted: stored.doubleCounted,
    fiveXx: tally.fiveXx,
  });
  expect(tally.recordable).toBeGreaterThan(RUNS.numRuns / 2);
  expect(stored).toEqual({ storedIds: tally.recordable, doubleCounted: 0, uncounted: 0 });
}, 60_000);
