/**
 * One route, one leaderboard row, however its path was spelled: the gateway sees escapes as the
 * client sent them (either case), the ingest API a raw UTF-8 string. Both go through the real
 * handlers, the real queue consumer and the stats API.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { statsJson } from "./api-stats-fixtures";
import { callWorker, captureQueue, consume, ingest, resetStorage } from "./harness";

const NOW = Date.UTC(2026, 10, 20, 9, 30);

beforeEach(async () => {
  await resetStorage();
  vi.spyOn(Date, "now").mockReturnValue(NOW);
});
afterEach(() => vi.restoreAllMocks());

it("counts /caf%c3%a9/x, /caf%C3%A9/x (gateway) and /café/x (ingest) as one path", async () => {
  vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("ok"));
  const queue = captureQueue();
  for (const path of ["/caf%c3%a9/x", "/caf%C3%A9/x"])
    expect((await callWorker(new Request(`http://gateway.test${path}`))).response.status).toBe(200);
  const event = { ts: NOW - 60_000, method: "GET", path: "/café/x", status: 200, durationMs: 5 };
  expect(await ingest(JSON.stringify([event]))).toMatchObject({ status: 202, json: { accepted: 1 } });
  expect(await consume(queue.events())).toMatchObject({ retried: [] });

  const range = { from: "2026-11-20T09:00:00Z", to: "2026-11-20T10:00:00Z" };
  const { paths } = await statsJson<{ paths: { path: string; requests: number }[] }>("paths", range);
  expect(paths.map(({ path, requests }) => ({ path, requests }))).toEqual([
    { path: "/caf%C3%A9/x", requests: 3 },
  ]);

  // The time series' path filter takes the path in any of these spellings (the query parser hands
  // `path=/caf%C3%A9/x` over decoded, as /café/x), and a trailing slash.
  for (const spelling of ["/caf%C3%A9/x", "/café/x", "/caf%c3%a9/x/"]) {
    const series = await statsJson<{ path: string; points: { requests: number }[] }>("timeseries", {
      ...range,
      path: spelling,
    });
    expect(series.path, spelling).toBe("/caf%C3%A9/x");
    expect(series.points.map((p) => p.requests)).toEqual([3]);
  }
});
