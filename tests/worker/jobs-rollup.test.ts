/**
 * The rollup job through the real scheduled handler, on generated traffic with tens of
 * thousands of clients: the latency histogram is moved into sketches without changing a count,
 * percentiles stay within 1% of the exact values, unique clients from the HyperLogLogs stay within
 * the sketch's error once the detail rows are archived and deleted, and tiering into daily
 * sketches changes nothing. Ground truth is computed here from the generated events.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { readLatencyHistogram, readUniqueClients } from "../../worker/src/db/read-stats";
import type { TrafficEvent } from "../../worker/src/event";
import { percentiles, quantile } from "../../worker/src/sketches/latency";
import {
  DAY,
  distinctClients as distinct,
  generateEvents,
  HOUR,
  lastRun,
  load,
  nearestRank,
  runCron,
} from "./harness";

const D = Date.UTC(2026, 8, 1);
const DAY_RANGE = { fromHour: D, toHour: D + DAY };
const SKETCH_DAYS = Number(env.HOURLY_SKETCH_DAYS);
const PATHS = ["/users/:id", "/orders", "/search"];

const events: TrafficEvent[] = generateEvents({
  prefix: "r",
  count: 40_000,
  startMs: D,
  spanMs: DAY,
  clients: 30_000,
  paths: PATHS,
  methods: ["GET"],
});

const onPath = (path: string) => events.filter((e) => e.path === path);

/** The q-quantile of the raw durations by nearest rank (the definition quantile() approximates). */
const exactQuantile = (list: TrafficEvent[], q: number): number =>
  nearestRank(
    list.map((e) => e.durationMs),
    q,
  );

const count = async (sql: string, ...params: number[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...params)
      .first<{ n: number }>()
  )?.n ?? 0;

let histogramBefore: Map<number, number>;

beforeAll(async () => {
  await load(events);
  histogramBefore = await readLatencyHistogram(env.DB, DAY_RANGE);
});

