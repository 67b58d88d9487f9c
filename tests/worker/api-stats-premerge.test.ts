/**
 * The daily pre-merged sketches (migrations/0006) behind the stats API: the rollup writes them for
 * closed days still kept hourly, reads over whole days use them and answer exactly as from the
 * hourly sketches, late data makes the day read hourly until the next rollup merges it again, and
 * tiering replaces them by the daily sketches — with every answer checked against ground truth.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { HourRange } from "../../worker/src/db/read-stats";
import { readClientsBy } from "../../worker/src/db/stats-clients";
import type { Grouping } from "../../worker/src/db/stats-grouping";
import { readLatencyBy } from "../../worker/src/db/stats-latency";
import { readCoveringSketchRows } from "../../worker/src/db/stats-sketch-rows";
import type { TrafficEvent } from "../../worker/src/event";
import {
  DAY,
  DAYS,
  expectClients,
  expectPercentile,
  HOUR,
  setupLifecycle,
  statsJson,
  truthOf,
  within,
} from "./api-stats-fixtures";
import { generateEvents, lastRun, load, runCron } from "./harness";

let events: TrafficEvent[] = [];

/** From the cleaned day to the end of the rolled-up day: both pre-merged, cold (clients from HLL). */
const MERGED_RANGE: HourRange = { fromHour: DAYS.cleaned, toHour: DAYS.hot };
const GROUPINGS: Grouping[] = [{ by: "total" }, { by: "path" }, { by: "time", stepMs: DAY }];

interface PathRow {
  path: string;
  method: string;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  uniqueClients: number;
}

/** sketch_days as stored, and each day's current fingerprint of its hourly sketches. */
async function sketchDays() {
  const { results } = await env.DB.prepare(
    `SELECT d.day, d.fingerprint, (SELECT count(*) + coalesce(sum(version), 0) FROM path_sketches
       WHERE grain = 'hour' AND start >= d.day AND start < d.day + 86400000) AS current
     FROM sketch_days d ORDER BY d.day`,
  ).all<{ day: number; fingerprint: number | null; current: number }>();
  return results;
}

const premergedRows = async (day: number) =>
  (
    await env.DB.prepare("SELECT count(*) AS n FROM path_sketches_premerged WHERE day = ?1")
      .bind(day)
      .first<{ n: number }>()
  )?.n;

/** Latency histograms and unique clients of every grouping over the range. */
const readAll = (range: HourRange) =>
  Promise.all(
    GROUPINGS.flatMap((g) => [readLatencyBy(env.DB, range, {}, g), readClientsBy(env.DB, range, {}, g)]),
  );

/** Leaderboard percentiles and unique clients over [from, to) within the sketches' error. */
async function expectLeaderboardFigures(all: readonly TrafficEvent[], from: number, to: number) {
  const body = await statsJson<{ paths: PathRow[] }>("paths", { from, to, limit: 1000 });
  expect(body.paths.length).toBeGreaterThan(0);
  for (const row of body.paths) {
    const want = truthOf(
      all.filter((e) => within(from, to)(e) && e.path === row.path && e.method === row.method),
    );
    for (const p of ["p50", "p95", "p99"] as const)
      expectPercentile(row.latencyMs[p], want[p], `${row.method} ${row.path} ${p}`);
    expectClients(row.uniqueClients, want.uniqueClients, true, `${row.method} ${row.path} clients`);
  }
}

beforeAll(async () => {
  events = await setupLifecycle();
});

