/**
 * Ops API: `GET /health` — the pipeline's state at a glance: events stored, last batch, rejected
 * and dead-letter counts, the last run of every scheduled job, today's distinct paths against the
 * per-day cap, and the stats cache's hits and misses (cache-counts.ts). Every read is over a
 * small bookkeeping table (never a count over traffic_events), so health stays cheap at any volume.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { type Config, configProblems } from "../config";
import { countAdmittedPaths } from "../db/daily-paths";
import { countDeadLetters } from "../db/dead-letters";
import { type JobRunRecord, readJobRuns } from "../db/job-runs";
import { readPipelineCounters } from "../db/pipeline-counters";
import { readRejectionCounts } from "../db/rejections";
import { type CronJob, manifest } from "../manifest";
import { ApiError } from "../shared/api-error";
import { errorMessage } from "../shared/errors";
import { isoDay, isoTime } from "../shared/time";
import { cacheCounts } from "./cache-counts";

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
  /**
   * Distinct paths admitted today (UTC) against MAX_PATHS_PER_DAY (null while it cannot be
   * parsed); once `capReached`, today's new paths are stored as `(other)`.
   */
  paths: { day: string; admitted: number; limit: number | null; capReached: boolean };
  /** Settings that cannot be parsed, one line each naming the setting; [] when all is well. */
  problems: string[];
}

const toJobRun = (run: JobRunRecord): JobRun => ({
  startedAt: isoTime(run.startedAt),
  finishedAt: run.finishedAt === null ? null : isoTime(run.finishedAt),
  outcome: run.outcome,
  report: run.report,
});

/** Reads the pipeline's health from the bookkeeping tables; `pathLimit`: MAX_PATHS_PER_DAY. */
export async function readHealth(
  db: D1Database,
  pathLimit: number | null,
  now: number = Date.now(),
): Promise<Omit<Health, "problems">> {
  const today = isoDay(now);
  const [counters, rejections, deadLetters, runs, admitted] = await Promise.all([
    readPipelineCounters(db),
    readRejectionCounts(db),
    countDeadLetters(db),
    readJobRuns(db),
    countAdmittedPaths(db, today),
  ]);
  const runByJob = new Map(runs.map((r) => [r.job, toJobRun(r)]));
  const jobs = Object.fromEntries(
    Object.entries(manifest.crons).map(([job, schedule]) => [
      job,
      { schedule, lastRun: runByJob.get(job) ?? null },
    ]),
  ) as Health["jobs"];
  return {
    eventsStored: counters.eventsStored,
    lastBatchAt: counters.lastBatchAt === null ? null : isoTime(counters.lastBatchAt),
    rejected: { total: rejections.reduce((sum, r) => sum + r.count, 0), bySourceAndCode: rejections },
    deadLetters,
    jobs,
    paths: {
      day: today,
      admitted,
      limit: pathLimit,
      capReached: pathLimit !== null && admitted >= pathLimit,
    },
  };
}

/** MAX_PATHS_PER_DAY, or null while it cannot be parsed (health lists that among its problems). */
function pathLimitOf(config: Config): number | null {
  try {
    return config.maxPathsPerDay;
  } catch {
    return null;
  }
}

export const opsRoutes = new Hono<AppEnv>();

opsRoutes.get("/health", async function health(c) {
  // Health is what an operator calls when something is wrong: D1 failing is an answer (a coded
  // 503 naming the store), never an unmapped 500.
  const pathLimit = pathLimitOf(c.get("config"));
  const [health, cache] = await Promise.all([readHealth(c.env.DB, pathLimit), cacheCounts(c.env.DB)]).catch(
    (error: unknown) => {
      console.error(`pathmeter: health could not read D1: ${errorMessage(error)}`);
      throw new ApiError(503, "unavailable", "the database (D1) is unavailable; retry later");
    },
  );
  return c.json({ ...health, cache, problems: configProblems(c.env) });
});
