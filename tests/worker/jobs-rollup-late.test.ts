/**
 * Late events and faults around the rollup: late events for an hour already rolled up (while
 * hot, after cleanup, after tiering) are merged in and never counted twice; a rollup that loses a
 * compare-and-swap race retries, and one that crashes between hours finishes on the next run —
 * the sketches always equal the ground truth computed here from every event ever written.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readLatencyHistogram, readUniqueClients } from "../../worker/src/db/read-stats";
import type { TrafficEvent } from "../../worker/src/event";
import type { LatencyHistogram } from "../../worker/src/sketches/latency";
import {
  DAY,
  distinctClients,
  generateEvents,
  HOUR,
  lastRun,
  latencyHistogramOf,
  load,
  runCron,
} from "./harness";

const E = Date.UTC(2026, 6, 1);
/** Cleanup deletes a day once it has left the acceptance window (the dedupe horizon). */
const WINDOW_DAYS = Number(env.MAX_EVENT_AGE_DAYS);
const SKETCH_DAYS = Number(env.HOURLY_SKETCH_DAYS);
const RANGE = { fromHour: E, toHour: E + DAY };
const written: TrafficEvent[] = [];

async function write(events: TrafficEvent[]) {
  written.push(...events);
  await load(events);
}

/** The exact histogram of everything written for day E. */
const truthHistogram = (): LatencyHistogram => latencyHistogramOf(written);
const truthClients = () => distinctClients(written);
const sortedEntries = (h: LatencyHistogram) => [...h].sort((a, b) => a[0] - b[0]);

async function expectTruth() {
  expect(sortedEntries(await readLatencyHistogram(env.DB, RANGE))).toEqual(sortedEntries(truthHistogram()));
  // ≤ 400 distinct clients: the sparse HyperLogLog counts them exactly
  expect(await readUniqueClients(env.DB, RANGE)).toBe(truthClients());
  const requests = await env.DB.prepare(
    "SELECT sum(requests) AS n FROM path_stats_hourly WHERE hour >= ?1 AND hour < ?2",
  )
    .bind(E, E + DAY)
    .first<{ n: number }>();
  expect(requests?.n).toBe(written.length);
}

const batch = (prefix: string, count: number, hour: number, seed: number) =>
  generateEvents({ prefix, count, startMs: E + hour * HOUR, spanMs: HOUR, clients: 300, seed });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("late events", () => {
  it("are merged into an hour already rolled up, counted once", async () => {
    await write(batch("on-time", 600, 10, 1));
    await runCron("rollup", E + 11 * HOUR + 7 * 60_000);
    await write(batch("late", 150, 10, 2));
    expect(await env.DB.prepare("SELECT hour FROM rollup_pending").all()).toMatchObject({
      results: [{ hour: E + 10 * HOUR }],
    });
    await runCron("rollup", E + 12 * HOUR + 7 * 60_000);
    expect((await lastRun("rollup")).report.details).toMatchObject({
      hoursRolledUp: 1,
      hoursLeftPending: [],
    });
    await expectTruth();
  });

  it("are merged after the day was archived and its rows deleted, and archived in a new part", async () => {
    await runCron("archive", E + (WINDOW_DAYS + 1) * DAY + 2 * HOUR);
    await runCron("cleanup", E + (WINDOW_DAYS + 1) * DAY + 3 * HOUR);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM traffic_events").first()).toEqual({ n: 0 });
    await expectTruth();
    await write(batch("later", 40, 10, 3));
    await write(batch("later-other-hour", 40, 20, 4));
    await expectTruth();
    await runCron("rollup", E + (WINDOW_DAYS + 1) * DAY + 4 * HOUR);
    await expectTruth();
    await runCron("archive", E + (WINDOW_DAYS + 2) * DAY + 2 * HOUR);
    await runCron("cleanup", E + (WINDOW_DAYS + 2) * DAY + 3 * HOUR);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM traffic_events").first()).toEqual({ n: 0 });
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM archive_metadata WHERE status = 'cleaned'").first(),
    ).toEqual({
      n: 2,
    });
    await expectTruth();
  });

  it("go into the daily sketch once the day is tiered", async () => {
    await runCron("rollup", E + (SKETCH_DAYS + 1) * DAY);
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM path_sketches WHERE grain = 'hour'").first(),
    ).toEqual({ n: 0 });
    await write(batch("after-tiering", 30, 3, 5));
    await runCron("rollup", E + (SKETCH_DAYS + 1) * DAY + HOUR);
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM path_sketches WHERE grain = 'hour'").first(),
    ).toEqual({ n: 0 });
    await expectTruth();
  });
});

describe("faults", () => {
  const F = E + 3 * DAY;
  const FRANGE = { fromHour: F, toHour: F + DAY };
  const events = generateEvents({
    prefix: "fault",
    count: 900,
    startMs: F,
    spanMs: 3 * HOUR,
    clients: 200,
    seed: 9,
  });

  it("retries after losing a compare-and-swap race, and counts once", async () => {
    await load(events);
    const db = env.DB;
    const batchOf = db.batch.bind(db);
    let raced = false;
    vi.spyOn(db, "batch").mockImplementation(async (statements) => {
      if (!raced) {
        // Another rollup wrote the same sketches between our read and our write.
        raced = true;
        await batchOf([
          db
            .prepare(
              `INSERT INTO path_sketches (kind, grain, start, path, method, sketch, version)
             VALUES ('latency', 'hour', ?1, '*', '*', x'0100', 1)`,
            )
            .bind(F),
        ]);
      }
      return batchOf(statements);
    });
    await runCron("rollup", F + DAY);
    vi.restoreAllMocks();
    const details = (await lastRun("rollup")).report.details;
    expect(details).toMatchObject({ hoursRolledUp: 3 });
    expect(details.casRetries).toBeGreaterThanOrEqual(1);
    expect(sortedEntries(await readLatencyHistogram(env.DB, FRANGE))).toEqual(
      sortedEntries(latencyHistogramOf(events)),
    );
  });

  it("finishes after a crash between two hours, without counting any bucket twice", async () => {
    const G = F + DAY;
    const more = generateEvents({
      prefix: "crash",
      count: 900,
      startMs: G,
      spanMs: 3 * HOUR,
      clients: 200,
      seed: 10,
    });
    await load(more);
    const db = env.DB;
    const batchOf = db.batch.bind(db);
    let calls = 0;
    vi.spyOn(db, "batch").mockImplementation(async (statements) => {
      if (++calls === 2) throw new Error("injected: D1 batch failed");
      return batchOf(statements);
    });
    await expect(runCron("rollup", G + DAY)).rejects.toThrow(/injected/);
    vi.restoreAllMocks();
    expect((await lastRun("rollup")).outcome).toBe("error");
    await runCron("rollup", G + DAY);
    expect(sortedEntries(await readLatencyHistogram(env.DB, { fromHour: G, toHour: G + DAY }))).toEqual(
      sortedEntries(latencyHistogramOf(more)),
    );
    expect(await env.DB.prepare("SELECT count(*) AS n FROM rollup_pending").first()).toEqual({ n: 0 });
  });
});