describe("daily pre-merged sketches", () => {
  it("are written by the rollup for each closed day still kept hourly, and not again", async () => {
    const days = await sketchDays();
    expect(days.map((d) => d.day)).toEqual([DAYS.cleaned, DAYS.rolledUp]);
    for (const d of days) expect(d.fingerprint).toBe(d.current);
    const groups = new Set(
      events.filter(within(DAYS.rolledUp, DAYS.hot)).map((e) => `${e.method} ${e.path}`),
    );
    // latency + clients per (path, method) and for all paths
    expect(await premergedRows(DAYS.rolledUp)).toBe(2 * (groups.size + 1));
    expect(await premergedRows(DAYS.tiered)).toBe(0);
    await runCron("rollup", DAYS.hot + 9 * 60_000);
    expect((await lastRun("rollup")).report.details.premerge).toEqual({
      daysMerged: 0,
      sketchesWritten: 0,
      daysChangedMeanwhile: 0,
    });
  });

  it("answer exactly as the hourly sketches do, reading one sketch per group and day", async () => {
    const merged = await readAll(MERGED_RANGE);
    const rowsMerged = await readCoveringSketchRows(env.DB, MERGED_RANGE, {}, { by: "path" }, "latency");
    const saved = await sketchDays();
    await env.DB.prepare("UPDATE sketch_days SET fingerprint = NULL").run();
    const hourly = await readAll(MERGED_RANGE);
    const rowsHourly = await readCoveringSketchRows(env.DB, MERGED_RANGE, {}, { by: "path" }, "latency");
    for (const d of saved)
      await env.DB.prepare("UPDATE sketch_days SET fingerprint = ?2 WHERE day = ?1")
        .bind(d.day, d.fingerprint)
        .run();
    expect(merged).toEqual(hourly);
    expect(rowsMerged.every((r) => r.grain === "day")).toBe(true);
    expect(rowsHourly.length).toBeGreaterThan(10 * rowsMerged.length);
    // an hourly series still reads each hour's own sketch
    const series = await readCoveringSketchRows(
      env.DB,
      MERGED_RANGE,
      {},
      { by: "time", stepMs: HOUR },
      "latency",
    );
    expect(series.every((r) => r.grain === "hour")).toBe(true);
  });

  it("count late data at once (the day reads hourly while pending) and again after the next rollup merged it", async () => {
    const late = generateEvents({
      prefix: "late-merged",
      count: 60,
      startMs: DAYS.rolledUp + 3 * HOUR,
      spanMs: 3 * HOUR,
      clients: 25,
      paths: ["/orders", "/late-only"],
    });
    await load(late);
    const all = [...events, ...late];
    await expectLeaderboardFigures(all, MERGED_RANGE.fromHour, MERGED_RANGE.toHour);
    await runCron("rollup", DAYS.hot + 2 * HOUR + 7 * 60_000);
    const day = (await sketchDays()).find((d) => d.day === DAYS.rolledUp);
    expect(day?.fingerprint).toBe(day?.current);
    expect((await lastRun("rollup")).report.details.premerge).toMatchObject({ daysMerged: 1 });
    await expectLeaderboardFigures(all, MERGED_RANGE.fromHour, MERGED_RANGE.toHour);
    const merged = await readAll(MERGED_RANGE);
    await env.DB.prepare("UPDATE sketch_days SET fingerprint = NULL WHERE day = ?1")
      .bind(DAYS.rolledUp)
      .run();
    expect(merged).toEqual(await readAll(MERGED_RANGE));
    await env.DB.prepare("UPDATE sketch_days SET fingerprint = ?2 WHERE day = ?1")
      .bind(DAYS.rolledUp, day?.fingerprint)
      .run();
    events = all;
  });

  it("are dropped when the day is tiered, changing no answer", async () => {
    const before = await readAll(MERGED_RANGE);
    // Tiers every day older than HOURLY_SKETCH_DAYS (30): the cleaned day, not the rolled-up one.
    await runCron("rollup", DAYS.cleaned + 31 * DAY + 7 * 60_000);
    expect((await lastRun("rollup")).report.details.tiering).toMatchObject({ days: 1 });
    expect(await premergedRows(DAYS.cleaned)).toBe(0);
    expect((await sketchDays()).map((d) => d.day)).not.toContain(DAYS.cleaned);
    expect(await readAll(MERGED_RANGE)).toEqual(before);
    await expectLeaderboardFigures(events, MERGED_RANGE.fromHour, MERGED_RANGE.toHour);
  });
});
