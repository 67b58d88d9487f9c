/**
 * The stats API against ground truth computed from the generated events, over days in every
 * lifecycle state: hot (rollup pending), rolled up, archived and cleaned, tiered to daily
 * sketches and cleaned. Counts exact, percentiles within 1%, unique clients exact while hot and
 * within the HyperLogLog's error once cold; every sort and filter. CSV: api-stats-csv.test.ts;
 * compare: api-stats-compare.test.ts.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import {
  ALL_DAYS,
  DAY,
  DAYS,
  expectClients,
  expectCounts,
  expectPercentile,
  HOUR,
  isColdDay,
  PATHS,
  setupLifecycle,
  statsJson,
  truthOf,
  within,
} from "./api-stats-fixtures";

let events: TrafficEvent[] = [];

interface Figures {
  requests: number;
  errors4xx: number;
  errors5xx: number;
  errorRate: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; avg?: number | null };
  uniqueClients: number;
}
interface PathRow extends Figures {
  path: string;
  method: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

function expectFigures(got: Figures, want: ReturnType<typeof truthOf>, cold: boolean, what: string) {
  expectCounts(got, want, what);
  for (const p of ["p50", "p95", "p99"] as const) expectPercentile(got.latencyMs[p], want[p], `${what} ${p}`);
  if (got.latencyMs.avg !== undefined)
    expect(got.latencyMs.avg ?? Number.NaN).toBeCloseTo(want.avg ?? Number.NaN, 3);
  expectClients(got.uniqueClients, want.uniqueClients, cold, `${what} uniqueClients`);
}

beforeAll(async () => {
  events = await setupLifecycle();
});

describe("the lifecycle states are what the tests say", () => {
  it("has detail rows only for hot days, daily sketches only for the tiered day", async () => {
    const rows = await env.DB.prepare(
      "SELECT ts - ts % 86400000 AS day, count(*) AS n FROM traffic_events GROUP BY day ORDER BY day",
    ).all<{ day: number; n: number }>();
    expect(rows.results.map((r) => r.day)).toEqual([DAYS.rolledUp, DAYS.hot]);
    const grains = await env.DB.prepare(
      "SELECT DISTINCT grain, start - start % 86400000 AS day FROM path_sketches ORDER BY day, grain",
    ).all<{ grain: string; day: number }>();
    expect(grains.results).toEqual([
      { grain: "day", day: DAYS.tiered },
      { grain: "hour", day: DAYS.cleaned },
      { grain: "hour", day: DAYS.rolledUp },
    ]);
  });
});

describe("summary", () => {
  it.each(Object.entries(DAYS))(
    "answers the %s day exactly / within the sketches' error",
    async (_state, day) => {
      const body = await statsJson<Figures & { paths: number }>("summary", { from: day, to: day + DAY });
      const inDay = events.filter(within(day, day + DAY));
      expectFigures(body, truthOf(inDay), isColdDay(day), `summary ${iso(day)}`);
      expect(body.paths).toBe(PATHS.length);
    },
  );

  it("answers a range over every state at once", async () => {
    const body = await statsJson<Figures>("summary", ALL_DAYS);
    expectFigures(body, truthOf(events), true, "summary of all days");
  });
});

const FIGURE = {
  requests: (r: ReturnType<typeof truthOf>) => r.requests,
  errors: (r: ReturnType<typeof truthOf>) => r.errors4xx + r.errors5xx,
  errorRate: (r: ReturnType<typeof truthOf>) => r.errorRate,
  p95: (r: ReturnType<typeof truthOf>) => r.p95 ?? -1,
  uniqueClients: (r: ReturnType<typeof truthOf>) => r.uniqueClients,
} as const;
const apiFigure = {
  requests: (r: PathRow) => r.requests,
  errors: (r: PathRow) => r.errors4xx + r.errors5xx,
  errorRate: (r: PathRow) => r.errorRate,
  p95: (r: PathRow) => r.latencyMs.p95 ?? -1,
  uniqueClients: (r: PathRow) => r.uniqueClients,
} as const;

/** Truth per (path, method) of the events, sorted as the API sorts (descending, then path, method). */
function truthRows(selected: readonly TrafficEvent[], sort: keyof typeof FIGURE) {
  const groups = new Map<string, TrafficEvent[]>();
  for (const e of selected)
    groups.set(`${e.path} ${e.method}`, [...(groups.get(`${e.path} ${e.method}`) ?? []), e]);
  return [...groups.values()]
    .map((group) => ({ path: group[0]?.path ?? "", method: group[0]?.method ?? "", truth: truthOf(group) }))
    .sort(
      (a, b) =>
        FIGURE[sort](b.truth) - FIGURE[sort](a.truth) ||
        (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
        (a.method < b.method ? -1 : 1),
    );
}

describe("paths (the leaderboard)", () => {
  const ranges = {
    "every state": ALL_DAYS,
    "hot days": { from: DAYS.rolledUp, to: DAYS.hot + DAY },
    "the tiered day": { from: DAYS.tiered, to: DAYS.tiered + DAY },
  };
  const cases = Object.entries(ranges).flatMap(([name, range]) =>
    (Object.keys(FIGURE) as (keyof typeof FIGURE)[]).map((sort) => [name, sort, range] as const),
  );

  it.each(cases)("over %s, sorted by %s", async (name, sort, range) => {
    const body = await statsJson<{ sort: string; paths: PathRow[] }>("paths", {
      ...range,
      sort,
      limit: 1000,
    });
    const truth = truthRows(events.filter(within(range.from, range.to)), sort);
    const cold = name !== "hot days";
    expect(body.sort).toBe(sort);
    expect(body.paths).toHaveLength(truth.length);
    for (const row of body.paths) {
      const want = truth.find((t) => t.path === row.path && t.method === row.method);
      expect(want, `${row.path} ${row.method}`).toBeDefined();
      if (want) expectFigures(row, want.truth, cold, `${name} ${row.path} ${row.method}`);
    }
    const figures = body.paths.map(apiFigure[sort]);
    expect(figures).toEqual([...figures].sort((a, b) => b - a));
    // Exact figures must give exactly the truth's order (ties broken by path, method).
    if (sort !== "p95" && !(sort === "uniqueClients" && cold))
      expect(body.paths.map((r) => `${r.path} ${r.method}`)).toEqual(
        truth.map((t) => `${t.path} ${t.method}`),
      );
  });

  it("answers the top `limit` rows, 50 by default, and only one method when asked", async () => {
    const top3 = await statsJson<{ paths: PathRow[] }>("paths", { ...ALL_DAYS, limit: 3 });
    const truth = truthRows(events, "requests");
    expect(top3.paths.map((r) => [r.path, r.method, r.requests])).toEqual(
      truth.slice(0, 3).map((t) => [t.path, t.method, t.truth.requests]),
    );
    const byDefault = await statsJson<{ paths: PathRow[] }>("paths", ALL_DAYS);
    expect(byDefault.paths).toHaveLength(truth.length);
    const posts = await statsJson<{ method: string; paths: PathRow[] }>("paths", {
      ...ALL_DAYS,
      method: "POST",
    });
    const postTruth = truthRows(
      events.filter((e) => e.method === "POST"),
      "requests",
    );
    expect(posts.method).toBe("POST");
    expect(posts.paths.map((r) => [r.path, r.method, r.requests])).toEqual(
      postTruth.map((t) => [t.path, t.method, t.truth.requests]),
    );
    const none = await statsJson<{ paths: PathRow[] }>("paths", { ...ALL_DAYS, method: "DELETE" });
    expect(none.paths).toEqual([]);
  });
});

describe("timeseries", () => {
  interface Point extends Figures {
    t: string;
  }

  it("answers every day of the range, zeros included, for all traffic", async () => {
    const body = await statsJson<{ granularity: string; points: Point[] }>("timeseries", {
      ...ALL_DAYS,
      granularity: "day",
    });
    expect(body.points).toHaveLength((ALL_DAYS.to - ALL_DAYS.from) / DAY);
    for (const point of body.points) {
      const day = Date.parse(point.t);
      expectFigures(point, truthOf(events.filter(within(day, day + DAY))), isColdDay(day), point.t);
    }
    expect(body.points.filter((p) => p.requests > 0)).toHaveLength(4);
  });

  it("answers every hour for one path and method; an hour of a tiered day has its day's sketch", async () => {
    const [path, method] = ["/orders", "GET"] as const;
    const mine = events.filter((e) => e.path === path && e.method === method);
    const range = { from: DAYS.tiered, to: DAYS.tiered + DAY };
    const hours = [
      range,
      { from: DAYS.cleaned, to: DAYS.cleaned + DAY },
      { from: DAYS.rolledUp, to: DAYS.hot + DAY },
    ];
    for (const r of hours) {
      const body = await statsJson<{ path: string; points: Point[] }>("timeseries", { ...r, path, method });
      expect(body.path).toBe(path);
      expect(body.points).toHaveLength((r.to - r.from) / HOUR);
      for (const point of body.points) {
        const t = Date.parse(point.t);
        const hour = mine.filter(within(t, t + HOUR));
        const day = t - (t % DAY);
        // Sketches of a tiered day are daily: each of its hours shows the day's percentiles and clients
        // (an hour without requests none).
        const sketched = day === DAYS.tiered ? mine.filter(within(day, day + DAY)) : hour;
        expectCounts(point, truthOf(hour), point.t);
        const want = truthOf(sketched);
        for (const p of ["p50", "p95", "p99"] as const)
          expectPercentile(point.latencyMs[p], hour.length > 0 ? want[p] : null, `${point.t} ${p}`);
        expectClients(point.uniqueClients, want.uniqueClients, isColdDay(day), `${point.t} clients`);
      }
    }
  });
});
