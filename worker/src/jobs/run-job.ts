/**
 * Runs one job "as of" a clock value and records it in job_runs (shown by the health endpoint).
 *
 * job_runs doubles as a lease: a run starts only if the job is not already running (or the
 * running one is older than LEASE_MS, i.e. crashed without recording its end), so the cron and
 * the ops endpoint never run the same job twice at once. A failed run records outcome "error"
 * with the message and rethrows, so the platform shows the cron invocation as failed too.
 */
import { configOf } from "../config";
import { finishJobRun, startJobRun } from "../db/job-runs";
import type { Env } from "../env";
import type { CronJob } from "../manifest";
import { isoTime } from "../shared/time";
import type { JobOutcome } from "./job";
import { JOBS } from "./registry";

/** A cron invocation may run for 15 minutes; a "running" row older than this crashed. */
export const LEASE_MS = 15 * 60_000;

export interface JobReport {
  job: CronJob;
  /** The clock the job ran at. */
  asOf: string;
  outcome: JobOutcome | "skipped";
  durationMs: number;
  details: Record<string, unknown>;
}

/** Records the end of a run, at the wall clock. */
const finishRun = (
  db: D1Database,
  run: { job: CronJob; startedAt: number; outcome: string; report: unknown },
) => finishJobRun(db, { ...run, finishedAt: Date.now() });

/** Runs `job` at clock `now`; see the module comment. */
export async function runJob(job: CronJob, env: Env, now: number): Promise<JobReport> {
  const startedAt = Date.now();
  const asOf = isoTime(now);
  const lease = { job, startedAt, staleBefore: startedAt - LEASE_MS, report: { asOf } };
  if (!(await startJobRun(env.DB, lease))) {
    return { job, asOf, outcome: "skipped", durationMs: 0, details: { reason: `${job} is already running` } };
  }
  try {
    const result = await JOBS[job]({ env, config: configOf(env), now });
    const report: JobReport = { job, asOf, ...result, durationMs: Date.now() - startedAt };
    await finishRun(env.DB, { job, startedAt, outcome: result.outcome, report });
    return report;
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const report = {
      job,
      asOf,
      outcome: "error",
      durationMs: Date.now() - startedAt,
      details: { error: message },
    };
    await finishRun(env.DB, { job, startedAt, outcome: "error", report }).catch((recordError: unknown) => {
      console.error(`pathmeter: recording the failure of ${job} failed too: ${String(recordError)}`);
    });
    throw error;
  }
}
