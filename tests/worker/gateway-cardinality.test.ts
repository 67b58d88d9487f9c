/**
 * Invariant 4 through the whole pipeline: gateway requests → normalised templates (configured
 * routes first, then the rules) → the real consumer → the per-day distinct-path cap, with a low
 * MAX_PATHS_PER_DAY. The expected result comes from a model of the cap written here.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { OTHER_PATH } from "../../worker/src/db/write-events";
import {
  aggregatesOfKnown,
  callWorker,
  captureQueue,
  consume,
  envWith,
  resetStorage,
  storedAggregates,
} from "./harness";

const CAP = 3;
const testEnv = envWith({
  MAX_PATHS_PER_DAY: String(CAP),
  ROUTES: JSON.stringify(["/users/:id/orders/:orderId", "/static/*"]),
});
const DAY_1 = Date.UTC(2026, 10, 22, 8, 0);
const DAY_2 = Date.UTC(2026, 10, 23, 8, 0);

/** Raw request path → the template the rules and routes must give (the spec, written out). */
const DAY_1_BATCHES: [string, string][][] = [
  [
    ["/users/7/orders/9?x=1", "/users/:id/orders/:orderId"],
    ["/users/8/orders/10/", "/users/:id/orders/:orderId"],
    ["/users/me", "/users/me"],
    ["/items/123", "/items/:id"],
    ["/items/550e8400-e29b-41d4-a716-446655440000", "/items/:id"],
  ],
  [
    ["/files/deadbeef", "/files/deadbeef"],
    ["/files/deadbeef01", "/files/:id"],
    ["/t/abcdefghijABCDEFGHIJ0123", "/t/:id"],
    ["/static/js/app.3f9a8b7c.js", "/static/*"],
    ["/a", "/a"],
  ],
];
const DAY_2_BATCHES: [string, string][][] = [
  [
    ["/b", "/b"],
    ["/items/5", "/items/:id"],
    ["/c", "/c"],
    ["/d", "/d"],
  ],
];

/** The cap as specified: per day, a batch's new paths are admitted in path order while under the cap. */
function applyCap(batches: string[][], cap: number): string[][] {
  const admitted = new Set<string>();
  return batches.map((batch) => {
    const fresh = [...new Set(batch)].filter((p) => !admitted.has(p)).sort();
    for (const path of fresh) if (admitted.size < cap) admitted.add(path);
    return batch.map((p) => (admitted.has(p) ? p : OTHER_PATH));
  });
}

beforeEach(async () => {
  await resetStorage(testEnv);
  vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("ok", { status: 200 }));
});
afterEach(() => vi.restoreAllMocks());

async function runDay(start: number, batches: [string, string][][]) {
  const now = vi.spyOn(Date, "now").mockReturnValue(start);
  const durations: number[] = [];
  for (const batch of batches) {
    const queue = captureQueue(testEnv);
    for (const [raw] of batch) await callWorker(new Request(`http://gateway.test${raw}`), testEnv);
    const events = queue.events();
    expect(events.map((e) => e.path)).toEqual(batch.map(([, template]) => template));
    durations.push(...events.map((e) => e.durationMs));
    expect(await consume(events, testEnv)).toMatchObject({ retried: [] });
    queue.sendBatch.mockRestore();
    queue.send.mockRestore();
  }
  now.mockRestore();
  return applyCap(
    batches.map((batch) => batch.map(([, template]) => template)),
    CAP,
  )
    .flat()
    .map((path, i) => ({
      ts: start,
      durationMs: durations[i] ?? Number.NaN,
      path,
      method: "GET" as const,
      status: 200,
      bytes: 2,
    }));
}

it("normalises paths and caps distinct templates per UTC day", async () => {
  const truth = [...(await runDay(DAY_1, DAY_1_BATCHES)), ...(await runDay(DAY_2, DAY_2_BATCHES))];
  const aggregates = await storedAggregates(testEnv.DB);
  expect(aggregates).toEqual(aggregatesOfKnown(truth));
  const stored = aggregates.hourly;
  // The cap held: per day at most CAP real templates, and the overflow is counted, not lost.
  for (const day of [DAY_1, DAY_2]) {
    const paths = stored.filter((r) => r.hour === day).map((r) => r.path);
    expect(paths.filter((p) => p !== OTHER_PATH).length).toBe(CAP);
  }
  expect(stored.reduce((n, r) => n + r.requests, 0)).toBe(truth.length);
});
