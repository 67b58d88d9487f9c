/**
 * Ops API: `GET /health` — the pipeline's state at a glance: events stored, last batch, rejected
 * and dead-letter counts, the last run of every scheduled job, and the stats cache's hits and
 * misses (cache-counts.ts). Every read is over a small bookkeeping table (never a count over
 * traffic_events), so health stays cheap at any volume.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { type CronJob, manifest } from "../manifest";
import { cacheCounts } from "./cache-counts";
import { isoTime } from "./range";

export interface JobRun {
  startedAt: string;
  /** Null while the job is running or when it never finished. */
  finishedAt: string | null;
  outcome: string;
  /** The job's report (JSON); the raw text when it is not valid JSON. */
  report: unknown;
}

export interface Health {
  /** Events stored since the database was created (each counted once). */
  eventsStored: number;
  /** When the last batch of events committed, ISO-8601; null before the first one. */
  lastBatchAt: string | null;
  rejected: { total: number; bySourceAndCode: { source: string; code: string; count: number }[] };
  /** Messages the events queue gave up on; `pending` ones are not replayed yet. */
  deadLetters: { total: number; pending: number };
  /** One entry per cron job of the manifest; `lastRun` is null when it never ran. */
  jobs: Record<CronJob, { schedule: string; lastRun: JobRun | null }>;
}

interface JobRunRow {
  job: string;
  started_at: number;
  finished_at: number | null;
  outcome: string;
  report: string;
}

const parseReport = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const toJobRun = (row: JobRunRow): JobRun => ({
  startedAt: isoTime(row.started_at),
  finishedAt: row.finished_at === null ? null : isoTime(row.finished_at),
  outcome: row.outcome,
  report: parseReport(row.report),
});

/** Reads the pipeline's health from the bookkeeping tables. */
export async function readHealth(db: D1Database): Promise<Health> {
  const [counters, rejections, deadLetters, runs] = await Promise.all([
    db
      .prepare("SELECT name, value FROM pipeline_counters WHERE name IN ('events_stored', 'last_batch_at')")
      .all<{ name: string; value: number }>(),
    db
      .prepare(
        `SELECT source, code, sum(count) AS count FROM rejections
         GROUP BY source, code ORDER BY source, code`,
      )
      .all<{ source: string; code: string; count: number }>(),
    db
      .prepare(`SELECT count(*) AS total, coalesce(sum(replayed_at IS NULL), 0) AS pending FROM dead_letters`)
      .first<{ total: number; pending: number }>(),
    db.prepare("SELECT job, started_at, finished_at, outcome, report FROM job_runs").all<JobRunRow>(),
  ]);
  const counter = new Map(counters.results.map((r) => [r.name, r.value]));
  const lastBatch = counter.get("last_batch_at");
  const runByJob = new Map(runs.results.map((r) => [r.job, toJobRun(r)]));
  const jobs = Object.fromEntries(
    Object.entries(manifest.crons).map(([job, schedule]) => [
      job,
      { schedule, lastRun: runByJob.get(job) ?? null },
    ]),
  ) as Health["jobs"];
  return {
    eventsStored: counter.get("events_stored") ?? 0,
    lastBatchAt: lastBatch === undefined ? null : isoTime(lastBatch),
    rejected: {
      total: rejections.results.reduce((sum, r) => sum + r.count, 0),
      bySourceAndCode: rejections.results,
    },
    deadLetters: { total: deadLetters?.total ?? 0, pending: deadLetters?.pending ?? 0 },
    jobs,
  };
}

export const opsRoutes = new Hono<AppEnv>();

opsRoutes.get("/health", async function health(c) {
  const [health, cache] = await Promise.all([readHealth(c.env.DB), cacheCounts(c.env.DB)]);
  return c.json({ ...health, cache });
});
