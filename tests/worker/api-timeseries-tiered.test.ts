/**
 * Hourly points of a tiered day (its hourly sketches merged into daily ones, HOURLY_SKETCH_DAYS):
 * every hour with requests shows the day's percentiles, an hour without requests shows none —
 * the day's histogram covers all its hours, but an empty hour has no latency.
 */
import { beforeAll, expect, it } from "vitest";
import { DAY, HOUR, statsJson } from "./api-stats-fixtures";
import { generateEvents, lastRun, load, runCron } from "./harness";

const DAY0 = Date.UTC(2026, 4, 1);

interface Point {
  t: string;
  requests: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
}

beforeAll(async () => {
  // Traffic in 02:00–04:00 only; a rollup 40 days later closes the hours and tiers the day.
  await load(
    generateEvents({ prefix: "tier", count: 30, startMs: DAY0 + 2 * HOUR, spanMs: 2 * HOUR, paths: ["/a"] }),
  );
  await runCron("rollup", DAY0 + 40 * DAY + 7 * 60_000);
  expect((await lastRun("rollup")).report.details).toMatchObject({ tiering: expect.anything() });
});

it("shows the day's percentiles in the hours with requests and none in the others", async () => {
  const { points } = await statsJson<{ points: Point[] }>("timeseries", {
    from: DAY0,
    to: DAY0 + DAY,
    granularity: "hour",
  });
  expect(points).toHaveLength(24);
  const busy = points.filter((p) => p.requests > 0);
  expect(busy.map((p) => p.t)).toEqual(
    [new Date(DAY0 + 2 * HOUR), new Date(DAY0 + 3 * HOUR)].map((d) => d.toISOString()),
  );
  for (const p of busy) expect(p.latencyMs.p50).toBe(busy[0]?.latencyMs.p50);
  expect(busy[0]?.latencyMs.p50).not.toBeNull();
  for (const p of points.filter((point) => point.requests === 0))
    expect(p.latencyMs, p.t).toEqual({ p50: null, p95: null, p99: null });
});
