/**
 * The cleanup job through the real scheduled handler: it deletes a day's detail rows only after
 * every archive part is verified against R2 and D1, refuses (saying why) a day that is not
 * archived, not rolled up, or whose part was tampered with, and leaves the stats summary of the
 * day exactly as it was before archive and cleanup.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { configOf } from "../../worker/src/config";
import { cleanupJob } from "../../worker/src/jobs/cleanup";
import { EVENT_SLOTS, slotOf } from "../../worker/src/shared/day-slots";
import { isoDay } from "../../worker/src/shared/time";
import {
  afterWindow,
  api,
  archivedEvents,
  DAY,
  detailRowCount,
  detailRows,
  generateEvents,
  gunzip,
  gzip,
  HOUR,
  lastRun,
  load,
  runCron,
} from "./harness";

/** Cleanup deletes a day once it has left the acceptance window (the dedupe horizon). */
/** A day whose rows share `day`'s slot table (the ring wrapped): cleanup must delete row by row. */
const sameSlotLater = (day: number) => day + EVENT_SLOTS * DAY;

interface DayReport {
  day: string;
  deleted: number;
  done: boolean;
  refused?: string;
}

async function cleanupReport(day: number): Promise<DayReport | undefined> {
  const days = (await lastRun("cleanup")).report.details.days as DayReport[];
  return days.find((d) => d.day === isoDay(day));
}

const partStatus = async (day: number) =>
  (
    await env.DB.prepare("SELECT status, reason FROM archive_metadata WHERE day = ?1 ORDER BY part")
      .bind(isoDay(day))
      .all<{ status: string; reason: string | null }>()
  ).results;

async function summary(day: number): Promise<unknown> {
  const response = await api(`/api/stats/summary?from=${day}&to=${day + DAY}`);
  expect(response.status).toBe(200);
  return response.json();
}