describe("rollup", () => {
  it("is exact while the rows are hot", async () => {
    expect(distinct(events)).toBeGreaterThan(20_000);
    expect(await readUniqueClients(env.DB, DAY_RANGE)).toBe(distinct(events));
  });

  it("moves every closed hour's latency buckets into sketches without changing a count", {
    timeout: 60_000,
  }, async () => {
    await runCron("rollup", D + DAY + 7 * 60_000);
    const run = await lastRun("rollup");
    expect(run.outcome).toBe("ok");
    expect(run.report.details).toMatchObject({ hoursRolledUp: 24, hoursLeftPending: [], rowsRead: 40_000 });
    expect(await count("SELECT count(*) AS n FROM rollup_pending WHERE hour < ?1", D + DAY)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM path_latency_hourly WHERE hour < ?1", D + DAY)).toBe(0);
    // a latency and a client sketch per (path, method, hour) and for the all-paths total
    expect(await count("SELECT count(*) AS n FROM path_sketches WHERE grain = 'hour'")).toBe(
      2 * 24 * (PATHS.length + 1),
    );
    expect(await readLatencyHistogram(env.DB, DAY_RANGE)).toEqual(histogramBefore);
    let total = 0;
    for (const n of histogramBefore.values()) total += n;
    expect(total).toBe(events.length);
  });

  it("keeps p50/p95/p99 within 1% of the exact values, for the day and for each path", async () => {
    for (const path of [undefined, ...PATHS]) {
      const list = path === undefined ? events : onPath(path);
      const histogram = await readLatencyHistogram(env.DB, DAY_RANGE, path === undefined ? {} : { path });
      for (const q of [0.5, 0.95, 0.99]) {
        const exact = exactQuantile(list, q);
        expect(Math.abs((quantile(histogram, q) ?? 0) - exact) / exact).toBeLessThanOrEqual(0.01);
      }
    }
  });

  it("writes nothing when run again", async () => {
    const versions = (await env.DB.prepare("SELECT id, version, sketch FROM path_sketches ORDER BY id").all())
      .results;
    expect(versions).toHaveLength(2 * 24 * (PATHS.length + 1));
    await runCron("rollup", D + DAY + 8 * 60_000);
    expect((await lastRun("rollup")).report.details).toMatchObject({ hoursRolledUp: 0, sketchesWritten: 0 });
    expect(
      (await env.DB.prepare("SELECT id, version, sketch FROM path_sketches ORDER BY id").all()).results,
    ).toEqual(versions);
  });

  it("answers unique clients from the HyperLogLogs within 3σ (5%) once the rows are archived and deleted", async () => {
    // Cleanup deletes the day once it has left the acceptance window.
    const at = D + (Number(env.MAX_EVENT_AGE_DAYS) + 1) * DAY;
    await runCron("archive", at + 2 * HOUR);
    await runCron("cleanup", at + 3 * HOUR);
    expect((await lastRun("cleanup")).outcome).toBe("ok");
    expect(await count("SELECT count(*) AS n FROM traffic_events WHERE ts < ?1", D + DAY)).toBe(0);
    const errors: number[] = [];
    for (const path of [undefined, ...PATHS]) {
      const list = path === undefined ? events : onPath(path);
      const estimate = await readUniqueClients(env.DB, DAY_RANGE, path === undefined ? {} : { path });
      errors.push((estimate - distinct(list)) / distinct(list));
    }
    for (const error of errors) expect(Math.abs(error)).toBeLessThan(0.05);
    // a single closed hour: a few thousand clients
    const hour = events.filter((e) => e.ts >= D + 5 * HOUR && e.ts < D + 6 * HOUR);
    const estimate = await readUniqueClients(env.DB, { fromHour: D + 5 * HOUR, toHour: D + 6 * HOUR });
    expect(Math.abs(estimate - distinct(hour)) / distinct(hour)).toBeLessThan(0.05);
    // latency does not depend on the rows either
    expect(await readLatencyHistogram(env.DB, DAY_RANGE)).toEqual(histogramBefore);
  });

  it("merges hourly sketches into daily ones after HOURLY_SKETCH_DAYS, changing no answer", async () => {
    const uniqueBefore = await readUniqueClients(env.DB, DAY_RANGE);
    const byPathBefore = await Promise.all(
      PATHS.map((path) => readUniqueClients(env.DB, DAY_RANGE, { path })),
    );
    await runCron("rollup", D + (SKETCH_DAYS + 1) * DAY + 7 * 60_000);
    expect((await lastRun("rollup")).report.details.tiering).toMatchObject({
      days: 1,
      hourlySketchesMerged: 2 * 24 * (PATHS.length + 1),
      dailySketchesWritten: 2 * (PATHS.length + 1),
    });
    expect(
      await count("SELECT count(*) AS n FROM path_sketches WHERE grain = 'hour' AND start < ?1", D + DAY),
    ).toBe(0);
    expect(await count("SELECT count(*) AS n FROM path_sketches WHERE grain = 'day' AND start = ?1", D)).toBe(
      2 * (PATHS.length + 1),
    );
    expect(await readLatencyHistogram(env.DB, DAY_RANGE)).toEqual(histogramBefore);
    expect(percentiles(await readLatencyHistogram(env.DB, DAY_RANGE))).toEqual(percentiles(histogramBefore));
    expect(await readUniqueClients(env.DB, DAY_RANGE)).toBe(uniqueBefore);
    expect(await Promise.all(PATHS.map((path) => readUniqueClients(env.DB, DAY_RANGE, { path })))).toEqual(
      byPathBefore,
    );
    // part of a tiered day is answered from the whole day's sketch, the finest resolution kept
    expect(await readLatencyHistogram(env.DB, { fromHour: D + 2 * HOUR, toHour: D + 3 * HOUR })).toEqual(
      histogramBefore,
    );
  });
});
