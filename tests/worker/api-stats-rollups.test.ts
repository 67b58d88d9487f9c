/**
 * The counter roll-ups (migrations/0004) behind the stats API: the rollup job writes them for
 * closed hours and whole days, reads use them, and late events for a rolled-up day are counted
 * at once (the day is read from its hourly rows while an hour waits for rollup) and again after
 * the next rollup recomputed the day.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import {
  ALL_DAYS,
  DAY,
  DAYS,
  expectCounts,
  HOUR,
  setupLifecycle,
  statsJson,
  truthOf,
} from "./api-stats-fixtures";
import { generateEvents, load, runCron } from "./harness";

let events: TrafficEvent[] = [];

interface Counted {
  requests: number;
  errors4xx: number;
  errors5xx: number;
  errorRate: number;
}

/** Summary, leaderboard total and daily and hourly series totals all equal the truth. */
async function expectEveryReadCounts(all: readonly TrafficEvent[]) {
  const summary = await statsJson<Counted>("summary", ALL_DAYS);
  expectCounts(summary, truthOf(all), "summary");
  const board = await statsJson<{ paths: { requests: number }[] }>("paths", { ...ALL_DAYS, limit: 1000 });
  expect(board.paths.reduce((n, p) => n + p.requests, 0)).toBe(all.length);
  for (const granularity of ["day", "hour"]) {
    const series = await statsJson<{ points: ({ t: string } & Counted)[] }>("timeseries", {
      ...ALL_DAYS,
      granularity,
    });
    const step = granularity === "day" ? DAY : HOUR;
    for (const point of series.points) {
      const t = Date.parse(point.t);
      expectCounts(
        point,
        truthOf(all.filter((e) => e.ts >= t && e.ts < t + step)),
        `${granularity} ${point.t}`,
      );
    }
  }
}

beforeAll(async () => {
  events = await setupLifecycle();
});

describe("counter roll-ups", () => {
  it("are written by the rollup job for closed hours and whole closed days", async () => {
    const days = await env.DB.prepare(
      "SELECT day, requests FROM path_stats_daily WHERE path = '*' ORDER BY day",
    ).all<{ day: number; requests: number }>();
    const dayTotal = (day: number) => events.filter((e) => e.ts >= day && e.ts < day + DAY).length;
    expect(days.results).toEqual(
      [DAYS.tiered, DAYS.cleaned, DAYS.rolledUp].map((day) => ({ day, requests: dayTotal(day) })),
    );
    const hours = await env.DB.prepare(
      "SELECT count(*) AS n, sum(requests) AS requests FROM stats_hourly_totals",
    ).first();
    expect(hours).toEqual({
      n: 72,
      requests: dayTotal(DAYS.tiered) + dayTotal(DAYS.cleaned) + dayTotal(DAYS.rolledUp),
    });
  });

  it("keep every read exact when late events arrive for a rolled-up day, before and after the next rollup", async () => {
    await expectEveryReadCounts(events);
    const late = generateEvents({
      prefix: "late",
      count: 40,
      startMs: DAYS.rolledUp + 5 * HOUR,
      spanMs: 2 * HOUR,
      clients: 9,
    });
    await load(late);
    await expectEveryReadCounts([...events, ...late]);
    await runCron("rollup", DAYS.hot + 8 * 60_000);
    const pending = await env.DB.prepare("SELECT count(*) AS n FROM rollup_pending WHERE hour < ?1")
      .bind(DAYS.hot)
      .first<{ n: number }>();
    expect(pending?.n).toBe(0);
    await expectEveryReadCounts([...events, ...late]);
    const day = await env.DB.prepare("SELECT requests FROM path_stats_daily WHERE day = ?1 AND path = '*'")
      .bind(DAYS.rolledUp)
      .first<{ requests: number }>();
    expect(day?.requests).toBe(
      [...events, ...late].filter((e) => e.ts >= DAYS.rolledUp && e.ts < DAYS.hot).length,
    );
  });
});