/** Replaces the day's first part with the same JSONL where one event's status changed. */
async function tamper(day: number) {
  const key = `archive/${isoDay(day).replaceAll("-", "/")}/part-0000.jsonl.gz`;
  const object = await env.ARCHIVE.get(key);
  const text = await gunzip((await object?.arrayBuffer()) ?? new ArrayBuffer(0));
  const lines = text.split("\n");
  lines[3] = (lines[3] ?? "").replace(/"status":\d+/, '"status":299');
  await env.ARCHIVE.put(key, await gzip(lines.join("\n")));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("cleanup", () => {
  const A = Date.UTC(2026, 4, 1);

  it("refuses a day that is not archived, and deletes it once it is, leaving the summary unchanged", async () => {
    await load(generateEvents({ prefix: "a", count: 500, startMs: A, spanMs: DAY, clients: 150 }));
    await runCron("rollup", A + DAY + 7 * 60_000);
    const before = await summary(A);

    await runCron("cleanup", afterWindow(A) + 3 * HOUR);
    expect((await lastRun("cleanup")).outcome).toBe("warning");
    expect(await cleanupReport(A)).toMatchObject({ refused: "not archived yet", deleted: 0 });
    expect(await detailRowCount(A)).toBe(500);

    await runCron("archive", afterWindow(A) + 2 * HOUR);
    await runCron("cleanup", afterWindow(A) + 3 * HOUR);
    expect((await lastRun("cleanup")).outcome).toBe("ok");
    expect(await cleanupReport(A)).toEqual({ day: isoDay(A), deleted: 500, done: true, emptiedBy: "drop" });
    expect(await detailRowCount(A)).toBe(0);
    expect(await partStatus(A)).toEqual([{ status: "cleaned", reason: null }]);
    expect(await summary(A)).toEqual(before);
    expect((await archivedEvents(isoDay(A))).length).toBe(500);
  });

  it("refuses a day with an hour still waiting for rollup", async () => {
    const B = A + 10 * DAY;
    await load(
      generateEvents({ prefix: "b", count: 300, startMs: B + 5 * HOUR, spanMs: 2 * HOUR, clients: 50 }),
    );
    await runCron("archive", afterWindow(B) + 2 * HOUR);
    await runCron("cleanup", afterWindow(B) + 3 * HOUR);
    expect((await cleanupReport(B))?.refused).toMatch(/^hours not rolled up yet: .*T05:00:00.000Z/);
    expect(await detailRowCount(B)).toBe(300);
    await runCron("rollup", afterWindow(B) + 3 * HOUR);
    await runCron("cleanup", afterWindow(B) + 3 * HOUR);
    expect(await cleanupReport(B)).toMatchObject({ deleted: 300, done: true });
  });

  it("refuses a tampered part, keeps the rows, and cleans after the next archive run rewrote the part", async () => {
    const T = A + 20 * DAY;
    await load(generateEvents({ prefix: "t", count: 400, startMs: T, spanMs: DAY, clients: 80 }));
    const rows = await detailRows(T, T + DAY);
    await runCron("rollup", T + DAY);
    await runCron("archive", afterWindow(T) + 2 * HOUR);
    await tamper(T);
    await runCron("cleanup", afterWindow(T) + 3 * HOUR);
    expect((await lastRun("cleanup")).outcome).toBe("warning");
    expect((await cleanupReport(T))?.refused).toMatch(/^part 0 failed verification: object .* sha256/);
    expect(await partStatus(T)).toMatchObject([{ status: "invalid" }]);
    expect(await detailRowCount(T)).toBe(400);

    await runCron("archive", afterWindow(T) + 2 * HOUR);
    expect(await partStatus(T)).toEqual([{ status: "uploaded", reason: null }]);
    await runCron("cleanup", afterWindow(T) + 3 * HOUR);
    expect(await cleanupReport(T)).toMatchObject({ deleted: 400, done: true });
    expect(await archivedEvents(isoDay(T))).toEqual(rows);
  });

  it("refuses to go on when a part changes after its rows began to be deleted", async () => {
    const M = A + 30 * DAY;
    await load(generateEvents({ prefix: "m", count: 3_000, startMs: M, spanMs: DAY, clients: 80 }));
    await load(
      generateEvents({ prefix: "m2", count: 10, startMs: sameSlotLater(M), spanMs: HOUR, clients: 5 }),
    );
    await runCron("rollup", M + DAY);
    await runCron("archive", afterWindow(M) + 2 * HOUR);
    const partial = cleanupJob({ batchRows: 500, maxBatches: 2 });
    await partial({ env, config: configOf(env), now: afterWindow(M) + 3 * HOUR });
    expect(await detailRowCount(M)).toBe(2_000);
    expect(await partStatus(M)).toEqual([{ status: "verified", reason: null }]);
    await tamper(M);
    await runCron("cleanup", afterWindow(M) + 3 * HOUR);
    expect((await cleanupReport(M))?.refused).toMatch(/failed verification/);
    expect(await partStatus(M)).toMatchObject([{ status: "damaged" }]);
    expect(await detailRowCount(M)).toBe(2_000);
  });
});

describe("a crash mid-cleanup, then a re-run", () => {
  it("deletes every archived row once and loses none", async () => {
    const K = Date.UTC(2026, 7, 1);
    const events = generateEvents({ prefix: "k", count: 2_000, startMs: K, spanMs: DAY, clients: 80 });
    await load(events);
    await load(
      generateEvents({ prefix: "k2", count: 10, startMs: sameSlotLater(K), spanMs: HOUR, clients: 5 }),
    );
    await runCron("rollup", K + DAY);
    await runCron("archive", afterWindow(K) + 2 * HOUR);
    const db = env.DB;
    const prepare = db.prepare.bind(db);
    let deletes = 0;
    vi.spyOn(db, "prepare").mockImplementation((sql: string) => {
      if (sql.startsWith(`DELETE FROM traffic_events_p${slotOf(K)} `) && ++deletes === 3)
        throw new Error("injected: D1 statement failed");
      return prepare(sql);
    });
    const job = cleanupJob({ batchRows: 500 });
    const context = { env, config: configOf(env), now: afterWindow(K) + 3 * HOUR };
    await expect(job(context)).rejects.toThrow(/injected/);
    vi.restoreAllMocks();
    expect(await detailRowCount(K)).toBe(1_000);
    // what is left in D1 plus what is in R2 is every event, once
    const archivedIds = (await archivedEvents(isoDay(K))).map((e) => e.id);
    expect(archivedIds.sort()).toEqual(events.map((e) => e.id).sort());

    await job(context);
    expect(await detailRowCount(K)).toBe(0);
    expect(await detailRowCount(sameSlotLater(K))).toBe(10);
    expect(await partStatus(K)).toEqual([{ status: "cleaned", reason: null }]);
    const archived = (await archivedEvents(isoDay(K))).map((e) => e.id);
    expect(archived.sort()).toEqual(events.map((e) => e.id).sort());
  });
});
