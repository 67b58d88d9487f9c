/**
 * The ring of day tables that holds detail rows (migration 0005, shared/day-slots.ts), through
 * the real handlers: cleanup empties a day by dropping its slot (D1 rows written ≈ 0, read from
 * `meta.rows_written`), falls back to row deletes when the ring wrapped and two days share a
 * slot, survives a failure at the drop, and the dedupe on id spans every slot: the same id sent
 * again with a timestamp on another day is neither stored nor counted twice.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { configOf } from "../../worker/src/config";
import { cleanupJob } from "../../worker/src/jobs/cleanup";
import { EVENT_SLOTS, slotOf } from "../../worker/src/shared/day-slots";
import { isoDay } from "../../worker/src/shared/time";
import {
  afterWindow,
  archivedEvents,
  consume,
  DAY,
  detailRowCount,
  generateEvents,
  HOUR,
  lastRun,
  load,
  readAggregates,
  runCron,
} from "./harness";

/** Sums `meta.rows_written` of every D1 batch while `work` runs (cleanup empties a day in one batch). */
async function rowsWrittenByBatches(work: () => Promise<unknown>): Promise<number> {
  const batch = env.DB.batch.bind(env.DB);
  let written = 0;
  vi.spyOn(env.DB, "batch").mockImplementation(async (statements) => {
    const results = await batch(statements);
    for (const result of results) written += result.meta.rows_written ?? 0;
    return results;
  });
  await work();
  vi.restoreAllMocks();
  return written;
}

const slotExists = async (slot: number) =>
  (
    await env.DB.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?1")
      .bind(`traffic_events_p${slot}`)
      .first<{ n: number }>()
  )?.n === 1;

interface DayReport {
  day: string;
  deleted: number;
  done: boolean;
  emptiedBy?: string;
}
const cleanupReport = async (day: number) =>
  ((await lastRun("cleanup")).report.details.days as DayReport[]).find((d) => d.day === isoDay(day));

/** Rolls the day up, archives it and cleans it once it has left the window. */
async function ageOut(
  day: number,
  cleanup: () => Promise<unknown> = () => runCron("cleanup", afterWindow(day) + 3 * HOUR),
) {
  await runCron("rollup", day + DAY + 7 * 60_000);
  await runCron("archive", afterWindow(day) + 2 * HOUR);
  return rowsWrittenByBatches(cleanup);
}

afterEach(() => vi.restoreAllMocks());

describe("cleanup of a day alone in its slot", () => {
  it("drops and re-creates the slot: every row gone, ~0 rows written, the slot takes events again", async () => {
    const D = Date.UTC(2026, 5, 1);
    const events = generateEvents({ prefix: "d", count: 3_000, startMs: D, spanMs: DAY, clients: 90 });
    await load(events);
    const written = await ageOut(D);
    expect(await cleanupReport(D)).toEqual({ day: isoDay(D), deleted: 3_000, done: true, emptiedBy: "drop" });
    // The slot's re-creation and the day's bookkeeping, not a row per event (3,000 before).
    expect(written).toBeLessThan(10);
    expect(await detailRowCount(D)).toBe(0);
    expect(await slotExists(slotOf(D))).toBe(true);
    expect((await archivedEvents(isoDay(D))).map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());

    const later = generateEvents({ prefix: "d2", count: 20, startMs: D + EVENT_SLOTS * DAY, spanMs: HOUR });
    await load(later);
    expect(await detailRowCount(D + EVENT_SLOTS * DAY)).toBe(20);
  });

  it("keeps every row when the drop fails, and drops the slot on the next run", async () => {
    const F = Date.UTC(2026, 6, 1);
    await load(generateEvents({ prefix: "f", count: 500, startMs: F, spanMs: DAY, clients: 30 }));
    await runCron("rollup", F + DAY + 7 * 60_000);
    await runCron("archive", afterWindow(F) + 2 * HOUR);
    const prepare = env.DB.prepare.bind(env.DB);
    vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
      if (sql.startsWith("DROP TABLE")) throw new Error("injected: D1 statement failed");
      return prepare(sql);
    });
    const context = { env, config: configOf(env), now: afterWindow(F) + 3 * HOUR };
    await expect(cleanupJob()(context)).rejects.toThrow(/injected/);
    vi.restoreAllMocks();
    expect(await detailRowCount(F)).toBe(500);
    const report = await cleanupJob()(context);
    const day = (report.details.days as DayReport[]).find((d) => d.day === isoDay(F));
    expect(day).toEqual({ day: isoDay(F), deleted: 500, done: true, emptiedBy: "drop" });
    expect(await detailRowCount(F)).toBe(0);
  });
});

describe("a slot shared by two days (the ring wrapped)", () => {
  it("deletes the old day row by row, keeps the new one, then drops the slot when the new day ages out", async () => {
    const W = Date.UTC(2026, 8, 1);
    const NEXT = W + EVENT_SLOTS * DAY;
    await load(generateEvents({ prefix: "w", count: 1_000, startMs: W, spanMs: DAY, clients: 40 }));
    await load(generateEvents({ prefix: "w2", count: 50, startMs: NEXT, spanMs: HOUR, clients: 5 }));
    await ageOut(W);
    // Correct, not cheap: a row written per deleted row.
    expect(await cleanupReport(W)).toEqual({
      day: isoDay(W),
      deleted: 1_000,
      done: true,
      emptiedBy: "delete",
    });
    expect(await detailRowCount(W)).toBe(0);
    expect(await detailRowCount(NEXT)).toBe(50);

    await ageOut(NEXT);
    expect(await cleanupReport(NEXT)).toEqual({
      day: isoDay(NEXT),
      deleted: 50,
      done: true,
      emptiedBy: "drop",
    });
    expect(await detailRowCount(NEXT)).toBe(0);
  });
});

describe("the dedupe on id spans every slot", () => {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const event = (id: string, ts: number) => ({
    id,
    ts,
    method: "GET",
    path: "/ring",
    status: 200,
    durationMs: 12,
    bytes: 10,
    clientHash: "client-r",
    colo: null,
    country: null,
    source: "ingest",
  });

  it("stores and counts an id once, whatever day a resend carries, across deliveries and in one", async () => {
    const first = today - 3 * DAY + 10 * HOUR;
    const other = today - 2 * DAY + 10 * HOUR;
    expect(slotOf(first)).not.toBe(slotOf(other));
    const storedBefore = (await readAggregates()).eventsStored;
    await consume([event("ring-a", first)]);
    await consume([event("ring-a", other), event("ring-b", other)]);
    await consume([event("ring-c", first), event("ring-c", other), event("ring-b", first)]);
    const stored = await env.DB.prepare(
      "SELECT id, ts FROM traffic_events WHERE id LIKE 'ring-%' ORDER BY id",
    ).all();
    expect(stored.results).toEqual([
      { id: "ring-a", ts: first },
      { id: "ring-b", ts: other },
      { id: "ring-c", ts: first },
    ]);
    const counted = await env.DB.prepare(
      "SELECT coalesce(sum(requests), 0) AS n FROM path_stats_hourly WHERE path = '/ring'",
    ).first<{ n: number }>();
    expect(counted?.n).toBe(3);
    expect((await readAggregates()).eventsStored - storedBefore).toBe(3);
  });
});
