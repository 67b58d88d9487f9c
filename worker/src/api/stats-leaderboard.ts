/**
 * The leaderboard: per (path, method) figures of a range, sorted. Counters are read for every
 * path; sketches (latency, unique clients) only for the rows answered when the sort is by a
 * counter (requests, errors, errorRate) — that keeps a cold leaderboard's D1 rows read near the
 * counter rows alone. Sorting by p95 or uniqueClients needs every path's sketches.
 */
import type { HourRange, PathFilter } from "../db/read-stats";
import { groupKey } from "../db/sketch-store";
import { readClientsBy } from "../db/stats-clients";
import { type Counters, readCountersBy } from "../db/stats-counters";
import type { PathGroup } from "../db/stats-grouping";
import { readLatencyBy } from "../db/stats-latency";
import { errorRate, latencyFigures } from "../shared/stats-math";
import type { Sort } from "./stats-params";
import type { PathRow } from "./stats-schemas";

export interface LeaderboardInput {
  range: HourRange;
  sort: Sort;
  limit: number;
  method?: string;
}

/** The figure a sort orders by (descending); null sorts last. */
const FIGURE: Record<Sort, (row: PathRow) => number | null> = {
  requests: (row) => row.requests,
  errors: (row) => row.errors4xx + row.errors5xx,
  errorRate: (row) => row.errorRate,
  p95: (row) => row.latencyMs.p95,
  uniqueClients: (row) => row.uniqueClients,
};

/** Descending by figure, then path and method ascending (a stable, total order). */
export function byFigure<T extends { path: string; method: string }>(figure: (row: T) => number | null) {
  return (a: T, b: T): number =>
    (figure(b) ?? Number.NEGATIVE_INFINITY) - (figure(a) ?? Number.NEGATIVE_INFINITY) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
    (a.method < b.method ? -1 : a.method > b.method ? 1 : 0);
}

/** A row from counters alone (sketch figures filled in later). */
const countedRow = (c: Counters): PathRow => ({
  path: c.path ?? "",
  method: c.method ?? "",
  requests: c.requests,
  errors4xx: c.errors4xx,
  errors5xx: c.errors5xx,
  errorRate: errorRate(c.requests, c.errors4xx, c.errors5xx),
  latencyMs: { p50: null, p95: null, p99: null, avg: null },
  uniqueClients: 0,
});

/** The leaderboard of a range. */
export async function readLeaderboard(db: D1Database, input: LeaderboardInput): Promise<PathRow[]> {
  const filter: PathFilter = input.method === undefined ? {} : { method: input.method };
  const counters = await readCountersBy(db, input.range, filter, { by: "path" });
  const order = byFigure(FIGURE[input.sort]);
  const bySketch = input.sort === "p95" || input.sort === "uniqueClients";
  let chosen = [...counters.values()];
  if (!bySketch)
    chosen = chosen
      .map((c) => ({ c, row: countedRow(c) }))
      .sort((a, b) => order(a.row, b.row))
      .slice(0, input.limit)
      .map(({ c }) => c);
  if (chosen.length === 0) return [];
  const only: PathGroup[] | undefined = bySketch
    ? undefined
    : chosen.map((c) => [c.path ?? "", c.method ?? ""]);
  const grouping = { by: "path" as const, ...(only ? { only } : {}) };
  const [latency, clients] = await Promise.all([
    readLatencyBy(db, input.range, filter, grouping),
    readClientsBy(db, input.range, filter, grouping),
  ]);
  const rows = chosen.map((c) => {
    const key = groupKey(c.path ?? "", c.method ?? "");
    const latencyMs = latencyFigures(latency.get(key) ?? new Map(), c.durationSumMs, c.requests);
    return { ...countedRow(c), latencyMs, uniqueClients: clients.get(key) ?? 0 };
  });
  return rows.sort(order).slice(0, input.limit);
}
