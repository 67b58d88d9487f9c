/**
 * The query-API scenario of the fault-injection runner: traffic arrives in phases through the real
 * write path, and between phases every stats endpoint (summary, paths, timeseries, compare; JSON
 * and CSV) is called under a random fault at the edges — the Cache API's match or put throwing,
 * the cache handing back a body that breaks while it is read, KV throwing on get or put, the
 * cache's hit/miss counter write failing in D1 — and health is called under the same fault. Every
 * answer must be a 200 whose numbers equal the ground truth of the events stored so far, computed
 * here from the events alone. Each phase also runs the snapshot job with one of its KV puts failing
 * (faults-snapshot.ts).
 */
import type { TrafficEvent } from "../../worker/src/event";
import { flatten, getStats, parseCsv } from "./api-stats-fixtures";
import { byPath, figures, groupRows, inRange, type Range } from "./faults-groups";
import { armQueryFault, QUERY_FAULTS, type QueryFault } from "./faults-query-arm";
import { snapshotUnderKvFault } from "./faults-snapshot";
import { api, generateEvents, HOUR, load, random, runCron, uniqueById } from "./harness";

type Endpoint = "summary" | "paths" | "timeseries" | "compare";
const ENDPOINTS: readonly Endpoint[] = ["summary", "paths", "timeseries", "compare"];

/** The identity of an answer's row, and the counts of it that must equal the ground truth. */
const KEY_FIELDS: Record<Endpoint, readonly string[]> = {
  summary: [],
  paths: ["path", "method"],
  timeseries: ["t"],
  compare: ["path", "method"],
};
const COUNT_FIELDS: Record<Endpoint, readonly string[]> = {
  summary: ["requests", "errors4xx", "errors5xx", "uniqueClients", "paths"],
  paths: ["requests", "errors4xx", "errors5xx", "uniqueClients"],
  timeseries: ["requests", "errors4xx", "errors5xx", "uniqueClients"],
  compare: ["current.requests", "base.requests", "change.requests"],
};

export interface QueryScenarioResult {
  /** Distinct events stored by the end. */
  events: number;
  queries: number;
  faults: Record<QueryFault, number>;
  /** Answers of pathmeter's own with a 5xx status (health and the snapshot route included). */
  fiveXx: number;
  /** Coded 503s of the snapshot route while KV failed (not in fiveXx). */
  snapshotUnavailable: number;
  /** Answers whose numbers differ from the ground truth, described. */
  mismatches: string[];
  snapshotRuns: { failed: number; published: number };
}

/** Rows of an answer as `key: counts`, sorted; rows without any request are left out (zero points). */
function project(endpoint: Endpoint, rows: readonly Record<string, string>[]): string[] {
  return rows
    .map((row) => ({
      key: KEY_FIELDS[endpoint].map((f) => row[f]).join(" "),
      counts: COUNT_FIELDS[endpoint].map((f) => Number(row[f])),
    }))
    .filter((r) => r.counts.some((n) => n !== 0))
    .map((r) => `${r.key}: ${r.counts.join(",")}`)
    .sort();
}

/** The rows of a JSON or CSV answer, flattened as the CSV shows them. */
function rowsOf(endpoint: Endpoint, text: string, csv: boolean): Record<string, string>[] {
  if (csv) {
    const [header = [], ...lines] = parseCsv(text);
    return lines.map((fields) => Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ""])));
  }
  const json = JSON.parse(text) as Record<string, unknown>;
  const rows =
    endpoint === "summary"
      ? [json]
      : ((json[endpoint === "timeseries" ? "points" : "paths"] ?? []) as unknown[]);
  return rows.map((row) => flatten(row));
}

/** The ground truth of one query, as projected rows. */
function truthRows(endpoint: Endpoint, events: readonly TrafficEvent[], r: Range, base: Range): string[] {
  const current = inRange(events, r);
  if (endpoint === "summary") return project(endpoint, [figures(current)]);
  if (endpoint === "paths") return project(endpoint, groupRows(current, byPath));
  if (endpoint === "timeseries")
    return project(
      endpoint,
      groupRows(current, (e) => ({ t: new Date(e.ts - (e.ts % HOUR)).toISOString() })),
    );
  const sides = new Map<string, Record<string, string>>();
  for (const [side, list] of [
    ["current", current],
    ["base", inRange(events, base)],
  ] as const)
    for (const row of groupRows(list, byPath)) {
      const key = `${row.path} ${row.method}`;
      sides.set(key, {
        ...sides.get(key),
        path: row.path ?? "",
        method: row.method ?? "",
        [`${side}.requests`]: row.requests ?? "0",
      });
    }
  const rows = [...sides.values()].map((row) => {
    const [c, b] = [Number(row["current.requests"] ?? 0), Number(row["base.requests"] ?? 0)];
    return {
      ...row,
      "current.requests": String(c),
      "base.requests": String(b),
      "change.requests": String(c - b),
    };
  });
  return project(endpoint, rows);
}

