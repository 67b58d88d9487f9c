/**
 * `GET /_pathmeter/api/ops/health` over HTTP: the pipeline's state after real consumer runs
 * (events stored, last batch, rejections by source and code, dead letters, job runs), one entry
 * per cron job of the manifest, no query over traffic_events, and 401 without a token.
 */
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ingestRejectionStatements } from "../../worker/src/db/rejections";
import worker from "../../worker/src/index";
import { manifest } from "../../worker/src/manifest";
import {
  DEAD_LETTER_QUEUE,
  deliver,
  EVENTS_QUEUE,
  envWith,
  generateEvents,
  messagesOf,
  resetStorage,
} from "./harness";

const HEALTH_URL = "http://gateway.test/_pathmeter/api/ops/health";
const authorised = { headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}` } };
const getHealth = async () => {
  const res = await SELF.fetch(HEALTH_URL, authorised);
  expect(res.status).toBe(200);
  return res.json<Record<string, unknown>>();
};

const noRuns = Object.fromEntries(
  Object.entries(manifest.crons).map(([job, schedule]) => [job, { schedule, lastRun: null }]),
);

beforeEach(() => resetStorage());
afterEach(() => {
  vi.restoreAllMocks();
});

describe("GET /_pathmeter/api/ops/health", () => {
  it("reports an empty pipeline with every manifest job never run", async () => {
    expect(await getHealth()).toEqual({
      eventsStored: 0,
      lastBatchAt: null,
      rejected: { total: 0, bySourceAndCode: [] },
      deadLetters: { total: 0, pending: 0 },
      jobs: noRuns,
      cache: { hits: 0, misses: 0 },
      paths: {
        day: new Date().toISOString().slice(0, 10),
        admitted: 0,
        limit: Number(env.MAX_PATHS_PER_DAY),
        capReached: false,
      },
      problems: [],
    });
  });

  it("shows today's distinct paths against MAX_PATHS_PER_DAY, and when the cap is reached", async () => {
    const capped = envWith({ MAX_PATHS_PER_DAY: "2" });
    const healthOf = async () => {
      const res = await worker.fetch(new Request(HEALTH_URL, authorised), capped, createExecutionContext());
      return ((await res.json()) as { paths: unknown }).paths;
    };
    const today = (paths: string[], prefix: string) =>
      generateEvents({ prefix, count: 12, startMs: Date.now() - 60_000, spanMs: 30_000, paths });
    await deliver(EVENTS_QUEUE, messagesOf(today(["/a"], "one"), "one"), undefined, capped);
    const day = new Date().toISOString().slice(0, 10);
    expect(await healthOf()).toEqual({ day, admitted: 1, limit: 2, capReached: false });
    await deliver(EVENTS_QUEUE, messagesOf(today(["/a", "/b", "/c"], "three"), "three"), undefined, capped);
    expect(await healthOf()).toEqual({ day, admitted: 2, limit: 2, capReached: true });
  });

  it("reports what the consumers and jobs recorded", async () => {
    const events = generateEvents({ prefix: "health", count: 70, seed: 50 });
    const beforeBatch = Date.now();
    await deliver(EVENTS_QUEUE, [
      ...messagesOf([...events, ...events.slice(0, 20)], "ok"),
      { id: "bad-1", body: "nope" },
      { id: "bad-2", body: { id: "" } },
      { id: "bad-3", body: 17 },
    ]);
    const afterBatch = Date.now();
    await deliver(EVENTS_QUEUE, [{ id: "bad-1", body: "nope" }]);
    await env.DB.batch(ingestRejectionStatements(env.DB, ["too_old", "too_old", "invalid_path"], Date.now()));
    await deliver(
      DEAD_LETTER_QUEUE,
      [0, 1, 2].map((i) => ({ id: `dead-${i}`, body: events[i], attempts: 6 })),
    );
    await env.DB.prepare("UPDATE dead_letters SET replayed_at = ?1 WHERE message_id = 'dead-1'")
      .bind(Date.now())
      .run();
    const started = Date.UTC(2026, 10, 21, 3, 7);
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO job_runs (job, started_at, finished_at, outcome, report) VALUES (?1, ?2, ?3, ?4, ?5)",
      ).bind("rollup", started, started + 1_500, "ok", JSON.stringify({ hours: 3, sketches: 42 })),
      env.DB.prepare(
        "INSERT INTO job_runs (job, started_at, finished_at, outcome, report) VALUES (?1, ?2, NULL, ?3, ?4)",
      ).bind("archive", started, "running", "not json {"),
    ]);

    const health = await getHealth();
    expect(health).toMatchObject({
      eventsStored: events.length,
      rejected: {
        total: 6,
        bySourceAndCode: [
          { source: "ingest", code: "invalid_path", count: 1 },
          { source: "ingest", code: "too_old", count: 2 },
          { source: "queue", code: "invalid_event", count: 2 },
          { source: "queue", code: "invalid_id", count: 1 },
        ],
      },
      deadLetters: { total: 3, pending: 2 },
      jobs: {
        ...noRuns,
        rollup: {
          schedule: manifest.crons.rollup,
          lastRun: {
            startedAt: "2026-11-21T03:07:00.000Z",
            finishedAt: "2026-11-21T03:07:01.500Z",
            outcome: "ok",
            report: { hours: 3, sketches: 42 },
          },
        },
        archive: {
          schedule: manifest.crons.archive,
          lastRun: {
            startedAt: "2026-11-21T03:07:00.000Z",
            finishedAt: null,
            outcome: "running",
            report: "not json {",
          },
        },
      },
    });
    const lastBatchAt = Date.parse(String(health.lastBatchAt));
    expect(lastBatchAt).toBeGreaterThanOrEqual(beforeBatch);
    expect(lastBatchAt).toBeLessThanOrEqual(afterBatch);
  });

  it("stays cheap: no query touches traffic_events", async () => {
    await deliver(EVENTS_QUEUE, messagesOf(generateEvents({ prefix: "cheap", count: 10 }), "c"));
    const prepare = vi.spyOn(env.DB, "prepare");
    const res = await worker.fetch(new Request(HEALTH_URL, authorised), env, createExecutionContext());
    expect(res.status).toBe(200);
    expect(prepare.mock.calls.length).toBeGreaterThan(0);
    for (const [sql] of prepare.mock.calls) expect(sql).not.toMatch(/traffic_events/);
  });

  it("answers a coded 503 naming D1, not a 500, when D1 fails", async () => {
    vi.spyOn(env.DB, "prepare").mockImplementation(() => {
      throw new Error("D1_ERROR: storage unavailable");
    });
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = await worker.fetch(new Request(HEALTH_URL, authorised), env, createExecutionContext());
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: { code: "unavailable", message: expect.stringContaining("D1") },
    });
    expect(String(logged.mock.calls[0]?.[0])).toContain("storage unavailable");
  });

  it("answers 401 with an error body without a token", async () => {
    const res = await SELF.fetch(HEALTH_URL);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  });
});
