/**
 * The cron dispatch (worker/src/jobs/dispatch.ts): over every minute of a whole week it picks
 * exactly the jobs whose default schedule fires then (croner, an independent cron implementation,
 * is the oracle), the deployed triggers fire at every such minute, and a stack deploys at most two
 * triggers (Free plan: 5 per account, dev + prod).
 */
import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { cronMatches, isCronTrigger, JOB_NAMES, jobsDueAt } from "../../worker/src/jobs/dispatch";
import { manifest } from "../../worker/src/manifest";

const MINUTE = 60_000;
/** Monday 2026-11-23 00:00 UTC: the week covers every weekday, hour and minute once. */
const WEEK_START = Date.UTC(2026, 10, 23);
const WEEK_MINUTES = 7 * 24 * 60;

/** Every minute of the week at which croner fires `cron` (UTC). */
function firesInWeek(cron: string): Set<number> {
  const job = new Cron(cron, { timezone: "UTC", mode: "5-part", paused: true });
  const end = WEEK_START + WEEK_MINUTES * MINUTE;
  const fires = new Set<number>();
  for (
    let next = job.nextRun(new Date(WEEK_START - 1));
    next && next.getTime() < end;
    next = job.nextRun(next)
  )
    fires.add(next.getTime());
  return fires;
}

describe("jobsDueAt", () => {
  it("keeps the default times: snapshot every 5 min, rollup at :07, archive 02:00, cleanup 03:00, capacity 04:00, prune Sunday 05:00", () => {
    expect(manifest.crons).toEqual({
      rollup: "7 * * * *",
      snapshot: "*/5 * * * *",
      archive: "0 2 * * *",
      cleanup: "0 3 * * *",
      capacity: "0 4 * * *",
      snapshotPrune: "0 5 * * SUN",
    });
    const sunday = Date.UTC(2026, 10, 29);
    const at = (h: number, m: number) => jobsDueAt(sunday + h * 60 * MINUTE + m * MINUTE);
    expect(at(2, 0)).toEqual(["snapshot", "archive"]);
    expect(at(3, 0)).toEqual(["snapshot", "cleanup"]);
    expect(at(4, 0)).toEqual(["snapshot", "capacity"]);
    expect(at(5, 0)).toEqual(["snapshot", "snapshotPrune"]);
    expect(at(5, 7)).toEqual(["rollup"]);
    expect(at(5, 8)).toEqual([]);
    expect(jobsDueAt(sunday + 7 * 86_400_000 - 24 * 60 * MINUTE + 5 * 60 * MINUTE)).toEqual(["snapshot"]);
  });

  it("matches croner for every job at every minute of a week, and the triggers fire at each of them", () => {
    const expected = Object.fromEntries(JOB_NAMES.map((job) => [job, firesInWeek(manifest.crons[job])]));
    const triggerMinutes = new Set(manifest.cronTriggers.flatMap((cron) => [...firesInWeek(cron)]));
    let dueMinutes = 0;
    for (let i = 0; i < WEEK_MINUTES; i++) {
      const t = WEEK_START + i * MINUTE;
      const due = jobsDueAt(t);
      expect(due, new Date(t).toISOString()).toEqual(JOB_NAMES.filter((job) => expected[job]?.has(t)));
      // Cloudflare hands the minute; a later instant of the same minute dispatches the same.
      expect(jobsDueAt(t + 59_999)).toEqual(due);
      if (due.length > 0) {
        dueMinutes++;
        expect(triggerMinutes.has(t), new Date(t).toISOString()).toBe(true);
      }
    }
    // 2016 snapshot minutes + 168 rollup minutes (never on a multiple of 5).
    expect(dueMinutes).toBe(2016 + 168);
    expect(expected.snapshotPrune?.size).toBe(1);
  }, 60_000);

  it("deploys at most two triggers, so dev + prod stay within the Free plan's five", () => {
    expect(manifest.cronTriggers.length).toBeLessThanOrEqual(2);
    for (const cron of manifest.cronTriggers) expect(isCronTrigger(cron)).toBe(true);
    expect(isCronTrigger(manifest.crons.archive)).toBe(false);
  });
});

describe("cronMatches", () => {
  const monday = Date.UTC(2026, 10, 23, 10, 30);
  it("reads lists, ranges, steps, day names and 7 as Sunday, like croner", () => {
    const cases = [
      "30 10 * * 1",
      "*/15 * * * MON",
      "0-30/10 10 * * *",
      "30 9,10 * * 1-5",
      "30 10 * * 7",
      "30 10 23 * SUN",
    ];
    for (const cron of cases) expect(cronMatches(cron, monday), cron).toBe(firesInWeek(cron).has(monday));
    expect(cronMatches("30 10 * * 0", monday + 6 * 86_400_000)).toBe(true);
    expect(cronMatches("30 10 * * 7", monday + 6 * 86_400_000)).toBe(true);
  });

  it("rejects what it cannot read instead of guessing", () => {
    expect(() => cronMatches("* * * *", monday)).toThrow(/5 fields/);
    expect(() => cronMatches("x * * * *", monday)).toThrow(/unsupported/);
  });
});