/** Calls one endpoint in one format under a fault; returns a mismatch description, or null. */
async function checkQuery(
  query: { endpoint: Endpoint; csv: boolean; range: Range; base: Range },
  events: readonly TrafficEvent[],
  tally: QueryScenarioResult,
): Promise<string | null> {
  const { endpoint, csv, range, base } = query;
  const params: Record<string, number | string> = { ...range, limit: 1_000 };
  if (endpoint === "compare") Object.assign(params, { baseFrom: base.from, baseTo: base.to });
  if (endpoint === "summary") delete params.limit;
  if (endpoint === "timeseries") delete params.limit;
  if (csv) params.format = "csv";
  const res = await getStats(endpoint, params);
  let text: string;
  try {
    text = await res.text();
  } catch (error) {
    return `${endpoint}${csv ? " (csv)" : ""}: the body broke: ${String(error)}`;
  }
  if (res.status >= 500) tally.fiveXx += 1;
  if (res.status !== 200) return `${endpoint}${csv ? " (csv)" : ""}: ${res.status} ${text}`;
  const got = project(endpoint, rowsOf(endpoint, text, csv));
  const want = truthRows(endpoint, events, range, base);
  return JSON.stringify(got) === JSON.stringify(want)
    ? null
    : `${endpoint}${csv ? " (csv)" : ""} ${JSON.stringify(params)}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
}

/** Health and the snapshot route under a fault: health 200; the snapshot 200, 404 or a coded 503. */
async function checkOps(tally: QueryScenarioResult): Promise<void> {
  const health = await api("/api/ops/health");
  await health.text();
  if (health.status !== 200) tally.mismatches.push(`health answered ${health.status}`);
  if (health.status >= 500) tally.fiveXx += 1;
  const snapshot = await api("/api/snapshot");
  const body = await snapshot.text();
  // KV down: the snapshot route says so with a coded 503 (counted apart); any other 5xx is a failure.
  if (snapshot.status === 503 && body.includes('"unavailable"')) tally.snapshotUnavailable += 1;
  else if (snapshot.status >= 500) tally.fiveXx += 1;
  if (![200, 404, 503].includes(snapshot.status))
    tally.mismatches.push(`snapshot answered ${snapshot.status} ${body}`);
}

/** One query under one fault, twice (the second call may be answered from the cache), then health. */
async function queryUnderFault(
  query: Parameters<typeof checkQuery>[0],
  fault: QueryFault,
  truth: readonly TrafficEvent[],
  tally: QueryScenarioResult,
): Promise<void> {
  tally.faults[fault] += 1;
  tally.queries += 1;
  const restore = armQueryFault(fault);
  try {
    for (const _ of [1, 2]) {
      const mismatch = await checkQuery(query, truth, tally);
      if (mismatch) tally.mismatches.push(`[${fault}] ${mismatch}`);
    }
    await checkOps(tally);
  } finally {
    restore();
  }
}

/** How much of the scenario to run: traffic phases, and queries after each. */
export interface QueryScenarioSize {
  phases: number;
  queriesPerPhase: number;
}

/** Runs one seeded query scenario (see the module comment). */
export async function runQueryScenario(
  seed: number,
  size: QueryScenarioSize = { phases: 3, queriesPerPhase: 10 },
): Promise<QueryScenarioResult> {
  const rand = random(seed);
  const now = Date.now();
  const hour = now - (now % HOUR);
  const closed = { from: hour - 52 * HOUR, to: hour - 28 * HOUR };
  const open = { from: hour - 3 * HOUR, to: hour + HOUR };
  const ranges = [closed, open, { from: closed.from, to: open.to }];
  const phases = Array.from({ length: size.phases }, (_, phase) => [
    ...generateEvents({
      prefix: `q${seed}-${phase}-old`,
      count: 60,
      seed: seed * 10 + phase,
      startMs: hour - 50 * HOUR,
      spanMs: 20 * HOUR,
      clients: 25,
    }),
    ...generateEvents({
      prefix: `q${seed}-${phase}-new`,
      count: 60,
      seed: seed * 10 + phase + 5,
      startMs: now - 150 * 60_000,
      spanMs: 140 * 60_000,
      clients: 25,
    }),
  ]);
  const tally: QueryScenarioResult = {
    events: 0,
    queries: 0,
    faults: Object.fromEntries(QUERY_FAULTS.map((f) => [f, 0])) as Record<QueryFault, number>,
    fiveXx: 0,
    snapshotUnavailable: 0,
    mismatches: [],
    snapshotRuns: { failed: 0, published: 0 },
  };
  const stored: TrafficEvent[] = [];
  for (const events of phases) {
    // A few duplicates in every phase: they must not count.
    const sent = [...events, ...events.filter(() => rand() < 0.1)];
    await load(sent);
    stored.push(...sent);
    if (rand() < 0.5) await runCron("rollup", Date.now());
    const truth = uniqueById(stored);
    for (let q = 0; q < size.queriesPerPhase; q++) {
      const endpoint = ENDPOINTS[Math.floor(rand() * ENDPOINTS.length)] ?? "summary";
      const range = ranges[Math.floor(rand() * ranges.length)] ?? open;
      const query = { endpoint, csv: endpoint !== "summary" && rand() < 0.5, range, base: closed };
      await queryUnderFault(
        query,
        QUERY_FAULTS[Math.floor(rand() * QUERY_FAULTS.length)] ?? "none",
        truth,
        tally,
      );
    }
    await snapshotUnderKvFault(rand, truth, tally.snapshotRuns, (s) => tally.mismatches.push(s));
  }
  tally.events = uniqueById(stored).length;
  return tally;
}
