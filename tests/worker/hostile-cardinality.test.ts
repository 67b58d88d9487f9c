/**
 * 100,000 random distinct paths in one UTC day (issue 12, invariant 4), through the real ingest
 * API and the real consumer: the per-day cap holds (at most MAX_PATHS_PER_DAY templates plus
 * `(other)` anywhere in D1), every event is still counted, and the aggregates grow with the cap,
 * not with the attacker's paths.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { expect, it } from "vitest";
import { OTHER_PATH } from "../../worker/src/db/write-events";
import { recordReliability } from "../reliability-record";
import { api, callWorker, captureQueue, consume, HOUR, ingestRequest, resetStorage } from "./harness";

const DISTINCT_PATHS = 100_000;
const CAP = Number(env.MAX_PATHS_PER_DAY);

/** Distinct paths of word segments (kept verbatim by the normaliser: no `:id` collapsing). */
function distinctPaths(count: number, seed: number): string[] {
  const word = fc.stringMatching(/^[a-z]{3,10}$/);
  const path = fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => `/${words.join("/")}`);
  const paths = new Set<string>();
  for (let round = 0; paths.size < count; round++)
    for (const p of fc.sample(path, { numRuns: count, seed: seed + round })) paths.add(p);
  return [...paths].slice(0, count);
}

const scalar = async (sql: string): Promise<number> =>
  (await env.DB.prepare(sql).first<{ n: number }>())?.n ?? Number.NaN;

it("holds the per-day path cap and counts every event", async ({ task }) => {
  await resetStorage();
  const paths = distinctPaths(DISTINCT_PATHS, 12);
  expect(new Set(paths).size).toBe(DISTINCT_PATHS);
  // One hour of one UTC day (the previous whole hour), so one day's cap applies to all.
  const hour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const queue = captureQueue();
  let fiveXx = 0;
  for (let i = 0; i < paths.length; i += 1_000) {
    const events = paths.slice(i, i + 1_000).map((path, j) => ({
      ts: hour + ((i + j) % HOUR),
      method: "GET",
      path,
      status: 200,
      durationMs: 1,
      clientHash: `attacker-${j % 50}`,
    }));
    const { response, body } = await callWorker(ingestRequest(JSON.stringify(events)));
    if (response.status >= 500) fiveXx += 1;
    expect(response.status, body).toBe(202);
  }
  expect(queue.events().length).toBe(DISTINCT_PATHS);
  const bodies = queue.bodies();
  for (let i = 0; i < bodies.length; i += 100)
    expect((await consume(bodies.slice(i, i + 100))).retried).toEqual([]);

  const counted = await scalar("SELECT sum(requests) AS n FROM path_stats_hourly");
  recordReliability(task, {
    scenario: "100,000 random distinct paths in one day, through ingest and the consumer",
    events: DISTINCT_PATHS,
    faults: "path cardinality attack",
    lost: Math.max(0, DISTINCT_PATHS - counted),
    doubleCounted: Math.max(0, counted - DISTINCT_PATHS),
    fiveXx,
  });
  // The cap held everywhere paths are stored.
  for (const table of ["traffic_events", "path_stats_hourly", "daily_paths"])
    expect(
      await scalar(`SELECT count(DISTINCT path) AS n FROM ${table} WHERE path != '${OTHER_PATH}'`),
      table,
    ).toBe(CAP);
  // Aggregates grow with the cap, not with the attacker's paths: one row per template and hour.
  expect(await scalar("SELECT count(*) AS n FROM path_stats_hourly")).toBe(CAP + 1);
  // And nothing was lost: every event counted, the overflow under `(other)`.
  expect(await scalar("SELECT sum(requests) AS n FROM path_stats_hourly")).toBe(DISTINCT_PATHS);
  expect(await scalar(`SELECT sum(requests) AS n FROM path_stats_hourly WHERE path = '${OTHER_PATH}'`)).toBe(
    DISTINCT_PATHS - CAP,
  );
  const summary = await api(`/api/stats/summary?from=${hour}&to=${hour + HOUR}`);
  expect(await summary.json()).toMatchObject({ requests: DISTINCT_PATHS, paths: CAP });
}, 300_000);
